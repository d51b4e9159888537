#include "index/point_index.hpp"

#include <algorithm>
#include <queue>

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
  std::sort(out.begin(), out.end(), [](const Hit& a, const Hit& b) {
    return a.distance_m != b.distance_m ? a.distance_m < b.distance_m : a.key < b.key;
  });
  return out;
}

std::vector<Hit> PointIndex::nearest(core::Coord p, std::size_t k, double max_m) const {
  std::vector<Hit> out;
  if (k == 0 || m_keys.empty()) return out;
  // Best-first over a queue of nodes (keyed by their chord lower bound), points not yet
  // measured (keyed by their chord, a lower bound) and measured points (keyed by their
  // exact distance). At equal keys, bounds come out before measured points, so that a
  // point at the same distance with a smaller key is measured before a result is given.
  enum Kind : std::uint8_t { kNode = 0, kPoint = 1, kMeasured = 2 };
  struct Entry {
    double key;
    Kind kind;
    std::size_t index;  // node index, or item position
    std::size_t level;  // nodes only
  };
  auto later = [&](const Entry& a, const Entry& b) {
    if (a.key != b.key) return a.key > b.key;
    if (a.kind != b.kind) return a.kind > b.kind;
    if (a.kind == kMeasured) return m_keys[a.index] > m_keys[b.index];
    return false;
  };
  std::vector<Entry> storage;
  storage.reserve(64);
  std::priority_queue<Entry, std::vector<Entry>, decltype(later)> queue(later, std::move(storage));
  // The k smallest upper bounds of point distances seen (a max-heap): nothing whose lower
  // bound exceeds the largest of them can be among the k nearest.
  std::vector<double> uppers;
  uppers.reserve(k + 1);
  double cutoff = max_m;
  auto offer_upper = [&](double up) {
    if (uppers.size() == k && up >= uppers.front()) return;
    uppers.push_back(up);
    std::push_heap(uppers.begin(), uppers.end());
    if (uppers.size() > k) {
      std::pop_heap(uppers.begin(), uppers.end());
      uppers.pop_back();
    }
    if (uppers.size() == k) cutoff = std::min(max_m, uppers.front());
  };
  geo::Ecef pe = geo::to_ecef(p);
  PackedTree::Node root = m_tree.root();
  queue.push({m_tree.lower_bound_m(root.index, pe), kNode, root.index, root.level});
  while (!queue.empty() && out.size() < k) {
    Entry e = queue.top();
    queue.pop();
    if (e.key > max_m) break;
    switch (e.kind) {
      case kMeasured: out.push_back({m_keys[e.index], e.key}); break;
      case kPoint:
        queue.push(
            {measure(p, chord_squared(pe, m_ecef[e.index]), e.index), kMeasured, e.index, 0});
        break;
      case kNode: {
        auto [lo, hi] = m_tree.children({e.index, e.level});
        for (std::size_t c = lo; c < hi; ++c) {
          if (e.level == 1) {
            double c2 = chord_squared(pe, m_ecef[c]);
            if (c2 < geo::kShortChordM * geo::kShortChordM) {
              // Short: the exact distance is cheap, measure it now.
              double d = geo::short_geodesic_m(std::sqrt(c2));
              if (d > cutoff) continue;
              offer_upper(d);
              queue.push({d, kMeasured, c, 0});
              continue;
            }
            double chord = std::sqrt(c2);
            double lower = chord_floor(chord);
            if (lower > cutoff) continue;
            offer_upper(geo::geodesic_upper_bound_m(chord) + 1e-6);
            queue.push({lower, kPoint, c, 0});
          } else {
            double lower = m_tree.lower_bound_m(c, pe);
            if (lower <= cutoff) queue.push({lower, kNode, c, e.level - 1});
          }
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace minemap::index
