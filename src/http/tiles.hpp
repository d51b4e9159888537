// Vector tiles of the store: /tiles/{z}/{x}/{y}.mvt (Mapbox Vector Tile 2.1, one layer
// per entity, approved records only, no personal data) and /tiles.json (TileJSON 3.0).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "http/server.hpp"
#include "index/snapshot.hpp"
#include "store/registry.hpp"
#include "tiles/tile_index.hpp"

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

  // The snapshot tiles are drawn from, read again first when the store's data changed
  // (a write by this process or another one) since it was read.
  std::shared_ptr<const tiles::TileSnapshot> snapshot();

 private:
  store::Registry& m_store;
  std::mutex& m_mutex;  // the store's, held only to read it
  TilesOptions m_opt;
  index::SnapshotSlot<tiles::TileSnapshot> m_snapshot;
  // Held while reading a snapshot, so that workers noticing the same change at once
  // read the store once.
  std::mutex m_build_mutex;
};

}  // namespace minemap::http
