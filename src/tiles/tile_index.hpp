// A read-only snapshot of what the vector tiles draw: for each tile layer, every approved
// feature's geometry in Web Mercator metres, its lon/lat envelope, its numeric id and its
// attributes interned once, with a packed R-tree over the envelopes. Read from the store
// in one pass (under the caller's store lock); tiles are then encoded from it by any
// number of threads at once, with no lock and no SQLite.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "index/packed_tree.hpp"
#include "store/registry.hpp"
#include "tiles/mvt.hpp"

namespace minemap::tiles {

// The entities drawn in tiles, by layer name (the entity's name: "hazards" ...).
const std::vector<std::string>& tile_layers();

// The public id's number ("HZ-000123" -> 123): the feature id of MVT, which is numeric.
std::optional<std::uint64_t> numeric_id(const std::string& id);

// A feature's attributes: its public id, workflow left out (tiles show approved
// records), personal fields left out, long texts (raw records, warnings) left out.
mvt::Attributes tile_attributes(const core::EntitySpec& spec, const core::Record& r);

struct TileLayerIndex {
  std::string name;
  // Features in store order (the order of Registry::for_each, which tiles keep).
  std::vector<core::Geometry> mercator;  // positions through mvt::lonlat_to_mercator()
  std::vector<core::Envelope> box;       // lon/lat, as core::Geometry::envelope()
  std::vector<std::uint8_t> point;       // Point or MultiPoint: never too small
  std::vector<std::uint64_t> id;
  std::vector<std::uint8_t> has_id;
  // Feature i's attributes: tags[tag_start[i] .. tag_start[i + 1]) as (key, value)
  // index pairs into `table`.
  mvt::AttributeTable table;
  std::vector<std::uint32_t> tags;
  std::vector<std::uint32_t> tag_start;
  // The R-tree over the envelopes, whose item positions are tree_order[p] in store order.
  index::PackedTree tree;
  std::vector<std::uint32_t> tree_order;
  std::vector<core::Envelope> tree_box;  // box[tree_order[p]]
  core::Envelope bounds;                 // of every feature

  std::size_t size() const { return box.size(); }
  // The features whose envelope intersects `q` (edges count), in store order.
  void query(const core::Envelope& q, std::vector<std::uint32_t>& out) const;
};

// What one tile may hold (tippecanoe's defaults). A tile over more is generalised
// (docs/tiles.md): points gathered into clusters on a grid of the tile, each with its
// point_count; lines and areas smaller than a grid cell counted into the clusters, the
// others simplified; attributes reduced to those the map draws by. The grid is coarser
// at each level until the tile fits.
struct TileLimits {
  std::size_t max_bytes = 500 * 1024;
  std::size_t max_features = 200000;
};

class TileSnapshot {
 public:
  // Reads every tile layer of the store (approved, not deleted). The caller holds the
  // store's lock and passes the store's data version read before, under the same lock.
  static TileSnapshot build(store::Registry& store, std::int64_t data_version);

  std::int64_t data_version() const { return m_version; }
  const std::vector<TileLayerIndex>& layers() const { return m_layers; }
  // Lon/lat box of every feature of every layer (empty when there is none).
  core::Envelope bounds() const;

  // The tile's bytes (uncompressed MVT; empty when no layer has a feature): within the
  // limits as encoding each record fetched by box from the store would give them, else
  // generalised. Generalised tiles are kept (up to 64 MB) for the next request.
  std::string encode_tile(const mvt::TileId& tile, mvt::LayerOptions opt,
                          const TileLimits& limits = {}) const;
  // The same with the level of generalisation it took: 0 none, then 1, 2 ... (the
  // grid's cell is 8 << level tile units).
  struct Encoded {
    std::string bytes;
    int level = 0;
  };
  Encoded encode_tile_levelled(const mvt::TileId& tile, mvt::LayerOptions opt,
                               const TileLimits& limits = {}) const;

 private:
  struct Cache;
  std::int64_t m_version = 0;
  std::vector<TileLayerIndex> m_layers;
  std::shared_ptr<Cache> m_cache;
};

// The lon/lat box to fetch for a tile: the tile grown by the buffer (a fraction of the
// tile's side, which is linear in Web Mercator metres).
core::Envelope tile_query_box(const mvt::TileId& tile, mvt::LayerOptions opt);

}  // namespace minemap::tiles
