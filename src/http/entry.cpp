#include "http/entry.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "analysis/dashboard.hpp"
#include "analysis/stats.hpp"
#include "core/errors.hpp"
#include "geo/geodesy.hpp"
#include "geo/geojson.hpp"
#include "geo/geometry_ops.hpp"
#include "http/limits.hpp"
#include "http/params.hpp"
#include "io/records_input.hpp"
#include "ops/stats.hpp"
#include "render/render.hpp"

namespace minemap::http {

namespace {

using nlohmann::json;

Response json_response(const json& j, int status = 200) {
  Response r;
  r.status = status;
  r.body = geo::to_text(j);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// Entities the forms write: field reports (not derived layers, users or gazetteer).
const core::EntitySpec& writable_spec(const std::string& name) {
  static const char* kWritable[] = {"hazards",   "activities", "releases",     "items",
                                    "accidents", "victims",    "organisations"};
  for (const char* w : kWritable)
    if (name == w) return core::spec_by_name(name);
  throw core::NotFound("no entity \"" + name + "\" to write");
}

const core::EntitySpec& readable_spec(const std::string& name) {
  for (const auto& s : core::entities())
    if (s.name == name) return s;
  throw core::NotFound("no entity \"" + name + "\"");
}

// Personal data (victims' names, ages ...) is for those who enter and check it.
bool sees_personal(const Session& s) {
  return role_rank(s.role) >= role_rank("data_entry");
}

// Records filed with their parent in one request, and carried with it through the
// workflow: an accident's victims, an activity's land released.
struct Children {
  const char* key;         // the array in the parent's body: "victims"
  core::Entity entity;     // what it holds
  const char* parent_ref;  // the field naming the parent: "accident_id"
};

std::optional<Children> children_of(const core::EntitySpec& spec) {
  if (spec.kind == core::Entity::Accident)
    return Children{"victims", core::Entity::Victim, "accident_id"};
  if (spec.kind == core::Entity::Activity)
    return Children{"releases", core::Entity::Release, "activity_id"};
  return std::nullopt;
}

// Land released is land of the activity's hazard: a polygon drawn beside it is a mistake.
void check_release_meets_hazard(store::Registry& st, const std::string& release_id) {
  auto lr = st.get(core::spec(core::Entity::Release), release_id);
  auto hazard_id = lr.text("hazard_id").value_or("");
  auto hz = st.find(core::spec(core::Entity::Hazard), hazard_id);
  if (!hz || hz->geometry.type == core::GeomType::None) return;
  if (geo::area_m2(geo::intersection(hz->geometry, lr.geometry)) < 1.0)
    throw core::InputError("geometry",
                           "the land released lies outside its hazard \"" + hazard_id + "\"");
}

core::Record one_record(const json& j, const std::string& where, const InputLimits& limits) {
  auto recs = io::records_from_json(j, where);
  if (recs.size() != 1) throw core::InputError(where, "one record expected");
  check_limits(recs[0].record, limits);
  return std::move(recs[0].record);
}

// The optional {"reason": "..."} of a workflow step.
std::string reason_of(const Request& r, const InputLimits& limits) {
  if (r.body.empty()) return "";
  json body = io::parse_json(r.body, "body", limits.json_depth);
  if (!body.is_object()) throw core::InputError("body", "a JSON object {\"reason\"} expected");
  auto it = body.find("reason");
  if (it == body.end() || it->is_null()) return "";
  if (!it->is_string()) throw core::InputError("reason", "a string expected");
  std::string reason = it->get<std::string>();
  check_text("reason", reason, limits);
  return reason;
}

}  // namespace

EntryApi::EntryApi(store::Registry& store, std::mutex& store_mutex, Auth& auth, InputLimits limits)
    : m_store(store), m_mutex(store_mutex), m_auth(auth), m_limits(limits) {}

void EntryApi::install(Server& s) {
  s.route("GET", "/api/stats", [this](const Request& r) { return stats(r); });
  s.route("GET", "/api/dashboard", [this](const Request& r) { return dashboard(r); });
  s.route("POST", "/api/([a-z-]+)",
          [this](const Request& r) { return create(r, r.captures.at(0)); });
  s.route("GET", "/api/([a-z-]+)", [this](const Request& r) { return list(r, r.captures.at(0)); });
  s.route("GET", "/api/([a-z-]+)/([A-Za-z0-9_.-]+)",
          [this](const Request& r) { return get(r, r.captures.at(0), r.captures.at(1)); });
  s.route("POST", "/api/([a-z-]+)/([A-Za-z0-9_.-]+)/(submit|approve|reject)",
          [this](const Request& r) {
            return transition(r, r.captures.at(0), r.captures.at(1), r.captures.at(2));
          });
}

Response EntryApi::create(const Request& r, const std::string& entity) {
  Session who = m_auth.require(r, "data_entry", true);
  const core::EntitySpec& spec = writable_spec(entity);
  json body = io::parse_json(r.body, "body", m_limits.json_depth);
  if (!(body.is_object() || body.is_array()))
    throw core::InputError("body", "a JSON object, an array or GeoJSON expected");
  // Many records at once (an array or a FeatureCollection): all of them, or none.
  const auto type = body.is_object() ? body.find("type") : body.end();
  const bool many = body.is_array() || (type != body.end() && *type == "FeatureCollection");
  if (many) {
    auto recs = io::records_from_json(body, "body");
    for (std::size_t i = 0; i < recs.size(); ++i) {
      try {
        check_limits(recs[i].record, m_limits);
      } catch (const core::InputError& e) {
        throw e.located(entity + "[" + std::to_string(i) + "]");
      }
    }
    store::Actor actor{who.user};
    json ids = json::array(), repairs = json::array();
    {
      std::lock_guard lock(m_mutex);
      m_store.transaction([&] {
        for (std::size_t i = 0; i < recs.size(); ++i) {
          recs[i].record.workflow = "draft";
          try {
            auto res = m_store.add(spec, std::move(recs[i].record), actor);
            if (spec.kind == core::Entity::Release) check_release_meets_hazard(m_store, res.id);
            ids.push_back(res.id);
            for (auto& note : res.repairs) repairs.push_back(std::move(note));
          } catch (const core::InputError& e) {
            throw e.located(entity + "[" + std::to_string(i) + "]");
          }
        }
      });
    }
    return json_response({{"ids", ids}, {"workflow", "draft"}, {"repairs", repairs}}, 201);
  }
  const auto kids = children_of(spec);
  json children = json::array();
  if (kids) {
    json* props =
        body.contains("properties") && body["properties"].is_object() ? &body["properties"] : &body;
    if (props->contains(kids->key)) {
      children = (*props)[kids->key];
      props->erase(kids->key);
      if (!children.is_array()) throw core::InputError(kids->key, "an array expected");
    }
  }
  core::Record rec = one_record(body, "body", m_limits);
  rec.workflow = "draft";
  store::Actor actor{who.user};
  json out;
  {
    std::lock_guard lock(m_mutex);
    m_store.transaction([&] {
      auto res = m_store.add(spec, rec, actor);
      if (spec.kind == core::Entity::Release) check_release_meets_hazard(m_store, res.id);
      out = {{"id", res.id}, {"workflow", "draft"}, {"repairs", res.repairs}};
      json child_ids = json::array();
      for (std::size_t i = 0; i < children.size(); ++i) {
        std::string where = std::string(kids->key) + "[" + std::to_string(i) + "]";
        if (!children[i].is_object()) throw core::InputError(where, "an object expected");
        core::Record c = one_record(children[i], where, m_limits);
        try {
          c.fields[kids->parent_ref] = res.id;
          c.workflow = "draft";
          auto made = m_store.add(core::spec(kids->entity), c, actor);
          if (kids->entity == core::Entity::Release) check_release_meets_hazard(m_store, made.id);
          child_ids.push_back(made.id);
          for (auto& note : made.repairs) out["repairs"].push_back(where + ": " + note);
        } catch (const core::InputError& e) {
          throw e.located(where);
        }
      }
      if (!children.empty()) out[kids->key] = child_ids;
    });
  }
  return json_response(out, 201);
}

Response EntryApi::list(const Request& r, const std::string& entity) {
  Session who = m_auth.require(r, "viewer", false);
  const core::EntitySpec& spec = readable_spec(entity);
  store::ListQuery q;
  q.limit = 1000;
  // Every other parameter filters on a field: `hazard_id=HZ-000001`; repeated, any of
  // its values matches.
  std::map<std::string, std::vector<std::string>> where;
  for (const auto& [name, value] : r.query) {
    if (name == "offset") {
      q.offset = parse_int("offset", value);
      if (q.offset < 0) throw core::InputError("offset", "0 or more expected");
      continue;
    }
    if (name == "limit") {
      auto n = parse_int("limit", value);
      if (n < 1 || n > 1000) throw core::InputError("limit", "1 to 1000 expected");
      q.limit = n;
      continue;
    }
    const core::FieldSpec* f = spec.field(name);
    if (!f && name != "id" && name != core::kWorkflowField)
      throw core::InputError(name, "no such field in " + entity +
                                       " (filter on a field of the data model, offset or limit)");
    if (f && f->personal && !sees_personal(who))
      throw core::InputError(name, "personal data: not a filter for your role");
    where[name].push_back(value);
  }
  for (auto& [name, values] : where) q.where.push_back({name, std::move(values)});
  json items = json::array();
  {
    std::lock_guard lock(m_mutex);
    m_store.for_each(spec, q, [&](const core::Record& rec) {
      items.push_back(geo::record_to_json(spec, rec, sees_personal(who)));
    });
  }
  return json_response({{"entity", entity}, {"records", items}});
}

Response EntryApi::get(const Request& r, const std::string& entity, const std::string& id) {
  Session who = m_auth.require(r, "viewer", false);
  const core::EntitySpec& spec = readable_spec(entity);
  std::optional<core::Record> rec;
  json history = json::array();
  json statuses = json::array();
  {
    std::lock_guard lock(m_mutex);
    rec = m_store.find(spec, id);
    if (rec) {
      for (const auto& e : m_store.history(spec, id))
        history.push_back(
            {{"ts", e.ts}, {"actor", e.actor}, {"action", e.action}, {"reason", e.reason}});
      if (spec.kind == core::Entity::Hazard)
        for (const auto& c : m_store.status_history(id))
          statuses.push_back({{"date", c.date}, {"status", c.status}, {"reason", c.reason}});
    }
  }
  if (!rec) throw core::NotFound(entity + " \"" + id + "\" not found");
  json j = geo::record_to_json(spec, *rec, sees_personal(who));
  j["history"] = std::move(history);
  if (spec.kind == core::Entity::Hazard) j["status_history"] = std::move(statuses);
  return json_response(j);
}

Response EntryApi::transition(const Request& r, const std::string& entity, const std::string& id,
                              const std::string& action) {
  const bool verifying = action != "submit";
  Session who = m_auth.require(r, verifying ? "verifier" : "data_entry", true);
  const core::EntitySpec& spec = writable_spec(entity);
  const std::string reason = reason_of(r, m_limits);
  if (action == "reject" && reason.empty())
    throw core::InputError("reason", "a rejection says why");
  const std::string to = action == "submit"    ? "submitted"
                         : action == "approve" ? "approved"
                                               : "rejected";
  store::Actor actor{who.user};
  {
    std::lock_guard lock(m_mutex);
    auto rec = m_store.find(spec, id);
    if (!rec) throw core::NotFound(entity + " \"" + id + "\" not found");
    const std::string& from = rec->workflow;
    bool allowed =
        action == "submit" ? (from == "draft" || from == "rejected") : from == "submitted";
    if (!allowed)
      throw core::Conflict(entity + " \"" + id + "\" is " + from + ": it cannot be " +
                           (action == "submit" ? "submitted" : to));
    m_store.transaction([&] {
      core::Record patch;
      patch.workflow = to;
      m_store.update(spec, id, patch, actor, reason.empty() ? action : reason);
      // An accident's victims, an activity's land released follow it through the workflow.
      if (auto kids = children_of(spec)) {
        const auto& cs = core::spec(kids->entity);
        store::ListQuery q;
        q.where = {{kids->parent_ref, {id}}};
        for (const auto& c : m_store.list(cs, q))
          if (c.workflow != to)
            m_store.update(cs, c.id, patch, actor, reason.empty() ? action : reason);
      }
    });
  }
  return json_response({{"id", id}, {"workflow", to}});
}

Response EntryApi::dashboard(const Request&) {
  analysis::Dashboard d;
  {
    std::lock_guard lock(m_mutex);
    d = ops::dashboard(m_store);
  }
  json j = {{"casualties", d.casualties},
            {"released_m2", d.released},
            {"items_by_category", d.items_by_category},
            {"hazard_area_m2", d.hazard_area_m2},
            {"remaining_m2", d.remaining_m2},
            {"remaining_by_status_m2", d.remaining_by_status_m2}};
  return json_response(j);
}

Response EntryApi::stats(const Request&) {
  analysis::Stats s;
  {
    std::lock_guard lock(m_mutex);
    s = ops::stats(m_store);
  }
  Response out;
  out.body = render::stats_json(s, -1);
  return out;
}

}  // namespace minemap::http
