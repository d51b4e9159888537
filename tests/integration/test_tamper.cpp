// Attacks on a store by someone with the file and the sqlite3 tool or ogrinfo -sql, and
// `minemap verify` catching each one by table and id (issue #15); an untampered store
// that verifies intact; serve refusing a broken store.
#include <regex>

#include "geo/wkb.hpp"
#include "store/audit.hpp"
#include "tamper_fixture.hpp"

using namespace harness;
using nlohmann::json;
namespace mm = ::minemap;

namespace {

using harness::minemap;  // the command, not the namespace

// ---- no false alarms ----

TEST_F(TamperTest, UntamperedStoreVerifiesIntact) {
  auto r = minemap({"verify", store()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("intact: ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("checkpoints: not checked"), std::string::npos) << r.out;
  // The head printed is the trail's last entry.
  const std::string seq = sqlite_value(store(), "SELECT max(seq) FROM audit");
  const std::string hash =
      sqlite_value(store(), "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1");
  EXPECT_NE(r.out.find("head: entry " + seq + ", hash " + hash), std::string::npos) << r.out;

  auto j = verify_json({"--key", pub(), "--checkpoint", checkpoint_file()});
  EXPECT_TRUE(j["intact"]) << lines_of(j);
  EXPECT_EQ(j["entries"], std::stoll(seq));
  EXPECT_EQ(j["head"]["hash"], hash);
  EXPECT_TRUE(j["checkpoints"]["checked"]);
  EXPECT_EQ(j["checkpoints"]["valid"], 2);  // the one in the store and the file's
  EXPECT_TRUE(j["differences"].empty());
}

// ---- the examples of the issue, with the exact line for people ----

TEST_F(TamperTest, VictimOutcomeChanged) {
  // The victim who died (ids["victim"] is injured; the second accident's victim died).
  const std::string id = sqlite_value(store(), "SELECT id FROM victims WHERE outcome = 'killed'");
  sqlite(store(), "UPDATE victims SET outcome = 'injured' WHERE id = '" + id + "';");
  auto r = minemap({"verify", store()});
  EXPECT_EQ(r.code, 1);
  const std::string entry =
      sqlite_value(store(), "SELECT max(seq) FROM audit WHERE entity_id = '" + id + "'");
  EXPECT_NE(r.out.find("victims " + id + ": outcome is \"injured\" in the table, \"killed\" in " +
                       "the audit (entry " + entry + ")"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.rfind("TAMPERED: 1 difference ", 0), 0u) << r.out;
  auto j = verify_json();
  ASSERT_EQ(j["differences"].size(), 1u) << lines_of(j);
  const auto& d = j["differences"][0];
  EXPECT_EQ(d["table"], "victims");
  EXPECT_EQ(d["id"], id);
  EXPECT_EQ(d["field"], "outcome");
  EXPECT_EQ(d["table_value"], "injured");
  EXPECT_EQ(d["audit_value"], "killed");
  EXPECT_EQ(d["entry"], std::stoll(entry));
}

TEST_F(TamperTest, AccidentDeleted) {
  const std::string id = ids["accident2"];
  sqlite_on_table(store(), "accidents", "DELETE FROM accidents WHERE id = '" + id + "';");
  auto r = minemap({"verify", store()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("accidents " + id + ": in the audit (entry "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("), missing from the table"), std::string::npos) << r.out;
}

TEST_F(TamperTest, GhostItemInserted) {
  sqlite_on_table(store(), "items",
                  "INSERT INTO items (geom, id, workflow, category, quantity) SELECT geom, "
                  "'IT-000999', 'approved', 'AT_MINE', 4 FROM items WHERE id = 'IT-000002';");
  auto r = minemap({"verify", store()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("items IT-000999: in the table, never in the audit"), std::string::npos)
      << r.out;
}

TEST_F(TamperTest, DeletedItemRestoredBehindItsBack) {
  sqlite_on_table(store(), "items",
                  "UPDATE items SET deleted = 0, deleted_reason = NULL WHERE id = 'IT-000005';");
  auto r = minemap({"verify", store()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("items IT-000005: not deleted in the table, deleted in the audit (entry "),
            std::string::npos)
      << r.out;
}

TEST_F(TamperTest, HazardStatusChanged) {
  const std::string id = ids["hazard"];
  sqlite_on_table(store(), "hazards",
                  "UPDATE hazards SET status = 'closed' WHERE id = '" + id + "';");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "hazards", id, "status")) << lines_of(j);
}

TEST_F(TamperTest, HazardRemainingAreaChanged) {
  // A derived value: recomputed from the replayed releases.
  const std::string id = ids["hazard"];
  sqlite_on_table(store(), "hazards",
                  "UPDATE hazards SET remaining_m2 = remaining_m2 / 2 WHERE id = '" + id + "';");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "hazards", id, "remaining_m2")) << lines_of(j);
}

// The geometry of `id` in `table`, moved by (dx, dy) degrees, as a GeoPackage blob in hex.
std::string moved_blob(const fs::path& store, const std::string& table, const std::string& id,
                       double dx, double dy) {
  auto hex = sqlite_value(store, "SELECT hex(geom) FROM \"" + table + "\" WHERE id = '" + id + "'");
  std::string blob;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    blob += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  auto g = mm::geo::from_gpkg_blob(blob);
  for (auto& p : g.points) p = {p.x + dx, p.y + dy};
  for (auto& l : g.lines)
    for (auto& p : l) p = {p.x + dx, p.y + dy};
  for (auto& poly : g.polygons)
    for (auto& ring : poly)
      for (auto& p : ring) p = {p.x + dx, p.y + dy};
  std::string out = mm::geo::to_gpkg_blob(g, 4326);
  static const char* digits = "0123456789ABCDEF";
  std::string text;
  for (unsigned char c : out) {
    text += digits[c >> 4];
    text += digits[c & 15];
  }
  return text;
}

TEST_F(TamperTest, ItemMovedWithOgrinfo) {
  const std::string id = ids["item"];
  ogr_sql(store(), "UPDATE items SET geom = X'" + moved_blob(store(), "items", id, 0.01, 0) +
                       "' WHERE id = '" + id + "'");
  auto r = minemap({"verify", store()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("items " + id + ": geometry is {\"coordinates\":[20.01"), std::string::npos)
      << r.out;
}

TEST_F(TamperTest, HazardGeometryChangedWithOgrinfo) {
  const std::string id = ids["hazard"];
  ogr_sql(store(), "UPDATE hazards SET geom = X'" + moved_blob(store(), "hazards", id, 0, 0.001) +
                       "' WHERE id = '" + id + "'");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "hazards", id, "geometry")) << lines_of(j);
}

// ---- status history ----

TEST_F(TamperTest, StatusRowEdited) {
  sqlite(store(),
         "UPDATE hazard_status SET status = 'open', reason = '' WHERE fid = (SELECT max(fid) - 1 "
         "FROM hazard_status);");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "hazard_status", ids["hazard"], "status")) << lines_of(j);
}

TEST_F(TamperTest, StatusRowDeleted) {
  sqlite(store(), "DELETE FROM hazard_status WHERE fid = (SELECT max(fid) FROM hazard_status);");
  auto r = minemap({"verify", store()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("hazard_status " + ids["hazard"].get<std::string>() + " row "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("missing from the table"), std::string::npos) << r.out;
}

TEST_F(TamperTest, StatusRowInserted) {
  sqlite(store(), "INSERT INTO hazard_status (hazard_id, \"date\", status, reason) VALUES ('" +
                      ids["hazard"].get<std::string>() + "', '2015', 'closed', 'never');");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "hazard_status", ids["hazard"])) << lines_of(j);
  EXPECT_NE(lines_of(j).find("in the table, never in the audit"), std::string::npos);
}

// ---- users ----

TEST_F(TamperTest, UserRoleRaised) {
  sqlite(store(), "UPDATE users SET role = 'admin' WHERE name = 'viewer1';");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "users", "viewer1", "role")) << lines_of(j);
}

TEST_F(TamperTest, UserDisabledCleared) {
  sqlite(store(), "UPDATE users SET disabled = 0 WHERE name = 'gone';");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "users", "gone", "disabled")) << lines_of(j);
}

TEST_F(TamperTest, PasswordHashSwapped) {
  // The attacker's own password's hash put on the admin account.
  sqlite(store(),
         "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE name = "
         "'viewer1') WHERE name = 'amina';");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "users", "amina", "password_blake2b")) << lines_of(j);
  // The audit never holds the hash itself.
  EXPECT_EQ(sqlite_value(store(),
                         "SELECT count(*) FROM audit WHERE \"after\" LIKE '%argon2%' OR "
                         "\"before\" LIKE '%argon2%'"),
            "0");
}

TEST_F(TamperTest, UserInserted) {
  sqlite(store(),
         "INSERT INTO users (name, role, password_hash, created) SELECT 'mallory', 'admin', "
         "password_hash, created FROM users WHERE name = 'viewer1';");
  auto r = minemap({"verify", store()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("users mallory: in the table, never in the audit"), std::string::npos)
      << r.out;
}

TEST_F(TamperTest, UserDeleted) {
  sqlite(store(), "DELETE FROM users WHERE name = 'amina';");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "users", "amina")) << lines_of(j);
  EXPECT_NE(lines_of(j).find("missing from the table"), std::string::npos);
}

// ---- the audit itself ----

void drop_audit_triggers(const fs::path& store) {
  sqlite(store, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;");
}

TEST_F(TamperTest, AuditTriggersDropped) {
  drop_audit_triggers(store());
  auto r = minemap({"verify", store()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("audit: trigger audit_no_update is missing"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("audit: trigger audit_no_delete is missing"), std::string::npos) << r.out;
}

TEST_F(TamperTest, AuditEntryEditedHashLeft) {
  drop_audit_triggers(store());
  sqlite(store(), "UPDATE audit SET actor = 'someone else' WHERE seq = 3;");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "audit", "3")) << lines_of(j);
  EXPECT_NE(lines_of(j).find("audit entry 3: hash does not match its content"), std::string::npos)
      << lines_of(j);
}

TEST_F(TamperTest, AuditEntryDeletedFromTheMiddle) {
  drop_audit_triggers(store());
  sqlite(store(), "DELETE FROM audit WHERE seq = 10;");
  auto j = verify_json();
  EXPECT_TRUE(names(j, "audit", "11")) << lines_of(j);
  EXPECT_NE(lines_of(j).find("audit entry 11: expected entry 10 here"), std::string::npos)
      << lines_of(j);
}

TEST_F(TamperTest, AuditTailCut) {
  // Everything from the checkpoint's entry on: the links that remain are intact.
  const std::string signed_seq = sqlite_value(store(), "SELECT max(seq) FROM checkpoints");
  drop_audit_triggers(store());
  sqlite(store(), "DELETE FROM audit WHERE seq > " + signed_seq + " - 2;");
  auto without_key = verify_json();
  EXPECT_FALSE(without_key["intact"]);  // rows written by the cut entries have no entry now
  auto j = verify_json({"--key", pub()});
  EXPECT_TRUE(names(j, "audit", signed_seq)) << lines_of(j);
  EXPECT_NE(lines_of(j).find("is missing from the trail (it ends at entry"), std::string::npos)
      << lines_of(j);
}

TEST_F(TamperTest, AuditDeletedWhole) {
  drop_audit_triggers(store());
  sqlite(store(), "DELETE FROM audit;");
  auto j = verify_json();
  EXPECT_EQ(j["entries"], 0);
  EXPECT_TRUE(names(j, "hazards", ids["hazard"])) << lines_of(j);
  EXPECT_NE(lines_of(j).find("hazards " + ids["hazard"].get<std::string>() +
                             ": in the table, never in the audit"),
            std::string::npos);
  auto k = verify_json({"--key", pub()});
  const std::string signed_seq = sqlite_value(store(), "SELECT max(seq) FROM checkpoints");
  EXPECT_TRUE(names(k, "audit", signed_seq)) << lines_of(k);
  // And with the checkpoints gone too, the file kept outside still tells.
  sqlite(store(), "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints;");
  auto f = verify_json({"--key", pub(), "--checkpoint", checkpoint_file()});
  EXPECT_TRUE(names(f, "audit", signed_seq)) << lines_of(f);
}

// Rewrites the trail from the entry about `entity_id` that holds `from` on: `from`
// replaced by `to` in its record, and every hash from there on recomputed, as an
// attacker who knows the hash function (it has no key) would.
void reforge(const fs::path& store, const std::string& entity_id, const std::string& from,
             const std::string& to) {
  auto rows =
      shell("sqlite3 -json " + quote(store.string()) + " 'SELECT * FROM audit ORDER BY seq'");
  ASSERT_EQ(rows.code, 0) << rows.err;
  auto entries = json::parse(rows.out);
  // The trigger is put back afterwards, as it was: a careful attacker leaves no trace.
  const std::string trigger =
      sqlite_value(store, "SELECT sql FROM sqlite_master WHERE name = 'audit_no_update'");
  std::string sql = "BEGIN;\nDROP TRIGGER audit_no_update;\n";
  std::string prev;
  bool changed = false;
  for (const auto& row : entries) {
    mm::store::AuditEntry e;
    e.seq = row["seq"];
    e.ts = row["ts"];
    e.actor = row["actor"];
    e.entity = row["entity"];
    e.entity_id = row["entity_id"];
    e.action = row["action"];
    e.reason = row["reason"];
    e.before = row["before"];
    e.after = row["after"];
    e.prev_hash = changed ? prev : row["prev_hash"].get<std::string>();
    if (e.entity_id == entity_id) {
      for (auto* text : {&e.before, &e.after})
        if (auto at = text->find(from); at != std::string::npos) {
          text->replace(at, from.size(), to);
          changed = true;
        }
    }
    if (changed) {
      e.hash = mm::store::audit_hash(e);
      auto q = [](const std::string& s) {
        return "'" + std::regex_replace(s, std::regex("'"), "''") + "'";
      };
      sql += "UPDATE audit SET \"before\" = " + q(e.before) + ", \"after\" = " + q(e.after) +
             ", prev_hash = " + q(e.prev_hash) + ", hash = " + q(e.hash) +
             " WHERE seq = " + std::to_string(e.seq) + ";\n";
    }
    prev = changed ? e.hash : row["hash"].get<std::string>();
  }
  ASSERT_TRUE(changed) << "nothing to rewrite";
  sqlite(store, sql + trigger + ";\nCOMMIT;\n");
}

TEST_F(TamperTest, ChainReforgedWithRecomputedHashes) {
  const std::string id = sqlite_value(store(), "SELECT id FROM victims WHERE outcome = 'killed'");
  const std::string head_before =
      sqlite_value(store(), "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1");
  sqlite(store(), "UPDATE victims SET outcome = 'injured' WHERE id = '" + id + "';");
  reforge(store(), id, "\"outcome\":\"killed\"", "\"outcome\":\"injured\"");
  // Without a key the forgery agrees with itself: only the head, compared with one
  // noted earlier, shows it.
  auto plain = verify_json();
  EXPECT_TRUE(plain["intact"]) << lines_of(plain);
  EXPECT_NE(plain["head"]["hash"], head_before);
  // The checkpoint in the store signed the old chain.
  auto j = verify_json({"--key", pub()});
  EXPECT_FALSE(j["intact"]);
  const std::string signed_seq = sqlite_value(store(), "SELECT max(seq) FROM checkpoints");
  EXPECT_TRUE(names(j, "audit", signed_seq, "hash")) << lines_of(j);
  EXPECT_NE(lines_of(j).find("the chain was rewritten"), std::string::npos) << lines_of(j);
}

TEST_F(TamperTest, ChainReforgedAndCheckpointsDeleted) {
  const std::string id = sqlite_value(store(), "SELECT id FROM victims WHERE outcome = 'killed'");
  const std::string signed_seq = sqlite_value(store(), "SELECT max(seq) FROM checkpoints");
  sqlite(store(), "UPDATE victims SET outcome = 'injured' WHERE id = '" + id + "';");
  reforge(store(), id, "\"outcome\":\"killed\"", "\"outcome\":\"injured\"");
  sqlite(store(), "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints;");
  // The checkpoint's own audit entry now names a row that is gone.
  auto replay = verify_json();
  EXPECT_TRUE(names(replay, "checkpoints", "CP-000001")) << lines_of(replay);
  // With the key alone: no checkpoint left to check is itself a finding.
  auto k = verify_json({"--key", pub()});
  EXPECT_NE(lines_of(k).find("checkpoints: none signed with this key"), std::string::npos)
      << lines_of(k);
  // The file kept outside the store names the rewritten entry.
  auto f = verify_json({"--key", pub(), "--checkpoint", checkpoint_file()});
  EXPECT_TRUE(names(f, "audit", signed_seq, "hash")) << lines_of(f);
}

TEST_F(TamperTest, CheckpointOfAnotherKeyIsNotTaken) {
  ASSERT_EQ(minemap({"keygen", "--out", (dir() / "other").string()}).code, 0);
  auto j = verify_json({"--key", (dir() / "other.pub").string()});
  EXPECT_FALSE(j["intact"]);
  EXPECT_EQ(j["checkpoints"]["other_keys"], 1);
  EXPECT_NE(lines_of(j).find("none signed with this key"), std::string::npos) << lines_of(j);
}

TEST_F(TamperTest, StoreIdChanged) {
  sqlite(store(), "UPDATE minemap_meta SET value = 'feedfeed' WHERE key = 'store_id';");
  auto j = verify_json({"--key", pub()});
  EXPECT_TRUE(names(j, "checkpoints", "CP-000001", "store_id")) << lines_of(j);
}

// ---- every entity table: a field edited, a row deleted, a ghost row, the deleted flag
// flipped, the geometry changed ----

enum class Attack { EditField, DeleteRow, GhostRow, FlipDeleted, MoveGeometry };

struct Case {
  const mm::core::EntitySpec* spec;
  Attack attack;
};

const char* const kAttackNames[] = {"EditField", "DeleteRow", "GhostRow", "FlipDeleted",
                                    "MoveGeometry"};

// How ctest lists a case (instead of its bytes).
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.spec->table << " " << kAttackNames[static_cast<int>(c.attack)];
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  return std::string(info.param.spec->table) + "_" +
         kAttackNames[static_cast<int>(info.param.attack)];
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const auto& spec : mm::core::entities()) {
    for (auto a : {Attack::EditField, Attack::DeleteRow, Attack::GhostRow, Attack::FlipDeleted})
      out.push_back({&spec, a});
    if (spec.spatial()) out.push_back({&spec, Attack::MoveGeometry});
  }
  return out;
}

// A field an attacker might change, and a new value for it as SQL.
std::pair<std::string, std::string> field_to_edit(const mm::core::EntitySpec& spec) {
  using mm::core::FieldType;
  for (const auto& f : spec.fields) {
    if (f.computed || f.type == FieldType::Ref) continue;
    switch (f.type) {
      case FieldType::Text:
      case FieldType::Enum:
      case FieldType::EnumSet: return {std::string(f.name), "'tampered'"};
      case FieldType::Date: return {std::string(f.name), "'1999'"};
      case FieldType::Integer: return {std::string(f.name), "424242"};
      case FieldType::Real: return {std::string(f.name), "4242.5"};
      case FieldType::Boolean:
        return {std::string(f.name), "1 - coalesce(\"" + std::string(f.name) + "\", 0)"};
      case FieldType::Ref: break;
    }
  }
  return {"workflow", "'rejected'"};
}

class EveryTable : public TamperTest, public testing::WithParamInterface<Case> {};

TEST_P(EveryTable, IsCaught) {
  const auto& spec = *GetParam().spec;
  const std::string table(spec.table);
  const std::string id = sqlite_value(
      store(), "SELECT id FROM \"" + table + "\" WHERE deleted = 0 ORDER BY fid DESC LIMIT 1");
  ASSERT_FALSE(id.empty()) << table << " has no row in the base store";
  const std::string where = " WHERE id = '" + id + "'";
  std::string field;
  std::string ghost = std::string(spec.id_prefix) + "-777777";
  switch (GetParam().attack) {
    case Attack::EditField: {
      auto [name, value] = field_to_edit(spec);
      field = name;
      sqlite_on_table(store(), table,
                      "UPDATE \"" + table + "\" SET \"" + name + "\" = " + value + where + ";");
      break;
    }
    case Attack::DeleteRow:
      sqlite_on_table(store(), table, "DELETE FROM \"" + table + "\"" + where + ";");
      break;
    case Attack::GhostRow:
      sqlite_on_table(
          store(), table,
          "INSERT INTO \"" + table + "\" (id, workflow) VALUES ('" + ghost + "', 'approved');");
      break;
    case Attack::FlipDeleted:
      field = "deleted";
      sqlite_on_table(
          store(), table,
          "UPDATE \"" + table + "\" SET deleted = 1, deleted_reason = 'gone'" + where + ";");
      break;
    case Attack::MoveGeometry:
      field = "geometry";
      ogr_sql(store(), "UPDATE \"" + table + "\" SET geom = X'" +
                           moved_blob(store(), table, id, 0.0005, 0.0005) + "'" + where);
      break;
  }
  auto j = verify_json();
  EXPECT_FALSE(j["intact"]);
  const bool ghost_case = GetParam().attack == Attack::GhostRow;
  EXPECT_TRUE(names(j, table, ghost_case ? ghost : id, field)) << lines_of(j);
}

INSTANTIATE_TEST_SUITE_P(Tamper, EveryTable, testing::ValuesIn(all_cases()), case_name);

// ---- serve ----

TEST_F(TamperTest, ServeRefusesABrokenChain) {
  drop_audit_triggers(store());
  sqlite(store(), "UPDATE audit SET reason = 'rewritten' WHERE seq = 5;");
  auto r = minemap({"serve", store(), "--port", "0"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("refusing to serve"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("audit entry 5: hash does not match its content"), std::string::npos)
      << r.err;
  // --allow-unverified serves it, with a warning. Stopped with SIGKILL once it serves: an
  // ASan build's leak check at exit can hang when a signal stops the server (LSan's
  // StopTheWorld meeting the exiting signal thread), and the exit is not what is tested.
  const fs::path out = dir() / "out", err = dir() / "err";
  shell("(" + quote(bin()) + " serve " + quote(store()) + " --port 0 --allow-unverified > " +
        quote(out.string()) + " 2> " + quote(err.string()) +
        " & pid=$!; for i in $(seq 300); do grep -q serving " + quote(out.string()) +
        " && break; sleep 0.1; done; kill -KILL $pid)");
  EXPECT_NE(slurp(err).find("WARNING"), std::string::npos) << slurp(err);
  EXPECT_NE(slurp(out).find("serving"), std::string::npos) << slurp(out);
}

TEST_F(TamperTest, ServeStartsOnAnIntactStore) {
  fs::path log = dir() / "serve.log";
  ServeProcess server(store(), log);
  EXPECT_FALSE(server.url().empty()) << slurp(log);
  EXPECT_NE(slurp(log).find("audit chain checked"), std::string::npos) << slurp(log);
}

// ---- keys, checkpoints, signed exports ----

TEST_F(TamperTest, KeygenWritesAPrivateKeyAndNeverReplacesOne) {
  const fs::path name = dir() / "k";
  ASSERT_EQ(minemap({"keygen", "--out", name.string()}).code, 0);
  EXPECT_EQ(fs::status(name.string() + ".key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto again = minemap({"keygen", "--out", name.string()});
  EXPECT_EQ(again.code, 2);
  // A secret key others may read is refused; a public key is no secret key.
  fs::permissions(name.string() + ".key", fs::perms::group_read, fs::perm_options::add);
  auto loose = minemap({"checkpoint", store(), "--key", name.string() + ".key"});
  EXPECT_EQ(loose.code, 2);
  EXPECT_NE(loose.err.find("chmod 600"), std::string::npos) << loose.err;
  auto wrong = minemap({"checkpoint", store(), "--key", name.string() + ".pub"});
  EXPECT_EQ(wrong.code, 2);
}

TEST_F(TamperTest, CheckpointSignsTheHead) {
  const std::string head = sqlite_value(store(), "SELECT max(seq) FROM audit");
  auto r = minemap({"checkpoint", store(), "--key", key()});
  ASSERT_EQ(r.code, 0) << r.err;
  auto c = json::parse(r.out);
  EXPECT_EQ(c["seq"], std::stoll(head));
  EXPECT_EQ(c["id"], "CP-000002");
  // It is audited: the next entry records it.
  EXPECT_EQ(sqlite_value(store(),
                         "SELECT entity || ' ' || entity_id FROM audit ORDER BY seq DESC LIMIT 1"),
            "checkpoints CP-000002");
  auto j = verify_json({"--key", pub()});
  EXPECT_TRUE(j["intact"]) << lines_of(j);
  EXPECT_EQ(j["checkpoints"]["latest"]["id"], "CP-000002");
}

TEST_F(TamperTest, SignedShapefileExport) {
  const std::string out = (dir() / "hazards.shp").string();
  auto r = minemap({"export", store(), "--as", "hazards", "-o", out, "--sign", key()});
  ASSERT_EQ(r.code, 0) << r.err;
  auto manifest = json::parse(slurp(out + ".manifest.json"));
  EXPECT_EQ(manifest["store"]["audit_head"]["seq"],
            std::stoll(sqlite_value(store(), "SELECT max(seq) FROM audit")));
  EXPECT_GE(manifest["files"].size(), 4u);  // .shp .shx .dbf .prj ...
  EXPECT_EQ(manifest["command"][1], "export");
  auto ok = minemap({"verify-export", out, "--key", pub()});
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out.rfind("intact: ", 0), 0u) << ok.out;

  // A changed .dbf is named.
  {
    std::fstream f((dir() / "hazards.dbf").string(),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.put('X');
  }
  auto bad = minemap({"verify-export", out, "--key", pub()});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("hazards.dbf: SHA-256 differs"), std::string::npos) << bad.out;

  // Another key does not verify the manifest.
  ASSERT_EQ(minemap({"keygen", "--out", (dir() / "other").string()}).code, 0);
  auto other = minemap({"verify-export", out, "--key", (dir() / "other.pub").string()});
  EXPECT_EQ(other.code, 1);
  EXPECT_NE(other.out.find("signed with another key"), std::string::npos) << other.out;
}

TEST_F(TamperTest, SignedManifestEditedIsCaught) {
  const std::string out = (dir() / "items.geojson").string();
  ASSERT_EQ(minemap({"export", store(), "--as", "items", "-o", out, "--sign", key()}).code, 0);
  auto m = slurp(out + ".manifest.json");
  auto at = m.find("\"features\": ");
  ASSERT_NE(at, std::string::npos);
  m.replace(at, 12, "\"features\": 1");
  write_file(out + ".manifest.json", m);
  auto r = minemap({"verify-export", out, "--key", pub()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("the manifest or its signature was changed"), std::string::npos) << r.out;
}

}  // namespace
