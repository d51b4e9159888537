// FeatureSource: reprojection, CSV geometry columns, missing CRS, null and unsupported
// geometries, layer choice, and one real file of the shared data.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "common/require.hpp"
#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "core/schema.hpp"
#include "io/gdal_sink.hpp"
#include "io/gdal_source.hpp"

namespace minemap::io {
namespace {

namespace fs = std::filesystem;
using core::FieldType;
using core::Geometry;
using core::GeomType;
using core::Value;

using testing_support::TempDir;

std::vector<SourceFeature> read_all(FeatureSource& src) {
  std::vector<SourceFeature> out;
  SourceFeature f;
  while (src.next(f)) out.push_back(f);
  return out;
}

bool has_warning(const FeatureSource& src, const std::string& part) {
  for (const auto& w : src.warnings())
    if (w.find(part) != std::string::npos) return true;
  return false;
}

std::size_t column(const FeatureSource& src, const std::string& name) {
  const auto& c = src.columns();
  auto it = std::find(c.begin(), c.end(), name);
  if (it == c.end()) throw std::runtime_error("no column " + name);
  return static_cast<std::size_t>(it - c.begin());
}

// UTM zone 38N (EPSG:32638) -> WGS 84, cross-checked with PROJ's command line tool:
//   $ echo 500000 3700000 | cs2cs -f %.10f EPSG:32638 EPSG:4326
//   33.4393946725	45.0000000000 0.0000000000
//   $ echo 501000 3701000 | cs2cs -f %.10f EPSG:32638 EPSG:4326
//   33.4484139395	45.0107595799 0.0000000000
// (cs2cs prints EPSG:4326 in its authority order, latitude first.)
constexpr double kLon0 = 45.0, kLat0 = 33.4393946725;
constexpr double kLon1 = 45.0107595799, kLat1 = 33.4484139395;

TEST(SourceReprojection, GeoJsonInUtm) {
  TempDir dir;
  const std::string path = dir.write("utm.geojson", R"({
    "type": "FeatureCollection",
    "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32638"}},
    "features": [
      {"type": "Feature", "properties": {"id": "a"},
       "geometry": {"type": "Point", "coordinates": [500000, 3700000]}},
      {"type": "Feature", "properties": {"id": "b"},
       "geometry": {"type": "Polygon", "coordinates": [[[500000, 3700000], [501000, 3700000],
         [501000, 3701000], [500000, 3700000]]]}}
    ]})");
  FeatureSource src(path);
  EXPECT_EQ(src.crs(), "EPSG:32638");
  EXPECT_EQ(src.driver(), "GeoJSON");
  auto fs = read_all(src);
  ASSERT_EQ(fs.size(), 2u);
  ASSERT_EQ(fs[0].geometry.type, GeomType::Point);
  EXPECT_NEAR(fs[0].geometry.points[0].x, kLon0, 1e-9);
  EXPECT_NEAR(fs[0].geometry.points[0].y, kLat0, 1e-9);
  ASSERT_EQ(fs[1].geometry.type, GeomType::Polygon);
  const auto& r = fs[1].geometry.polygons[0][0];
  ASSERT_EQ(r.size(), 4u);
  EXPECT_NEAR(r[2].x, kLon1, 1e-9);
  EXPECT_NEAR(r[2].y, kLat1, 1e-9);
  EXPECT_EQ(r.front(), r.back());
}

TEST(SourceReprojection, FileCrsWinsOverCrsOption) {
  TempDir dir;
  const std::string path = dir.write("wgs.geojson", R"({"type": "FeatureCollection",
    "features": [{"type": "Feature", "properties": {},
                  "geometry": {"type": "Point", "coordinates": [-74.5, 8.25]}}]})");
  FeatureSource src(path, {.layer = "", .crs = "EPSG:32638"});
  EXPECT_TRUE(has_warning(src, "--crs EPSG:32638 ignored"));
  FeatureSource same(path, {.layer = "", .crs = "+proj=longlat +datum=WGS84 +no_defs"});
  EXPECT_TRUE(same.warnings().empty());  // the same CRS in other words
  auto fs = read_all(src);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].geometry, Geometry::point(-74.5, 8.25));  // untouched: no transformation
}

TEST(SourceCrs, NoCrsNeedsTheOption) {
  TempDir dir;
  // A shapefile without its .prj: coordinates in UTM 38N that nothing declares.
  const std::string path = dir.file("noprj.shp");
  {
    FeatureSink sink(path, SinkFormat::Shp, "", GeomType::Point, {{"id", FieldType::Text}}, false);
    sink.write({std::string("a")}, Geometry::point(500000, 3700000));
    sink.close();
  }
  fs::remove(dir.file("noprj.prj"));
  try {
    FeatureSource src(path);
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), path);
    EXPECT_NE(std::string(e.what()).find("has no CRS; give --crs"), std::string::npos);
  }
  FeatureSource src(path, {.layer = "", .crs = "EPSG:32638"});
  EXPECT_EQ(src.crs(), "EPSG:32638");
  EXPECT_TRUE(src.warnings().empty());
  auto fs = read_all(src);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_NEAR(fs[0].geometry.points[0].x, kLon0, 1e-9);
  EXPECT_NEAR(fs[0].geometry.points[0].y, kLat0, 1e-9);

  FeatureSource proj(path, {.layer = "", .crs = "+proj=utm +zone=38 +datum=WGS84"});
  auto pf = read_all(proj);
  EXPECT_NEAR(pf[0].geometry.points[0].y, kLat0, 1e-9);

  try {
    FeatureSource bad(path, {.layer = "", .crs = "EPSG:99999999"});
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "--crs");
  }
}

TEST(SourceCsv, LonLatColumns) {
  TempDir dir;
  const std::string path = dir.write("pts.csv",
                                     "id,Longitude,LAT,label,flag,when,depth\n"
                                     "1,-74.5,8.25,\"0042\",true,2024-01-05,1.5\n"
                                     "2,-74.6,8.35,abc,false,,\n"
                                     "3,-74.7 W,8.45,x,,,\n");
  FeatureSource src(path);
  EXPECT_EQ(src.driver(), "CSV");
  EXPECT_EQ(src.columns(), (std::vector<std::string>{"id", "label", "flag", "when", "depth"}));
  EXPECT_TRUE(has_warning(src, "declares no CRS"));
  EXPECT_EQ(src.crs(), "EPSG:4326");
  auto fs = read_all(src);
  ASSERT_EQ(fs.size(), 3u);
  EXPECT_EQ(fs[0].geometry, Geometry::point(-74.5, 8.25));
  EXPECT_EQ(fs[2].geometry.type, GeomType::None);  // a typo in a coordinate is reported
  EXPECT_EQ(fs[2].geometry_error,
            "cannot read a point from Longitude=(empty or not a number), LAT=\"8.45\"");
  EXPECT_EQ(fs[1].geometry, Geometry::point(-74.6, 8.35));
  EXPECT_EQ(fs[0].values, (std::vector<Value>{std::int64_t{1}, std::string("0042"), true,
                                              std::string("2024-01-05"), 1.5}));
  EXPECT_EQ(fs[1].values, (std::vector<Value>{std::int64_t{2}, std::string("abc"), false,
                                              std::monostate{}, std::monostate{}}));
}

TEST(SourceCsv, ProjectedXyWithCrsOption) {
  TempDir dir;
  const std::string path = dir.write("utm.csv", "name,x,y\nA,500000,3700000\n");
  FeatureSource src(path, {.layer = "", .crs = "EPSG:32638"});
  EXPECT_FALSE(has_warning(src, "declares no CRS"));
  auto fs = read_all(src);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_NEAR(fs[0].geometry.points[0].x, kLon0, 1e-9);
  EXPECT_NEAR(fs[0].geometry.points[0].y, kLat0, 1e-9);
}

TEST(SourceCsv, WktColumnWithOddGeometries) {
  TempDir dir;
  const std::string path =
      dir.write("shapes.csv",
                "id,WKT,label\n"
                "1,\"POLYGON ((0 0,1 0,1 1,0 0),(0.2 0.1,0.3 0.1,0.3 0.2,0.2 0.1))\",poly\n"
                "2,,nothing\n"
                "3,\"POINT Z (1 2 3)\",three-d\n"
                "4,\"GEOMETRYCOLLECTION (POINT (1 2))\",collection\n"
                "5,\"CIRCULARSTRING (0 0,1 1,2 0)\",curve\n"
                "6,\"MULTIPOLYGON EMPTY\",empty\n"
                "7,\"POINT M (1 2 9)\",measured\n"
                "8,\"POLYGON ((0 0,1 0\",broken\n");
  FeatureSource src(path);
  EXPECT_EQ(src.columns(), (std::vector<std::string>{"id", "label"}));
  auto fs = read_all(src);
  ASSERT_EQ(fs.size(), 8u);
  EXPECT_EQ(fs[0].index, 0);
  EXPECT_EQ(fs[6].index, 6);
  EXPECT_EQ(fs[7].geometry.type, GeomType::None);
  EXPECT_EQ(fs[7].geometry_error, "cannot read the WKT of column WKT: \"POLYGON ((0 0,1 0\"");
  ASSERT_EQ(fs[0].geometry.type, GeomType::Polygon);
  EXPECT_EQ(fs[0].geometry.polygons[0].size(), 2u);
  EXPECT_EQ(fs[1].geometry.type, GeomType::None);
  EXPECT_EQ(fs[1].geometry_error, "");
  EXPECT_EQ(fs[2].geometry, Geometry::point(1, 2));
  EXPECT_EQ(fs[3].geometry.type, GeomType::None);
  EXPECT_EQ(fs[3].geometry_error, "a GeometryCollection: not supported");
  EXPECT_EQ(fs[4].geometry.type, GeomType::LineString);
  EXPECT_GT(fs[4].geometry.lines[0].size(), 3u);  // linearised arc
  EXPECT_EQ(fs[4].geometry_error, "");
  EXPECT_EQ(fs[5].geometry.type, GeomType::None);
  EXPECT_EQ(fs[5].geometry_error, "");
  EXPECT_EQ(fs[6].geometry, Geometry::point(1, 2));
}

TEST(SourceGeoJson, NullAndEmptyGeometriesAndTypes) {
  TempDir dir;
  const std::string path = dir.write("n.geojson", R"({"type": "FeatureCollection",
    "features": [
      {"type": "Feature", "properties": {"a": 1, "d": "2024-03-01T10:20:30Z", "l": ["x", "y"],
                                         "o": {"k": 1}, "b": true},
       "geometry": null},
      {"type": "Feature", "properties": {"a": null, "d": null, "l": null, "o": null, "b": null},
       "geometry": {"type": "MultiPoint", "coordinates": []}}
    ]})");
  FeatureSource src(path);
  auto fs = read_all(src);
  ASSERT_EQ(fs.size(), 2u);
  for (const auto& f : fs) {
    EXPECT_EQ(f.geometry.type, GeomType::None);
    EXPECT_EQ(f.geometry_error, "");
  }
  EXPECT_EQ(fs[0].values[column(src, "a")], Value(std::int64_t{1}));
  EXPECT_EQ(fs[0].values[column(src, "d")], Value(std::string("2024-03-01T10:20:30Z")));
  EXPECT_EQ(fs[0].values[column(src, "l")], Value(std::string("x,y")));
  EXPECT_EQ(fs[0].values[column(src, "b")], Value(true));
  ASSERT_TRUE(std::holds_alternative<std::string>(fs[0].values[column(src, "o")]));
  for (const auto& v : fs[1].values) EXPECT_TRUE(std::holds_alternative<std::monostate>(v));
}

TEST(SourceOpen, Errors) {
  TempDir dir;
  try {
    FeatureSource src(dir.file("missing.geojson"));
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), dir.file("missing.geojson"));
  }
  const std::string junk = dir.write("junk.geojson", "{\"type\": \"FeatureCollection\", ");
  EXPECT_THROW(FeatureSource{junk}, core::InputError);
  const std::string text = dir.write("notes.bin", std::string("\x01\x02\x03 not a map", 14));
  EXPECT_THROW(FeatureSource{text}, core::InputError);
}

TEST(SourceLayers, GpxLayerChoice) {
  TempDir dir;
  const std::string path = dir.file("w.gpx");
  {
    FeatureSink sink(path, SinkFormat::Gpx, "", GeomType::Point,
                     {{"name", FieldType::Text}, {"status", FieldType::Text}}, false);
    sink.write({std::string("wp1"), std::string("open")}, Geometry::point(1, 2));
    sink.close();
  }
  FeatureSource src(path);
  EXPECT_EQ(src.driver(), "GPX");
  EXPECT_EQ(src.layer_name(), "waypoints");
  EXPECT_EQ(src.layers(), (std::vector<std::string>{"waypoints", "routes", "tracks", "route_points",
                                                    "track_points"}));
  auto fs = read_all(src);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].values[column(src, "name")], Value(std::string("wp1")));
  EXPECT_EQ(fs[0].values[column(src, "status")], Value(std::string("open")));  // was ogr_status

  FeatureSource tracks(path, {.layer = "tracks", .crs = ""});
  EXPECT_TRUE(read_all(tracks).empty());
  try {
    FeatureSource nope(path, {.layer = "areas", .crs = ""});
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("waypoints, routes, tracks"), std::string::npos)
        << e.what();
  }
}

// One real file: Colombian landmine events of 1990 (GeoJSON, points, Spanish field names).
TEST(SourceRealData, ColombiaMineEvents1990) {
  const char* shared = std::getenv("MINEMAP_SHARED_DATA");
  MINEMAP_REQUIRE(shared, "MINEMAP_SHARED_DATA is not set");
  const fs::path path = fs::path(shared) / "colombia-mine-events" / "1990.geojson";
  MINEMAP_REQUIRE(fs::exists(path), path << " is missing");

  // Counted independently of GDAL: the Feature objects of the text.
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::regex feature(R"re("type"\s*:\s*"Feature")re");
  const auto expected = std::distance(std::sregex_iterator(text.begin(), text.end(), feature),
                                      std::sregex_iterator());
  ASSERT_GT(expected, 0);

  FeatureSource src(path.string());
  const auto& cols = src.columns();
  EXPECT_NE(std::find(cols.begin(), cols.end(), "TIPO_EVENTO"), cols.end());
  EXPECT_NE(std::find(cols.begin(), cols.end(), "AÑO"), cols.end());
  EXPECT_EQ(src.count(), expected);
  auto fs = read_all(src);
  EXPECT_EQ(static_cast<long>(fs.size()), expected);
  for (const auto& f : fs) {
    ASSERT_EQ(f.geometry.type, GeomType::Point) << f.index << f.geometry_error;
    EXPECT_TRUE(f.geometry.points[0].x > -80 && f.geometry.points[0].x < -66);  // Colombia
    EXPECT_TRUE(f.geometry.points[0].y > -5 && f.geometry.points[0].y < 14);
  }
  EXPECT_EQ(fs[0].values[column(src, "AÑO")], Value(std::string("1990")));
}

}  // namespace
}  // namespace minemap::io
