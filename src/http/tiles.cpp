#include "http/tiles.hpp"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "codec/gzip.hpp"
#include "core/errors.hpp"
#include "geo/geojson.hpp"
#include "http/encoding.hpp"
#include "http/params.hpp"
#include "tiles/mvt.hpp"

namespace minemap::http {

namespace {

void log_line(const std::string& line) {
  std::cerr << "minemap serve: tiles: " + line + "\n" << std::flush;
}

std::uint64_t random_run() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

// FNV-1a of the options that change bytes (TilesOptions).
std::uint64_t options_digest(const TilesOptions& o) {
  std::uint64_t h = 14695981039346656037ull;
  for (std::uint64_t v :
       {std::uint64_t{o.extent}, std::uint64_t{o.buffer}, static_cast<std::uint64_t>(o.max_zoom),
        std::uint64_t{o.limits.max_bytes}, std::uint64_t{o.limits.max_features}})
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  return h;
}

// The answer to a request whose If-None-Match holds the current tag: no body, the
// headers a 200 would have had that caches use.
bool not_modified(const Request& r, Response& out) {
  if (!etag_matches(header_list(r, "If-None-Match"), out.headers.front().second)) return false;
  out.status = 304;
  out.headers.emplace_back("Vary", "Accept-Encoding");
  return true;
}

}  // namespace

TilesApi::TilesApi(store::Registry& store, std::mutex& store_mutex, TilesOptions opt)
    : m_store(store),
      m_mutex(store_mutex),
      m_opt(opt),
      m_location(store.location()),
      m_run(random_run()),
      m_builder([this](std::int64_t version) { return build(version); }, log_line) {}

TilesApi::~TilesApi() {
  m_builder.stop();
}

void TilesApi::install(Server& s) {
  s.route("GET", "/tiles\\.json", [this](const Request& r) { return tilejson(r); });
  s.route("GET", "/tiles/([0-9]+)/([0-9]+)/([0-9]+)\\.mvt", [this](const Request& r) {
    return tile(r, r.captures.at(0), r.captures.at(1), r.captures.at(2));
  });
}

std::shared_ptr<const tiles::TileSnapshot> TilesApi::build(std::int64_t version) {
  std::lock_guard one_at_a_time(large_build_mutex());
  // Room for the new snapshot: the tiles the current one keeps drawn and compressed go
  // (they are drawn again if asked meanwhile), so that two snapshots and their caches do
  // not add up.
  if (auto current = m_builder.current()) current->forget_kept_tiles();
  {
    std::lock_guard lock(m_gzip.mutex);
    m_gzip.tiles.clear();
    m_gzip.bytes = 0;
  }
  if (!m_reader) {
    try {
      m_reader.emplace(store::Registry::open(m_location, false));
    } catch (const std::exception& e) {
      // A store that cannot be opened a second time (its file moved away): read through
      // the server's connection, under its lock, which holds writes meanwhile.
      log_line("cannot open " + m_location + " for reading (" + e.what() +
               "); reading through the server's connection");
      std::lock_guard lock(m_mutex);
      return std::make_shared<const tiles::TileSnapshot>(
          tiles::TileSnapshot::build(m_store, version));
    }
  }
  try {
    // Every layer from one read transaction, which began after `version` was read: it
    // holds every write that version counts, perhaps some more (the next check then
    // rebuilds once for nothing).
    std::shared_ptr<const tiles::TileSnapshot> s;
    m_reader->read_snapshot([&] {
      s = std::make_shared<const tiles::TileSnapshot>(
          tiles::TileSnapshot::build(*m_reader, version));
    });
    return s;
  } catch (...) {
    m_reader.reset();  // opened afresh for the next try
    throw;
  }
}

std::shared_ptr<const tiles::TileSnapshot> TilesApi::snapshot() {
  {
    std::unique_lock lock(m_mutex, std::try_to_lock);
    if (lock) {
      const std::int64_t version = m_store.data_version();
      lock.unlock();
      return m_builder.get(version);
    }
  }
  // A write (an import) holds the store: what it changes is noticed after it.
  if (auto s = m_builder.current()) return s;
  std::int64_t version;
  {
    std::lock_guard lock(m_mutex);
    version = m_store.data_version();
  }
  return m_builder.get(version);
}

std::shared_ptr<const tiles::TileSnapshot> TilesApi::fresh_snapshot() {
  std::int64_t version;
  {
    std::lock_guard lock(m_mutex);
    version = m_store.data_version();
  }
  return m_builder.get_fresh(version);
}

std::string TilesApi::etag(const tiles::TileSnapshot& s) const {
  return "W/\"" + hex(m_run) + "-" + hex(static_cast<std::uint64_t>(s.data_version())) + "-" +
         hex(options_digest(m_opt)) + "\"";
}

namespace {

std::uint64_t tile_key(const tiles::mvt::TileId& id) {
  return (static_cast<std::uint64_t>(id.z) << 48) | (std::uint64_t{id.x} << 24) |
         std::uint64_t{id.y};
}

}  // namespace

std::shared_ptr<const std::string> TilesApi::cached_gzip(const tiles::TileSnapshot& snap,
                                                         const tiles::mvt::TileId& id) {
  std::lock_guard lock(m_gzip.mutex);
  if (m_gzip.version != snap.data_version()) return nullptr;
  auto it = m_gzip.tiles.find(tile_key(id));
  return it == m_gzip.tiles.end() ? nullptr : it->second;
}

std::shared_ptr<const std::string> TilesApi::gzip_tile(const tiles::TileSnapshot& snap,
                                                       const tiles::mvt::TileId& id,
                                                       const std::string& tile) {
  auto gz = std::make_shared<const std::string>(codec::gzip(tile));  // outside the lock
  const std::int64_t version = snap.data_version();
  std::lock_guard lock(m_gzip.mutex);
  // A request still answered by an older snapshot keeps its tile to itself.
  if (version < m_gzip.version) return gz;
  if (version > m_gzip.version || m_gzip.bytes + gz->size() > kGzipCacheBytes) {
    m_gzip.tiles.clear();
    m_gzip.bytes = 0;
    m_gzip.version = version;
  }
  if (m_gzip.tiles.emplace(tile_key(id), gz).second) m_gzip.bytes += gz->size();
  return gz;
}

std::string TilesApi::encode_tile(int z, std::uint32_t x, std::uint32_t y) {
  // Encoded without any lock: the snapshot is immutable and shared.
  return fresh_snapshot()->encode_tile(tiles::mvt::tile_id(z, x, y), {m_opt.extent, m_opt.buffer},
                                       m_opt.limits);
}

Response TilesApi::tile(const Request& r, const std::string& z, const std::string& x,
                        const std::string& y) {
  std::int64_t zi = parse_int("z", z), xi = parse_int("x", x), yi = parse_int("y", y);
  if (zi > m_opt.max_zoom) throw core::InputError("z", "at most " + std::to_string(m_opt.max_zoom));
  tiles::mvt::TileId id = tiles::mvt::tile_id(zi, xi, yi);  // throws for x or y outside the zoom
  const auto snap = snapshot();
  Response out;
  out.content_type = "application/vnd.mapbox-vector-tile";
  out.headers.emplace_back("ETag", etag(*snap));  // first: not_modified() reads it
  // Stored by clients, but asked again each time (the data change with approvals):
  // unchanged, the answer is a 304 without the tile.
  out.headers.emplace_back("Cache-Control", "no-cache");
  if (not_modified(r, out)) return out;
  // Encoded without any lock: the snapshot is immutable and shared. Compressed, when
  // the client accepts gzip, by the router (negotiate_encoding), or here for a large
  // tile, kept compressed for the next client.
  const bool gzip = accepts_gzip(header_list(r, "Accept-Encoding"));
  std::shared_ptr<const std::string> gz = gzip ? cached_gzip(*snap, id) : nullptr;
  if (!gz) {
    out.body = snap->encode_tile(id, {m_opt.extent, m_opt.buffer}, m_opt.limits);
    if (!gzip || out.body.size() < kGzipCacheFrom) return out;
    try {
      gz = gzip_tile(*snap, id, out.body);
    } catch (const std::exception&) {
      return out;  // zlib out of memory: left to the router, which sends it as it is
    }
  }
  out.body = *gz;
  out.headers.emplace_back("Content-Encoding", "gzip");
  out.headers.emplace_back("Vary", "Accept-Encoding");
  return out;
}

Response TilesApi::tilejson(const Request& r) {
  std::string host = r.header("Host");
  std::string base = host.empty() ? "" : "http://" + host;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& name : tiles::tile_layers()) {
    const core::EntitySpec& spec = core::spec_by_name(name);
    nlohmann::json fields = {{"id", "String"}};
    for (const auto& f : spec.fields) {
      if (f.personal) continue;
      fields[std::string(f.name)] =
          f.type == core::FieldType::Integer || f.type == core::FieldType::Real ? "Number"
          : f.type == core::FieldType::Boolean                                  ? "Boolean"
                                                                                : "String";
    }
    layers.push_back({{"id", name},
                      {"description", std::string(spec.title)},
                      {"minzoom", 0},
                      {"maxzoom", m_opt.max_zoom},
                      {"fields", fields}});
  }
  const auto snap = snapshot();
  Response out;
  out.headers.emplace_back("ETag", etag(*snap));  // first: not_modified() reads it
  out.headers.emplace_back("Cache-Control", "no-cache");
  if (not_modified(r, out)) return out;
  const core::Envelope extent = snap->bounds();
  nlohmann::json j = {{"tilejson", "3.0.0"},
                      {"name", "minemap"},
                      {"tiles", {base + "/tiles/{z}/{x}/{y}.mvt"}},
                      {"minzoom", 0},
                      {"maxzoom", m_opt.max_zoom},
                      {"vector_layers", layers}};
  if (!extent.empty()) j["bounds"] = {extent.min_x, extent.min_y, extent.max_x, extent.max_y};
  out.body = geo::to_text(j);
  return out;
}

}  // namespace minemap::http
