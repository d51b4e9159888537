// Signing in to `minemap serve` and the approval workflow, over real HTTP (curl):
// roles, CSRF tokens, rate limiting of failed sign-ins, the audit trail with the user.

#include "harness.hpp"

namespace {

using namespace harness;

class ServeAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = m_dir.file("field.gpkg");
    ASSERT_EQ(minemap({"init", m_store}).code, 0);
    for (auto [name, role] : {std::pair{"ops1", "data_entry"}, std::pair{"amina", "verifier"},
                              std::pair{"guest", "viewer"}}) {
      auto r = minemap({"user", "add", m_store, name, "--role", role}, "a long password\n");
      ASSERT_EQ(r.code, 0) << r.err;
    }
    m_server = std::make_unique<ServeProcess>(m_store, m_dir / "serve.log");
    ASSERT_FALSE(m_server->url().empty()) << slurp(m_dir / "serve.log");
  }
  std::string url(const std::string& path) { return m_server->url() + path; }
  // Signs in with a cookie jar of its own; returns the CSRF token.
  std::string login(const std::string& name, const fs::path& jar) {
    auto r = request("POST", url("login"), jar,
                     nlohmann::json{{"name", name}, {"password", "a long password"}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body.value("csrf_token", "");
  }

  TempDir m_dir;
  std::string m_store;
  std::unique_ptr<ServeProcess> m_server;
};

TEST_F(ServeAuth, AccidentFiledSubmittedApprovedAndCounted) {
  fs::path ops = m_dir / "ops.jar", ver = m_dir / "ver.jar";
  std::string csrf = login("ops1", ops);
  ASSERT_EQ(csrf.size(), 64u);
  // The session cookie is HttpOnly and SameSite=Strict.
  std::string jar = slurp(ops);
  EXPECT_NE(jar.find("#HttpOnly_"), std::string::npos) << jar;

  nlohmann::json accident = {
      {"date", "2024-05-14"},
      {"type", "mine"},
      {"device_category", "AP_MINE"},
      {"geometry", {{"type", "Point"}, {"coordinates", {46.9, 39.5}}}},
      {"victims",
       {{{"outcome", "injured"},
         {"group", "civilian"},
         {"sex", "female"},
         {"age", 12},
         {"name", "A. Example"}},
        {{"outcome", "killed"}, {"group", "civilian"}, {"sex", "male"}, {"age", 40}}}}};
  // Without the CSRF token a write is refused, with it accepted.
  EXPECT_EQ(request("POST", url("api/accidents"), ops, accident.dump()).status, 403);
  auto made = request("POST", url("api/accidents"), ops, accident.dump(), csrf);
  ASSERT_EQ(made.status, 201) << made.body;
  std::string id = made.body["id"];
  EXPECT_EQ(made.body["victims"].size(), 2u);

  // A draft is not public, not counted, and a data entry user cannot approve.
  EXPECT_EQ(request("GET", url("collections/accidents/items/" + id), m_dir / "anon.jar").status,
            404);
  auto stats = request("GET", url("api/stats"), m_dir / "anon.jar");
  EXPECT_EQ(stats.body["accidents"]["count"], 0);
  EXPECT_EQ(request("POST", url("api/accidents/" + id + "/approve"), ops, "{}", csrf).status, 403);
  EXPECT_EQ(request("POST", url("api/accidents/" + id + "/submit"), ops, "{}", csrf).status, 200);
  EXPECT_EQ(request("POST", url("api/accidents/" + id + "/submit"), ops, "{}", csrf).status, 409);

  std::string vcsrf = login("amina", ver);
  auto submitted = request("GET", url("api/accidents?workflow=submitted"), ver);
  ASSERT_EQ(submitted.status, 200);
  ASSERT_EQ(submitted.body["records"].size(), 1u);
  EXPECT_EQ(request("POST", url("api/accidents/" + id + "/approve"), ver, "{}", vcsrf).status, 200);

  stats = request("GET", url("api/stats"), m_dir / "anon.jar");
  EXPECT_EQ(stats.body["accidents"]["count"], 1);
  EXPECT_EQ(stats.body["victims"]["killed"], 1) << stats.body.dump();
  EXPECT_EQ(stats.body["victims"]["count"], 2);
  EXPECT_EQ(request("GET", url("collections/accidents/items/" + id), m_dir / "anon.jar").status,
            200);

  // The audit trail names who did what.
  auto hist = minemap({"history", m_store, "accidents", id, "--json"});
  ASSERT_EQ(hist.code, 0) << hist.err;
  auto h = nlohmann::json::parse(hist.out);
  std::string text = h.dump();
  EXPECT_NE(text.find("\"ops1\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"amina\""), std::string::npos) << text;
  EXPECT_EQ(minemap({"verify", m_store}).code, 0);
}

TEST_F(ServeAuth, ViewersCannotWriteAndStrangersCannotRead) {
  fs::path guest = m_dir / "guest.jar";
  std::string csrf = login("guest", guest);
  auto r = request("POST", url("api/items"), guest,
                   R"({"category":"UXO","geometry":{"type":"Point","coordinates":[46,39]}})", csrf);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["title"], "Forbidden");
  EXPECT_EQ(request("GET", url("api/items"), guest).status, 200);
  EXPECT_EQ(request("GET", url("api/items"), m_dir / "nobody.jar").status, 401);
  // Signed out, the session is gone.
  EXPECT_EQ(request("POST", url("logout"), guest, "{}", csrf).status, 200);
  EXPECT_EQ(request("GET", url("session"), guest).status, 401);
}

TEST_F(ServeAuth, FailedSignInsAreLimited) {
  fs::path jar = m_dir / "x.jar";
  for (int i = 0; i < 5; ++i) {
    auto r = request("POST", url("login"), jar, R"({"name":"amina","password":"wrong guess!"})");
    EXPECT_EQ(r.status, 401) << i;
  }
  // The sixth attempt is refused even with the right password.
  auto r = request("POST", url("login"), jar, R"({"name":"amina","password":"a long password"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body["status"], 429);
}

// A rejected report is edited and resubmitted: the clerk sees the reason under "My
// reports", edits from the version read (a stale version is a 412 naming the record),
// and the verifier sees what changed since the rejection.
TEST_F(ServeAuth, RejectedReportEditedFromItsVersionAndResubmitted) {
  fs::path ops = m_dir / "ops.jar", ver = m_dir / "ver.jar";
  std::string csrf = login("ops1", ops), vcsrf = login("amina", ver);
  nlohmann::json accident = {{"date", "2024-05-14"},
                             {"type", "mine"},
                             {"geometry", {{"type", "Point"}, {"coordinates", {46.9, 39.5}}}}};
  auto made = request("POST", url("api/accidents"), ops, accident.dump(), csrf);
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.body["id"];
  ASSERT_EQ(request("POST", url("api/accidents/" + id + "/submit"), ops, "{}", csrf).status, 200);
  // Submitted: not editable.
  EXPECT_EQ(
      request("PATCH", url("api/accidents/" + id), ops, R"({"date":"2024-05-15"})", csrf).status,
      409);
  ASSERT_EQ(request("POST", url("api/accidents/" + id + "/reject"), ver,
                    R"({"reason":"the date is the day of the report, not of the accident"})", vcsrf)
                .status,
            200);

  // My reports: the rejection and its reason.
  auto mine = request("GET", url("api/my-reports"), ops);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.body["reports"].size(), 1u) << mine.body;
  EXPECT_EQ(mine.body["reports"][0]["id"], id);
  EXPECT_EQ(mine.body["reports"][0]["entity"], "accidents");
  EXPECT_EQ(mine.body["reports"][0]["workflow"], "rejected");
  EXPECT_EQ(mine.body["reports"][0]["reason"],
            "the date is the day of the report, not of the accident");
  EXPECT_EQ(request("GET", url("api/my-reports"), ver).body["reports"].size(), 0u);

  // The version is the ETag of GET; an edit from it applies, from an older one is 412.
  auto headers_of = [&](const std::string& path) {
    return shell("curl -s -g -D - -o /dev/null -b " + quote(ops.string()) + " " + quote(url(path)))
        .out;
  };
  auto etag_in = [](const std::string& headers) {
    auto at = headers.find("ETag: \"");
    return at == std::string::npos ? std::string()
                                   : headers.substr(at + 6, headers.find('"', at + 7) - at - 5);
  };
  const std::string v1 = etag_in(headers_of("api/accidents/" + id));
  ASSERT_EQ(v1.size(), 66u) << headers_of("api/accidents/" + id);
  auto patched =
      request_raw("PATCH", url("api/accidents/" + id), ops, R"({"date":"2024-05-02"})",
                  {"If-Match: " + v1, "X-CSRF-Token: " + csrf, "Content-Type: application/json"});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["date"], "2024-05-02");
  EXPECT_EQ(patched.json()["workflow"], "rejected");
  auto stale =
      request_raw("PATCH", url("api/accidents/" + id), ops, R"({"date":"2024-05-03"})",
                  {"If-Match: " + v1, "X-CSRF-Token: " + csrf, "Content-Type: application/json"});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_NE(stale.body.find(id), std::string::npos) << stale.body;
  EXPECT_EQ(request("GET", url("api/accidents/" + id), ops).body["date"], "2024-05-02");
  // A field that is not in the data model is a 400.
  EXPECT_EQ(request("PATCH", url("api/accidents/" + id), ops, R"({"colour":"red"})", csrf).status,
            400);

  // Resubmitted: the verifier sees what changed since the rejection, and approves.
  ASSERT_EQ(request("POST", url("api/accidents/" + id + "/submit"), ops, "{}", csrf).status, 200);
  auto review = request("GET", url("api/accidents/" + id), ver);
  ASSERT_TRUE(review.body.contains("since_rejection")) << review.body;
  const auto& since = review.body["since_rejection"];
  EXPECT_EQ(since["by"], "amina");
  ASSERT_EQ(since["changes"].size(), 1u) << since;
  EXPECT_EQ(since["changes"][0]["field"], "date");
  EXPECT_EQ(since["changes"][0]["before"], "2024-05-14");
  EXPECT_EQ(since["changes"][0]["after"], "2024-05-02");
  // An approval from a version read before the resubmission is refused (412).
  auto late =
      request_raw("POST", url("api/accidents/" + id + "/approve"), ver, "{}",
                  {"If-Match: " + v1, "X-CSRF-Token: " + vcsrf, "Content-Type: application/json"});
  EXPECT_EQ(late.status, 412) << late.body;
  EXPECT_EQ(request("GET", url("api/accidents/" + id), ver).body["workflow"], "submitted");
  EXPECT_EQ(request("POST", url("api/accidents/" + id + "/approve"), ver, "{}", vcsrf).status, 200);
  EXPECT_EQ(request("GET", url("api/my-reports"), ops).body["reports"].size(), 0u);
  EXPECT_EQ(minemap({"verify", m_store}).code, 0);
}

}  // namespace
