#include "tiles/tile_index.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <span>
#include <tuple>
#include <unordered_map>

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

TileLayerIndex build_layer(store::Registry& store, const std::string& name) {
  const core::EntitySpec& spec = core::spec_by_name(name);
  TileLayerIndex l;
  l.name = name;
  l.tag_start.push_back(0);
  Interner interner(l.table);
  store::ListQuery q;
  q.approved_only = true;
  store.for_each(spec, q, [&](const core::Record& r) {
    const core::Envelope box = r.geometry.envelope();
    // A box query never finds what has no envelope.
    if (box.empty()) return;
    l.box.push_back(box);
    l.bounds.expand(core::Coord{box.min_x, box.min_y});
    l.bounds.expand(core::Coord{box.max_x, box.max_y});
    l.point.push_back(r.geometry.type == core::GeomType::Point ||
                      r.geometry.type == core::GeomType::MultiPoint);
    const auto id = numeric_id(r.id);
    l.id.push_back(id.value_or(0));
    l.has_id.push_back(id.has_value());
    for (auto& [key, value] : tile_attributes(spec, r)) {
      if (std::holds_alternative<std::monostate>(value)) continue;
      l.tags.push_back(interner.key(key));
      l.tags.push_back(interner.value(std::move(value), key == "id"));
    }
    l.tag_start.push_back(static_cast<std::uint32_t>(l.tags.size()));
    l.mercator.push_back(to_mercator(r.geometry));
  });
  interner.finish();
  l.tree_order = index::PackedTree::hilbert_order(l.box);
  l.tree_box.reserve(l.box.size());
  for (std::uint32_t i : l.tree_order) l.tree_box.push_back(l.box[i]);
  l.tree =
      index::PackedTree(l.tree_box.size(), [&](std::size_t i, core::Envelope& e, index::Box3&) {
        e.expand(core::Coord{l.tree_box[i].min_x, l.tree_box[i].min_y});
        e.expand(core::Coord{l.tree_box[i].max_x, l.tree_box[i].max_y});
      });
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

void TileLayerIndex::query(const core::Envelope& q, std::vector<std::uint32_t>& out) const {
  out.clear();
  tree.search_box(q, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t p = lo; p < hi; ++p)
      if (tree_box[p].intersects(q)) out.push_back(tree_order[p]);
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

// Features gathered in one cell of the grid.
struct Bin {
  std::int64_t count = 0;
  double sx = 0, sy = 0;    // sums of tile positions
  std::uint32_t first = 0;  // one of its features, in store order
  bool shapes = false;      // it holds lines or areas, not points only
  std::vector<std::pair<std::uint32_t, std::int64_t>> counted;  // value index -> features
};

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

// Encodes one layer of a tile at a level into `out`; false as soon as it passes the
// bytes or features left of the tile's budget.
bool encode_layer(const TileLayerIndex& l, const std::vector<std::uint32_t>& hits,
                  const mvt::TileId& tile, mvt::LayerOptions opt, int level, std::size_t bytes_left,
                  std::size_t features_left, std::vector<mvt::Layer>& out) {
  auto tags_of = [&](std::uint32_t i) {
    return std::span<const std::uint32_t>(l.tags.data() + l.tag_start[i],
                                          l.tag_start[i + 1] - l.tag_start[i]);
  };
  auto id_of = [&](std::uint32_t i) {
    return l.has_id[i] ? std::optional<std::uint64_t>(l.id[i]) : std::nullopt;
  };
  if (level == 0) {
    mvt::Layer layer(l.name, tile, opt);
    std::size_t n = 0;
    for (std::uint32_t i : hits) {
      // At low zoom, areas and lines smaller than a tile unit are not drawn.
      if (!l.point[i] && mvt::too_small(l.box[i], tile.z, opt.extent)) continue;
      layer.add_indexed(l.mercator[i], l.table, tags_of(i), id_of(i));
      if (++n % 256 == 0 && (layer.bytes() > bytes_left || layer.size() > features_left))
        return false;
    }
    if (layer.bytes() > bytes_left || layer.size() > features_left) return false;
    if (!layer.empty()) out.push_back(std::move(layer));
    return true;
  }
  const double cell = static_cast<double>(8u << level);
  opt.simplify = 1u << (level - 1);
  mvt::Layer layer(l.name, tile, opt);
  const mvt::TileTransform tt(tile, opt.extent);
  const double lo = -static_cast<double>(opt.buffer),
               hi = opt.extent + static_cast<double>(opt.buffer);

  // The table's keys kept, and the one counted.
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
    layer.add_indexed(l.mercator[i], l.table, reduced, id_of(i));
  };

  std::unordered_map<std::uint64_t, Bin> bins;
  auto bin_at = [&](core::Coord p, std::uint32_t i, bool shape) {
    const auto cx = static_cast<std::int64_t>(std::floor(p.x / cell)) + (1 << 20);
    const auto cy = static_cast<std::int64_t>(std::floor(p.y / cell)) + (1 << 20);
    Bin& b = bins[(static_cast<std::uint64_t>(cx) << 32) | static_cast<std::uint64_t>(cy)];
    if (b.count == 0) b.first = i;
    ++b.count;
    b.sx += p.x;
    b.sy += p.y;
    b.shapes = b.shapes || shape;
    if (counted == std::numeric_limits<std::uint32_t>::max()) return;
    const auto t = tags_of(i);
    for (std::size_t k = 0; k + 1 < t.size(); k += 2) {
      if (t[k] != counted) continue;
      auto it = std::find_if(b.counted.begin(), b.counted.end(),
                             [&](const auto& c) { return c.first == t[k + 1]; });
      if (it == b.counted.end())
        b.counted.emplace_back(t[k + 1], 1);
      else
        ++it->second;
      break;
    }
  };
  std::size_t n = 0;
  for (std::uint32_t i : hits) {
    if (l.point[i]) {
      const auto& pts = l.mercator[i].points;
      if (pts.empty() || !std::isfinite(pts[0].x) || !std::isfinite(pts[0].y)) continue;
      const core::Coord p = tt.project_mercator(pts[0]);
      if (p.x < lo || p.x > hi || p.y < lo || p.y > hi) continue;
      bin_at(p, i, false);
      continue;
    }
    const core::Envelope& b = l.box[i];
    const core::Coord a = tt.project({b.min_x, b.max_y}), c = tt.project({b.max_x, b.min_y});
    if (c.x - a.x < cell && c.y - a.y < cell) {
      const core::Coord centre{(a.x + c.x) / 2, (a.y + c.y) / 2};
      if (centre.x < lo || centre.x > hi || centre.y < lo || centre.y > hi) continue;
      bin_at(centre, i, true);
      continue;
    }
    add_reduced(i);
    if (++n % 256 == 0 && (layer.bytes() > bytes_left || layer.size() > features_left))
      return false;
  }
  // The cells in a fixed order: the same tile twice gives the same bytes.
  std::vector<std::uint64_t> keys;
  keys.reserve(bins.size());
  for (const auto& [k, b] : bins) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  const core::Envelope m = mvt::tile_bounds_mercator(tile);
  const double per_unit = (m.max_x - m.min_x) / opt.extent;
  mvt::Attributes attributes;
  for (std::uint64_t k : keys) {
    const Bin& b = bins[k];
    if (b.count == 1 && !b.shapes) {
      add_reduced(b.first);
    } else {
      // A point where its features are on average, with their count.
      const double tx = b.sx / static_cast<double>(b.count),
                   ty = b.sy / static_cast<double>(b.count);
      const core::Coord lonlat =
          mvt::mercator_to_lonlat({m.min_x + tx * per_unit, m.max_y - ty * per_unit});
      attributes.clear();
      attributes.emplace_back("point_count", b.count);
      if (!b.counted.empty()) {
        auto most =
            std::max_element(b.counted.begin(), b.counted.end(),
                             [](const auto& x, const auto& y) { return x.second < y.second; });
        attributes.emplace_back(std::string(keep.counted), l.table.values[most->first]);
        for (const auto& [v, count] : b.counted)
          attributes.emplace_back("count_" + value_text(l.table.values[v]), count);
      }
      layer.add_feature(core::Geometry::point(lonlat.x, lonlat.y), attributes);
    }
    if (++n % 256 == 0 && (layer.bytes() > bytes_left || layer.size() > features_left))
      return false;
  }
  if (layer.bytes() > bytes_left || layer.size() > features_left) return false;
  if (!layer.empty()) out.push_back(std::move(layer));
  return true;
}

constexpr int kMaxLevel = 9;  // cells of 4096 units: one per tile

}  // namespace

struct TileSnapshot::Cache {
  using Key = std::tuple<int, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t,
                         std::size_t, std::size_t>;
  std::mutex mutex;
  std::map<Key, Encoded> tiles;
  std::size_t bytes = 0;
  static constexpr std::size_t kMaxBytes = 64 << 20;
};

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
  std::vector<std::vector<std::uint32_t>> hits(m_layers.size());
  int level = 0;
  for (std::size_t k = 0; k < m_layers.size(); ++k) {
    m_layers[k].query(box, hits[k]);
    if (hits[k].size() > limits.max_features) level = 1;  // more than a tile may hold
  }
  // Room for the layers' headers besides their features, keys and values.
  const std::size_t budget = limits.max_bytes > 4096 ? limits.max_bytes - 1024 : limits.max_bytes;
  for (;; ++level) {
    std::vector<mvt::Layer> out;
    std::size_t bytes = 0, features = 0;
    bool fits = true;
    for (std::size_t k = 0; k < m_layers.size() && fits; ++k) {
      if (hits[k].empty()) continue;
      const std::size_t before = out.size();
      fits = encode_layer(m_layers[k], hits[k], tile, opt, level, budget - bytes,
                          limits.max_features - features, out);
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
