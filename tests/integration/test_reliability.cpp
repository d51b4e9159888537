// `minemap simulate` and `minemap reliability` through the real binary: scenarios
// written to files, judged from the files and from a store, as JSON and HTML.
#include "harness.hpp"

using namespace harness;

namespace {

nlohmann::json read_json(const fs::path& p) {
  return nlohmann::json::parse(slurp(p));
}

}  // namespace

TEST(ReliabilityCli, SimulateThenJudgeFromFiles) {
  TempDir d;
  auto out = d.path() / "sim";
  auto sim = harness::minemap({"simulate", "--out", out.string(), "--count", "4", "--seed", "7"});
  ASSERT_EQ(sim.code, 0) << sim.err;
  auto list = read_json(out / "scenarios.json");
  ASSERT_FALSE(list.empty());
  int agree = 0;
  for (const char* name : {"S0001", "S0002", "S0003", "S0004"}) {
    auto dir = out / name;
    for (const char* f :
         {"record.json", "found.geojson", "cleared.geojson", "truth.json", "laid.geojson"})
      ASSERT_TRUE(fs::exists(dir / f)) << dir / f;
    auto r = harness::minemap({"reliability", "--record", (dir / "record.json").string(), "--found",
                               (dir / "found.geojson").string(), "--cleared",
                               (dir / "cleared.geojson").string(), "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    for (const char* k :
         {"record", "grade", "tolerance_m", "recorded_in_cleared", "found_in_cleared",
          "as_recorded", "correction", "corrected", "declared_vs_found", "found_outside_perimeter",
          "other_found", "predicted_remaining", "warnings"})
      EXPECT_TRUE(j.contains(k)) << k;
    auto truth = read_json(dir / "truth.json");
    agree += j["grade"] == truth["grade"];
  }
  EXPECT_GE(agree, 3);
  // The HTML report: one file, a map per record.
  auto html = d.path() / "r.html";
  auto dir = out / "S0001";
  auto h = harness::minemap({"reliability", "--record", (dir / "record.json").string(), "--found",
                             (dir / "found.geojson").string(), "--cleared",
                             (dir / "cleared.geojson").string(), "--html", html.string()});
  ASSERT_EQ(h.code, 0) << h.err;
  std::string page = slurp(html);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("S0001"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

TEST(ReliabilityCli, FromAStoreAsFromFiles) {
  TempDir d;
  auto out = d.path() / "sim";
  ASSERT_EQ(
      harness::minemap({"simulate", "--out", out.string(), "--count", "2", "--seed", "11"}).code,
      0);
  auto dir = out / "S0002";
  auto files = harness::minemap({"reliability", "--record", (dir / "record.json").string(),
                                 "--found", (dir / "found.geojson").string(), "--cleared",
                                 (dir / "cleared.geojson").string(), "--json"});
  ASSERT_EQ(files.code, 0) << files.err;
  auto want = nlohmann::json::parse(files.out);

  auto store = d.path() / "s.gpkg";
  ASSERT_EQ(harness::minemap({"init", store.string()}).code, 0);
  ASSERT_EQ(
      harness::minemap({"record", "add", store.string(), (dir / "record.json").string()}).code, 0);
  // Cleared ground: releases (outcome cleared) of a clearance activity of a hazard
  // around it; finds: items (their ids are the store's).
  auto cleared = read_json(dir / "cleared.geojson");
  double w = 1e9, s = 1e9, e = -1e9, n = -1e9;
  for (const auto& f : cleared["features"])
    for (const auto& c : f["geometry"]["coordinates"][0]) {
      w = std::min(w, c[0].get<double>());
      e = std::max(e, c[0].get<double>());
      s = std::min(s, c[1].get<double>());
      n = std::max(n, c[1].get<double>());
    }
  nlohmann::json hazard = {{"name", "Simulated field"},
                           {"type", "CHA"},
                           {"geometry",
                            {{"type", "Polygon"},
                             {"coordinates",
                              {{{w - 0.001, s - 0.001},
                                {e + 0.001, s - 0.001},
                                {e + 0.001, n + 0.001},
                                {w - 0.001, n + 0.001},
                                {w - 0.001, s - 0.001}}}}}}};
  auto hz = harness::minemap({"add", store.string(), "hazards", "-"}, hazard.dump());
  ASSERT_EQ(hz.code, 0) << hz.err;
  auto act =
      harness::minemap({"add", store.string(), "activities", "-"},
                       nlohmann::json({{"hazard_id", "HZ-000001"}, {"type", "CLEARANCE"}}).dump());
  ASSERT_EQ(act.code, 0) << act.err;
  for (const auto& f : cleared["features"]) {
    nlohmann::json lr = {
        {"activity_id", "ACT-000001"}, {"outcome", "cleared"}, {"geometry", f["geometry"]}};
    auto r = harness::minemap({"add", store.string(), "releases", "-"}, lr.dump());
    ASSERT_EQ(r.code, 0) << r.err;
  }
  auto found = read_json(dir / "found.geojson");
  for (auto& f : found["features"]) f["properties"].erase("id");
  auto items = d.path() / "items.geojson";
  write_file(items, found.dump());
  auto imp = harness::minemap({"import", store.string(), items.string(), "--as", "items"});
  ASSERT_EQ(imp.code, 0) << imp.err;

  auto got = harness::minemap({"reliability", store.string(), "--all", "--json"});
  ASSERT_EQ(got.code, 0) << got.err;
  auto arr = nlohmann::json::parse(got.out);
  ASSERT_EQ(arr.size(), 1u);
  EXPECT_EQ(arr[0]["record"], want["record"]);
  EXPECT_EQ(arr[0]["grade"], want["grade"]);
  EXPECT_EQ(arr[0]["found_in_cleared"], want["found_in_cleared"]);
  EXPECT_EQ(arr[0]["as_recorded"]["matched"], want["as_recorded"]["matched"]);
  EXPECT_EQ(arr[0]["as_recorded"]["recorded_in_cleared"],
            want["as_recorded"]["recorded_in_cleared"]);
  // Per source, as a table and as JSON.
  auto src = harness::minemap({"reliability", store.string(), "--all", "--by-source", "--json"});
  ASSERT_EQ(src.code, 0) << src.err;
  auto sj = nlohmann::json::parse(src.out);
  ASSERT_EQ(sj.size(), 1u);
  EXPECT_EQ(sj[0]["records"], 1);
  // Bad usage: exit 2.
  EXPECT_EQ(harness::minemap({"reliability", store.string()}).code, 2);
  EXPECT_EQ(harness::minemap({"reliability", "--record", (dir / "record.json").string()}).code, 2);
}

// Clearance that found nothing is evidence, not an error (issue #20): an empty
// FeatureCollection of finds is zero finds, and the record is judged on it. The
// simulated record's mines lie in the cleared ground, none was found there: no
// correspondence (D). With nothing cleared either, the record is not judged (U): the
// table says so and gives no count of mines left, the JSON no prediction (null).
TEST(ReliabilityCli, EmptyFindsAreZeroFinds) {
  TempDir d;
  auto out = d.path() / "sim";
  ASSERT_EQ(
      harness::minemap({"simulate", "--out", out.string(), "--count", "1", "--seed", "7"}).code, 0);
  auto dir = out / "S0001";
  auto none = d.path() / "none.geojson";
  write_file(none, R"({"type":"FeatureCollection","features":[]})");
  auto record = (dir / "record.json").string();
  auto cleared = (dir / "cleared.geojson").string();

  auto r = harness::minemap({"reliability", "--record", record, "--found", none.string(),
                             "--cleared", cleared, "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["found_in_cleared"], 0);
  EXPECT_EQ(j["other_found"], 0);
  EXPECT_GE(j["recorded_in_cleared"].get<int>(), 5) << j.dump();
  EXPECT_EQ(j["as_recorded"]["matched"], 0);
  EXPECT_EQ(j["grade"], "D") << j["grade_reason"];
  EXPECT_EQ(j["judged"], true);
  EXPECT_TRUE(j["predicted_remaining"].is_null());

  // Nothing cleared, nothing found: U, not judged.
  auto u = harness::minemap(
      {"reliability", "--record", record, "--found", none.string(), "--cleared", none.string()});
  ASSERT_EQ(u.code, 0) << u.err;
  std::istringstream lines(u.out);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_NE(header.find("\tremaining"), std::string::npos) << u.out;
  EXPECT_NE(row.find("\tU\t"), std::string::npos) << u.out;
  EXPECT_EQ(row.substr(row.rfind('\t') + 1), "not judged") << u.out;
  auto uj = harness::minemap({"reliability", "--record", record, "--found", none.string(),
                              "--cleared", none.string(), "--json"});
  ASSERT_EQ(uj.code, 0) << uj.err;
  auto ujson = nlohmann::json::parse(uj.out);
  EXPECT_EQ(ujson["grade"], "U");
  EXPECT_EQ(ujson["judged"], false);
  EXPECT_TRUE(ujson["predicted_remaining"].is_null());

  // Finds with features but no category column are still refused.
  auto bad = d.path() / "bad.geojson";
  write_file(bad, R"({"type":"FeatureCollection","features":[{"type":"Feature",
    "properties":{"kind":"AP"},"geometry":{"type":"Point","coordinates":[20,45]}}]})");
  auto refused = harness::minemap(
      {"reliability", "--record", record, "--found", bad.string(), "--cleared", cleared});
  EXPECT_EQ(refused.code, 2) << refused.err;
  EXPECT_NE(refused.err.find("category"), std::string::npos) << refused.err;
}
