// Runs the first stage of an import on a second thread, in batches, so that reading
// and checking features overlaps writing the store: `produce(T&)` fills the next
// item and returns false at the end; it is called by that thread only.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace minemap::io {

template <class T>
class Prefetch {
 public:
  explicit Prefetch(std::function<bool(T&)> produce)
      : m_produce(std::move(produce)), m_thread([this] { run(); }) {}
  ~Prefetch() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_room.notify_all();
    m_thread.join();
  }
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;

  // The next item, in order; false at the end. Rethrows what `produce` threw (an
  // unreadable file), on this thread.
  bool next(T& item) {
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
    item = std::move(m_current[m_pos++]);
    return true;
  }

 private:
  void run() {
    try {
      for (;;) {
        std::vector<T> batch(kBatch);
        std::size_t n = 0;
        while (n < kBatch && m_produce(batch[n])) ++n;
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

  static constexpr std::size_t kBatch = 512, kMaxBatches = 8;
  std::function<bool(T&)> m_produce;
  std::mutex m_mutex;
  std::condition_variable m_ready, m_room;
  std::deque<std::vector<T>> m_batches;
  std::vector<T> m_current;
  std::size_t m_pos = 0;
  bool m_done = false, m_stop = false;
  std::exception_ptr m_error;
  std::thread m_thread;  // last: started once everything above is built
};

}  // namespace minemap::io
