#include "http/archive_api.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "codec/gzip.hpp"
#include "core/errors.hpp"
#include "http/encoding.hpp"
#include "http/params.hpp"

namespace minemap::http {
namespace {

// A Host header fit to start a URL: a name or address and a port, nothing else.
bool plain_host(const std::string& h) {
  if (h.empty() || h.size() > 255) return false;
  for (char c : h)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']')
      return false;
  return true;
}

}  // namespace

ArchiveApi::ArchiveApi(std::shared_ptr<const tiles::TileArchive> archive, ArchiveApiOptions opt)
    : m_archive(std::move(archive)), m_opt(std::move(opt)) {
  const bool plain =
      !m_opt.route.empty() && std::all_of(m_opt.route.begin(), m_opt.route.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
      });
  if (!plain) throw std::invalid_argument("ArchiveApi: route \"" + m_opt.route + "\"");
}

void ArchiveApi::install(Server& s) {
  s.route("GET", "/" + m_opt.route + "\\.json", [this](const Request& r) { return tilejson(r); });
  // Any text in place of a number, so that a bad one is a 400 naming it rather than a 404.
  s.route("GET", "/" + m_opt.route + "/([^/]+)/([^/]+)/([^/]+)\\.mvt", [this](const Request& r) {
    return tile(r, r.captures.at(0), r.captures.at(1), r.captures.at(2));
  });
}

Response ArchiveApi::tilejson(const Request& r) const {
  std::string base;
  if (!m_opt.public_url.empty()) {
    base = m_opt.public_url;
    if (base.back() == '/') base.pop_back();
  } else if (std::string host = r.header("Host"); plain_host(host)) {
    base = (r.secure ? "https://" : "http://") + host;
  }
  const tiles::ArchiveMetadata& m = m_archive->metadata();
  nlohmann::json layers = nlohmann::json::array();
  if (!m.vector_layers.empty()) {
    auto parsed = nlohmann::json::parse(m.vector_layers, nullptr, false);
    if (parsed.is_array()) layers = std::move(parsed);
  }
  nlohmann::json j = {{"tilejson", "3.0.0"},
                      {"name", m.name.empty() ? m_opt.title : m.name},
                      {"scheme", "xyz"},
                      {"format", "pbf"},
                      {"tiles", {base + "/" + m_opt.route + "/{z}/{x}/{y}.mvt"}},
                      {"minzoom", m.min_zoom},
                      {"maxzoom", m.max_zoom},
                      {"bounds", {m.west, m.south, m.east, m.north}},
                      {"vector_layers", layers}};
  if (!m.attribution.empty()) j["attribution"] = m.attribution;
  if (!m.description.empty()) j["description"] = m.description;
  if (m.has_center) j["center"] = {m.center_lon, m.center_lat, m.center_zoom};
  Response out;
  out.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.headers.emplace_back("Cache-Control", "no-cache");
  return out;
}

Response ArchiveApi::tile(const Request& r, const std::string& z, const std::string& x,
                          const std::string& y) const {
  const std::int64_t zi = parse_int("z", z);
  if (zi > tiles::kArchiveMaxZoom)
    throw core::InputError("z", "at most " + std::to_string(tiles::kArchiveMaxZoom));
  const std::int64_t xi = parse_int("x", x), yi = parse_int("y", y);
  const std::int64_t n = std::int64_t{1} << zi;
  const std::string range = "0 to " + std::to_string(n - 1) + " at zoom " + std::to_string(zi);
  if (xi >= n) throw core::InputError("x", range);
  if (yi >= n) throw core::InputError("y", range);
  std::optional<tiles::ArchiveTile> t;
  try {
    t = m_archive->tile(static_cast<int>(zi), static_cast<std::uint32_t>(xi),
                        static_cast<std::uint32_t>(yi));
  } catch (const core::InputError& e) {
    // The file was checked at start; a fault here is the file's (changed since, or a
    // query it makes endless), not the request's.
    return problem(500, "The " + m_opt.title + "'s file is unreadable", e.what());
  } catch (const core::StorageError& e) {
    return problem(500, "The " + m_opt.title + "'s file is unreadable", e.what());
  }
  Response out;
  out.content_type = "application/vnd.mapbox-vector-tile";
  // The archive does not change while it is served; a day in a cache is safe.
  out.headers.emplace_back("Cache-Control", "public, max-age=86400");
  out.headers.emplace_back("Vary", "Accept-Encoding");
  if (!t) {
    out.status = 204;
    return out;
  }
  if (t->compression == tiles::TileCompression::Gzip) {
    if (accepts_gzip(header_list(r, "Accept-Encoding"))) {
      out.headers.emplace_back("Content-Encoding", "gzip");
      out.body = std::move(t->bytes);
      return out;
    }
    try {
      out.body = codec::gunzip(t->bytes, tiles::kMaxArchiveTileBytes, "tile");
    } catch (const core::InputError& e) {
      // The archive is at fault, not the request.
      return problem(500, "The " + m_opt.title + "'s tile is unreadable",
                     m_archive->path() + ": tile " + z + "/" + x + "/" + y + ": " + e.what());
    }
    return out;
  }
  out.body = std::move(t->bytes);
  return out;
}

}  // namespace minemap::http
