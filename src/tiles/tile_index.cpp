#include "tiles/tile_index.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <span>
#include <tuple>
#include <unordered_map>

#include "core/memory.hpp"

namespace minemap::tiles {

namespace {

core::Coord to_mercator(core::Coord c) {
  // Non-finite positions stay non-finite, so that the layer skips them as it skips them
  // in lon/lat.
  if (!std::isfinite(c.x) || !std::isfinite(c.y))
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  return mvt::lonlat_to_mercator(c);
}

core::Geometry to_mercator(core::Geometry g) {
  for (auto& c : g.points) c = to_mercator(c);
  for (auto& line : g.lines)
    for (auto& c : line) c = to_mercator(c);
  for (auto& polygon : g.polygons)
    for (auto& ring : polygon)
      for (auto& c : ring) c = to_mercator(c);
  return g;
}

// Interns keys and values for one layer. Values are shared by type and content, as
// mvt::Layer shares them in a tile; the public id, unique to each feature, is not looked
// up at all, and is marked unique unless another value equals it.
class Interner {
 public:
  explicit Interner(mvt::AttributeTable& table) : m_table(table) {}

  std::uint32_t key(const std::string& k) {
    auto [it, fresh] = m_keys.try_emplace(k, static_cast<std::uint32_t>(m_table.keys.size()));
    if (fresh) m_table.keys.push_back(k);
    return it->second;
  }

  std::uint32_t value(core::Value v, bool unique) {
    if (unique) return append(std::move(v), 1);
    std::string k = lookup_key(v);
    auto it = m_values.find(k);
    if (it != m_values.end()) return it->second;
    const std::uint32_t i = append(std::move(v), 0);
    m_values.emplace(std::move(k), i);
    return i;
  }

  // A value given as unique that equals an interned one is not unique after all.
  void finish() {
    for (std::size_t i = 0; i < m_table.values.size(); ++i)
      if (m_table.unique[i] != 0 && m_values.contains(lookup_key(m_table.values[i])))
        m_table.unique[i] = 0;
  }

 private:
  static std::string lookup_key(const core::Value& v) {
    std::string k(1, static_cast<char>(v.index()));
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) {
            k += x;
          } else if constexpr (std::is_same_v<T, double>) {
            k += std::to_string(std::bit_cast<std::uint64_t>(x));
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            k += std::to_string(x);
          } else if constexpr (std::is_same_v<T, bool>) {
            k += x ? '1' : '0';
          }
        },
        v);
    return k;
  }

  std::uint32_t append(core::Value v, std::uint8_t unique) {
    m_table.values.push_back(std::move(v));
    m_table.unique.push_back(unique);
    return static_cast<std::uint32_t>(m_table.values.size() - 1);
  }

  mvt::AttributeTable& m_table;
  std::unordered_map<std::string, std::uint32_t> m_keys, m_values;
};

// The public id's text from its parts: prefix, then the number in `digits` digits.
std::string id_from(const std::string& prefix, std::uint64_t number, std::size_t digits) {
  std::string n = std::to_string(number);
  if (n.size() < digits) n.insert(0, digits - n.size(), '0');
  return prefix + n;
}

TileLayerIndex build_layer(store::Registry& store, const std::string& name) {
  const core::EntitySpec& spec = core::spec_by_name(name);
  TileLayerIndex l;
  l.name = name;
  l.tag_start.push_back(0);
  Interner interner(l.table);
  store::ListQuery q;
  q.approved_only = true;
  bool pattern = false;  // id_prefix and id_digits are known
  // Room for every row at once: growing by doubling would hold twice as much meanwhile.
  const auto rows = static_cast<std::size_t>(store.count(spec));
  l.kind.reserve(rows);
  l.geom.reserve(rows);
  l.id.reserve(rows);
  l.id_kind.reserve(rows);
  l.tag_start.reserve(rows + 1);
  if (spec.geometry == core::GeomType::Point) l.points.reserve(rows);
  store.for_each(spec, q, [&](const core::Record& r) {
    const core::Envelope box = r.geometry.envelope();
    // A box query never finds what has no envelope.
    if (box.empty()) return;
    l.bounds.expand(core::Coord{box.min_x, box.min_y});
    l.bounds.expand(core::Coord{box.max_x, box.max_y});
    const bool single = r.geometry.type == core::GeomType::Point && r.geometry.points.size() == 1;
    l.kind.push_back(single ? TileLayerIndex::kPoint
                     : r.geometry.type == core::GeomType::Point ||
                             r.geometry.type == core::GeomType::MultiPoint
                         ? TileLayerIndex::kMultiPoint
                         : TileLayerIndex::kShape);
    if (single) {
      l.geom.push_back(static_cast<std::uint32_t>(l.points.size()));
      l.points.push_back(r.geometry.points[0]);
    } else {
      l.geom.push_back(static_cast<std::uint32_t>(l.shape_count()));
      l.add_shape(to_mercator(r.geometry));
      l.shape_box.push_back(box);
    }
    const auto id = numeric_id(r.id);
    l.id.push_back(id.value_or(0));
    std::uint8_t id_kind = id ? 1 : 0;
    if (id) {
      const std::size_t dash = r.id.rfind('-');
      if (!pattern) {
        l.id_prefix = r.id.substr(0, dash + 1);
        l.id_digits = r.id.size() - dash - 1;
        pattern = true;
      }
      if (r.id.size() == l.id_prefix.size() + l.id_digits &&
          r.id.compare(0, l.id_prefix.size(), l.id_prefix) == 0 &&
          id_from(l.id_prefix, *id, l.id_digits) == r.id)
        id_kind = 2;  // the text is prefix + number: not kept
    }
    l.id_kind.push_back(id_kind);
    for (auto& [key, value] : tile_attributes(spec, r)) {
      if (std::holds_alternative<std::monostate>(value)) continue;
      if (id_kind == 2 && key == "id") continue;
      l.tags.push_back(interner.key(key));
      l.tags.push_back(interner.value(std::move(value), key == "id"));
    }
    l.tag_start.push_back(static_cast<std::uint32_t>(l.tags.size()));
  });
  interner.finish();
  // An id not kept as text that equals a value of the table is no longer unique (the
  // encoder shares equal values): it goes back among its feature's tags, first.
  std::vector<std::uint32_t> shared;
  for (std::size_t v = 0; v < l.table.values.size(); ++v) {
    const auto* text = std::get_if<std::string>(&l.table.values[v]);
    if (!text || l.table.unique[v] != 0) continue;
    if (auto n = numeric_id(*text); n && *text == id_from(l.id_prefix, *n, l.id_digits))
      shared.push_back(static_cast<std::uint32_t>(v));
  }
  if (!shared.empty()) {
    std::unordered_map<std::uint64_t, std::uint32_t> by_number;  // id number -> value
    for (std::uint32_t v : shared)
      by_number[*numeric_id(std::get<std::string>(l.table.values[v]))] = v;
    const std::uint32_t id_key = interner.key("id");
    std::vector<std::uint32_t> tags, starts{0};
    for (std::size_t i = 0; i < l.id.size(); ++i) {
      auto it = l.id_kind[i] == 2 ? by_number.find(l.id[i]) : by_number.end();
      if (it != by_number.end()) {
        tags.insert(tags.end(), {id_key, it->second});
        l.id_kind[i] = 1;
      }
      tags.insert(tags.end(), l.tags.begin() + l.tag_start[i], l.tags.begin() + l.tag_start[i + 1]);
      starts.push_back(static_cast<std::uint32_t>(tags.size()));
    }
    l.tags = std::move(tags);
    l.tag_start = std::move(starts);
  }
  // The tree in Hilbert order of the features' centres (a layer of points: the points
  // themselves, with no copy).
  if (l.shape_count() == 0) {
    l.tree_order = index::PackedTree::hilbert_order(l.points);
  } else {
    std::vector<core::Coord> centres(l.kind.size());
    for (std::size_t i = 0; i < centres.size(); ++i) {
      const core::Envelope b = l.box(i);
      centres[i] = {(b.min_x + b.max_x) / 2, (b.min_y + b.max_y) / 2};
    }
    l.tree_order = index::PackedTree::hilbert_order(centres);
  }
  l.tree = index::PackedTree(l.kind.size(), [&](std::size_t p, core::Envelope& e, index::Box3&) {
    const core::Envelope b = l.box(l.tree_order[p]);
    e.expand(core::Coord{b.min_x, b.min_y});
    e.expand(core::Coord{b.max_x, b.max_y});
  });
  // The snapshot lives long: no room left over from growing.
  l.kind.shrink_to_fit();
  l.geom.shrink_to_fit();
  l.points.shrink_to_fit();
  l.shape_type.shrink_to_fit();
  l.shape_part.shrink_to_fit();
  l.part_start.shrink_to_fit();
  l.part_kind.shrink_to_fit();
  l.shape_xy.shrink_to_fit();
  l.shape_box.shrink_to_fit();
  l.id.shrink_to_fit();
  l.id_kind.shrink_to_fit();
  l.tags.shrink_to_fit();
  l.tag_start.shrink_to_fit();
  return l;
}

}  // namespace

const std::vector<std::string>& tile_layers() {
  // The entities with a tile order (core/schema.cpp), drawn lowest first.
  static const std::vector<std::string> layers = [] {
    std::vector<const core::EntitySpec*> in;
    for (const auto& s : core::entities())
      if (s.tile_order >= 0) in.push_back(&s);
    std::sort(in.begin(), in.end(),
              [](const auto* a, const auto* b) { return a->tile_order < b->tile_order; });
    std::vector<std::string> names;
    for (const auto* s : in) names.emplace_back(s->name);
    return names;
  }();
  return layers;
}

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

mvt::Attributes tile_attributes(const core::EntitySpec& spec, const core::Record& r) {
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

core::Envelope tile_query_box(const mvt::TileId& tile, mvt::LayerOptions opt) {
  const core::Envelope m = mvt::tile_bounds_mercator(tile);
  const double grow = (m.max_x - m.min_x) * opt.buffer / opt.extent;
  core::Envelope box;
  box.expand(mvt::mercator_to_lonlat({m.min_x - grow, m.min_y - grow}));
  box.expand(mvt::mercator_to_lonlat({m.max_x + grow, m.max_y + grow}));
  return box;
}

void TileLayerIndex::add_shape(const core::Geometry& g) {
  shape_type.push_back(g.type);
  auto part = [&](const std::vector<core::Coord>& cs, Part k) {
    shape_xy.insert(shape_xy.end(), cs.begin(), cs.end());
    part_start.push_back(static_cast<std::uint32_t>(shape_xy.size()));
    part_kind.push_back(k);
  };
  for (const auto& c : g.points) part({c}, kPartPoint);
  for (const auto& line : g.lines) part(line, kPartLine);
  for (const auto& polygon : g.polygons)
    for (std::size_t r = 0; r < polygon.size(); ++r)
      part(polygon[r], r == 0 ? kPartShell : kPartHole);
  shape_part.push_back(static_cast<std::uint32_t>(part_kind.size()));
}

void TileLayerIndex::shape(std::size_t k, core::Geometry& out) const {
  out.type = shape_type[k];
  out.points.clear();
  std::size_t lines = 0, polygons = 0, rings = 0;
  auto span = [&](std::uint32_t p) {
    return std::pair(shape_xy.begin() + part_start[p], shape_xy.begin() + part_start[p + 1]);
  };
  for (std::uint32_t p = shape_part[k]; p < shape_part[k + 1]; ++p) {
    auto [b, e] = span(p);
    switch (part_kind[p]) {
      case kPartPoint: out.points.insert(out.points.end(), b, e); break;
      case kPartLine:
        if (out.lines.size() <= lines) out.lines.resize(lines + 1);
        out.lines[lines++].assign(b, e);
        break;
      case kPartShell:
        if (out.polygons.size() <= polygons) out.polygons.resize(polygons + 1);
        if (polygons > 0) out.polygons[polygons - 1].resize(rings);
        rings = 0;
        ++polygons;
        [[fallthrough]];
      default: {
        auto& polygon = out.polygons[polygons - 1];
        if (polygon.size() <= rings) polygon.resize(rings + 1);
        polygon[rings++].assign(b, e);
      }
    }
  }
  if (polygons > 0) out.polygons[polygons - 1].resize(rings);
  out.lines.resize(lines);
  out.polygons.resize(polygons);
}

std::string TileLayerIndex::id_text(std::size_t i) const {
  return id_from(id_prefix, id[i], id_digits);
}

void TileLayerIndex::query(const core::Envelope& q, std::vector<std::uint32_t>& out) const {
  out.clear();
  tree.search_box_inside(q, [&](std::size_t lo, std::size_t hi, bool inside) {
    if (inside) {
      out.insert(out.end(), tree_order.begin() + static_cast<std::ptrdiff_t>(lo),
                 tree_order.begin() + static_cast<std::ptrdiff_t>(hi));
      return;
    }
    for (std::size_t p = lo; p < hi; ++p)
      if (box(tree_order[p]).intersects(q)) out.push_back(tree_order[p]);
  });
  // Back to store order: a bitmap when the tile holds much of the layer (low zooms),
  // else a sort.
  if (out.size() > size() / 64) {
    std::vector<std::uint64_t> bits((size() + 63) / 64);
    for (std::uint32_t i : out) bits[i / 64] |= std::uint64_t{1} << (i % 64);
    out.clear();
    for (std::size_t w = 0; w < bits.size(); ++w)
      for (std::uint64_t b = bits[w]; b != 0; b &= b - 1)
        out.push_back(static_cast<std::uint32_t>(w * 64 + std::countr_zero(b)));
  } else {
    std::sort(out.begin(), out.end());
  }
}

TileSnapshot TileSnapshot::build(store::Registry& store, std::int64_t data_version) {
  TileSnapshot s;
  s.m_version = data_version;
  s.m_cache = std::make_shared<Cache>();
  for (const auto& name : tile_layers()) s.m_layers.push_back(build_layer(store, name));
  // The records and pages read and the room the vectors grew in, back to the system: a
  // snapshot is built in a server that runs on.
  store.release_memory();
  core::return_freed_memory();
  return s;
}

core::Envelope TileSnapshot::bounds() const {
  core::Envelope e;
  for (const auto& l : m_layers) {
    if (l.bounds.empty()) continue;
    e.expand(core::Coord{l.bounds.min_x, l.bounds.min_y});
    e.expand(core::Coord{l.bounds.max_x, l.bounds.max_y});
  }
  return e;
}

namespace {

// Per layer, what a generalised tile keeps of each feature besides its id (what the map
// draws it by, and its name), and the attribute whose values a cluster counts.
struct LayerKeep {
  std::string_view layer;
  std::vector<std::string_view> keys;
  std::string_view counted;  // empty: clusters count only their points
};
const LayerKeep& keep_of(const std::string& layer) {
  static const std::vector<LayerKeep> table = {
      {"hazards", {"type", "status", "name"}, "type"},
      {"releases", {"outcome"}, "outcome"},
      {"items", {"category"}, "category"},
      {"accidents", {"type"}, "type"},
      {"admin-areas", {"name", "level"}, ""},
      {"roads", {"class", "name"}, ""},
      {"settlements", {"name"}, ""},
      {"records", {"name"}, ""},
  };
  static const LayerKeep none;
  for (const auto& k : table)
    if (k.layer == layer) return k;
  return none;
}

std::string value_text(const core::Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else {
          return "";
        }
      },
      v);
}

// The features of one layer over one tile, as the levels of generalisation need them:
// each one's position in tile units (a point's, or the centre of a line's or area's
// box) and the larger side of its box in units (0 for points), computed once for all
// the levels tried.
struct TileHits {
  const TileLayerIndex* layer = nullptr;
  std::vector<std::uint32_t> features;  // store order
  // Positions in single precision: a 256th of a unit at the tile's far edge, far finer
  // than the grid's cells, at half the memory of a million doubles.
  std::vector<std::array<float, 2>> at;
  std::vector<float> size;
  bool placed = false;

  void place(const mvt::TileTransform& tt) {
    if (placed) return;
    placed = true;
    const TileLayerIndex& l = *layer;
    at.resize(features.size());
    size.resize(features.size());
    for (std::size_t h = 0; h < features.size(); ++h) {
      const std::uint32_t i = features[h];
      if (l.kind[i] == TileLayerIndex::kPoint) {
        const core::Coord p = tt.project(l.points[l.geom[i]]);
        at[h] = {static_cast<float>(p.x), static_cast<float>(p.y)};
        size[h] = 0;
        continue;
      }
      const core::Envelope& b = l.shape_box[l.geom[i]];
      const core::Coord lo = tt.project({b.min_x, b.max_y}), hi = tt.project({b.max_x, b.min_y});
      at[h] = {static_cast<float>((lo.x + hi.x) / 2), static_cast<float>((lo.y + hi.y) / 2)};
      size[h] = l.kind[i] == TileLayerIndex::kShape
                    ? static_cast<float>(std::max(hi.x - lo.x, hi.y - lo.y))
                    : 0.0F;
    }
  }
};

// Encodes one layer of a tile at a level into `out`; false as soon as it passes the
// bytes or features left of the tile's budget.
bool encode_layer(TileHits& hits, const mvt::TileId& tile, mvt::LayerOptions opt, int level,
                  std::size_t bytes_left, std::size_t features_left, std::vector<mvt::Layer>& out) {
  const TileLayerIndex& l = *hits.layer;
  auto tags_of = [&](std::uint32_t i) {
    return std::span<const std::uint32_t>(l.tags.data() + l.tag_start[i],
                                          l.tag_start[i + 1] - l.tag_start[i]);
  };
  auto id_of = [&](std::uint32_t i) {
    return l.id_kind[i] ? std::optional<std::uint64_t>(l.id[i]) : std::nullopt;
  };
  std::string id_text;
  core::Geometry scratch;
  auto add = [&](mvt::Layer& layer, std::uint32_t i, std::span<const std::uint32_t> tags) {
    id_text.clear();
    if (l.id_kind[i] == 2) id_text = l.id_text(i);
    if (l.kind[i] == TileLayerIndex::kPoint)
      layer.add_indexed_point(l.points[l.geom[i]], l.table, tags, id_of(i), id_text);
    else {
      l.shape(l.geom[i], scratch);
      layer.add_indexed(scratch, l.table, tags, id_of(i), id_text);
    }
  };
  auto over = [&](const mvt::Layer& layer) {
    return layer.bytes() > bytes_left || layer.size() > features_left;
  };
  if (level == 0) {
    mvt::Layer layer(l.name, tile, opt);
    std::size_t n = 0;
    for (std::uint32_t i : hits.features) {
      // At low zoom, areas and lines smaller than a tile unit are not drawn.
      if (l.kind[i] == TileLayerIndex::kShape &&
          mvt::too_small(l.shape_box[l.geom[i]], tile.z, opt.extent))
        continue;
      add(layer, i, tags_of(i));
      if (++n % 256 == 0 && over(layer)) return false;
    }
    if (over(layer)) return false;
    if (!layer.empty()) out.push_back(std::move(layer));
    return true;
  }
  const mvt::TileTransform tt(tile, opt.extent);
  hits.place(tt);
  const double cell = static_cast<double>(8u << level);
  opt.simplify = 1u << (level - 1);
  mvt::Layer layer(l.name, tile, opt);
  const double lo = -static_cast<double>(opt.buffer);
  const double span = opt.extent + 2.0 * opt.buffer;
  // The grid starts at the tile's corner, so that no cell straddles its edge (a cell is
  // inside the tile or outside it): `origin` is the first cell, in the buffer.
  const double origin = std::floor(lo / cell);
  const auto side = static_cast<std::size_t>(std::floor((lo + span) / cell) - origin) + 1;

  // The table's keys kept, and the values of the one counted, numbered from 0.
  const LayerKeep& keep = keep_of(l.name);
  std::vector<std::uint8_t> kept(l.table.keys.size(), 0);
  std::uint32_t counted = std::numeric_limits<std::uint32_t>::max();
  for (std::size_t k = 0; k < l.table.keys.size(); ++k) {
    const std::string& key = l.table.keys[k];
    kept[k] = key == "id" || std::find(keep.keys.begin(), keep.keys.end(), key) != keep.keys.end();
    if (!keep.counted.empty() && key == keep.counted) counted = static_cast<std::uint32_t>(k);
  }
  std::vector<std::uint32_t> reduced;
  auto add_reduced = [&](std::uint32_t i) {
    reduced.clear();
    const auto t = tags_of(i);
    for (std::size_t k = 0; k + 1 < t.size(); k += 2)
      if (kept[t[k]]) reduced.insert(reduced.end(), {t[k], t[k + 1]});
    add(layer, i, reduced);
  };
  std::vector<std::uint32_t> class_values;  // value index in the table, by class number
  auto class_of = [&](std::uint32_t i) -> std::size_t {
    if (counted == std::numeric_limits<std::uint32_t>::max()) return 0;
    const auto t = tags_of(i);
    for (std::size_t k = 0; k + 1 < t.size(); k += 2) {
      if (t[k] != counted) continue;
      auto it = std::find(class_values.begin(), class_values.end(), t[k + 1]);
      if (it != class_values.end()) return static_cast<std::size_t>(it - class_values.begin()) + 1;
      class_values.push_back(t[k + 1]);
      return class_values.size();
    }
    return 0;  // no value
  };

  // The grid, cell by cell: how many features, the sum of their positions, one of them,
  // whether lines or areas are among them, and how many of each class.
  const std::size_t cells = side * side;
  std::vector<std::uint32_t> count(cells, 0), first(cells, 0);
  std::vector<double> sx(cells, 0), sy(cells, 0);
  std::vector<std::uint8_t> shapes(cells, 0);
  std::vector<std::vector<std::int64_t>> by_class;  // [class][cell], made when first seen
  std::size_t n = 0;
  for (std::size_t h = 0; h < hits.features.size(); ++h) {
    const std::uint32_t i = hits.features[h];
    const core::Coord p{hits.at[h][0], hits.at[h][1]};
    if (!(p.x >= lo && p.x <= lo + span && p.y >= lo && p.y <= lo + span)) continue;
    if (hits.size[h] >= cell) {
      add_reduced(i);
      if (++n % 256 == 0 && over(layer)) return false;
      continue;
    }
    const std::size_t c = static_cast<std::size_t>(std::floor(p.y / cell) - origin) * side +
                          static_cast<std::size_t>(std::floor(p.x / cell) - origin);
    if (count[c]++ == 0) first[c] = i;
    sx[c] += p.x;
    sy[c] += p.y;
    shapes[c] = shapes[c] || l.kind[i] != TileLayerIndex::kPoint;
    if (const std::size_t k = class_of(i); k > 0) {
      if (by_class.size() < k) by_class.resize(k);
      if (by_class[k - 1].empty()) by_class[k - 1].assign(cells, 0);
      ++by_class[k - 1][c];
    }
  }
  // Each cell holding anything becomes a feature of at least 8 bytes: when they cannot
  // fit, this level cannot.
  std::size_t occupied = 0;
  for (std::uint32_t k : count) occupied += k > 0;
  if (layer.bytes() + occupied * 8 > bytes_left || layer.size() + occupied > features_left)
    return false;
  const core::Envelope m = mvt::tile_bounds_mercator(tile);
  const double per_unit = (m.max_x - m.min_x) / opt.extent;
  mvt::Attributes attributes;
  for (std::size_t c = 0; c < cells; ++c) {
    if (count[c] == 0) continue;
    if (count[c] == 1 && !shapes[c]) {
      add_reduced(first[c]);
    } else {
      // A point where its features are on average, with their count.
      const double tx = sx[c] / count[c], ty = sy[c] / count[c];
      const core::Coord lonlat =
          mvt::mercator_to_lonlat({m.min_x + tx * per_unit, m.max_y - ty * per_unit});
      attributes.clear();
      attributes.emplace_back("point_count", static_cast<std::int64_t>(count[c]));
      std::size_t most = by_class.size();
      for (std::size_t k = 0; k < by_class.size(); ++k) {
        if (by_class[k].empty() || by_class[k][c] == 0) continue;
        if (most == by_class.size() || by_class[k][c] > by_class[most][c]) most = k;
      }
      if (most < by_class.size())
        attributes.emplace_back(std::string(keep.counted), l.table.values[class_values[most]]);
      for (std::size_t k = 0; k < by_class.size(); ++k)
        if (!by_class[k].empty() && by_class[k][c] > 0)
          attributes.emplace_back("count_" + value_text(l.table.values[class_values[k]]),
                                  by_class[k][c]);
      layer.add_feature(core::Geometry::point(lonlat.x, lonlat.y), attributes);
    }
    if (++n % 256 == 0 && over(layer)) return false;
  }
  if (over(layer)) return false;
  if (!layer.empty()) out.push_back(std::move(layer));
  return true;
}

constexpr int kMaxLevel = 9;  // cells of 4096 units: one per tile
// The first level tried after the tile as it is: cells of 64 units, 8 pixels of a tile
// drawn 512 pixels wide, so that clusters stand apart on the screen and a national view
// draws thousands of them rather than tens of thousands.
constexpr int kFirstLevel = 3;

}  // namespace

struct TileSnapshot::Cache {
  using Key = std::tuple<int, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t,
                         std::size_t, std::size_t>;
  std::mutex mutex;
  std::map<Key, Encoded> tiles;
  std::size_t bytes = 0;
  static constexpr std::size_t kMaxBytes = 32 << 20;
};

void TileSnapshot::forget_kept_tiles() const {
  if (!m_cache) return;
  std::lock_guard lock(m_cache->mutex);
  m_cache->tiles.clear();
  m_cache->bytes = 0;
}

std::string TileSnapshot::encode_tile(const mvt::TileId& tile, mvt::LayerOptions opt,
                                      const TileLimits& limits) const {
  return encode_tile_levelled(tile, opt, limits).bytes;
}

TileSnapshot::Encoded TileSnapshot::encode_tile_levelled(const mvt::TileId& tile,
                                                         mvt::LayerOptions opt,
                                                         const TileLimits& limits) const {
  const Cache::Key key{
      tile.z, tile.x, tile.y, opt.extent, opt.buffer, limits.max_bytes, limits.max_features};
  if (m_cache) {
    std::lock_guard lock(m_cache->mutex);
    if (auto it = m_cache->tiles.find(key); it != m_cache->tiles.end()) return it->second;
  }
  const core::Envelope box = tile_query_box(tile, opt);
  std::vector<TileHits> hits(m_layers.size());
  int level = 0;
  std::size_t total = 0;
  for (std::size_t k = 0; k < m_layers.size(); ++k) {
    hits[k].layer = &m_layers[k];
    m_layers[k].query(box, hits[k].features);
    total += hits[k].features.size();
  }
  // More features than a tile may hold, or than its bytes at 4 bytes each (no feature
  // takes less): not worth trying the tile as it is.
  if (total > limits.max_features || total * 4 > limits.max_bytes) level = kFirstLevel;
  // Room for the layers' headers besides their features, keys and values.
  const std::size_t budget = limits.max_bytes > 4096 ? limits.max_bytes - 1024 : limits.max_bytes;
  for (;; level = level == 0 ? kFirstLevel : level + 1) {
    std::vector<mvt::Layer> out;
    std::size_t bytes = 0, features = 0;
    bool fits = true;
    for (std::size_t k = 0; k < m_layers.size() && fits; ++k) {
      if (hits[k].features.empty()) continue;
      const std::size_t before = out.size();
      fits = encode_layer(hits[k], tile, opt, level, budget - bytes, limits.max_features - features,
                          out);
      for (std::size_t j = before; j < out.size(); ++j) {
        bytes += out[j].bytes();
        features += out[j].size();
      }
    }
    if (!fits && level < kMaxLevel) continue;
    Encoded e{mvt::encode(out), level};
    if (level > 0 && m_cache) {
      std::lock_guard lock(m_cache->mutex);
      if (m_cache->bytes + e.bytes.size() <= Cache::kMaxBytes &&
          m_cache->tiles.emplace(key, e).second)
        m_cache->bytes += e.bytes.size();
    }
    return e;
  }
}

}  // namespace minemap::tiles
