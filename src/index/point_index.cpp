#include "index/point_index.hpp"

#include <algorithm>

#include "index/nearest.hpp"

namespace minemap::index {

PointIndex PointIndex::Builder::build() && {
  PointIndex idx;
  std::size_t n = m_keys.size();
  std::vector<std::uint32_t> order = PackedTree::hilbert_order(m_coords);
  idx.m_keys.resize(n);
  idx.m_coords.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    idx.m_keys[i] = m_keys[order[i]];
    idx.m_coords[i] = m_coords[order[i]];
  }
  m_keys = {};
  m_coords = {};
  order = {};
  idx.m_ecef.resize(n);
  for (std::size_t i = 0; i < n; ++i) idx.m_ecef[i] = geo::to_ecef(idx.m_coords[i]);
  idx.m_tree = PackedTree(n, [&](std::size_t i, core::Envelope& e, Box3& b) {
    e.expand(idx.m_coords[i]);
    b.expand(idx.m_ecef[i]);
  });
  return idx;
}

std::size_t PointIndex::memory_bytes() const {
  return m_keys.capacity() * sizeof(std::int64_t) + m_coords.capacity() * sizeof(core::Coord) +
         m_ecef.capacity() * sizeof(geo::Ecef) + m_tree.memory_bytes();
}

std::vector<std::int64_t> PointIndex::in_box(const core::Envelope& box) const {
  std::vector<std::int64_t> out;
  m_tree.search_box(box, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      if (box.contains(m_coords[i])) out.push_back(m_keys[i]);
  });
  return out;
}

std::vector<std::int64_t> PointIndex::within_keys(core::Coord p, double metres) const {
  std::vector<std::int64_t> out;
  for_each_within(p, geo::to_ecef(p), metres, false,
                  [&](std::size_t i, double) { out.push_back(m_keys[i]); });
  return out;
}

std::vector<Hit> PointIndex::within(core::Coord p, double metres) const {
  std::vector<Hit> out;
  for_each_within(p, geo::to_ecef(p), metres, true, [&](std::size_t i, double d) {
    out.push_back({m_keys[i], d});
  });
  std::sort(out.begin(), out.end(), Hit::nearer);
  return out;
}

std::vector<Hit> PointIndex::nearest(core::Coord p, std::size_t k, double max_m) const {
  geo::Ecef pe = geo::to_ecef(p);
  NearestSearch search(m_tree, pe, m_keys, k, max_m);
  return search.run(
      [&](std::size_t i, NearestSearch& s) {
        double c2 = chord_squared(pe, m_ecef[i]);
        if (c2 < geo::kShortChordM * geo::kShortChordM) {
          s.push_measured(geo::short_geodesic_m(std::sqrt(c2)), i);  // cheap: measure now
          return;
        }
        double chord = std::sqrt(c2);
        if (!s.worth(chord_floor(chord))) return;
        s.offer_upper(geo::geodesic_upper_bound_m(chord) + 1e-6);
        s.push_bound(chord_floor(chord), i);
      },
      [&](std::size_t i) { return geo::distance_m(p, m_coords[i]); });
}

}  // namespace minemap::index
