#include "http/tiles.hpp"

#include <nlohmann/json.hpp>
#include <vector>

#include "core/errors.hpp"
#include "geo/geojson.hpp"
#include "http/params.hpp"
#include "tiles/mvt.hpp"

namespace minemap::http {

TilesApi::TilesApi(store::Registry& store, std::mutex& store_mutex, TilesOptions opt)
    : m_store(store), m_mutex(store_mutex), m_opt(opt) {}

void TilesApi::install(Server& s) {
  s.route("GET", "/tiles\\.json", [this](const Request& r) { return tilejson(r); });
  s.route("GET", "/tiles/([0-9]+)/([0-9]+)/([0-9]+)\\.mvt", [this](const Request& r) {
    return tile(r, r.captures.at(0), r.captures.at(1), r.captures.at(2));
  });
}

std::shared_ptr<const tiles::TileSnapshot> TilesApi::snapshot() {
  std::int64_t version;
  {
    std::lock_guard lock(m_mutex);
    version = m_store.data_version();
  }
  if (auto s = m_snapshot.get(); s && s->data_version() == version) return s;
  std::lock_guard build(m_build_mutex);
  // Another worker may have read it meanwhile; the version is read again, with the
  // data, under one hold of the store's lock.
  std::lock_guard lock(m_mutex);
  version = m_store.data_version();
  if (auto s = m_snapshot.get(); s && s->data_version() == version) return s;
  auto s =
      std::make_shared<const tiles::TileSnapshot>(tiles::TileSnapshot::build(m_store, version));
  m_snapshot.publish(s);
  return s;
}

std::string TilesApi::encode_tile(int z, std::uint32_t x, std::uint32_t y) {
  // Encoded without any lock: the snapshot is immutable and shared.
  return snapshot()->encode_tile(tiles::mvt::tile_id(z, x, y), {m_opt.extent, m_opt.buffer});
}

Response TilesApi::tile(const Request&, const std::string& z, const std::string& x,
                        const std::string& y) {
  std::int64_t zi = parse_int("z", z), xi = parse_int("x", x), yi = parse_int("y", y);
  if (zi > m_opt.max_zoom) throw core::InputError("z", "at most " + std::to_string(m_opt.max_zoom));
  tiles::mvt::TileId id = tiles::mvt::tile_id(zi, xi, yi);  // throws for x or y outside the zoom
  Response out;
  out.content_type = "application/vnd.mapbox-vector-tile";
  out.body = encode_tile(id.z, id.x, id.y);
  out.headers.emplace_back("Cache-Control", "no-cache");
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
  const core::Envelope extent = snapshot()->bounds();
  nlohmann::json j = {{"tilejson", "3.0.0"},
                      {"name", "minemap"},
                      {"tiles", {base + "/tiles/{z}/{x}/{y}.mvt"}},
                      {"minzoom", 0},
                      {"maxzoom", m_opt.max_zoom},
                      {"vector_layers", layers}};
  if (!extent.empty()) j["bounds"] = {extent.min_x, extent.min_y, extent.max_x, extent.max_y};
  Response out;
  out.body = geo::to_text(j);
  return out;
}

}  // namespace minemap::http
