// ISO 8601 calendar dates with reduced precision: "2012", "2012-05", "2012-05-14".
// Legacy mine action data often knows only the year.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace minemap::core {

struct Date {
  int year = 0;
  int month = 0;  // 0: unknown
  int day = 0;    // 0: unknown

  // Throws InputError(field, ...) for anything but YYYY, YYYY-MM or YYYY-MM-DD
  // naming a real calendar day.
  static Date parse(std::string_view text, const std::string& field);
  static std::optional<Date> try_parse(std::string_view text);
  // Today's date in UTC.
  static Date today();

  std::string to_string() const;
  // The earliest day this date may mean (2012 -> 2012-01-01).
  Date first_day() const { return {year, month ? month : 1, day ? day : 1}; }
  // The latest day it may mean (2012 -> 2012-12-31, 2012-02 -> 2012-02-29).
  Date last_day() const;
  // Quarter 1..4, or 0 when the month is unknown.
  int quarter() const { return month ? (month - 1) / 3 + 1 : 0; }

  friend auto operator<=>(const Date&, const Date&) = default;
};

// Current UTC time as ISO 8601 with seconds ("2026-11-27T01:38:12Z").
std::string utc_timestamp();

}  // namespace minemap::core
