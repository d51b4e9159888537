// The command line on a PostgreSQL store (a throwaway cluster, tests/common/pg_cluster.hpp),
// as a user runs it: the README's tour on a postgresql:// address gives the same answers,
// byte for byte, as on a GeoPackage; `verify` passes; and a server that is not there,
// credentials it refuses and another application's database are refused in one line, exit
// 2, with nothing written.
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "common/pg_cluster.hpp"
#include "common/require.hpp"
#include "harness.hpp"

using namespace harness;
using testing_support::PgCluster;

namespace {

std::string source_dir() {
  const char* d = std::getenv("MINEMAP_SOURCE_DIR");
  return d ? d : ".";
}

// The README's tour of a programme's own data, and of a store filled by hand.
void tour(const std::string& store) {
  const std::string src = source_dir();
  auto run = [&](std::vector<std::string> args, const std::string& input = {}) {
    auto r = harness::minemap(args, input);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.code, 0) << line << ": " << r.err;
    return r;
  };
  run({"init", store});
  run({"import", store, src + "/tests/data/imsma-style-hazards.csv", "--as", "hazards",
       "--map-file", src + "/docs/examples/imsma-style-hazards.map.json"});
  run({"import", store, src + "/tests/data/imsma-style-accidents.csv", "--as", "accidents",
       "--map-file", src + "/docs/examples/imsma-style-accidents.map.json", "--geometry",
       "lonlat=LON,LAT"});
  run({"import", store, src + "/tests/data/imsma-style-hazards.csv", "--as", "hazards",
       "--map-file", src + "/docs/examples/imsma-style-hazards.map.json", "--mode", "upsert"});
  const std::string hz = run({"add", store, "hazards", "-"}, R"({"name":"North field","type":"SHA",
       "geometry":{"type":"Polygon","coordinates":[[[47.03,39.399],[47.04,39.399],[47.04,39.405],[47.03,39.399]]]}})")
                             .out;
  const std::string id = hz.substr(0, hz.find('\n'));
  const std::string act =
      run({"add", store, "activities", "-"}, R"({"hazard_id":")" + id + R"(","type":"NTS"})").out;
  run({"add", store, "releases", "-"},
      R"({"activity_id":")" + act.substr(0, act.find('\n')) + R"(","outcome":"cancelled",
       "geometry":{"type":"Polygon","coordinates":[[[47.03,39.399],[47.035,39.399],[47.035,39.402],[47.03,39.399]]]}})");
  run({"update", store, "hazards", id, "-", "--reason", "all released"}, R"({"status":"closed"})");
  run({"delete", store, "releases", "LR-000001", "--reason", "entered twice"});
}

}  // namespace

TEST(Postgres, TheTourAnswersAsOnAGeoPackage) {
  MINEMAP_PG_DATABASE(uri);
  TempDir d;
  const std::string gpkg = (d / "programme.gpkg").string();
  tour(gpkg);
  tour(uri);
  for (std::vector<std::string> args :
       {std::vector<std::string>{"stats", "STORE", "--json"},
        {"stats", "STORE", "--from", "2005", "--to", "2015-06", "--json"},
        {"stats", "STORE", "--by", "admin", "--json"},
        {"list", "STORE", "hazards", "--format", "json", "--include-deleted"},
        {"list", "STORE", "accidents", "--where", "type=mine", "--from", "2010", "--format", "csv"},
        {"list", "STORE", "hazards", "--bbox", "40,30,50,45", "--columns", "id,name,status"},
        {"list", "STORE", "releases", "--include-deleted", "--format", "geojson"},
        {"get", "STORE", "hazards", "HZ-000001", "--json"},
        {"check-data", "STORE", "--json"},
        {"near", "STORE", "47.035", "39.4", "--within", "20000", "--json"},
        {"signals", "STORE", "--json"},
        {"signals", "STORE", "--evaluate", "2010", "--json"},
        {"settings", "STORE"}}) {
    auto on = [&](const std::string& store) {
      auto a = args;
      for (auto& x : a)
        if (x == "STORE") x = store;
      return harness::minemap(a);
    };
    auto g = on(gpkg), p = on(uri);
    std::string line;
    for (const auto& a : args) line += a + " ";
    if (args[0] != "check-data") {  // exit 1 when it finds something
      EXPECT_EQ(g.code, 0) << line << g.err;
    }
    EXPECT_EQ(p.code, g.code) << line << p.err;
    if (args[0] == "get") {
      // Its version is the hash of its last audit entry, whose time differs.
      auto pj = json_of(p), gj = json_of(g);
      EXPECT_EQ(pj["version"].get<std::string>().size(), 64u);
      pj.erase("version");
      gj.erase("version");
      EXPECT_EQ(pj, gj) << line;
    } else {
      EXPECT_EQ(p.out, g.out) << line;
    }
    EXPECT_FALSE(g.out.empty()) << line;
  }
  // The history of a record, its entries' times and hashes aside.
  auto hg = json_of(harness::minemap({"history", gpkg, "hazards", "HZ-000001", "--json"}))["audit"];
  auto hp = json_of(harness::minemap({"history", uri, "hazards", "HZ-000001", "--json"}))["audit"];
  ASSERT_EQ(hg.size(), hp.size());
  ASSERT_GE(hg.size(), 2u);
  for (std::size_t i = 0; i < hg.size(); ++i)
    for (const char* k : {"seq", "action", "actor", "reason", "before", "after"})
      EXPECT_EQ(hp[i][k], hg[i][k]) << i << " " << k;
  auto v = harness::minemap({"verify", uri});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  auto vj = json_of(harness::minemap({"verify", uri, "--json"}));
  auto vg = json_of(harness::minemap({"verify", gpkg, "--json"}));
  EXPECT_EQ(vj["intact"], true);
  EXPECT_EQ(vj["entries"], vg["entries"]);
  auto init = harness::minemap({"init", uri});
  EXPECT_EQ(init.code, 2);
  EXPECT_NE(init.err.find("a minemap store exists already"), std::string::npos) << init.err;
  auto backup = harness::minemap({"backup", uri, (d / "copy.gpkg").string()});
  EXPECT_EQ(backup.code, 2);
  EXPECT_NE(backup.err.find("pg_dump"), std::string::npos) << backup.err;
}

// The 30 yearly files of Colombia's mine events (../shared/data), imported into both
// stores: the figures are the same to the byte.
TEST(Postgres, ColombiaStatsAsOnAGeoPackage) {
  fs::path dir = fs::path(shared_data()) / "colombia-mine-events";
  MINEMAP_REQUIRE(fs::exists(dir), "no ../shared/data/colombia-mine-events");
  MINEMAP_PG_DATABASE(uri);
  TempDir d;
  const std::string gpkg = (d / "co.gpkg").string();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".geojson") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const std::string& store : {gpkg, uri}) {
    ASSERT_EQ(harness::minemap({"init", store}).code, 0);
    for (const auto& f : files) {
      auto a = harness::minemap({"import", store, f.string(), "--as", "accidents", "--where",
                                 "TIPO_EVENTO=1,2", "--map", "date=AÑO", "--map",
                                 "type=TIPO_EVENTO:1=mine,2=erw", "--map",
                                 "device_category=TIPO_EVENTO:1=AP_MINE,2=UXO"});
      ASSERT_EQ(a.code, 0) << store << " " << f << ": " << a.err;
      auto i = harness::minemap({"import", store, f.string(), "--as", "items", "--where",
                                 "TIPO_EVENTO=4,6", "--map", "found=AÑO", "--map",
                                 "category=TIPO_EVENTO:4=AP_MINE,6=UXO"});
      ASSERT_EQ(i.code, 0) << store << " " << f << ": " << i.err;
    }
  }
  auto g = harness::minemap({"stats", gpkg, "--json"});
  auto p = harness::minemap({"stats", uri, "--json"});
  ASSERT_EQ(g.code, 0) << g.err;
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(p.out, g.out);
  EXPECT_EQ(nlohmann::json::parse(p.out)["accidents"]["count"], 6909);
  EXPECT_EQ(harness::minemap({"verify", uri}).code, 0);
}

namespace {

// The accidents a server counts (GET /api/stats, without signing in).
int accidents_counted(const std::string& url, const fs::path& jar) {
  auto r = request("GET", url + "api/stats", jar);
  EXPECT_EQ(r.status, 200) << r.body;
  return r.body["accidents"]["count"].get<int>();
}

// One line on stderr, exit 2.
void refused(const Result& r, const std::string& expected, const std::string& what) {
  EXPECT_EQ(r.code, 2) << what << ": " << r.err;
  EXPECT_NE(r.err.find(expected), std::string::npos) << what << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
}

}  // namespace

TEST(Postgres, BadAddressesAreRefusedInOneLineAndNothingIsWritten) {
  MINEMAP_PG_DATABASE(uri);
  auto& cluster = PgCluster::get();
  const std::string options = uri.substr(uri.find('?'));

  // No server there.
  TempDir nowhere;
  const std::string unreachable =
      "postgresql:///mine?host=" + nowhere.path().string() + "&port=5999&user=postgres";
  refused(harness::minemap({"init", unreachable}), "cannot connect: the server cannot be reached",
          "unreachable init");
  refused(harness::minemap({"stats", unreachable, "--json"}),
          "cannot connect: the server cannot be reached", "unreachable stats");
  EXPECT_TRUE(nowhere.entries().empty());

  // No such database.
  refused(harness::minemap({"list", "postgresql:///no_such_db" + options, "hazards"}),
          "cannot connect: no such database", "no database");

  // Credentials the server refuses: a role with a password, which this cluster asks for.
  cluster.admin().script(
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bob') THEN CREATE ROLE "
      "bob LOGIN PASSWORD 'right-password'; END IF; END $$");
  {
    const fs::path hba = fs::path(cluster.dir()) / "data" / "pg_hba.conf";
    std::string text = slurp(hba);
    if (text.find("local all bob scram-sha-256") == std::string::npos) {
      std::ofstream(hba, std::ios::trunc) << "local all bob scram-sha-256\n" << text;
      cluster.admin().exec("SELECT pg_reload_conf()");
    }
  }
  std::string as_bob = uri;
  as_bob.replace(as_bob.find("user=postgres"), 13, "user=bob");
  auto wrong = harness::minemap({"init", as_bob + "&password=wrong-password"});
  refused(wrong, "cannot connect: authentication failed", "wrong password");
  EXPECT_EQ(wrong.err.find("wrong-password"), std::string::npos) << wrong.err;
  const std::string db = uri.substr(14, uri.find('?') - 14);
  refused(harness::minemap({"init", "postgresql://bob:wrong-password@/" + db +
                                        "?host=" + cluster.dir() +
                                        "&port=" + std::to_string(PgCluster::kPort)}),
          "authentication failed", "wrong password in the user part");
  // ... and the right one is let in (bob may not add PostGIS: refused too, nothing written).
  auto right = harness::minemap({"init", as_bob + "&password=right-password"});
  refused(right, "this user may not add it", "no right to add PostGIS");
  EXPECT_EQ(right.err.find("right-password"), std::string::npos) << right.err;

  // A database of another application: neither opened nor made a store.
  const std::string other = cluster.uri(cluster.new_database());
  {
    minemap::store::pg::Connection c(other);
    c.script("CREATE TABLE hazards (id integer PRIMARY KEY, what text)");
  }
  refused(harness::minemap({"list", other, "hazards"}),
          "not a minemap store (no minemap_meta table)", "other application, list");
  refused(harness::minemap({"init", other}), "not a minemap store, yet it holds tables",
          "other application, init");
  refused(harness::minemap({"add", other, "hazards", "-"}, R"({"name":"x","type":"SHA"})"),
          "not a minemap store", "other application, add");
  {
    minemap::store::pg::Connection c(other);
    EXPECT_EQ(c.exec("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE "
                     "relnamespace = 'public'::regnamespace")
                  .text(0, 0),
              "hazards,hazards_pkey");
    EXPECT_EQ(c.exec("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").integer(0, 0),
              0);
  }
  // The empty database the test began with is still empty.
  {
    minemap::store::pg::Connection c(uri);
    EXPECT_EQ(c.exec("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
                  .integer(0, 0),
              0);
  }
}

// `minemap copy` from a GeoPackage into PostgreSQL and back: the same records (deleted
// ones too), the same history, the same audit head, and the checkpoints still fit.
TEST(Postgres, CopyToPostgresAndBackLosesNothing) {
  MINEMAP_PG_DATABASE(uri);
  TempDir d;
  const std::string gpkg = (d / "programme.gpkg").string();
  const std::string back = (d / "back.gpkg").string();
  tour(gpkg);
  ASSERT_EQ(
      harness::minemap({"user", "add", gpkg, "amina", "--role", "verifier"}, "a long password\n")
          .code,
      0);
  ASSERT_EQ(
      harness::minemap({"settings", gpkg, "four_eyes", "off", "--reason", "one officer"}).code, 0);
  ASSERT_EQ(harness::minemap({"keygen", "--out", (d / "office").string()}).code, 0);
  ASSERT_EQ(harness::minemap({"checkpoint", gpkg, "--key", (d / "office.key").string()}).code, 0);

  auto there = harness::minemap({"copy", gpkg, uri, "--json"});
  ASSERT_EQ(there.code, 0) << there.err;
  auto again = harness::minemap({"copy", uri, back, "--json"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(there.out), nlohmann::json::parse(again.out));

  auto verified = [&](const std::string& store) {
    auto r = harness::minemap({"verify", store, "--json", "--key", (d / "office.pub").string()});
    EXPECT_EQ(r.code, 0) << store << ": " << r.out << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["checkpoints"]["valid"], 1) << store;
    return std::pair{j["head"], j["entries"]};
  };
  const auto original = verified(gpkg);
  EXPECT_EQ(verified(uri), original);
  EXPECT_EQ(verified(back), original);
  EXPECT_EQ(nlohmann::json::parse(there.out)["head"], original.first["hash"]);

  for (const auto& entity : {"hazards", "activities", "releases", "items", "accidents", "victims",
                             "records", "organisations", "admin-areas"}) {
    auto a = harness::minemap({"list", gpkg, entity, "--format", "json", "--include-deleted"});
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(harness::minemap({"list", uri, entity, "--format", "json", "--include-deleted"}).out,
              a.out)
        << entity;
    EXPECT_EQ(harness::minemap({"list", back, entity, "--format", "json", "--include-deleted"}).out,
              a.out)
        << entity;
  }
  auto history = [&](const std::string& store) {
    return harness::minemap({"history", store, "hazards", "HZ-000001", "--json"}).out;
  };
  EXPECT_EQ(history(uri), history(gpkg));
  EXPECT_EQ(history(back), history(gpkg));
  EXPECT_EQ(harness::minemap({"settings", back}).out, "four_eyes off\n");
  // Into a database that already holds a store: refused, nothing changed.
  auto onto = harness::minemap({"copy", gpkg, uri});
  EXPECT_EQ(onto.code, 2) << onto.err;
  EXPECT_EQ(verified(uri), original);
}

// Two servers on one database: a report approved through the first counts in the
// second's figures at once (each learns of the other's commits through NOTIFY).
TEST(Postgres, TwoServersSeeEachOthersWrites) {
  MINEMAP_PG_DATABASE(uri);
  TempDir d;
  ASSERT_EQ(harness::minemap({"init", uri}).code, 0);
  for (auto [name, role] : {std::pair{"ops1", "data_entry"}, std::pair{"amina", "verifier"}})
    ASSERT_EQ(
        harness::minemap({"user", "add", uri, name, "--role", role}, "a long password\n").code, 0);
  ServeProcess first(uri, d / "first.log"), second(uri, d / "second.log");
  ASSERT_FALSE(first.url().empty()) << slurp(d / "first.log");
  ASSERT_FALSE(second.url().empty()) << slurp(d / "second.log");
  auto accidents = [&] { return accidents_counted(second.url(), d / "anon"); };
  ASSERT_EQ(accidents(), 0);
  auto login = [&](const std::string& name) {
    auto r = request("POST", first.url() + "login", d / name,
                     nlohmann::json{{"name", name}, {"password", "a long password"}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body.value("csrf_token", "");
  };
  const std::string ops = login("ops1"), ver = login("amina");
  auto filed = request("POST", first.url() + "api/accidents", d / "ops1",
                       R"({"date":"2024-03-02","type":"mine",
                           "geometry":{"type":"Point","coordinates":[46.9,39.5]}})",
                       ops);
  ASSERT_EQ(filed.status, 201) << filed.body;
  const std::string id = filed.body["id"];
  ASSERT_EQ(request("POST", first.url() + "api/accidents/" + id + "/submit", d / "ops1", "{}", ops)
                .status,
            200);
  ASSERT_EQ(
      request("POST", first.url() + "api/accidents/" + id + "/approve", d / "amina", "{}", ver)
          .status,
      200);
  const auto approved = std::chrono::steady_clock::now();
  int seen = 0;
  while (seen == 0 && std::chrono::steady_clock::now() - approved < std::chrono::seconds(10)) {
    seen = accidents();
    if (seen == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - approved);
  EXPECT_EQ(seen, 1);
  std::cout << "the second server counted the approval after " << waited.count() << " ms\n";
  EXPECT_LT(waited.count(), 1000);
}

// Eight writers at once on one database, four command lines and four API sessions, each
// adding 500 items (ten batches of 50) and changing a shared record from the version it
// read: every acknowledged write is there, every change to the shared record either
// applied (in its history) or refused as stale, ids are unique and the audit chain
// verifies.
TEST(Postgres, EightWritersLoseNothing) {
  MINEMAP_PG_DATABASE(uri);
  TempDir d;
  ASSERT_EQ(harness::minemap({"init", uri}).code, 0);
  const std::string hz =
      harness::minemap({"add", uri, "hazards", "-"}, R"({"name":"Shared","type":"SHA",
       "geometry":{"type":"Polygon","coordinates":[[[46.9,39.5],[46.91,39.5],[46.91,39.51],[46.9,39.5]]]}})")
          .out.substr(0, 9);
  ASSERT_EQ(hz, "HZ-000001");
  for (int w = 0; w < 4; ++w)
    ASSERT_EQ(harness::minemap({"user", "add", uri, "v" + std::to_string(w), "--role", "verifier"},
                               "a long password\n")
                  .code,
              0);
  const std::string shared_item =
      harness::minemap({"add", uri, "items", "-"}, R"({"category":"UXO","workflow":"draft",
        "geometry":{"type":"Point","coordinates":[46.905,39.505]}})")
          .out.substr(0, 9);
  ServeProcess server(uri, d / "serve.log");
  ASSERT_FALSE(server.url().empty()) << slurp(d / "serve.log");

  auto batch = [](int writer, int round) {
    nlohmann::json a = nlohmann::json::array();
    for (int i = 0; i < 50; ++i)
      a.push_back(
          {{"category", "AP_MINE"},
           {"model", "w" + std::to_string(writer) + "-" + std::to_string(round * 50 + i)},
           {"geometry",
            {{"type", "Point"},
             {"coordinates", {46.9 + 0.0001 * writer, 39.5 + 0.00001 * (round * 50 + i)}}}}});
    return a.dump();
  };
  struct Tally {
    int added = 0, applied = 0, refused = 0;
    std::vector<std::string> values_applied, values_refused;
  };
  std::vector<Tally> tally(8);
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {  // the command line: its own process per call
      for (int round = 0; round < 10; ++round) {
        auto r = harness::minemap({"add", uri, "items", "-"}, batch(w, round));
        EXPECT_EQ(r.code, 0) << r.err;
        if (r.code == 0) tally[w].added += 50;
        auto got = harness::minemap({"get", uri, "hazards", hz, "--json"});
        const std::string version = nlohmann::json::parse(got.out).value("version", "");
        const std::string value = "cli-" + std::to_string(w) + "-" + std::to_string(round);
        auto u = harness::minemap({"update", uri, "hazards", hz, "-", "--if-version", version},
                                  nlohmann::json{{"local_ref", value}}.dump());
        EXPECT_TRUE(u.code == 0 || u.code == 2) << u.err;
        (u.code == 0 ? tally[w].values_applied : tally[w].values_refused).push_back(value);
      }
    });
  for (int w = 4; w < 8; ++w)
    writers.emplace_back([&, w] {  // the API: one session each
      const std::string user = "v" + std::to_string(w - 4);
      const fs::path jar = d / user;
      auto login = request("POST", server.url() + "login", jar,
                           nlohmann::json{{"name", user}, {"password", "a long password"}}.dump());
      const std::string csrf = login.body.value("csrf_token", "");
      for (int round = 0; round < 10; ++round) {
        auto r = request("POST", server.url() + "api/items", jar, batch(w, round), csrf);
        EXPECT_EQ(r.status, 201) << r.body;
        if (r.status == 201) tally[w].added += static_cast<int>(r.body["ids"].size());
        // The version it reads is the ETag of GET (curl -i for the headers).
        auto head = shell("curl -s -i -b " + quote(jar.string()) + " " +
                          quote(server.url() + "api/items/" + shared_item));
        auto e = head.out.find("ETag: ");
        const std::string etag = e == std::string::npos
                                     ? std::string()
                                     : head.out.substr(e + 6, head.out.find('\r', e) - e - 6);
        const std::string value = "api-" + std::to_string(w) + "-" + std::to_string(round);
        auto p = request_raw(
            "PATCH", server.url() + "api/items/" + shared_item, jar,
            nlohmann::json{{"model", value}}.dump(),
            {"If-Match: " + etag, "X-CSRF-Token: " + csrf, "Content-Type: application/json"});
        EXPECT_TRUE(p.status == 200 || p.status == 412) << p.status << " " << p.body;
        (p.status == 200 ? tally[w].values_applied : tally[w].values_refused).push_back(value);
      }
    });
  for (auto& t : writers) t.join();

  int added = 0, applied = 0, refused = 0;
  for (const auto& t : tally) {
    added += t.added;
    applied += static_cast<int>(t.values_applied.size());
    refused += static_cast<int>(t.values_refused.size());
  }
  EXPECT_EQ(added, 8 * 500);
  EXPECT_EQ(applied + refused, 80);
  EXPECT_GT(applied, 0);
  std::cout << "8 writers: " << added << " items added, " << applied
            << " changes of a shared record applied, " << refused << " refused as stale\n";

  // Every item acknowledged is there once, with an id of its own.
  auto ids = harness::minemap({"list", uri, "items", "--format", "csv", "--columns", "id,model"});
  ASSERT_EQ(ids.code, 0) << ids.err;
  std::set<std::string> seen_ids, seen_models;
  std::istringstream lines(ids.out);
  std::string line;
  std::getline(lines, line);  // header
  int rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    seen_ids.insert(line.substr(0, line.find(',')));
    seen_models.insert(line.substr(line.find(',') + 1));
  }
  EXPECT_EQ(rows, 8 * 500 + 1);
  EXPECT_EQ(seen_ids.size(), static_cast<std::size_t>(rows));
  for (int w = 0; w < 8; ++w)
    for (int i = 0; i < 500; i += 97)
      EXPECT_TRUE(seen_models.contains("w" + std::to_string(w) + "-" + std::to_string(i)))
          << w << " " << i;
  // Each change applied is in the shared record's history; none refused is.
  const std::string hz_history = harness::minemap({"history", uri, "hazards", hz, "--json"}).out;
  const std::string it_history =
      harness::minemap({"history", uri, "items", shared_item, "--json"}).out;
  for (const auto& t : tally) {
    for (const auto& v : t.values_applied)
      EXPECT_NE((v[0] == 'c' ? hz_history : it_history).find(v), std::string::npos) << v;
    for (const auto& v : t.values_refused)
      EXPECT_EQ((v[0] == 'c' ? hz_history : it_history).find(v), std::string::npos) << v;
  }
  auto v = harness::minemap({"verify", uri});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
}

// Past one machine: a streaming replica of the test cluster (pg_basebackup), a server on
// each, the one on the replica --read-only. What the primary commits shows through the
// replica's server; a write sent to the replica is refused with the reason.
TEST(Postgres, AReplicaServesWhatThePrimaryWrites) {
  MINEMAP_PG_DATABASE(uri);
  auto& cluster = PgCluster::get();
  const std::string db = uri.substr(uri.find("///") + 3, uri.find('?') - uri.find("///") - 3);
  ASSERT_EQ(harness::minemap({"init", uri}).code, 0);
  ASSERT_EQ(
      harness::minemap({"user", "add", uri, "ops1", "--role", "data_entry"}, "a long password\n")
          .code,
      0);
  TempDir d;
  std::string standby_dir = "/tmp/minemap-pg-standby-XXXXXX";
  ASSERT_NE(mkdtemp(standby_dir.data()), nullptr);
  const std::string script = std::string(std::getenv("MINEMAP_SOURCE_DIR")) + "/tests/pg/cluster";
  constexpr int kStandbyPort = PgCluster::kPort + 10;
  struct Stop {
    std::string script, dir;
    ~Stop() { shell("bash " + quote(script) + " stop " + quote(dir)); }
  } stop{script, standby_dir};
  auto started = shell("bash " + quote(script) + " standby " + quote(standby_dir) + " " +
                       std::to_string(kStandbyPort) + " " + quote(cluster.dir()) + " " +
                       std::to_string(PgCluster::kPort));
  ASSERT_EQ(started.code, 0) << started.out << started.err;
  const std::string replica = "postgresql:///" + db + "?host=" + standby_dir +
                              "&port=" + std::to_string(kStandbyPort) + "&user=postgres";

  ServeProcess primary(uri, d / "primary.log");
  ServeProcess standby(replica, d / "standby.log", {"--read-only"});
  ASSERT_FALSE(primary.url().empty()) << slurp(d / "primary.log");
  ASSERT_FALSE(standby.url().empty()) << slurp(d / "standby.log");
  auto accidents = [&] { return accidents_counted(standby.url(), d / "anon"); };
  ASSERT_EQ(accidents(), 0);

  // A write on the primary, seen through the replica's server.
  auto added = harness::minemap({"add", uri, "accidents", "-"},
                                R"({"date":"2024-03-02","type":"mine",
                                    "geometry":{"type":"Point","coordinates":[46.9,39.5]}})");
  ASSERT_EQ(added.code, 0) << added.err;
  const auto written = std::chrono::steady_clock::now();
  int seen = 0;
  while (seen == 0 && std::chrono::steady_clock::now() - written < std::chrono::seconds(20)) {
    seen = accidents();
    if (seen == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(seen, 1);
  std::cout << "the replica's server counted the primary's write after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - written)
                   .count()
            << " ms\n";
  auto item = request("GET", standby.url() + "collections/accidents/items", d / "anon");
  EXPECT_EQ(item.body["features"].size(), 1u) << item.body;

  // Writes sent to the replica: refused, saying why, on the command line and the API.
  auto cli = harness::minemap({"add", replica, "accidents", "-"},
                              R"({"date":"2024-03-03","type":"mine",
                                  "geometry":{"type":"Point","coordinates":[46.9,39.5]}})");
  EXPECT_EQ(cli.code, 2) << cli.err;
  EXPECT_NE(cli.err.find("read-only"), std::string::npos) << cli.err;
  auto login = request("POST", standby.url() + "login", d / "ops1",
                       nlohmann::json{{"name", "ops1"}, {"password", "a long password"}}.dump());
  if (login.status == 200) {
    auto filed = request("POST", standby.url() + "api/accidents", d / "ops1",
                         R"({"date":"2024-03-02","type":"mine",
                             "geometry":{"type":"Point","coordinates":[46.9,39.5]}})",
                         login.body.value("csrf_token", ""));
    EXPECT_EQ(filed.status, 403) << filed.body;
    EXPECT_NE(filed.body.dump().find("read-only"), std::string::npos) << filed.body;
  } else {
    EXPECT_EQ(login.status, 403) << login.body;
    EXPECT_NE(login.body.dump().find("read-only"), std::string::npos) << login.body;
  }
  EXPECT_EQ(accidents(), 1);
}
