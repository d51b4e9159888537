// Vector tiles of the store: /tiles/{z}/{x}/{y}.mvt (Mapbox Vector Tile 2.1, one layer
// per entity, approved records only, no personal data) and /tiles.json (TileJSON 3.0).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "http/server.hpp"
#include "store/registry.hpp"

namespace minemap::http {

struct TilesOptions {
  std::uint32_t extent = 4096;
  std::uint32_t buffer = 64;
  int max_zoom = 22;
};

class TilesApi {
 public:
  TilesApi(store::Registry& store, std::mutex& store_mutex, TilesOptions opt = {});
  void install(Server& s);

  Response tile(const Request& r, const std::string& z, const std::string& x, const std::string& y);
  Response tilejson(const Request& r);

  // The tile's bytes (uncompressed MVT; empty when no layer has a feature).
  std::string encode_tile(int z, std::uint32_t x, std::uint32_t y);

 private:
  store::Registry& m_store;
  std::mutex& m_mutex;
  TilesOptions m_opt;
};

// The entities drawn in tiles, by layer name (the entity's name: "hazards" ...).
const std::vector<std::string>& tile_layers();

}  // namespace minemap::http
