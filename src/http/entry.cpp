#include "http/entry.hpp"

#include <nlohmann/json.hpp>

#include "analysis/dashboard.hpp"
#include "analysis/stats.hpp"
#include "core/errors.hpp"
#include "geo/geojson.hpp"
#include "http/params.hpp"
#include "io/records_input.hpp"
#include "io/render.hpp"
#include "store/stats_input.hpp"

namespace minemap::http {

namespace {

using nlohmann::json;

Response json_response(const json& j, int status = 200) {
  Response r;
  r.status = status;
  r.body = j.dump();
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

core::Record one_record(const std::string& text, const std::string& where) {
  auto recs = io::parse_records(text, where);
  if (recs.size() != 1) throw core::InputError(where, "one record expected");
  return std::move(recs[0].record);
}

}  // namespace

EntryApi::EntryApi(store::Registry& store, std::mutex& store_mutex, Auth& auth)
    : m_store(store), m_mutex(store_mutex), m_auth(auth) {}

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
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    throw core::InputError("body", "a JSON object (or a GeoJSON Feature) expected");
  json victims = json::array();
  if (spec.kind == core::Entity::Accident) {
    json* props =
        body.contains("properties") && body["properties"].is_object() ? &body["properties"] : &body;
    if (props->contains("victims")) {
      victims = (*props)["victims"];
      props->erase("victims");
      if (!victims.is_array()) throw core::InputError("victims", "an array expected");
    }
  }
  core::Record rec = one_record(body.dump(), "body");
  rec.workflow = "draft";
  store::Actor actor{who.user};
  json out;
  {
    std::lock_guard lock(m_mutex);
    m_store.transaction([&] {
      auto res = m_store.add(spec, rec, actor);
      out = {{"id", res.id}, {"workflow", "draft"}, {"repairs", res.repairs}};
      json victim_ids = json::array();
      for (std::size_t i = 0; i < victims.size(); ++i) {
        std::string where = "victims[" + std::to_string(i) + "]";
        if (!victims[i].is_object()) throw core::InputError(where, "an object expected");
        core::Record v = one_record(victims[i].dump(), where);
        v.fields["accident_id"] = res.id;
        v.workflow = "draft";
        try {
          victim_ids.push_back(m_store.add(core::spec(core::Entity::Victim), v, actor).id);
        } catch (const core::InputError& e) {
          throw e.located(where);
        }
      }
      if (!victims.empty()) out["victims"] = victim_ids;
    });
  }
  return json_response(out, 201);
}

Response EntryApi::list(const Request& r, const std::string& entity) {
  Session who = m_auth.require(r, "viewer", false);
  const core::EntitySpec& spec = readable_spec(entity);
  store::ListQuery q;
  if (auto w = r.param("workflow")) q.where.push_back({"workflow", {*w}});
  q.limit = 1000;
  if (auto o = r.param("offset")) q.offset = parse_int("offset", *o);
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
  {
    std::lock_guard lock(m_mutex);
    rec = m_store.find(spec, id);
    if (rec)
      for (const auto& e : m_store.history(spec, id))
        history.push_back(
            {{"ts", e.ts}, {"actor", e.actor}, {"action", e.action}, {"reason", e.reason}});
  }
  if (!rec) throw core::NotFound(entity + " \"" + id + "\" not found");
  json j = geo::record_to_json(spec, *rec, sees_personal(who));
  j["history"] = std::move(history);
  return json_response(j);
}

Response EntryApi::transition(const Request& r, const std::string& entity, const std::string& id,
                              const std::string& action) {
  const bool verifying = action != "submit";
  Session who = m_auth.require(r, verifying ? "verifier" : "data_entry", true);
  const core::EntitySpec& spec = writable_spec(entity);
  std::string reason;
  if (!r.body.empty()) {
    json body = json::parse(r.body, nullptr, false);
    if (body.is_object()) reason = body.value("reason", "");
  }
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
      // An accident's victims follow it through the workflow.
      if (spec.kind == core::Entity::Accident) {
        const auto& vs = core::spec(core::Entity::Victim);
        store::ListQuery q;
        q.where = {{"accident_id", {id}}};
        for (const auto& v : m_store.list(vs, q))
          if (v.workflow != to)
            m_store.update(vs, v.id, patch, actor, reason.empty() ? action : reason);
      }
    });
  }
  return json_response({{"id", id}, {"workflow", to}});
}

Response EntryApi::dashboard(const Request&) {
  analysis::Dashboard d;
  {
    std::lock_guard lock(m_mutex);
    d = analysis::dashboard(store::load_stats_input(m_store));
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
    s = analysis::compute_stats(store::load_stats_input(m_store), {});
  }
  Response out;
  out.body = io::stats_json(s, -1);
  return out;
}

}  // namespace minemap::http
