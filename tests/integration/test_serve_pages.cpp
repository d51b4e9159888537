// What the web application's hazard pages and report forms ask of `minemap serve`, over
// real HTTP (curl) on the demo store: lists filtered on any field, an activity filed
// with its land released in one transaction and taking it through the workflow, items
// filed many at once, and the reliability of a minefield record, found from its hazard's
// page.

#include <map>
#include <set>

#include "harness.hpp"

namespace {

using namespace harness;

class ServePages : public ::testing::Test {
 protected:
  void SetUp() override {
    auto demo = minemap({"demo", "--dir", (m_dir / "demo").string(), "--no-serve"});
    ASSERT_EQ(demo.code, 0) << demo.err;
    m_store = (m_dir / "demo" / "demo.gpkg").string();
    for (auto [name, role] : {std::pair{"ops1", "data_entry"}, std::pair{"amina", "verifier"},
                              std::pair{"guest", "viewer"}}) {
      auto r = minemap({"user", "add", m_store, name, "--role", role}, "a long password\n");
      ASSERT_EQ(r.code, 0) << r.err;
    }
    m_server = std::make_unique<ServeProcess>(m_store, m_dir / "serve.log");
    ASSERT_FALSE(m_server->url().empty()) << slurp(m_dir / "serve.log");
    m_csrf = login("ops1", m_ops);
    m_vcsrf = login("amina", m_ver);
  }
  std::string url(const std::string& path) { return m_server->url() + path; }
  std::string login(const std::string& name, const fs::path& jar) {
    auto r = request("POST", url("login"), jar,
                     nlohmann::json{{"name", name}, {"password", "a long password"}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body.value("csrf_token", "");
  }
  nlohmann::json records(const std::string& path) {
    auto r = request("GET", url(path), m_ver);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return r.body["records"];
  }
  nlohmann::json hazard(const std::string& id) {
    auto r = request("GET", url("api/hazards/" + id), m_ver);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }

  TempDir m_dir;
  std::string m_store;
  std::unique_ptr<ServeProcess> m_server;
  fs::path m_ops = m_dir / "ops.jar", m_ver = m_dir / "ver.jar";
  std::string m_csrf, m_vcsrf;
};

TEST_F(ServePages, ListsFilterOnAnyField) {
  auto acts = records("api/activities?hazard_id=HZ-000002");
  ASSERT_FALSE(acts.empty());
  for (const auto& a : acts) EXPECT_EQ(a["hazard_id"], "HZ-000002") << a;
  // Repeated: any of the values; several fields: all of them.
  auto two = records("api/activities?type=NTS&type=TS");
  ASSERT_FALSE(two.empty());
  for (const auto& a : two) EXPECT_TRUE(a["type"] == "NTS" || a["type"] == "TS") << a;
  auto cancelled = records("api/releases?hazard_id=HZ-000002&outcome=cancelled");
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0]["outcome"], "cancelled");
  EXPECT_TRUE(records("api/items?hazard_id=HZ-999999").empty());
  EXPECT_EQ(records("api/hazards?limit=2&offset=1").size(), 2u);
  EXPECT_EQ(records("api/hazards?limit=2&offset=1")[0]["id"], "HZ-000002");

  // An unknown field is a bad request naming the parameter.
  auto bad = request("GET", url("api/activities?colour=red"), m_ver);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.type, "application/problem+json");
  EXPECT_EQ(bad.body["title"], "Bad Request");
  EXPECT_NE(bad.body["detail"].get<std::string>().find("colour"), std::string::npos) << bad.body;
  EXPECT_EQ(request("GET", url("api/hazards?limit=0"), m_ver).status, 400);
  EXPECT_EQ(request("GET", url("api/hazards?offset=x"), m_ver).status, 400);
  // Personal data is no filter for a viewer.
  fs::path guest = m_dir / "guest.jar";
  login("guest", guest);
  auto personal = request("GET", url("api/victims?name=Synthetic%20person%201-1"), guest);
  EXPECT_EQ(personal.status, 400) << personal.body;
  EXPECT_EQ(request("GET", url("api/victims?name=Synthetic%20person%201-1"), m_ops).status, 200);
}

TEST_F(ServePages, AnActivityAndItsReleasesAreWrittenTogetherOrNotAtAll) {
  auto hz = hazard("HZ-000002");
  const std::size_t acts = records("api/activities").size();
  const std::size_t rels = records("api/releases").size();
  nlohmann::json outside = {
      {"type", "MultiPolygon"},
      {"coordinates", {{{{10, 10}, {10.001, 10}, {10.001, 10.001}, {10, 10}}}}}};
  nlohmann::json activity = {
      {"hazard_id", "HZ-000002"},
      {"type", "CLEARANCE"},
      {"status", "completed"},
      {"start", "2025-03-01"},
      {"end", "2025-04-30"},
      {"releases",
       {{{"outcome", "cleared"}, {"date", "2025-04-30"}, {"geometry", hz["geometry"]}},
        {{"outcome", "burnt"}, {"geometry", hz["geometry"]}}}}};
  // A bad release: the request fails, naming it, and nothing is written.
  auto r = request("POST", url("api/activities"), m_ops, activity.dump(), m_csrf);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.type, "application/problem+json");
  std::string detail = r.body.value("detail", "");
  EXPECT_NE(detail.find("releases[1]"), std::string::npos) << detail;
  EXPECT_NE(detail.find("outcome"), std::string::npos) << detail;
  activity["releases"][1] = {{"outcome", "reduced"}, {"geometry", outside}};
  r = request("POST", url("api/activities"), m_ops, activity.dump(), m_csrf);
  EXPECT_EQ(r.status, 400) << r.body;
  detail = r.body.value("detail", "");
  EXPECT_NE(detail.find("releases[1]"), std::string::npos) << detail;
  EXPECT_NE(detail.find("outside"), std::string::npos) << detail;
  activity["releases"][1] = "a string";
  EXPECT_EQ(request("POST", url("api/activities"), m_ops, activity.dump(), m_csrf).status, 400);
  EXPECT_EQ(records("api/activities").size(), acts);
  EXPECT_EQ(records("api/releases").size(), rels);

  // Good: the activity and its releases, drafts, the releases naming it and its hazard.
  activity["releases"].erase(1);
  r = request("POST", url("api/activities"), m_ops, activity.dump(), m_csrf);
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = r.body["id"];
  ASSERT_EQ(r.body["releases"].size(), 1u);
  auto mine = records("api/releases?activity_id=" + id);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["id"], r.body["releases"][0]);
  EXPECT_EQ(mine[0]["workflow"], "draft");
  EXPECT_EQ(mine[0]["hazard_id"], "HZ-000002");
  EXPECT_EQ(records("api/activities").size(), acts + 1);
}

TEST_F(ServePages, ReleasesFollowTheirActivityThroughTheWorkflow) {
  auto hz = hazard("HZ-000002");
  const double remaining = hz["remaining_m2"];
  ASSERT_GT(remaining, 1000);
  nlohmann::json activity = {
      {"hazard_id", "HZ-000002"},
      {"type", "CLEARANCE"},
      {"status", "completed"},
      {"releases", {{{"outcome", "cleared"}, {"geometry", hz["geometry"]}}}}};
  auto made = request("POST", url("api/activities"), m_ops, activity.dump(), m_csrf);
  ASSERT_EQ(made.status, 201) << made.body;
  std::string id = made.body["id"], lr = made.body["releases"][0];
  auto release_workflow = [&] { return records("api/releases?id=" + lr)[0]["workflow"]; };

  ASSERT_EQ(request("POST", url("api/activities/" + id + "/submit"), m_ops, "{}", m_csrf).status,
            200);
  EXPECT_EQ(release_workflow(), "submitted");
  ASSERT_EQ(request("POST", url("api/activities/" + id + "/reject"), m_ver,
                    R"({"reason":"the end date is missing"})", m_vcsrf)
                .status,
            200);
  EXPECT_EQ(release_workflow(), "rejected");
  // Rejected land released does not count.
  EXPECT_DOUBLE_EQ(hazard("HZ-000002")["remaining_m2"].get<double>(), remaining);
  ASSERT_EQ(request("POST", url("api/activities/" + id + "/submit"), m_ops, "{}", m_csrf).status,
            200);
  ASSERT_EQ(request("POST", url("api/activities/" + id + "/approve"), m_ver, "{}", m_vcsrf).status,
            200);
  EXPECT_EQ(release_workflow(), "approved");
  // Approved, the whole hazard is cleared: nothing is left of it.
  EXPECT_LT(hazard("HZ-000002")["remaining_m2"].get<double>(), 1.0);
  // The history of the release names both users; the hazard's page has its statuses.
  auto got = request("GET", url("api/releases/" + lr), m_ver);
  std::string text = got.body["history"].dump();
  EXPECT_NE(text.find("ops1"), std::string::npos) << text;
  EXPECT_NE(text.find("amina"), std::string::npos) << text;
  EXPECT_FALSE(hazard("HZ-000002")["status_history"].empty());
  EXPECT_EQ(minemap({"verify", m_store}).code, 0);
}

TEST_F(ServePages, ItemsAreFiledManyAtOnce) {
  const std::size_t before = records("api/items").size();
  nlohmann::json items = nlohmann::json::array();
  for (double dx : {0.0, 0.0001})
    items.push_back({{"category", "AP_MINE"},
                     {"model", "PMN-2"},
                     {"found", "2025-05-02"},
                     {"hazard_id", "HZ-000002"},
                     {"geometry", {{"type", "Point"}, {"coordinates", {134.0 + dx, -25.0}}}}});
  items.push_back({{"category", "AP_MINE"}, {"quantity", 0}, {"geometry", items[0]["geometry"]}});
  auto r = request("POST", url("api/items"), m_ops, items.dump(), m_csrf);
  EXPECT_EQ(r.status, 400) << r.body;
  std::string detail = r.body.value("detail", "");
  EXPECT_NE(detail.find("items[2]"), std::string::npos) << detail;
  EXPECT_NE(detail.find("quantity"), std::string::npos) << detail;
  EXPECT_EQ(records("api/items").size(), before);
  items.erase(2);
  r = request("POST", url("api/items"), m_ops, items.dump(), m_csrf);
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(r.body["ids"].size(), 2u);
  EXPECT_EQ(r.body["workflow"], "draft");
  EXPECT_EQ(records("api/items?hazard_id=HZ-000002&workflow=draft").size(), 2u);
}

TEST_F(ServePages, ReliabilityOfARecordAsTheCommandLineGivesIt) {
  auto got = request("GET", url("api/records/MR-SYN-1/reliability"), m_ver);
  ASSERT_EQ(got.status, 200) << got.body;
  auto cli = minemap({"reliability", m_store, "--record", "MR-SYN-1", "--json"});
  ASSERT_EQ(cli.code, 0) << cli.err;
  EXPECT_EQ(got.body, nlohmann::json::parse(cli.out));
  ASSERT_EQ(got.body.size(), 1u);
  EXPECT_EQ(got.body[0]["record"], "MR-SYN-1");
  EXPECT_TRUE(got.body[0].contains("grade"));

  auto missing = request("GET", url("api/records/MR-NOPE/reliability"), m_ver);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.type, "application/problem+json");
  EXPECT_EQ(missing.body["status"], 404);
  EXPECT_EQ(request("GET", url("api/records/MR-SYN-1/reliability"), m_dir / "nobody.jar").status,
            401);
}

TEST_F(ServePages, AHazardPageFindsItsRecordsAndTheirGrades) {
  // The hazard page asks for the hazard, then GET /api/records?hazard_id=..., then the
  // reliability of each record listed.
  std::map<std::string, std::string> grades;
  for (const std::string id : {"MR-SYN-1", "MR-SYN-2", "MR-SYN-3"}) {
    auto rec = records("api/records?id=" + id);
    ASSERT_EQ(rec.size(), 1u) << id;
    const std::string hz = rec[0].value("hazard_id", "");
    ASSERT_FALSE(hz.empty()) << id << " is linked to no hazard";
    EXPECT_EQ(hazard(hz)["id"], hz);
    auto listed = records("api/records?hazard_id=" + hz);
    ASSERT_EQ(listed.size(), 1u) << hz;
    EXPECT_EQ(listed[0]["id"], id);
    EXPECT_GT(listed[0]["mine_count"].get<int>(), 0);
    EXPECT_FALSE(records("api/items?hazard_id=" + hz).empty()) << hz;
    auto rel = request("GET", url("api/records/" + id + "/reliability"), m_ver);
    ASSERT_EQ(rel.status, 200) << rel.body;
    ASSERT_EQ(rel.body.size(), 1u);
    grades[id] = rel.body[0]["grade"];
    if (grades[id] == "A" || grades[id] == "B") {
      EXPECT_FALSE(rel.body[0]["predicted_remaining"].empty()) << id;
    }
  }
  EXPECT_EQ(grades, (std::map<std::string, std::string>{
                        {"MR-SYN-1", "A"}, {"MR-SYN-2", "B"}, {"MR-SYN-3", "C"}}));
}

// Whether (x, y) lies inside the ring, by the crossings of a ray to the east: the test's
// own point-in-polygon, apart from the server's index.
bool in_ring(const nlohmann::json& ring, double x, double y) {
  bool in = false;
  for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    double xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
  }
  return in;
}
bool in_multipolygon(const nlohmann::json& g, double x, double y) {
  for (const auto& poly : g["coordinates"]) {
    bool in = in_ring(poly[0], x, y);
    for (std::size_t h = 1; in && h < poly.size(); ++h)
      if (in_ring(poly[h], x, y)) in = false;
    if (in) return true;
  }
  return false;
}

TEST_F(ServePages, AHazardPageListsTheAccidentsInsideIt) {
  auto accidents = records("api/accidents");
  ASSERT_FALSE(accidents.empty());
  int inside_some = 0;
  for (const auto& h : records("api/hazards")) {
    const std::string id = h["id"];
    auto r = request("GET", url("api/hazards/" + id + "/accidents"), m_ver);
    ASSERT_EQ(r.status, 200) << r.body;
    std::set<std::string> got, want;
    for (const auto& a : r.body["records"]) got.insert(a["id"].get<std::string>());
    for (const auto& a : accidents) {
      const auto& c = a["geometry"]["coordinates"];
      if (in_multipolygon(h["geometry"], c[0], c[1])) want.insert(a["id"].get<std::string>());
    }
    EXPECT_EQ(got, want) << id;
    inside_some += static_cast<int>(got.size());
  }
  EXPECT_GT(inside_some, 0) << "no demo accident lies in a hazard";
  auto missing = request("GET", url("api/hazards/HZ-999999/accidents"), m_ver);
  EXPECT_EQ(missing.status, 404) << missing.body;
}

TEST_F(ServePages, ReferencesAreNamedAndStatusesDatedByTheReport) {
  auto h = hazard("HZ-000001");
  const std::string org = h.value("organisation_id", ""), adm = h.value("admin_area_id", "");
  ASSERT_FALSE(org.empty());
  ASSERT_FALSE(adm.empty());
  auto r = request("GET", url("api/names?id=" + org + "&id=" + adm + ",HZ-000001&id=XX-1"), m_ver);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& names = r.body["names"];
  EXPECT_EQ(names[org], records("api/organisations?id=" + org)[0]["name"]);
  EXPECT_EQ(names[adm], records("api/admin-areas?id=" + adm)[0]["name"]);
  EXPECT_EQ(names["HZ-000001"], h["name"]);
  EXPECT_FALSE(names.contains("XX-1"));
  std::string many = "api/names?id=HZ-000001";
  for (int i = 0; i < 200; ++i) many += ",HZ-000001";
  auto refused = request("GET", url(many), m_ver);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.dump().find("id"), std::string::npos) << refused.body;

  // The demo's hazards have no status date: their first status is dated by the report.
  int dated = 0;
  for (const auto& one : records("api/hazards")) {
    auto full = hazard(one["id"]);
    if (full.contains("status_date") || !full.contains("reported")) continue;
    ASSERT_FALSE(full["status_history"].empty()) << full["id"];
    EXPECT_EQ(full["status_history"][0]["date"], full["reported"]) << full["id"];
    ++dated;
  }
  EXPECT_GT(dated, 0);
}

TEST_F(ServePages, TheDashboardFiltersByPeriodAreaAndOrganisation) {
  auto dash = [&](const std::string& q) {
    auto r = request("GET", url("api/dashboard" + q), m_ver);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    return r.body;
  };
  auto approved = [&](const std::string& path) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : records(path))
      if (r["workflow"] == "approved") out.push_back(r);
    return out;
  };
  const auto accidents = approved("api/accidents");
  const auto hazards = approved("api/hazards");
  auto all = dash("");
  EXPECT_EQ(all["figures"]["accidents"].get<std::size_t>(), accidents.size());
  double open_left = 0;
  for (const auto& h : hazards)
    if (h["status"] == "open") open_left += h.value("remaining_m2", 0.0);
  EXPECT_NEAR(all["figures"]["remaining_m2"].get<double>(), open_left, 1e-6);
  auto stats = request("GET", url("api/stats"), m_ver).body;
  EXPECT_EQ(all["figures"]["killed"], stats["victims"]["killed"]);
  EXPECT_EQ(all["figures"]["injured"], stats["victims"]["injured"]);
  // The years of the casualties follow each other.
  std::vector<int> years;
  for (const auto& [k, v] : all["casualties"].items())
    if (k != "unknown") years.push_back(std::stoi(k));
  ASSERT_FALSE(years.empty());
  for (std::size_t i = 1; i < years.size(); ++i) EXPECT_EQ(years[i], years[i - 1] + 1);

  // A period: the accidents dated in it, by year.
  auto period = dash("?from=2020&to=2021");
  std::size_t in_period = 0;
  for (const auto& a : accidents) {
    int y = std::stoi(a["date"].get<std::string>().substr(0, 4));
    in_period += y >= 2020 && y <= 2021;
  }
  EXPECT_EQ(period["figures"]["accidents"].get<std::size_t>(), in_period);
  EXPECT_EQ(period["filters"]["from"], "2020");

  // An area: the accidents and open hazards in it or in an area under it.
  const std::string adm = hazards[0]["admin_area_id"];
  std::set<std::string> areas{adm};
  for (const auto& a : records("api/admin-areas"))
    if (a.value("parent", "") == adm) areas.insert(a["id"].get<std::string>());
  auto area = dash("?admin_area=" + adm);
  std::size_t in_area = 0, open_in_area = 0;
  for (const auto& a : accidents) in_area += areas.contains(a.value("admin_area_id", ""));
  for (const auto& h : hazards)
    open_in_area += h["status"] == "open" && areas.contains(h.value("admin_area_id", ""));
  EXPECT_EQ(area["figures"]["accidents"].get<std::size_t>(), in_area);
  EXPECT_EQ(area["figures"]["hazards_open"].get<std::size_t>(), open_in_area);

  // An organisation: its hazards; accidents say they are not by organisation.
  const std::string org = hazards[0]["organisation_id"];
  auto by_org = dash("?organisation=" + org);
  std::size_t open_of_org = 0;
  for (const auto& h : hazards)
    open_of_org += h["status"] == "open" && h.value("organisation_id", "") == org;
  EXPECT_EQ(by_org["figures"]["hazards_open"].get<std::size_t>(), open_of_org);
  EXPECT_EQ(by_org["not_by_organisation"], nlohmann::json({"casualties", "accidents"}));

  for (auto [q, field] :
       {std::pair{"?colour=red", "colour"}, std::pair{"?from=2024&to=2020", "from"},
        std::pair{"?from=20x", "from"}, std::pair{"?admin_area=ADM-999999", "admin_area"},
        std::pair{"?organisation=ORG-999999", "organisation"}}) {
    auto r = request("GET", url(std::string("api/dashboard") + q), m_ver);
    EXPECT_EQ(r.status, 400) << q << ": " << r.body;
    EXPECT_NE(r.body.value("detail", "").find(field), std::string::npos) << q << ": " << r.body;
  }
}

TEST_F(ServePages, TheMapExportsTheFilteredFeaturesAsAGeoPackage) {
  const fs::path jar = m_dir / "anon.jar";
  auto json = request("GET", url("collections/hazards/items?status=open"), jar);
  ASSERT_EQ(json.status, 200);
  const std::size_t open = json.body["features"].size();
  ASSERT_GT(open, 0u);
  auto r = request_raw("GET", url("collections/hazards/items?status=open&f=gpkg"), jar);
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
  EXPECT_EQ(r.type, "application/geopackage+sqlite3");
  ASSERT_EQ(r.body.rfind("SQLite format 3", 0), 0u);
  const fs::path file = m_dir / "open.gpkg";
  write_file(file, r.body);
  auto info = shell("ogrinfo -ro -al -so " + quote(file.string()));
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("Feature Count: " + std::to_string(open) + "\n"), std::string::npos)
      << info.out;
  auto bad = request("GET", url("collections/hazards/items?f=shp"), jar);
  EXPECT_EQ(bad.status, 400);
}

// GET /api/signals gives what `minemap signals --geojson` gives; POST /api/signals/drafts
// writes the signal of exactly the evidence given as a draft SHA (data entry and up), and
// refuses evidence that is no longer one signal (409) and bad parameters (400 naming
// them).
TEST_F(ServePages, SignalsAsTheCommandLineGivesThemAndDraftsFromThem) {
  const fs::path anon = m_dir / "anon.jar", guest = m_dir / "guest.jar";
  EXPECT_EQ(request("GET", url("api/signals"), anon).status, 401);
  login("guest", guest);
  auto got = request("GET", url("api/signals?eps=800&min_points=2&buffer=300"), guest);
  ASSERT_EQ(got.status, 200) << got.body;
  auto cli = minemap({"signals", m_store, "--geojson", "--eps", "800", "--buffer", "300"});
  ASSERT_EQ(cli.code, 0) << cli.err;
  EXPECT_EQ(got.body["features"], nlohmann::json::parse(cli.out)["features"]);
  ASSERT_FALSE(got.body["features"].empty());
  EXPECT_EQ(got.body["evidence"]["left"], 10) << got.body["evidence"];
  EXPECT_EQ(got.body["parameters"]["eps"], 800.0);

  for (const char* q :
       {"eps=0", "eps=abc", "buffer=-5", "min_points=0", "until=1066", "radius=3"}) {
    auto bad = request("GET", url(std::string("api/signals?") + q), guest);
    EXPECT_EQ(bad.status, 400) << q;
    std::string name(q, std::string(q).find('='));
    EXPECT_NE(bad.body.value("detail", "").find(name), std::string::npos) << q << bad.body;
  }

  nlohmann::json ids = nlohmann::json::array();
  for (const auto& e : got.body["features"][0]["properties"]["evidence"]) ids.push_back(e["id"]);
  nlohmann::json body = {{"eps", 800}, {"min_points", 2}, {"buffer", 300}, {"evidence", ids}};
  EXPECT_EQ(request("POST", url("api/signals/drafts"), guest, body.dump(), "").status, 403);
  auto wrong = body;
  wrong["evidence"].push_back("ACC-999999");
  EXPECT_EQ(request("POST", url("api/signals/drafts"), m_ops, wrong.dump(), m_csrf).status, 409);
  auto made = request("POST", url("api/signals/drafts"), m_ops, body.dump(), m_csrf);
  ASSERT_EQ(made.status, 201) << made.body;
  auto h = hazard(made.body["id"]);
  const auto& p = h.contains("properties") ? h["properties"] : h;
  EXPECT_EQ(p["workflow"], "draft");
  EXPECT_EQ(p["type"], "SHA");
  EXPECT_NE(p["source"].get<std::string>().find(ids[0].get<std::string>()), std::string::npos);
  auto bad = body;
  bad["eps"] = "far";
  auto refused = request("POST", url("api/signals/drafts"), m_ops, bad.dump(), m_csrf);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.value("detail", "").find("eps"), std::string::npos) << refused.body;
}

}  // namespace
