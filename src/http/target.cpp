// Percent-decoding of request targets: strict, so that one path has one meaning.
#include "http/target.hpp"

#include "core/errors.hpp"

namespace minemap::http {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space, const char* what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        throw core::InputError(what, "invalid percent-encoding at byte " + std::to_string(i) +
                                         " (% must be followed by two hex digits)");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += plus_is_space && c == '+' ? ' ' : c;
    }
  }
  return out;
}

std::multimap<std::string, std::string> parse_query(std::string_view query) {
  std::multimap<std::string, std::string> out;
  std::size_t at = 0;
  while (at <= query.size()) {
    std::size_t end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(at, end - at);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), true, "query");
      std::string value =
          eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true, "query");
      out.emplace(std::move(key), std::move(value));
    }
    at = end + 1;
  }
  return out;
}

Target parse_target(std::string_view target) {
  if (target.empty() || target[0] != '/')
    throw core::InputError("target", "a path starting with / expected");
  std::size_t q = target.find('?');
  Target t;
  t.path = percent_decode(target.substr(0, q), false, "path");
  if (q != std::string_view::npos) t.query = parse_query(target.substr(q + 1));
  return t;
}

}  // namespace minemap::http
