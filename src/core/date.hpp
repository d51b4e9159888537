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

// A date with the time of day it may carry.
struct DateTime {
  Date date;
  std::string time;  // "HH:MM" or "HH:MM:SS"; "" when none was given
};

// An ISO 8601 date, or a date-time: the date, then T (or a space) and HH:MM[:SS[.f]],
// optionally Z or an offset +HH:MM. Exports write dates this way (a geodatabase, a
// GeoPackage, a spreadsheet). nullopt for anything else.
std::optional<DateTime> parse_iso_datetime(std::string_view text);
// The time of an ISO 8601 date-time, after its "T": HH:MM:SS, a fraction, then Z or an
// offset +HH:MM (a leap second 60 allowed).
bool valid_iso_time(std::string_view t);
// `text` read with a strftime-style `format` (%Y year, %m month, %d day, %H %M %S the
// time, %% a percent sign; any other character stands for itself): "%d/%m/%Y". nullopt
// when it does not match, or names no real day. Throws InputError naming `field` when
// the format itself is not one.
std::optional<DateTime> parse_date_format(std::string_view text, std::string_view format,
                                          const std::string& field);
// Throws InputError naming `field` unless `format` is one parse_date_format reads (with
// a %Y).
void check_date_format(std::string_view format, const std::string& field);
// Why `text` is not a date, for a message: whether a day/month reading is ambiguous
// ("03/04/2005") and which --date-format would read it; "" when no hint applies.
std::string date_hint(std::string_view text);

// Current UTC time as ISO 8601 with seconds ("2026-11-27T01:38:12Z").
std::string utc_timestamp();

}  // namespace minemap::core
