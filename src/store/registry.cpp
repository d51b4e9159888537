// Domain rules of every write; see registry.hpp.
#include "store/registry.hpp"

#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/validate.hpp"
#include "geo/geocheck.hpp"
#include "geo/geodesy.hpp"
#include "geo/geojson.hpp"
#include "geo/geometry_ops.hpp"
#include "store/audit.hpp"
#include "store/crypto.hpp"
#include "store/gpkg/gpkg_backend.hpp"
#include "store/pg/libpq.hpp"
#include "store/pg/pg_backend.hpp"
#include "store/signing.hpp"

namespace minemap::store {

using core::Entity;
using core::EntitySpec;
using core::Record;

Registry::Registry(std::unique_ptr<Backend> backend) : m_backend(std::move(backend)) {}

Registry Registry::open(const std::string& uri, bool create) {
  // postgresql://..., postgres://... or postgres:SERVICE: the server store.
  if (pg::is_pg_target(uri))
    return Registry(pg::open_pg(uri, create ? pg::OpenMode::Create : pg::OpenMode::OpenExisting));
  return Registry(
      gpkg::open_gpkg(uri, create ? gpkg::OpenMode::Create : gpkg::OpenMode::OpenExisting));
}

// Runs `open`, which opens a transaction (or a savepoint) of the backend around the
// caller's work, keeping the registry's count and caches in step with it.
void Registry::in_transaction(const std::function<void()>& open) {
  ++m_depth;
  try {
    open();
  } catch (...) {
    --m_depth;
    m_admin_areas.reset();  // they may hold what the rollback undid
    m_last_audit.reset();
    throw;
  }
  if (--m_depth == 0) m_last_audit.reset();
}

void Registry::transaction(const std::function<void()>& fn) {
  in_transaction([&] { m_backend->transaction(fn); });
}

void Registry::bulk_load(const EntitySpec& spec, std::int64_t expected_rows,
                         const std::function<void()>& fn) {
  // The backend opens the transaction itself: it may first change how it journals.
  in_transaction([&] { m_backend->bulk_load(spec, expected_rows, fn); });
}

// A write made inside a transaction joins it without a savepoint of its own:
// when it fails, the enclosing transaction fails too, unless its caller wrapped
// the call in transaction() (an import that skips bad features does). Savepoints
// cost more than the write itself in long imports.
void Registry::atomically(const std::function<void()>& fn) {
  if (m_depth > 0)
    fn();
  else
    transaction(fn);
}

CheckedRecord Registry::check(const EntitySpec& spec, Record r) const {
  CheckedRecord c;
  Record& out = c.m_record;
  out = core::validate(spec, std::move(r), m_today);
  if (out.geometry.type != core::GeomType::None) {
    // Districts have long straight edges; the 5 km rule is for surveyed polygons.
    double max_jump = spec.kind == Entity::AdminArea ? std::numeric_limits<double>::infinity()
                                                     : geo::kMaxVertexJumpM;
    auto checked = geo::check_geometry(out.geometry, "geometry", max_jump);
    out.geometry = std::move(checked.geometry);
    geo::normalize_orientation(out.geometry);
    for (auto& note : checked.repairs)
      if (!note.empty()) c.m_repairs.push_back(std::move(note));
  }
  if (spec.field("area_m2") && out.geometry.type != core::GeomType::None)
    out.fields["area_m2"] = geo::area_m2(out.geometry);
  return c;
}

Record Registry::prepare(const EntitySpec& spec, Record r, std::vector<std::string>& repairs) {
  return complete(spec, check(spec, std::move(r)), repairs);
}

// What check() leaves to the store: the admin area, a release's hazard.
Record Registry::complete(const EntitySpec& spec, CheckedRecord c,
                          std::vector<std::string>& repairs) {
  Record out = std::move(c.m_record);
  for (auto& note : c.m_repairs) repairs.push_back(std::move(note));
  if (spec.field("admin_area_id") && !out.has("admin_area_id") &&
      out.geometry.type != core::GeomType::None) {
    auto admin = admin_area_of(out.geometry);
    if (!admin.empty()) out.fields["admin_area_id"] = admin;
  }
  if (spec.kind == Entity::Release) {
    auto act_id = out.text("activity_id");
    auto act = m_backend->get(core::spec(Entity::Activity), *act_id, false);
    if (!act) throw core::InputError("activity_id", "no activity \"" + *act_id + "\"");
    out.fields["hazard_id"] = *act->text("hazard_id");
    check_release_meets_hazard(out);
  }
  return out;
}

void Registry::check_release_meets_hazard(const Record& release) {
  const std::string hazard_id = release.text("hazard_id").value_or("");
  auto hz = m_backend->get(core::spec(Entity::Hazard), hazard_id, false);
  if (!hz || hz->geometry.type == core::GeomType::None) return;
  if (geo::area_m2(geo::intersection(hz->geometry, release.geometry)) < 1.0)
    throw core::InputError("geometry",
                           "the land released lies outside its hazard \"" + hazard_id + "\"");
}

// A child (a victim, land released) is public only with its parent: it is not approved
// while its parent is not.
void Registry::check_workflow(const EntitySpec& spec, const Record& r) {
  if (spec.parent_ref.empty() || r.workflow != "approved") return;
  const EntitySpec& parent = core::parent_of(spec);
  const std::string parent_id = r.text(spec.parent_ref).value_or("");
  auto p = m_backend->get(parent, parent_id, false);
  if (p && p->workflow != "approved")
    throw core::Conflict(std::string(spec.name) + " \"" + r.id + "\": its " +
                         std::string(spec.parent_ref) + " \"" + parent_id + "\" is " + p->workflow +
                         "; " + std::string(spec.name) + " are approved with their " +
                         std::string(parent.name) + " or after it");
}

std::string Registry::admin_area_of(const core::Geometry& g) {
  if (!m_admin_areas) {
    m_admin_areas.emplace();
    store::ListQuery q;
    q.approved_only = true;
    m_backend->for_each(core::spec(Entity::AdminArea), q, [&](const Record& r) {
      m_admin_areas->push_back({r.geometry.envelope(), r});
    });
  }
  if (m_admin_areas->empty()) return {};
  core::Coord p = geo::representative_point(g);
  const Record* best = nullptr;
  for (const auto& a : *m_admin_areas) {
    if (!a.box.contains(p) || !geo::covers(a.record.geometry, p)) continue;
    // The most specific: the highest level, then the smallest area.
    auto level = a.record.integer("level").value_or(0);
    if (!best || level > best->integer("level").value_or(0) ||
        (level == best->integer("level").value_or(0) &&
         a.record.real("area_m2").value_or(0) < best->real("area_m2").value_or(0)))
      best = &a.record;
  }
  return best ? best->id : std::string();
}

void Registry::check_refs(const EntitySpec& spec, const Record& r) {
  for (const auto& f : spec.fields) {
    if (f.type != core::FieldType::Ref || f.computed) continue;
    auto v = r.text(f.name);
    if (!v) continue;
    const EntitySpec& target = core::spec_by_name(f.ref);
    if (!m_backend->get(target, *v, false))
      throw core::InputError(std::string(f.name),
                             "no " + std::string(target.name) + " with id \"" + *v + "\"");
  }
}

void Registry::audit(const EntitySpec& spec, const std::string& id, const std::string& action,
                     const std::string& reason, const std::optional<Record>& before,
                     const std::optional<Record>& after, const Actor& who) {
  append_audit(std::string(spec.name), id, action, reason,
               before ? audit_json(spec, *before) : std::string(),
               after ? audit_json(spec, *after) : std::string(), who);
}

void Registry::append_audit(const std::string& entity, const std::string& id,
                            const std::string& action, const std::string& reason,
                            std::string before, std::string after, const Actor& who) {
  AuditEntry e;
  if (!m_last_audit) m_last_audit = m_backend->last_audit();
  const auto& last = m_last_audit;
  e.seq = last ? last->seq + 1 : 1;
  e.prev_hash = last ? last->hash : std::string();
  e.ts = core::utc_timestamp();
  e.actor = who.user;
  e.entity = entity;
  e.entity_id = id;
  e.action = action;
  e.reason = reason;
  e.before = std::move(before);
  e.after = std::move(after);
  e.hash = audit_hash(e);
  m_backend->append_audit(e);
  if (m_depth > 0) m_last_audit = e;
}

namespace {

void check_user_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxUserName)
    throw core::InputError("name",
                           "a user name has 1 to " + std::to_string(kMaxUserName) + " characters");
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@'))
      throw core::InputError("name", "\"" + name + "\": letters, digits and . _ - @ only");
}

void check_role(const std::string& role) {
  for (const auto& r : kRoles)
    if (role == r) return;
  throw core::InputError(
      "role", "unknown role \"" + role + "\" (one of: viewer, data_entry, verifier, admin)");
}

void check_password(const std::string& password) {
  if (password.size() < 10) throw core::InputError("password", "at least 10 characters");
  if (password.size() > kMaxPassword)
    throw core::InputError("password", "at most " + std::to_string(kMaxPassword) + " characters");
}

}  // namespace

void Registry::add_user(const std::string& name, const std::string& role,
                        const std::string& password, const Actor& who) {
  check_user_name(name);
  check_role(role);
  check_password(password);
  User u{name, role, crypto::hash_password(password), core::utc_timestamp(), false};
  atomically([&] {
    m_backend->put_user(u, true);
    append_audit("users", name, "create", "", "", user_audit_json(u), who);
  });
}

void Registry::set_user(const std::string& name, const std::optional<std::string>& role,
                        const std::optional<std::string>& password,
                        const std::optional<bool>& disabled, const std::string& reason,
                        const Actor& who) {
  auto before = m_backend->user(name);
  if (!before) throw core::NotFound("user \"" + name + "\" not found");
  User u = *before;
  if (role) {
    check_role(*role);
    u.role = *role;
  }
  if (password) {
    check_password(*password);
    u.password_hash = crypto::hash_password(*password);
  }
  if (disabled) u.disabled = *disabled;
  atomically([&] {
    m_backend->put_user(u, false);
    append_audit("users", name, "update",
                 password ? (reason.empty() ? "password changed" : reason) : reason,
                 user_audit_json(*before), user_audit_json(u), who);
  });
}

std::optional<User> Registry::authenticate(const std::string& name, const std::string& password) {
  return signs_in(m_backend->user(name), password);
}

std::optional<User> signs_in(std::optional<User> u, const std::string& password) {
  if (!u || u->disabled) {
    // The same work as for a real user, so that timing does not tell names apart.
    static const std::string dummy = crypto::hash_password("not a password of anyone");
    crypto::verify_password(dummy, password);
    return std::nullopt;
  }
  if (!crypto::verify_password(u->password_hash, password)) return std::nullopt;
  return u;
}

std::optional<User> Registry::user(const std::string& name) {
  return m_backend->user(name);
}

std::vector<User> Registry::users() {
  return m_backend->users();
}

void Registry::recompute_remaining(const std::string& hazard_id) {
  const EntitySpec& hz = core::spec(Entity::Hazard);
  auto hazard = m_backend->get(hz, hazard_id, true);
  if (!hazard) return;
  ListQuery q;
  q.approved_only = true;
  q.where.push_back({"hazard_id", {hazard_id}});
  std::vector<core::Geometry> released;
  m_backend->for_each(core::spec(Entity::Release), q,
                      [&](const Record& r) { released.push_back(r.geometry); });
  double remaining = released.empty() ? geo::area_m2(hazard->geometry)
                                      : geo::remaining_area_m2(hazard->geometry, released);
  auto old = hazard->real("remaining_m2");
  if (old && *old == remaining) return;
  hazard->fields["remaining_m2"] = remaining;
  m_backend->replace(hz, *hazard);
}

// Derived values that other records hold: a hazard's remaining area depends on
// its releases, and its status history on its status. Each status row has an audit
// entry of its own (its date may be today's, which the hazard's entry does not hold);
// the remaining area is not audited: `verify` recomputes it from the releases.
void Registry::after_write(const EntitySpec& spec, const std::optional<Record>& before,
                           const std::optional<Record>& after, const Actor& who) {
  if (spec.kind == Entity::AdminArea) m_admin_areas.reset();
  if (spec.kind == Entity::Release) {
    std::string h1 = before ? before->text("hazard_id").value_or("") : "";
    std::string h2 = after ? after->text("hazard_id").value_or("") : "";
    if (!h1.empty()) recompute_remaining(h1);
    if (!h2.empty() && h2 != h1) recompute_remaining(h2);
  }
  if (spec.kind == Entity::Hazard && after) {
    auto status = after->text("status").value_or("");
    if (!before || before->text("status").value_or("") != status) {
      // Dated by the status's own date; a hazard recorded without one by the day it was
      // reported (an import of old records is not their status's date), else today.
      auto date = after->text("status_date");
      if (!date && !before) date = after->text("reported");
      StatusChange c{date.value_or(m_today.to_string()), status,
                     after->text("status_reason").value_or(before ? "" : "recorded")};
      const std::int64_t row = m_backend->append_status(after->id, c);
      append_audit("hazard_status", after->id, "create", "", "",
                   status_audit_json(row, after->id, c), who);
    }
    if (!before || before->geometry != after->geometry) recompute_remaining(after->id);
  }
}

WriteResult Registry::add(const EntitySpec& spec, Record r, const Actor& who) {
  return add(spec, check(spec, std::move(r)), who);
}

WriteResult Registry::add(const EntitySpec& spec, CheckedRecord r, const Actor& who) {
  WriteResult res;
  atomically([&] {
    Record rec = complete(spec, std::move(r), res.repairs);
    const bool generated = rec.id.empty();
    if (generated) {
      rec.id = m_backend->next_id(spec);
    } else if (m_backend->deleted_state(spec, rec.id)) {
      throw core::Conflict("id: " + std::string(spec.name) + " \"" + rec.id + "\" exists already");
    }
    check_refs(spec, rec);
    if (role_rank(who.role) < role_rank("data_entry"))
      throw core::Forbidden("the role " + who.role + " may not add records");
    if (role_rank(who.role) < role_rank("verifier") && rec.workflow != "draft")
      throw core::Forbidden("the role " + who.role + " files drafts only (workflow \"" +
                            rec.workflow + "\")");
    check_workflow(spec, rec);
    if (spec.kind == Entity::Hazard) rec.fields["remaining_m2"] = rec.real("area_m2").value_or(0);
    // A generated id already taken (written behind minemap's back) fails as a
    // duplicate, with nothing written: the next one is tried.
    for (;;) {
      try {
        m_backend->insert(spec, rec);
        break;
      } catch (const core::Conflict&) {
        if (!generated) throw;
        rec.id = m_backend->next_id(spec);
      }
    }
    after_write(spec, std::nullopt, rec, who);
    audit(spec, rec.id, "create", "", std::nullopt, rec, who);
    res.id = rec.id;
  });
  return res;
}

WriteResult Registry::update(const EntitySpec& spec, const std::string& id, const Record& patch,
                             const Actor& who, const std::string& reason,
                             const std::string& expected_version) {
  if (role_rank(who.role) < role_rank("data_entry"))
    throw core::Forbidden("the role " + who.role + " may not change records");
  // The workflow moves only by transition(): the patch's is ignored.
  if (expected_version.empty()) return write_update(spec, id, patch, {}, who, "update", reason);
  WriteResult res;
  atomically([&] {
    check_version(spec, id, expected_version, m_backend->audit(std::string(spec.name), id));
    res = write_update(spec, id, patch, {}, who, "update", reason);
  });
  return res;
}

void Registry::check_version(const EntitySpec& spec, const std::string& id,
                             const std::string& expected, const std::vector<AuditEntry>& entries) {
  if (expected.empty() || (!entries.empty() && entries.back().hash == expected)) return;
  if (!m_backend->get(spec, id, false))
    throw core::NotFound(std::string(spec.name) + " \"" + id + "\" not found");
  throw core::StaleVersion(std::string(spec.name) + " \"" + id +
                           "\" has changed since that version was read: read it again and redo "
                           "the change");
}

std::string Registry::version(const EntitySpec& spec, const std::string& id) {
  auto entries = m_backend->audit(std::string(spec.name), id);
  return entries.empty() ? std::string() : entries.back().hash;
}

WriteResult Registry::edit_report(const EntitySpec& spec, const std::string& id,
                                  const Record& patch, const Actor& who,
                                  const std::string& expected_version) {
  if (role_rank(who.role) < role_rank("data_entry"))
    throw core::Forbidden("the role " + who.role + " may not change records");
  if (!spec.field_report)
    throw core::InputError("ENTITY", std::string(spec.name) + " are not reviewed");
  WriteResult res;
  atomically([&] {
    auto rec = m_backend->get(spec, id, false);
    if (!rec) throw core::NotFound(std::string(spec.name) + " \"" + id + "\" not found");
    if (rec->workflow != "draft" && rec->workflow != "rejected")
      throw core::Conflict(std::string(spec.name) + " \"" + id + "\" is " + rec->workflow +
                           ": only a draft or a rejected report is edited");
    const auto entries = m_backend->audit(std::string(spec.name), id);
    if (role_rank(who.role) < role_rank("verifier") &&
        (entries.empty() || entries.front().actor != who.user))
      throw core::Forbidden(
          std::string(spec.name) + " \"" + id + "\" was filed by " +
          (entries.empty() ? std::string("another program") : entries.front().actor) +
          ": a data entry user edits only their own reports");
    check_version(spec, id, expected_version, entries);
    res = write_update(spec, id, patch, {}, who, "update", "edit");
  });
  return res;
}

// `workflow`: the new state (a transition), or "" to keep the record's.
WriteResult Registry::write_update(const EntitySpec& spec, const std::string& id,
                                   const Record& patch, const std::string& workflow,
                                   const Actor& who, const std::string& action,
                                   const std::string& reason) {
  WriteResult res;
  atomically([&] {
    auto before = m_backend->get(spec, id, false);
    if (!before) throw core::NotFound(std::string(spec.name) + " \"" + id + "\" not found");
    if (!patch.id.empty() && patch.id != id)
      throw core::InputError("id", "cannot be changed (\"" + id + "\" -> \"" + patch.id + "\")");
    Record merged = *before;
    for (const auto& f : spec.fields)
      if (f.computed) merged.fields.erase(std::string(f.name));
    for (const auto& [k, v] : patch.fields) {
      if (std::holds_alternative<std::monostate>(v))
        merged.fields.erase(k);
      else
        merged.fields[k] = v;
    }
    if (patch.geometry.type != core::GeomType::None) merged.geometry = patch.geometry;
    if (!workflow.empty()) merged.workflow = workflow;
    Record rec = prepare(spec, std::move(merged), res.repairs);
    rec.id = id;
    check_refs(spec, rec);
    check_workflow(spec, rec);
    if (spec.kind == Entity::Hazard)
      rec.fields["remaining_m2"] = before->real("remaining_m2").value_or(0);
    m_backend->replace(spec, rec);
    after_write(spec, before, rec, who);
    auto stored = m_backend->get(spec, id, true);
    audit(spec, id, action, reason, before, stored, who);
    res.id = id;
  });
  return res;
}

void Registry::remove(const EntitySpec& spec, const std::string& id, const std::string& reason,
                      const Actor& who) {
  if (reason.empty()) throw core::InputError("--reason", "a delete needs a reason");
  atomically([&] {
    auto before = m_backend->get(spec, id, false);
    if (!before) throw core::NotFound(std::string(spec.name) + " \"" + id + "\" not found");
    m_backend->set_deleted(spec, id, true, reason);
    after_write(spec, before, std::nullopt, who);
    audit(spec, id, "delete", reason, before, std::nullopt, who);
  });
}

void Registry::restore(const EntitySpec& spec, const std::string& id, const std::string& reason,
                       const Actor& who) {
  atomically([&] {
    auto state = m_backend->deleted_state(spec, id);
    if (!state || !state->deleted)
      throw core::NotFound(std::string(spec.name) + " \"" + id + "\" is not deleted");
    m_backend->set_deleted(spec, id, false, "");
    auto after = m_backend->get(spec, id, false);
    after_write(spec, std::nullopt, after, who);
    audit(spec, id, "restore", reason, std::nullopt, after, who);
  });
}

namespace {

// An audit entry that filed or submitted a record: its creation, a submission (also
// as stores before schema 5 wrote one: an update whose record became submitted).
bool filed_or_submitted(const AuditEntry& e) {
  if (e.action == "create" || e.action == "submit") return true;
  return e.action == "update" && e.after.find(R"("workflow":"submitted")") != std::string::npos &&
         e.before.find(R"("workflow":"submitted")") == std::string::npos;
}

// An audit entry that changed what a record says (an edit of a report, an update): not
// a step of the workflow alone (as stores before schema 5 wrote those, as updates).
bool edited(const AuditEntry& e) {
  if (e.action != "update") return false;
  auto before = nlohmann::json::parse(e.before, nullptr, false);
  auto after = nlohmann::json::parse(e.after, nullptr, false);
  if (before.is_discarded() || after.is_discarded()) return true;
  for (auto* j : {&before, &after})
    if (j->is_object()) j->erase("workflow");
  return before != after;
}

}  // namespace

void Registry::check_four_eyes(const EntitySpec& spec, const std::string& id, const Actor& who) {
  if (setting(kFourEyes) == "off") return;
  for (const auto& e : m_backend->audit(std::string(spec.name), id))
    if (e.actor == who.user && (filed_or_submitted(e) || edited(e)))
      throw core::Forbidden(std::string(spec.name) + " \"" + id + "\" was " +
                            (e.action == "create"   ? "filed"
                             : e.action == "submit" ? "submitted"
                             : edited(e)            ? "edited"
                                                    : "submitted") +
                            " by " + who.user +
                            ": another verifier approves it (four eyes; a one-person office "
                            "turns this off with minemap settings STORE four_eyes off)");
}

TransitionResult Registry::transition(const EntitySpec& spec, const std::string& id, Step step,
                                      const std::string& reason, const Actor& who,
                                      const std::string& expected_version) {
  const std::string action(to_string(step));
  const int needs = role_rank(step == Step::Submit ? "data_entry" : "verifier");
  if (role_rank(who.role) < needs)
    throw core::Forbidden("the role " + who.role + " may not " + action + " (" +
                          std::string(kRoles[needs]) + " or above)");
  if (!spec.field_report)
    throw core::InputError("ENTITY", std::string(spec.name) + " are not reviewed");
  if (step == Step::Reject && reason.empty())
    throw core::InputError("reason", "a rejection says why");
  TransitionResult res;
  res.id = id;
  res.workflow = step_ends_in(step);
  atomically([&] {
    auto rec = m_backend->get(spec, id, false);
    if (!rec) throw core::NotFound(std::string(spec.name) + " \"" + id + "\" not found");
    if (!expected_version.empty())
      check_version(spec, id, expected_version, m_backend->audit(std::string(spec.name), id));
    const std::string from = rec->workflow;
    if (!step_starts_from(step, from))
      throw core::Conflict(std::string(spec.name) + " \"" + id + "\" is " + from +
                           ": it cannot be " + (step == Step::Submit ? "submitted" : res.workflow));
    // The children in the report's state move with it; a draft or rejected child of a
    // submitted report stays where it is, for its own review.
    std::vector<std::string> kids;
    const EntitySpec* child = core::children_of(spec);
    if (child) {
      ListQuery q;
      q.where = {{std::string(child->parent_ref), {id}}};
      m_backend->for_each(*child, q, [&](const Record& c) {
        if (c.workflow == from) kids.push_back(c.id);
      });
    }
    if (step == Step::Approve) {
      check_four_eyes(spec, id, who);
      for (const auto& k : kids) check_four_eyes(*child, k, who);
    }
    const std::string why = reason.empty() ? action : reason;
    write_update(spec, id, {}, res.workflow, who, action, why);
    for (const auto& k : kids) write_update(*child, k, {}, res.workflow, who, action, why);
    res.children = std::move(kids);
  });
  return res;
}

std::string Registry::setting(std::string_view key) {
  if (key != kFourEyes)
    throw core::InputError("KEY", "no setting \"" + std::string(key) + "\" (four_eyes)");
  return m_backend->setting(std::string(key)).value_or("on");
}

void Registry::set_setting(std::string_view key, const std::string& value,
                           const std::string& reason, const Actor& who) {
  if (role_rank(who.role) < role_rank("admin"))
    throw core::Forbidden("the role " + who.role + " may not change the store's settings");
  const std::string before = setting(key);
  if (value != "on" && value != "off")
    throw core::InputError("VALUE", "\"" + value + "\" is not on or off");
  atomically([&] {
    const bool known = m_backend->setting(std::string(key)).has_value();
    m_backend->put_setting(std::string(key), value);
    append_audit("settings", std::string(key), known ? "update" : "create", reason,
                 known ? setting_audit_json(std::string(key), before) : std::string(),
                 setting_audit_json(std::string(key), value), who);
  });
}

Record Registry::get(const EntitySpec& spec, const std::string& id) {
  auto r = find(spec, id);
  if (!r) throw core::NotFound(std::string(spec.name) + " \"" + id + "\" not found");
  return *r;
}

std::optional<Record> Registry::find(const EntitySpec& spec, const std::string& id) {
  return m_backend->get(spec, id, false);
}

void Registry::for_each(const EntitySpec& spec, const ListQuery& q,
                        const std::function<void(const Record&)>& fn) {
  m_backend->for_each(spec, q, fn);
}

void Registry::for_each_geometry(
    const EntitySpec& spec, const ListQuery& q,
    const std::function<void(const std::string&, const core::Geometry&)>& fn) {
  m_backend->for_each_geometry(spec, q, fn);
}

void Registry::scan(const EntitySpec& spec, const ListQuery& q,
                    const std::vector<std::string>& columns,
                    const std::function<void(const ScanRow&)>& fn) {
  m_backend->scan(spec, q, columns, fn);
}

std::int64_t Registry::count(const core::EntitySpec& spec) {
  return m_backend->count(spec, false);
}

std::int64_t Registry::data_version() {
  if (auto v = m_backend->data_version()) return *v;
  auto last = m_backend->last_audit();
  return last ? last->seq : 0;
}

std::vector<Record> Registry::list(const EntitySpec& spec, const ListQuery& q) {
  std::vector<Record> out;
  m_backend->for_each(spec, q, [&](const Record& r) { out.push_back(r); });
  return out;
}

std::vector<AuditEntry> Registry::history(const EntitySpec& spec, const std::string& id) {
  if (!m_backend->deleted_state(spec, id))
    throw core::NotFound(std::string(spec.name) + " \"" + id + "\" not found");
  return m_backend->audit(std::string(spec.name), id);
}

std::vector<StatusChange> Registry::status_history(const std::string& hazard_id) {
  return m_backend->status_history(hazard_id);
}

std::optional<std::string> Registry::verify_audit() {
  ChainChecker chain;
  std::optional<std::string> first;
  m_backend->for_each_audit([&](const AuditEntry& e) {
    auto problem = chain.feed(e);
    if (problem && !first) first = std::move(problem);
  });
  return first;
}

IntegrityReport Registry::verify(const VerifyOptions& opt) {
  return verify_store(*m_backend, opt);
}

IntegrityReport Registry::quick_check() {
  return store::quick_check(*m_backend);
}

Checkpoint Registry::checkpoint(const std::string& secret_key, const Actor& who) {
  Checkpoint c;
  atomically([&] {
    auto last = m_last_audit ? m_last_audit : m_backend->last_audit();
    c = sign_checkpoint(last ? last->seq : 0, last ? last->hash : std::string(),
                        m_backend->store_id(), secret_key);
    m_backend->add_checkpoint(c);
    append_audit("checkpoints", c.id, "create", "", "", checkpoint_json(c), who);
  });
  return c;
}

ChainHead Registry::head() {
  auto last = m_backend->last_audit();
  return last ? ChainHead{last->seq, last->hash} : ChainHead{};
}

}  // namespace minemap::store
