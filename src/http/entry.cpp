#include "http/entry.hpp"

#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "analysis/dashboard.hpp"
#include "analysis/period.hpp"
#include "analysis/stats.hpp"
#include "core/errors.hpp"
#include "geo/geojson.hpp"
#include "http/encoding.hpp"
#include "http/limits.hpp"
#include "http/params.hpp"
#include "io/records_input.hpp"
#include "ops/lookup.hpp"
#include "ops/reports.hpp"
#include "ops/stats.hpp"
#include "render/render.hpp"

namespace minemap::http {

namespace {

using nlohmann::json;

// Entities the forms write: field reports (not derived layers, users or gazetteer).
const core::EntitySpec& writable_spec(const std::string& name) {
  for (const auto& s : core::entities())
    if (s.name == name && s.field_report) return s;
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

// What a report changed since its last rejection, for the review.
json since_rejection_json(const ops::SinceRejection& s) {
  json changes = json::array();
  for (const auto& c : s.changes)
    changes.push_back({{"field", c.field},
                       {"before", geo::value_to_json(c.before)},
                       {"after", geo::value_to_json(c.after)}});
  if (s.geometry_changed) changes.push_back({{"field", "geometry"}});
  return {{"rejected", s.rejected}, {"by", s.by}, {"reason", s.reason}, {"changes", changes}};
}

// If-Match: the version a change was made from (GET's ETag); `*` or none: the latest.
std::string if_match_version(const Request& r) {
  const std::string if_match = header_list(r, "If-Match");
  if (if_match.empty() || if_match == "*") return {};
  std::string_view t = if_match;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.size() < 3 || t.front() != '"' || t.back() != '"' || t.find(',') != std::string_view::npos)
    throw core::InputError("If-Match", "one entity tag (\"...\", as GET sent in ETag) expected");
  return std::string(t.substr(1, t.size() - 2));
}

}  // namespace

EntryApi::EntryApi(store::Registry& store, std::mutex& store_mutex, Auth& auth, InputLimits limits)
    : m_store(store),
      m_mutex(store_mutex),
      m_auth(auth),
      m_limits(limits),
      m_location(store.location()),
      m_stats(
          [this](std::int64_t version) { return build_stats(version); },
          [](const std::string& line) { std::cerr << "minemap serve: " << line << std::endl; }) {}

EntryApi::~EntryApi() {
  m_stats.stop();
}

std::shared_ptr<const analysis::Stats> EntryApi::build_stats(std::int64_t version) {
  (void)version;  // the read below begins after it was read: it holds at least that
  std::lock_guard one_at_a_time(large_build_mutex());
  if (!m_reader) {
    try {
      m_reader.emplace(store::Registry::open(m_location, false));
    } catch (const std::exception&) {
      // A store that cannot be opened twice: through the server's connection, under its
      // lock.
      std::lock_guard lock(m_mutex);
      return std::make_shared<const analysis::Stats>(ops::stats(m_store));
    }
  }
  try {
    return std::make_shared<const analysis::Stats>(ops::stats(*m_reader));
  } catch (...) {
    m_reader.reset();  // opened afresh for the next try
    throw;
  }
}

void EntryApi::install(Server& s) {
  s.route("GET", "/api/stats", [this](const Request& r) { return stats(r); });
  s.route("GET", "/api/dashboard", [this](const Request& r) { return dashboard(r); });
  // The data model as `minemap schema --json` gives it: the web app's lists derive from it.
  s.route("GET", "/api/schema", [](const Request&) {
    Response out;
    out.body = render::schema_json();
    return out;
  });
  s.route("GET", "/api/my-reports", [this](const Request& r) { return my_reports(r); });
  s.route("GET", "/api/names", [this](const Request& r) { return names(r); });
  s.route("GET", "/api/hazards/([A-Za-z0-9_.-]+)/accidents",
          [this](const Request& r) { return hazard_accidents(r, r.captures.at(0)); });
  s.route("POST", "/api/([a-z-]+)",
          [this](const Request& r) { return create(r, r.captures.at(0)); });
  s.route("PATCH", "/api/([a-z-]+)/([A-Za-z0-9_.-]+)",
          [this](const Request& r) { return edit(r, r.captures.at(0), r.captures.at(1)); });
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
    store::Actor actor{who.user, who.role};
    json ids = json::array(), repairs = json::array();
    {
      std::lock_guard lock(m_mutex);
      m_store.transaction([&] {
        for (std::size_t i = 0; i < recs.size(); ++i) {
          recs[i].record.workflow = "draft";
          try {
            auto res = m_store.add(spec, std::move(recs[i].record), actor);
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
  // Children filed with their parent in one request: an accident's victims, an
  // activity's land released.
  const core::EntitySpec* kids = core::children_of(spec);
  const std::string key = kids ? std::string(spec.children_key) : "";
  json children = json::array();
  if (kids) {
    json* props =
        body.contains("properties") && body["properties"].is_object() ? &body["properties"] : &body;
    if (props->contains(key)) {
      children = (*props)[key];
      props->erase(key);
      if (!children.is_array()) throw core::InputError(key, "an array expected");
    }
  }
  core::Record rec = one_record(body, "body", m_limits);
  rec.workflow = "draft";
  store::Actor actor{who.user, who.role};
  json out;
  {
    std::lock_guard lock(m_mutex);
    m_store.transaction([&] {
      auto res = m_store.add(spec, rec, actor);
      out = {{"id", res.id}, {"workflow", "draft"}, {"repairs", res.repairs}};
      json child_ids = json::array();
      for (std::size_t i = 0; i < children.size(); ++i) {
        std::string where = key + "[" + std::to_string(i) + "]";
        if (!children[i].is_object()) throw core::InputError(where, "an object expected");
        core::Record c = one_record(children[i], where, m_limits);
        try {
          c.fields[std::string(kids->parent_ref)] = res.id;
          c.workflow = "draft";
          auto made = m_store.add(*kids, c, actor);
          child_ids.push_back(made.id);
          for (auto& note : made.repairs) out["repairs"].push_back(where + ": " + note);
        } catch (const core::InputError& e) {
          throw e.located(where);
        }
      }
      if (!children.empty()) out[key] = child_ids;
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
  std::optional<json> since;
  std::string version;
  {
    std::lock_guard lock(m_mutex);
    rec = m_store.find(spec, id);
    if (rec) {
      // One read of the audit: the history, the version (its last entry) and what
      // changed since a rejection.
      const auto entries = m_store.history(spec, id);
      if (!entries.empty()) version = entries.back().hash;
      if (spec.field_report && rec->workflow != "approved")
        if (auto s = ops::since_rejection(spec, *rec, entries)) since = since_rejection_json(*s);
      for (const auto& e : entries)
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
  if (since) j["since_rejection"] = std::move(*since);
  Response out = json_response(j);
  if (!version.empty()) out.headers.emplace_back("ETag", "\"" + version + "\"");
  return out;
}

Response EntryApi::edit(const Request& r, const std::string& entity, const std::string& id) {
  Session who = m_auth.require(r, "data_entry", true);
  const core::EntitySpec& spec = writable_spec(entity);
  json body = io::parse_json(r.body, "body", m_limits.json_depth);
  if (!body.is_object())
    throw core::InputError("body", "a JSON object or a GeoJSON Feature expected");
  core::Record patch = one_record(body, "body", m_limits);
  if (!patch.id.empty() && patch.id != id)
    throw core::InputError("id", "cannot be changed (\"" + id + "\" -> \"" + patch.id + "\")");
  const std::string expected = if_match_version(r);
  store::Actor actor{who.user, who.role};
  json out;
  std::string version;
  {
    std::lock_guard lock(m_mutex);
    auto res = m_store.edit_report(spec, id, patch, actor, expected);
    auto rec = m_store.get(spec, id);
    version = m_store.version(spec, id);
    out = geo::record_to_json(spec, rec, sees_personal(who));
    out["repairs"] = res.repairs;
  }
  Response resp = json_response(out);
  resp.headers.emplace_back("ETag", "\"" + version + "\"");
  return resp;
}

Response EntryApi::my_reports(const Request& r) {
  Session who = m_auth.require(r, "data_entry", false);
  json items = json::array();
  {
    std::lock_guard lock(m_mutex);
    for (const auto& rep : ops::reports_of(m_store, who.user)) {
      json j = geo::record_to_json(*rep.spec, rep.record, true);
      j["entity"] = std::string(rep.spec->name);
      j["filed"] = rep.filed;
      j["changed"] = rep.changed;
      if (!rep.reason.empty()) j["reason"] = rep.reason;
      items.push_back(std::move(j));
    }
  }
  return json_response({{"user", who.user}, {"reports", items}});
}

Response EntryApi::transition(const Request& r, const std::string& entity, const std::string& id,
                              const std::string& action) {
  const store::Step step = *store::step_by_name(action);
  Session who = m_auth.require(r, step == store::Step::Submit ? "data_entry" : "verifier", true);
  const core::EntitySpec& spec = writable_spec(entity);
  const std::string reason = reason_of(r, m_limits);
  store::TransitionResult res;
  {
    std::lock_guard lock(m_mutex);
    res = m_store.transition(spec, id, step, reason, store::Actor{who.user, who.role},
                             if_match_version(r));
  }
  return json_response({{"id", res.id}, {"workflow", res.workflow}});
}

Response EntryApi::dashboard(const Request& r) {
  std::string from, to;
  ops::DashboardQuery query;
  for (const auto& [name, value] : r.query) {
    if (name == "from")
      from = value;
    else if (name == "to")
      to = value;
    else if (name == "admin_area")
      query.admin_area = value;
    else if (name == "organisation")
      query.organisation = value;
    else
      throw core::InputError(name,
                             "not a filter of the dashboard: from, to, admin_area or "
                             "organisation");
  }
  query.period = analysis::parse_period(from, to, "from", "to");
  analysis::Dashboard d;
  {
    std::lock_guard lock(m_mutex);
    d = ops::dashboard(m_store, query);
  }
  json filters = json::object();
  if (!from.empty()) filters["from"] = from;
  if (!to.empty()) filters["to"] = to;
  if (!query.admin_area.empty()) filters["admin_area"] = query.admin_area;
  if (!query.organisation.empty()) filters["organisation"] = query.organisation;
  json items = json::object();
  for (const auto& [category, n] : d.items_by_category)
    items[category] = {{"found", n.found}, {"destroyed", n.destroyed}};
  const auto& f = d.figures;
  json j = {{"filters", filters},
            {"figures",
             {{"hazards_open", f.hazards_open},
              {"remaining_m2", f.remaining_m2},
              {"accidents", f.accidents},
              {"killed", f.killed},
              {"injured", f.injured},
              {"items_found", f.items_found},
              {"items_destroyed", f.items_destroyed}}},
            {"casualties", d.casualties},
            {"released_m2", d.released},
            {"items_by_category", items},
            {"remaining_by_type_m2", d.remaining_by_type_m2},
            {"hazards_by_status", d.hazards_by_status},
            {"hazard_area_m2", d.hazard_area_m2}};
  // Accidents carry no organisation: their figures stay those of every organisation.
  if (!query.organisation.empty()) j["not_by_organisation"] = {"casualties", "accidents"};
  return json_response(j);
}

Response EntryApi::names(const Request& r) {
  // Anyone may ask, as the OGC API shows approved records to anyone; only the signed in
  // see the names of records under review.
  const bool signed_in = m_auth.session(r).has_value();
  constexpr std::size_t kMostIds = 200;
  std::vector<std::string> ids;
  for (const auto& [name, value] : r.query) {
    if (name != "id") throw core::InputError(name, "not a parameter of names: id");
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      if (comma > start) ids.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
    if (ids.size() > kMostIds)
      throw core::InputError("id", "at most " + std::to_string(kMostIds) + " ids at once");
  }
  std::map<std::string, std::string> found;
  {
    std::lock_guard lock(m_mutex);
    found = ops::names_of(m_store, ids, !signed_in);
  }
  return json_response({{"names", found}});
}

Response EntryApi::hazard_accidents(const Request& r, const std::string& id) {
  Session who = m_auth.require(r, "viewer", false);
  const core::EntitySpec& accidents = core::spec(core::Entity::Accident);
  json items = json::array();
  {
    std::lock_guard lock(m_mutex);
    auto inside = ops::accidents_in_hazard(m_store, id);
    if (!inside) throw core::NotFound("hazards \"" + id + "\" not found");
    for (const auto& a : *inside)
      items.push_back(geo::record_to_json(accidents, a, sees_personal(who)));
  }
  return json_response({{"entity", "accidents"}, {"hazard", id}, {"records", items}});
}

Response EntryApi::stats(const Request&) {
  // The store's version, read when its lock is free: a write in progress (an import
  // holding it) is noticed by a request after it, as the tiles do. Figures computed
  // within 150 ms (any store but a national one) answer fresh; longer ones are computed
  // meanwhile and the previous figures answer (docs/api.md).
  constexpr std::chrono::milliseconds kPatience{150};
  std::shared_ptr<const analysis::Stats> s;
  {
    std::unique_lock lock(m_mutex, std::try_to_lock);
    if (lock) {
      const std::int64_t version = m_store.data_version();
      lock.unlock();
      s = m_stats.get_within(version, kPatience);
    }
  }
  if (!s) s = m_stats.current();
  if (!s) {
    std::int64_t version;
    {
      std::lock_guard lock(m_mutex);
      version = m_store.data_version();
    }
    s = m_stats.get(version);
  }
  Response out;
  out.body = render::stats_json(*s, -1);
  return out;
}

}  // namespace minemap::http
