// OGC API - Features - Part 1: Core (OGC 17-069r4) over the store: the landing page,
// conformance, the collections (one per spatial entity) and their items as GeoJSON,
// with bbox, datetime, limit and offset. Read-only; approved data only. Accidents
// carry their victims; the victims' personal data only for a signed-in session
// whose role enters or checks it (data_entry and above).
#pragma once

#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "http/auth.hpp"
#include "http/server.hpp"
#include "store/registry.hpp"

namespace minemap::http {

struct FeaturesOptions {
  std::string title = "minemap";
  std::int64_t default_limit = 100;
  std::int64_t max_limit = 10000;
  // The address clients reach the server at (serve --public-url, behind a proxy): the
  // links of every response start with it. Empty: the request's Host, when well formed.
  std::string public_url;
};

class FeaturesApi {
 public:
  // The store is used from the server's worker threads one request at a time.
  // Without `auth`, no request sees personal data.
  FeaturesApi(store::Registry& store, std::mutex& store_mutex, FeaturesOptions opt = {},
              Auth* auth = nullptr);

  // Adds the routes: /, /conformance, /api, /collections, /collections/{id},
  // /collections/{id}/queryables, /collections/{id}/items, /collections/{id}/items/{fid}.
  void install(Server& s);

  Response landing(const Request& r) const;
  Response conformance(const Request& r) const;
  Response api(const Request& r) const;  // OpenAPI 3.0
  Response collections(const Request& r) const;
  Response collection(const Request& r, const std::string& id) const;
  // The collection's queryables (OGC API - Features - Part 3): the fields items accepts
  // as query parameters, as JSON Schema.
  Response queryables(const Request& r, const std::string& id) const;
  Response items(const Request& r, const std::string& id) const;
  Response item(const Request& r, const std::string& id, const std::string& fid) const;

 private:
  Response geopackage(const core::EntitySpec& spec, const store::ListQuery& q, bool personal) const;
  bool sees_personal(const Request& r) const;
  // An approved accident's approved victims (store mutex held).
  nlohmann::json victims_of(const std::string& accident_id, bool personal) const;
  nlohmann::json feature(const core::EntitySpec& spec, const core::Record& rec,
                         bool personal) const;

  store::Registry& m_store;
  std::mutex& m_mutex;
  FeaturesOptions m_opt;
  Auth* m_auth;
};

// The collections the API offers: every entity with a geometry.
bool is_feature_collection(const std::string& entity_name);

}  // namespace minemap::http
