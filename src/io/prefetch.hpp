// Reads a FeatureReader on a second thread, in batches, so that parsing the file and
// writing the store overlap. The reader is used by that thread only.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "io/feature_reader.hpp"

namespace minemap::io {

class Prefetch {
 public:
  explicit Prefetch(FeatureReader& src);
  ~Prefetch();
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;

  // The next feature, in file order; false at the end. Rethrows what the reader
  // thread threw (an unreadable file), on this thread.
  bool next(SourceFeature& f);

 private:
  void run();

  static constexpr std::size_t kBatch = 512, kMaxBatches = 8;
  FeatureReader& m_src;
  std::mutex m_mutex;
  std::condition_variable m_ready, m_room;
  std::deque<std::vector<SourceFeature>> m_batches;
  std::vector<SourceFeature> m_current;
  std::size_t m_pos = 0;
  bool m_done = false, m_stop = false;
  std::exception_ptr m_error;
  std::thread m_thread;
};

}  // namespace minemap::io
