// The record parser: every rejection names the key path of what is wrong.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "record/digitize.hpp"
#include "record/record.hpp"

namespace {

using namespace minemap;
using nlohmann::json;

json example() {
  const char* d = std::getenv("MINEMAP_TEST_DATA");
  std::ifstream in(std::string(d ? d : "tests/data") + "/records/mr-0042.json");
  return json::parse(in);
}

// The message of the InputError that parsing (and digitising) `j` throws.
std::string rejection(const json& j) {
  try {
    record::digitize(record::parse_json(j));
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(RecordParse, ExampleIsValidAndKeptRaw) {
  json j = example();
  j["extra_key"] = {{"kept", true}};
  auto p = record::parse(j.dump());
  EXPECT_EQ(p.record.id, "MR-0042");
  EXPECT_EQ(p.record.source_name, "Record set B");
  EXPECT_EQ(p.record.source_reference, "B/17");
  ASSERT_TRUE(p.record.laid);
  EXPECT_EQ(p.record.laid->year, 1994);
  EXPECT_EQ(p.record.bearing_ref, record::BearingRef::Magnetic);
  EXPECT_EQ(p.record.points.size(), 6u);
  EXPECT_EQ(p.record.perimeter.size(), 4u);
  EXPECT_EQ(p.record.rows.size(), 2u);
  EXPECT_EQ(p.record.rows[1].pattern, record::Pattern::Staggered);
  EXPECT_EQ(p.record.mine_count(), 56);
  EXPECT_EQ(p.record.declared.at("AP_MINE"), 51);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(&p.record.anchor(), &p.record.points[0]);
}

TEST(RecordParse, BadRecordsNameTheKeyPath) {
  struct Case {
    const char* what;
    std::function<void(json&)> edit;
    const char* message;
  };
  std::vector<Case> cases = {
      {"unknown point in a row", [](json& j) { j["rows"][1]["start"]["from"] = "T9"; },
       "rows[1].start.from: no point \"T9\" defined before this row"},
      {"unknown point in a leg", [](json& j) { j["points"][2]["from"] = "T9"; },
       "points[2].from: no point \"T9\" defined before this point"},
      {"unknown perimeter point", [](json& j) { j["perimeter"][2] = "T9"; },
       "perimeter[2]: no point \"T9\""},
      {"cycle",
       [](json& j) {
         j["points"][2]["from"] = "T2";  // T1 from T2, T2 from T1
       },
       "points[2].from: cycle: T1 -> T2 -> T1"},
      {"self reference", [](json& j) { j["points"][3]["from"] = "T2"; },
       "points[3].from: cycle: T2 -> T2"},
      {"later point, no cycle",
       [](json& j) {
         j["points"].push_back({{"id", "Z"}, {"x", 47.0}, {"y", 39.4}});
         j["points"][1]["from"] = "Z";
       },
       "points[1].from: point \"Z\" is defined after this one"},
      {"a longer cycle", [](json& j) { j["points"][1]["from"] = "T4"; },
       "points[1].from: cycle: RP -> T4 -> T3 -> T2 -> T1 -> RP"},
      {"negative distance", [](json& j) { j["points"][3]["distance"] = -150; },
       "points[3].distance: negative distance -150"},
      {"negative spacing", [](json& j) { j["rows"][0]["spacing"] = -4; },
       "rows[0].spacing: negative distance -4"},
      {"zero spacing", [](json& j) { j["rows"][0]["spacing"] = 0; },
       "rows[0].spacing: must be greater than 0"},
      {"unknown angle unit", [](json& j) { j["angle_unit"] = "grad"; },
       "angle_unit: unknown value \"grad\" (one of: deg, mil6400, mil6000)"},
      {"unknown distance unit", [](json& j) { j["distance_unit"] = "yard"; },
       "distance_unit: unknown value \"yard\" (one of: m, pace)"},
      {"unknown bearing reference", [](json& j) { j["bearing_ref"] = "compass"; },
       "bearing_ref: unknown value"},
      {"bad CRS", [](json& j) { j["crs"] = "EPSG:99999"; },
       "crs: \"EPSG:99999\" is not a coordinate reference system PROJ knows"},
      {"not a 2D CRS", [](json& j) { j["crs"] = "EPSG:4978"; },
       "crs: \"EPSG:4978\" is not a geographic or projected CRS"},
      {"missing coordinate", [](json& j) { j["points"][0].erase("y"); }, "points[0].y: missing"},
      {"no coordinate and no leg",
       [](json& j) {
         j["points"][0] = {{"id", "LM"}, {"kind", "landmark"}};
       },
       "points[0]: missing coordinate"},
      {"coordinate and leg", [](json& j) { j["points"][1]["x"] = 1.0; },
       "points[1]: both coordinates"},
      {"bearing out of range", [](json& j) { j["rows"][0]["bearing"] = 400; },
       "rows[0].bearing: bearing 400 is outside 0..360 deg"},
      {"bearing as text", [](json& j) { j["points"][1]["bearing"] = "112"; },
       "points[1].bearing: expected a number, found string"},
      {"unknown category", [](json& j) { j["rows"][1]["mines"][1]["category"] = "AT"; },
       "rows[1].mines[1].category: unknown category \"AT\""},
      {"fractional count", [](json& j) { j["rows"][0]["mines"][0]["count"] = 2.5; },
       "rows[0].mines[0].count: expected a whole number"},
      {"duplicate point", [](json& j) { j["points"][2]["id"] = "RP"; },
       "points[2].id: duplicate point id \"RP\""},
      {"duplicate row", [](json& j) { j["rows"][1]["id"] = "A"; },
       "rows[1].id: duplicate row id \"A\""},
      {"bad date", [](json& j) { j["laid"] = "1994-13-01"; }, "laid"},
      {"wrong format", [](json& j) { j["format"] = "minemap-record/2"; }, "format: unknown format"},
      {"no format", [](json& j) { j.erase("format"); }, "format: missing"},
      {"staggered without stagger", [](json& j) { j["rows"][1].erase("stagger"); },
       "rows[1].stagger: missing"},
      {"short perimeter",
       [](json& j) {
         j["perimeter"] = {"T1", "T2"};
       },
       "perimeter: needs at least 3 points"},
      {"declared negative", [](json& j) { j["declared"]["AP_MINE"] = -1; }, "declared.AP_MINE"},
      {"then outside a row", [](json& j) { j["points"][2]["then"] = json::array(); },
       "points[2].then"},
      {"not an object", [](json& j) { j = json::array(); }, "record: expected an object"},
      {"point outside the CRS", [](json& j) { j["points"][0]["y"] = 95.0; }, "points[0]"},
  };
  for (const auto& c : cases) {
    json j = example();
    c.edit(j);
    std::string msg = rejection(j);
    EXPECT_NE(msg.find(c.message), std::string::npos)
        << c.what << "\n  got: " << msg << "\n  want: " << c.message;
  }
}

TEST(RecordParse, NotJsonNamesTheLine) {
  try {
    record::parse(std::string_view("{\n  \"format\": \"minemap-record/1\",\n  oops\n}"));
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
}

}  // namespace
