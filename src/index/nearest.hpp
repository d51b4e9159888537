// The k-nearest search both indexes share: best-first over a queue of tree nodes (keyed
// by a lower bound of their distance), items not yet measured (keyed by a lower bound)
// and measured items (keyed by their exact distance). At equal keys, bounds come out
// before measured items, so that an item at the same distance with a smaller key is
// measured before a result is given: ties come out by key.
#pragma once

#include <algorithm>
#include <cstdint>
#include <queue>
#include <vector>

#include "index/packed_tree.hpp"
#include "index/point_index.hpp"

namespace minemap::index {

class NearestSearch {
 public:
  NearestSearch(const PackedTree& tree, const geo::Ecef& pe, const std::vector<std::int64_t>& keys,
                std::size_t k, double max_m)
      : m_tree(tree),
        m_pe(pe),
        m_keys(keys),
        m_k(k),
        m_max(max_m),
        m_cutoff(max_m),
        m_queue(Later{&keys}) {
    m_uppers.reserve(k + 1);
  }

  // Whether an item or node whose distance is at least `lower` may still be among the k.
  bool worth(double lower) const { return lower <= m_cutoff; }
  // Item `i` is at least `lower` away; measure(i) gives its distance when it comes up.
  void push_bound(double lower, std::size_t i) {
    if (worth(lower)) m_queue.push({lower, kItem, i, 0});
  }
  // Item `i` is exactly `d` away.
  void push_measured(double d, std::size_t i) {
    if (!worth(d)) return;
    offer_upper(d);
    m_queue.push({d, kMeasured, i, 0});
  }
  // Some item is at most `up` away: with k such items, nothing farther matters.
  void offer_upper(double up) {
    if (m_uppers.size() == m_k && up >= m_uppers.front()) return;
    m_uppers.push_back(up);
    std::push_heap(m_uppers.begin(), m_uppers.end());
    if (m_uppers.size() > m_k) {
      std::pop_heap(m_uppers.begin(), m_uppers.end());
      m_uppers.pop_back();
    }
    if (m_uppers.size() == m_k) m_cutoff = std::min(m_max, m_uppers.front());
  }

  // leaf(i, *this) for each item of a lowest-level node reached (it pushes the item);
  // measure(i) the exact distance of an item pushed with a bound.
  template <class Leaf, class Measure>
  std::vector<Hit> run(Leaf&& leaf, Measure&& measure) {
    std::vector<Hit> out;
    if (m_k == 0 || m_tree.size() == 0) return out;
    PackedTree::Node root = m_tree.root();
    m_queue.push({m_tree.lower_bound_m(root.index, m_pe), kNode, root.index, root.level});
    while (!m_queue.empty() && out.size() < m_k) {
      Entry e = m_queue.top();
      m_queue.pop();
      if (e.key > m_max) break;
      switch (e.kind) {
        case kMeasured: out.push_back({m_keys[e.index], e.key}); break;
        case kItem: m_queue.push({measure(e.index), kMeasured, e.index, 0}); break;
        case kNode: {
          auto [lo, hi] = m_tree.children({e.index, e.level});
          for (std::size_t c = lo; c < hi; ++c) {
            if (e.level == 1) {
              leaf(c, *this);
            } else {
              double lower = m_tree.lower_bound_m(c, m_pe);
              if (worth(lower)) m_queue.push({lower, kNode, c, e.level - 1});
            }
          }
          break;
        }
      }
    }
    return out;
  }

 private:
  enum Kind : std::uint8_t { kNode = 0, kItem = 1, kMeasured = 2 };
  struct Entry {
    double key;
    Kind kind;
    std::size_t index;  // node index, or item position
    std::size_t level;  // nodes only
  };
  struct Later {
    const std::vector<std::int64_t>* keys;
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.key != b.key) return a.key > b.key;
      if (a.kind != b.kind) return a.kind > b.kind;
      if (a.kind == kMeasured) return (*keys)[a.index] > (*keys)[b.index];
      return false;
    }
  };

  const PackedTree& m_tree;
  geo::Ecef m_pe;
  const std::vector<std::int64_t>& m_keys;
  std::size_t m_k;
  double m_max, m_cutoff;
  std::vector<double> m_uppers;  // the k smallest upper bounds seen, a max-heap
  std::priority_queue<Entry, std::vector<Entry>, Later> m_queue;
};

}  // namespace minemap::index
