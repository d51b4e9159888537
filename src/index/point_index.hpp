// An immutable index of points (finds, accidents, recorded mines): box queries, exact
// geodesic within-distance and k-nearest queries on WGS 84. Distances are decided with
// straight-line (chord) bounds through the earth, which bracket the geodesic within
// micrometres at these scales, and settled by GeographicLib's exact inverse problem only
// when the bounds cannot decide: exact answers at any latitude, fast.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/geometry.hpp"
#include "geo/geodesy.hpp"
#include "index/packed_tree.hpp"

namespace minemap::index {

// A feature found by a distance query: its key and its exact geodesic distance.
struct Hit {
  std::int64_t key = 0;
  double distance_m = 0;
  friend bool operator==(const Hit&, const Hit&) = default;
  // Nearest first, ties by key: the order every distance query answers in.
  static bool nearer(const Hit& a, const Hit& b) {
    return a.distance_m != b.distance_m ? a.distance_m < b.distance_m : a.key < b.key;
  }
};

class PointIndex {
 public:
  class Builder {
   public:
    void reserve(std::size_t n) {
      m_keys.reserve(n);
      m_coords.reserve(n);
    }
    void add(std::int64_t key, core::Coord c) {
      m_keys.push_back(key);
      m_coords.push_back(c);
    }
    PointIndex build() &&;

   private:
    std::vector<std::int64_t> m_keys;
    std::vector<core::Coord> m_coords;
  };

  PointIndex() = default;

  std::size_t size() const { return m_keys.size(); }
  std::size_t memory_bytes() const;

  // Points inside or on the box, in index order.
  std::vector<std::int64_t> in_box(const core::Envelope& box) const;
  // Points within `metres` (inclusive) of p, without their distances: the cheapest
  // query. In index order.
  std::vector<std::int64_t> within_keys(core::Coord p, double metres) const;
  // Points within `metres` of p with exact distances, nearest first (ties by key).
  std::vector<Hit> within(core::Coord p, double metres) const;
  // The k points nearest p (geodesic), nearest first, ties by key; none beyond max_m.
  std::vector<Hit> nearest(core::Coord p, std::size_t k,
                           double max_m = std::numeric_limits<double>::infinity()) const;

  // Items by position in index order (0 <= i < size()).
  std::int64_t key(std::size_t i) const { return m_keys[i]; }
  core::Coord coord(std::size_t i) const { return m_coords[i]; }
  const geo::Ecef& ecef(std::size_t i) const { return m_ecef[i]; }
  const PackedTree& tree() const { return m_tree; }

  // Calls fn(i, distance) for every position whose point lies within `metres` of p (the
  // query point given also as ECEF); `distance` is the exact geodesic distance when
  // `exact_distance`, else only a lower bound (the chord).
  template <class Fn>
  void for_each_within(core::Coord p, const geo::Ecef& pe, double metres, bool exact_distance,
                       Fn&& fn) const {
    // Squared chords: beyond `reach` the geodesic is longer than `metres` (it is never
    // shorter than the chord); within `accept` it is within `metres` for sure.
    const double reach = metres + 1e-6;
    const double reach2 = reach * reach;
    const double accept = geo::chord_within_m(metres);
    const double accept2 = accept * accept;
    m_tree.search_chord(pe, reach, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i) {
        double c2 = chord_squared(pe, m_ecef[i]);
        if (c2 > reach2) continue;
        if (!exact_distance && c2 <= accept2) {
          fn(i, std::sqrt(c2));
          continue;
        }
        double d = measure(p, c2, i);
        if (d <= metres) fn(i, d);
      }
    });
  }

  // The exact geodesic distance from p to point i, given their squared chord: from the
  // chord alone when short (geo::short_geodesic_m), else by GeographicLib.
  double measure(core::Coord p, double chord2, std::size_t i) const {
    if (chord2 < geo::kShortChordM * geo::kShortChordM)
      return geo::short_geodesic_m(std::sqrt(chord2));
    return geo::distance_m(p, m_coords[i]);
  }

  static double chord_squared(const geo::Ecef& a, const geo::Ecef& b) {
    double dx = a.x - b.x;
    double dy = a.y - b.y;
    double dz = a.z - b.z;
    return dx * dx + dy * dy + dz * dz;
  }
  static double chord(const geo::Ecef& a, const geo::Ecef& b) {
    double dx = a.x - b.x;
    double dy = a.y - b.y;
    double dz = a.z - b.z;
    return std::sqrt(dx * dx + dy * dy + dz * dz);
  }

 private:
  std::vector<std::int64_t> m_keys;
  std::vector<core::Coord> m_coords;
  std::vector<geo::Ecef> m_ecef;
  PackedTree m_tree;
};

}  // namespace minemap::index
