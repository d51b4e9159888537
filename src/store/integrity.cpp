// The replay behind `minemap verify`; see integrity.hpp.
#include "store/integrity.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "core/errors.hpp"
#include "geo/geodesy.hpp"
#include "geo/geojson.hpp"
#include "geo/geometry_ops.hpp"
#include "store/audit.hpp"
#include "store/crypto.hpp"
#include "store/signing.hpp"
#include "store/workflow.hpp"

namespace minemap::store {
namespace {

using core::Entity;
using core::EntitySpec;
using nlohmann::json;

// A hazard's remaining area is recomputed from the replayed releases rather than
// audited (writes of releases change it without an entry of the hazard's). The
// computation is the registry's own on the same coordinates, so it agrees to the last
// bit in practice; the tolerance only keeps a change of floating-point evaluation order
// in a future GEOS from raising a false alarm (1e-9 of 1 km² is 0.001 m²).
constexpr double kRemainingTolerance = 1e-9;

// How much of a long value (a geometry) a line for people shows.
constexpr std::size_t kShownChars = 120;
constexpr std::size_t kJsonChars = 4000;

std::string shorten(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  return s.substr(0, n) + "... (" + std::to_string(s.size()) + " characters)";
}

// What one row must hold, by the trail.
struct RowState {
  crypto::Digest16 digest{};     // of the JSON of its content
  std::int64_t content_seq = 0;  // the entry whose `after` holds that content
  std::int64_t seq = 0;          // the last entry about the row
  std::int64_t delete_seq = 0;   // the entry that deleted it (when deleted)
  bool deleted = false;
  bool seen = false;      // met in the table
  std::string reason;     // the delete's reason (when deleted)
  std::string full_json;  // the content itself, for the few tables that need it
};

// What replaying the releases leaves for recomputing remaining areas.
struct ReleaseState {
  std::int64_t created = 0;  // seq of the create: the registry reads them in row order
  std::string hazard_id;
  bool approved = false;
  bool deleted = false;
  core::Geometry geometry;
};

class Replay {
 public:
  Replay(Backend& b, const VerifyOptions& opt, IntegrityReport& report)
      : m_b(b), m_opt(opt), m_report(report) {
    for (const auto& spec : core::entities()) m_specs[std::string(spec.name)] = &spec;
  }

  void run() {
    const auto stored_checkpoints = m_b.checkpoints();
    std::vector<std::pair<Checkpoint, std::string>> all;  // with where each came from
    for (const auto& c : stored_checkpoints) all.push_back({c, "checkpoint " + c.id});
    for (const auto& c : m_opt.outside_checkpoints)
      all.push_back({c, "checkpoint " + (c.id.empty() ? std::string("(file)") : c.id) +
                            " (given with --checkpoint)"});
    for (const auto& [c, _] : all) m_wanted[c.seq];

    ChainChecker chain;
    m_b.for_each_audit([&](const AuditEntry& e) {
      if (auto problem = chain.feed(e))
        add({"audit", std::to_string(e.seq), "", "", "", e.seq, 0, *problem});
      if (auto it = m_wanted.find(e.seq); it != m_wanted.end()) it->second = e.hash;
      apply(e);
    });
    m_report.entries = chain.entries();
    m_report.head = {chain.head_seq(), chain.head_hash()};
    protection();
    for (const auto& spec : core::entities()) compare_entity_table(spec);
    compare_users();
    compare_status();
    compare_settings();
    compare_checkpoints(stored_checkpoints);
    missing_rows();
    if (m_opt.public_key) check_checkpoints(all);
  }

 private:
  void protection() {
    for (const auto& p : m_b.audit_protection_problems())
      add({"audit", "", "schema", "", "", 0, 0, "audit: " + p});
  }

  // ---- the trail, entry by entry ----

  void apply(const AuditEntry& e) {
    watch_baselines(e);
    if (auto it = m_specs.find(e.entity); it != m_specs.end()) return apply_entity(*it->second, e);
    if (e.entity == "users") return apply_side("users", e.entity_id, e);
    if (e.entity == "checkpoints") return apply_side("checkpoints", e.entity_id, e);
    if (e.entity == "settings") return apply_side("settings", e.entity_id, e);
    if (e.entity == "hazard_status") {
      auto j = json::parse(e.after, nullptr, false);
      if (!j.is_object() || !j.contains("row") || !j["row"].is_number_integer())
        return inconsistent(e, "its status row cannot be read");
      return apply_side("hazard_status", std::to_string(j["row"].get<std::int64_t>()), e);
    }
    inconsistent(e, "names an unknown table \"" + e.entity + "\"");
  }

  // Baselines are written once, by the migration to schema 4, in one run of entries.
  // Another run, or one after entries only schema 4 writes, means the store's schema
  // version was set back so that the migration would bless the tables as they stand.
  void watch_baselines(const AuditEntry& e) {
    if (e.action == "baseline") {
      if ((m_schema4_seen || m_baselines_done) && !m_rebaseline_reported) {
        m_rebaseline_reported = true;
        inconsistent(e, "a schema-4 baseline after the store was at schema 4 (entry " +
                            std::to_string(m_schema4_seen ? m_schema4_seen : m_baselines_done) +
                            "): its schema version was set back, and what the baselines record "
                            "is not vouched for");
      }
      m_in_baselines = true;
      return;
    }
    if (m_in_baselines && !m_baselines_done) m_baselines_done = e.seq;
    m_in_baselines = false;
    const bool schema4_only =
        e.entity == "hazard_status" || e.entity == "checkpoints" ||
        (e.entity == "users" && e.after.find("\"password_blake2b\"") != std::string::npos);
    if (schema4_only && !m_schema4_seen) m_schema4_seen = e.seq;
  }

  void inconsistent(const AuditEntry& e, const std::string& what) {
    add({"audit", std::to_string(e.seq), "", "", "", e.seq, 0,
         "audit entry " + std::to_string(e.seq) + " (" + e.entity + " " + e.entity_id + ", " +
             e.action + "): " + what});
  }

  void apply_entity(const EntitySpec& spec, const AuditEntry& e) {
    auto& rows = m_rows[std::string(spec.table)];
    auto it = rows.find(e.entity_id);
    const bool known = it != rows.end();
    if (e.action == "create") {
      if (known)
        return inconsistent(
            e, "creates a row that entry " + std::to_string(it->second.seq) + " already holds");
      it = rows.emplace(e.entity_id, RowState{}).first;
      set_content(spec, it->second, e);
    } else if (e.action == "update" || e.action == "restore" || step_by_name(e.action)) {
      if (!known) return inconsistent(e, "changes a row that no entry created");
      set_content(spec, it->second, e);
      if (e.action == "restore") {
        it->second.deleted = false;
        it->second.reason.clear();
      }
    } else if (e.action == "delete") {
      if (!known) return inconsistent(e, "deletes a row that no entry created");
      it->second.deleted = true;
      it->second.reason = e.reason;
      it->second.delete_seq = e.seq;
    } else {
      return inconsistent(e, "unknown action");
    }
    it->second.seq = e.seq;
    if (spec.kind == Entity::Release) replay_release(e, it->second.deleted);
  }

  void set_content(const EntitySpec& spec, RowState& st, const AuditEntry& e) {
    st.content_seq = e.seq;
    // Hazards are compared field by field (their remaining area is recomputed): keep
    // the JSON. Every other table keeps a digest, re-reading the entry on a mismatch.
    if (spec.kind == Entity::Hazard)
      st.full_json = e.after;
    else
      st.digest = crypto::blake2b_128(e.after);
  }

  void replay_release(const AuditEntry& e, bool deleted) {
    auto& r = m_releases[e.entity_id];
    if (e.action == "create") r.created = e.seq;
    r.deleted = deleted;
    if (e.after.empty()) return;
    auto j = json::parse(e.after, nullptr, false);
    if (!j.is_object()) return;  // the table comparison reports the row
    r.hazard_id = j.value("hazard_id", "");
    r.approved = j.value("workflow", "") == "approved";
    try {
      r.geometry =
          j.contains("geometry") ? geo::geometry_from_geojson(j["geometry"]) : core::Geometry{};
    } catch (const core::InputError&) {
      r.geometry = {};
    }
  }

  // users, hazard_status, checkpoints: small tables whose content is kept whole.
  void apply_side(const std::string& table, const std::string& id, const AuditEntry& e) {
    auto& rows = m_rows[table];
    auto it = rows.find(id);
    const bool known = it != rows.end();
    if (e.action == "create") {
      if (known)
        return inconsistent(
            e, "creates a row that entry " + std::to_string(it->second.seq) + " already holds");
      it = rows.emplace(id, RowState{}).first;
    } else if (e.action == "update") {
      if (!known) return inconsistent(e, "changes a row that no entry created");
    } else if (e.action == "baseline") {
      // Schema 4 recorded the row as it stood (gpkg/schema.cpp); what the trail said of
      // it before must still hold there.
      if (known) {
        baseline_agrees(table, id, it->second, e);
      } else if (table == "users") {
        add({table, id, "", "", "", e.seq, 0,
             table + " " + id + ": recorded at the schema-4 upgrade (entry " +
                 std::to_string(e.seq) + ") but never created in the audit"});
      }
      if (!known) it = rows.emplace(id, RowState{}).first;
    } else {
      return inconsistent(e, "unknown action");
    }
    it->second.seq = e.seq;
    it->second.content_seq = e.seq;
    it->second.full_json = e.after;
  }

  void baseline_agrees(const std::string& table, const std::string& id, const RowState& before,
                       const AuditEntry& e) {
    auto was = json::parse(before.full_json, nullptr, false);
    auto now = json::parse(e.after, nullptr, false);
    if (!was.is_object() || !now.is_object()) return;
    for (const auto& [key, v] : was.items()) {
      if (!now.contains(key) || now[key] == v) continue;
      add({table, id, key, now[key].dump(), v.dump(), before.content_seq, 0,
           table + " " + id + ": " + key + " was " + now[key].dump() +
               " when schema 4 recorded it (entry " + std::to_string(e.seq) + "), " + v.dump() +
               " in the audit (entry " + std::to_string(before.content_seq) +
               "): changed behind minemap's back before the upgrade"});
    }
  }

  // ---- the tables ----

  void compare_entity_table(const EntitySpec& spec) {
    auto& rows = m_rows[std::string(spec.table)];
    const std::string table(spec.table);
    m_b.for_each_row(spec, [&](const StoredRow& row) {
      const std::string& id = row.record.id;
      auto it = rows.find(id);
      if (it == rows.end()) return ghost(table, id);
      RowState& st = it->second;
      st.seen = true;
      if (!row.problem.empty())
        add({table, id, "geometry", "", "", st.content_seq, 0,
             table + " " + id + ": " + row.problem});
      std::string now;
      try {
        now = audit_json(spec, row.record);
      } catch (const std::exception& e) {
        add({table, id, "", "", "", st.content_seq, 0,
             table + " " + id + ": its text cannot be read (" + e.what() + ")"});
        return;
      }
      if (spec.kind == Entity::Hazard) {
        compare_hazard(table, id, now, st, !row.problem.empty());
      } else if (crypto::blake2b_128(now) != st.digest) {
        auto entry = m_b.audit_entry(st.content_seq);
        compare_fields(table, id, now, entry ? entry->after : std::string(), st.content_seq,
                       !row.problem.empty());
      }
      compare_deleted(table, id, row.state, st);
    });
  }

  void compare_deleted(const std::string& table, const std::string& id, const DeletedState& now,
                       const RowState& st) {
    if (now.deleted != st.deleted) {
      const std::int64_t entry = st.deleted ? st.delete_seq : st.seq;
      add({table, id, "deleted", now.deleted ? "true" : "false", st.deleted ? "true" : "false",
           entry, 0,
           table + " " + id + ": " + (now.deleted ? "deleted" : "not deleted") + " in the table, " +
               (st.deleted ? "deleted" : "not deleted") + " in the audit (entry " +
               std::to_string(entry) + ")"});
    } else if (now.deleted && now.reason != st.reason) {
      add({table, id, "deleted_reason", json(now.reason).dump(), json(st.reason).dump(),
           st.delete_seq, 0,
           table + " " + id + ": deleted_reason is " + json(now.reason).dump() + " in the table, " +
               json(st.reason).dump() + " in the audit (entry " + std::to_string(st.delete_seq) +
               ")"});
    }
  }

  void compare_hazard(const std::string& table, const std::string& id, const std::string& now,
                      const RowState& st, bool skip_geometry) {
    auto expected = json::parse(st.full_json, nullptr, false);
    auto have = json::parse(now);
    if (!expected.is_object()) {
      add({table, id, "", "", "", st.content_seq, 0,
           table + " " + id + ": the audit's record (entry " + std::to_string(st.content_seq) +
               ") cannot be read"});
      return;
    }
    // The remaining area by the replayed releases, compared with a tolerance; the
    // rest exactly.
    const double remaining = recomputed_remaining(id, expected);
    const json held = have.contains("remaining_m2") ? have["remaining_m2"] : json();
    const bool close = held.is_number() && std::abs(held.get<double>() - remaining) <=
                                               kRemainingTolerance * std::max(1.0, remaining);
    if (!close)
      add({table, id, "remaining_m2", held.dump(), json(remaining).dump(), st.content_seq, 0,
           table + " " + id + ": remaining_m2 is " + held.dump() + " in the table, " +
               json(remaining).dump() +
               " by the audit (its geometry and its approved releases, entry " +
               std::to_string(st.content_seq) + " on)"});
    expected["remaining_m2"] = held;  // reported above when it differs
    if (expected != have) compare_objects(table, id, have, expected, st.content_seq, skip_geometry);
  }

  double recomputed_remaining(const std::string& hazard_id, const json& hazard) {
    if (!m_release_index_built) index_releases();
    core::Geometry g;
    try {
      if (hazard.contains("geometry")) g = geo::geometry_from_geojson(hazard["geometry"]);
    } catch (const core::InputError&) {
      return std::nan("");
    }
    auto it = m_released.find(hazard_id);
    if (it == m_released.end() || it->second.empty()) return geo::area_m2(g);
    return geo::remaining_area_m2(g, it->second);
  }

  // Approved, non-deleted releases by hazard, in the order the registry reads them (row
  // order, which is the order of their creation).
  void index_releases() {
    m_release_index_built = true;
    std::vector<const ReleaseState*> live;
    for (const auto& [id, r] : m_releases)
      if (r.approved && !r.deleted && !r.hazard_id.empty()) live.push_back(&r);
    std::sort(live.begin(), live.end(),
              [](const ReleaseState* a, const ReleaseState* b) { return a->created < b->created; });
    for (const auto* r : live) m_released[r->hazard_id].push_back(r->geometry);
  }

  void compare_users() {
    auto& rows = m_rows["users"];
    for (const auto& u : m_b.users()) {
      compare_side("users", u.name, 0, user_audit_json(u), rows);
    }
  }

  void compare_status() {
    auto& rows = m_rows["hazard_status"];
    m_b.for_each_status([&](std::int64_t row, const std::string& hazard, const StatusChange& c) {
      compare_side("hazard_status", hazard, row, status_audit_json(row, hazard, c), rows);
    });
  }

  void compare_settings() {
    auto& rows = m_rows["settings"];
    for (const auto& [key, value] : m_b.settings())
      compare_side("settings", key, 0, setting_audit_json(key, value), rows);
  }

  void compare_checkpoints(const std::vector<Checkpoint>& stored) {
    auto& rows = m_rows["checkpoints"];
    for (const auto& c : stored) compare_side("checkpoints", c.id, 0, checkpoint_json(c), rows);
  }

  // `row`: a status row's number, which is also its key (its id is the hazard's).
  void compare_side(const std::string& table, const std::string& id, std::int64_t row,
                    const std::string& now, std::unordered_map<std::string, RowState>& rows) {
    auto it = rows.find(row ? std::to_string(row) : id);
    if (it == rows.end()) return ghost(table, id, row);
    it->second.seen = true;
    if (now != it->second.full_json)
      compare_fields(table, id, now, it->second.full_json, it->second.content_seq, false, row);
  }

  void ghost(const std::string& table, const std::string& id, std::int64_t row = 0) {
    add({table, id, "", "", "", 0, row,
         label(table, id, row) + ": in the table, never in the audit"});
  }

  void missing_rows() {
    for (auto& [table, rows] : m_rows) {
      std::vector<std::pair<std::string, const RowState*>> missing;
      for (const auto& [key, st] : rows)
        if (!st.seen) missing.push_back({key, &st});
      std::sort(missing.begin(), missing.end());
      for (const auto& [key, st] : missing) {
        std::string id = key;
        std::int64_t row = 0;
        if (table == "hazard_status") {
          auto j = json::parse(st->full_json, nullptr, false);
          id = j.is_object() ? j.value("hazard_id", "") : "";
          row = std::stoll(key);
        }
        add({table, id, "", "", "", st->seq, row,
             label(table, id, row) + ": in the audit (entry " + std::to_string(st->seq) +
                 "), missing from the table"});
      }
    }
  }

  static std::string label(const std::string& table, const std::string& id, std::int64_t row) {
    return table + " " + id + (row ? " row " + std::to_string(row) : "");
  }

  void compare_fields(const std::string& table, const std::string& id, const std::string& now,
                      const std::string& audited, std::int64_t entry, bool skip_geometry,
                      std::int64_t row = 0) {
    auto have = json::parse(now, nullptr, false);
    auto want = json::parse(audited, nullptr, false);
    if (!want.is_object() || !have.is_object()) {
      add({table, id, "", "", "", entry, row,
           label(table, id, row) + ": differs from the audit (entry " + std::to_string(entry) +
               "), whose record cannot be read"});
      return;
    }
    compare_objects(table, id, have, want, entry, skip_geometry, row);
  }

  // Field by field; a field absent from one side is null there (the audit's JSON
  // leaves empty fields out).
  void compare_objects(const std::string& table, const std::string& id, const json& have,
                       const json& want, std::int64_t entry, bool skip_geometry,
                       std::int64_t row = 0) {
    std::set<std::string> keys;
    for (const auto& [k, _] : have.items()) keys.insert(k);
    for (const auto& [k, _] : want.items()) keys.insert(k);
    for (const auto& k : keys) {
      if (skip_geometry && k == "geometry") continue;
      const json a = have.contains(k) ? have[k] : json();
      const json b = want.contains(k) ? want[k] : json();
      if (a == b) continue;
      const std::string av = a.dump(), bv = b.dump();
      add({table, id, k, shorten(av, kJsonChars), shorten(bv, kJsonChars), entry, row,
           label(table, id, row) + ": " + k + " is " + shorten(av, kShownChars) +
               " in the table, " + shorten(bv, kShownChars) + " in the audit (entry " +
               std::to_string(entry) + ")"});
    }
  }

  // ---- checkpoints ----

  void check_checkpoints(const std::vector<std::pair<Checkpoint, std::string>>& all) {
    auto& sum = m_report.checkpoints;
    sum.checked = true;
    const std::string key_hex = crypto::to_hex(*m_opt.public_key);
    const std::string store_id = m_b.store_id();
    int attempted = 0;
    for (const auto& [c, where] : all) {
      if (!checkpoint_signed_by(c, *m_opt.public_key)) {
        if (c.public_key != key_hex) {
          ++sum.other_keys;
          continue;
        }
        ++attempted;
        add({"checkpoints", c.id, "signature", "", "", 0, 0,
             where + ": its signature does not verify with this key (forged or altered)"});
        continue;
      }
      ++attempted;
      if (c.store_id != store_id) {
        add({"checkpoints", c.id, "store_id", json(store_id).dump(), json(c.store_id).dump(), 0, 0,
             where + ": signed for another store (" + c.store_id + "; this one is " + store_id +
                 ")"});
        continue;
      }
      const std::string at = "audit entry " + std::to_string(c.seq);
      const std::string signed_in = where + " of " + c.time;
      if (c.seq > 0) {
        const std::string& found = m_wanted[c.seq];
        if (found.empty()) {
          add({"audit", std::to_string(c.seq), "", "", json(c.hash).dump(), c.seq, 0,
               at + ", signed in " + signed_in + ", is missing from the trail (" +
                   (m_report.head.seq < c.seq
                        ? "it ends at entry " + std::to_string(m_report.head.seq) +
                              ": its tail was cut or it was deleted)"
                        : "it was deleted)")});
          continue;
        }
        if (found != c.hash) {
          add({"audit", std::to_string(c.seq), "hash", json(found).dump(), json(c.hash).dump(),
               c.seq, 0,
               at + ": its hash is " + found + ", " + signed_in + " signed " + c.hash +
                   ": the chain was rewritten"});
          continue;
        }
      }
      ++sum.valid;
      if (!sum.latest || c.seq > sum.latest->seq) sum.latest = c;
    }
    if (attempted == 0)
      add({"checkpoints", "", "", "", "", 0, 0,
           "checkpoints: none signed with this key, in the store or given with --checkpoint "
           "(deleted, or never made: minemap checkpoint STORE --key NAME.key)"});
  }

  void add(Difference d) {
    ++m_report.differences_total;
    if (m_report.differences.size() < m_opt.max_differences)
      m_report.differences.push_back(std::move(d));
  }

  Backend& m_b;
  const VerifyOptions& m_opt;
  IntegrityReport& m_report;
  std::unordered_map<std::string, const EntitySpec*> m_specs;
  std::map<std::string, std::unordered_map<std::string, RowState>> m_rows;  // by table
  std::unordered_map<std::string, ReleaseState> m_releases;
  std::unordered_map<std::string, std::vector<core::Geometry>> m_released;  // by hazard
  bool m_release_index_built = false;
  std::int64_t m_schema4_seen = 0;    // the first entry only schema 4 writes
  std::int64_t m_baselines_done = 0;  // the first entry after the run of baselines
  bool m_in_baselines = false;
  bool m_rebaseline_reported = false;
  std::map<std::int64_t, std::string> m_wanted;  // seq -> hash, for the checkpoints
};

void quick_check_in(Backend& b, IntegrityReport& report) {
  report.quick = true;
  constexpr std::size_t kMaxDifferences = 100;
  auto add = [&](Difference d) {
    ++report.differences_total;
    if (report.differences.size() < kMaxDifferences) report.differences.push_back(std::move(d));
  };
  const auto checkpoints = b.checkpoints();
  std::map<std::int64_t, std::string> wanted;
  for (const auto& c : checkpoints) wanted[c.seq];
  ChainChecker chain;
  b.for_each_audit([&](const AuditEntry& e) {
    if (auto problem = chain.feed(e))
      add({"audit", std::to_string(e.seq), "", "", "", e.seq, 0, *problem});
    if (auto it = wanted.find(e.seq); it != wanted.end()) it->second = e.hash;
  });
  report.entries = chain.entries();
  report.head = {chain.head_seq(), chain.head_hash()};
  for (const auto& p : b.audit_protection_problems())
    add({"audit", "", "schema", "", "", 0, 0, "audit: " + p});
  // Without the key their signatures cannot be checked, but a checkpoint left in the
  // store still shows a cut tail or a rewritten chain.
  for (const auto& c : checkpoints) {
    if (c.seq == 0) continue;
    const std::string& found = wanted[c.seq];
    if (found != c.hash)
      add({"audit", std::to_string(c.seq), "hash", json(found).dump(), json(c.hash).dump(), c.seq,
           0,
           "audit entry " + std::to_string(c.seq) + (found.empty() ? " is missing" : " differs") +
               ": checkpoint " + c.id + " of " + c.time + " signed it with hash " + c.hash});
  }
  if (report.entries == 0) {
    std::int64_t rows = static_cast<std::int64_t>(b.users().size());
    for (const auto& spec : core::entities()) rows += b.count(spec, true);
    if (rows > 0)
      add({"audit", "", "", "", "", 0, 0,
           "audit: the trail is empty, yet the tables hold " + std::to_string(rows) +
               " rows (it was deleted)"});
  }
}

}  // namespace

IntegrityReport verify_store(Backend& b, const VerifyOptions& opt) {
  IntegrityReport report;
  // One snapshot: a write by a running server meanwhile would look like tampering.
  b.read_snapshot([&] { Replay(b, opt, report).run(); });
  return report;
}

IntegrityReport quick_check(Backend& b) {
  IntegrityReport report;
  b.read_snapshot([&] { quick_check_in(b, report); });
  return report;
}

}  // namespace minemap::store
