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
