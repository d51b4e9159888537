// Accept-Encoding, If-None-Match and gzip of responses; see encoding.hpp.
#include "http/encoding.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>

#include "codec/gzip.hpp"

namespace minemap::http {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A q-value (RFC 9110 12.4.2): "0" or "1", optionally followed by a point and up to three
// digits ("1" only by zeros). In thousandths; nullopt when malformed.
std::optional<int> qvalue(std::string_view s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  const bool one = s[0] == '1';
  int thousandths = one ? 1000 : 0;
  if (s.size() == 1) return thousandths;
  if (s[1] != '.' || s.size() > 5) return std::nullopt;
  int scale = 100;
  for (char c : s.substr(2)) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || (one && c != '0')) return std::nullopt;
    thousandths += (c - '0') * scale;
    scale /= 10;
  }
  return thousandths;
}

// The weight of one member of Accept-Encoding ("gzip;q=0.5"): 1000 when it has no q
// parameter, 0 when its q is malformed.
int weight(std::string_view params) {
  while (!params.empty()) {
    auto semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    auto eq = p.find('=');
    if (eq == std::string_view::npos || !iequal(trim(p.substr(0, eq)), "q")) continue;
    return qvalue(trim(p.substr(eq + 1))).value_or(0);
  }
  return 1000;
}

bool is_json(std::string_view type) {
  return type == "application/json" || type == "application/geo+json" ||
         (type.size() > 5 && type.substr(type.size() - 5) == "+json");
}

bool has_header(const Response& out, std::string_view name) {
  return std::any_of(out.headers.begin(), out.headers.end(),
                     [&](const auto& h) { return iequal(h.first, name); });
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<int> gzip, star;
  std::string_view rest = accept_encoding;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view member = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    auto semi = member.find(';');
    std::string_view coding = trim(member.substr(0, semi));
    if (coding.empty()) continue;
    const int w = semi == std::string_view::npos ? 1000 : weight(member.substr(semi + 1));
    // Of a coding named twice, the higher weight.
    if (iequal(coding, "gzip") || iequal(coding, "x-gzip"))
      gzip = std::max(gzip.value_or(0), w);
    else if (coding == "*")
      star = std::max(star.value_or(0), w);
  }
  if (gzip) return *gzip > 0;
  return star.value_or(0) > 0;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  auto opaque = [](std::string_view t) -> std::optional<std::string_view> {
    if (t.size() >= 2 && t[0] == 'W' && t[1] == '/') t.remove_prefix(2);
    if (t.size() < 2 || t.front() != '"' || t.back() != '"') return std::nullopt;
    return t.substr(1, t.size() - 2);
  };
  const auto mine = opaque(trim(etag));
  if (!mine) return false;
  std::string_view s = trim(if_none_match);
  if (s == "*") return true;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (is_space(s[i]) || s[i] == ',')) ++i;
    if (i == s.size()) break;
    if (s.compare(i, 2, "W/") == 0) i += 2;
    if (i >= s.size() || s[i] != '"') return false;  // malformed: nothing further is read
    auto close = s.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    if (s.substr(i + 1, close - i - 1) == *mine) return true;
    i = close + 1;
  }
  return false;
}

std::string header_list(const Request& r, const std::string& name) {
  std::string out;
  for (const auto& [k, v] : r.headers)
    if (iequal(k, name)) out += (out.empty() ? "" : ", ") + v;
  return out;
}

void negotiate_encoding(const Request& r, Response& out) {
  if (out.status < 200 || out.status > 299 || out.status == 204 || out.status == 206) return;
  std::string type(
      trim(std::string_view(out.content_type)
               .substr(0, std::min(out.content_type.find(';'), out.content_type.size()))));
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool tile = type == "application/vnd.mapbox-vector-tile";
  if (!(tile && !out.body.empty()) && !(is_json(type) && out.body.size() >= kCompressFrom)) return;
  // Already encoded by its handler (a tile kept compressed in an archive): left as it is.
  if (has_header(out, "Content-Encoding")) return;
  auto vary = std::find_if(out.headers.begin(), out.headers.end(),
                           [](const auto& h) { return iequal(h.first, "Vary"); });
  if (vary == out.headers.end()) {
    out.headers.emplace_back("Vary", "Accept-Encoding");
  } else if (vary->second != "*") {
    std::string lower(vary->second);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.find("accept-encoding") == std::string::npos) vary->second += ", Accept-Encoding";
  }
  if (!accepts_gzip(header_list(r, "Accept-Encoding"))) return;
  try {
    // Level 6, zlib's default: see docs/api.md for what it gives on tiles.
    out.body = codec::gzip(out.body);
  } catch (const std::exception&) {
    return;  // zlib out of memory: the body goes out as it is
  }
  out.headers.emplace_back("Content-Encoding", "gzip");
}

}  // namespace minemap::http
