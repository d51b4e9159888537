// FeatureSink: every output format written, closed and read back through FeatureSource
// (values, nulls, coordinates within 1e-7 degrees), and the all-or-nothing contract.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "core/schema.hpp"
#include "io/gdal_sink.hpp"
#include "io/gdal_source.hpp"

namespace minemap::io {
namespace {

namespace fs = std::filesystem;
using core::Coord;
using core::FieldType;
using core::Geometry;
using core::GeomType;
using core::Value;

using testing_support::TempDir;

// ---- test data ----

core::LineString ring(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};  // counter-clockwise
}
core::LineString ring_cw(double x0, double y0, double x1, double y1) {
  auto r = ring(x0, y0, x1, y1);
  std::reverse(r.begin(), r.end());
  return r;
}

// Coordinates with every digit significant, so that precision loss shows.
constexpr double kX = -74.123456789012345;
constexpr double kY = 8.987654321098765;

Geometry test_geometry(GeomType layer, int n) {
  const double x = kX + 0.01 * n;
  const double y = kY + 0.01 * n;
  Geometry g;
  switch (layer) {
    case GeomType::Point: return Geometry::point(x, y);
    case GeomType::LineString:
      g.type = GeomType::LineString;
      g.lines = {{{x, y}, {x + 0.0011, y + 0.0023}, {x + 0.0031, y - 0.0007}}};
      return g;
    case GeomType::MultiPolygon:
      if (n == 0) {  // a polygon with a hole, given as a Polygon: promoted by the sink
        g.type = GeomType::Polygon;
        g.polygons = {{ring(x, y, x + 0.004, y + 0.004),
                       ring_cw(x + 0.001, y + 0.001, x + 0.002, y + 0.002)}};
        return g;
      }
      return Geometry::multipolygon(
          {{ring(x, y, x + 0.004, y + 0.004), ring_cw(x + 0.001, y + 0.001, x + 0.002, y + 0.002)},
           {ring(x + 0.01, y, x + 0.012, y + 0.003)}});
    default: return g;
  }
}

const std::vector<SinkColumn> kColumns = {{"ref", FieldType::Text},   {"count", FieldType::Integer},
                                          {"ratio", FieldType::Real}, {"ok", FieldType::Boolean},
                                          {"day", FieldType::Date},   {"note", FieldType::Text},
                                          {"status", FieldType::Enum}};

std::vector<Value> test_values(int n) {
  switch (n) {
    case 0:
      return {std::string("R-0"),        std::int64_t{42},
              0.1234567890123,           true,
              std::string("2024-01-05"), std::string("Año 1990, \"Nechí\" <x> & y"),
              std::string("suspected")};
    case 1:  // nulls everywhere but the key
      return {std::string("R-1"), std::monostate{}, std::monostate{}, std::monostate{},
              std::monostate{},   std::monostate{}, std::monostate{}};
    default:
      return {std::string("R-2"),
              std::int64_t{-7},
              -12345.5,
              false,
              std::string("1999-12-31"),
              std::string("second line\nand more"),
              std::string("confirmed")};
  }
}

// ---- comparison ----

// The parts of a geometry as flat lists (a Polygon is a MultiPolygon of one), since formats
// change single/multi types (shapefiles, GPX tracks).
struct Parts {
  std::vector<Coord> points;
  std::vector<core::LineString> lines;
  std::vector<core::Polygon> polygons;
};
Parts parts(const Geometry& g) {
  return {g.points, g.lines, g.polygons};
}

bool near(const Coord& a, const Coord& b) {
  return std::fabs(a.x - b.x) <= 1e-7 && std::fabs(a.y - b.y) <= 1e-7;
}

// Equal within 1e-7, or equal reversed (shapefiles store outer rings clockwise).
bool same_ring(const core::LineString& a, const core::LineString& b) {
  if (a.size() != b.size()) return false;
  bool fwd = true, rev = true;
  for (std::size_t i = 0; i < a.size(); ++i) {
    fwd = fwd && near(a[i], b[i]);
    rev = rev && near(a[i], b[b.size() - 1 - i]);
  }
  return fwd || rev;
}

void expect_same_geometry(const Geometry& want, const Geometry& got, const std::string& what) {
  Parts w = parts(want), g = parts(got);
  ASSERT_EQ(w.points.size(), g.points.size()) << what;
  for (std::size_t i = 0; i < w.points.size(); ++i)
    EXPECT_TRUE(near(w.points[i], g.points[i]))
        << what << ": " << g.points[i].x << " " << g.points[i].y;
  ASSERT_EQ(w.lines.size(), g.lines.size()) << what;
  for (std::size_t i = 0; i < w.lines.size(); ++i)
    EXPECT_TRUE(same_ring(w.lines[i], g.lines[i])) << what << " line " << i;
  ASSERT_EQ(w.polygons.size(), g.polygons.size()) << what;
  for (std::size_t i = 0; i < w.polygons.size(); ++i) {
    ASSERT_EQ(w.polygons[i].size(), g.polygons[i].size()) << what << " polygon " << i;
    for (std::size_t r = 0; r < w.polygons[i].size(); ++r)
      EXPECT_TRUE(same_ring(w.polygons[i][r], g.polygons[i][r]))
          << what << " polygon " << i << " ring " << r;
  }
}

// What each format gives back, where it is not what was written.
struct Expectations {
  bool booleans_as_int = false;   // 1/0 instead of true/false
  bool newlines_dropped = false;  // "a\nb" -> "ab"
};

Expectations expectations(SinkFormat f) {
  Expectations e;
  e.booleans_as_int = f == SinkFormat::Shp || f == SinkFormat::Kml || f == SinkFormat::Gpx;
  e.newlines_dropped = f == SinkFormat::Gpx;
  return e;
}

void expect_same_value(const Value& want, const Value& got, FieldType type, SinkFormat f,
                       const std::string& what) {
  if (std::holds_alternative<std::monostate>(want)) {
    EXPECT_TRUE(std::holds_alternative<std::monostate>(got))
        << what << ": got " << core::value_to_text(got);
    return;
  }
  switch (type) {
    case FieldType::Integer:
      ASSERT_TRUE(std::holds_alternative<std::int64_t>(got)) << what << ": " << got.index();
      EXPECT_EQ(std::get<std::int64_t>(want), std::get<std::int64_t>(got)) << what;
      break;
    case FieldType::Real: {
      ASSERT_TRUE(std::holds_alternative<double>(got)) << what << ": " << got.index();
      double w = std::get<double>(want), g = std::get<double>(got);
      EXPECT_NEAR(w, g, std::fabs(w) * 1e-14) << what;
      break;
    }
    case FieldType::Boolean:
      if (expectations(f).booleans_as_int) {
        ASSERT_TRUE(std::holds_alternative<std::int64_t>(got)) << what << ": " << got.index();
        EXPECT_EQ(std::get<bool>(want) ? 1 : 0, std::get<std::int64_t>(got)) << what;
      } else {
        ASSERT_TRUE(std::holds_alternative<bool>(got)) << what << ": " << got.index();
        EXPECT_EQ(std::get<bool>(want), std::get<bool>(got)) << what;
      }
      break;
    default: {
      ASSERT_TRUE(std::holds_alternative<std::string>(got)) << what << ": " << got.index();
      std::string w = std::get<std::string>(want);
      if (expectations(f).newlines_dropped) std::erase(w, '\n');
      EXPECT_EQ(w, std::get<std::string>(got)) << what;
    }
  }
}

std::string extension(SinkFormat f) {
  switch (f) {
    case SinkFormat::GeoJson: return ".geojson";
    case SinkFormat::Gpkg: return ".gpkg";
    case SinkFormat::Shp: return ".shp";
    case SinkFormat::Kml: return ".kml";
    case SinkFormat::Csv: return ".csv";
    case SinkFormat::Fgb: return ".fgb";
    case SinkFormat::Gpx: return ".gpx";
  }
  return "";
}

struct RoundTrip {
  SinkFormat format;
  GeomType geom;
};

std::string name_of(const ::testing::TestParamInfo<RoundTrip>& p) {
  std::string g = p.param.geom == GeomType::Point        ? "Points"
                  : p.param.geom == GeomType::LineString ? "Lines"
                                                         : "Polygons";
  return std::string(to_string(p.param.format)) + g;
}

class SinkRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(SinkRoundTrip, ValuesAndCoordinatesComeBack) {
  const auto [format, geom] = GetParam();
  TempDir dir;
  const std::string path = dir.file("out" + extension(format));
  {
    FeatureSink sink(path, format, "hazards", geom, kColumns, false);
    for (int n = 0; n < 3; ++n) sink.write(test_values(n), test_geometry(geom, n));
    EXPECT_EQ(sink.written(), 3);
    sink.close();
    for (const auto& w : sink.warnings()) std::cout << "  sink warning: " << w << "\n";
  }
  ASSERT_TRUE(fs::exists(path));
  for (const auto& e : dir.entries()) EXPECT_NE(e[0], '.') << "temporary left: " << e;

  FeatureSource src(path);
  for (const auto& w : src.warnings()) std::cout << "  source warning: " << w << "\n";
  EXPECT_EQ(src.crs(), "EPSG:4326");
  const auto& cols = src.columns();
  std::map<std::string, std::size_t> at;
  for (const auto& c : kColumns) {
    auto it = std::find(cols.begin(), cols.end(), c.name);
    ASSERT_NE(it, cols.end()) << "column " << c.name << " missing from " << src.driver();
    at[c.name] = static_cast<std::size_t>(it - cols.begin());
  }
  if (auto n = src.count()) {
    EXPECT_EQ(*n, 3);
  }

  std::map<std::string, SourceFeature> by_ref;  // FlatGeobuf's spatial index reorders
  SourceFeature f;
  while (src.next(f)) {
    ASSERT_TRUE(std::holds_alternative<std::string>(f.values[at["ref"]]));
    by_ref[std::get<std::string>(f.values[at["ref"]])] = f;
  }
  ASSERT_EQ(by_ref.size(), 3u);
  for (int n = 0; n < 3; ++n) {
    const std::string ref = "R-" + std::to_string(n);
    ASSERT_TRUE(by_ref.count(ref)) << ref;
    const SourceFeature& got = by_ref[ref];
    const auto want = test_values(n);
    for (std::size_t c = 0; c < kColumns.size(); ++c)
      expect_same_value(want[c], got.values[at[kColumns[c].name]], kColumns[c].type, format,
                        ref + "." + kColumns[c].name);
    EXPECT_EQ(got.geometry_error, "");
    expect_same_geometry(test_geometry(geom, n), got.geometry, ref);
  }
}

std::vector<RoundTrip> round_trips() {
  std::vector<RoundTrip> out;
  for (auto f : {SinkFormat::GeoJson, SinkFormat::Gpkg, SinkFormat::Shp, SinkFormat::Kml,
                 SinkFormat::Csv, SinkFormat::Fgb, SinkFormat::Gpx})
    for (auto g : {GeomType::Point, GeomType::LineString, GeomType::MultiPolygon})
      if (f != SinkFormat::Gpx || g != GeomType::MultiPolygon) out.push_back({f, g});
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllFormats, SinkRoundTrip, ::testing::ValuesIn(round_trips()), name_of);

// ---- format quirks pinned down ----

TEST(SinkQuirks, NumericLookingTextStaysText) {
  // GPX extensions have no types: GDAL guesses from the values, so "0042" comes back 42.
  for (auto f : {SinkFormat::GeoJson, SinkFormat::Gpkg, SinkFormat::Shp, SinkFormat::Kml,
                 SinkFormat::Csv, SinkFormat::Fgb}) {
    TempDir dir;
    const std::string path = dir.file("t" + extension(f));
    FeatureSink sink(path, f, "", GeomType::Point, {{"code", FieldType::Text}}, false);
    sink.write({std::string("0042")}, Geometry::point(1, 2));
    sink.close();
    FeatureSource src(path);
    SourceFeature feat;
    ASSERT_TRUE(src.next(feat));
    auto c = std::find(src.columns().begin(), src.columns().end(), "code");
    ASSERT_NE(c, src.columns().end());
    EXPECT_EQ(feat.values[static_cast<std::size_t>(c - src.columns().begin())],
              Value(std::string("0042")))
        << to_string(f);
  }
}

TEST(SinkQuirks, GpxGuessesTypesOnReading) {
  TempDir dir;
  const std::string path = dir.file("t.gpx");
  FeatureSink sink(path, SinkFormat::Gpx, "", GeomType::Point,
                   {{"code", FieldType::Text}, {"n", FieldType::Integer}}, false);
  sink.write({std::string("0042"), std::int64_t{2147483647}}, Geometry::point(1, 2));
  EXPECT_THROW(sink.write({std::string("x"), std::int64_t{2147483648}}, Geometry::point(1, 2)),
               core::InputError);  // GDAL would read it back as 2147483647
  sink.close();
  FeatureSource src(path);
  SourceFeature f;
  ASSERT_TRUE(src.next(f));
  const auto& c = src.columns();
  auto at = [&](const char* name) {
    return static_cast<std::size_t>(std::find(c.begin(), c.end(), name) - c.begin());
  };
  EXPECT_EQ(f.values[at("code")], Value(std::int64_t{42}));
  EXPECT_EQ(f.values[at("n")], Value(std::int64_t{2147483647}));
}

TEST(SinkQuirks, ShapefileKeepsLongTextAndUtf8) {
  TempDir dir;
  const std::string path = dir.file("long.shp");
  const std::string text = std::string(200, 'x') + " ñ";
  FeatureSink sink(path, SinkFormat::Shp, "", GeomType::Point, {{"note", FieldType::Text}}, false);
  sink.write({text}, Geometry::point(1, 2));
  sink.close();
  EXPECT_TRUE(fs::exists(dir.file("long.dbf")));
  EXPECT_TRUE(fs::exists(dir.file("long.shx")));
  EXPECT_TRUE(fs::exists(dir.file("long.prj")));
  EXPECT_TRUE(fs::exists(dir.file("long.cpg")));
  FeatureSource src(path);
  SourceFeature f;
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.values[0], Value(text));
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Given the widths of its columns (sink_width of every value), a shapefile is written at
// its final widths: the very files that resizing on close makes, without the rewrites.
TEST(SinkQuirks, ShapefileWithWidthsIsTheFileResizingMakes) {
  TempDir dir;
  std::vector<SinkColumn> columns = kColumns;
  columns.emplace_back("empty", FieldType::Text);  // null in every row: width 1
  columns.emplace_back("none", FieldType::Integer);
  std::vector<std::vector<Value>> rows;
  for (int n = 0; n < 3; ++n) {
    rows.push_back(test_values(n));
    rows.back().insert(rows.back().end(), {std::monostate{}, std::monostate{}});
  }
  rows[1][1] = std::string("123456");  // an integer given as text
  rows[2][1] = -7.0;                   // and as a whole real
  auto write = [&](const std::string& name, const std::vector<SinkColumn>& cols) {
    const std::string path = dir.file(name + ".shp");
    FeatureSink sink(path, SinkFormat::Shp, "", GeomType::Point, cols, false);
    for (std::size_t n = 0; n < rows.size(); ++n)
      sink.write(rows[n], test_geometry(GeomType::Point, static_cast<int>(n)));
    sink.close();
  };
  write("resized", columns);
  for (auto& c : columns) {
    c.width = 0;
    for (const auto& row : rows)
      c.width =
          std::max(*c.width, sink_width(row[static_cast<std::size_t>(&c - &columns[0])], c.type));
  }
  EXPECT_EQ(columns[0].width, 3u);                                                 // "R-0"
  EXPECT_EQ(columns[1].width, 6u);                                                 // "123456"
  EXPECT_EQ(columns[5].width, std::string("Año 1990, \"Nechí\" <x> & y").size());  // bytes
  write("sized", columns);
  for (const char* ext : {".dbf", ".shp", ".shx", ".prj", ".cpg"}) {
    const std::string a = slurp(dir.file(std::string("resized") + ext));
    EXPECT_FALSE(a.empty()) << ext;
    EXPECT_TRUE(a == slurp(dir.file(std::string("sized") + ext))) << ext << " differs";
  }
}

TEST(SinkWidth, TextBytesAndIntegerDigits) {
  EXPECT_EQ(sink_width(std::monostate{}, FieldType::Text), 0u);
  EXPECT_EQ(sink_width(std::string("ñu"), FieldType::Text), 3u);
  EXPECT_EQ(sink_width(std::int64_t{-120}, FieldType::Text), 4u);
  EXPECT_EQ(sink_width(std::int64_t{-120}, FieldType::Integer), 4u);
  EXPECT_EQ(sink_width(std::string("0042"), FieldType::Integer), 2u);  // written as 42
  EXPECT_EQ(sink_width(1e6, FieldType::Integer), 7u);
  EXPECT_EQ(sink_width(std::string("x"), FieldType::Integer), 0u);  // write() refuses it
  EXPECT_EQ(sink_width(12345.678, FieldType::Real), 0u);
  EXPECT_EQ(sink_width(true, FieldType::Boolean), 0u);
}

TEST(SinkQuirks, GpxRefusesPolygonsAndBareRecords) {
  TempDir dir;
  const std::string path = dir.file("x.gpx");
  try {
    FeatureSink sink(path, SinkFormat::Gpx, "", GeomType::MultiPolygon, kColumns, false);
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "--format");
    EXPECT_NE(std::string(e.what()).find("not polygons"), std::string::npos);
  }
  FeatureSink sink(path, SinkFormat::Gpx, "", GeomType::Point, kColumns, false);
  EXPECT_THROW(sink.write(test_values(0), Geometry{}), core::InputError);
  EXPECT_TRUE(dir.entries().size() == 1u);  // only the temporary directory
  EXPECT_FALSE(fs::exists(path));
}

TEST(SinkQuirks, NullGeometry) {
  for (auto f :
       {SinkFormat::GeoJson, SinkFormat::Gpkg, SinkFormat::Shp, SinkFormat::Kml, SinkFormat::Csv}) {
    TempDir dir;
    const std::string path = dir.file("n" + extension(f));
    FeatureSink sink(path, f, "", GeomType::Point, {{"ref", FieldType::Text}}, false);
    sink.write({std::string("a")}, Geometry{});
    sink.write({std::string("b")}, Geometry::point(3, 4));
    sink.close();
    FeatureSource src(path);
    std::map<std::string, Geometry> got;
    SourceFeature feat;
    auto c = std::find(src.columns().begin(), src.columns().end(), "ref");
    ASSERT_NE(c, src.columns().end());
    while (src.next(feat))
      got[std::get<std::string>(feat.values[static_cast<std::size_t>(c - src.columns().begin())])] =
          feat.geometry;
    ASSERT_EQ(got.size(), 2u) << to_string(f);
    EXPECT_EQ(got["a"].type, GeomType::None) << to_string(f);
    EXPECT_EQ(got["b"], Geometry::point(3, 4)) << to_string(f);
  }
  // GDAL 3.6 FlatGeobuf would silently skip the feature: refused instead.
  TempDir dir;
  FeatureSink sink(dir.file("n.fgb"), SinkFormat::Fgb, "", GeomType::Point,
                   {{"ref", FieldType::Text}}, false);
  EXPECT_THROW(sink.write({std::string("a")}, Geometry{}), core::InputError);
}

TEST(SinkQuirks, AttributesOnly) {
  for (auto f :
       {SinkFormat::GeoJson, SinkFormat::Gpkg, SinkFormat::Shp, SinkFormat::Kml, SinkFormat::Csv}) {
    TempDir dir;
    const std::string path = dir.file("v" + extension(f));
    FeatureSink sink(path, f, "victims", GeomType::None, kColumns, false);
    sink.write(test_values(0), Geometry{});
    EXPECT_THROW(sink.write(test_values(2), Geometry::point(1, 2)), core::InputError);
    sink.write(test_values(1), Geometry{});
    sink.close();
    // A shapefile without geometries is a lone .dbf (the sink warns about it).
    FeatureSource src(f == SinkFormat::Shp ? dir.file("v.dbf") : path);
    // GeoJSON and KML readers always offer a (WGS 84) geometry column.
    if (f != SinkFormat::GeoJson && f != SinkFormat::Kml) {
      EXPECT_EQ(src.crs(), "") << to_string(f);
    }
    SourceFeature feat;
    int n = 0;
    while (src.next(feat)) {
      EXPECT_EQ(feat.geometry.type, GeomType::None);
      ++n;
    }
    EXPECT_EQ(n, 2) << to_string(f);
  }
  TempDir dir;
  EXPECT_THROW(FeatureSink(dir.file("v.fgb"), SinkFormat::Fgb, "", GeomType::None, kColumns, false),
               core::InputError);
}

TEST(SinkQuirks, Kml32BitIntegers) {
  TempDir dir;
  FeatureSink sink(dir.file("k.kml"), SinkFormat::Kml, "", GeomType::Point,
                   {{"n", FieldType::Integer}}, false);
  sink.write({std::int64_t{2147483647}}, Geometry::point(0, 0));
  EXPECT_THROW(sink.write({std::int64_t{2147483648}}, Geometry::point(0, 0)), core::InputError);
  sink.close();
  FeatureSource src(dir.file("k.kml"));
  EXPECT_EQ(src.count().value_or(1), 1);
}

TEST(SinkQuirks, KmzThroughLibkml) {
  TempDir dir;
  const std::string path = dir.file("z.kmz");
  EXPECT_EQ(sink_format("", path), SinkFormat::Kml);
  FeatureSink sink(path, SinkFormat::Kml, "items", GeomType::Point, kColumns, false);
  sink.write(test_values(0), Geometry::point(kX, kY));
  sink.close();
  FeatureSource src(path);
  EXPECT_EQ(src.driver(), "LIBKML");
  SourceFeature f;
  ASSERT_TRUE(src.next(f));
  expect_same_geometry(Geometry::point(kX, kY), f.geometry, "kmz");
}

// ---- conversions, errors and the all-or-nothing contract ----

TEST(SinkFormatName, FromNameOrExtension) {
  EXPECT_EQ(sink_format("GPKG", "whatever.txt"), SinkFormat::Gpkg);
  EXPECT_EQ(sink_format("", "a/b.geojson"), SinkFormat::GeoJson);
  EXPECT_EQ(sink_format("", "b.JSON"), SinkFormat::GeoJson);
  EXPECT_EQ(sink_format("", "b.shp"), SinkFormat::Shp);
  EXPECT_EQ(sink_format("", "b.kml"), SinkFormat::Kml);
  EXPECT_EQ(sink_format("", "b.csv"), SinkFormat::Csv);
  EXPECT_EQ(sink_format("", "b.fgb"), SinkFormat::Fgb);
  EXPECT_EQ(sink_format("", "b.gpx"), SinkFormat::Gpx);
  EXPECT_EQ(to_string(SinkFormat::Fgb), "fgb");
  try {
    sink_format("", "b.xyz");
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "--format");
  }
  EXPECT_THROW(sink_format("dxf", "b.dxf"), core::InputError);
}

TEST(SinkContract, NothingWithoutClose) {
  TempDir dir;
  const std::string path = dir.file("out.shp");
  {
    FeatureSink sink(path, SinkFormat::Shp, "", GeomType::Point, kColumns, false);
    sink.write(test_values(0), Geometry::point(1, 2));
    // an exception in the caller's loop: the sink is destroyed unclosed
  }
  EXPECT_TRUE(dir.entries().empty()) << dir.entries().front();
}

TEST(SinkContract, BadValueWritesNothingAndLeavesNothing) {
  TempDir dir;
  const std::string path = dir.file("out.gpkg");
  try {
    FeatureSink sink(path, SinkFormat::Gpkg, "", GeomType::Point, kColumns, false);
    sink.write(test_values(0), Geometry::point(1, 2));
    auto bad = test_values(0);
    bad[1] = std::string("many");  // not an integer
    sink.write(bad, Geometry::point(1, 2));
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "count");
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(SinkContract, ConversionsThatLoseNothing) {
  TempDir dir;
  const std::string path = dir.file("c.geojson");
  FeatureSink sink(path, SinkFormat::GeoJson, "", GeomType::MultiPolygon,
                   {{"n", FieldType::Integer},
                    {"r", FieldType::Real},
                    {"t", FieldType::Text},
                    {"b", FieldType::Boolean}},
                   false);
  sink.write({std::string("12"), std::int64_t{3}, 2.5, std::string("true")},
             test_geometry(GeomType::MultiPolygon, 0));
  EXPECT_THROW(sink.write({1.5, 1.0, std::string(), false}, Geometry{}), core::InputError);
  EXPECT_THROW(sink.write({std::int64_t{1}}, Geometry{}), std::invalid_argument);
  EXPECT_THROW(sink.write({std::int64_t{1}, 1.0, std::string(), false},
                          test_geometry(GeomType::LineString, 0)),
               core::InputError);
  sink.close();
  FeatureSource src(path);
  SourceFeature f;
  ASSERT_TRUE(src.next(f));
  EXPECT_EQ(f.values[0], Value(std::int64_t{12}));
  EXPECT_EQ(f.values[1], Value(3.0));
  EXPECT_EQ(f.values[2], Value(std::string("2.5")));
  EXPECT_EQ(f.values[3], Value(true));
  EXPECT_EQ(f.geometry.type, GeomType::MultiPolygon);
  EXPECT_FALSE(src.next(f));
}

TEST(SinkContract, CloseMovesIntoPlaceAndRefusesToOverwrite) {
  TempDir dir;
  const std::string path = dir.file("out.shp");
  {
    FeatureSink sink(path, SinkFormat::Shp, "", GeomType::Point, kColumns, false);
    sink.write(test_values(0), Geometry::point(1, 2));
    sink.close();
    sink.close();  // no-op
  }
  EXPECT_EQ(dir.entries(),
            (std::vector<std::string>{"out.cpg", "out.dbf", "out.prj", "out.shp", "out.shx"}));
  EXPECT_THROW(FeatureSink(path, SinkFormat::Shp, "", GeomType::Point, kColumns, false),
               core::Conflict);

  std::ofstream(dir.file("out.qix")) << "stale index";
  {
    FeatureSink sink(path, SinkFormat::Shp, "", GeomType::Point, kColumns, true);
    sink.write(test_values(2), Geometry::point(5, 6));
    sink.write(test_values(1), Geometry::point(7, 8));
    sink.close();
  }
  EXPECT_EQ(dir.entries(),
            (std::vector<std::string>{"out.cpg", "out.dbf", "out.prj", "out.shp", "out.shx"}));
  FeatureSource src(path);
  EXPECT_EQ(src.count(), 2);
}

TEST(SinkContract, MissingDirectoryIsAStorageError) {
  TempDir dir;
  EXPECT_THROW(FeatureSink(dir.file("no/such/dir/x.gpkg"), SinkFormat::Gpkg, "", GeomType::Point,
                           kColumns, false),
               core::StorageError);
  EXPECT_THROW(
      FeatureSink(dir.file("x.dbf"), SinkFormat::Shp, "", GeomType::Point, kColumns, false),
      core::InputError);
}

TEST(SinkContract, CsvAndFgbWithoutTheirExtension) {
  // CSV and FlatGeobuf make a directory when the name has no extension: not here.
  for (auto f : {SinkFormat::Csv, SinkFormat::Fgb}) {
    TempDir dir;
    const std::string path = dir.file("export");
    FeatureSink sink(path, f, "", GeomType::Point, kColumns, false);
    sink.write(test_values(0), Geometry::point(1, 2));
    sink.close();
    EXPECT_TRUE(fs::is_regular_file(path)) << to_string(f);
    const auto want = f == SinkFormat::Csv
                          ? std::vector<std::string>{"export", "export.csvt", "export.prj"}
                          : std::vector<std::string>{"export"};
    EXPECT_EQ(dir.entries(), want);
  }
}

}  // namespace
}  // namespace minemap::io
