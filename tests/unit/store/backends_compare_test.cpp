// One scenario of writes, reviews, failures and reads, run on a GeoPackage and on a
// PostgreSQL database: everything the two stores answer (records as the audit writes them,
// lists under every kind of filter, column scans, widths, counts, the audit trail, status
// history, users, settings, checkpoints, the integrity check, the next ids, the errors)
// must be the same, line for line. Times, password hashes and what depends on them (entry
// hashes, signatures) differ between any two runs, so they are compared by their checks
// (each link and hash verifies) rather than by value.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/pg_cluster.hpp"
#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "gpkg_fixture.hpp"
#include "store/audit.hpp"
#include "store/crypto.hpp"
#include "store/registry.hpp"

namespace minemap::testing_gpkg {
namespace {

using core::Entity;
using core::FieldType;
using store::ListQuery;

const EntitySpec& S(Entity e) {
  return core::spec(e);
}

std::string real_text(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

// Text of an error, the store's location put aside.
std::string error_text(const std::exception& e, const std::string& location) {
  std::string kind = dynamic_cast<const core::InputError*>(&e)     ? "InputError"
                     : dynamic_cast<const core::StaleVersion*>(&e) ? "StaleVersion"
                     : dynamic_cast<const core::Conflict*>(&e)     ? "Conflict"
                     : dynamic_cast<const core::NotFound*>(&e)     ? "NotFound"
                     : dynamic_cast<const core::Forbidden*>(&e)    ? "Forbidden"
                     : dynamic_cast<const core::StorageError*>(&e) ? "StorageError"
                                                                   : "other";
  std::string what = e.what();
  for (auto at = what.find(location); at != std::string::npos; at = what.find(location))
    what.replace(at, location.size(), "<store>");
  return kind + ": " + what;
}

class Transcript {
 public:
  explicit Transcript(std::string location) : m_location(std::move(location)) {}
  void add(std::string line) { m_lines.push_back(std::move(line)); }
  // Runs fn, noting what it returned or what it threw.
  void attempt(const std::string& what, const std::function<std::string()>& fn) {
    try {
      add(what + " -> " + fn());
    } catch (const std::exception& e) {
      add(what + " !! " + error_text(e, m_location));
    }
  }
  const std::vector<std::string>& lines() const { return m_lines; }

 private:
  std::string m_location;
  std::vector<std::string> m_lines;
};

core::Geometry area(double x, double y, double d) {
  return core::Geometry::multipolygon({square(x, y, d)});
}

Record rec(std::map<std::string, core::Value, std::less<>> fields, core::Geometry g = {}) {
  Record r;
  r.fields = std::move(fields);
  r.geometry = std::move(g);
  return r;
}

// The writes, through the registry (rules, derived values, audit) and the backend.
void write_scenario(store::Registry& reg, Transcript& t, const std::string& secret_key) {
  using V = core::Value;
  auto& b = reg.backend();
  populate(b, 4);  // every entity and every field type, without audit entries
  const store::Actor lead{"lead", "admin"}, clerk{"ops1", "data_entry"},
      verifier{"amina", "verifier"};
  std::string hz, act, i2, i3, acc;
  auto id_of = [&](std::string& out, store::WriteResult r) {
    out = r.id;
    return r.id;
  };
  t.attempt("hazard", [&] {
    return id_of(hz, reg.add(S(Entity::Hazard),
                             rec({{"name", V("North")},
                                  {"type", V("CHA")},
                                  {"reported", V("2019-03")},
                                  {"contamination", V("AT_MINE,AP_MINE")},
                                  {"blocks_agriculture", V(true)},
                                  {"beneficiaries", V(std::int64_t{120})}},
                                 area(20, 45, 0.01)),
                             lead));
  });
  t.attempt("hazard 2", [&] {
    return reg
        .add(S(Entity::Hazard),
             rec({{"name", V("South")},
                  {"type", V("SHA")},
                  {"status", V("closed")},
                  {"status_date", V("2020")}},
                 area(20.05, 45, 0.01)),
             lead)
        .id;
  });
  t.attempt("activity", [&] {
    return id_of(act, reg.add(S(Entity::Activity),
                              rec({{"hazard_id", V(hz)},
                                   {"type", V("CLEARANCE")},
                                   {"start", V("2021-04")},
                                   {"end", V("2021-09-30")},
                                   {"deminer_days", V(120.5)}}),
                              lead));
  });
  t.attempt("release", [&] {
    return reg
        .add(S(Entity::Release),
             rec({{"activity_id", V(act)}, {"outcome", V("cleared")}, {"date", V("2021-09-30")}},
                 area(20, 45, 0.005)),
             lead)
        .id;
  });
  for (int n = 1; n <= 3; ++n) {
    t.attempt("item " + std::to_string(n), [&] {
      auto r = reg.add(S(Entity::Item),
                       rec({{"category", V(n == 2 ? "AT_MINE" : "AP_MINE")},
                            {"quantity", V(std::int64_t{n})},
                            {"found", V(n == 1 ? "2021-05" : "2021-05-0" + std::to_string(n))},
                            {"activity_id", V(act)},
                            {"accuracy_m", V(0.5 * n)}},
                           core::Geometry::point(20.001 * n, 45.002)),
                       lead);
      if (n == 2) i2 = r.id;
      if (n == 3) i3 = r.id;
      return r.id;
    });
  }
  t.attempt("accident", [&] {
    return id_of(acc, reg.add(S(Entity::Accident),
                              rec({{"date", V("2019-07-02")},
                                   {"type", V("mine")},
                                   {"area_marked", V(false)},
                                   {"device_category", V("AP_MINE")}},
                                  core::Geometry::point(20.007, 45.006)),
                              lead));
  });
  for (const char* outcome : {"injured", "killed"})
    t.attempt(std::string("victim ") + outcome, [&] {
      return reg
          .add(S(Entity::Victim),
               rec({{"accident_id", V(acc)},
                    {"outcome", V(outcome)},
                    {"group", V("civilian")},
                    {"age", V(std::int64_t{34})},
                    {"name", V("A Person")}}),
               lead)
          .id;
    });
  t.attempt("update hazard", [&] {
    return reg.update(S(Entity::Hazard), hz, rec({{"name", V("North field")}}), lead, "renamed").id;
  });
  t.attempt("close hazard", [&] {
    return reg
        .update(S(Entity::Hazard), hz,
                rec({{"status", V("closed")}, {"status_date", V("2022-01-10")}}), lead)
        .id;
  });
  t.attempt("update item", [&] {
    return reg.update(S(Entity::Item), i2, rec({{"quantity", V(std::int64_t{7})}}), lead).id;
  });
  t.attempt("remove item", [&] {
    reg.remove(S(Entity::Item), i3, "duplicate", lead);
    return i3;
  });
  t.attempt("restore item", [&] {
    reg.restore(S(Entity::Item), i3, "was not", lead);
    return i3;
  });
  t.attempt("remove item 2", [&] {
    reg.remove(S(Entity::Item), i2, "entered twice", lead);
    return i2;
  });
  // The review of field reports.
  std::string d1, d2;
  t.attempt("clerk files approved", [&] {
    return reg
        .add(S(Entity::Item), rec({{"category", V("UXO")}}, core::Geometry::point(20.3, 45.3)),
             clerk)
        .id;
  });
  t.attempt("draft", [&] {
    Record r = rec({{"category", V("UXO")}}, core::Geometry::point(20.3, 45.3));
    r.workflow = "draft";
    return id_of(d1, reg.add(S(Entity::Item), r, clerk));
  });
  t.attempt("clerk approves", [&] {
    return reg.transition(S(Entity::Item), d1, store::Step::Approve, "", clerk).workflow;
  });
  t.attempt("submit", [&] {
    return reg.transition(S(Entity::Item), d1, store::Step::Submit, "", clerk).workflow;
  });
  t.attempt("approve", [&] {
    return reg.transition(S(Entity::Item), d1, store::Step::Approve, "", verifier).workflow;
  });
  t.attempt("draft 2", [&] {
    Record r = rec({{"category", V("IED")}}, core::Geometry::point(20.4, 45.4));
    r.workflow = "draft";
    return id_of(d2, reg.add(S(Entity::Item), r, clerk));
  });
  t.attempt("submit 2", [&] {
    return reg.transition(S(Entity::Item), d2, store::Step::Submit, "", clerk).workflow;
  });
  t.attempt("reject", [&] {
    return reg.transition(S(Entity::Item), d2, store::Step::Reject, "wrong place", verifier)
        .workflow;
  });
  t.attempt("edit", [&] {
    return reg
        .edit_report(S(Entity::Item), d2, rec({}, core::Geometry::point(20.41, 45.41)), clerk,
                     reg.version(S(Entity::Item), d2))
        .id;
  });
  t.attempt("stale edit", [&] {
    return reg.edit_report(S(Entity::Item), d2, rec({{"model", V("x")}}), clerk, "0000").id;
  });
  t.attempt("own approval", [&] {
    reg.transition(S(Entity::Item), d2, store::Step::Submit, "", clerk);
    return reg.transition(S(Entity::Item), d2, store::Step::Approve, "", clerk).workflow;
  });
  // Transactions: a failed inner part is undone alone; a failed whole, whole.
  t.attempt("savepoint", [&] {
    std::string out;
    reg.transaction([&] {
      out = reg.add(S(Entity::Item), rec({{"category", V("AXO")}}, core::Geometry::point(20.5, 45)),
                    lead)
                .id;
      try {
        reg.transaction([&] {
          reg.add(S(Entity::Hazard),
                  rec({{"name", V("Gone")}, {"type", V("SHA")}}, area(21, 45, 0.01)), lead);
          throw core::InputError("x", "undone");
        });
      } catch (const core::InputError&) {
      }
      out += " " + reg.add(S(Entity::Item),
                           rec({{"category", V("AXO")}}, core::Geometry::point(20.6, 45)), lead)
                       .id;
    });
    return out;
  });
  t.attempt("rolled back", [&] {
    reg.transaction([&] {
      reg.add(S(Entity::Accident),
              rec({{"date", V("2020")}, {"type", V("erw")}}, core::Geometry::point(20.7, 45)),
              lead);
      reg.add(S(Entity::Hazard), rec({{"name", V("Gone")}, {"type", V("SHA")}}, area(21, 45, 0.01)),
              lead);
      throw core::Conflict("undone whole");
    });
    return std::string("written");
  });
  // Refusals.
  t.attempt("dangling reference", [&] {
    return reg
        .add(S(Entity::Activity), rec({{"hazard_id", V("HZ-000404")}, {"type", V("NTS")}}), lead)
        .id;
  });
  t.attempt("update missing", [&] {
    return reg.update(S(Entity::Item), "IT-000404", rec({{"model", V("x")}}), lead).id;
  });
  t.attempt("duplicate id", [&] {
    Record r = rec({{"category", V("UXO")}}, core::Geometry::point(20.8, 45));
    r.id = i3;
    return reg.add(S(Entity::Item), r, lead).id;
  });
  t.attempt("delete without reason", [&] {
    reg.remove(S(Entity::Item), i3, "", lead);
    return std::string("deleted");
  });
  t.attempt("backend duplicate", [&] {
    b.insert(S(Entity::Item), *b.get(S(Entity::Item), i3, false));
    return std::string("written");
  });
  // Users, settings, a checkpoint.
  t.attempt("user", [&] {
    reg.add_user("amina", "verifier", "a long password", lead);
    reg.add_user("ops1", "data_entry", "another long password", lead);
    reg.set_user("ops1", std::nullopt, std::nullopt, true, "left", lead);
    return std::string("ok");
  });
  t.attempt("user twice", [&] {
    reg.add_user("amina", "viewer", "a long password", lead);
    return std::string("ok");
  });
  t.attempt("settings", [&] {
    reg.set_setting(store::kFourEyes, "off", "one-person office", lead);
    reg.set_setting(store::kFourEyes, "on", "two again", lead);
    return reg.setting(store::kFourEyes);
  });
  t.attempt("checkpoint", [&] { return reg.checkpoint(secret_key, lead).id; });
}

// A value of a JSON text without the fields that differ between two runs.
std::string without(const std::string& json, std::initializer_list<const char*> keys) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return json;
  for (const char* k : keys) j.erase(k);
  return j.dump();
}

// Everything the store answers.
void read_scenario(store::Registry& reg, Transcript& t) {
  auto& b = reg.backend();
  for (const auto& spec : core::entities()) {
    const std::string name(spec.name);
    ListQuery all;
    all.include_deleted = true;
    std::vector<Record> rows;
    b.for_each(spec, all, [&](const Record& r) {
      rows.push_back(r);
      auto state = b.deleted_state(spec, r.id);
      t.add(name + " " + r.id + " " + r.workflow +
            (state->deleted ? " deleted " + state->reason : "") + " " + store::audit_json(spec, r));
    });
    t.add(name + " count " + std::to_string(b.count(spec, false)) + " / " +
          std::to_string(b.count(spec, true)));
    // Lists: the values of the first row, field by field, as filters; periods; boxes; pages.
    std::vector<std::pair<std::string, ListQuery>> queries;
    ListQuery q;
    q.approved_only = true;
    queries.emplace_back("approved", q);
    q = {};
    q.where.push_back({"workflow", {"draft", "rejected"}});
    queries.emplace_back("drafts", q);
    if (!rows.empty()) {
      const Record& first = rows.front();
      for (const auto& f : spec.fields) {
        auto it = first.fields.find(f.name);
        if (it == first.fields.end() || f.type == FieldType::Real) continue;
        std::string v = core::value_to_text(it->second);
        if (f.type == FieldType::EnumSet) v = v.substr(0, v.find(','));
        q = {};
        q.where.push_back({std::string(f.name), {v, "no such value"}});
        if (f.type == FieldType::Boolean || f.type == FieldType::Date) q.where.back().second = {v};
        queries.emplace_back("where " + std::string(f.name) + "=" + v, q);
      }
    }
    for (const auto& f : spec.fields) {
      if (f.type != FieldType::Date) continue;
      q = {};
      q.during = ListQuery::DateRange{std::string(f.name), "2012-05-20", "2021-05-02"};
      queries.emplace_back("during " + std::string(f.name), q);
    }
    if (spec.spatial()) {
      for (const auto& box :
           {core::Envelope{20, 45, 20.004, 45.004}, core::Envelope{30.13, 10.99, 30.16, 11.02}}) {
        q = {};
        q.bbox = box;
        queries.emplace_back("box", q);
        q.offset = 1;
        q.limit = 1;
        queries.emplace_back("box page", q);
      }
    }
    q = {};
    q.offset = 1;
    q.limit = 2;
    queries.emplace_back("page", q);
    for (const auto& [what, query] : queries) {
      std::string line = name + " " + what + ":";
      try {
        b.for_each(spec, query, [&](const Record& r) { line += " " + r.id; });
      } catch (const core::Error& e) {
        line += std::string(" !! ") + e.what();
      }
      t.add(line);
    }
    // A scan of every column, as the figures read them.
    std::vector<std::string> columns = {"id", "workflow"};
    if (spec.spatial()) columns.emplace_back("geom");
    for (const auto& f : spec.fields) columns.emplace_back(f.name);
    b.scan(spec, all, columns, [&](const store::ScanRow& row) {
      std::string line = name + " scan";
      for (std::size_t i = 0; i < columns.size(); ++i) {
        const int c = static_cast<int>(i);
        const core::FieldSpec* f = spec.field(columns[i]);
        line += " |";
        if (columns[i] == "geom") {
          core::Geometry g;
          line += row.geometry(c, g) ? std::to_string(g.vertex_count()) : "-";
          if (auto p = row.point(c)) line += "@" + real_text(p->x) + "," + real_text(p->y);
        } else if (f && f->type == FieldType::Real) {
          auto v = row.real(c);
          line += v ? real_text(*v) : "null";
        } else if (f && (f->type == FieldType::Integer || f->type == FieldType::Boolean)) {
          auto v = row.integer(c);
          line += v ? std::to_string(*v) : "null";
        } else {
          auto v = row.text(c);
          line += v ? std::string(*v) : "null";
        }
      }
      t.add(line);
    });
    std::vector<std::string> measured = {"id", "workflow"};
    for (const auto& f : spec.fields)
      if (f.type != FieldType::Real) measured.emplace_back(f.name);
    auto w = b.text_widths(spec, {}, measured);
    std::string line = name + " widths " + std::to_string(w.rows);
    for (auto n : w.bytes) line += " " + std::to_string(n);
    t.add(line);
  }
  // The audit trail: each entry as written, its link and hash checked.
  std::string prev;
  b.for_each_audit([&](const store::AuditEntry& e) {
    std::string before = e.before, after = e.after;
    if (e.entity == "users") {
      before = without(before, {"created", "password_blake2b"});
      after = without(after, {"created", "password_blake2b"});
    } else if (e.entity == "checkpoints") {
      after = without(after, {"ts", "time", "hash", "store_id", "public_key", "signature"});
    }
    t.add("audit " + std::to_string(e.seq) + " " + e.actor + " " + e.entity + " " + e.entity_id +
          " " + e.action + " (" + e.reason + ") " + before + " -> " + after +
          (e.prev_hash == prev ? " linked" : " BROKEN") +
          (e.hash == store::audit_hash(e) ? " hashed" : " BAD HASH"));
    prev = e.hash;
  });
  t.add("audit count " + std::to_string(b.audit_count()));
  b.for_each_status([&](std::int64_t row, const std::string& hazard, const store::StatusChange& c) {
    t.add("status " + std::to_string(row) + " " + hazard + " " + c.date + " " + c.status + " (" +
          c.reason + ")");
  });
  for (const auto& u : reg.users())
    t.add("user " + u.name + " " + u.role + (u.disabled ? " disabled" : ""));
  for (const auto& [k, v] : b.settings()) t.add("setting " + k + "=" + v);
  for (const auto& c : b.checkpoints()) t.add("checkpoint " + c.id + " " + std::to_string(c.seq));
  auto report = reg.verify();
  t.add("verify " + std::to_string(report.entries) + " entries, " +
        std::to_string(report.differences_total) + " differences");
  for (const auto& d : report.differences) t.add("difference " + d.message);
  t.add(std::string("quick check ") + (reg.quick_check().intact() ? "intact" : "not intact"));
  for (const auto& p : b.audit_protection_problems()) t.add("protection " + p);
  for (const auto& spec : core::entities()) t.add("next " + b.next_id(spec));
}

TEST(BackendsCompared, OneScenarioGivesTheSameAnswers) {
  MINEMAP_PG_DATABASE(uri);
  testing_support::TempDir dir;
  const std::string path = dir.file("store.gpkg");
  const auto keys = store::crypto::new_signing_keys();
  std::vector<std::vector<std::string>> transcripts;
  for (const std::string& target : {path, uri}) {
    auto reg = store::Registry::open(target, true);
    Transcript t(reg.location());
    write_scenario(reg, t, keys.secret_key);
    read_scenario(reg, t);
    transcripts.push_back(t.lines());
  }
  const auto& gpkg = transcripts[0];
  const auto& pg = transcripts[1];
  EXPECT_GT(gpkg.size(), 300u);
  for (std::size_t i = 0; i < std::max(gpkg.size(), pg.size()); ++i) {
    const std::string a = i < gpkg.size() ? gpkg[i] : "<none>";
    const std::string b = i < pg.size() ? pg[i] : "<none>";
    EXPECT_EQ(a, b) << "line " << i + 1 << " (GeoPackage, then PostgreSQL)";
  }
  // Errors were met and named alike; nothing is left broken.
  int refusals = 0;
  for (const auto& line : gpkg) refusals += line.find(" !! ") != std::string::npos;
  EXPECT_GE(refusals, 8);
}

}  // namespace
}  // namespace minemap::testing_gpkg
