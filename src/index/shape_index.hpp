// An immutable index of shapes (hazard polygons, land releases, admin areas, roads):
// box queries, exact point-in-polygon, geodesic within-distance and k-nearest measured
// to the shape itself (0 inside a polygon, else to the nearest edge), on WGS 84.
//
// Two models, as in every GIS: containment is decided in the lon/lat plane (as
// GeoPackage, GEOS and PostGIS geometry do), with exact orientation predicates, so a
// point on an edge or vertex is found (it "touches"); distances are measured to edges
// taken as geodesics. The two agree to micrometres for edges of a few kilometres.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/geometry.hpp"
#include "geo/geodesy.hpp"
#include "index/packed_tree.hpp"
#include "index/point_index.hpp"

namespace minemap::index {

class ShapeIndex {
 public:
  // What an index is built for. Containment (box queries, covers, containing, covered)
  // needs only the lon/lat plane; distances need each vertex in 3-D besides, about
  // twice the memory and time to build.
  enum class Queries { All, Containment };

  class Builder {
   public:
    // Any geometry type; empty geometries are left out.
    void add(std::int64_t key, const core::Geometry& g);
    std::size_t size() const { return m_keys.size(); }
    ShapeIndex build(Queries queries = Queries::All) &&;

   private:
    friend class ShapeIndex;
    struct Part {
      std::uint32_t begin = 0, end = 0;  // positions in coords
      std::uint8_t kind = 0;             // Kind
    };
    std::vector<std::int64_t> m_keys;
    std::vector<std::uint32_t> m_part_begin{0};
    std::vector<Part> m_parts;
    std::vector<core::Coord> m_coords;
  };

  ShapeIndex() = default;

  std::size_t size() const { return m_keys.size(); }
  std::size_t memory_bytes() const;

  // Shapes whose envelope intersects the box, in index order.
  std::vector<std::int64_t> in_box(const core::Envelope& box) const;
  // Polygons that contain or touch p (in the lon/lat plane), in index order.
  std::vector<std::int64_t> containing(core::Coord p) const;
  // Whether any polygon contains or touches p: containing(p) is not empty.
  bool covered(core::Coord p) const;
  // Whether the distance queries below can be asked (the index was built for them).
  bool measures_distance() const { return m_coords.empty() || !m_ecef.empty(); }
  // The distance queries throw std::logic_error on an index built for containment only.
  // Shapes within `metres` (inclusive) of p, without distances. In index order.
  std::vector<std::int64_t> within_keys(core::Coord p, double metres) const;
  // Shapes within `metres` of p with exact distances, nearest first (ties by key).
  std::vector<Hit> within(core::Coord p, double metres) const;
  // The k shapes nearest p, nearest first, ties by key; none beyond max_m.
  std::vector<Hit> nearest(core::Coord p, std::size_t k,
                           double max_m = std::numeric_limits<double>::infinity()) const;

  // By position in index order (0 <= i < size()).
  std::int64_t key(std::size_t i) const { return m_keys[i]; }
  const core::Envelope& envelope(std::size_t i) const { return m_env[i]; }
  bool polygonal(std::size_t i) const { return m_polygonal[i] != 0; }
  // Whether shape i is a polygon that contains or touches p.
  bool covers(std::size_t i, core::Coord p) const;
  // The exact geodesic distance from p to shape i (0 inside a polygon).
  double distance_m(std::size_t i, core::Coord p) const;
  // Whether shape i lies within `metres` of p, decided by bounds where they suffice.
  bool is_within(std::size_t i, core::Coord p, const geo::Ecef& pe, double metres) const;
  // The same with geo::chord_within_m(metres) computed once by the caller.
  bool is_within(std::size_t i, core::Coord p, const geo::Ecef& pe, double metres,
                 double accept_chord) const;
  const PackedTree& tree() const { return m_tree; }

 private:
  enum Kind : std::uint8_t { kPoint = 0, kLine = 1, kShell = 2, kHole = 3 };
  using Part = Builder::Part;

  struct Bounds {
    double lower, upper;
  };
  // Lower and upper bounds of the distance from p to each vertex/edge of shape i,
  // passed to fn(lower, upper, a, b) with a == b for points.
  template <class Fn>
  void for_each_edge(std::size_t i, const geo::Ecef& pe, Fn&& fn) const;
  // Per edge: the greatest distance of the geodesic edge from its chord.
  double edge_sag(std::size_t vertex) const { return m_sag[vertex]; }
  void require_distances() const;

  std::vector<std::int64_t> m_keys;
  std::vector<core::Envelope> m_env;
  std::vector<Box3> m_box3;
  struct Ball {
    geo::Ecef centre;
    double radius = 0;
  };
  std::vector<Ball> m_ball;  // per shape, in ECEF
  std::vector<std::uint8_t> m_polygonal;
  std::vector<std::uint32_t> m_part_begin;
  std::vector<Part> m_parts;
  std::vector<core::Coord> m_coords;
  std::vector<geo::Ecef> m_ecef;
  std::vector<float> m_sag;  // per vertex, for the edge that starts there (metres)
  PackedTree m_tree;
};

}  // namespace minemap::index
