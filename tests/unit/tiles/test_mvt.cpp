// The MVT encoder: tile math against the standard Web Mercator formulas, exact bytes
// for the spec's examples, clipping and ring orientation checked with a decoder written
// here on protozero's reader (independent of the encoder), and a whole tile read back by
// GDAL's MVT driver.
#include <cpl_error.h>
#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <numbers>
#include <optional>
#include <ostream>
#include <protozero/pbf_reader.hpp>
#include <protozero/varint.hpp>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "tiles/mvt.hpp"

namespace minemap::tiles::mvt {

// For readable failure messages (found by argument-dependent lookup).
void PrintTo(const TilePoint& p, std::ostream* os) {
  *os << "(" << p.x << ", " << p.y << ")";
}

namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;
using core::Value;

constexpr double kPi = std::numbers::pi;
constexpr double kR = 6378137.0;

// A byte string from a literal, embedded NULs included.
template <std::size_t N>
std::string bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

// ---- An independent decoder ----

using DecodedValue = std::variant<std::string, float, double, std::int64_t /* int */,
                                  std::uint64_t /* uint */, bool>;
struct DecodedFeature {
  std::optional<std::uint64_t> id;
  std::vector<std::uint32_t> tags;
  int type = 0;
  std::vector<std::uint32_t> geometry;
};

struct DecodedLayer {
  std::uint32_t version = 1;
  std::string name;
  std::uint32_t extent = 4096;
  std::vector<std::string> keys;
  std::vector<DecodedValue> values;
  std::vector<int> value_fields;  // the Value field number each value used
  std::vector<DecodedFeature> features;
};

std::vector<DecodedLayer> decode(const std::string& bytes) {
  std::vector<DecodedLayer> out;
  protozero::pbf_reader tile(bytes);
  while (tile.next()) {
    EXPECT_EQ(tile.tag(), 3u) << "unexpected Tile field";
    if (tile.tag() != 3) {
      tile.skip();
      continue;
    }
    DecodedLayer l;
    protozero::pbf_reader layer = tile.get_message();
    while (layer.next()) {
      switch (layer.tag()) {
        case 15: l.version = layer.get_uint32(); break;
        case 1: l.name = layer.get_string(); break;
        case 5: l.extent = layer.get_uint32(); break;
        case 3: l.keys.push_back(layer.get_string()); break;
        case 4: {
          protozero::pbf_reader v = layer.get_message();
          int n = 0;
          while (v.next()) {
            ++n;
            l.value_fields.push_back(static_cast<int>(v.tag()));
            switch (v.tag()) {
              case 1: l.values.emplace_back(v.get_string()); break;
              case 2: l.values.emplace_back(v.get_float()); break;
              case 3: l.values.emplace_back(v.get_double()); break;
              case 4: l.values.emplace_back(v.get_int64()); break;
              case 5: l.values.emplace_back(v.get_uint64()); break;
              case 6: l.values.emplace_back(v.get_sint64()); break;
              case 7: l.values.emplace_back(v.get_bool()); break;
              default: ADD_FAILURE() << "bad Value field " << v.tag(); v.skip();
            }
          }
          EXPECT_EQ(n, 1) << "a Value has exactly one field";
          break;
        }
        case 2: {
          DecodedFeature f;
          protozero::pbf_reader fr = layer.get_message();
          while (fr.next()) {
            switch (fr.tag()) {
              case 1: f.id = fr.get_uint64(); break;
              case 2:
                for (auto t : fr.get_packed_uint32()) f.tags.push_back(t);
                break;
              case 3: f.type = fr.get_enum(); break;
              case 4:
                for (auto g : fr.get_packed_uint32()) f.geometry.push_back(g);
                break;
              default: ADD_FAILURE() << "bad Feature field " << fr.tag(); fr.skip();
            }
          }
          l.features.push_back(std::move(f));
          break;
        }
        default: ADD_FAILURE() << "bad Layer field " << layer.tag(); layer.skip();
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

struct Path {
  std::vector<TilePoint> points;
  bool closed = false;
};

// Geometry commands -> paths (one path of all points for POINT), checking the command
// grammar of MVT 2.1 section 4.3.4 on the way.
std::vector<Path> paths(const DecodedFeature& f) {
  std::vector<Path> out;
  const auto& g = f.geometry;
  std::int64_t x = 0, y = 0;
  std::size_t i = 0;
  const auto read = [&](bool check_nonzero) {
    const std::int32_t dx = protozero::decode_zigzag32(g.at(i));
    const std::int32_t dy = protozero::decode_zigzag32(g.at(i + 1));
    i += 2;
    if (check_nonzero) {
      EXPECT_FALSE(dx == 0 && dy == 0) << "LineTo with a zero delta";
    }
    x += dx;
    y += dy;
    return TilePoint{x, y};
  };
  if (f.type == 1) {
    EXPECT_FALSE(g.empty());
    if (g.empty()) return out;
    const std::uint32_t cmd = g[i] & 7, count = g[i] >> 3;
    ++i;
    EXPECT_EQ(cmd, 1u);
    EXPECT_GE(count, 1u);
    Path p;
    for (std::uint32_t k = 0; k < count; ++k) p.points.push_back(read(false));
    EXPECT_EQ(i, g.size()) << "a point geometry is one MoveTo";
    out.push_back(p);
    return out;
  }
  while (i < g.size()) {
    std::uint32_t cmd = g[i] & 7, count = g[i] >> 3;
    ++i;
    EXPECT_EQ(cmd, 1u);
    EXPECT_EQ(count, 1u);
    Path p;
    p.points.push_back(read(false));
    cmd = g.at(i) & 7;
    count = g.at(i) >> 3;
    ++i;
    EXPECT_EQ(cmd, 2u);
    EXPECT_GE(count, f.type == 3 ? 2u : 1u);
    for (std::uint32_t k = 0; k < count; ++k) p.points.push_back(read(true));
    if (f.type == 3) {
      EXPECT_EQ(g.at(i), 15u) << "ClosePath with count 1";
      ++i;
      p.closed = true;
    }
    out.push_back(p);
  }
  return out;
}

// Twice the signed area by the surveyor's formula, in tile coordinates.
std::int64_t area2(const std::vector<TilePoint>& r) {
  std::int64_t s = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const auto& a = r[i];
    const auto& b = r[(i + 1) % r.size()];
    s += a.x * b.y - b.x * a.y;
  }
  return s;
}

// ---- Building input in tile units ----

// The lon/lat position at tile coordinates (tx, ty), through the standard formulas.
Coord at(const TileId& t, double tx, double ty, std::uint32_t extent = 4096) {
  const double n = std::ldexp(1.0, t.z);
  const double wx = (t.x + tx / extent) / n;  // 0..1 from the west
  const double wy = (t.y + ty / extent) / n;  // 0..1 from the north
  return {wx * 360.0 - 180.0, std::atan(std::sinh(kPi * (1 - 2 * wy))) * 180.0 / kPi};
}

Geometry line(const TileId& t, std::initializer_list<std::pair<double, double>> pts) {
  Geometry g;
  g.type = GeomType::LineString;
  g.lines.emplace_back();
  for (auto [x, y] : pts) g.lines.back().push_back(at(t, x, y));
  return g;
}

core::LineString ring(const TileId& t, std::initializer_list<std::pair<double, double>> pts) {
  core::LineString r;
  for (auto [x, y] : pts) r.push_back(at(t, x, y));
  r.push_back(r.front());
  return r;
}

Geometry polygon(std::vector<core::LineString> rings) {
  Geometry g;
  g.type = GeomType::Polygon;
  g.polygons.push_back(std::move(rings));
  return g;
}

Geometry point(const TileId& t, double x, double y) {
  const Coord c = at(t, x, y);
  return Geometry::point(c.x, c.y);
}

const TileId kTile{12, 2869, 1638};  // a tile over northern Afghanistan

// ---- Tile math ----

TEST(MvtTileMath, ZoomZeroBounds) {
  const auto m = tile_bounds_mercator({0, 0, 0});
  EXPECT_DOUBLE_EQ(m.min_x, -20037508.342789244);
  EXPECT_DOUBLE_EQ(m.min_y, -20037508.342789244);
  EXPECT_DOUBLE_EQ(m.max_x, 20037508.342789244);
  EXPECT_DOUBLE_EQ(m.max_y, 20037508.342789244);
  const auto g = tile_bounds_lonlat({0, 0, 0});
  EXPECT_NEAR(g.min_x, -180.0, 1e-12);
  EXPECT_NEAR(g.max_x, 180.0, 1e-12);
  EXPECT_NEAR(g.min_y, -85.0511287798, 1e-10);
  EXPECT_NEAR(g.max_y, 85.0511287798, 1e-10);
}

TEST(MvtTileMath, CornersMatchStandardFormulas) {
  struct Case {
    int z;
    std::uint32_t x, y;
  };
  for (const Case& c : {Case{1, 0, 0}, Case{1, 1, 1}, Case{1, 0, 1}, Case{2, 1, 2}, Case{2, 3, 0},
                        Case{10, 708, 414}, Case{10, 0, 1023}, Case{10, 1023, 0}}) {
    SCOPED_TRACE(std::to_string(c.z) + "/" + std::to_string(c.x) + "/" + std::to_string(c.y));
    const double n = std::ldexp(1.0, c.z);
    const auto lon = [&](double x) { return x / n * 360.0 - 180.0; };
    const auto lat = [&](double y) {
      return std::atan(std::sinh(kPi * (1 - 2 * y / n))) * 180 / kPi;
    };
    const auto g = tile_bounds_lonlat({c.z, c.x, c.y});
    EXPECT_NEAR(g.min_x, lon(c.x), 1e-9);
    EXPECT_NEAR(g.max_x, lon(c.x + 1), 1e-9);
    EXPECT_NEAR(g.max_y, lat(c.y), 1e-9);
    EXPECT_NEAR(g.min_y, lat(c.y + 1), 1e-9);
    const double size = 2 * 20037508.342789244 / n;
    const auto m = tile_bounds_mercator({c.z, c.x, c.y});
    EXPECT_NEAR(m.min_x, -20037508.342789244 + c.x * size, 1e-6);
    EXPECT_NEAR(m.max_x, -20037508.342789244 + (c.x + 1) * size, 1e-6);
    EXPECT_NEAR(m.max_y, 20037508.342789244 - c.y * size, 1e-6);
    EXPECT_NEAR(m.min_y, 20037508.342789244 - (c.y + 1) * size, 1e-6);
  }
  // The zoom-1 tiles meet at (0°, 0°).
  EXPECT_NEAR(tile_bounds_lonlat({1, 1, 1}).min_x, 0.0, 1e-12);
  EXPECT_NEAR(tile_bounds_lonlat({1, 1, 1}).max_y, 0.0, 1e-12);
}

TEST(MvtTileMath, MercatorRoundTrip) {
  const Coord m = lonlat_to_mercator({69.2, 34.5});
  EXPECT_NEAR(m.x, kR * 69.2 * kPi / 180, 1e-6);
  EXPECT_NEAR(m.y, kR * std::log(std::tan(kPi / 4 + 34.5 * kPi / 360)), 1e-6);
  const Coord g = mercator_to_lonlat(m);
  EXPECT_NEAR(g.x, 69.2, 1e-12);
  EXPECT_NEAR(g.y, 34.5, 1e-12);
  EXPECT_TRUE(std::isfinite(lonlat_to_mercator({0, 90}).y));
  EXPECT_TRUE(std::isfinite(lonlat_to_mercator({0, -95}).y));
}

void expect_input_error(auto f, const std::string& field) {
  try {
    f();
    ADD_FAILURE() << "no InputError for " << field;
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
  }
}

TEST(MvtTileMath, RejectsOutOfRangeIds) {
  expect_input_error([] { tile_id(31, 0, 0); }, "z");
  expect_input_error([] { tile_id(-1, 0, 0); }, "z");
  expect_input_error([] { tile_id(3, -1, 0); }, "x");
  expect_input_error([] { tile_id(3, 8, 0); }, "x");
  expect_input_error([] { tile_id(3, 0, 8); }, "y");
  expect_input_error([] { tile_id(0, 0, -1); }, "y");
  expect_input_error([] { tile_id(30, std::int64_t{1} << 30, 0); }, "x");
  EXPECT_EQ(tile_id(30, (1 << 30) - 1, (1 << 30) - 1),
            (TileId{30, (1u << 30) - 1, (1u << 30) - 1}));
  EXPECT_EQ(tile_id(0, 0, 0), (TileId{0, 0, 0}));
  // Functions that take a TileId check it too.
  expect_input_error([] { tile_bounds_mercator({31, 0, 0}); }, "z");
  expect_input_error([] { tile_bounds_lonlat({2, 4, 0}); }, "x");
  expect_input_error([] { Layer("a", TileId{5, 0, 32}); }, "y");
  expect_input_error([] { TileTransform(TileId{1, 2, 0}); }, "x");
}

TEST(MvtTileMath, TransformAndPostgisRounding) {
  // The tile's corners map to (0, 0) and (extent, extent).
  const auto b = tile_bounds_lonlat(kTile);
  const TileTransform tr(kTile);
  const Coord tl = tr.project({b.min_x, b.max_y});
  const Coord br = tr.project({b.max_x, b.min_y});
  EXPECT_NEAR(tl.x, 0, 1e-6);
  EXPECT_NEAR(tl.y, 0, 1e-6);
  EXPECT_NEAR(br.x, 4096, 1e-6);
  EXPECT_NEAR(br.y, 4096, 1e-6);
  EXPECT_EQ(tr.quantise(at(kTile, 100.3, 2000.7)), (TilePoint{100, 2001}));
  EXPECT_EQ(tr.quantise(at(kTile, -5000.2, 9000.6)), (TilePoint{-5000, 9001}));

  // Ties go to even like PostGIS's rint(), not away from zero: at zoom 0 with an extent
  // of 5, longitude 0 lies at x = 2.5 exactly and the equator at y = 2.5.
  const TileTransform t5(TileId{0, 0, 0}, 5);
  const Coord mid = t5.project({0, 0});
  ASSERT_EQ(mid.x, 2.5);
  ASSERT_EQ(mid.y, 2.5);
  EXPECT_EQ(t5.quantise({0, 0}), (TilePoint{2, 2}));
  const TileTransform t7(TileId{0, 0, 0}, 7);
  ASSERT_EQ(t7.project({0, 0}).x, 3.5);
  EXPECT_EQ(t7.quantise({0, 0}), (TilePoint{4, 4}));
}

TEST(MvtTileMath, TooSmall) {
  // One unit at zoom 0 is 2 * 20037508 / 4096 = 9784 m, about 0.088° of longitude.
  Geometry small = polygon({{{10, 10}, {10.01, 10}, {10.01, 10.01}, {10, 10.01}, {10, 10}}});
  EXPECT_TRUE(too_small(small, 0));
  EXPECT_TRUE(too_small(small, 2));
  EXPECT_FALSE(too_small(small, 4));
  EXPECT_FALSE(too_small(small, 10));
  EXPECT_TRUE(too_small(small.envelope(), 0));
  // A north-south line is thin but long: it stays.
  Geometry meridian;
  meridian.type = GeomType::LineString;
  meridian.lines = {{{10, 10}, {10, 11}}};
  EXPECT_FALSE(too_small(meridian, 0));
  EXPECT_FALSE(too_small(Geometry::point(10, 10), 0));
  EXPECT_TRUE(too_small(Geometry{}, 5));
  expect_input_error([&] { too_small(small, 31); }, "z");
}

// ---- Exact bytes ----

TEST(MvtEncode, SpecExamplePointBytes) {
  // MVT 2.1 section 4.3.5.1: a point at (25, 17) is [9, 50, 34].
  Layer p("p", kTile);
  ASSERT_TRUE(p.add_feature(point(kTile, 25, 17), Attributes{}));
  std::vector<Layer> layers;
  layers.push_back(std::move(p));
  EXPECT_EQ(encode(layers), bytes("\x1a\x11"              // Tile.layers, 17 bytes
                                  "\x78\x02"              // version 2
                                  "\x0a\x01p"             // name "p"
                                  "\x28\x80\x20"          // extent 4096
                                  "\x12\x07"              // a feature, 7 bytes
                                  "\x18\x01"              // type POINT
                                  "\x22\x03\x09\x32\x22"  // geometry [9, 50, 34]
                                  ));
}

TEST(MvtEncode, IdAndAttributeBytes) {
  Layer p("p", kTile);
  ASSERT_TRUE(p.add_feature(point(kTile, 25, 17), Attributes{{"a", std::int64_t{1}}}, 7));
  std::vector<Layer> layers;
  layers.push_back(std::move(p));
  EXPECT_EQ(encode(layers), bytes("\x1a\x1e"              // Tile.layers, 30 bytes
                                  "\x78\x02"              // version 2
                                  "\x0a\x01p"             // name "p"
                                  "\x28\x80\x20"          // extent 4096
                                  "\x12\x0d"              // a feature, 13 bytes
                                  "\x08\x07"              // id 7
                                  "\x12\x02\x00\x00"      // tags [0, 0]
                                  "\x18\x01"              // type POINT
                                  "\x22\x03\x09\x32\x22"  // geometry [9, 50, 34]
                                  "\x1a\x01"
                                  "a"                 // keys ["a"]
                                  "\x22\x02\x28\x01"  // values [{uint_value: 1}]
                                  ));
}

TEST(MvtEncode, SpecExampleLineAndPolygonCommands) {
  Layer l("l", kTile);
  // 4.3.5.2: a line (2,2) (2,10) (10,10) is [9, 4, 4, 18, 0, 16, 16, 0].
  ASSERT_TRUE(l.add_feature(line(kTile, {{2, 2}, {2, 10}, {10, 10}}), Attributes{}));
  // 4.3.5.4: a polygon (3,6) (8,12) (20,34) is [9, 6, 12, 18, 10, 12, 24, 44, 15].
  ASSERT_TRUE(l.add_feature(polygon({ring(kTile, {{3, 6}, {8, 12}, {20, 34}})}), Attributes{}));
  std::vector<Layer> layers;
  layers.push_back(std::move(l));
  const auto decoded = decode(encode(layers));
  ASSERT_EQ(decoded.size(), 1u);
  ASSERT_EQ(decoded[0].features.size(), 2u);
  EXPECT_EQ(decoded[0].features[0].type, 2);
  EXPECT_EQ(decoded[0].features[0].geometry,
            (std::vector<std::uint32_t>{9, 4, 4, 18, 0, 16, 16, 0}));
  EXPECT_EQ(decoded[0].features[1].type, 3);
  EXPECT_EQ(decoded[0].features[1].geometry,
            (std::vector<std::uint32_t>{9, 6, 12, 18, 10, 12, 24, 44, 15}));
}

// ---- Layers, tables, tiles ----

TEST(MvtLayer, KeysAndValuesAreShared) {
  Layer l("hazards", kTile);
  FieldMap a{{"status", std::string("active")},
             {"devices", std::int64_t{3}},
             {"area", 1250.5},
             {"marked", true},
             {"note", std::monostate{}}};
  FieldMap b{{"status", std::string("active")},
             {"devices", std::int64_t{-3}},
             {"area", 1250.5},
             {"marked", false}};
  ASSERT_TRUE(l.add_feature(point(kTile, 100, 100), a, 1));
  ASSERT_TRUE(l.add_feature(point(kTile, 200, 100), b, 2));
  // A repeated key keeps its first value.
  ASSERT_TRUE(l.add_feature(point(kTile, 300, 100),
                            Attributes{{"marked", true}, {"marked", false}, {"x", Value{}}}));
  // A braced list is taken as Attributes.
  ASSERT_TRUE(l.add_feature(point(kTile, 400, 100), {{"devices", std::int64_t{3}}}));
  EXPECT_EQ(l.size(), 4u);
  std::vector<Layer> layers;
  layers.push_back(std::move(l));
  const auto d = decode(encode(layers));
  ASSERT_EQ(d.size(), 1u);
  const DecodedLayer& dl = d[0];
  EXPECT_EQ(dl.version, 2u);
  EXPECT_EQ(dl.name, "hazards");
  EXPECT_EQ(dl.extent, 4096u);
  // std::map order: area, devices, marked, note (null: left out), status.
  EXPECT_EQ(dl.keys, (std::vector<std::string>{"area", "devices", "marked", "status"}));
  ASSERT_EQ(dl.values.size(), 6u);
  EXPECT_EQ(dl.values[0], DecodedValue(1250.5));
  EXPECT_EQ(dl.values[1], DecodedValue(std::uint64_t{3}));
  EXPECT_EQ(dl.values[2], DecodedValue(true));
  EXPECT_EQ(dl.values[3], DecodedValue(std::string("active")));
  EXPECT_EQ(dl.values[4], DecodedValue(std::int64_t{-3}));
  EXPECT_EQ(dl.value_fields, (std::vector<int>{3, 5, 7, 1, 6, 7}));  // -3 is a sint_value
  EXPECT_EQ(dl.values[5], DecodedValue(false));
  ASSERT_EQ(dl.features.size(), 4u);
  EXPECT_EQ(dl.features[0].id, 1u);
  EXPECT_EQ(dl.features[0].tags, (std::vector<std::uint32_t>{0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(dl.features[1].id, 2u);
  EXPECT_EQ(dl.features[1].tags, (std::vector<std::uint32_t>{0, 0, 1, 4, 2, 5, 3, 3}));
  EXPECT_FALSE(dl.features[2].id.has_value());
  EXPECT_EQ(dl.features[2].tags, (std::vector<std::uint32_t>{2, 2}));
  EXPECT_EQ(dl.features[3].tags, (std::vector<std::uint32_t>{1, 1}));
}

TEST(MvtLayer, EmptyLayersAreOmittedAndNamesChecked) {
  std::vector<Layer> layers;
  layers.emplace_back("empty", kTile);
  layers.emplace_back("full", kTile);
  ASSERT_TRUE(layers[1].add_feature(point(kTile, 1, 1), Attributes{}));
  auto d = decode(encode(layers));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].name, "full");
  EXPECT_TRUE(encode(std::vector<Layer>{}).empty());

  layers.emplace_back("full", kTile);
  EXPECT_NO_THROW(encode(layers));  // the second "full" is empty, so left out
  ASSERT_TRUE(layers[2].add_feature(point(kTile, 2, 2), Attributes{}));
  expect_input_error([&] { encode(layers); }, "layers");

  expect_input_error([] { Layer("", kTile); }, "name");
  expect_input_error([] { Layer("a", kTile, {0, 0}); }, "extent");
  expect_input_error([] { Layer("a", kTile, {70000, 0}); }, "extent");
  expect_input_error([] { Layer("a", kTile, {256, 257}); }, "buffer");
}

TEST(MvtLayer, OtherExtentAndMultiPoint) {
  Layer l("p", kTile, {256, 8});
  Geometry mp;
  mp.type = GeomType::MultiPoint;
  mp.points = {at(kTile, 10, 20, 256),
               at(kTile, 10.2, 20.1, 256),
               at(kTile, 30, 5, 256),
               at(kTile, -9, 5, 256),
               {std::nan(""), 1}};
  ASSERT_TRUE(l.add_feature(mp, Attributes{}));
  std::vector<Layer> layers;
  layers.push_back(std::move(l));
  const auto d = decode(encode(layers));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].extent, 256u);
  const auto ps = paths(d[0].features.at(0));
  ASSERT_EQ(ps.size(), 1u);
  // The repeat of (10, 20), the point outside the 8-unit buffer and NaN are gone.
  EXPECT_EQ(ps[0].points, (std::vector<TilePoint>{{10, 20}, {30, 5}}));
}

// ---- Clipping ----

std::vector<Path> single_feature(Layer&& l) {
  std::vector<Layer> layers;
  layers.push_back(std::move(l));
  const auto d = decode(encode(layers));
  if (d.size() != 1 || d[0].features.size() != 1) {
    ADD_FAILURE() << "expected one feature";
    return {};
  }
  return paths(d[0].features[0]);
}

TEST(MvtClip, LineLeavingAndReenteringGivesTwoParts) {
  Layer l("l", kTile);
  ASSERT_TRUE(l.add_feature(
      line(kTile,
           {{-500, 1000}, {1000, 1000}, {1000, 5000}, {3000, 5000}, {3000, 1000}, {5000, 1000}}),
      Attributes{}));
  const auto ps = single_feature(std::move(l));
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].points, (std::vector<TilePoint>{{-64, 1000}, {1000, 1000}, {1000, 4160}}));
  EXPECT_EQ(ps[1].points, (std::vector<TilePoint>{{3000, 4160}, {3000, 1000}, {4160, 1000}}));
}

TEST(MvtClip, DiagonalLineThroughCorners) {
  // Crosses the buffered square from corner region to corner region; a segment that
  // only grazes the outside in between is not a part.
  Layer l("l", kTile);
  ASSERT_TRUE(
      l.add_feature(line(kTile, {{-1000, -1000}, {5000, 5000}, {6000, -1000}}), Attributes{}));
  const auto ps = single_feature(std::move(l));
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].points, (std::vector<TilePoint>{{-64, -64}, {4160, 4160}}));
}

TEST(MvtClip, LinesThatVanish) {
  Layer l("l", kTile);
  EXPECT_FALSE(l.add_feature(line(kTile, {{-1000, 100}, {-500, 3000}}), Attributes{}));
  EXPECT_FALSE(l.add_feature(line(kTile, {{100.1, 100.1}, {100.3, 99.8}}), Attributes{}));
  Geometry nan_line;
  nan_line.type = GeomType::LineString;
  nan_line.lines = {{{std::nan(""), 0}, {1, std::nan("")}}};
  EXPECT_FALSE(l.add_feature(nan_line, Attributes{}));
  EXPECT_FALSE(l.add_feature(Geometry{}, Attributes{}));
  EXPECT_TRUE(l.empty());
}

TEST(MvtClip, PolygonCoveringTheTileGivesTheBufferedSquare) {
  Layer l("a", kTile);
  ASSERT_TRUE(l.add_feature(
      polygon({ring(kTile, {{-3000, -3000}, {-3000, 7000}, {7000, 7000}, {7000, -3000}})}),
      Attributes{}));
  const auto ps = single_feature(std::move(l));
  ASSERT_EQ(ps.size(), 1u);
  std::vector<TilePoint> pts = ps[0].points;
  ASSERT_EQ(pts.size(), 4u);
  EXPECT_EQ(area2(pts), 2 * 4224LL * 4224LL);
  std::sort(pts.begin(), pts.end(), [](const TilePoint& a, const TilePoint& b) {
    return std::tie(a.x, a.y) < std::tie(b.x, b.y);
  });
  EXPECT_EQ(pts, (std::vector<TilePoint>{{-64, -64}, {-64, 4160}, {4160, -64}, {4160, 4160}}));
}

TEST(MvtClip, PolygonCutByTheEdge) {
  Layer l("a", kTile);
  ASSERT_TRUE(
      l.add_feature(polygon({ring(kTile, {{-1000, 100}, {1000, 100}, {1000, 300}, {-1000, 300}})}),
                    Attributes{}));
  const auto ps = single_feature(std::move(l));
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_GT(area2(ps[0].points), 0);
  EXPECT_EQ(std::abs(area2(ps[0].points)), 2 * 1064LL * 200LL);
  for (const auto& p : ps[0].points) EXPECT_GE(p.x, -64);
}

TEST(MvtClip, StraightRunsAndSpikesGo) {
  // A square with a point in the middle of its bottom edge, one on its left edge where
  // the ring closes, and a spike: a zero-width tail up its right edge and back.
  Layer l("a", kTile);
  ASSERT_TRUE(l.add_feature(polygon({ring(kTile, {{0, 500},
                                                  {0, 0},
                                                  {500, 0},
                                                  {1000, 0},
                                                  {1000, 1000},
                                                  {1000, 1500},
                                                  {1000, 1000},
                                                  {0, 1000}})}),
                            Attributes{}));
  const auto ps = single_feature(std::move(l));
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].points.size(), 4u);  // the four corners
  EXPECT_EQ(std::abs(area2(ps[0].points)), 2 * 1000LL * 1000LL);
  for (const auto& p : ps[0].points) {
    EXPECT_TRUE(p.x == 0 || p.x == 1000) << p.x;
    EXPECT_TRUE(p.y == 0 || p.y == 1000) << p.y;
  }
}

TEST(MvtClip, PointsAtTheBufferEdge) {
  Layer l("p", kTile);
  EXPECT_FALSE(l.add_feature(point(kTile, -64.6, 100), Attributes{}));
  EXPECT_FALSE(l.add_feature(point(kTile, 100, 4160.6), Attributes{}));
  EXPECT_FALSE(l.add_feature(point(kTile, 100000, 100), Attributes{}));
  EXPECT_TRUE(l.empty());
  EXPECT_TRUE(encode(std::span<const Layer>(&l, 1)).empty());
  EXPECT_TRUE(l.add_feature(point(kTile, -64.4, 4160.4), Attributes{}));
  const auto ps = single_feature(std::move(l));
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].points, (std::vector<TilePoint>{{-64, 4160}}));
}

TEST(MvtClip, PolygonsThatQuantiseToNothing) {
  Layer l("a", kTile);
  // Within a fraction of a unit: every vertex rounds to (500, 500).
  EXPECT_FALSE(l.add_feature(
      polygon({ring(kTile, {{500.1, 500.1}, {500.3, 500.1}, {500.2, 500.4}})}), Attributes{}));
  // A sliver: distinct vertices on one row after rounding, so no area.
  EXPECT_FALSE(
      l.add_feature(polygon({ring(kTile, {{10, 10}, {2000, 10.2}, {4000, 9.9}})}), Attributes{}));
  // Entirely outside the buffered tile.
  EXPECT_FALSE(
      l.add_feature(polygon({ring(kTile, {{5000, 10}, {6000, 10}, {6000, 500}})}), Attributes{}));
  EXPECT_TRUE(l.empty());
  // A hole that collapses goes; its polygon stays.
  ASSERT_TRUE(
      l.add_feature(polygon({ring(kTile, {{0, 0}, {1000, 0}, {1000, 1000}, {0, 1000}}),
                             ring(kTile, {{500.1, 500.1}, {500.3, 500.1}, {500.2, 500.4}})}),
                    Attributes{}));
  const auto ps = single_feature(std::move(l));
  EXPECT_EQ(ps.size(), 1u);
}

TEST(MvtClip, FarPartsAreLeftOut) {
  Layer l("a", kTile);
  Geometry mp;
  mp.type = GeomType::MultiPolygon;
  mp.polygons = {{ring(kTile, {{-100000, 0}, {-90000, 0}, {-90000, 5000}})},
                 {ring(kTile, {{10, 10}, {100, 10}, {100, 100}, {10, 100}})},
                 {ring(kTile, {{-70, 10}, {-65, 10}, {-65, 100}, {-70, 100}})},
                 {ring(kTile, {{-64, 10}, {-10, 10}, {-10, 100}, {-64, 100}})}};
  ASSERT_TRUE(l.add_feature(mp, Attributes{}));
  Geometry ml;
  ml.type = GeomType::MultiLineString;
  ml.lines = {line(kTile, {{0, 9000}, {4000, 9000}}).lines[0],
              line(kTile, {{0, 4000}, {4000, 4100}}).lines[0]};
  ASSERT_TRUE(l.add_feature(ml, Attributes{}));
  std::vector<Layer> layers;
  layers.push_back(std::move(l));
  const auto d = decode(encode(layers));
  ASSERT_EQ(d.size(), 1u);
  ASSERT_EQ(d[0].features.size(), 2u);
  const auto areas = paths(d[0].features[0]);
  ASSERT_EQ(areas.size(), 2u);
  EXPECT_EQ(area2(areas[0].points), 2 * 90 * 90);
  EXPECT_EQ(area2(areas[1].points), 2 * 54 * 90);
  const auto lines = paths(d[0].features[1]);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].points, (std::vector<TilePoint>{{0, 4000}, {4000, 4100}}));
}

TEST(MvtClip, PolygonReachingThePole) {
  // A top-row tile: the part of the polygon north of 85.05° is cut at the buffer.
  const TileId top{2, 1, 0};
  const auto b = tile_bounds_lonlat(top);
  const double w = b.min_x + 10, e = b.min_x + 40;
  Layer l("a", top);
  ASSERT_TRUE(
      l.add_feature(polygon({{{w, 80}, {e, 80}, {e, 90}, {w, 90}, {w, 80}}}), Attributes{}));
  const auto ps = single_feature(std::move(l));
  ASSERT_EQ(ps.size(), 1u);
  ASSERT_EQ(ps[0].points.size(), 4u);
  const TileTransform tr(top);
  for (const TilePoint& p : ps[0].points) {
    EXPECT_TRUE(p.y == -64 || p.y == tr.quantise({w, 80}).y) << p.y;
    EXPECT_TRUE(p.x == tr.quantise({w, 80}).x || p.x == tr.quantise({e, 80}).x) << p.x;
  }
  EXPECT_GT(area2(ps[0].points), 0);
}

// Rings come out exterior positive, holes negative, whatever the input orientation.
TEST(MvtClip, RingOrientation) {
  const auto square = [](double x0, double y0, double x1, double y1, bool clockwise_on_screen) {
    auto r = ring(kTile, {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}});
    if (!clockwise_on_screen) std::reverse(r.begin(), r.end());
    return r;
  };
  for (bool flip : {false, true}) {
    SCOPED_TRACE(flip ? "input exterior counter-clockwise on screen" : "input as MVT wants");
    Layer l("a", kTile);
    Geometry mp;
    mp.type = GeomType::MultiPolygon;
    mp.polygons.push_back({square(100, 100, 2000, 2000, !flip), square(500, 500, 1000, 1000, flip),
                           square(1200, 1200, 1500, 1500, !flip)});  // a hole the same way round
    // Cut by the tile's edge, hole included.
    mp.polygons.push_back(
        {square(3000, 3000, 6000, 3500, flip), square(3500, 3100, 5000, 3300, flip)});
    ASSERT_TRUE(l.add_feature(mp, Attributes{}));
    const auto ps = single_feature(std::move(l));
    ASSERT_EQ(ps.size(), 5u);
    for (std::size_t i = 0; i < ps.size(); ++i) EXPECT_TRUE(ps[i].closed);
    EXPECT_GT(area2(ps[0].points), 0);
    EXPECT_LT(area2(ps[1].points), 0);
    EXPECT_LT(area2(ps[2].points), 0);
    EXPECT_GT(area2(ps[3].points), 0);
    EXPECT_LT(area2(ps[4].points), 0);
    EXPECT_EQ(area2(ps[3].points), 2 * 1160LL * 500LL);
    EXPECT_EQ(area2(ps[4].points), -2 * 660LL * 200LL);
  }
}

// ---- Read back with GDAL ----

std::vector<std::string>* g_gdal_errors = nullptr;

void CPL_STDCALL record_gdal_error(CPLErr level, CPLErrorNum, const char* message) {
  if (level >= CE_Warning && g_gdal_errors) g_gdal_errors->push_back(message ? message : "?");
}

Coord merc(Coord lonlat) {
  return {kR * lonlat.x * kPi / 180, kR * std::log(std::tan(kPi / 4 + lonlat.y * kPi / 360))};
}

std::vector<Coord> ogr_points(OGRGeometryH g) {
  std::vector<Coord> out;
  for (int i = 0; i < OGR_G_GetPointCount(g); ++i)
    out.push_back({OGR_G_GetX(g, i), OGR_G_GetY(g, i)});
  return out;
}

// Signed area with y up (metres).
double signed_area(const std::vector<Coord>& r) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < r.size(); ++i) s += r[i].x * r[i + 1].y - r[i + 1].x * r[i].y;
  return s / 2;
}

class MvtGdal : public ::testing::Test {
 protected:
  void SetUp() override {
    GDALAllRegister();
    g_gdal_errors = &m_errors;
    CPLPushErrorHandler(record_gdal_error);
  }
  void TearDown() override {
    CPLPopErrorHandler();
    g_gdal_errors = nullptr;
    EXPECT_TRUE(m_errors.empty()) << "GDAL: " << m_errors.front();
  }
  std::vector<std::string> m_errors;
};

TEST_F(MvtGdal, ReadsBackEveryLayer) {
  const TileId t{10, 708, 410};  // over Kabul
  const std::uint32_t extent = 4096;
  const auto b = tile_bounds_mercator(t);
  const double unit = (b.max_x - b.min_x) / extent;
  const double tol = unit / 2 + 1e-6;

  std::vector<Layer> layers;
  layers.emplace_back("points", t);
  layers.emplace_back("lines", t);
  layers.emplace_back("areas", t);
  layers.emplace_back("nothing", t);

  std::vector<Geometry> points, lines, areas;
  points.push_back(Geometry::point(at(t, 812.3, 1200.9).x, at(t, 812.3, 1200.9).y));
  Geometry mp;
  mp.type = GeomType::MultiPoint;
  mp.points = {at(t, 100, 100), at(t, 3000.4, 2500.6), at(t, 4000, 50)};
  points.push_back(mp);
  lines.push_back(line(t, {{100, 100}, {2000.7, 300.2}, {3900, 3900}}));
  Geometry ml;
  ml.type = GeomType::MultiLineString;
  ml.lines = {line(t, {{50, 4000}, {1000, 3500}}).lines[0],
              line(t, {{1200, 3400}, {1300, 3000}, {2000, 2900}}).lines[0]};
  lines.push_back(ml);
  // Counter-clockwise in lon/lat (the GeoJSON way) with a clockwise hole.
  core::LineString outer = ring(t, {{200, 200}, {200, 1800}, {1800, 1800}, {1800, 200}});
  core::LineString hole = ring(t, {{600, 600}, {1200, 600}, {1200, 1200}, {600, 1200}});
  areas.push_back(polygon({outer, hole}));
  Geometry mpoly;
  mpoly.type = GeomType::MultiPolygon;
  mpoly.polygons = {{ring(t, {{2500, 2500}, {3500, 2500}, {3000, 3600}})},
                    {ring(t, {{2500, 200}, {3800, 200}, {3800, 900}, {2500, 900}})}};
  areas.push_back(mpoly);

  const auto attributes = [](int i) {
    return Attributes{{"name", std::string(i == 0 ? "Minefield A" : "Champ de mines é")},
                      {"devices", std::int64_t{3 + i}},
                      {"offset", std::int64_t{-7 - i}},
                      {"big", std::int64_t{5'000'000'000} + i},
                      {"area", 1234.5 + i},
                      {"cleared", i == 1},
                      {"note", std::monostate{}}};
  };
  for (int i = 0; i < 2; ++i) {
    const auto id = static_cast<std::uint64_t>(100 + i);
    ASSERT_TRUE(layers[0].add_feature(points[i], attributes(i), id));
    ASSERT_TRUE(layers[1].add_feature(lines[i], attributes(i), id));
    ASSERT_TRUE(layers[2].add_feature(areas[i], attributes(i), id));
  }

  testing_support::TempDir dir;
  const std::string path = dir.file("tile.mvt");
  {
    std::ofstream f(path, std::ios::binary);
    f << encode(layers);
  }

  const std::string ox = "X=" + std::to_string(t.x), oy = "Y=" + std::to_string(t.y),
                    oz = "Z=" + std::to_string(t.z);
  const char* drivers[] = {"MVT", nullptr};
  const char* options[] = {ox.c_str(),       oy.c_str(), oz.c_str(),
                           "METADATA_FILE=", "CLIP=NO",  nullptr};
  GDALDatasetH ds =
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, options, nullptr);
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ(GDALDatasetGetLayerCount(ds), 3);
  EXPECT_EQ(GDALDatasetGetLayerByName(ds, "nothing"), nullptr);

  const auto check_attributes = [&](OGRLayerH layer) {
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    const auto field = [&](const char* name) { return OGR_FD_GetFieldIndex(defn, name); };
    const auto type = [&](const char* name) {
      return OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, field(name)));
    };
    const auto subtype = [&](const char* name) {
      return OGR_Fld_GetSubType(OGR_FD_GetFieldDefn(defn, field(name)));
    };
    ASSERT_GE(field("name"), 0);
    ASSERT_GE(field("devices"), 0);
    ASSERT_GE(field("offset"), 0);
    ASSERT_GE(field("big"), 0);
    ASSERT_GE(field("area"), 0);
    ASSERT_GE(field("cleared"), 0);
    EXPECT_LT(field("note"), 0);  // only ever null: never written
    EXPECT_EQ(type("name"), OFTString);
    EXPECT_EQ(type("devices"), OFTInteger);
    EXPECT_EQ(type("offset"), OFTInteger);
    EXPECT_EQ(type("big"), OFTInteger64);
    EXPECT_EQ(type("area"), OFTReal);
    EXPECT_EQ(subtype("area"), OFSTNone);  // a double, not a float
    EXPECT_EQ(type("cleared"), OFTInteger);
    EXPECT_EQ(subtype("cleared"), OFSTBoolean);
    EXPECT_EQ(OGR_L_GetFeatureCount(layer, 1), 2);
    OGR_L_ResetReading(layer);
    for (int i = 0; i < 2; ++i) {
      OGRFeatureH f = OGR_L_GetNextFeature(layer);
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(OGR_F_GetFieldAsInteger64(f, field("mvt_id")), 100 + i);
      EXPECT_STREQ(OGR_F_GetFieldAsString(f, field("name")),
                   i == 0 ? "Minefield A" : "Champ de mines é");
      EXPECT_EQ(OGR_F_GetFieldAsInteger64(f, field("devices")), 3 + i);
      EXPECT_EQ(OGR_F_GetFieldAsInteger64(f, field("offset")), -7 - i);
      EXPECT_EQ(OGR_F_GetFieldAsInteger64(f, field("big")), 5'000'000'000LL + i);
      EXPECT_EQ(OGR_F_GetFieldAsDouble(f, field("area")), 1234.5 + i);
      EXPECT_EQ(OGR_F_GetFieldAsInteger(f, field("cleared")), i == 1 ? 1 : 0);
      OGR_F_Destroy(f);
    }
  };

  const auto near = [&](Coord got, Coord lonlat) {
    const Coord want = merc(lonlat);
    return std::abs(got.x - want.x) <= tol && std::abs(got.y - want.y) <= tol;
  };

  // Points, in order.
  {
    OGRLayerH layer = GDALDatasetGetLayerByName(ds, "points");
    ASSERT_NE(layer, nullptr);
    check_attributes(layer);
    OGR_L_ResetReading(layer);
    for (const Geometry& g : points) {
      OGRFeatureH f = OGR_L_GetNextFeature(layer);
      ASSERT_NE(f, nullptr);
      OGRGeometryH geom = OGR_F_GetGeometryRef(f);
      ASSERT_NE(geom, nullptr);
      std::vector<Coord> got;
      if (wkbFlatten(OGR_G_GetGeometryType(geom)) == wkbPoint) {
        got = ogr_points(geom);
      } else {
        for (int i = 0; i < OGR_G_GetGeometryCount(geom); ++i) {
          auto p = ogr_points(OGR_G_GetGeometryRef(geom, i));
          got.insert(got.end(), p.begin(), p.end());
        }
      }
      ASSERT_EQ(got.size(), g.points.size());
      for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(near(got[i], g.points[i])) << "point " << i;
      OGR_F_Destroy(f);
    }
  }
  // Lines, part by part, vertex by vertex.
  {
    OGRLayerH layer = GDALDatasetGetLayerByName(ds, "lines");
    ASSERT_NE(layer, nullptr);
    check_attributes(layer);
    OGR_L_ResetReading(layer);
    for (const Geometry& g : lines) {
      OGRFeatureH f = OGR_L_GetNextFeature(layer);
      ASSERT_NE(f, nullptr);
      OGRGeometryH geom = OGR_F_GetGeometryRef(f);
      ASSERT_NE(geom, nullptr);
      std::vector<std::vector<Coord>> parts;
      if (wkbFlatten(OGR_G_GetGeometryType(geom)) == wkbLineString)
        parts.push_back(ogr_points(geom));
      else
        for (int i = 0; i < OGR_G_GetGeometryCount(geom); ++i)
          parts.push_back(ogr_points(OGR_G_GetGeometryRef(geom, i)));
      ASSERT_EQ(parts.size(), g.lines.size());
      for (std::size_t p = 0; p < parts.size(); ++p) {
        ASSERT_EQ(parts[p].size(), g.lines[p].size());
        for (std::size_t i = 0; i < parts[p].size(); ++i)
          EXPECT_TRUE(near(parts[p][i], g.lines[p][i])) << "part " << p << " vertex " << i;
      }
      OGR_F_Destroy(f);
    }
  }
  // Polygons: the same vertices (rings may start elsewhere or run the other way),
  // exterior rings clockwise with y up, holes counter-clockwise.
  {
    OGRLayerH layer = GDALDatasetGetLayerByName(ds, "areas");
    ASSERT_NE(layer, nullptr);
    check_attributes(layer);
    OGR_L_ResetReading(layer);
    for (const Geometry& g : areas) {
      OGRFeatureH f = OGR_L_GetNextFeature(layer);
      ASSERT_NE(f, nullptr);
      OGRGeometryH geom = OGR_F_GetGeometryRef(f);
      ASSERT_NE(geom, nullptr);
      std::vector<OGRGeometryH> polys;
      if (wkbFlatten(OGR_G_GetGeometryType(geom)) == wkbPolygon)
        polys.push_back(geom);
      else
        for (int i = 0; i < OGR_G_GetGeometryCount(geom); ++i)
          polys.push_back(OGR_G_GetGeometryRef(geom, i));
      ASSERT_EQ(polys.size(), g.polygons.size());
      for (std::size_t p = 0; p < polys.size(); ++p) {
        ASSERT_EQ(static_cast<std::size_t>(OGR_G_GetGeometryCount(polys[p])), g.polygons[p].size());
        for (std::size_t r = 0; r < g.polygons[p].size(); ++r) {
          const auto got = ogr_points(OGR_G_GetGeometryRef(polys[p], static_cast<int>(r)));
          const auto& want = g.polygons[p][r];
          ASSERT_EQ(got.size(), want.size());
          for (const Coord& w : want)
            EXPECT_TRUE(std::any_of(got.begin(), got.end(), [&](Coord c) { return near(c, w); }))
                << "polygon " << p << " ring " << r;
          if (r == 0)
            EXPECT_LT(signed_area(got), 0) << "exterior ring clockwise";
          else
            EXPECT_GT(signed_area(got), 0) << "hole counter-clockwise";
        }
      }
      OGR_F_Destroy(f);
    }
  }
  GDALClose(ds);
}

}  // namespace
}  // namespace minemap::tiles::mvt
