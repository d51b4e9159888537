// `minemap signals` through the real binary: which evidence counts, the areas, drafts
// that go through the review, reproducibility, the evaluation, bad options.
#include <set>

#include "common/require.hpp"
#include "every_entity.hpp"

using namespace harness;

namespace {

std::string point(double lon, double lat) {
  return R"("geometry":{"type":"Point","coordinates":[)" + std::to_string(lon) + "," +
         std::to_string(lat) + "]}";
}

std::string square(double lon, double lat, double side) {
  auto c = [](double x, double y) {
    return "[" + std::to_string(x) + "," + std::to_string(y) + "]";
  };
  return R"("geometry":{"type":"Polygon","coordinates":[[)" + c(lon, lat) + "," +
         c(lon + side, lat) + "," + c(lon + side, lat + side) + "," + c(lon, lat + side) + "," +
         c(lon, lat) + "]]}";
}

std::string accident(const fs::path& store, const std::string& date, double lon, double lat) {
  return add_one(store, "accidents",
                 R"({"date":")" + date + R"(","type":"mine",)" + point(lon, lat) + "}");
}

bool in_square(double lon, double lat, double x0, double y0, double side) {
  return lon >= x0 && lon <= x0 + side && lat >= y0 && lat <= y0 + side;
}

}  // namespace

// A store with an open hazard, a closed one cleared in 2020, and events in and around
// them: only those outside every open hazard, and not in land cleared after them, are
// evidence; drafts made of them approve like any other SHA.
TEST(Signals, EvidenceIsWhatNoOpenHazardExplainsAndDraftsGoThroughTheReview) {
  TempDir d;
  const fs::path store = d / "s.gpkg";
  const std::string s = store.string();
  ASSERT_EQ(minemap({"init", s}).code, 0);
  auto e = add_every_entity(store);  // open hazard 20.0-20.01 E, 45.0-45.01 N; item and
                                     // accident inside it
  const std::string closed = add_one(store, "hazards", R"({"name":"Cleared field","type":"CHA",
    "status":"closed",)" + square(20.05, 45.05, 0.01) + "}");
  const std::string act =
      add_one(store, "activities", R"({"hazard_id":")" + closed + R"(","type":"CLEARANCE"})");
  add_one(store, "releases",
          R"({"activity_id":")" + act + R"(","outcome":"cleared",
    "date":"2020-06-30",)" +
              square(20.05, 45.05, 0.01) + "}");
  // Two accidents 400 m apart (a cluster), with a victim; one far away; one in the open
  // hazard; one in the cleared field before its clearance, one after it.
  const std::string a1 = accident(store, "2018-03-01", 20.03, 45.03);
  const std::string a2 = accident(store, "2019", 20.035, 45.03);
  add_one(store, "victims", R"({"accident_id":")" + a1 + R"(","group":"civilian",
    "outcome":"killed"})");
  const std::string far =
      add_one(store, "items", R"({"category":"UXO","found":"2015",)" + point(20.4, 45.4) + "}");
  accident(store, "2022", 20.008, 45.008);  // in the open hazard
  const std::string before = accident(store, "2019-05", 20.055, 45.055);
  const std::string after = accident(store, "2022-01-10", 20.056, 45.056);

  auto r = minemap({"signals", s, "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto areas = json_of(r);
  ASSERT_TRUE(areas.is_array());
  std::set<std::string> evidence;
  for (const auto& a : areas)
    for (const auto& ev : a["evidence"]) {
      evidence.insert(ev["id"].get<std::string>());
      // Outside every open hazard, by the test's own reckoning.
      EXPECT_FALSE(in_square(ev["lon"], ev["lat"], 20.0, 45.0, 0.01)) << ev.dump();
    }
  EXPECT_EQ(evidence, (std::set<std::string>{a1, a2, far, after}));
  ASSERT_EQ(areas.size(), 3u) << areas.dump(1);
  // The cluster ranks first (clusters before single events): two events, a casualty,
  // 2 km from a hazard.
  const auto& top = areas[0];
  EXPECT_EQ(top["rank"], 1);
  EXPECT_EQ(top["count"], 2);
  EXPECT_EQ(top["casualties"], 1);
  EXPECT_EQ(top["first"], "2018-03-01");
  EXPECT_EQ(top["last"], "2019");
  EXPECT_EQ(top["evidence"][0]["id"], a1);
  EXPECT_EQ(top["evidence"][0]["casualties"], 1);
  // 395 m between them, 250 m of buffer about each: a stadium of about 2*250*395 +
  // pi*250^2 = 0.394 km², a 32-gon's corners a little less.
  EXPECT_GT(top["area_m2"].get<double>(), 0.38e6);
  EXPECT_LT(top["area_m2"].get<double>(), 0.395e6);
  double score = 0;
  for (const auto& [k, v] : top["score_parts"].items()) {
    EXPECT_GE(v.get<double>(), 0) << k;
    EXPECT_LE(v.get<double>(), 1) << k;
    score += v.get<double>() / 4;
  }
  EXPECT_NEAR(top["score"].get<double>(), score, 1e-3);
  // The single events after it, by score.
  EXPECT_EQ(areas[1]["count"], 1);
  EXPECT_EQ(areas[2]["count"], 1);
  EXPECT_GE(areas[1]["score"].get<double>(), areas[2]["score"].get<double>());
  EXPECT_GT(top["nearest_hazard_m"].get<double>(), 1000);

  // The same answer on every run; GeoJSON holds the same areas.
  EXPECT_EQ(minemap({"signals", s, "--json"}).out, r.out);
  auto gj = json_of(minemap({"signals", s, "--geojson"}));
  ASSERT_EQ(gj["features"].size(), areas.size());
  EXPECT_EQ(gj["features"][0]["properties"]["evidence"], top["evidence"]);
  EXPECT_EQ(gj["features"][0]["geometry"], top["geometry"]);
  auto table = minemap({"signals", s});
  EXPECT_NE(table.out.find("3 suggested areas: 1 clusters, 2 single events"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find(a1 + ", " + a2), std::string::npos) << table.out;
  // Up to 2019: the event after the clearance had not happened, and the one before it
  // was not explained yet (the field was cleared in 2020).
  auto until = json_of(minemap({"signals", s, "--json", "--until", "2019"}));
  std::set<std::string> until_evidence;
  for (const auto& a : until)
    for (const auto& ev : a["evidence"]) until_evidence.insert(ev["id"].get<std::string>());
  EXPECT_EQ(until_evidence, (std::set<std::string>{a1, a2, far, before})) << until.dump(1);

  // Drafts: one SHA per area, each naming its evidence, reviewed as any other.
  auto made = shell("MINEMAP_USER=analyst " + quote(bin()) + " signals " + quote(s) +
                    " --create-drafts --json");
  ASSERT_EQ(made.code, 0) << made.err;
  auto drafted = nlohmann::json::parse(made.out);
  ASSERT_EQ(drafted.size(), 3u);
  for (const auto& a : drafted) {
    const std::string id = a["draft"];
    auto h = json_of(minemap({"get", s, "hazards", id, "--json"}));
    const auto& p = h.contains("properties") ? h["properties"] : h;
    EXPECT_EQ(p["type"], "SHA");
    EXPECT_EQ(p["workflow"], "draft") << h.dump();
    const std::string source = p["source"];
    EXPECT_EQ(source.rfind("suggested by minemap signals", 0), 0u) << source;
    for (const auto& ev : a["evidence"])
      EXPECT_NE(source.find(ev["id"].get<std::string>()), std::string::npos) << source;
    EXPECT_EQ(
        shell("MINEMAP_USER=analyst " + quote(bin()) + " submit " + quote(s) + " hazards " + id)
            .code,
        0);
    auto ok =
        shell("MINEMAP_USER=verifier2 " + quote(bin()) + " approve " + quote(s) + " hazards " + id);
    EXPECT_EQ(ok.code, 0) << ok.err;
  }
  // Approved, they explain their evidence: nothing is left to suggest.
  EXPECT_EQ(json_of(minemap({"signals", s, "--json"})).size(), 0u);
  EXPECT_NE(minemap({"signals", s}).out.find("no signals"), std::string::npos);
  EXPECT_EQ(minemap({"verify", s}).code, 0);
}

TEST(Signals, BadOptionsAreRefusedNamingThem) {
  TempDir d;
  const std::string s = (d / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", s}).code, 0);
  expect_refused(minemap({"signals", s, "--eps", "0"}), "--eps");
  expect_refused(minemap({"signals", s, "--eps", "nan"}), "--eps");
  expect_refused(minemap({"signals", s, "--min-points", "0"}), "--min-points");
  expect_refused(minemap({"signals", s, "--buffer", "-1"}), "--buffer");
  expect_refused(minemap({"signals", s, "--json", "--geojson"}), "--geojson");
  expect_refused(minemap({"signals", s, "--evaluate", "1800"}), "--evaluate");
  expect_refused(minemap({"signals", s, "--evaluate", "2010", "--create-drafts"}), "--evaluate");
  expect_refused(minemap({"signals", s, "--horizon", "0", "--evaluate", "2010"}), "--horizon");
  // Nothing was written by any of them.
  EXPECT_EQ(json_of(minemap({"list", s, "hazards", "--format", "json"})).size(), 0u);
  auto none = minemap({"signals", (d / "missing.gpkg").string()});
  EXPECT_EQ(none.code, 2) << none.err;
}

// The Colombia events (accidents and items, no hazards): every event is evidence, the
// areas are the same run to run, and the evaluation compares them with a plain buffer.
TEST(Signals, ColombiaEventsGiveReproducibleAreasAndAnEvaluation) {
  fs::path dir = fs::path(shared_data()) / "colombia-mine-events";
  MINEMAP_REQUIRE(fs::exists(dir), "no ../shared/data/colombia-mine-events");
  TempDir d;
  const std::string s = (d / "co.gpkg").string();
  ASSERT_EQ(minemap({"init", s}).code, 0);
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir))
    if (f.path().extension() == ".geojson") files.push_back(f.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto a = minemap({"import", s, f.string(), "--as", "accidents", "--where", "TIPO_EVENTO=1,2",
                      "--map", "date=AÑO", "--map", "type=TIPO_EVENTO:1=mine,2=erw"});
    ASSERT_EQ(a.code, 0) << f << ": " << a.err;
    auto i = minemap({"import", s, f.string(), "--as", "items", "--where", "TIPO_EVENTO=4,6",
                      "--map", "found=AÑO", "--map", "category=TIPO_EVENTO:4=AP_MINE,6=UXO"});
    ASSERT_EQ(i.code, 0) << f << ": " << i.err;
  }
  auto first = minemap({"signals", s, "--json"});
  ASSERT_EQ(first.code, 0) << first.err;
  auto areas = nlohmann::json::parse(first.out);
  std::size_t events = 0;
  std::set<std::string> seen;
  for (const auto& a : areas)
    for (const auto& ev : a["evidence"]) {
      const std::string id = ev["id"];
      EXPECT_TRUE(id.rfind("ACC-", 0) == 0 || id.rfind("IT-", 0) == 0) << id;
      EXPECT_TRUE(seen.insert(id).second) << id << " in two areas";
      ++events;
    }
  EXPECT_EQ(events, 6909u + 24180u);  // every approved accident and item: no hazard
  EXPECT_GT(areas.size(), 1000u);
  EXPECT_LT(areas.size(), events);
  EXPECT_EQ(minemap({"signals", s, "--json"}).out, first.out);

  auto ev = json_of(minemap({"signals", s, "--evaluate", "2010", "--json"}));
  EXPECT_EQ(ev["year"], 2010);
  EXPECT_EQ(ev["horizon"], 3);
  EXPECT_GT(ev["future_events"].get<int>(), 0);
  for (const char* side : {"signals", "buffer"}) {
    EXPECT_GT(ev[side]["km2"].get<double>(), 0) << side;
    EXPECT_LE(ev[side]["caught"].get<int>(), ev["future_events"].get<int>()) << side;
    EXPECT_NEAR(ev[side]["share"].get<double>(),
                ev[side]["caught"].get<double>() / ev["future_events"].get<double>(), 1e-6);
  }
  // Every area reaches at least the buffer about each of its events: the areas cover at
  // least what the plain buffer does, so they catch at least as many later events.
  EXPECT_GE(ev["signals"]["caught"].get<int>(), ev["buffer"]["caught"].get<int>());
}
