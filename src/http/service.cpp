#include "http/service.hpp"

namespace minemap::http {

Service::Service(store::Registry& store, const ServiceOptions& opt)
    : m_auth(store, m_mutex, opt.auth),
      m_features(store, m_mutex, opt.features, &m_auth),
      m_entry(store, m_mutex, m_auth, opt.input),
      m_analyses(store, m_mutex, m_auth),
      m_tiles(store, m_mutex, opt.tiles) {}

void Service::install(Server& s) {
  m_auth.install(s);
  m_features.install(s);
  // Before the entries' /api/{entity} routes, which would take /api/signals.
  m_analyses.install(s);
  m_entry.install(s);
  m_tiles.install(s);
}

}  // namespace minemap::http
