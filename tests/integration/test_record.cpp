// `minemap record ...` through the real binary: digitize, add, redigitize, from-csv,
// and the exit codes and messages of bad records.
#include "harness.hpp"

using namespace harness;

namespace {

std::string example_path() {
  const char* d = std::getenv("MINEMAP_TEST_DATA");
  return std::string(d ? d : "tests/data") + "/records/mr-0042.json";
}

nlohmann::json example() {
  return nlohmann::json::parse(slurp(example_path()));
}

int count_kind(const nlohmann::json& fc, const std::string& kind) {
  int n = 0;
  for (const auto& f : fc["features"]) n += f["properties"]["kind"] == kind;
  return n;
}

}  // namespace

TEST(RecordCli, DigitizePrintsGeoJson) {
  auto r = harness::minemap({"record", "digitize", example_path()});
  ASSERT_EQ(r.code, 0) << r.err;
  auto fc = nlohmann::json::parse(r.out);
  EXPECT_EQ(fc["type"], "FeatureCollection");
  EXPECT_EQ(fc["record"], "MR-0042");
  EXPECT_EQ(count_kind(fc, "perimeter"), 1);
  EXPECT_EQ(count_kind(fc, "row"), 2);
  EXPECT_EQ(count_kind(fc, "point"), 6);
  EXPECT_EQ(count_kind(fc, "mine"), 56);
  EXPECT_EQ(fc["declination_deg_applied"], 5.8);
  for (const char* k : {"misclosure_m", "misclosure_ratio", "convergence_deg_applied", "warnings"})
    EXPECT_TRUE(fc.contains(k)) << k;
  // The staggered row's mines carry row, index, category and model.
  int at = 0;
  for (const auto& f : fc["features"])
    if (f["properties"]["kind"] == "mine" && f["properties"]["row"] == "B" &&
        f["properties"]["category"] == "AT_MINE") {
      ++at;
      EXPECT_EQ(f["properties"]["model"], "TM-62M");
    }
  EXPECT_EQ(at, 5);

  // -o writes the file; a correction changes the geometry.
  TempDir d;
  auto out = d.path() / "mr.geojson";
  auto w = harness::minemap(
      {"record", "digitize", example_path(), "-o", out.string(), "--declination", "0"});
  ASSERT_EQ(w.code, 0) << w.err;
  auto fc0 = nlohmann::json::parse(slurp(out));
  EXPECT_EQ(fc0["declination_deg_applied"], 0.0);
  EXPECT_EQ(fc0["declination_source"], "correction");
  EXPECT_NE(fc0["features"][1]["geometry"], fc["features"][1]["geometry"]);
  EXPECT_NE(w.err.find("56 mines"), std::string::npos) << w.err;
}

TEST(RecordCli, BadRecordsExitTwoNamingTheKeyPath) {
  TempDir d;
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    std::string message;
  };
  std::vector<Case> cases = {
      {[](nlohmann::json& j) { j["rows"][1]["start"]["from"] = "T9"; },
       "rows[1].start.from: no point \"T9\" defined before this row"},
      {[](nlohmann::json& j) { j["points"][2]["from"] = "T2"; },
       "points[2].from: cycle: T1 -> T2 -> T1"},
      {[](nlohmann::json& j) { j["points"][3]["distance"] = -150; },
       "points[3].distance: negative distance"},
      {[](nlohmann::json& j) { j["distance_unit"] = "yard"; },
       "distance_unit: unknown value \"yard\""},
      {[](nlohmann::json& j) { j["crs"] = "EPSG:99999"; },
       "crs: \"EPSG:99999\" is not a coordinate reference system"},
  };
  auto store = d.path() / "s.gpkg";
  ASSERT_EQ(harness::minemap({"init", store.string()}).code, 0);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto j = example();
    cases[i].edit(j);
    auto file = d.path() / ("bad" + std::to_string(i) + ".json");
    write_file(file, j.dump());
    auto r = harness::minemap({"record", "digitize", file.string()});
    EXPECT_EQ(r.code, 2) << cases[i].message;
    EXPECT_NE(r.err.find(file.string() + ": " + cases[i].message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    auto a = harness::minemap({"record", "add", store.string(), file.string()});
    EXPECT_EQ(a.code, 2);
    EXPECT_NE(a.err.find(cases[i].message), std::string::npos) << a.err;
  }
  // Nothing was written by the failed adds.
  auto list = harness::minemap({"list", store.string(), "records", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(list.out).size(), 0u) << list.out;
}

TEST(RecordCli, AddStoresRawRecordAndLayersThenRedigitizeKeepsHistory) {
  TempDir d;
  auto store = d.path() / "s.gpkg";
  ASSERT_EQ(harness::minemap({"init", store.string()}).code, 0);
  auto added =
      json_of(harness::minemap({"record", "add", store.string(), example_path(), "--json"}));
  std::string id = added["id"];
  EXPECT_EQ(added["record"], "MR-0042");
  EXPECT_EQ(added["mines"], 56);
  EXPECT_EQ(added["rows"], 2);
  EXPECT_EQ(added["derivation"], 1);

  auto rec = json_of(harness::minemap({"get", store.string(), "records", id, "--json"}));
  EXPECT_EQ(rec["properties"]["raw"], slurp(example_path())) << "the raw record, verbatim";
  EXPECT_EQ(rec["properties"]["label"], "MR-0042");
  EXPECT_EQ(rec["properties"]["source_name"], "Record set B");
  EXPECT_EQ(rec["properties"]["mine_count"], 56);
  EXPECT_EQ(rec["properties"]["declared_total"], 56);
  EXPECT_EQ(rec["geometry"]["type"], "Polygon");
  EXPECT_NEAR(rec["properties"]["area_m2"].get<double>(), 150 * 60, 1);

  auto mines =
      json_of(harness::minemap({"list", store.string(), "record-mines", "--format", "geojson"}));
  EXPECT_EQ(mines["features"].size(), 56u);
  auto rows =
      json_of(harness::minemap({"list", store.string(), "record-rows", "--format", "json"}));
  EXPECT_EQ(rows.size(), 2u);

  // The stored mines are where `record digitize` puts them.
  auto fc = json_of(harness::minemap({"record", "digitize", example_path()}));
  std::map<std::pair<std::string, int>, nlohmann::json> want;
  for (const auto& f : fc["features"])
    if (f["properties"]["kind"] == "mine")
      want[{f["properties"]["row"], f["properties"]["index"].get<int>()}] =
          f["geometry"]["coordinates"];
  for (const auto& f : mines["features"]) {
    auto key = std::make_pair(f["properties"]["row"].get<std::string>(),
                              f["properties"]["index"].get<int>());
    ASSERT_TRUE(want.count(key));
    EXPECT_NEAR(f["geometry"]["coordinates"][0].get<double>(), want[key][0].get<double>(), 1e-12);
    EXPECT_NEAR(f["geometry"]["coordinates"][1].get<double>(), want[key][1].get<double>(), 1e-12);
  }

  // The same record again is refused; nothing is added.
  auto again = harness::minemap({"record", "add", store.string(), example_path()});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("already stored as " + id), std::string::npos) << again.err;

  // A correction: a new derivation; the old rows and mines deleted but kept.
  auto re = json_of(harness::minemap(
      {"record", "redigitize", store.string(), id, "--declination", "7.5", "--json"}));
  EXPECT_EQ(re["derivation"], 2);
  EXPECT_EQ(re["declination_deg_applied"], 7.5);
  auto rec2 = json_of(harness::minemap({"get", store.string(), "records", id, "--json"}));
  EXPECT_EQ(rec2["properties"]["derivation"], 2);
  EXPECT_EQ(rec2["properties"]["declination_source"], "correction");
  EXPECT_EQ(rec2["properties"]["raw"], rec["properties"]["raw"]);
  EXPECT_NE(rec2["geometry"], rec["geometry"]);
  auto now =
      json_of(harness::minemap({"list", store.string(), "record-mines", "--format", "json"}));
  EXPECT_EQ(now.size(), 56u);
  for (const auto& m : now) EXPECT_EQ(m["derivation"], 2);
  auto all = json_of(harness::minemap(
      {"list", store.string(), "record-mines", "--format", "json", "--include-deleted"}));
  EXPECT_EQ(all.size(), 112u);
  auto hist = json_of(harness::minemap({"history", store.string(), "records", id, "--json"}));
  ASSERT_EQ(hist["audit"].size(), 2u) << hist.dump();
  EXPECT_EQ(hist["audit"][1]["action"], "update");
  std::string h = hist["audit"][1].dump();
  EXPECT_NE(h.find("derivation 2"), std::string::npos) << h;

  // Corrections add up: a pace correction keeps the declination (the record is in
  // metres, so the pace is ignored with a warning and the declination stays).
  auto re3 =
      harness::minemap({"record", "redigitize", store.string(), id, "--pace-m", "0.8", "--json"});
  ASSERT_EQ(re3.code, 0) << re3.err;
  EXPECT_EQ(nlohmann::json::parse(re3.out)["declination_deg_applied"], 7.5);
  EXPECT_NE(re3.err.find("pace_m"), std::string::npos) << re3.err;

  // No correction, an unknown id: exit 2.
  EXPECT_EQ(harness::minemap({"record", "redigitize", store.string(), id}).code, 2);
  EXPECT_EQ(
      harness::minemap({"record", "redigitize", store.string(), "MR-000099", "--declination", "1"})
          .code,
      2);
  EXPECT_EQ(harness::minemap({"verify", store.string()}).code, 0);
}

TEST(RecordCli, FromCsvTemplateGivesTheExampleRecord) {
  const char* src = std::getenv("MINEMAP_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  auto r = harness::minemap(
      {"record", "from-csv", std::string(src) + "/docs/minefield-record-template.csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), example());
  // A CSV whose record is invalid fails with the key path.
  TempDir d;
  auto bad = d.path() / "bad.csv";
  std::string csv = slurp(std::string(src) + "/docs/minefield-record-template.csv");
  auto at = csv.find("point,RP,reference,LM");
  ASSERT_NE(at, std::string::npos) << csv;
  csv.replace(at, std::string("point,RP,reference,LM").size(), "point,RP,reference,XX");
  write_file(bad, csv);
  auto b = harness::minemap({"record", "from-csv", bad.string()});
  EXPECT_EQ(b.code, 2);
  EXPECT_NE(b.err.find("points[1].from: no point \"XX\""), std::string::npos) << b.err;
}
