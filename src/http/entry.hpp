// The application API under /api: data entry with its approval workflow (draft ->
// submitted -> approved | rejected), records of any workflow for signed-in users, and
// the summary figures. Every write is one transaction, audited with the user's name.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/auth.hpp"
#include "http/limits.hpp"
#include "http/rebuilder.hpp"
#include "http/server.hpp"
#include "ops/stats.hpp"
#include "store/registry.hpp"

namespace minemap::http {

class EntryApi {
 public:
  EntryApi(store::Registry& store, std::mutex& store_mutex, Auth& auth, InputLimits limits = {});
  ~EntryApi();  // stops the figures' builder thread (after its build in progress)
  EntryApi(const EntryApi&) = delete;
  EntryApi& operator=(const EntryApi&) = delete;

  // POST /api/{entity}                 a draft (data_entry); accidents may carry "victims",
  //                                    activities "releases"; an array (or a GeoJSON
  //                                    FeatureCollection) files many drafts at once
  // GET  /api/{entity}?FIELD=V         records of any workflow (viewer) in id order, filtered
  //                                    on any field of the entity (400 for an unknown one)
  // GET  /api/{entity}/{id}            one record with its history (a hazard: its statuses)
  // POST /api/{entity}/{id}/submit     draft or rejected -> submitted (data_entry); victims
  //                                    and releases follow their accident and activity
  // POST /api/{entity}/{id}/approve    submitted -> approved (verifier)
  // POST /api/{entity}/{id}/reject     submitted -> rejected, {"reason"} (verifier)
  // GET  /api/stats                    the summary figures of approved records (public)
  // GET  /api/dashboard                casualties per year, land released per quarter ...
  void install(Server& s);

  Response create(const Request& r, const std::string& entity);
  Response list(const Request& r, const std::string& entity);
  Response get(const Request& r, const std::string& entity, const std::string& id);
  Response edit(const Request& r, const std::string& entity, const std::string& id);
  Response my_reports(const Request& r);
  Response transition(const Request& r, const std::string& entity, const std::string& id,
                      const std::string& action);
  Response stats(const Request& r);
  Response dashboard(const Request& r);
  Response names(const Request& r);
  Response hazard_accidents(const Request& r, const std::string& id);

 private:
  store::Registry& m_store;
  std::mutex& m_mutex;
  Auth& m_auth;
  InputLimits m_limits;
  // The figures of /api/stats, computed as the tiles' snapshot is (http/rebuilder.hpp):
  // on a thread and a connection of their own after a change, the previous figures
  // answering meanwhile; kept while the store is unchanged, so that the same question
  // again reads nothing.
  std::shared_ptr<const analysis::Stats> build_stats(std::int64_t version);
  std::string m_location;
  std::optional<store::Registry> m_reader;  // the builder thread's
  Rebuilder<analysis::Stats> m_stats;       // after what its thread uses
};

}  // namespace minemap::http
