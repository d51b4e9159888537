// GeoJSON codec: geometries both ways, strict coordinates with JSON paths in the
// errors, field values, records as plain objects and as Features.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "geo/geojson.hpp"
#include "unit/geo/shapes.hpp"

namespace minemap::geo {
namespace {

using core::Geometry;
using core::GeomType;
using core::Record;
using nlohmann::json;
using test::rect;

// The message of the InputError `fn` throws.
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(GeoJson, GeometryRoundTripsAllTypes) {
  std::vector<Geometry> gs = test::all_types();
  for (const auto& g : test::empties()) gs.push_back(g);
  for (const auto& g : gs) {
    json j = geometry_to_geojson(g);
    EXPECT_EQ(geometry_from_geojson(json::parse(j.dump())), g) << j.dump();
  }
}

TEST(GeoJson, WritesPlainGeoJson) {
  EXPECT_EQ(geometry_to_geojson(Geometry::point(1.5, -2)).dump(),
            R"({"coordinates":[1.5,-2.0],"type":"Point"})");
  EXPECT_EQ(geometry_to_geojson(Geometry::multipolygon({{rect(0, 0, 1, 1)}})).dump(),
            R"({"coordinates":[[[[0.0,0.0],[1.0,0.0],[1.0,1.0],[0.0,1.0],[0.0,0.0]]]],)"
            R"("type":"MultiPolygon"})");
  EXPECT_TRUE(geometry_to_geojson(Geometry{}).is_null());
  // Full double precision.
  EXPECT_EQ(geometry_to_geojson(Geometry::point(0.1 + 0.2, 1e-7)).dump(),
            R"({"coordinates":[0.30000000000000004,1e-07],"type":"Point"})");
}

TEST(GeoJson, ReadsIntegersAndDropsZ) {
  Geometry g =
      geometry_from_geojson(json::parse(R"({"type":"Point","coordinates":[104,12,35.5]})"));
  EXPECT_EQ(g, Geometry::point(104, 12));
  EXPECT_EQ(geometry_from_geojson(json(nullptr)).type, GeomType::None);
}

TEST(GeoJson, CoordinateErrorsNameThePath) {
  json poly = json::parse(R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[1],[0,0]]]})");
  EXPECT_EQ(error_of([&] { geometry_from_geojson(poly, "features[3].geometry"); }),
            "features[3].geometry.coordinates[0][2]: expected [x, y]");
  json text = json::parse(R"({"type":"MultiPoint","coordinates":[[0,0],["1",2]]})");
  EXPECT_EQ(error_of([&] { geometry_from_geojson(text); }),
            "geometry.coordinates[1]: expected [x, y]");
  json flat = json::parse(R"({"type":"LineString","coordinates":[0,0]})");
  EXPECT_EQ(error_of([&] { geometry_from_geojson(flat); }),
            "geometry.coordinates[0]: expected [x, y]");
  json mpoly = json::parse(R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[0,1],[0,0]]],
                                                                  [[[0,0],[1,0],[0,1],[0,null]]]]})");
  EXPECT_EQ(error_of([&] { geometry_from_geojson(mpoly); }),
            "geometry.coordinates[1][0][3]: expected [x, y]");
  json not_array = json::parse(R"({"type":"Polygon","coordinates":{"a":1}})");
  EXPECT_EQ(error_of([&] { geometry_from_geojson(not_array); }),
            "geometry.coordinates: expected an array");
  json nan = {{"type", "Point"}, {"coordinates", {1.0, std::numeric_limits<double>::quiet_NaN()}}};
  EXPECT_EQ(error_of([&] { geometry_from_geojson(nan); }),
            "geometry.coordinates: coordinates must be finite numbers");
}

TEST(GeoJson, GeometryObjectErrors) {
  EXPECT_EQ(
      error_of([] {
        geometry_from_geojson(json::parse(R"({"type":"GeometryCollection","geometries":[]})"));
      }),
      "geometry.type: GeometryCollection is not supported");
  EXPECT_EQ(error_of([] {
              geometry_from_geojson(json::parse(R"({"type":"Circle","coordinates":[0,0]})"));
            }),
            "geometry.type: unknown geometry type \"Circle\"");
  EXPECT_EQ(error_of([] { geometry_from_geojson(json::parse(R"({"coordinates":[0,0]})")); }),
            "geometry.type: expected a geometry type");
  EXPECT_EQ(error_of([] { geometry_from_geojson(json::parse(R"({"type":"Point"})")); }),
            "geometry.coordinates: missing");
  EXPECT_EQ(error_of([] { geometry_from_geojson(json::parse("[1,2]")); }),
            "geometry: expected a GeoJSON geometry object");
}

TEST(GeoJson, Values) {
  EXPECT_EQ(value_from_json(json(nullptr), "f"), core::Value{});
  EXPECT_EQ(value_from_json(json("x"), "f"), core::Value{std::string("x")});
  EXPECT_EQ(value_from_json(json(-42), "f"), core::Value{std::int64_t{-42}});
  EXPECT_EQ(value_from_json(json(42u), "f"), core::Value{std::int64_t{42}});
  EXPECT_EQ(value_from_json(json(2.5), "f"), core::Value{2.5});
  EXPECT_EQ(value_from_json(json(true), "f"), core::Value{true});
  EXPECT_EQ(value_from_json(json::parse(R"(["mine_signs","accident"])"), "f"),
            core::Value{std::string("mine_signs,accident")});
  EXPECT_EQ(value_from_json(json::array(), "f"), core::Value{std::string()});
  EXPECT_EQ(error_of([] { value_from_json(json::parse(R"({"a":1})"), "victims"); }),
            "victims: expected a string, number, boolean, null or an array of strings");
  EXPECT_EQ(error_of([] { value_from_json(json::parse("[1,2]"), "tags"); }),
            "tags: expected a string, number, boolean, null or an array of strings");
  EXPECT_EQ(error_of([] { value_from_json(json(18446744073709551615u), "n"); }),
            "n: 18446744073709551615 is too large for an integer");

  EXPECT_TRUE(value_to_json(core::Value{}).is_null());
  EXPECT_EQ(value_to_json(std::int64_t{7}).dump(), "7");
  EXPECT_EQ(value_to_json(0.1).dump(), "0.1");
  EXPECT_EQ(value_to_json(true).dump(), "true");
  EXPECT_EQ(value_to_json(std::string("a\"b")).dump(), R"("a\"b")");
}

TEST(GeoJson, RecordFromPlainObject) {
  Record r = record_from_json(json::parse(R"({"id": 12, "workflow": "draft", "name": "North field",
      "type": "SHA", "area_m2": 1500.5, "evidence_items": ["mine_signs", "accident"],
      "geometry": {"type": "Point", "coordinates": [104.9, 11.5]}})"));
  EXPECT_EQ(r.id, "12");
  EXPECT_EQ(r.workflow, "draft");
  EXPECT_EQ(r.text("name"), "North field");
  EXPECT_EQ(r.text("type"), "SHA");  // a field named "type" is not a GeoJSON type
  EXPECT_EQ(r.real("area_m2"), 1500.5);
  EXPECT_EQ(r.text("evidence_items"), "mine_signs,accident");
  EXPECT_EQ(r.geometry, Geometry::point(104.9, 11.5));

  Record n = record_from_json(json::parse(R"({"id": "HZ-000001", "geometry": null, "x": null})"));
  EXPECT_EQ(n.id, "HZ-000001");
  EXPECT_EQ(n.workflow, "approved");
  EXPECT_EQ(n.geometry.type, GeomType::None);
  EXPECT_EQ(n.fields.at("x"), core::Value{});
}

TEST(GeoJson, RecordFromFeature) {
  Record r = record_from_json(json::parse(R"({"type": "Feature", "id": "HZ-000007",
      "properties": {"name": "Ridge", "workflow": "submitted", "mines": 3},
      "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}})"));
  EXPECT_EQ(r.id, "HZ-000007");
  EXPECT_EQ(r.workflow, "submitted");
  EXPECT_EQ(r.text("name"), "Ridge");
  EXPECT_EQ(r.integer("mines"), 3);
  EXPECT_EQ(r.fields.size(), 2u);
  EXPECT_EQ(r.geometry.type, GeomType::Polygon);

  // The id may sit in the properties (as many desktop GIS exports put it).
  Record p = record_from_json(
      json::parse(R"({"type": "Feature", "properties": {"id": 5}, "geometry": null})"));
  EXPECT_EQ(p.id, "5");
  EXPECT_TRUE(p.fields.empty());
  Record empty =
      record_from_json(json::parse(R"({"type": "Feature", "properties": null, "geometry": null})"));
  EXPECT_TRUE(empty.fields.empty());
}

TEST(GeoJson, RecordErrorsNameTheKey) {
  EXPECT_EQ(error_of([] { record_from_json(json::parse(R"({"victims": {"age": 3}})")); }),
            "victims: expected a string, number, boolean, null or an array of strings");
  EXPECT_EQ(error_of([] {
              record_from_json(json::parse(R"({"type": "Feature", "properties": {"tags": [[1]]},
                                               "geometry": null})"),
                               "features[3]");
            }),
            "features[3].properties.tags: expected a string, number, boolean, null or an array "
            "of strings");
  EXPECT_EQ(error_of([] {
              record_from_json(json::parse(R"({"type": "Feature", "properties": {}, "geometry":
                                  {"type": "Point", "coordinates": [1]}})"),
                               "features[3]");
            }),
            "features[3].geometry.coordinates: expected [x, y]");
  EXPECT_EQ(error_of([] { record_from_json(json::parse(R"({"id": [1]})")); }),
            "id: expected a string or an integer");
  EXPECT_EQ(error_of([] { record_from_json(json::parse(R"({"workflow": 1})")); }),
            "workflow: expected a string");
  EXPECT_EQ(error_of([] { record_from_json(json::parse("[]")); }),
            "record: expected a JSON object");
  EXPECT_EQ(error_of([] {
              record_from_json(json::parse(R"({"type": "Feature", "id": "A",
                                               "properties": {"id": "B"}, "geometry": null})"));
            }),
            "properties.id: differs from the feature id \"A\"");
}

Record sample_victim() {
  Record r;
  r.id = "VIC-000001";
  r.workflow = "approved";
  r.fields["accident_id"] = std::string("AC-000001");
  r.fields["age"] = std::int64_t{34};
  r.fields["outcome"] = std::string("injured");
  r.fields["name"] = std::string("Sok Dara");
  r.fields["knew_dangerous"] = false;
  return r;
}

TEST(GeoJson, PersonalFieldsDroppedUnlessAsked) {
  const auto& spec = core::spec(core::Entity::Victim);
  Record r = sample_victim();
  json with = record_to_json(spec, r);
  EXPECT_EQ(with["name"], "Sok Dara");
  json without = record_to_json(spec, r, false);
  EXPECT_FALSE(without.contains("name"));
  EXPECT_EQ(without["age"], 34);
  EXPECT_FALSE(without.contains("geometry"));  // victims have no geometry
  json feature = record_to_feature(spec, r, false);
  EXPECT_FALSE(feature["properties"].contains("name"));
  EXPECT_TRUE(record_to_feature(spec, r)["properties"].contains("name"));
}

TEST(GeoJson, FeatureAndFlatJsonRoundTrip) {
  const auto& spec = core::spec(core::Entity::Hazard);
  Record r;
  r.id = "HZ-000042";
  r.workflow = "submitted";
  r.fields["name"] = std::string("Paddy east");
  r.fields["type"] = std::string("CHA");
  r.fields["area_m2"] = 1234.5678901234567;
  r.fields["status_date"] = std::string("2012-05");
  r.fields["evidence_items"] = std::string("accident,mine_signs");
  r.geometry = Geometry::multipolygon({{rect(104.1, 13.1, 104.101, 13.101)}});

  json f = record_to_feature(spec, r);
  EXPECT_EQ(f["type"], "Feature");
  EXPECT_EQ(f["id"], "HZ-000042");
  EXPECT_EQ(f["properties"]["workflow"], "submitted");
  EXPECT_EQ(f["geometry"]["type"], "MultiPolygon");
  EXPECT_TRUE(f["properties"]["area_m2"].is_number_float());
  EXPECT_EQ(record_from_json(json::parse(f.dump())), r);

  json flat = record_to_json(spec, r);
  EXPECT_EQ(flat["id"], "HZ-000042");
  EXPECT_EQ(flat["workflow"], "submitted");
  EXPECT_EQ(flat["name"], "Paddy east");
  EXPECT_EQ(record_from_json(json::parse(flat.dump())), r);

  r.geometry = Geometry{};
  EXPECT_TRUE(record_to_feature(spec, r)["geometry"].is_null());
  EXPECT_TRUE(record_to_json(spec, r)["geometry"].is_null());
}

}  // namespace
}  // namespace minemap::geo
