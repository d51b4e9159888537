#include "http/analysis_api.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/reliability.hpp"
#include "core/errors.hpp"
#include "geo/geojson.hpp"
#include "http/params.hpp"
#include "io/records_input.hpp"
#include "ops/reliability.hpp"
#include "ops/signals.hpp"
#include "render/signals.hpp"

namespace minemap::http {

AnalysisApi::AnalysisApi(store::Registry& store, std::mutex& store_mutex, Auth& auth)
    : m_store(store), m_mutex(store_mutex), m_auth(auth) {}

namespace {

using nlohmann::json;

double parse_metres(const std::string& name, const std::string& text) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || !std::isfinite(v))
    throw core::InputError(name, "\"" + text + "\" is not a number of metres");
  return v;
}

int parse_year(const std::string& name, const std::string& text) {
  std::int64_t y = parse_int(name, text);
  if (y < 1900 || y > 2100) throw core::InputError(name, "a year from 1900 to 2100 expected");
  return static_cast<int>(y);
}

// The parameters of a signal query, by the names the API gives them; each checked.
struct SignalQuery {
  analysis::SignalParams params;
  int until = 0;
  void set(const std::string& name, const std::string& value) {
    if (name == "eps")
      params.eps_m = parse_metres(name, value);
    else if (name == "buffer")
      params.buffer_m = parse_metres(name, value);
    else if (name == "min_points")
      params.min_points = static_cast<int>(std::min<std::int64_t>(parse_int(name, value), 1001));
    else if (name == "until")
      until = parse_year(name, value);
    else
      throw core::InputError(name, "not a parameter of signals: eps, min_points, buffer or until");
  }
  void check() const {
    try {
      analysis::check_signal_params(params);
    } catch (const core::InputError& e) {
      // The options' names of the command line, as the API names them.
      const std::string& cli = e.field();
      std::string field = cli == "--min-points" ? "min_points" : cli.substr(2);
      throw core::InputError(field, std::string(e.what()).substr(cli.size() + 2));
    }
  }
};

}  // namespace

void AnalysisApi::install(Server& s) {
  s.route("GET", "/api/records/([A-Za-z0-9_.-]+)/reliability",
          [this](const Request& r) { return reliability(r, r.captures.at(0)); });
  s.route("GET", "/api/signals", [this](const Request& r) { return signals(r); });
  s.route("POST", "/api/signals/drafts", [this](const Request& r) { return signal_draft(r); });
}

Response AnalysisApi::signals(const Request& r) {
  m_auth.require(r, "viewer", false);
  SignalQuery q;
  for (const auto& [name, value] : r.query) q.set(name, value);
  q.check();
  ops::Signals found = ops::signals(m_store, q.params, q.until, &m_mutex);
  json out = render::signals_geojson(found.input.events, found.areas);
  out["parameters"] = {{"eps", q.params.eps_m},
                       {"min_points", q.params.min_points},
                       {"buffer", q.params.buffer_m},
                       {"until", q.until ? json(q.until) : json(nullptr)}};
  out["evidence"] = {{"accidents", found.input.accidents},
                     {"items", found.input.items},
                     {"in_open_hazards", found.input.in_hazards},
                     {"in_land_released_since", found.input.released},
                     {"left", found.input.events.size()}};
  return json_response(out);
}

Response AnalysisApi::signal_draft(const Request& r) {
  Session who = m_auth.require(r, "data_entry", true);
  json body = io::parse_json(r.body, "body", 4);
  if (!body.is_object()) throw core::InputError("body", "a JSON object expected");
  SignalQuery q;
  std::set<std::string> wanted;
  for (const auto& [name, value] : body.items()) {
    if (name == "evidence") {
      if (!value.is_array() || value.empty() || value.size() > 100'000)
        throw core::InputError("evidence", "an array of the signal's accident and item ids");
      for (const auto& id : value) {
        if (!id.is_string()) throw core::InputError("evidence", "ids are strings");
        wanted.insert(id.get<std::string>());
      }
    } else if (value.is_number()) {
      q.set(name,
            value.is_number_integer() ? std::to_string(value.get<std::int64_t>()) : value.dump());
    } else if (!(value.is_null() && name == "until")) {
      q.set(name, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  if (wanted.empty()) throw core::InputError("evidence", "the signal's accident and item ids");
  q.check();
  // Found again (the store read under the lock, the areas made without it), then written.
  ops::Signals found = ops::signals(m_store, q.params, q.until, &m_mutex);
  std::string id;
  {
    auto same = [&](const analysis::SignalArea& a) {
      if (a.evidence.size() != wanted.size()) return false;
      for (std::size_t i : a.evidence)
        if (!wanted.count(found.input.events[i].id)) return false;
      return true;
    };
    auto it = std::find_if(found.areas.begin(), found.areas.end(), same);
    if (it == found.areas.end())
      throw core::Conflict(
          "evidence: these events no longer form one signal (the store changed since): load the "
          "signals again");
    ops::Signals one{std::move(found.input), {*it}};
    std::lock_guard lock(m_mutex);
    id = ops::create_signal_drafts(m_store, one, store::Actor{who.user, who.role}).front();
  }
  return json_response({{"id", id}, {"workflow", "draft"}}, 201);
}

Response AnalysisApi::reliability(const Request& r, const std::string& id) {
  m_auth.require(r, "viewer", false);
  // The options of `minemap reliability` without flags, so that both give the same.
  const auto got = ops::assess_store_records(m_store, ops::StoreSelection{id, "", false},
                                             analysis::ReliabilityOptions{}, &m_mutex);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& result : got.results) out.push_back(analysis::to_json(result));
  Response res;
  res.body = geo::to_text(out);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

}  // namespace minemap::http
