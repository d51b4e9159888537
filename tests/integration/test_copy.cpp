// `minemap copy SRC DST`: a store written through every kind of write (the tamper
// tests' base store: every entity, updates, deletes and restores, users, a checkpoint,
// minefield records) copied whole into a new one, which verifies with the same head,
// the same checkpoints and the same records, history and users.
#include "tamper_fixture.hpp"

using namespace harness;
using nlohmann::json;

namespace {

using harness::minemap;  // the command, not the namespace

class Copy : public TamperTest {
 protected:
  std::string copy() const { return (dir() / "copy.gpkg").string(); }
};

TEST_F(Copy, TheCopyHasEveryRecordVersionAndTheSameAuditHead) {
  auto r = minemap({"copy", store(), copy(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json sum = json::parse(r.out);
  const json original = verify_json({"--key", pub(), "--checkpoint", checkpoint_file()});

  auto v = shell(quote(bin()) + " verify " + quote(copy()) + " --json --key " + quote(pub()) +
                 " --checkpoint " + quote(checkpoint_file()));
  ASSERT_EQ(v.code, 0) << v.out << v.err;
  const json copied = json::parse(v.out);
  EXPECT_TRUE(copied["intact"]);
  EXPECT_EQ(copied["head"], original["head"]);
  EXPECT_EQ(copied["entries"], original["entries"]);
  EXPECT_EQ(sum["head"], original["head"]["hash"]);
  EXPECT_EQ(sum["audit"], original["entries"]);
  // The checkpoint in the store and the one kept apart both fit the copy.
  EXPECT_EQ(copied["checkpoints"]["valid"], 2);
  EXPECT_EQ(sum["checkpoints"], 1);

  // Every record of every entity, deleted ones too, and a record's history.
  for (const auto& entity :
       {"hazards", "activities", "releases", "items", "accidents", "victims", "records",
        "record-rows", "record-mines", "organisations", "admin-areas", "settlements", "roads"}) {
    auto a = minemap({"list", store(), entity, "--format", "json", "--include-deleted"});
    auto b = minemap({"list", copy(), entity, "--format", "json", "--include-deleted"});
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(a.out, b.out) << entity;
    EXPECT_EQ(sum["rows"][entity], json::parse(a.out).size()) << entity;
  }
  const std::string hazard = ids["hazard"];
  auto h1 = minemap({"history", store(), "hazards", hazard, "--json"});
  auto h2 = minemap({"history", copy(), "hazards", hazard, "--json"});
  ASSERT_EQ(h1.code, 0) << h1.err;
  EXPECT_EQ(h1.out, h2.out);
  // Users with their password hashes and states, the store's id and settings.
  for (const char* q :
       {"SELECT name, role, password_hash, disabled FROM users ORDER BY name",
        "SELECT key, value FROM minemap_meta WHERE key = 'store_id' OR key LIKE "
        "'setting.%' ORDER BY key",
        "SELECT hazard_id, \"date\", status, reason FROM hazard_status ORDER BY fid"})
    EXPECT_EQ(sqlite_value(store(), q), sqlite_value(copy(), q)) << q;
  EXPECT_EQ(sum["users"], 3);
}

TEST_F(Copy, NothingIsOverwrittenOrLeftHalfWritten) {
  // Onto a store that exists: refused, the file untouched.
  write_file(dir() / "there.gpkg", "not mine");
  auto r = minemap({"copy", store(), (dir() / "there.gpkg").string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(slurp(dir() / "there.gpkg"), "not mine");

  // A source with a geometry damaged behind minemap's back: the copy stops, naming the
  // record, and leaves no file.
  sqlite_on_table(store(), "items", "UPDATE items SET geom = X'47500003' WHERE id = 'IT-000003';");
  r = minemap({"copy", store(), copy()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("IT-000003"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(copy()));
}

}  // namespace
