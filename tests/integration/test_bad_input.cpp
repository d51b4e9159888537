// Bad input: exit code 2, one line naming the field, and the store unchanged
// (the row count of every table, the audit trail included).
#include "every_entity.hpp"

using namespace harness;

namespace {

struct Case {
  const char* name;
  const char* entity;
  std::string json;
  const char* expect;  // text the error must contain
};

}  // namespace

TEST(BadInput, RejectedWholeWithTheFieldNamed) {
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  auto e = add_every_entity(store);
  const auto before = row_counts(store);
  ASSERT_GT(before.at("audit"), 10);

  const std::string pt = R"("geometry":{"type":"Point","coordinates":[20.1,45.1]})";
  std::vector<Case> cases = {
      {"wrong enum", "accidents", R"({"date":"2012","type":"landmine",)" + pt + "}",
       "type: \"landmine\" is not one of mine, erw"},
      {"future date", "accidents", R"({"date":"2999-01-01","type":"mine",)" + pt + "}",
       "date: \"2999-01-01\" is in the future"},
      {"missing field", "victims", R"({"accident_id":")" + e.accident + R"(","outcome":"killed"})",
       "group: required field missing"},
      {"unrepairable polygon", "hazards",
       R"({"name":"X","type":"SHA","geometry":{"type":"Polygon","coordinates":[[[20,45],[20.001,45],[20.002,45],[20.001,45],[20,45]]]}})",
       "geometry: "},
      {"jump over 5 km", "hazards",
       R"({"name":"X","type":"SHA","geometry":{"type":"Polygon","coordinates":[[[20,45],[20.1,45],[20.1,45.001],[20,45]]]}})",
       "geometry: "},
      {"malformed JSON", "hazards", R"({"name":"X", "type": "SHA",)", "malformed JSON"},
      {"unknown reference", "activities", R"({"hazard_id":"HZ-999999","type":"NTS"})",
       "hazard_id: no hazards with id \"HZ-999999\""},
      {"out of range", "victims",
       R"({"accident_id":")" + e.accident + R"(","group":"civilian","outcome":"killed","age":-4})",
       "age: "},
      {"bad coordinate", "items",
       R"({"category":"UXO","geometry":{"type":"Point","coordinates":[200,45]}})", "geometry: "},
      {"duplicate id", "hazards",
       R"({"id":")" + e.hazard +
           R"(","name":"X","type":"SHA","geometry":{"type":"Polygon","coordinates":[[[20,45],[20.001,45],[20.001,45.001],[20,45]]]}})",
       "exists already"},
  };
  for (const auto& c : cases) {
    auto r = minemap({"add", store.string(), c.entity, "-"}, c.json);
    EXPECT_EQ(r.code, 2) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.name << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.name << ": " << r.err;
    EXPECT_EQ(row_counts(store), before) << c.name;
  }

  // A bad update leaves the record as it was.
  auto up = minemap({"update", store.string(), "hazards", e.hazard, "-"}, R"({"status":"gone"})");
  EXPECT_EQ(up.code, 2);
  EXPECT_NE(up.err.find("status: \"gone\""), std::string::npos) << up.err;
  EXPECT_EQ(row_counts(store), before);
  auto del = minemap({"delete", store.string(), "hazards", "HZ-424242", "--reason", "x"});
  EXPECT_EQ(del.code, 2);
  EXPECT_EQ(row_counts(store), before);
  auto file = minemap({"add", store.string(), "hazards", (d / "missing.json").string()});
  EXPECT_EQ(file.code, 2);
  EXPECT_NE(file.err.find("missing.json"), std::string::npos);
  EXPECT_EQ(minemap({"add", store.string(), "mines", "-"}, "{}").code, 2);
}

TEST(BadInput, RepairableSelfIntersectionIsRepairedAndSaid) {
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  // A bow tie: two triangles meeting at a point.
  auto r = minemap({"add", store.string(), "hazards", "-"},
                   R"({"name":"bow tie","type":"SHA","geometry":{"type":"Polygon","coordinates":
                      [[[20,45],[20.01,45.01],[20.01,45],[20,45.01],[20,45]]]}})");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("repaired"), std::string::npos) << r.err;
  auto h = json_of(minemap({"get", store.string(), "hazards", "HZ-000001", "--json"}));
  EXPECT_EQ(h["geometry"]["type"], "MultiPolygon");
  EXPECT_EQ(h["geometry"]["coordinates"].size(), 2u);
}
