// The review of field reports, the same from the command line and over HTTP: every
// rule lives in the store, so each case runs through both. The cascade moves only the
// children in their report's state (a draft victim filed by someone else on a submitted
// accident stays a draft; a rejected one stays rejected), a child is never approved
// before its parent, and whoever filed or submitted a report may not approve it (four
// eyes), unless the store's setting says otherwise. Writes from the command line keep
// the rules of the server: land released outside its hazard and a workflow changed by
// `update` are refused with exit 2, nothing written.

#include <memory>
#include <string>

#include "harness.hpp"

namespace {

using namespace harness;
using nlohmann::json;

constexpr const char* kPassword = "a long password";

// A hazard of about 1.1 x 1.1 km and an activity on it.
const json kHazard = {
    {"name", "North field"},
    {"type", "CHA"},
    {"geometry",
     {{"type", "Polygon"},
      {"coordinates",
       {{{46.90, 39.50}, {46.91, 39.50}, {46.91, 39.51}, {46.90, 39.51}, {46.90, 39.50}}}}}}};

json square(double x, double y, double d) {
  return {{"type", "Polygon"},
          {"coordinates", {{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}}};
}

json accident() {
  return {{"date", "2024-03-02"},
          {"type", "mine"},
          {"geometry", {{"type", "Point"}, {"coordinates", {46.905, 39.505}}}}};
}

json victim(const std::string& accident_id) {
  return {{"accident_id", accident_id}, {"group", "civilian"}, {"outcome", "injured"}};
}

json item() {
  return {{"category", "AP_MINE"},
          {"found", "2024-05-01"},
          {"geometry", {{"type", "Point"}, {"coordinates", {46.902, 39.502}}}}};
}

// The outcome of one step: done, or refused with a message.
struct Outcome {
  bool done = false;
  std::string message;
};

// One way in: the command line, or the server. Users: ops1 and ops2 (data_entry),
// amina and bea (verifiers).
class Via {
 public:
  virtual ~Via() = default;
  virtual std::string name() const = 0;
  // A draft filed by `user`; its id.
  virtual std::string file(const std::string& user, const std::string& entity, json body) = 0;
  virtual Outcome step(const std::string& user, const std::string& entity, const std::string& id,
                       const std::string& action, const std::string& reason = "") = 0;
};

std::string as_user(const std::string& user) {
  return "MINEMAP_USER=" + quote(user) + " ";
}

class ViaCli : public Via {
 public:
  explicit ViaCli(std::string store) : m_store(std::move(store)) {}
  std::string name() const override { return "cli"; }
  std::string file(const std::string& user, const std::string& entity, json body) override {
    body["workflow"] = "draft";
    auto r = shell(as_user(user) + quote(bin()) + " add " + quote(m_store) + " " + entity + " -",
                   body.dump());
    EXPECT_EQ(r.code, 0) << r.err;
    auto nl = r.out.find('\n');
    return r.out.substr(0, nl);
  }
  Outcome step(const std::string& user, const std::string& entity, const std::string& id,
               const std::string& action, const std::string& reason) override {
    std::string cmd = as_user(user) + quote(bin()) + " " + action + " " + quote(m_store) + " " +
                      entity + " " + quote(id);
    if (!reason.empty()) cmd += " --reason " + quote(reason);
    auto r = shell(cmd);
    EXPECT_TRUE(r.code == 0 || r.code == 2) << cmd << ": " << r.err;
    return {r.code == 0, r.err};
  }

 private:
  std::string m_store;
};

class ViaApi : public Via {
 public:
  ViaApi(const std::string& store, const fs::path& dir) : m_dir(dir) {
    m_server = std::make_unique<ServeProcess>(store, dir / "serve.log");
    EXPECT_FALSE(m_server->url().empty()) << slurp(dir / "serve.log");
    for (const std::string u : {"ops1", "ops2", "amina", "bea"}) {
      auto r = request_raw("POST", m_server->url() + "login", dir / u,
                           json{{"name", u}, {"password", kPassword}}.dump(),
                           {"Content-Type: application/json"});
      EXPECT_EQ(r.status, 200) << u << ": " << r.body;
      m_csrf[u] = r.json().value("csrf_token", "");
    }
  }
  std::string name() const override { return "api"; }
  std::string file(const std::string& user, const std::string& entity, json body) override {
    auto r = post(user, "api/" + entity, body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", "");
  }
  Outcome step(const std::string& user, const std::string& entity, const std::string& id,
               const std::string& action, const std::string& reason) override {
    json body = json::object();
    if (!reason.empty()) body["reason"] = reason;
    auto r = post(user, "api/" + entity + "/" + id + "/" + action, body.dump());
    EXPECT_TRUE(r.status == 200 || (r.status >= 400 && r.status < 500)) << r.body;
    if (r.status != 200) {
      EXPECT_EQ(r.type, "application/problem+json");
    }
    return {r.status == 200, r.body};
  }
  RawReply get(const std::string& path) {
    return request_raw("GET", m_server->url() + path, m_dir / "anonymous");
  }

 private:
  RawReply post(const std::string& user, const std::string& path, const std::string& body) {
    return request_raw("POST", m_server->url() + path, m_dir / user, body,
                       {"Content-Type: application/json", "X-CSRF-Token: " + m_csrf[user]});
  }
  fs::path m_dir;
  std::unique_ptr<ServeProcess> m_server;
  std::map<std::string, std::string> m_csrf;
};

class Workflow : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    m_store = (m_dir / "w.gpkg").string();
    ASSERT_EQ(minemap({"init", m_store}).code, 0);
    for (const auto& [user, role] :
         std::vector<std::pair<std::string, std::string>>{{"ops1", "data_entry"},
                                                          {"ops2", "data_entry"},
                                                          {"amina", "verifier"},
                                                          {"bea", "verifier"}}) {
      auto r =
          minemap({"user", "add", m_store, user, "--role", role}, std::string(kPassword) + "\n");
      ASSERT_EQ(r.code, 0) << r.err;
    }
    auto hz = minemap({"add", m_store, "hazards", "-"}, kHazard.dump());
    ASSERT_EQ(hz.code, 0) << hz.err;
    m_hazard = hz.out.substr(0, hz.out.find('\n'));
    if (GetParam() == "api")
      m_via = std::make_unique<ViaApi>(m_store, m_dir.path());
    else
      m_via = std::make_unique<ViaCli>(m_store);
  }

  std::string workflow(const std::string& entity, const std::string& id) {
    auto r = minemap({"get", m_store, entity, id, "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    auto j = json::parse(r.out, nullptr, false);
    return j.is_object() ? j["properties"].value("workflow", "?") : "?";
  }

  // A submitted accident filed by ops1, with one victim filed with it.
  std::pair<std::string, std::string> submitted_accident_with_victim() {
    std::string acc = m_via->file("ops1", "accidents", accident());
    std::string vic = m_via->file("ops1", "victims", victim(acc));
    EXPECT_TRUE(m_via->step("ops1", "accidents", acc, "submit").done);
    EXPECT_EQ(workflow("victims", vic), "submitted") << "a draft child moves with its draft parent";
    return {acc, vic};
  }

  TempDir m_dir;
  std::string m_store, m_hazard;
  std::unique_ptr<Via> m_via;
};

TEST_P(Workflow, ADraftChildFiledByAnotherStaysADraftWhenItsParentIsApproved) {
  auto [acc, vic] = submitted_accident_with_victim();
  // ops2 adds a victim to ops1's submitted accident: never submitted, never reviewed.
  std::string late = m_via->file("ops2", "victims", victim(acc));
  ASSERT_TRUE(m_via->step("amina", "accidents", acc, "approve").done);
  EXPECT_EQ(workflow("accidents", acc), "approved");
  EXPECT_EQ(workflow("victims", vic), "approved");
  EXPECT_EQ(workflow("victims", late), "draft");
  // It goes through its own review.
  ASSERT_TRUE(m_via->step("ops2", "victims", late, "submit").done);
  ASSERT_TRUE(m_via->step("bea", "victims", late, "approve").done);
  EXPECT_EQ(workflow("victims", late), "approved");
}

TEST_P(Workflow, ARejectedChildIsNotApprovedWithItsParent) {
  auto [acc, vic] = submitted_accident_with_victim();
  ASSERT_TRUE(m_via->step("amina", "victims", vic, "reject", "the age is a guess").done);
  ASSERT_TRUE(m_via->step("amina", "accidents", acc, "approve").done);
  EXPECT_EQ(workflow("accidents", acc), "approved");
  EXPECT_EQ(workflow("victims", vic), "rejected");
  // Resubmitted and approved on its own, now that its accident is approved.
  ASSERT_TRUE(m_via->step("ops1", "victims", vic, "submit").done);
  ASSERT_TRUE(m_via->step("bea", "victims", vic, "approve").done);
  EXPECT_EQ(workflow("victims", vic), "approved");
}

TEST_P(Workflow, AChildIsNotApprovedBeforeItsParent) {
  json act = {{"hazard_id", m_hazard}, {"type", "NTS"}};
  std::string activity = m_via->file("ops1", "activities", act);
  json land = {{"activity_id", activity},
               {"outcome", "cancelled"},
               {"geometry", square(46.901, 39.501, 0.003)}};
  std::string release = m_via->file("ops1", "releases", land);
  ASSERT_TRUE(m_via->step("ops1", "releases", release, "submit").done);
  auto early = m_via->step("amina", "releases", release, "approve");
  EXPECT_FALSE(early.done) << "a release approved while its activity is a draft";
  EXPECT_NE(early.message.find("activity_id"), std::string::npos) << early.message;
  EXPECT_EQ(workflow("releases", release), "submitted");
  // Nothing of it counts.
  auto stats = json_of(minemap({"stats", m_store, "--json"}));
  EXPECT_EQ(stats["land_release"].value("cancelled_m2", -1.0), 0.0) << stats.dump();
  // The activity submitted and approved takes its submitted release with it.
  ASSERT_TRUE(m_via->step("ops1", "activities", activity, "submit").done);
  EXPECT_EQ(workflow("releases", release), "submitted");
  ASSERT_TRUE(m_via->step("amina", "activities", activity, "approve").done);
  EXPECT_EQ(workflow("releases", release), "approved");
}

TEST_P(Workflow, WhoFiledOrSubmittedAReportDoesNotApproveIt) {
  // Filed and submitted by a verifier: she may not approve it herself.
  std::string own = m_via->file("amina", "items", item());
  ASSERT_TRUE(m_via->step("amina", "items", own, "submit").done);
  auto self = m_via->step("amina", "items", own, "approve");
  EXPECT_FALSE(self.done);
  EXPECT_NE(self.message.find("four eyes"), std::string::npos) << self.message;
  EXPECT_EQ(workflow("items", own), "submitted");
  // Filed by ops1, submitted by bea: bea may not approve it either; amina may.
  std::string other = m_via->file("ops1", "items", item());
  ASSERT_TRUE(m_via->step("bea", "items", other, "submit").done);
  EXPECT_FALSE(m_via->step("bea", "items", other, "approve").done);
  EXPECT_TRUE(m_via->step("amina", "items", other, "approve").done);
  EXPECT_TRUE(m_via->step("bea", "items", own, "approve").done);
  // A one-person office turns the rule off (audited); then she approves her own.
  std::string third = m_via->file("amina", "items", item());
  ASSERT_TRUE(m_via->step("amina", "items", third, "submit").done);
  auto off = minemap({"settings", m_store, "four_eyes", "off", "--reason", "one officer"});
  ASSERT_EQ(off.code, 0) << off.err;
  EXPECT_TRUE(m_via->step("amina", "items", third, "approve").done);
  EXPECT_EQ(workflow("items", third), "approved");
  // The trail says who did what, and the store still verifies.
  auto hist = minemap({"history", m_store, "items", third, "--json"});
  ASSERT_EQ(hist.code, 0) << hist.err;
  EXPECT_NE(hist.out.find("\"approve\""), std::string::npos) << hist.out;
  EXPECT_NE(hist.out.find("amina"), std::string::npos) << hist.out;
  auto verify = minemap({"verify", m_store});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
}

TEST_P(Workflow, RejectionsSayWhyAndStepsFollowTheStates) {
  std::string it = m_via->file("ops1", "items", item());
  EXPECT_FALSE(m_via->step("amina", "items", it, "approve").done) << "a draft approved";
  ASSERT_TRUE(m_via->step("ops1", "items", it, "submit").done);
  EXPECT_FALSE(m_via->step("ops1", "items", it, "submit").done) << "submitted twice";
  if (GetParam() == "api") {
    auto bare = m_via->step("amina", "items", it, "reject");
    EXPECT_FALSE(bare.done);
    EXPECT_NE(bare.message.find("reason"), std::string::npos) << bare.message;
  }
  EXPECT_TRUE(m_via->step("amina", "items", it, "reject", "no depth").done);
  EXPECT_EQ(workflow("items", it), "rejected");
}

INSTANTIATE_TEST_SUITE_P(Both, Workflow, ::testing::Values("cli", "api"),
                         [](const auto& p) { return p.param; });

// ---- the command line keeps the server's rules ----

class CliWrites : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = (m_dir / "c.gpkg").string();
    ASSERT_EQ(minemap({"init", m_store}).code, 0);
    auto hz = minemap({"add", m_store, "hazards", "-"}, kHazard.dump());
    ASSERT_EQ(hz.code, 0) << hz.err;
    auto act =
        minemap({"add", m_store, "activities", "-"},
                json{{"hazard_id", hz.out.substr(0, hz.out.find('\n'))}, {"type", "TS"}}.dump());
    ASSERT_EQ(act.code, 0) << act.err;
    m_activity = act.out.substr(0, act.out.find('\n'));
  }
  TempDir m_dir;
  std::string m_store, m_activity;
};

TEST_F(CliWrites, LandReleasedOutsideItsHazardIsRefused) {
  const auto before = row_counts(m_store);
  json far = {
      {"activity_id", m_activity}, {"outcome", "reduced"}, {"geometry", square(47.2, 39.7, 0.002)}};
  auto r = minemap({"add", m_store, "releases", "-"}, far.dump());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("geometry"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("outside its hazard"), std::string::npos) << r.err;
  EXPECT_EQ(row_counts(m_store), before) << "nothing written";
  // Inside, it is taken.
  json near = far;
  near["geometry"] = square(46.902, 39.502, 0.002);
  EXPECT_EQ(minemap({"add", m_store, "releases", "-"}, near.dump()).code, 0);
}

TEST_F(CliWrites, UpdateDoesNotChangeTheWorkflow) {
  json it = item();
  it["workflow"] = "draft";
  auto add = minemap({"add", m_store, "items", "-"}, it.dump());
  ASSERT_EQ(add.code, 0) << add.err;
  const std::string id = add.out.substr(0, add.out.find('\n'));
  const auto before = row_counts(m_store);
  for (const json& patch : {json{{"workflow", "approved"}},
                            json{{"type", "Feature"},
                                 {"properties", {{"workflow", "approved"}, {"quantity", 2}}},
                                 {"geometry", nullptr}}}) {
    auto r = minemap({"update", m_store, "items", id, "-"}, patch.dump());
    EXPECT_EQ(r.code, 2) << patch.dump();
    EXPECT_NE(r.err.find("workflow"), std::string::npos) << r.err;
  }
  EXPECT_EQ(row_counts(m_store), before);
  // Other fields change; the workflow stays a draft.
  auto ok = minemap({"update", m_store, "items", id, "-"}, json{{"quantity", 3}}.dump());
  EXPECT_EQ(ok.code, 0) << ok.err;
  auto got = json_of(minemap({"get", m_store, "items", id, "--json"}));
  EXPECT_EQ(got["properties"].value("workflow", ""), "draft");
  EXPECT_EQ(got["properties"].value("quantity", 0), 3);
}

TEST_F(CliWrites, AnApprovedChildOfAnUnapprovedParentIsRefused) {
  json acc = accident();
  acc["workflow"] = "draft";
  auto a = minemap({"add", m_store, "accidents", "-"}, acc.dump());
  ASSERT_EQ(a.code, 0) << a.err;
  const std::string id = a.out.substr(0, a.out.find('\n'));
  auto v = minemap({"add", m_store, "victims", "-"}, victim(id).dump());  // approved by default
  EXPECT_EQ(v.code, 2);
  EXPECT_NE(v.err.find("accident_id"), std::string::npos) << v.err;
  json draft = victim(id);
  draft["workflow"] = "draft";
  EXPECT_EQ(minemap({"add", m_store, "victims", "-"}, draft.dump()).code, 0);
}

TEST_F(CliWrites, TheSettingIsTamperEvident) {
  ASSERT_EQ(minemap({"settings", m_store, "four_eyes", "off", "--reason", "alone"}).code, 0);
  auto shown = minemap({"settings", m_store});
  EXPECT_EQ(shown.out, "four_eyes off\n");
  EXPECT_EQ(minemap({"verify", m_store}).code, 0);
  auto edit = shell("sqlite3 " + quote(m_store),
                    "UPDATE minemap_meta SET value = 'on' WHERE key = 'setting.four_eyes';");
  ASSERT_EQ(edit.code, 0) << edit.err;
  auto v = minemap({"verify", m_store});
  EXPECT_EQ(v.code, 1);
  EXPECT_NE((v.out + v.err).find("settings four_eyes"), std::string::npos) << v.out << v.err;
  EXPECT_EQ(minemap({"settings", m_store, "four_eyes", "maybe"}).code, 2);
}

}  // namespace

namespace {

// A change made from a version of a record someone has changed since is refused,
// naming the record, and nothing is written (docs/workflow.md, "Versions").
TEST(StaleVersions, AnUpdateOrAStepFromAStaleVersionIsRefused) {
  TempDir dir;
  const std::string store = (dir / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  auto as = [&](const std::string& user, const std::string& args, const std::string& input = "") {
    return shell(as_user(user) + quote(bin()) + " " + args, input);
  };
  json acc = accident();
  acc["workflow"] = "draft";
  auto added = as("ops1", "add " + quote(store) + " accidents -", acc.dump());
  ASSERT_EQ(added.code, 0) << added.err;
  const std::string id = added.out.substr(0, added.out.find('\n'));
  auto version_of = [&] {
    auto g = minemap({"get", store, "accidents", id, "--json"});
    EXPECT_EQ(g.code, 0) << g.err;
    return json::parse(g.out).value("version", "");
  };
  const std::string v1 = version_of();
  ASSERT_EQ(v1.size(), 64u);
  auto ok = as("ops1", "update " + quote(store) + " accidents " + id + " - --if-version " + v1,
               R"({"time":"10:30"})");
  ASSERT_EQ(ok.code, 0) << ok.err;
  const std::string v2 = version_of();
  EXPECT_NE(v2, v1);
  // A colleague still holding v1.
  auto stale = as("ops2", "update " + quote(store) + " accidents " + id + " - --if-version " + v1,
                  R"({"time":"11:00"})");
  EXPECT_EQ(stale.code, 2) << stale.err;
  EXPECT_NE(stale.err.find(id), std::string::npos) << stale.err;
  auto g = json::parse(minemap({"get", store, "accidents", id, "--json"}).out);
  EXPECT_EQ(g["properties"]["time"], "10:30");
  EXPECT_EQ(g["version"], v2);
  // A workflow step too.
  EXPECT_EQ(as("ops1", "submit " + quote(store) + " accidents " + id + " --if-version " + v1).code,
            2);
  EXPECT_EQ(version_of(), v2);
  auto sub = as("ops1", "submit " + quote(store) + " accidents " + id + " --if-version " + v2);
  EXPECT_EQ(sub.code, 0) << sub.err;
}

}  // namespace
