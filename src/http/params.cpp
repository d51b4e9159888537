#include "http/params.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/errors.hpp"

namespace minemap::http {

std::int64_t parse_int(const std::string& name, const std::string& text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < 0)
    throw core::InputError(name, "\"" + text + "\" is not a whole number of 0 or more");
  return v;
}

store::ListQuery::DateRange parse_datetime(const std::string& field, const std::string& text) {
  auto day_of = [&](std::string part, bool end) -> std::optional<std::string> {
    if (part.empty() || part == "..") return std::nullopt;
    bool time_ok = true;
    if (auto t = part.find_first_of("Tt"); t != std::string::npos) {
      time_ok = core::valid_iso_time(std::string_view(part).substr(t + 1));
      part = part.substr(0, t);
    }
    auto d = core::Date::try_parse(part);
    if (!d || !time_ok)
      throw core::InputError("datetime", "\"" + text +
                                             "\" is not a date, a date-time or an interval "
                                             "of them (2012-05-14, 2010/2012, ../2012-05)");
    return (end ? d->last_day() : d->first_day()).to_string();
  };
  store::ListQuery::DateRange r;
  r.field = field;
  if (auto slash = text.find('/'); slash != std::string::npos) {
    r.from = day_of(text.substr(0, slash), false);
    r.to = day_of(text.substr(slash + 1), true);
  } else {
    if (text.empty() || text == "..") throw core::InputError("datetime", "an instant is empty");
    r.from = day_of(text, false);
    r.to = day_of(text, true);
  }
  if (r.from && r.to && *r.from > *r.to)
    throw core::InputError("datetime", "\"" + text + "\" ends before it starts");
  return r;
}

}  // namespace minemap::http
