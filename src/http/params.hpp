// Parsers of the query parameters of the HTTP API (outside input: fuzzed by
// tests/fuzz/fuzz_http_params.cpp). Each throws core::InputError naming the parameter.
#pragma once

#include <cstdint>
#include <string>

#include "core/geometry.hpp"
#include "store/backend.hpp"

namespace minemap::http {

// A whole number of 0 or more.
std::int64_t parse_int(const std::string& name, const std::string& text);

// datetime: an instant or an interval "start/end" with ".." or "" for an open end, as
// a date range on `field`. Dates of reduced precision ("2012", "2012-05") stand for
// their whole year or month; a time of day is dropped (the store keeps days).
store::ListQuery::DateRange parse_datetime(const std::string& field, const std::string& text);

}  // namespace minemap::http
