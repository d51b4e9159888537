// The request target ("/path?query") taken apart: the path and the query parameters
// percent-decoded, strictly. Outside input, so pure and fuzzed
// (tests/fuzz/fuzz_http_target.cpp); each function throws core::InputError on a bad
// escape, which the server answers with 400.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace minemap::http {

// Decodes %XX escapes (two hex digits, else InputError naming `what`); with
// `plus_is_space`, '+' becomes ' ' (as in query strings and form bodies).
std::string percent_decode(std::string_view text, bool plus_is_space, const char* what);

// "a=1&b=x+y&c" -> {a: "1", b: "x y", c: ""}; empty pairs are skipped.
std::multimap<std::string, std::string> parse_query(std::string_view query);

struct Target {
  std::string path;  // decoded
  std::multimap<std::string, std::string> query;
};

// An origin-form target ("/..." with an optional "?query"); anything else (an absolute
// URL, "*") is an InputError.
Target parse_target(std::string_view target);

}  // namespace minemap::http
