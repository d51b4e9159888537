#include "index/point_index.hpp"

#include <algorithm>
#include <queue>

namespace minemap::index {

PointIndex PointIndex::Builder::build() && {
  PointIndex idx;
  std::size_t n = m_keys.size();
  std::vector<core::Envelope> boxes(n);
  for (std::size_t i = 0; i < n; ++i) boxes[i].expand(m_coords[i]);
  std::vector<std::uint32_t> order = PackedTree::hilbert_order(boxes);
  idx.m_keys.resize(n);
  idx.m_coords.resize(n);
  idx.m_ecef.resize(n);
  std::vector<Box3> boxes3(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t src = order[i];
    idx.m_keys[i] = m_keys[src];
    idx.m_coords[i] = m_coords[src];
    idx.m_ecef[i] = geo::to_ecef(m_coords[src]);
    boxes3[i].expand(idx.m_ecef[i]);
    boxes[i] = core::Envelope{};
    boxes[i].expand(m_coords[src]);
  }
  m_keys = {};
  m_coords = {};
  idx.m_tree = PackedTree(boxes, boxes3);
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
  std::priority_queue<Entry, std::vector<Entry>, decltype(later)> queue(later);
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
        queue.push({geo::distance_m(p, m_coords[e.index]), kMeasured, e.index, 0});
        break;
      case kNode: {
        auto [lo, hi] = m_tree.children({e.index, e.level});
        for (std::size_t c = lo; c < hi; ++c) {
          if (e.level == 1)
            queue.push({chord_floor(chord(pe, m_ecef[c])), kPoint, c, 0});
          else
            queue.push({m_tree.lower_bound_m(c, pe), kNode, c, e.level - 1});
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace minemap::index
