// A store written through every kind of minemap write (every entity, updates, deletes,
// restores, users, minefield records with their layers and a redigitisation, an import,
// a checkpoint), and the means to change it behind minemap's back as an attacker with
// the file would: the sqlite3 command line tool and ogrinfo -sql.
#pragma once

#include <fcntl.h>
#include <sys/file.h>

#include <nlohmann/json.hpp>

#include "every_entity.hpp"

namespace harness {

// sqlite3 on `store` with `sql` on standard input; fails the test when sqlite3 does.
inline Result sqlite(const fs::path& store, const std::string& sql) {
  auto r = shell("sqlite3 -bail " + quote(store.string()), sql);
  EXPECT_EQ(r.code, 0) << sql << "\n" << r.err;
  return r;
}

// One value from the store, read with sqlite3.
inline std::string sqlite_value(const fs::path& store, const std::string& query) {
  auto r = shell("sqlite3 " + quote(store.string()) + " " + quote(query));
  EXPECT_EQ(r.code, 0) << query << "\n" << r.err;
  std::string v = r.out;
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

// `sql` run with sqlite3 on a table whose GeoPackage R-tree triggers call functions the
// sqlite3 tool lacks (ST_IsEmpty ...): as an attacker would, the triggers are dropped,
// the change made, and the triggers put back as they were.
inline void sqlite_on_table(const fs::path& store, const std::string& table,
                            const std::string& sql) {
  auto triggers = shell("sqlite3 -json " + quote(store.string()) + " " +
                        quote("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                              "tbl_name = '" +
                              table + "' AND name LIKE 'rtree_%'"));
  ASSERT_EQ(triggers.code, 0) << triggers.err;
  std::string script = "BEGIN;\n";
  std::string put_back;
  if (!triggers.out.empty()) {
    for (const auto& t : nlohmann::json::parse(triggers.out)) {
      script += "DROP TRIGGER \"" + t["name"].get<std::string>() + "\";\n";
      put_back += t["sql"].get<std::string>() + ";\n";
    }
  }
  sqlite(store, script + sql + "\n" + put_back + "COMMIT;\n");
}

// One statement with ogrinfo -sql (GDAL has the GeoPackage functions the triggers call).
inline void ogr_sql(const fs::path& store, const std::string& sql) {
  auto r = shell("ogrinfo -q " + quote(store.string()) + " -sql " + quote(sql));
  ASSERT_EQ(r.code, 0) << sql << "\n" << r.out << r.err;
}

// The ids the base store was written with.
struct BaseIds {
  EveryEntity e;
  std::string accident2, victim_killed, record2;
};

// Builds the base store in `dir` (store.gpkg, office.key/.pub, office.checkpoint).
inline void build_base(const fs::path& dir) {
  const fs::path store = dir / "store.gpkg";
  const std::string s = store.string();
  ASSERT_EQ(minemap({"init", s}).code, 0);
  auto e = add_every_entity(store);
  // A second accident, with a victim who died; a victim changed.
  auto acc = add_one(store, "accidents", R"({"date":"2020-03-01","type":"erw",
    "geometry":{"type":"Point","coordinates":[20.02,45.02]}})");
  add_one(store, "victims",
          R"({"accident_id":")" + acc +
              R"(","sex":"female","age":9,"group":"civilian","outcome":"killed"})");
  auto ok = [](const Result& r) { EXPECT_EQ(r.code, 0) << r.err; };
  ok(minemap({"update", s, "victims", e.victim, "-", "--reason", "age checked"}, R"({"age":35})"));
  // A hazard's status changes twice (status history rows), its release is deleted and
  // restored (its remaining area recomputed each time).
  ok(minemap({"update", s, "hazards", e.hazard, "-", "--reason", "survey"},
             R"({"status":"closed","status_date":"2022-01-10"})"));
  ok(minemap({"update", s, "hazards", e.hazard, "-", "--reason", "reopened"},
             R"({"status":"open"})"));
  ok(minemap({"delete", s, "releases", e.release, "--reason", "check"}));
  ok(minemap({"delete", s, "releases", e.release, "--reason", "checked", "--restore"}));
  ok(minemap({"delete", s, "items", e.item, "--reason", "entered twice"}));
  ok(minemap({"delete", s, "items", e.item, "--reason", "was not", "--restore"}));
  // An import of items; one of them deleted for good.
  std::string fc = R"({"type":"FeatureCollection","features":[)";
  for (int i = 0; i < 30; ++i)
    fc += std::string(i ? "," : "") +
          R"({"type":"Feature","properties":{"category":"AP_MINE","found":"2021-06-0)" +
          std::to_string(1 + i % 9) + R"(","quantity":1},"geometry":{"type":"Point",)" +
          R"("coordinates":[)" + std::to_string(20.001 + 0.0001 * i) + ",45.002]}}";
  fc += "]}";
  write_file(dir / "items.geojson", fc);
  ok(minemap({"import", s, (dir / "items.geojson").string(), "--as", "items"}));
  ok(minemap({"delete", s, "items", "IT-000005", "--reason", "not an item"}));
  // Users: created, disabled, re-enabled, a password changed.
  ok(minemap({"user", "add", s, "amina", "--role", "admin"}, "a long password one\n"));
  ok(minemap({"user", "add", s, "viewer1", "--role", "viewer"}, "a long password two\n"));
  ok(minemap({"user", "add", s, "gone", "--role", "data_entry"}, "a long password six\n"));
  ok(minemap({"user", "set", s, "gone", "--disable", "--reason", "left"}));
  ok(minemap({"user", "set", s, "amina", "--password"}, "a long password three\n"));
  // A minefield record with its rows and mines, digitised again with a correction.
  const char* data = std::getenv("MINEMAP_TEST_DATA");
  ASSERT_NE(data, nullptr);
  auto rec = minemap({"record", "add", s, (fs::path(data) / "records" / "mr-0042.json").string(),
                      "--hazard", e.hazard, "--json"});
  ASSERT_EQ(rec.code, 0) << rec.err;
  const std::string rec_id = nlohmann::json::parse(rec.out)["id"];
  ok(minemap({"record", "redigitize", s, rec_id, "--declination", "7.5"}));
  // Signed: a checkpoint in the store and in a file, then more writes.
  ok(minemap({"keygen", "--out", (dir / "office").string()}));
  ok(minemap({"checkpoint", s, "--key", (dir / "office.key").string(), "-o",
              (dir / "office.checkpoint").string()}));
  add_one(store, "accidents", R"({"date":"2021","type":"mine",
    "geometry":{"type":"Point","coordinates":[20.03,45.03]}})");
  ok(minemap({"update", s, "items", "IT-000003", "-"}, R"({"model":"PMN-2"})"));
  BaseIds ids{e, acc, "", rec_id};
  nlohmann::json j = {{"victim", e.victim}, {"accident", e.accident}, {"hazard", e.hazard},
                      {"item", e.item},     {"release", e.release},   {"accident2", acc},
                      {"record", e.record}, {"record2", rec_id}};
  write_file(dir / "ids.json", j.dump());
}

// The base store, built once per minemap binary (beside it, under test-fixtures/) and
// shared by the tests, which run as separate processes: a lock keeps two from building
// it at once. Returns its folder.
inline fs::path base_dir() {
  const fs::path exe = bin();
  const auto stamp = fs::last_write_time(exe).time_since_epoch().count();
  const fs::path root = exe.parent_path() / "test-fixtures";
  fs::create_directories(root);
  const fs::path dir = root / ("tamper-" + std::to_string(stamp));
  if (fs::exists(dir / "done")) return dir;
  const int lock = ::open((root / "tamper.lock").c_str(), O_CREAT | O_RDWR, 0644);
  ::flock(lock, LOCK_EX);
  if (!fs::exists(dir / "done")) {
    for (const auto& old : fs::directory_iterator(root))
      if (old.is_directory()) fs::remove_all(old.path());
    fs::create_directories(dir);
    build_base(dir);
    if (!testing::Test::HasFailure()) write_file(dir / "done", "");
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  return dir;
}

// A copy of the base store for one test, with its key and checkpoint file.
class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path base = base_dir();
    ASSERT_TRUE(fs::exists(base / "done")) << "the base store could not be built";
    for (const char* f : {"store.gpkg", "office.key", "office.pub", "office.checkpoint"})
      fs::copy_file(base / f, m_dir / f);
    fs::permissions(m_dir / "office.key", fs::perms::owner_read | fs::perms::owner_write);
    ids = nlohmann::json::parse(slurp(base / "ids.json"));
  }
  std::string store() const { return (m_dir / "store.gpkg").string(); }
  std::string pub() const { return (m_dir / "office.pub").string(); }
  std::string key() const { return (m_dir / "office.key").string(); }
  std::string checkpoint_file() const { return (m_dir / "office.checkpoint").string(); }
  fs::path dir() const { return m_dir.path(); }

  // `minemap verify STORE [args] --json`: the report.
  nlohmann::json verify_json(std::initializer_list<std::string> more = {}) {
    std::string cmd = quote(bin()) + " verify " + quote(store()) + " --json";
    for (const auto& a : more) cmd += " " + quote(a);
    auto r = shell(cmd);
    EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    EXPECT_EQ(r.code == 0, j.value("intact", false));
    return j;
  }

  nlohmann::json ids;

 private:
  TempDir m_dir;
};

// Whether the report names a difference of `table` and `id` (and `field`, when given).
inline bool names(const nlohmann::json& report, const std::string& table, const std::string& id,
                  const std::string& field = "") {
  for (const auto& d : report["differences"])
    if (d["table"] == table && d["id"] == id && (field.empty() || d["field"] == field)) return true;
  return false;
}

inline std::string lines_of(const nlohmann::json& report) {
  std::string out;
  for (const auto& d : report["differences"]) out += d["message"].get<std::string>() + "\n";
  return out.empty() ? "(no differences)\n" : out;
}

}  // namespace harness
