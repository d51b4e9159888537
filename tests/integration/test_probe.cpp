// `minemap serve` probed as an attacker and a careless user would, over real HTTP
// (curl): every endpoint for every role, allowed and refused; malformed bodies; the
// limits of one request; sessions that end or change with their account; text another
// tool wrote into the store; the smaller holes (ids with "/", NUL characters, times
// that are not times, forged Host headers, sign-ins from other sites, a read-only store).
// Whatever is sent, the server answers with a 4xx problem+json naming the field or the
// limit, never a 5xx, and stays up.

#include <unistd.h>

#include <future>
#include <set>
#include <vector>

#include "harness.hpp"

namespace {

using namespace harness;
using nlohmann::json;

constexpr const char* kPassword = "a long password";

// The roles, least to most, and the user of each in the probe's store ("" signs in
// no one).
const std::vector<std::pair<std::string, std::string>> kUsers = {{"", "anonymous"},
                                                                 {"guest", "viewer"},
                                                                 {"ops1", "data_entry"},
                                                                 {"amina", "verifier"},
                                                                 {"root1", "admin"}};

class Probe : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = minemap({"demo", "--dir", (m_dir / "demo").string(), "--no-serve"});
    ASSERT_EQ(r.code, 0) << r.err;
    m_store = (m_dir / "demo" / "demo.gpkg").string();
    for (const auto& [name, role] : kUsers) {
      if (name.empty()) continue;
      auto u =
          minemap({"user", "add", m_store, name, "--role", role}, std::string(kPassword) + "\n");
      ASSERT_EQ(u.code, 0) << u.err;
    }
    start();
  }
  void start() {
    m_server = std::make_unique<ServeProcess>(m_store, m_dir / "serve.log");
    ASSERT_FALSE(m_server->url().empty()) << slurp(m_dir / "serve.log");
  }
  std::string url(const std::string& path) const { return m_server->url() + path; }
  fs::path jar(const std::string& name) const { return m_dir / (name.empty() ? "anon" : name); }

  // Signs `name` in with a jar of their own; the CSRF token.
  std::string login(const std::string& name) {
    auto r = request("POST", url("login"), jar(name),
                     json{{"name", name}, {"password", kPassword}}.dump());
    EXPECT_EQ(r.status, 200) << name << ": " << r.body;
    return r.body.value("csrf_token", "");
  }

  // A request as `name` (signed in before, its token in `csrf`), JSON body.
  RawReply as(const std::string& name, const std::string& method, const std::string& path,
              const std::string& body = "", const std::string& csrf = "") {
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (!csrf.empty()) headers.push_back("X-CSRF-Token: " + csrf);
    return request_raw(method, url(path), jar(name), body, headers);
  }

  // A draft item filed by ops1; its id.
  std::string draft_item(const std::string& csrf) {
    json item = {{"category", "AP_MINE"},
                 {"quantity", 1},
                 {"found", "2024-05-01"},
                 {"geometry", {{"type", "Point"}, {"coordinates", {46.9, 39.5}}}}};
    auto r = as("ops1", "POST", "api/items", item.dump(), csrf);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", "");
  }

  // The server answers at all (after a hostile request).
  void expect_alive() {
    auto r = request_raw("GET", url(""), jar("alive"));
    EXPECT_EQ(r.status, 200) << "the server no longer answers";
  }

  TempDir m_dir;
  std::string m_store;
  std::unique_ptr<ServeProcess> m_server;
};

// A refusal: the status, as problem+json whose detail holds `names` (a field or limit).
void expect_problem(const RawReply& r, int status, const std::string& names,
                    const std::string& what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body;
  EXPECT_EQ(r.type, "application/problem+json") << what;
  auto j = r.json();
  ASSERT_TRUE(j.is_object()) << what << ": " << r.body;
  EXPECT_EQ(j.value("status", 0), status) << what;
  EXPECT_NE(j.value("detail", "").find(names), std::string::npos)
      << what << ": the detail should name " << names << ": " << r.body;
}

TEST_F(Probe, EveryEndpointForEveryRole) {
  std::map<std::string, std::string> csrf;
  for (const auto& [name, role] : kUsers)
    if (!name.empty()) csrf[name] = login(name);
  // Drafts to submit, submitted items to approve and to reject.
  std::vector<std::string> to_approve, to_reject;
  const std::string draft = draft_item(csrf["ops1"]);
  for (int i = 0; i < 2; ++i) {
    to_approve.push_back(draft_item(csrf["ops1"]));
    to_reject.push_back(draft_item(csrf["ops1"]));
  }
  for (const auto& id : to_approve)
    ASSERT_EQ(as("ops1", "POST", "api/items/" + id + "/submit", "{}", csrf["ops1"]).status, 200);
  for (const auto& id : to_reject)
    ASSERT_EQ(as("ops1", "POST", "api/items/" + id + "/submit", "{}", csrf["ops1"]).status, 200);

  struct Endpoint {
    std::string method, path, body;
    int min_role;  // -1 anyone; else the rank of kUsers (viewer 1 ... admin 4)
  };
  const json item = {{"category", "UXO"},
                     {"quantity", 1},
                     {"found", "2024-05-02"},
                     {"geometry", {{"type", "Point"}, {"coordinates", {46.91, 39.51}}}}};
  std::vector<Endpoint> endpoints = {
      {"GET", "", "", -1},
      {"GET", "conformance", "", -1},
      {"GET", "api", "", -1},
      {"GET", "collections", "", -1},
      {"GET", "collections/hazards", "", -1},
      {"GET", "collections/hazards/items?limit=2", "", -1},
      {"GET", "collections/hazards/items/HZ-000001", "", -1},
      {"GET", "collections/accidents/items?limit=2", "", -1},
      {"GET", "tiles.json", "", -1},
      {"GET", "tiles/8/160/97.mvt", "", -1},
      {"GET", "api/stats", "", -1},
      {"GET", "api/schema", "", -1},
      {"GET", "api/dashboard", "", -1},
      {"GET", "api/dashboard?from=2020&to=2022&admin_area=ADM-000001", "", -1},
      {"GET", "api/names?id=HZ-000001,ORG-000001", "", -1},
      {"GET", "api/hazards/HZ-000001/accidents", "", 1},
      {"GET", "collections/hazards/items?status=open&f=gpkg", "", -1},
      {"GET", "session", "", 1},
      {"GET", "api/hazards", "", 1},
      {"GET", "api/victims", "", 1},
      {"GET", "api/hazards/HZ-000001", "", 1},
      {"GET", "api/records/MR-SYN-1/reliability", "", 1},
      {"POST", "api/items", item.dump(), 2},
      {"POST", "api/items/" + draft + "/submit", "{}", 2},
      {"POST", "api/items/" + to_approve[0] + "/approve", "{}", 3},
      {"POST", "api/items/" + to_reject[0] + "/reject", R"({"reason":"wrong place"})", 3},
  };
  // Every collection of the OGC API for anyone; every entity of /api for a viewer.
  for (const std::string c : {"hazards", "releases", "items", "accidents", "records",
                              "record-mines", "admin-areas", "settlements", "roads"})
    endpoints.push_back({"GET", "collections/" + c + "/items?limit=3", "", -1});
  for (const std::string e : {"hazards", "activities", "releases", "items", "accidents", "victims",
                              "records", "organisations", "admin-areas", "settlements", "roads"})
    endpoints.push_back({"GET", "api/" + e + "?limit=3", "", 1});
  int checks = 0;
  for (const auto& e : endpoints) {
    for (std::size_t rank = 0; rank < kUsers.size(); ++rank) {
      const auto& [name, role] = kUsers[rank];
      const bool write = e.method != "GET";
      auto r = as(name, e.method, e.path, e.body, name.empty() ? "" : csrf[name]);
      const std::string what = e.method + " /" + e.path + " as " + role;
      ++checks;
      ASSERT_LT(r.status, 500) << what << ": " << r.body;
      ASSERT_GT(r.status, 0) << what << ": no answer";
      if (e.min_role < 0 || static_cast<int>(rank) >= e.min_role) {
        EXPECT_TRUE(r.status != 401 && r.status != 403) << what << " refused: " << r.body;
      } else {
        expect_problem(r, rank == 0 ? 401 : 403, "", what);
      }
      // A write with a session but without its CSRF token is refused.
      if (write && !name.empty() && e.min_role >= 0 && static_cast<int>(rank) >= e.min_role) {
        auto forged = as(name, e.method, e.path, e.body);
        ++checks;
        expect_problem(forged, 403, "X-CSRF-Token", what + " without its CSRF token");
      }
    }
  }
  // Signing out: for a session, with its token.
  for (const auto& [name, role] : kUsers) {
    if (name.empty()) {
      expect_problem(as(name, "POST", "logout", "{}"), 401, "", "logout anonymous");
      continue;
    }
    EXPECT_EQ(as(name, "POST", "logout", "{}", csrf[name]).status, 200) << role;
    expect_problem(as(name, "GET", "session"), 401, "", "session after logout as " + role);
    checks += 2;
  }
  EXPECT_GE(checks, 150);
  expect_alive();
}

TEST_F(Probe, MalformedBodiesAreFourHundredsNamingTheField) {
  const std::string csrf = login("ops1");
  const std::string deep_array(100000, '[');
  std::string deep_object;
  for (int i = 0; i < 50000; ++i) deep_object += "{\"a\":";
  struct Case {
    std::string path, body, names;
  };
  const std::vector<Case> cases = {
      {"api/hazards", deep_array, "nested deeper"},
      {"api/hazards", deep_object, "nested deeper"},
      {"api/hazards", "[" + deep_array + "]", "nested deeper"},
      {"api/accidents", R"({"victims":)" + deep_array, "nested deeper"},
      {"api/hazards", "not json", "malformed JSON"},
      {"api/hazards", "", "body"},
      {"api/hazards", "null", "body"},
      {"api/hazards", "123", "body"},
      {"api/hazards", R"("text")", "body"},
      {"api/hazards", "[]", "no records"},
      {"api/hazards", R"({"type":5})", "type"},
      {"api/hazards", R"({"type":[]})", "type"},
      {"api/hazards", R"({"type":"FeatureCollection"})", "features"},
      {"api/hazards", R"({"type":"FeatureCollection","features":{}})", "features"},
      {"api/hazards", R"({"type":"Feature","properties":[]})", "properties"},
      {"api/hazards",
       R"({"name":"x","type":"SHA","geometry":{"type":"Polygon","coordinates":"x"}})", "geometry"},
      {"api/hazards", R"({"name":"x","type":"SHA","geometry":{"type":7}})", "geometry"},
      {"api/hazards", R"({"name":{"a":1},"type":"SHA"})", "name"},
      {"api/hazards", R"({"id":{"x":1},"name":"x"})", "id"},
      {"api/hazards", R"({"name":"x","workflow":5})", "workflow"},
      {"api/items", R"({"quantity":1e999})", "JSON"},
      {"api/accidents", R"({"date":"2020","type":"mine","victims":5})", "victims"},
      {"api/accidents",
       R"({"date":"2020","type":"mine","geometry":{"type":"Point","coordinates":[46.9,39.5]},)"
       R"("victims":[5]})",
       "victims[0]"},
      {"api/nothing", "{}", "nothing"},
  };
  for (const auto& c : cases) {
    auto r = as("ops1", "POST", c.path, c.body, csrf);
    const int want = c.path == "api/nothing" ? 404 : 400;
    expect_problem(r, want, c.names, "POST /" + c.path + " " + c.body.substr(0, 60));
  }
  // The workflow steps' reason must be text.
  const std::string id = draft_item(csrf);
  for (const std::string body :
       {R"({"reason":[]})", R"({"reason":{}})", R"({"reason":123})", R"({"reason":true})", "[1]"}) {
    auto r = as("ops1", "POST", "api/items/" + id + "/submit", body, csrf);
    expect_problem(r, 400, body == "[1]" ? "body" : "reason", "submit with " + body);
  }
  // Sign-in: name and password must be text.
  for (const std::string field : {"name", "password"}) {
    for (const std::string value : {"[]", "{}", "123", "null", "true"}) {
      json body = json{{"name", "ops1"}, {"password", kPassword}};
      body[field] = json::parse(value);
      auto r = request_raw("POST", url("login"), jar("x"), body.dump(),
                           {"Content-Type: application/json"});
      expect_problem(r, 400, field, "login with " + field + " = " + value);
    }
  }
  expect_problem(
      request_raw("POST", url("login"), jar("x"), deep_array, {"Content-Type: application/json"}),
      400, "nested deeper", "login with deep JSON");
  expect_alive();
}

TEST_F(Probe, LimitsOfOneRequestNameTheLimit) {
  const std::string csrf = login("ops1");
  // A text value over --max-text (10,000 bytes by default).
  json hazard = {
      {"name", std::string(10001, 'x')},
      {"type", "SHA"},
      {"geometry",
       {{"type", "Polygon"},
        {"coordinates", {{{46.9, 39.5}, {46.91, 39.5}, {46.91, 39.51}, {46.9, 39.5}}}}}}};
  expect_problem(as("ops1", "POST", "api/hazards", hazard.dump(), csrf), 400, "--max-text",
                 "a 10,001-byte name");
  // A geometry over --max-vertices (100,000 by default).
  json ring = json::array();
  for (int i = 0; i < 100000; ++i) {
    double a = 2 * 3.14159265358979 * i / 100000;
    ring.push_back({46.9 + 0.01 * std::cos(a), 39.5 + 0.01 * std::sin(a)});
  }
  ring.push_back(ring[0]);
  hazard["name"] = "round";
  hazard["geometry"]["coordinates"] = json::array({ring});
  expect_problem(as("ops1", "POST", "api/hazards", hazard.dump(), csrf), 400, "--max-vertices",
                 "a ring of 100,001 vertices");
  // A name that could become a key of the failed sign-in counts.
  auto r = request_raw("POST", url("login"), jar("x"),
                       json{{"name", std::string(100000, 'n')}, {"password", kPassword}}.dump(),
                       {"Content-Type: application/json"});
  expect_problem(r, 400, "name", "a 100,000-character user name");
  expect_alive();
}

TEST_F(Probe, SessionsFollowTheirAccount) {
  std::string ver = login("amina"), ops = login("ops1"), guest = login("guest");
  // A verifier demoted to viewer: the next request carries the new role.
  ASSERT_EQ(minemap({"user", "set", m_store, "amina", "--role", "viewer"}).code, 0);
  auto who = as("amina", "GET", "session");
  EXPECT_EQ(who.status, 200);
  EXPECT_EQ(who.json().value("role", ""), "viewer") << who.body;
  const std::string id = draft_item(ops);
  ASSERT_EQ(as("ops1", "POST", "api/items/" + id + "/submit", "{}", ops).status, 200);
  expect_problem(as("amina", "POST", "api/items/" + id + "/approve", "{}", ver), 403, "viewer",
                 "approve after the demotion");
  // A disabled account: its session ends.
  ASSERT_EQ(minemap({"user", "set", m_store, "ops1", "--disable"}).code, 0);
  json item = {{"category", "UXO"},
               {"quantity", 1},
               {"geometry", {{"type", "Point"}, {"coordinates", {46.9, 39.5}}}}};
  expect_problem(as("ops1", "POST", "api/items", item.dump(), ops), 401, "sign in",
                 "a write after --disable");
  expect_problem(as("ops1", "GET", "api/hazards"), 401, "sign in", "a read after --disable");
  // A new password: sessions opened with the old one end.
  ASSERT_EQ(
      minemap({"user", "set", m_store, "guest", "--password"}, "another long password\n").code, 0);
  expect_problem(as("guest", "GET", "api/hazards"), 401, "sign in", "a read after --password");
  // And a sign-in with the new one works.
  auto again = request_raw("POST", url("login"), jar("guest"),
                           json{{"name", "guest"}, {"password", "another long password"}}.dump(),
                           {"Content-Type: application/json"});
  EXPECT_EQ(again.status, 200) << again.body;
}

TEST_F(Probe, ParallelWrongPasswordsGetNoMoreTriesThanTheLimit) {
  std::vector<std::future<RawReply>> tries;
  for (int i = 0; i < 12; ++i)
    tries.push_back(std::async(std::launch::async, [this, i] {
      return request_raw("POST", url("login"), jar("try" + std::to_string(i)),
                         json{{"name", "amina"}, {"password", "not her password"}}.dump(),
                         {"Content-Type: application/json"});
    }));
  int wrong = 0, limited = 0;
  for (auto& t : tries) {
    auto r = t.get();
    if (r.status == 401) ++wrong;
    if (r.status == 429) ++limited;
  }
  EXPECT_EQ(wrong + limited, 12);
  EXPECT_LE(wrong, 5) << "more password checks than the limit of 5";
  EXPECT_GE(limited, 7);
}

TEST_F(Probe, TextAnotherToolWroteIntoTheStoreIsServed) {
  // Bytes that are not UTF-8, written behind minemap's back.
  // (ogrinfo: the GeoPackage's triggers need the ST_ functions GDAL registers.)
  auto r = shell("ogrinfo -q " + quote(m_store) +
                 " -sql \"UPDATE hazards SET name = CAST(X'4E6F7274682041FF42' AS TEXT) WHERE id = "
                 "'HZ-000001'\"");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string replacement =
      "North A\xEF\xBF\xBD"
      "B";
  auto page = request_raw("GET", url("collections/hazards/items?limit=50"), jar("x"));
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find(replacement), std::string::npos);
  auto one = request_raw("GET", url("collections/hazards/items/HZ-000001"), jar("x"));
  EXPECT_EQ(one.status, 200) << one.body;
  login("guest");
  auto list = as("guest", "GET", "api/hazards");
  EXPECT_EQ(list.status, 200) << list.body;
  auto cli = minemap({"list", m_store, "hazards", "--format", "json"});
  EXPECT_EQ(cli.code, 0) << cli.err;
  EXPECT_NE(cli.out.find(replacement), std::string::npos);
  EXPECT_EQ(minemap({"get", m_store, "hazards", "HZ-000001", "--json"}).code, 0);
}

TEST_F(Probe, SmallerHoles) {
  const std::string csrf = login("ops1");
  json item = {{"category", "UXO"},
               {"quantity", 1},
               {"geometry", {{"type", "Point"}, {"coordinates", {46.9, 39.5}}}}};
  // An id with "/" would be unreachable at /api/items/{id}.
  item["id"] = "IT/1";
  expect_problem(as("ops1", "POST", "api/items", item.dump(), csrf), 400, "id", "an id with /");
  item.erase("id");
  // A NUL, or another control character, in text.
  item["markings"] = std::string("before\0after", 12);
  expect_problem(as("ops1", "POST", "api/items", item.dump(), csrf), 400, "control character",
                 "a NUL in text");
  item["markings"] = "bell\x07";
  expect_problem(as("ops1", "POST", "api/items", item.dump(), csrf), 400, "control character",
                 "a BEL in text");
  // A date-time whose time is not a time.
  for (const std::string t : {"2020-01-01T99:99:99Z", "2020-01-01T12:00", "2020-01-01Tnoon"})
    expect_problem(request_raw("GET", url("collections/items/items?datetime=" + t), jar("x")), 400,
                   "datetime", "datetime=" + t);
  EXPECT_EQ(
      request_raw("GET", url("collections/items/items?datetime=2020-01-01T12:30:00.5%2B04:00"),
                  jar("x"))
          .status,
      200);
  // A forged Host header never reaches the links.
  auto forged = request_raw("GET", url(""), jar("x"), "", {"Host: evil.example/<script>"});
  EXPECT_EQ(forged.status, 200);
  EXPECT_EQ(forged.body.find("evil.example"), std::string::npos) << forged.body;
  auto named = request_raw("GET", url(""), jar("x"), "", {"Host: maps.example.org:8080"});
  EXPECT_NE(named.body.find("\"http://maps.example.org:8080/conformance\""), std::string::npos)
      << named.body;
  // Sign-in only as JSON, and not from another site's page.
  auto form = request_raw("POST", url("login"), jar("f"), "name=ops1&password=a+long+password",
                          {"Content-Type: application/x-www-form-urlencoded"});
  expect_problem(form, 400, "Content-Type", "a form-encoded sign-in");
  auto other_site = request_raw("POST", url("login"), jar("f"),
                                json{{"name", "ops1"}, {"password", kPassword}}.dump(),
                                {"Content-Type: application/json", "Origin: http://evil.example"});
  expect_problem(other_site, 403, "Origin", "a sign-in from another site");
  expect_alive();
}

TEST(ProbeCli, HistoryLeavesPersonalDataOutUnlessAsked) {
  TempDir d;
  const std::string store = d.file("s.gpkg");
  ASSERT_EQ(minemap({"init", store}).code, 0);
  ASSERT_EQ(
      minemap(
          {"add", store, "accidents", "-"},
          R"({"date":"2020-03","type":"mine","geometry":{"type":"Point","coordinates":[20,45]}})")
          .code,
      0);
  auto added = minemap({"add", store, "victims", "-"},
                       R"({"accident_id":"ACC-000001","group":"civilian","outcome":"injured",)"
                       R"("name":"Secret Person","address":"1 Hidden Lane"})");
  ASSERT_EQ(added.code, 0) << added.err;
  ASSERT_EQ(
      minemap({"update", store, "victims", "VIC-000001", "-"}, R"({"name":"Other Person"})").code,
      0);
  for (bool as_json : {false, true}) {
    std::vector<std::string> args = {"history", store, "victims", "VIC-000001"};
    if (as_json) args.push_back("--json");
    std::string cmd = quote(bin());
    for (const auto& a : args) cmd += " " + quote(a);
    auto plain = shell(cmd);
    ASSERT_EQ(plain.code, 0) << plain.err;
    EXPECT_EQ(plain.out.find("Secret"), std::string::npos) << plain.out;
    EXPECT_EQ(plain.out.find("Hidden Lane"), std::string::npos) << plain.out;
    EXPECT_EQ(plain.out.find("Other Person"), std::string::npos) << plain.out;
    auto personal = shell(cmd + " --include-personal");
    ASSERT_EQ(personal.code, 0) << personal.err;
    EXPECT_NE(personal.out.find("Other Person"), std::string::npos) << personal.out;
    if (!as_json) {
      EXPECT_NE(plain.out.find("name: changed (personal data"), std::string::npos) << plain.out;
    }
  }
}

// A store the user may read but not write (another user's file, a copy on read-only
// media): every command that only reads works; a write says why it cannot.
TEST(ProbeCli, ReadOnlyStoreIsRead) {
  TempDir d;
  fs::permissions(d.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
  const std::string store = d.file("s.gpkg");
  ASSERT_EQ(minemap({"demo", "--dir", d.path().string() + "/demo", "--no-serve"}).code, 0);
  fs::rename(d / "demo" / "demo.gpkg", store);
  fs::permissions(d / "demo",
                  fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(store, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                             fs::perms::others_read);
  // Root may write anything: the reader is the user nobody then.
  const std::string reader = geteuid() == 0 ? "runuser -u nobody -- " : "";
  if (reader.empty()) fs::permissions(store, fs::perms::owner_read | fs::perms::others_read);
  auto run = [&](const std::string& args, const std::string& input = "") {
    return shell(reader + quote(bin()) + " " + args, input);
  };
  auto list = run("list " + quote(store) + " hazards --format json");
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("HZ-000001"), std::string::npos);
  auto verify = run("verify " + quote(store));
  EXPECT_EQ(verify.code, 0) << verify.err;
  EXPECT_EQ(run("stats " + quote(store) + " --json").code, 0);
  auto add = run("add " + quote(store) + " organisations -", R"({"name":"Org"})");
  EXPECT_NE(add.code, 0);
  EXPECT_NE(add.err.find("read-only"), std::string::npos) << add.err;
  // serve reads it too, and refuses writes with a reason.
  auto log = d / "serve.log";
  auto serve = shell("(" + reader + quote(bin()) + " serve " + quote(store) + " --port 0 > " +
                     quote(log.string()) + " 2>&1 & echo $!)");
  std::string url;
  for (int i = 0; i < 200 && url.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string text = slurp(log);
    auto at = text.find("http://");
    auto end = at == std::string::npos ? at : text.find('\n', at);
    if (end != std::string::npos) url = text.substr(at, end - at);
  }
  ASSERT_FALSE(url.empty()) << slurp(log);
  auto page = request_raw("GET", url + "collections/hazards/items?limit=1", d / "jar");
  EXPECT_EQ(page.status, 200) << page.body;
  shell("pkill -TERM -f " + quote("serve " + store));
}

}  // namespace

namespace {

// A backup is one file with every commit, even those still in the store's -wal.
TEST(ProbeCli, BackupIsOneFileWithEveryCommit) {
  TempDir d;
  const std::string store = d.file("s.gpkg"), copy = d.file("copy.gpkg");
  ASSERT_EQ(minemap({"init", store}).code, 0);
  ASSERT_EQ(minemap({"add", store, "organisations", "-"}, R"({"name":"First"})").code, 0);
  // A reader keeps the WAL from being checkpointed while the second commit lands.
  auto held = shell("(sqlite3 " + quote(store) + " 'BEGIN; SELECT count(*) FROM organisations;' " +
                    "&& sleep 3) > /dev/null 2>&1 & echo started");
  ASSERT_EQ(minemap({"add", store, "organisations", "-"}, R"({"name":"Second"})").code, 0);
  auto b = minemap({"backup", store, copy});
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_FALSE(fs::exists(copy + "-wal"));
  auto list = minemap({"list", copy, "organisations", "--format", "json"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("Second"), std::string::npos) << list.out;
  EXPECT_EQ(minemap({"verify", copy}).code, 0);
  EXPECT_EQ(minemap({"backup", store, copy}).code, 2);  // never overwritten
}

}  // namespace
