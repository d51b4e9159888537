#include "tiles/tile_index.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <span>
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

std::string TileSnapshot::encode_tile(const mvt::TileId& tile, mvt::LayerOptions opt) const {
  const core::Envelope box = tile_query_box(tile, opt);
  std::vector<mvt::Layer> out;
  std::vector<std::uint32_t> hits;
  for (const auto& l : m_layers) {
    l.query(box, hits);
    if (hits.empty()) continue;
    mvt::Layer layer(l.name, tile, opt);
    for (std::uint32_t i : hits) {
      // At low zoom, areas and lines smaller than a tile unit are not drawn.
      if (!l.point[i] && mvt::too_small(l.box[i], tile.z, opt.extent)) continue;
      const std::span<const std::uint32_t> tags(l.tags.data() + l.tag_start[i],
                                                l.tag_start[i + 1] - l.tag_start[i]);
      layer.add_indexed(l.mercator[i], l.table, tags,
                        l.has_id[i] ? std::optional<std::uint64_t>(l.id[i]) : std::nullopt);
    }
    if (!layer.empty()) out.push_back(std::move(layer));
  }
  return mvt::encode(out);
}

}  // namespace minemap::tiles
