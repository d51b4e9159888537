// What the web application's hazard pages and report forms ask of `minemap serve`, over
// real HTTP (curl) on the demo store: lists filtered on any field, an activity filed
// with its land released in one transaction and taking it through the workflow, items
// filed many at once, and the reliability of a minefield record, found from its hazard's
// page.

#include <map>

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

}  // namespace
