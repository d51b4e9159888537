// Progress of long work (imports, exports) on a terminal: done / total, rate and
// time left, redrawn a few times a second on stderr. Silent when stderr is not a
// terminal, so that pipes and logs stay clean.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace minemap::io {

class Progress {
 public:
  // `what` names the unit ("features"); total when known.
  Progress(std::string what, std::optional<std::int64_t> total, bool enabled);
  static Progress for_terminal(std::string what, std::optional<std::int64_t> total);
  ~Progress();

  void tick(std::int64_t done) {
    if (m_enabled && (done & 1023) == 0) maybe_draw(done);
  }
  // The work is done but a last step of unknown length follows (committing, building a
  // spatial index, closing a file): the line names it and counts its time, redrawn by a
  // thread until finish(), so that it never looks frozen.
  void final_step(std::int64_t done, std::string step);
  void finish(std::int64_t done);

 private:
  void maybe_draw(std::int64_t done);
  void draw(std::int64_t done);
  void stop_ticker();

  std::string m_what;
  std::optional<std::int64_t> m_total;
  bool m_enabled;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_start, m_last;
  // The final step: its name, when it began (the rate counts the time before it).
  std::string m_step;
  std::optional<std::chrono::steady_clock::time_point> m_step_start;
  std::thread m_ticker;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
};

}  // namespace minemap::io
