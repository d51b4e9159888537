// The replay of store/integrity: a store written through the registry verifies intact
// (derived values included), changes made through the backend alone are named, the
// schema-4 baselines of an older store, the chain checker, and checkpoints. The first
// two on both backends.
#include "store/integrity.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/temp_dir.hpp"
#include "core/date.hpp"
#include "core/errors.hpp"
#include "geo/geodesy.hpp"
#include "on_each_backend.hpp"
#include "store/audit.hpp"
#include "store/crypto.hpp"
#include "store/gpkg/gpkg_backend.hpp"
#include "store/gpkg/schema.hpp"
#include "store/registry.hpp"
#include "store/signing.hpp"

namespace {

using namespace minemap;
using core::Entity;
using core::Record;

core::Record polygon_record(double x, double y, double d) {
  Record r;
  r.geometry.type = core::GeomType::Polygon;
  r.geometry.polygons = {{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}};
  return r;
}

std::string lines(const store::IntegrityReport& r) {
  std::string out;
  for (const auto& d : r.differences) out += d.message + "\n";
  return out;
}

bool names(const store::IntegrityReport& r, const std::string& table, const std::string& id,
           const std::string& field = "") {
  for (const auto& d : r.differences)
    if (d.table == table && d.id == id && (field.empty() || d.field == field)) return true;
  return false;
}

// A hazard with two approved releases and a draft one, some changed and deleted, so that
// the hazard's remaining area has been recomputed many times.
struct Written {
  std::string hazard, release1, release2, release3;
};

Written write_hazard_and_releases(store::Registry& reg) {
  store::Actor who{"test"};
  auto hz = polygon_record(20, 45, 0.01);
  hz.fields["name"] = std::string("H");
  hz.fields["type"] = std::string("CHA");
  hz.fields["status"] = std::string("open");
  Written w;
  w.hazard = reg.add(core::spec(Entity::Hazard), hz, who).id;
  Record act;
  act.fields["hazard_id"] = w.hazard;
  act.fields["type"] = std::string("CLEARANCE");
  auto act_id = reg.add(core::spec(Entity::Activity), act, who).id;
  auto release = [&](double x, const std::string& workflow) {
    auto r = polygon_record(x, 45, 0.003);
    r.fields["activity_id"] = act_id;
    r.fields["outcome"] = std::string("cleared");
    r.workflow = workflow;
    return reg.add(core::spec(Entity::Release), r, who).id;
  };
  w.release1 = release(20.0, "approved");
  w.release2 = release(20.002, "approved");  // overlaps the first
  w.release3 = release(20.006, "draft");
  // Through the review: submitted, and approved by another verifier (four eyes).
  reg.transition(core::spec(Entity::Release), w.release3, store::Step::Submit, "", who);
  reg.transition(core::spec(Entity::Release), w.release3, store::Step::Approve, "",
                 store::Actor{"verifier2", "verifier"});
  reg.remove(core::spec(Entity::Release), w.release1, "duplicate", who);
  reg.restore(core::spec(Entity::Release), w.release1, "was not", who);
  reg.remove(core::spec(Entity::Release), w.release2, "wrong", who);
  // A hazard deleted and restored: the restore adds a status row of its own.
  reg.remove(core::spec(Entity::Hazard), w.hazard, "wrong area", who);
  reg.restore(core::spec(Entity::Hazard), w.hazard, "right area", who);
  Record closed;
  closed.fields["status"] = std::string("closed");
  reg.update(core::spec(Entity::Hazard), w.hazard, closed, who, "cleared");
  reg.update(core::spec(Entity::Hazard), w.hazard, polygon_record(20, 45, 0.011), who,
             "resurveyed");
  return w;
}

// On both backends: what the registry writes replays intact, and what is written past it
// is named.
class Integrity : public testing_store::OnEachBackend {};
MINEMAP_ON_EACH_BACKEND(Integrity);

TEST_P(Integrity, RegistryWritesReplayIntact) {
  auto reg = create();
  auto w = write_hazard_and_releases(reg);
  reg.add_user("amina", "viewer", "a long password", {"admin"});
  reg.set_user("amina", std::string("verifier"), std::string("another password"), true, "", {"a"});
  auto report = reg.verify();
  EXPECT_TRUE(report.intact()) << lines(report);
  EXPECT_EQ(report.head.seq, report.entries);
  EXPECT_FALSE(report.checkpoints.checked);
  // The remaining area really changed along the way (the replay recomputed it), and
  // each status row has its entry.
  auto hz = reg.get(core::spec(Entity::Hazard), w.hazard);
  EXPECT_LT(*hz.real("remaining_m2"), *hz.real("area_m2") * 0.9);
  EXPECT_EQ(reg.status_history(w.hazard).size(), 3u);
  EXPECT_EQ(reg.backend().audit("hazard_status", w.hazard).size(), 3u);
}

TEST_P(Integrity, ChangesThroughTheBackendAloneAreNamed) {
  auto reg = create();
  auto w = write_hazard_and_releases(reg);
  reg.add_user("amina", "viewer", "a long password", {"admin"});
  auto& b = reg.backend();
  // A release's geometry changed without an entry: the release differs, and so does its
  // hazard's remaining area, which the replay recomputes from the audited geometry.
  auto rel = *b.get(core::spec(Entity::Release), w.release3, false);
  rel.geometry.polygons[0][0][2].x += 0.001;
  b.replace(core::spec(Entity::Release), rel);
  // A user's role raised; a status row added.
  auto u = *b.user("amina");
  u.role = "admin";
  b.put_user(u, false);
  b.append_status(w.hazard, {"2020", "open", "forged"});
  auto report = reg.verify();
  EXPECT_TRUE(names(report, "releases", w.release3, "geometry")) << lines(report);
  EXPECT_TRUE(names(report, "users", "amina", "role")) << lines(report);
  EXPECT_TRUE(names(report, "hazard_status", w.hazard)) << lines(report);
  EXPECT_EQ(report.differences_total, 3) << lines(report);

  // Recomputing the hazard behind minemap's back is caught against the replay.
  auto hz = *b.get(core::spec(Entity::Hazard), w.hazard, true);
  hz.fields["remaining_m2"] = *hz.real("remaining_m2") + 1;
  b.replace(core::spec(Entity::Hazard), hz);
  EXPECT_TRUE(names(reg.verify(), "hazards", w.hazard, "remaining_m2"));
}

TEST(GpkgIntegrity, QuickCheckSeesAnEmptyTrailBesideData) {
  testing_support::TempDir dir;
  const auto path = dir.file("s.gpkg");
  {
    auto reg = store::Registry::open(path, true);
    write_hazard_and_releases(reg);
    EXPECT_TRUE(reg.quick_check().intact());
  }
  {
    store::gpkg::Db db(path, 2 /* SQLITE_OPEN_READWRITE */);
    db.exec("DROP TRIGGER audit_no_delete; DELETE FROM audit;");
  }
  auto reg = store::Registry::open(path, false);
  auto q = reg.quick_check();
  EXPECT_FALSE(q.intact());
  EXPECT_NE(lines(q).find("the trail is empty, yet the tables hold"), std::string::npos)
      << lines(q);
  EXPECT_NE(lines(q).find("trigger audit_no_delete is missing"), std::string::npos) << lines(q);
}

TEST(GpkgIntegrity, ChainCheckerReportsAGapOnce) {
  std::vector<store::AuditEntry> entries;
  std::string prev;
  for (int i = 1; i <= 5; ++i) {
    store::AuditEntry e;
    e.seq = i;
    e.ts = "2026-01-01T00:00:00Z";
    e.actor = "a";
    e.entity = "items";
    e.entity_id = "IT-00000" + std::to_string(i);
    e.action = "create";
    e.after = "{}";
    e.prev_hash = prev;
    e.hash = store::audit_hash(e);
    prev = e.hash;
    entries.push_back(e);
  }
  entries.erase(entries.begin() + 2);  // entry 3
  store::ChainChecker chain;
  std::vector<std::string> problems;
  for (const auto& e : entries)
    if (auto p = chain.feed(e)) problems.push_back(*p);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "audit entry 4: expected entry 3 here (entries 3 to 3 are missing)");
  EXPECT_EQ(chain.head_seq(), 5);
  EXPECT_EQ(chain.entries(), 4);
}

// ---- schema 4: the baselines of a store written before ----

// A version-3 store as an older minemap wrote it: users audited without a password
// digest, status rows not audited at all.
void write_version_3_store(const std::string& path, bool raise_role_behind_its_back) {
  auto b = store::gpkg::open_gpkg_with(path, store::gpkg::OpenMode::Create,
                                       store::gpkg::migrations(), 3);
  auto append = [&](const std::string& entity, const std::string& id, const std::string& after) {
    store::AuditEntry e;
    auto last = b->last_audit();
    e.seq = last ? last->seq + 1 : 1;
    e.prev_hash = last ? last->hash : "";
    e.ts = "2025-05-01T10:00:00Z";
    e.actor = "old";
    e.entity = entity;
    e.entity_id = id;
    e.action = "create";
    e.after = after;
    e.hash = store::audit_hash(e);
    b->append_audit(e);
  };
  b->transaction([&] {
    store::User u{"viewer1", "viewer", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA",
                  "2025-05-01T10:00:00Z", false};
    b->put_user(u, true);
    append("users", "viewer1", R"({"disabled":false,"name":"viewer1","role":"viewer"})");
    auto hz = polygon_record(20, 45, 0.01);
    hz.id = "HZ-000001";
    hz.fields["name"] = std::string("H");
    hz.fields["type"] = std::string("SHA");
    hz.fields["status"] = std::string("open");
    hz.geometry.type = core::GeomType::MultiPolygon;
    // The remaining area as the registry leaves it without releases: the area.
    hz.fields["area_m2"] = geo::area_m2(hz.geometry);
    hz.fields["remaining_m2"] = geo::area_m2(hz.geometry);
    b->insert(core::spec(Entity::Hazard), hz);
    b->append_status("HZ-000001", {"2025-05-01", "open", "recorded"});
    append("hazards", "HZ-000001", store::audit_json(core::spec(Entity::Hazard), hz));
    if (raise_role_behind_its_back) {
      u.role = "admin";
      b->put_user(u, false);
    }
  });
}

TEST(GpkgIntegrity, OlderStoreGetsBaselinesAndVerifies) {
  testing_support::TempDir dir;
  const auto path = dir.file("s.gpkg");
  write_version_3_store(path, false);
  auto reg = store::Registry::open(path, false);  // migrates to 4
  auto trail = reg.backend().audit("", "");
  ASSERT_EQ(trail.size(), 4u);
  EXPECT_EQ(trail[2].action, "baseline");
  EXPECT_EQ(trail[2].entity, "users");
  EXPECT_NE(trail[2].after.find("password_blake2b"), std::string::npos);
  EXPECT_EQ(trail[3].entity, "hazard_status");
  EXPECT_FALSE(reg.backend().store_id().empty());
  auto report = reg.verify();
  EXPECT_TRUE(report.intact()) << lines(report);
}

TEST(GpkgIntegrity, TamperingBeforeTheUpgradeStillShows) {
  testing_support::TempDir dir;
  const auto path = dir.file("s.gpkg");
  write_version_3_store(path, true);
  auto reg = store::Registry::open(path, false);
  auto report = reg.verify();
  EXPECT_TRUE(names(report, "users", "viewer1", "role")) << lines(report);
  EXPECT_NE(lines(report).find("before the upgrade"), std::string::npos) << lines(report);
}

TEST(GpkgIntegrity, SchemaVersionSetBackIsCaught) {
  // Someone raises a role, then sets the schema version back so that the migration
  // records the tables as they stand.
  testing_support::TempDir dir;
  const auto path = dir.file("s.gpkg");
  {
    auto reg = store::Registry::open(path, true);
    write_hazard_and_releases(reg);
    reg.add_user("viewer1", "viewer", "a long password", {"admin"});
    auto& b = reg.backend();
    b.append_status(b.get(core::spec(Entity::Hazard), "HZ-000001", true)->id,
                    {"2020", "open", "ghost"});
  }
  {
    store::gpkg::Db db(path, 2 /* SQLITE_OPEN_READWRITE */);
    db.exec(
        "UPDATE users SET role = 'admin'; UPDATE minemap_meta SET value = '3' "
        "WHERE key = 'schema_version'");
  }
  auto reg = store::Registry::open(path, false);
  auto report = reg.verify();
  EXPECT_TRUE(names(report, "users", "viewer1", "role")) << lines(report);
  EXPECT_NE(lines(report).find("its schema version was set back"), std::string::npos)
      << lines(report);
}

// ---- checkpoints and keys ----

TEST(Signing, CheckpointsAndKeyFiles) {
  auto keys = store::crypto::new_signing_keys();
  auto other = store::crypto::new_signing_keys();
  auto c = store::sign_checkpoint(42, std::string(64, 'a'), "store1", keys.secret_key);
  EXPECT_TRUE(store::checkpoint_signed_by(c, keys.public_key));
  EXPECT_FALSE(store::checkpoint_signed_by(c, other.public_key));
  auto back = store::checkpoint_from_json(store::checkpoint_json(c), "f");
  EXPECT_TRUE(store::checkpoint_signed_by(back, keys.public_key));
  for (auto change :
       {+[](store::Checkpoint& x) { x.seq += 1; }, +[](store::Checkpoint& x) { x.hash[0] = 'b'; },
        +[](store::Checkpoint& x) { x.store_id = "store2"; },
        +[](store::Checkpoint& x) { x.time = "2000-01-01T00:00:00Z"; }}) {
    auto forged = c;
    change(forged);
    EXPECT_FALSE(store::checkpoint_signed_by(forged, keys.public_key));
  }
  EXPECT_EQ(store::secret_key_from_text(store::secret_key_text(keys.secret_key), "k"),
            keys.secret_key);
  EXPECT_EQ(store::public_key_from_text(store::public_key_text(keys.public_key), "p"),
            keys.public_key);
  EXPECT_THROW(store::secret_key_from_text(store::public_key_text(keys.public_key), "p"),
               core::InputError);
  EXPECT_THROW(store::public_key_from_text(store::secret_key_text(keys.secret_key), "k"),
               core::InputError);
  EXPECT_THROW(store::checkpoint_from_json("{}", "f"), core::InputError);
  // SHA-256 of "abc" (FIPS 180-2).
  store::crypto::Sha256 h;
  h.update("abc");
  EXPECT_EQ(h.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Signing, RegistryCheckpointIsAuditedAndChecked) {
  testing_support::TempDir dir;
  auto reg = store::Registry::open(dir.file("s.gpkg"), true);
  auto keys = store::crypto::new_signing_keys();
  auto empty = reg.checkpoint(keys.secret_key, {"t"});  // of an empty trail
  EXPECT_EQ(empty.seq, 0);
  write_hazard_and_releases(reg);
  auto c = reg.checkpoint(keys.secret_key, {"t"});
  EXPECT_EQ(c.id, "CP-000002");
  store::VerifyOptions opt;
  opt.public_key = keys.public_key;
  auto report = reg.verify(opt);
  EXPECT_TRUE(report.intact()) << lines(report);
  EXPECT_EQ(report.checkpoints.valid, 2);
  ASSERT_TRUE(report.checkpoints.latest);
  EXPECT_EQ(report.checkpoints.latest->seq, c.seq);
  EXPECT_EQ(reg.head().seq, c.seq + 1);  // the checkpoint's own entry
}

}  // namespace
