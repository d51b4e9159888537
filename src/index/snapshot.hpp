// Immutable snapshots that readers share: a reader takes the current one and keeps it
// for as long as it needs, whatever writers publish meanwhile; the last reader of an
// old snapshot frees it.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace minemap::index {

template <class T>
class SnapshotSlot {
 public:
  std::shared_ptr<const T> get() const {
    std::lock_guard lock(m_mutex);
    return m_value;
  }
  void publish(std::shared_ptr<const T> value) {
    std::lock_guard lock(m_mutex);
    m_value.swap(value);
    // The old value (now in `value`) is released after the lock, by whoever holds it last.
  }

 private:
  mutable std::mutex m_mutex;
  std::shared_ptr<const T> m_value;
};

}  // namespace minemap::index
