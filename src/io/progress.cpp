// Terminal progress line; see progress.hpp.
#include "io/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace minemap::io {

namespace {

std::string thousands(std::int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string duration(double seconds) {
  auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

Progress::Progress(std::string what, std::optional<std::int64_t> total, bool enabled)
    : m_what(std::move(what)),
      m_total(total),
      m_enabled(enabled),
      m_start(std::chrono::steady_clock::now()),
      m_last(m_start) {}

Progress Progress::for_terminal(std::string what, std::optional<std::int64_t> total) {
  return Progress(std::move(what), total, isatty(STDERR_FILENO) == 1);
}

Progress::~Progress() {
  stop_ticker();
  if (m_drawn) std::fputs("\n", stderr);
}

void Progress::maybe_draw(std::int64_t done) {
  auto now = std::chrono::steady_clock::now();
  if (now - m_last < std::chrono::milliseconds(200)) return;
  m_last = now;
  draw(done);
}

void Progress::draw(std::int64_t done) {
  const auto now = std::chrono::steady_clock::now();
  double secs = std::chrono::duration<double>(m_step_start.value_or(now) - m_start).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  std::string line = "  " + thousands(done);
  if (m_total && *m_total > 0) {
    line += " / " + thousands(*m_total) + " " + m_what;
    char pct[16];
    std::snprintf(pct, sizeof pct, " (%.0f%%)",
                  100.0 * static_cast<double>(done) / static_cast<double>(*m_total));
    line += pct;
    if (rate > 0 && done < *m_total)
      line += ", " + duration(static_cast<double>(*m_total - done) / rate) + " left";
  } else {
    line += " " + m_what;
  }
  line += ", " + thousands(static_cast<std::int64_t>(rate)) + "/s";
  if (m_step_start)
    line +=
        "; " + m_step + " " + duration(std::chrono::duration<double>(now - *m_step_start).count());
  std::fprintf(stderr, "\r%-78s", line.c_str());
  std::fflush(stderr);
  m_drawn = true;
}

void Progress::final_step(std::int64_t done, std::string step) {
  if (!m_enabled || m_ticker.joinable()) return;
  m_step = std::move(step);
  m_step_start = std::chrono::steady_clock::now();
  if (m_drawn) draw(done);
  // A step that ends within a redraw's interval is never drawn: no flicker.
  m_ticker = std::thread([this, done] {
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, std::chrono::milliseconds(200), [this] { return m_stop; }))
      draw(done);
  });
}

void Progress::stop_ticker() {
  if (!m_ticker.joinable()) return;
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_one();
  m_ticker.join();
}

void Progress::finish(std::int64_t done) {
  stop_ticker();
  if (m_enabled && m_drawn) draw(done);
}

}  // namespace minemap::io
