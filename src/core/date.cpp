// Parsing and formatting of reduced-precision ISO dates.
#include "core/date.hpp"

#include <algorithm>
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

namespace {

bool two_digits(std::string_view s, std::size_t at, int below) {
  if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9')
    return false;
  return (s[at] - '0') * 10 + (s[at + 1] - '0') < below;
}

}  // namespace

bool valid_iso_time(std::string_view t) {
  if (t.size() < 8 || !two_digits(t, 0, 24) || t[2] != ':' || !two_digits(t, 3, 60) ||
      t[5] != ':' || !two_digits(t, 6, 61))
    return false;
  std::size_t i = 8;
  if (i < t.size() && t[i] == '.') {
    const std::size_t digits = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == digits) return false;
  }
  if (i == t.size()) return true;
  if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == t.size()) return true;
  return (t[i] == '+' || t[i] == '-') && t.size() == i + 6 && two_digits(t, i + 1, 24) &&
         t[i + 3] == ':' && two_digits(t, i + 4, 60);
}

std::optional<DateTime> parse_iso_datetime(std::string_view text) {
  if (text.size() <= 10) {
    auto d = Date::try_parse(text);
    if (!d) return std::nullopt;
    return DateTime{*d, {}};
  }
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  auto d = Date::try_parse(text.substr(0, 10));
  if (!d || d->day == 0) return std::nullopt;
  std::string time(text.substr(11));
  if (time.size() == 5) time += ":00";  // HH:MM
  if (!valid_iso_time(time)) return std::nullopt;
  return DateTime{*d, std::string(text.substr(11, 5))};
}

void check_date_format(std::string_view format, const std::string& field) {
  const std::string f(format);
  bool year = false;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (++i == format.size()) throw InputError(field, "the date format \"" + f + "\" ends in %");
    const char c = format[i];
    if (std::string_view("YmdHMS%").find(c) == std::string_view::npos)
      throw InputError(field, "the date format \"" + f + "\" has %" + std::string(1, c) +
                                  "; one of %Y %m %d %H %M %S %%");
    year |= c == 'Y';
  }
  if (!year) throw InputError(field, "the date format \"" + f + "\" has no %Y (the year)");
}

std::optional<DateTime> parse_date_format(std::string_view text, std::string_view format,
                                          const std::string& field) {
  check_date_format(format, field);
  int year = -1, month = -1, day = -1, hour = -1, minute = -1, second = -1;
  std::size_t at = 0;
  // Up to `width` digits (at least one) into `out`.
  auto number = [&](int width, int& out) {
    std::size_t start = at;
    int v = 0;
    while (at < text.size() && at - start < static_cast<std::size_t>(width) && text[at] >= '0' &&
           text[at] <= '9')
      v = v * 10 + (text[at++] - '0');
    if (at == start) return false;
    out = v;
    return true;
  };
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      if (at >= text.size() || text[at] != format[i]) return std::nullopt;
      ++at;
      continue;
    }
    ++i;  // check_date_format: a specifier follows
    bool ok = false;
    switch (format[i]) {
      case 'Y': ok = number(4, year); break;
      case 'm': ok = number(2, month); break;
      case 'd': ok = number(2, day); break;
      case 'H': ok = number(2, hour); break;
      case 'M': ok = number(2, minute); break;
      case 'S': ok = number(2, second); break;
      case '%': ok = at < text.size() && text[at++] == '%'; break;
      default: break;
    }
    if (!ok) return std::nullopt;
  }
  if (at != text.size() || year < 0) return std::nullopt;
  char buf[16];
  std::string iso = std::to_string(year);
  if (month >= 0) {
    std::snprintf(buf, sizeof buf, "-%02d", month);
    iso += buf;
    if (day >= 0) {
      std::snprintf(buf, sizeof buf, "-%02d", day);
      iso += buf;
    }
  }
  auto d = Date::try_parse(iso);
  if (!d) return std::nullopt;
  DateTime out{*d, {}};
  if (hour >= 0) {
    if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::snprintf(buf, sizeof buf, "%02d:%02d", hour, minute < 0 ? 0 : minute);
    out.time = buf;
  }
  return out;
}

std::string date_hint(std::string_view whole) {
  // N/N/YYYY with / . or - between, perhaps a time after a space: which reading is a day.
  const std::string_view text = whole.substr(0, whole.find(' '));
  std::string time_format;
  if (text.size() < whole.size()) {
    const std::string_view time = whole.substr(text.size() + 1);
    time_format = std::count(time.begin(), time.end(), ':') == 2 ? " %H:%M:%S" : " %H:%M";
  }
  const std::size_t a = text.find_first_of("/.-");
  if (a == std::string_view::npos || a == 0 || a > 2) return {};
  const char sep = text[a];
  const std::size_t b = text.find(sep, a + 1);
  if (b == std::string_view::npos || b - a - 1 == 0 || b - a - 1 > 2 || text.size() - b - 1 != 4)
    return {};
  const std::string s(1, sep);
  const std::string dmy = "%d" + s + "%m" + s + "%Y", mdy = "%m" + s + "%d" + s + "%Y";
  const bool as_dmy = parse_date_format(text, dmy, "date").has_value();
  const bool as_mdy = parse_date_format(text, mdy, "date").has_value();
  const auto quoted = [&](const std::string& f) {
    return time_format.empty() ? f : "\"" + f + time_format + "\"";
  };
  if (as_dmy && as_mdy && text.substr(0, a) != text.substr(a + 1, b - a - 1))
    return "ambiguous: day first or month first? give --date-format " + quoted(dmy) + " or " +
           quoted(mdy);
  if (as_dmy) return "read it with --date-format " + quoted(dmy);
  if (as_mdy) return "read it with --date-format " + quoted(mdy);
  return {};
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
