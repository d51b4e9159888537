// Mapbox Vector Tile (MVT 2.1) encoding, as a pure module: Web Mercator tile math
// (EPSG:3857, XYZ tile scheme of OSM and MapLibre), a layer builder that projects,
// clips and quantises lon/lat geometries to one tile, and the protobuf encoding of the
// tile (protozero). No I/O: the caller fetches the features and serves the bytes.
//
// Tile coordinates follow PostGIS's
//   ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z, x, y), extent, buffer, true):
// origin at the tile's top-left corner, x right, y down, `extent` units per tile side.
#pragma once

#include <concepts>
#include <cstdint>
#include <deque>
#include <map>
#include <numbers>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/geometry.hpp"
#include "core/schema.hpp"

namespace minemap::tiles::mvt {

// ---- Tile math ----

inline constexpr int kMaxZoom = 30;
inline constexpr std::uint32_t kDefaultExtent = 4096;
inline constexpr std::uint32_t kDefaultBuffer = 64;
inline constexpr std::uint32_t kMaxExtent = 65536;
// The sphere of Web Mercator, and half the width of its square world (pi * R, metres).
inline constexpr double kEarthRadius = 6378137.0;
inline constexpr double kWorldHalf = std::numbers::pi * kEarthRadius;  // 20037508.342789244

// One tile of the XYZ scheme: zoom z, column x (from 180°W), row y (from the top).
struct TileId {
  int z = 0;
  std::uint32_t x = 0;
  std::uint32_t y = 0;
  friend bool operator==(const TileId&, const TileId&) = default;
};

// A checked tile id: z in 0..30, x and y in 0..2^z-1. Throws core::InputError whose
// field is "z", "x" or "y".
TileId tile_id(std::int64_t z, std::int64_t x, std::int64_t y);

// Lon/lat (degrees) <-> Web Mercator metres, the spherical formulas of EPSG:3857. Latitudes
// are clamped to ±90° so that the poles give large but finite northings.
core::Coord lonlat_to_mercator(core::Coord lonlat);
core::Coord mercator_to_lonlat(core::Coord xy);

// The tile's square in metres (as ST_TileEnvelope) and in lon/lat degrees. Both throw
// core::InputError for an out-of-range id, as every function taking a TileId does.
core::Envelope tile_bounds_mercator(const TileId& t);
core::Envelope tile_bounds_lonlat(const TileId& t);

// A position in integer tile units.
struct TilePoint {
  std::int64_t x = 0;
  std::int64_t y = 0;
  friend bool operator==(const TilePoint&, const TilePoint&) = default;
};

// Lon/lat -> coordinates of one tile, with `extent` units per side (1..65536).
class TileTransform {
 public:
  explicit TileTransform(const TileId& tile, std::uint32_t extent = kDefaultExtent);

  // The exact (fractional) tile coordinates of a lon/lat position, and of a position
  // already in Web Mercator metres (project() is project_mercator() of
  // lonlat_to_mercator(), to the bit).
  core::Coord project(core::Coord lonlat) const;
  core::Coord project_mercator(core::Coord xy) const {
    return {xy.x * m_fx + m_xoff, xy.y * m_fy + m_yoff};
  }
  // The position rounded to tile units as PostGIS does: ties to even (see mvt.cpp).
  // Far-away positions are clamped to ±2^50 units; NaN gives 0.
  TilePoint quantise(core::Coord lonlat) const;

  const TileId& tile() const { return m_tile; }
  std::uint32_t extent() const { return m_extent; }

 private:
  TileId m_tile;
  std::uint32_t m_extent;
  // tile x = mx * m_fx + m_xoff, tile y = my * m_fy + m_yoff (mx, my in metres).
  double m_fx, m_fy, m_xoff, m_yoff;
};

// Whether a line or polygon is too small to draw at zoom z: its projected box is under
// one tile unit both wide and high, so that once rounded it would be a dot at most.
// Lets the caller thin features at low zoom before building a layer. Points are never
// too small; an empty geometry always is. The envelope form takes a lon/lat box (from an
// index, say) and does not know the type, so it applies the size rule alone.
bool too_small(const core::Geometry& lonlat, int z, std::uint32_t extent = kDefaultExtent);
bool too_small(const core::Envelope& lonlat_box, int z, std::uint32_t extent = kDefaultExtent);

// ---- Layers and tiles ----

struct LayerOptions {
  std::uint32_t extent = kDefaultExtent;  // 1..65536
  // Units kept around the tile (0..extent), so that lines and outlines drawn across
  // tile edges join up.
  std::uint32_t buffer = kDefaultBuffer;
  // Lines and rings simplified once rounded (Douglas-Peucker): a vertex closer than this
  // many units to the line between the vertices kept around it goes. 0: none, the
  // geometry as PostGIS's ST_AsMVTGeom gives it.
  std::uint32_t simplify = 0;
};

// Attributes of one feature; std::monostate (null) values are left out.
using Attributes = std::vector<std::pair<std::string, core::Value>>;
// The field map of core::Record, accepted as is.
using FieldMap = std::map<std::string, core::Value, std::less<>>;

// Attribute keys and values interned once for many tiles (a snapshot of a store layer,
// say); a feature's attributes are then (key, value) index pairs into them.
struct AttributeTable {
  std::vector<std::string> keys;
  std::vector<core::Value> values;
  // Optional, one per value: 1 for a value that one feature uses once and that equals no
  // other value of the table (a public id, say). Such values are written as they come,
  // without the lookups that share a value between features.
  std::vector<std::uint8_t> unique;
};

// One named layer of one tile, built feature by feature. add_feature() projects the
// lon/lat geometry to the tile, clips it to the tile grown by the buffer, rounds it to
// whole units and drops what degenerates:
//  - points that do not round into the buffered tile (its edges count as inside);
//  - repeated consecutive positions;
//  - line parts with fewer than 2 distinct positions (a line that leaves and re-enters
//    the buffered tile is cut into several parts, Liang-Barsky);
//  - polygon rings (Sutherland-Hodgman against the buffered tile) with fewer than 3
//    distinct positions or zero area; a polygon whose exterior ring goes takes its holes
//    with it.
// Exterior rings come out with positive area by the surveyor's formula in tile
// coordinates (clockwise on screen, y down), holes negative, as MVT 2.1 requires.
// Non-finite coordinates are ignored. Keys and values go into the layer's tables once
// each; a key given twice for one feature keeps its first value. A Layer is not
// thread-safe; build one per thread.
class Layer {
 public:
  // Throws core::InputError for an empty name, a bad tile id, extent or buffer.
  Layer(std::string name, const TileId& tile, LayerOptions opt = {});
  Layer(Layer&&) noexcept = default;
  Layer& operator=(Layer&&) noexcept = default;
  // Tables hold views into their own storage: copying would leave them dangling.
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  // Adds a feature (with the MVT feature id when given); false when its geometry
  // vanished in the tile, in which case nothing is written, not even its keys.
  bool add_feature(const core::Geometry& lonlat, const Attributes& attributes,
                   std::optional<std::uint64_t> id = std::nullopt);
  // The same from a field map (core::Record::fields). A template only so that a braced
  // list of pairs picks the overload above instead of being ambiguous.
  template <std::same_as<FieldMap> M>
  bool add_feature(const core::Geometry& lonlat, const M& attributes,
                   std::optional<std::uint64_t> id = std::nullopt) {
    return add_fields(lonlat, attributes, id);
  }
  // The same from a geometry already in Web Mercator metres (each position through
  // lonlat_to_mercator(), non-finite ones as NaN) and attributes as flat (key, value)
  // index pairs into `table`, without nulls: what a snapshot read once for many tiles
  // holds. Gives the bytes add_feature() gives for the lon/lat geometry and the
  // attributes the pairs stand for, provided that every feature of the layer comes from
  // this one table. `table` must outlive the layer.
  bool add_indexed(const core::Geometry& mercator, const AttributeTable& table,
                   std::span<const std::uint32_t> tags,
                   std::optional<std::uint64_t> id = std::nullopt);

  const std::string& name() const { return m_name; }
  const TileId& tile() const { return m_transform.tile(); }
  std::uint32_t extent() const { return m_transform.extent(); }
  std::uint32_t buffer() const { return m_buffer; }
  std::size_t size() const { return m_count; }  // features written
  bool empty() const { return m_count == 0; }
  // The bytes the layer adds to a tile so far (less a few of its header).
  std::size_t bytes() const { return m_features.size() + m_keys.size() + m_values.size(); }

  friend std::string encode(std::span<const Layer> layers);

 private:
  // The geometry commands of a feature into m_geometry; returns the MVT GeomType
  // (0 when nothing is left).
  int build_geometry(const core::Geometry& g);
  bool add_fields(const core::Geometry& lonlat, const FieldMap& attributes,
                  std::optional<std::uint64_t> id);
  // The body shared by the add_* functions: geometry, then tags by add_tags(), then
  // the feature.
  template <class AddTags>
  bool add_built(const core::Geometry& g, std::optional<std::uint64_t> id, AddTags&& add_tags);
  core::Coord to_tile(core::Coord c) const {
    return m_mercator ? m_transform.project_mercator(c) : m_transform.project(c);
  }
  void add_points(const std::vector<core::Coord>& points);
  void add_line(const core::LineString& line);
  void add_polygon(const core::Polygon& polygon);
  void emit_part();
  void quantise_clipped();
  void simplify_part(bool ring);
  void write_path();
  bool emit_ring(bool exterior);
  void project(const std::vector<core::Coord>& in, bool ring);
  void add_tag(std::string_view key, const core::Value& value);
  std::uint32_t key_index(std::string_view key);
  std::uint32_t value_index(const core::Value& value);
  std::uint32_t write_value(const core::Value& value);
  void write_feature(int type, std::optional<std::uint64_t> id);

  std::string m_name;
  TileTransform m_transform;
  std::uint32_t m_buffer;
  std::uint32_t m_simplify;
  double m_min, m_max;            // the buffered tile: [m_min, m_max] on both axes
  core::Envelope m_lonlat_box;    // the buffered tile in lon/lat, grown by one unit
  core::Envelope m_mercator_box;  // the same in metres
  bool m_mercator = false;        // the feature being added is in metres
  std::size_t m_count = 0;

  std::string m_features;  // encoded Feature fields (tag 2), in order
  std::string m_keys;      // encoded keys (tag 3)
  std::string m_values;    // encoded values (tag 4)

  // Lookup of keys and string values: the views point into the deques, whose elements
  // never move.
  std::deque<std::string> m_key_store, m_string_store;
  std::unordered_map<std::string_view, std::uint32_t> m_key_index, m_string_index;
  std::unordered_map<std::int64_t, std::uint32_t> m_int_index;
  std::unordered_map<std::uint64_t, std::uint32_t> m_double_index;  // by bit pattern
  std::uint32_t m_bool_index[2] = {kNone, kNone};
  std::uint32_t m_value_count = 0;
  // add_indexed(): the table's key and value indexes -> this layer's.
  const AttributeTable* m_table = nullptr;
  std::vector<std::uint32_t> m_table_keys;
  std::unordered_map<std::uint32_t, std::uint32_t> m_table_values;
  static constexpr std::uint32_t kNone = 0xffffffffu;

  // Scratch buffers, reused from feature to feature.
  std::vector<core::Coord> m_projected, m_clip_a, m_clip_b;
  std::vector<TilePoint> m_part;
  std::vector<std::uint8_t> m_keep;
  std::vector<std::pair<std::size_t, std::size_t>> m_spans;
  std::vector<std::uint32_t> m_geometry, m_tags;
  std::string m_message;  // one feature or value, encoded
  TilePoint m_cursor;
};

// The tile: every non-empty layer, in order, as uncompressed MVT bytes. Throws
// core::InputError when two non-empty layers share a name.
std::string encode(std::span<const Layer> layers);

}  // namespace minemap::tiles::mvt
