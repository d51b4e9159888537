// Parsing and formatting of reduced-precision ISO dates.
#include "core/date.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/errors.hpp"

namespace minemap::core {
namespace {

bool digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<Date> Date::try_parse(std::string_view s) {
  Date d;
  if (s.size() != 4 && s.size() != 7 && s.size() != 10) return std::nullopt;
  if (!digits(s.substr(0, 4))) return std::nullopt;
  d.year = to_int(s.substr(0, 4));
  if (d.year < 1000) return std::nullopt;
  if (s.size() >= 7) {
    if (s[4] != '-' || !digits(s.substr(5, 2))) return std::nullopt;
    d.month = to_int(s.substr(5, 2));
    if (d.month < 1 || d.month > 12) return std::nullopt;
  }
  if (s.size() == 10) {
    if (s[7] != '-' || !digits(s.substr(8, 2))) return std::nullopt;
    d.day = to_int(s.substr(8, 2));
    if (d.day < 1 || d.day > days_in_month(d.year, d.month)) return std::nullopt;
  }
  return d;
}

Date Date::parse(std::string_view text, const std::string& field) {
  auto d = try_parse(text);
  if (!d)
    throw InputError(
        field, "\"" + std::string(text) + "\" is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)");
  return *d;
}

Date Date::last_day() const {
  int m = month ? month : 12;
  return {year, m, day ? day : days_in_month(year, m)};
}

Date Date::today() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

std::string Date::to_string() const {
  char buf[16];
  if (day)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  else if (month)
    std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  else
    std::snprintf(buf, sizeof buf, "%04d", year);
  return buf;
}

std::string utc_timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace minemap::core
