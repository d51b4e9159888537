// Fuzz target for the query parameters of the HTTP API (bbox, datetime, limit and
// offset): the first byte picks the parser, the rest is the parameter's value. A
// core::InputError is the intended refusal; whatever is accepted must make sense: a
// box with finite edges, south below north and west below east; a date range of full
// dates (YYYY-MM-DD) that does not end before it starts; a number of 0 or more.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/bbox.hpp"
#include "core/date.hpp"
#include "core/errors.hpp"
#include "http/params.hpp"

namespace {

using namespace minemap;

[[noreturn]] void invariant_failed() {
  __builtin_trap();
}

void check_day(const std::optional<std::string>& d) {
  if (!d) return;
  if (d->size() != 10 || !core::Date::try_parse(*d)) invariant_failed();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string value(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: {
        core::Envelope e = core::parse_bbox(value, core::BboxSyntax::OgcApi);
        if (!std::isfinite(e.min_x) || !std::isfinite(e.max_x) || !std::isfinite(e.min_y) ||
            !std::isfinite(e.max_y) || e.min_x > e.max_x || e.min_y > e.max_y)
          invariant_failed();
        break;
      }
      case 1: {
        auto r = http::parse_datetime("found", value);
        check_day(r.from);
        check_day(r.to);
        if (r.field != "found" || (r.from && r.to && *r.from > *r.to)) invariant_failed();
        break;
      }
      default:
        if (http::parse_int("limit", value) < 0) invariant_failed();
        break;
    }
  } catch (const core::InputError&) {
    // refused, with the parameter named
  }
  return 0;
}
