// A store holding every entity, built through the CLI as a user would.
#pragma once

#include "harness.hpp"

namespace harness {

inline std::string add_one(const fs::path& store, const std::string& entity,
                           const std::string& json) {
  auto r = minemap({"add", store.string(), entity, "-"}, json);
  EXPECT_EQ(r.code, 0) << entity << ": " << r.err;
  std::string id = r.out.substr(0, r.out.find('\n'));
  return id;
}

struct EveryEntity {
  std::string org, adm, settlement, road, hazard, activity, release, item, accident, victim, record;
};

inline EveryEntity add_every_entity(const fs::path& store) {
  EveryEntity e;
  e.org = add_one(store, "organisations", R"({"name":"Test operator","kind":"ngo"})");
  e.adm = add_one(store, "admin-areas", R"({"name":"Test district","level":2,
    "geometry":{"type":"Polygon","coordinates":[[[19.9,44.9],[20.1,44.9],[20.1,45.1],[19.9,45.1],[19.9,44.9]]]}})");
  e.settlement = add_one(store, "settlements", R"({"name":"Test village","population":300,
    "admin_area_id":")" + e.adm + R"(","geometry":{"type":"Point","coordinates":[20.03,45.02]}})");
  e.road = add_one(store, "roads",
                   R"({"type":"Feature","properties":{"name":"Test road","class":"track"},
    "geometry":{"type":"LineString","coordinates":[[19.95,45.0],[20.0,45.03],[20.05,45.04]]}})");
  e.hazard = add_one(
      store, "hazards",
      R"({"name":"Test hazard","type":"CHA","status":"open",
    "contamination":["AP_MINE","AT_MINE"],"blocks_agriculture":true,"organisation_id":")" +
          e.org +
          R"(","geometry":{"type":"Polygon","coordinates":[[[20.0,45.0],[20.01,45.0],[20.01,45.01],[20.0,45.01],[20.0,45.0]]]}})");
  e.activity = add_one(
      store, "activities",
      R"({"hazard_id":")" + e.hazard +
          R"(","type":"CLEARANCE","method":"manual","start":"2021-04","end":"2021-09-30","deminer_days":120})");
  e.release = add_one(store, "releases",
                      R"({"activity_id":")" + e.activity +
                          R"(","outcome":"cleared","date":"2021-09-30",
    "geometry":{"type":"Polygon","coordinates":[[[20.0,45.0],[20.005,45.0],[20.005,45.01],[20.0,45.01],[20.0,45.0]]]}})");
  e.item = add_one(store, "items",
                   R"({"category":"AP_MINE","model":"PMN-2","quantity":2,"found":"2021-05-03",
    "activity_id":")" + e.activity +
                       R"(","hazard_id":")" + e.hazard +
                       R"(","geometry":{"type":"Point","coordinates":[20.002,45.004]}})");
  e.accident = add_one(store, "accidents", R"({"date":"2019-07-02","time":"14:30","type":"mine",
    "device_category":"AP_MINE","geometry":{"type":"Point","coordinates":[20.007,45.006]}})");
  e.victim = add_one(
      store, "victims",
      R"({"accident_id":")" + e.accident +
          R"(","sex":"male","age":34,"group":"civilian","outcome":"injured","name":"Test Person","address":"Test street 1"})");
  e.record = add_one(
      store, "records",
      R"({"id":"MR-0042","source_name":"Record set B","received":"2021-06-12",
    "laid":"1994","crs":"EPSG:4326","bearing_ref":"magnetic","raw":"{\"format\":\"minemap-record/1\"}",
    "hazard_id":")" +
          e.hazard +
          R"(","geometry":{"type":"Polygon","coordinates":[[[20.001,45.001],[20.004,45.001],[20.004,45.004],[20.001,45.001]]]}})");
  return e;
}

}  // namespace harness
