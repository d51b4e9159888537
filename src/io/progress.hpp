// Progress of long work (imports, exports) on a terminal: done / total, rate and
// time left, redrawn a few times a second on stderr. Silent when stderr is not a
// terminal, so that pipes and logs stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

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
  void finish(std::int64_t done);

 private:
  void maybe_draw(std::int64_t done);
  void draw(std::int64_t done);

  std::string m_what;
  std::optional<std::int64_t> m_total;
  bool m_enabled;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_start, m_last;
};

}  // namespace minemap::io
