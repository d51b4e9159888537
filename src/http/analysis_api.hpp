// Analyses of the store served to signed-in users: how reliable a minefield record
// is (the judgement of `minemap reliability STORE --record ID --json`). The store is
// locked only while the inputs are read; the judging runs without the lock.
#pragma once

#include <mutex>
#include <string>

#include "http/auth.hpp"
#include "http/server.hpp"
#include "store/registry.hpp"

namespace minemap::http {

class AnalysisApi {
 public:
  AnalysisApi(store::Registry& store, std::mutex& store_mutex, Auth& auth);

  // GET /api/records/{id}/reliability   the record judged against the approved items
  //                                     and cleared land around it (viewer); 404 when
  //                                     there is no such record
  // GET  /api/signals?eps&min_points&buffer&until
  //                                     suggested hazardous areas, as `minemap signals
  //                                     --geojson` gives them (viewer)
  // POST /api/signals/drafts            {"eps", "min_points", "buffer", "until",
  //                                     "evidence": [ids]}: the signal of exactly that
  //                                     evidence, found again, written as a draft SHA
  //                                     (data_entry); 409 when it is no longer one signal
  void install(Server& s);

  Response reliability(const Request& r, const std::string& id);
  Response signals(const Request& r);
  Response signal_draft(const Request& r);

 private:
  store::Registry& m_store;
  std::mutex& m_mutex;
  Auth& m_auth;
};

}  // namespace minemap::http
