// Joins over whole sets, spread over threads: which points lie in which polygons, and
// which pairs of points lie within a distance of each other (the matching of recorded
// mines to finds). Results are sorted, so they do not depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "index/point_index.hpp"
#include "index/shape_index.hpp"

namespace minemap::index {

struct KeyPair {
  std::int64_t first = 0, second = 0;
  friend bool operator==(const KeyPair&, const KeyPair&) = default;
  friend auto operator<=>(const KeyPair&, const KeyPair&) = default;
};

struct PairHit {
  std::int64_t first = 0, second = 0;
  double distance_m = 0;
  friend bool operator==(const PairHit&, const PairHit&) = default;
};

// 0: as many threads as the machine has cores.
struct JoinOptions {
  unsigned threads = 0;
};

// Every (point key, polygon key) with the polygon containing or touching the point,
// sorted by point then polygon.
std::vector<KeyPair> points_in_polygons(const PointIndex& points, const ShapeIndex& polygons,
                                        const JoinOptions& opt = {});

// How many of the points lie in or on any of the polygons: the join above with no keys
// and no pairs (each point marked once, however many polygons cover it), on a bare tree
// of the points in Hilbert order.
std::size_t count_covered(std::span<const core::Coord> points, const ShapeIndex& polygons,
                          const JoinOptions& opt = {});

// Every (a key, b key, exact distance) with the two points within `metres`, sorted by
// a then b. With the same index as a and b, each point also pairs with itself.
std::vector<PairHit> points_within(const PointIndex& a, const PointIndex& b, double metres,
                                   const JoinOptions& opt = {});

// Runs fn(begin, end) over [0, n) in chunks spread over the threads.
void parallel_chunks(std::size_t n, std::size_t chunk, unsigned threads,
                     const std::function<void(std::size_t, std::size_t, unsigned)>& fn);

}  // namespace minemap::index
