#include "http/analysis_api.hpp"

#include <nlohmann/json.hpp>

#include "analysis/reliability.hpp"
#include "geo/geojson.hpp"
#include "ops/reliability.hpp"

namespace minemap::http {

AnalysisApi::AnalysisApi(store::Registry& store, std::mutex& store_mutex, Auth& auth)
    : m_store(store), m_mutex(store_mutex), m_auth(auth) {}

void AnalysisApi::install(Server& s) {
  s.route("GET", "/api/records/([A-Za-z0-9_.-]+)/reliability",
          [this](const Request& r) { return reliability(r, r.captures.at(0)); });
}

Response AnalysisApi::reliability(const Request& r, const std::string& id) {
  m_auth.require(r, "viewer", false);
  // The options of `minemap reliability` without flags, so that both give the same.
  analysis::ReliabilityOptions opt;
  ops::StoreInputs got;
  {
    std::lock_guard lock(m_mutex);
    got = ops::reliability_inputs_from_store(m_store, ops::StoreSelection{id, "", false},
                                             opt.max_shift_m + opt.tolerance_m);
  }
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < got.inputs.size(); ++i) {
    auto o = opt;
    o.seed = opt.seed + i;
    out.push_back(analysis::to_json(analysis::assess(got.inputs[i], o)));
  }
  Response res;
  res.body = geo::to_text(out);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

}  // namespace minemap::http
