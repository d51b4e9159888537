#include "http/tiles.hpp"

#include <nlohmann/json.hpp>
#include <vector>

#include "core/errors.hpp"
#include "http/mvt.hpp"
#include "http/params.hpp"

namespace minemap::http {

namespace {

// The public id's number ("HZ-000123" -> 123): the feature id of MVT, which is numeric.
std::optional<std::uint64_t> numeric_id(const std::string& id) {
  auto dash = id.rfind('-');
  if (dash == std::string::npos || dash + 1 >= id.size()) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = dash + 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(id[i] - '0');
  }
  return v;
}

// A feature's attributes: its public id, workflow left out (tiles show approved
// records), personal fields left out, long texts (raw records, warnings) left out.
mvt::Attributes attributes(const core::EntitySpec& spec, const core::Record& r) {
  mvt::Attributes a;
  a.emplace_back("id", r.id);
  for (const auto& f : spec.fields) {
    if (f.personal) continue;
    auto it = r.fields.find(f.name);
    if (it == r.fields.end()) continue;
    if (auto* s = std::get_if<std::string>(&it->second); s && s->size() > 256) continue;
    a.emplace_back(std::string(f.name), it->second);
  }
  return a;
}

}  // namespace

const std::vector<std::string>& tile_layers() {
  // Drawn bottom to top: the base of admin areas and roads, then hazards and released
  // land, records and their mines, settlements, items and accidents.
  static const std::vector<std::string> layers = {"admin-areas", "roads",   "hazards",
                                                  "releases",    "records", "record-mines",
                                                  "settlements", "items",   "accidents"};
  return layers;
}

TilesApi::TilesApi(store::Registry& store, std::mutex& store_mutex, TilesOptions opt)
    : m_store(store), m_mutex(store_mutex), m_opt(opt) {}

void TilesApi::install(Server& s) {
  s.route("GET", "/tiles\\.json", [this](const Request& r) { return tilejson(r); });
  s.route("GET", "/tiles/([0-9]+)/([0-9]+)/([0-9]+)\\.mvt", [this](const Request& r) {
    return tile(r, r.captures.at(0), r.captures.at(1), r.captures.at(2));
  });
}

std::string TilesApi::encode_tile(int z, std::uint32_t x, std::uint32_t y) {
  const mvt::TileId id = mvt::tile_id(z, x, y);
  mvt::LayerOptions lo{m_opt.extent, m_opt.buffer};
  // The query box: the tile grown by the buffer, in degrees (the buffer is a fraction
  // of the tile's side, which is linear in Web Mercator metres).
  core::Envelope m = mvt::tile_bounds_mercator(id);
  double grow = (m.max_x - m.min_x) * m_opt.buffer / m_opt.extent;
  core::Envelope box;
  box.expand(mvt::mercator_to_lonlat({m.min_x - grow, m.min_y - grow}));
  box.expand(mvt::mercator_to_lonlat({m.max_x + grow, m.max_y + grow}));

  std::vector<mvt::Layer> layers;
  std::lock_guard lock(m_mutex);
  for (const auto& name : tile_layers()) {
    const core::EntitySpec& spec = core::spec_by_name(name);
    mvt::Layer layer(name, id, lo);
    store::ListQuery q;
    q.approved_only = true;
    q.bbox = box;
    m_store.for_each(spec, q, [&](const core::Record& r) {
      // At low zoom, areas and lines smaller than a tile unit are not drawn.
      if (mvt::too_small(r.geometry, z, m_opt.extent)) return;
      layer.add_feature(r.geometry, attributes(spec, r), numeric_id(r.id));
    });
    if (!layer.empty()) layers.push_back(std::move(layer));
  }
  return mvt::encode(layers);
}

Response TilesApi::tile(const Request&, const std::string& z, const std::string& x,
                        const std::string& y) {
  std::int64_t zi = parse_int("z", z), xi = parse_int("x", x), yi = parse_int("y", y);
  if (zi > m_opt.max_zoom) throw core::InputError("z", "at most " + std::to_string(m_opt.max_zoom));
  mvt::TileId id = mvt::tile_id(zi, xi, yi);  // throws for x or y outside the zoom
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
  core::Envelope extent;
  {
    std::lock_guard lock(m_mutex);
    for (const auto& name : tile_layers()) {
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
      store::ListQuery q;
      q.approved_only = true;
      m_store.for_each_geometry(spec, q, [&](const std::string&, const core::Geometry& g) {
        core::Envelope e = g.envelope();
        if (!e.empty()) {
          extent.expand(core::Coord{e.min_x, e.min_y});
          extent.expand(core::Coord{e.max_x, e.max_y});
        }
      });
    }
  }
  nlohmann::json j = {{"tilejson", "3.0.0"},
                      {"name", "minemap"},
                      {"tiles", {base + "/tiles/{z}/{x}/{y}.mvt"}},
                      {"minzoom", 0},
                      {"maxzoom", m_opt.max_zoom},
                      {"vector_layers", layers}};
  if (!extent.empty()) j["bounds"] = {extent.min_x, extent.min_y, extent.max_x, extent.max_y};
  Response out;
  out.body = j.dump();
  return out;
}

}  // namespace minemap::http
