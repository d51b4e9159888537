// Static files: every way out of the folder is refused before the file is opened.
#include "http/static_files.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/errors.hpp"

namespace minemap::http {

namespace fs = std::filesystem;

namespace {

Response not_found() {
  return problem(404, "Not Found", "no such resource");
}

// A relative name is refused when a segment could climb out of the folder or mean
// something else on another system; the canonical path is checked besides.
bool safe_relative(std::string_view rel) {
  if (rel.find('\0') != std::string_view::npos || rel.find('\\') != std::string_view::npos)
    return false;
  std::size_t at = 0;
  while (at <= rel.size()) {
    std::size_t end = rel.find('/', at);
    if (end == std::string_view::npos) end = rel.size();
    std::string_view seg = rel.substr(at, end - at);
    if (seg == "." || seg == "..") return false;
    if (seg.empty() && end != rel.size()) return false;  // "a//b"
    at = end + 1;
  }
  return true;
}

}  // namespace

std::string content_type_of(std::string_view name) {
  static const std::array<std::pair<std::string_view, std::string_view>, 25> types{{
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"geojson", "application/geo+json"},
      {"txt", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"svg", "image/svg+xml"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"wasm", "application/wasm"},
      {"pbf", "application/x-protobuf"},
      {"mvt", "application/vnd.mapbox-vector-tile"},
      {"pdf", "application/pdf"},
  }};
  std::size_t slash = name.rfind('/');
  std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return "application/octet-stream";
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [e, type] : types)
    if (e == ext) return std::string(type);
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::string prefix, const std::string& dir) : m_prefix(std::move(prefix)) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw core::Error("cannot serve " + dir + ": not a directory");
  m_root = fs::canonical(dir, ec);
  if (ec) throw core::Error("cannot serve " + dir + ": " + ec.message());
  if (m_prefix.empty() || m_prefix.back() != '/') m_prefix += '/';
}

Response StaticFiles::get(const std::string& path) const {
  if (path.compare(0, m_prefix.size(), m_prefix) != 0) return not_found();
  std::string rel = path.substr(m_prefix.size());
  if (!safe_relative(rel)) return not_found();
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  std::error_code ec;
  fs::path real = fs::canonical(m_root / rel, ec);
  if (ec) return not_found();
  // The real path must lie inside the folder: a symbolic link out of it is refused.
  auto [root_end, real_at] = std::mismatch(m_root.begin(), m_root.end(), real.begin(), real.end());
  if (root_end != m_root.end() || real_at == real.end()) return not_found();
  if (!fs::is_regular_file(real, ec)) return not_found();
  std::ifstream in(real, std::ios::binary);
  if (!in) return not_found();
  std::ostringstream body;
  body << in.rdbuf();
  Response r;
  r.content_type = content_type_of(rel);
  r.body = std::move(body).str();
  return r;
}

}  // namespace minemap::http
