// Every API of `minemap serve` over one store: signing in, OGC API - Features, data entry,
// analyses and vector tiles, sharing the store and its lock. `serve` installs it on a
// bound server; the handler fuzzer drives the same routes without a socket.
#pragma once

#include <mutex>

#include "http/analysis_api.hpp"
#include "http/auth.hpp"
#include "http/entry.hpp"
#include "http/features.hpp"
#include "http/limits.hpp"
#include "http/server.hpp"
#include "http/tiles.hpp"
#include "store/registry.hpp"

namespace minemap::http {

struct ServiceOptions {
  AuthOptions auth;
  FeaturesOptions features;
  InputLimits input;
  TilesOptions tiles;
};

class Service {
 public:
  Service(store::Registry& store, const ServiceOptions& opt = {});
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Adds every route to `s`.
  void install(Server& s);
  Auth& auth() { return m_auth; }

 private:
  std::mutex m_mutex;  // one request at a time uses the store
  Auth m_auth;
  FeaturesApi m_features;
  EntryApi m_entry;
  AnalysisApi m_analyses;
  TilesApi m_tiles;
};

}  // namespace minemap::http
