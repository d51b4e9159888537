// A packed (static) R-tree: items sorted once along a Hilbert curve, grouped 16 to a
// node, levels stored as flat arrays (no pointers), built in one pass. Every node keeps
// two boxes: its lon/lat envelope (for box and point-in-polygon searches) and an
// earth-centred (ECEF) box of the ground it covers, whose straight-line distance to a
// point is a safe lower bound of the geodesic distance (for within-distance and
// nearest-first searches, exact at any latitude and across the antimeridian).
//
// The tree holds only the internal levels; the items themselves (points, shapes) live
// in the index that owns the tree, in the tree's order, and the searches hand over a
// range of item positions for the owner to test.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/geometry.hpp"
#include "geo/geodesy.hpp"

namespace minemap::index {

struct Box3 {
  double min[3] = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::infinity()};
  double max[3] = {-std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()};

  void expand(const geo::Ecef& p) {
    const double v[3] = {p.x, p.y, p.z};
    for (int i = 0; i < 3; ++i) {
      if (v[i] < min[i]) min[i] = v[i];
      if (v[i] > max[i]) max[i] = v[i];
    }
  }
  void expand(const Box3& b) {
    for (int i = 0; i < 3; ++i) {
      if (b.min[i] < min[i]) min[i] = b.min[i];
      if (b.max[i] > max[i]) max[i] = b.max[i];
    }
  }
  void grow(double m) {
    for (int i = 0; i < 3; ++i) {
      min[i] -= m;
      max[i] += m;
    }
  }
  // Straight-line distance from p to the box (0 inside).
  double distance(const geo::Ecef& p) const {
    const double v[3] = {p.x, p.y, p.z};
    double sum = 0;
    for (int i = 0; i < 3; ++i) {
      double d = v[i] < min[i] ? min[i] - v[i] : (v[i] > max[i] ? v[i] - max[i] : 0);
      sum += d * d;
    }
    return std::sqrt(sum);
  }
};

// An earth-centred box holding every point of the ellipsoid's surface whose lon/lat lie
// in `e` (interval bounds on the parallel's radius, cos/sin of longitude and height
// above the equator; loose by the curvature of the patch only).
Box3 ecef_box(const core::Envelope& e);

// A geodesic lower bound from a chord lower bound (geo::geodesic_lower_bound_m), less a
// micrometre for rounding.
inline double chord_floor(double chord_m) {
  const double g = geo::geodesic_lower_bound_m(chord_m);
  return g > 1e-6 ? g - 1e-6 : 0.0;
}

class PackedTree {
 public:
  static constexpr std::size_t kNodeSize = 16;

  // The order in which to keep n items with the given lon/lat envelopes: the Hilbert
  // order of their centres (ties by input position, so the order is reproducible).
  static std::vector<std::uint32_t> hilbert_order(std::span<const core::Envelope> boxes);
  static std::vector<std::uint32_t> hilbert_order(std::span<const core::Coord> points);

  PackedTree() = default;
  // Builds the internal levels over items already in tree order.
  PackedTree(std::span<const core::Envelope> boxes, std::span<const Box3> boxes3)
      : PackedTree(boxes.size(), [&](std::size_t i, core::Envelope& e, Box3& b) {
          e.expand(boxes[i]);
          b.expand(boxes3[i]);
        }) {}
  // The same, with the items' boxes given by item(i, envelope, box3), which expands both
  // by item i (no copy of the items' boxes is made).
  template <class ItemBoxes>
  PackedTree(std::size_t n, ItemBoxes&& item) : m_items(n) {
    m_level.push_back(0);
    if (n == 0) return;
    std::size_t count = (n + kNodeSize - 1) / kNodeSize;
    m_box.reserve(count + count / (kNodeSize - 1) + 2);
    m_box3.reserve(count + count / (kNodeSize - 1) + 2);
    for (std::size_t j = 0; j < count; ++j) {
      core::Envelope e;
      Box3 b3;
      for (std::size_t c = j * kNodeSize; c < std::min(n, (j + 1) * kNodeSize); ++c) item(c, e, b3);
      m_box.push_back(e);
      m_box3.push_back(b3);
    }
    m_level.push_back(m_box.size());
    build_upper_levels();
  }

  std::size_t size() const { return m_items; }
  std::size_t memory_bytes() const {
    return m_box.capacity() * sizeof(core::Envelope) + m_box3.capacity() * sizeof(Box3) +
           m_level.capacity() * sizeof(std::size_t);
  }

  // Calls leaf(begin, end) for each group of items whose node envelope intersects q; a
  // leaf returning bool ends the search by returning true.
  template <class Leaf>
  void search_box(const core::Envelope& q, Leaf&& leaf) const {
    if (m_items == 0) return;
    search([&](std::size_t n) { return q.intersects(m_box[n]); }, leaf);
  }

  // The same, telling each leaf whether its node's box lies wholly inside q (then every
  // item of it is inside too): leaf(begin, end, inside).
  template <class Leaf>
  void search_box_inside(const core::Envelope& q, Leaf&& leaf) const {
    if (m_items == 0) return;
    std::size_t last = 0;
    search(
        [&](std::size_t n) {
          last = n;
          return q.intersects(m_box[n]);
        },
        [&](std::size_t lo, std::size_t hi) { leaf(lo, hi, contains(q, m_box[last])); });
  }

  // Calls leaf(begin, end) for each group of items whose node lies within chord_m (a
  // straight-line distance) of p.
  template <class Leaf>
  void search_chord(const geo::Ecef& p, double chord_m, Leaf&& leaf) const {
    if (m_items == 0) return;
    search([&](std::size_t n) { return m_box3[n].distance(p) <= chord_m; }, leaf);
  }

  // For nearest-first searches. Nodes are numbered level by level from the lowest
  // (level 1, whose children are items) up to the root.
  struct Node {
    std::size_t index = 0;
    std::size_t level = 0;
  };
  Node root() const { return {m_box.size() - 1, m_level.size() - 1}; }
  // The children of n: item positions when n.level == 1, else node indices on level
  // n.level - 1.
  std::pair<std::size_t, std::size_t> children(Node n) const {
    std::size_t j = n.index - m_level[n.level - 1];  // position within its level
    std::size_t lo = j * kNodeSize;
    if (n.level == 1) return {lo, std::min(lo + kNodeSize, m_items)};
    std::size_t base = m_level[n.level - 2];
    return {base + lo, std::min(base + lo + kNodeSize, m_level[n.level - 1])};
  }
  double lower_bound_m(std::size_t node, const geo::Ecef& p) const {
    return chord_floor(m_box3[node].distance(p));
  }

 private:
  // Adds levels above the last one built until a single root.
  void build_upper_levels();
  static bool contains(const core::Envelope& outer, const core::Envelope& inner) {
    return inner.min_x >= outer.min_x && inner.max_x <= outer.max_x && inner.min_y >= outer.min_y &&
           inner.max_y <= outer.max_y;
  }

  template <class Accept, class Leaf>
  void search(Accept&& accept, Leaf&& leaf) const {
    // Depth-first; at most kNodeSize entries per level are pending.
    Node stack[32 * kNodeSize];
    std::size_t top = 0;
    stack[top++] = root();
    while (top > 0) {
      Node n = stack[--top];
      if (!accept(n.index)) continue;
      auto [lo, hi] = children(n);
      if (n.level == 1) {
        // A leaf that returns true ends the search (the answer is found).
        if constexpr (std::is_same_v<decltype(leaf(lo, hi)), bool>) {
          if (leaf(lo, hi)) return;
        } else {
          leaf(lo, hi);
        }
      } else {
        for (std::size_t c = lo; c < hi; ++c) stack[top++] = Node{c, n.level - 1};
      }
    }
  }

  std::size_t m_items = 0;
  std::vector<core::Envelope> m_box;
  std::vector<Box3> m_box3;
  // m_level[L - 1] is the index of the first node of level L; m_level.back() is one past
  // the root (the number of nodes).
  std::vector<std::size_t> m_level;
};

}  // namespace minemap::index
