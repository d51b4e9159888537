// A snapshot of derived data (the tiles' copy of the store) kept up to date by a thread
// of its own, so that no request waits for a rebuild (docs/api.md, "Vector tiles"):
// a reader asks for the snapshot of a data version; when the one published is older it
// gets that one at once and a rebuild is started; the new snapshot replaces it when it
// is complete. One rebuild at a time; versions asked for meanwhile are built next, once,
// newest only. Only the very first request waits, as there is nothing to serve yet.
//
// A failed build is logged and tried again (after 1 s, doubling up to a minute) while
// a newer version is still wanted; readers keep the old snapshot meanwhile. The thread
// starts at the first request (so that it inherits a server thread's signal mask) and
// is stopped and joined by the destructor, after the build in progress, if any, ends.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "core/errors.hpp"

namespace minemap::http {

// Held by a rebuild of the server's large snapshots (the tiles' copy, the figures)
// while it reads the store: one at a time, so that their memory at the top does not add
// up (each holds its snapshot and the one it replaces).
inline std::mutex& large_build_mutex() {
  static std::mutex m;
  return m;
}

template <class T>
class Rebuilder {
 public:
  // Builds the snapshot of (at least) data version `version`; throws on failure.
  using Build = std::function<std::shared_ptr<const T>(std::int64_t version)>;
  using Log = std::function<void(const std::string&)>;

  Rebuilder(Build build, Log log, std::chrono::milliseconds first_retry = std::chrono::seconds(1))
      : m_build(std::move(build)), m_log(std::move(log)), m_first_retry(first_retry) {}
  ~Rebuilder() { stop(); }
  Rebuilder(const Rebuilder&) = delete;
  Rebuilder& operator=(const Rebuilder&) = delete;

  // The snapshot to answer with for data version `version` (versions only grow): the
  // published one, which may be older, in which case a rebuild is asked for. When none
  // is published yet, waits for the first; throws core::Error when its build fails or
  // the rebuilder stops meanwhile.
  std::shared_ptr<const T> get(std::int64_t version) {
    std::unique_lock lock(m_mutex);
    want(version);
    if (m_value) return m_value;
    wait(lock, [&] { return m_value != nullptr; });
    return m_value;
  }

  // The snapshot of `version` or a newer one, waiting for its build when the published
  // one is older (a client that must see its own write; tests). Throws as get() does.
  std::shared_ptr<const T> get_fresh(std::int64_t version) {
    std::unique_lock lock(m_mutex);
    want(version);
    wait(lock, [&] { return m_value && m_version >= version; });
    return m_value;
  }

  // The snapshot of `version` when its build ends within `patience`, else the published
  // one (older), as get() gives: a small store's answer is then always fresh, a large
  // one's never held longer than that. Throws as get() does when none is published.
  std::shared_ptr<const T> get_within(std::int64_t version, std::chrono::milliseconds patience) {
    std::unique_lock lock(m_mutex);
    want(version);
    const std::uint64_t failures = m_failures;
    m_changed.wait_for(lock, patience, [&] {
      return (m_value && m_version >= version) || m_stop || m_failures != failures;
    });
    if (m_value) return m_value;
    wait(lock, [&] { return m_value != nullptr; });
    return m_value;
  }

  // The published snapshot, without asking for any (null before the first).
  std::shared_ptr<const T> current() const {
    std::lock_guard lock(m_mutex);
    return m_value;
  }
  // The version the published snapshot was built for (0 before the first).
  std::int64_t current_version() const {
    std::lock_guard lock(m_mutex);
    return m_version;
  }

  // Stops the thread after the build in progress; waiting readers get core::Error.
  void stop() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_changed.notify_all();
    if (m_thread.joinable()) m_thread.join();
  }

 private:
  // Under m_mutex.
  void want(std::int64_t version) {
    if (m_value && m_version >= version) return;
    if (m_wanted && *m_wanted >= version) return;
    m_wanted = version;
    if (!m_thread.joinable() && !m_stop) m_thread = std::thread([this] { run(); });
    m_changed.notify_all();
  }

  // Waits, under `lock`, until `done`; throws when a build fails or the rebuilder stops
  // meanwhile.
  template <class Done>
  void wait(std::unique_lock<std::mutex>& lock, Done done) {
    const std::uint64_t failures = m_failures;
    m_changed.wait(lock, [&] { return done() || m_stop || m_failures != failures; });
    if (done()) return;
    if (m_stop) throw core::Error("the server is stopping");
    throw core::Error("the snapshot could not be built: " + m_last_error);
  }

  bool pending() const { return m_wanted && (!m_value || m_version < *m_wanted); }

  void run() {
    std::unique_lock lock(m_mutex);
    std::chrono::milliseconds retry = m_first_retry;
    while (!m_stop) {
      if (!pending()) {
        m_changed.wait(lock, [&] { return m_stop || pending(); });
        continue;
      }
      const std::int64_t version = *m_wanted;
      lock.unlock();
      std::shared_ptr<const T> built;
      std::string error;
      try {
        built = m_build(version);
        if (!built) error = "no snapshot";
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown exception";
      }
      if (!error.empty()) {
        try {
          m_log("the snapshot of data version " + std::to_string(version) +
                " could not be built (" + error + "); trying again in " +
                std::to_string(retry.count()) + " ms");
        } catch (...) {
        }
      }
      lock.lock();
      if (error.empty()) {
        // The old snapshot is released by its last reader, outside this lock when a
        // request holds it.
        m_value.swap(built);
        m_version = std::max(m_version, version);
        retry = m_first_retry;
        lock.unlock();
        built.reset();
        m_changed.notify_all();
        lock.lock();
        continue;
      }
      m_last_error = error;
      ++m_failures;
      m_changed.notify_all();
      m_changed.wait_for(lock, retry, [&] { return m_stop; });
      retry = std::min<std::chrono::milliseconds>(retry * 2, std::chrono::minutes(1));
    }
  }

  Build m_build;
  Log m_log;
  const std::chrono::milliseconds m_first_retry;
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::shared_ptr<const T> m_value;
  std::int64_t m_version = 0;
  std::optional<std::int64_t> m_wanted;
  std::uint64_t m_failures = 0;
  std::string m_last_error;
  bool m_stop = false;
  std::thread m_thread;  // last: started after every member it uses
};

}  // namespace minemap::http
