// Vector tiles of the store: /tiles/{z}/{x}/{y}.mvt (Mapbox Vector Tile 2.1, one layer
// per entity, approved records only, no personal data) and /tiles.json (TileJSON 3.0).
// Both carry an ETag of the snapshot that answered and are revalidated by clients
// (304); the snapshot is rebuilt off the request path, on a connection of its own
// (docs/api.md, "Vector tiles").
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "http/rebuilder.hpp"
#include "http/server.hpp"
#include "store/registry.hpp"
#include "tiles/tile_index.hpp"

namespace minemap::http {

// Every option that changes the bytes of a tile or of /tiles.json is part of their
// ETag (TilesApi::etag): a field added here is added there.
struct TilesOptions {
  std::uint32_t extent = 4096;
  std::uint32_t buffer = 64;
  int max_zoom = 22;
  tiles::TileLimits limits;  // a tile over them is generalised (docs/tiles.md)
};

class TilesApi {
 public:
  TilesApi(store::Registry& store, std::mutex& store_mutex, TilesOptions opt = {});
  ~TilesApi();  // stops the snapshot's builder thread (after its build in progress)
  TilesApi(const TilesApi&) = delete;
  TilesApi& operator=(const TilesApi&) = delete;
  void install(Server& s);

  Response tile(const Request& r, const std::string& z, const std::string& x, const std::string& y);
  Response tilejson(const Request& r);

  // The tile's bytes (uncompressed MVT; empty when no layer has a feature), from a
  // snapshot of the store's data as it is now (waiting for its rebuild if need be).
  std::string encode_tile(int z, std::uint32_t x, std::uint32_t y);

  // The snapshot requests are answered from: the last one built, even when the store's
  // data changed since (a write by this process or another one), in which case a
  // rebuild is started; its successor replaces it when complete. Only when none was
  // built yet does this wait. The store's version is read only when its lock is free:
  // a write in progress is noticed by a request after it.
  std::shared_ptr<const tiles::TileSnapshot> snapshot();
  // The snapshot of the store's data as it is now, waiting for its build (tests).
  std::shared_ptr<const tiles::TileSnapshot> fresh_snapshot();

  // The entity tag of what `s` answers with these options (weak: the same for the gzip
  // and the identity forms): this server's run, the snapshot's data version and the
  // options. Differs between two runs of the server, as data versions restart.
  std::string etag(const tiles::TileSnapshot& s) const;

 private:
  // The snapshot of `version`, read through a connection of its own (m_reader), on the
  // builder's thread.
  std::shared_ptr<const tiles::TileSnapshot> build(std::int64_t version);

  store::Registry& m_store;
  std::mutex& m_mutex;  // the store's, held only to read it
  TilesOptions m_opt;
  std::string m_location;  // the store's, to open m_reader
  std::uint64_t m_run;     // random, for this run of the server
  // Used by the builder's thread only: the read connection, opened at the first build
  // and again after a failed one.
  std::optional<store::Registry> m_reader;
  Rebuilder<tiles::TileSnapshot> m_builder;  // after what its thread uses

  // The gzip form of the larger tiles of the snapshot answering, kept for the next
  // client (compressing 400 KB takes 15-20 ms, more than drawing it again from the
  // snapshot's own cache): emptied when a newer snapshot answers, or when full.
  struct GzipCache {
    std::mutex mutex;
    std::int64_t version = -1;
    std::unordered_map<std::uint64_t, std::shared_ptr<const std::string>> tiles;
    std::size_t bytes = 0;
  };
  std::shared_ptr<const std::string> cached_gzip(const tiles::TileSnapshot& snap,
                                                 const tiles::mvt::TileId& id);
  std::shared_ptr<const std::string> gzip_tile(const tiles::TileSnapshot& snap,
                                               const tiles::mvt::TileId& id,
                                               const std::string& tile);
  GzipCache m_gzip;
};

// Tiles from this size on are kept compressed (TilesApi::m_gzip), up to kGzipCacheBytes.
inline constexpr std::size_t kGzipCacheFrom = 16 * 1024;
inline constexpr std::size_t kGzipCacheBytes = 32u << 20;

}  // namespace minemap::http
