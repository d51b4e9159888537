// GeoJsonSource, the streaming GeoJSON reader, against FeatureSource (GDAL) on the same
// files: columns, every value and its type, every coordinate bit for bit. Files it is
// not sure about must be refused, and then open_feature_reader() reads them with GDAL.
#include <gtest/gtest.h>
#include <stdlib.h>  // setenv

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/require.hpp"
#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "core/schema.hpp"
#include "io/feature_reader.hpp"
#include "io/gdal_source.hpp"
#include "io/geojson_source.hpp"
#include "ops/importer.hpp"
#include "store/registry.hpp"

namespace minemap::io {
namespace {

using core::GeomType;
using core::Value;
using testing_support::TempDir;

// One reader's view of a file, as text exact to the bit (doubles in hex).
std::string describe(const Value& v) {
  std::ostringstream o;
  if (std::holds_alternative<std::monostate>(v)) o << "null";
  if (const auto* s = std::get_if<std::string>(&v)) o << "text \"" << *s << "\"";
  if (const auto* i = std::get_if<std::int64_t>(&v)) o << "int " << *i;
  if (const auto* d = std::get_if<double>(&v)) o << "real " << std::hexfloat << *d;
  if (const auto* b = std::get_if<bool>(&v)) o << "bool " << *b;
  return o.str();
}

std::string describe(const core::Coord& c) {
  std::ostringstream o;
  o << std::hexfloat << " (" << c.x << " " << c.y << ")";
  return o.str();
}

std::string describe(const SourceFeature& f) {
  std::string out = "feature " + std::to_string(f.index) + ":";
  for (const auto& v : f.values) out += " " + describe(v);
  out += std::string(" | ") + core::to_string(f.geometry.type);
  for (const auto& c : f.geometry.points) out += describe(c);
  for (const auto& l : f.geometry.lines) {
    out += " L";
    for (const auto& c : l) out += describe(c);
  }
  for (const auto& p : f.geometry.polygons) {
    out += " P";
    for (const auto& r : p) {
      out += " R";
      for (const auto& c : r) out += describe(c);
    }
  }
  if (!f.geometry_error.empty()) out += " error: " + f.geometry_error;
  return out;
}

struct Read {
  std::vector<std::string> columns, features, warnings;
  std::string layer, driver;
  std::optional<std::int64_t> count;
};

Read read_all(FeatureReader& r) {
  Read out;
  out.columns = r.columns();
  out.layer = r.layer_name();
  out.driver = r.driver();
  out.count = r.count();
  SourceFeature f;
  while (r.next(f)) out.features.push_back(describe(f));
  out.warnings = r.warnings();
  return out;
}

Read read_all(FeatureSource& s) {
  struct Adapter final : FeatureReader {
    explicit Adapter(FeatureSource& src) : s(src) {}
    const std::vector<std::string>& columns() const override { return s.columns(); }
    std::optional<std::int64_t> count() override { return s.count(); }
    bool next(SourceFeature& f) override { return s.next(f); }
    std::string layer_name() const override { return s.layer_name(); }
    std::string driver() const override { return s.driver(); }
    std::vector<std::string> warnings() const override { return s.warnings(); }
    FeatureSource& s;
  } a(s);
  return read_all(a);
}

void expect_same(const Read& gdal, const Read& fast) {
  EXPECT_EQ(fast.columns, gdal.columns);
  EXPECT_EQ(fast.layer, gdal.layer);
  EXPECT_EQ(fast.driver, gdal.driver);
  EXPECT_EQ(fast.count, gdal.count);
  EXPECT_EQ(fast.warnings, gdal.warnings);
  ASSERT_EQ(fast.features.size(), gdal.features.size());
  for (std::size_t i = 0; i < gdal.features.size(); ++i)
    EXPECT_EQ(fast.features[i], gdal.features[i]);
}

// The fast reader must take the file and read what GDAL reads; returns its view.
Read expect_fast_and_same(const std::string& path) {
  std::string why;
  auto fast = GeoJsonSource::open(path, &why);
  EXPECT_TRUE(fast) << "refused: " << why;
  if (!fast) return {};
  FeatureSource gdal(path);
  Read g = read_all(gdal), f = read_all(*fast);
  expect_same(g, f);
  return f;
}

std::string collection(const std::vector<std::string>& features, const std::string& head = "") {
  std::string out = R"({"type": "FeatureCollection", )" + head + R"("features": [)";
  for (std::size_t i = 0; i < features.size(); ++i) out += (i ? ",\n" : "\n") + features[i];
  return out + "\n]}\n";
}

std::string point_feature(const std::string& props, const std::string& coords = "[1, 2]") {
  return R"({"type": "Feature", "properties": {)" + props +
         R"(}, "geometry": {"type": "Point", "coordinates": )" + coords + "}}";
}

TEST(GeoJsonSource, MixedPropertySetsGiveGdalsColumnOrder) {
  TempDir d;
  // GDAL orders the columns by "comes after" in each feature, ties by name.
  const auto path = d.write("mixed.geojson", collection({
                                                 point_feature(R"("b": 1, "zz": "x")"),
                                                 point_feature(R"("a": 2.5, "zz": "y")"),
                                                 point_feature(R"("c": true, "a": 3, "d": null)"),
                                                 point_feature(R"("s": "late", "b": 7)"),
                                                 point_feature(""),
                                                 point_feature(R"("zz": "z", "b": 2)"),
                                             }));
  Read r = expect_fast_and_same(path);
  EXPECT_EQ(r.columns.size(), 6u);
}

TEST(GeoJsonSource, ValueTypes) {
  TempDir d;
  const auto path = d.write(
      "values.geojson",
      collection({
          point_feature(R"("i": 1, "i64": 2147483648, "r": 1e5, "mix": 1, "nul": null,
                           "b": true, "s": "text", "date": "2019-03-05", "neg0": -0)"),
          point_feature(R"("i": -2147483649, "i64": 123456789012345678, "r": 1E-3,
                           "mix": 2.5, "nul": null, "b": false, "s": "PMN-2",
                           "date": "2020-12-31", "neg0": -0.0)"),
          point_feature(R"("i": null, "r": -2.5e+10, "mix": -0, "b": null, "s": "12",
                           "date": "2021-02-30", "neg0": 0.1e-5)"),
          point_feature(R"("r": 0.30000000000000004, "mix": 9007199254740993, "s": "mortar 82 mm",
                           "date": null)"),
      }));
  expect_fast_and_same(path);
}

TEST(GeoJsonSource, TextsAndEscapes) {
  TempDir d;
  const auto path = d.write(
      "texts.geojson",
      collection({
          point_feature(R"("t": "caf\u00e9", "k\u00e9y": "x")"),
          point_feature(R"("t": "\ud83d\ude00 smile", "k\u00e9y": "y")"),
          point_feature(
              R"("t": "tab\there \"quoted\" back\\slash sl\/ash \n\r\b\f", "k\u00e9y": "")"),
          point_feature(R"("t": "日本語 é ü", "k\u00e9y": " ")"),
          point_feature(R"("t": "Tank", "k\u00e9y": "TM-62M")"),
      }));
  expect_fast_and_same(path);
}

TEST(GeoJsonSource, NullAndEmptyGeometries) {
  TempDir d;
  std::vector<std::string> fs = {
      R"({"type": "Feature", "properties": {"n": 1}, "geometry": null})",
      R"({"type": "Feature", "properties": {"n": 2}})",
      R"({"type": "Feature", "properties": null, "geometry": {"type": "Point", "coordinates": [1, 2]}})"};
  for (const char* t :
       {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"})
    fs.push_back(R"({"type": "Feature", "properties": {"n": 3}, "geometry": {"type": ")" +
                 std::string(t) + R"(", "coordinates": []}})");
  const auto path = d.write("empty.geojson", collection(fs));
  Read r = expect_fast_and_same(path);
  ASSERT_EQ(r.features.size(), 9u);
  EXPECT_NE(r.features[0].find("| none"), std::string::npos);
}

TEST(GeoJsonSource, EveryGeometryType) {
  TempDir d;
  auto feature = [](const std::string& geometry) {
    return R"({"type": "Feature", "properties": {}, "geometry": )" + geometry + "}";
  };
  const auto path = d.write(
      "geometries.geojson",
      collection(
          {
              feature(R"({"type": "Point", "coordinates": [46.1234567, 39.7654321]})"),
              feature(R"({"type": "Point", "coordinates": [46.5, 39.5, 1200.5]})"),  // Z dropped
              feature(R"({"type": "MultiPoint", "coordinates": [[1, 2], [3, 4, 5]]})"),
              feature(R"({"type": "LineString", "coordinates": [[1, 2], [3, 4], [5.5, 6.25]]})"),
              feature(R"({"type": "LineString", "coordinates": [[1, 2]]})"),
              feature(
                  R"({"type": "MultiLineString", "coordinates": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]})"),
              feature(R"({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})"),
              // With a hole, and another with one, in a MultiPolygon
              feature(R"({"type": "MultiPolygon", "coordinates": [
              [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[2, 2], [4, 2], [4, 4], [2, 2]]],
              [[[20, 20], [30, 20], [30, 30], [20, 20]]]]})"),
              feature(R"({"coordinates": [[[0, 0, 1], [1, 0, 2], [1, 1, 3], [0, 0, 1]]],
                      "bbox": [0, 0, 1, 1], "type": "Polygon"})"),  // coordinates before type
              feature(R"({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]})"),
              feature(R"({"type": "Point", "coordinates": [-0, -0.0]})"),
              feature(R"({"type": "Point", "coordinates": [1e2, 12345678901234567e-16]})"),
          },
          R"("bbox": [0, 0, 30, 30], )"));
  expect_fast_and_same(path);
}

TEST(GeoJsonSource, FeatureIdsNameAndCrs) {
  TempDir d;
  for (const char* crs :
       {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326"}) {
    const std::string head =
        R"("name": "field_items", "crs": {"type": "name", "properties": {"name": ")" +
        std::string(crs) + R"("}}, )";
    const auto path = d.write(
        "ids.geojson",
        collection(
            {
                R"({"type": "Feature", "properties": {"b": 1}, "geometry": null})",
                R"({"type": "Feature", "id": "X-1", "properties": {"a": 1, "b": 2}, "geometry": null})",
                R"({"properties": {"c": 1}, "id": "X-2", "type": "Feature", "title": "ignored"})",
            },
            head));
    Read r = expect_fast_and_same(path);
    EXPECT_EQ(r.layer, "field_items");
  }
}

TEST(GeoJsonSource, ForeignMembersAfterTheFeatures) {
  TempDir d;
  const auto path =
      d.write("foreign.geojson",
              R"({"type": "FeatureCollection", "features": [)" + point_feature(R"("a": 1)") +
                  R"(], "properties": {"meta": {"x": [1, 2]}}, "name": "late"})");
  EXPECT_EQ(expect_fast_and_same(path).layer, "late");
}

TEST(GeoJsonSource, ManyFeaturesAcrossReadChunks) {
  // Over 4 MB, so that features, texts and numbers straddle the reads.
  TempDir d;
  std::mt19937 rng(7);
  std::string text = R"({"type":"FeatureCollection","features":[)";
  for (int i = 0; i < 25000; ++i) {
    std::uniform_real_distribution<double> lon(-180, 180), lat(-90, 90);
    std::ostringstream f;
    f.precision(17);
    f << (i ? ",\n" : "\n")
      << R"({"type":"Feature","properties":{"category":"AP_MINE","model":"caf\u00e9 )" << i
      << R"(","quantity":)" << i % 7 << R"(,"depth":)" << lat(rng) / 7
      << R"(,"found":"2019-03-05"},"geometry":{"type":"Polygon","coordinates":[[[)" << lon(rng)
      << "," << lat(rng) << "],[1,2],[3,4.5],[" << 0 << "," << 0 << "]]]}}";
    // A closed ring: the first position again.
    std::string s = f.str();
    const auto open = s.find("[[[") + 3;
    const auto first = s.substr(open, s.find(']', open) - open);
    s.replace(s.rfind("[0,0]"), 5, "[" + first + "]");
    text += s;
  }
  text += "\n]}\n";
  ASSERT_GT(text.size(), std::size_t{5} << 20);
  const auto path = d.write("many.geojson", text);
  Read r = expect_fast_and_same(path);
  EXPECT_EQ(r.features.size(), 25000u);
}

TEST(GeoJsonSource, RealData) {
  const char* shared = std::getenv("MINEMAP_SHARED_DATA");
  MINEMAP_REQUIRE(shared, "MINEMAP_SHARED_DATA is not set");
  std::vector<std::filesystem::path> files = {std::filesystem::path(shared) / "aze-adm2.geojson"};
  const auto colombia = std::filesystem::path(shared) / "colombia-mine-events";
  if (std::filesystem::exists(colombia))
    for (const auto& e : std::filesystem::directory_iterator(colombia)) files.push_back(e.path());
  int read = 0;
  for (const auto& f : files) {
    if (!std::filesystem::exists(f)) continue;
    SCOPED_TRACE(f.string());
    expect_fast_and_same(f.string());
    ++read;
  }
  MINEMAP_REQUIRE(read > 0, "no real data under " << shared);
}

// ---- files the fast reader must leave to GDAL ----

struct Refused {
  const char* name;
  std::string text;
};

std::vector<Refused> refused_files() {
  const auto bad3 = [](const std::string& third) {
    return collection({point_feature(R"("a": 1)"), point_feature(R"("a": 2)"),
                       point_feature(R"("a": 3)"), third, point_feature(R"("a": 5)")});
  };
  return {
      {"crs 3857", collection({point_feature(R"("a": 1)", "[5000000, 4000000]")},
                              R"("crs": {"type": "name", "properties": {"name": "EPSG:3857"}}, )")},
      {"geometry collection",
       collection(
           {R"({"type": "Feature", "properties": {}, "geometry": {"type": "GeometryCollection",
                    "geometries": [{"type": "Point", "coordinates": [1, 2]}]}})"})},
      {"nested object", collection({point_feature(R"("a": {"b": 1})")})},
      {"array property", collection({point_feature(R"("a": [1, 2])")})},
      {"time text", collection({point_feature(R"("t": "10:30")")})},
      {"date time text", collection({point_feature(R"("t": "2019-03-05T10:00:00Z")")})},
      {"other date spelling", collection({point_feature(R"("t": "2019/03/05")")})},
      {"text and number in one column",
       collection({point_feature(R"("a": "x")"), point_feature(R"("a": 1)")})},
      {"boolean and number in one column",
       collection({point_feature(R"("a": true)"), point_feature(R"("a": 1)")})},
      {"integer past 64 bits", collection({point_feature(R"("a": 9223372036854775808)")})},
      {"numeric feature id",
       collection({R"({"type": "Feature", "id": 7, "properties": {}, "geometry": null})"})},
      {"id property and feature id",
       collection(
           {R"({"type": "Feature", "id": "a", "properties": {"id": "b"}, "geometry": null})"})},
      {"no properties, a column named like a member",  // GDAL puts "Feature" in "type"
       collection({point_feature(R"("type": "x")"), R"({"type": "Feature", "geometry": null})"})},
      {"null properties, a foreign member with a column's name",
       collection({point_feature(R"("title": "x")"),
                   R"({"type": "Feature", "properties": null, "title": "y", "geometry": null})"})},
      {"no properties, other members",
       collection({R"({"type": "Feature", "title": "x", "geometry": null})"})},
      {"names differing in case only",
       collection({point_feature(R"("Name": "a")"), point_feature(R"("name": "b")")})},
      {"duplicate key", collection({point_feature(R"("a": 1, "a": 2)")})},
      {"member name in another case",  // GDAL finds "geomeTry" as the geometry
       collection({R"({"type": "Feature", "properties": {}, "geomeTry": {"type": "Point",
                    "coordinates": [1, 2]}})"})},
      {"unclosed ring",
       collection({R"({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                    "coordinates": [[[0, 0], [1, 0], [1, 1]]]}})"})},
      {"ring closed in another spelling",
       collection({R"({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                    "coordinates": [[[0, 0], [1, 0], [1, 1], [0.0, 0]]]}})"})},
      {"empty part", collection({R"({"type": "Feature", "properties": {}, "geometry":
                    {"type": "MultiPoint", "coordinates": [[1, 2], []]}})"})},
      {"4D position", collection({point_feature("", "[1, 2, 3, 4]")})},
      {"not a FeatureCollection", point_feature(R"("a": 1)")},
      {"type not first", R"({"features": [], "type": "FeatureCollection"})"},
      {"byte order mark", "\xEF\xBB\xBF" + collection({point_feature(R"("a": 1)")})},
      {"malformed at feature 3",
       bad3(R"({"type": "Feature", "properties": {"a": 4,}, "geometry": null})")},
      {"truncated at feature 3", bad3(R"({"type": "Feature", "properties": {"a": 4)")},
      {"more after the collection", collection({point_feature(R"("a": 1)")}) + "{}"},
      {"topology", collection({point_feature(R"("type": "Topology")")})},
      {"a KML marker", collection({point_feature(R"("remarks": "<kml xmlns=")")})},
      {"a VICAR marker", collection({point_feature(R"("LBLSIZE": 1)")})},
      {"invalid UTF-8", collection({point_feature("\"a\": \"\xff\"")})},
      {"lone surrogate", collection({point_feature(R"("a": "\ud83d")")})},
      {"NUL escape", collection({point_feature(R"("a": "x\u0000y")")})},
  };
}

TEST(GeoJsonSource, RefusesWhatItIsNotSureAbout) {
  TempDir d;
  for (const auto& [name, text] : refused_files()) {
    SCOPED_TRACE(name);
    const auto path = d.write("refused.geojson", text);
    std::string why;
    EXPECT_FALSE(GeoJsonSource::open(path, &why));
    EXPECT_FALSE(why.empty());
    // The importer's reader is then GDAL's: the same outcome, error or not.
    std::string gdal_error, chosen_error;
    Read g, c;
    try {
      FeatureSource src(path);
      g = read_all(src);
    } catch (const core::InputError& e) {
      gdal_error = e.what();
    }
    try {
      auto r = open_feature_reader(path);
      c = read_all(*r);
    } catch (const core::InputError& e) {
      chosen_error = e.what();
    }
    EXPECT_EQ(chosen_error, gdal_error);
    expect_same(g, c);
  }
}

TEST(GeoJsonSource, OptionsAndNamesChooseGdal) {
  TempDir d;
  const std::string text = collection({point_feature(R"("a": 1)")});
  ASSERT_TRUE(GeoJsonSource::open(d.write("ok.geojson", text)));
  ASSERT_TRUE(GeoJsonSource::open(d.write("ok.JSON", text)));
  // Not refused by the reader, but not offered to it: --layer, --crs, other names.
  SourceOptions layer;
  layer.layer = "ok";
  EXPECT_EQ(read_all(*open_feature_reader(d.file("ok.geojson"), layer)).features.size(), 1u);
  EXPECT_EQ(read_all(*open_feature_reader(d.write("ok.txt", text))).driver, "GeoJSON");
  EXPECT_FALSE(GeoJsonSource::open(d.file("missing.geojson")));
  EXPECT_FALSE(GeoJsonSource::open(d.path().string()));  // a directory
}

TEST(GeoJsonSource, FileChangedBetweenPassesNamesTheFeature) {
  TempDir d;
  std::vector<std::string> fs;
  for (int i = 0; i < 5; ++i) fs.push_back(point_feature(R"("a": )" + std::to_string(i)));
  const auto path = d.write("changing.geojson", collection(fs));
  auto fast = GeoJsonSource::open(path);
  ASSERT_TRUE(fast);
  fs[3] = R"({"type": "Feature", "properties": {"a": 3,}, "geometry": null})";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << collection(fs);
  SourceFeature f;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(fast->next(f));
  try {
    fast->next(f);
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("changing.geojson"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("feature 3: "), std::string::npos) << e.what();
  }
}

TEST(GeoJsonSource, FromBytesReadsAsTheFileDoes) {
  TempDir d;
  const std::string text =
      collection({point_feature(R"("a": 1, "b": "x")"), point_feature(R"("b": "y")")});
  auto from_file = GeoJsonSource::open(d.write("bytes.geojson", text));
  auto from_bytes = GeoJsonSource::from_bytes(text, d.file("bytes.geojson"));
  ASSERT_TRUE(from_file && from_bytes);
  expect_same(read_all(*from_file), read_all(*from_bytes));
}

// ---- the whole import, through either reader ----

struct Imported {
  ops::ImportSummary summary;
  std::vector<core::Record> records;
  std::vector<std::string> audit_after;
  std::string rejects;
};

Imported import_with(const std::string& reader, const std::string& input, const TempDir& d) {
  ::setenv("MINEMAP_IMPORT_READER", reader.c_str(), 1);
  const auto store_path = d.file(reader + ".gpkg");
  store::Registry reg = store::Registry::open(store_path, true);
  ops::ImportOptions opt;
  opt.spec = &core::spec(core::Entity::Item);
  opt.progress = false;
  opt.skip_errors = true;
  opt.rejects_path = d.file(reader + ".rejects.csv");
  Imported out;
  out.summary = ops::import_file(reg, input, opt, store::Actor{});
  ::unsetenv("MINEMAP_IMPORT_READER");
  out.summary.seconds = 0;
  out.summary.rejects_file.clear();
  out.records = reg.list(*opt.spec);
  for (const auto& r : out.records)
    for (const auto& e : reg.history(*opt.spec, r.id)) out.audit_after.push_back(e.after);
  std::ostringstream rejects;
  rejects << std::ifstream(opt.rejects_path).rdbuf();
  out.rejects = rejects.str();
  EXPECT_FALSE(reg.verify_audit());
  return out;
}

TEST(GeoJsonSource, ImportGivesTheSameStoreThroughEitherReader) {
  TempDir d;
  std::vector<std::string> fs;
  const char* cats[] = {"AP_MINE", "AT_MINE", "UXO", "SUBMUNITION"};
  for (int i = 0; i < 300; ++i) {
    std::ostringstream p;
    p.precision(10);
    p << R"("category": ")" << cats[i % 4] << R"(", "model": "PMN-2", "quantity": )" << 1 + i % 3
      << R"(, "found": "2019-03-)" << (10 + i % 18) << R"(", "depth_cm": )" << i % 30
      << R"(, "note": "caf\u00e9")";
    std::ostringstream at;
    at.precision(10);
    at << "[" << 46.5 + i * 0.001 << ", " << 39.2 + i * 0.0007 << "]";
    fs.push_back(point_feature(p.str(), at.str()));
  }
  fs[17] = R"({"type": "Feature", "properties": {"category": "UXO"}, "geometry": null})";
  fs[42] = point_feature(R"("category": "bomb")");
  const auto input = d.write("items.geojson", collection(fs));
  ASSERT_TRUE(GeoJsonSource::open(input));

  Imported fast = import_with("auto", input, d), gdal = import_with("gdal", input, d);
  EXPECT_EQ(fast.summary.imported, 298);
  EXPECT_EQ(summary_json(fast.summary), summary_json(gdal.summary));
  EXPECT_EQ(fast.records, gdal.records);
  EXPECT_EQ(fast.audit_after, gdal.audit_after);
  EXPECT_EQ(fast.rejects, gdal.rejects);
}

}  // namespace
}  // namespace minemap::io
