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
  // Features in store order (the order of Registry::for_each, which tiles keep): a single
  // point in `points` (lon/lat: its own box), any other geometry among the shapes
  // (positions through mvt::lonlat_to_mercator()) with its lon/lat box in `shape_box`, at
  // geom[i]. Everything is in a few large arrays (a million points take about 55 bytes
  // each), none in small blocks of its own.
  enum Kind : std::uint8_t { kShape = 0, kPoint = 1, kMultiPoint = 2 };
  std::vector<std::uint8_t> kind;  // points and multipoints are never too small
  std::vector<std::uint32_t> geom;
  std::vector<core::Coord> points;
  std::vector<core::Envelope> shape_box;  // as core::Geometry::envelope()
  // Shape k: its type, its parts shape_part[k] .. shape_part[k + 1], part p the positions
  // part_start[p] .. part_start[p + 1] of shape_xy, a point, line, exterior ring or hole.
  enum Part : std::uint8_t { kPartPoint = 0, kPartLine = 1, kPartShell = 2, kPartHole = 3 };
  std::vector<core::GeomType> shape_type;
  std::vector<std::uint32_t> shape_part{0};
  std::vector<std::uint32_t> part_start{0};
  std::vector<std::uint8_t> part_kind;
  std::vector<core::Coord> shape_xy;
  std::size_t shape_count() const { return shape_type.size(); }
  void add_shape(const core::Geometry& mercator);
  // Shape k into `out`, reusing the room `out` has.
  void shape(std::size_t k, core::Geometry& out) const;
  // The feature's lon/lat box.
  core::Envelope box(std::size_t i) const {
    if (kind[i] != kPoint) return shape_box[geom[i]];
    core::Envelope e;
    e.expand(points[geom[i]]);
    return e;
  }
  // The MVT feature id (the public id's number) when id_kind[i] > 0; the public id is then
  // the text id_prefix + the number in id_digits digits when id_kind[i] == 2 (what most
  // ids are: not kept as text), else among the tags.
  std::vector<std::uint64_t> id;
  std::vector<std::uint8_t> id_kind;
  std::string id_prefix;
  std::size_t id_digits = 0;
  std::string id_text(std::size_t i) const;
  // Feature i's attributes: tags[tag_start[i] .. tag_start[i + 1]) as (key, value)
  // index pairs into `table`.
  mvt::AttributeTable table;
  std::vector<std::uint32_t> tags;
  std::vector<std::uint32_t> tag_start;
  // The R-tree over the envelopes, whose item positions are tree_order[p] in store order.
  index::PackedTree tree;
  std::vector<std::uint32_t> tree_order;
  core::Envelope bounds;  // of every feature

  std::size_t size() const { return kind.size(); }
  // The features whose envelope intersects `q` (edges count), in store order.
  void query(const core::Envelope& q, std::vector<std::uint32_t>& out) const;
};

// What one tile may hold (tippecanoe's defaults). A tile over more is generalised
// (docs/tiles.md): points gathered into clusters on a grid of the tile, each with its
// point_count; lines and areas smaller than a grid cell counted into the clusters, the
// others simplified; attributes reduced to those the map draws by. The grid is coarser
// at each level until the tile fits.
struct TileLimits {
  std::size_t max_bytes = 500000;
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
  // generalised. Generalised tiles are kept (up to 32 MB) for the next request.
  std::string encode_tile(const mvt::TileId& tile, mvt::LayerOptions opt,
                          const TileLimits& limits = {}) const;
  // The same with the level of generalisation it took: 0 none, then 3, 4 ... (the
  // grid's cell is 8 << level tile units).
  struct Encoded {
    std::string bytes;
    int level = 0;
  };
  Encoded encode_tile_levelled(const mvt::TileId& tile, mvt::LayerOptions opt,
                               const TileLimits& limits = {}) const;
  // Lets go of the generalised tiles kept (a server building this snapshot's successor
  // makes room for it); they are drawn again when asked.
  void forget_kept_tiles() const;

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
