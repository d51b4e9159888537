// The reader thread of an import; see prefetch.hpp.
#include "io/prefetch.hpp"

namespace minemap::io {

Prefetch::Prefetch(FeatureReader& src) : m_src(src), m_thread([this] { run(); }) {}

Prefetch::~Prefetch() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_room.notify_all();
  m_thread.join();
}

void Prefetch::run() {
  try {
    for (;;) {
      std::vector<SourceFeature> batch(kBatch);
      std::size_t n = 0;
      while (n < kBatch && m_src.next(batch[n])) ++n;
      batch.resize(n);
      std::unique_lock lock(m_mutex);
      m_room.wait(lock, [&] { return m_stop || m_batches.size() < kMaxBatches; });
      if (m_stop) return;
      if (n > 0) m_batches.push_back(std::move(batch));
      if (n < kBatch) {
        m_done = true;
        break;
      }
      lock.unlock();
      m_ready.notify_one();
    }
  } catch (...) {
    std::lock_guard lock(m_mutex);
    m_error = std::current_exception();
    m_done = true;
  }
  m_ready.notify_one();
}

bool Prefetch::next(SourceFeature& f) {
  if (m_pos == m_current.size()) {
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [&] { return !m_batches.empty() || m_done; });
    if (m_batches.empty()) {
      if (m_error) std::rethrow_exception(m_error);
      return false;
    }
    m_current = std::move(m_batches.front());
    m_batches.pop_front();
    m_pos = 0;
    lock.unlock();
    m_room.notify_one();
  }
  f = std::move(m_current[m_pos++]);
  return true;
}

}  // namespace minemap::io
