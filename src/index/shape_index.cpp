#include "index/shape_index.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "geo/geometry_ops.hpp"
#include "index/nearest.hpp"

namespace minemap::index {
namespace {

// Squared straight-line distance from p to the segment a-b in space.
double segment_chord_squared(const geo::Ecef& p, const geo::Ecef& a, const geo::Ecef& b) {
  double ux = b.x - a.x, uy = b.y - a.y, uz = b.z - a.z;
  double wx = p.x - a.x, wy = p.y - a.y, wz = p.z - a.z;
  double uu = ux * ux + uy * uy + uz * uz;
  double t = uu > 0 ? (wx * ux + wy * uy + wz * uz) / uu : 0;
  t = std::clamp(t, 0.0, 1.0);
  double dx = wx - t * ux, dy = wy - t * uy, dz = wz - t * uz;
  return dx * dx + dy * dy + dz * dz;
}

double segment_chord(const geo::Ecef& p, const geo::Ecef& a, const geo::Ecef& b) {
  return std::sqrt(segment_chord_squared(p, a, b));
}

double chord_squared(const geo::Ecef& a, const geo::Ecef& b) {
  double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
  return dx * dx + dy * dy + dz * dz;
}

// The farthest a geodesic with chord c strays from that chord: every point of it is
// within this distance of the segment (the geodesic is no longer than L, so its points
// lie in the spheroid of foci a, b and major axis L).
double sag_of_chord(double c) {
  double l = geo::geodesic_upper_bound_m(c);
  return std::sqrt(std::max(0.0, (l * l - c * c) / 4)) + 1e-6;
}

enum Location { kOutside = 0, kInside = 1, kBoundary = 2 };

// Where p lies relative to a closed ring (crossing number along +x, with exact
// orientation tests; a point on an edge or vertex is on the boundary).
Location ring_location(const core::Coord* ring, std::size_t n, core::Coord p) {
  bool inside = false;
  for (std::size_t j = 0; j + 1 < n; ++j) {
    const core::Coord& a = ring[j];
    const core::Coord& b = ring[j + 1];
    bool a_above = a.y > p.y;
    bool b_above = b.y > p.y;
    bool in_y_span = std::min(a.y, b.y) <= p.y && p.y <= std::max(a.y, b.y);
    if (in_y_span && std::min(a.x, b.x) <= p.x && p.x <= std::max(a.x, b.x)) {
      int o = geo::orientation(a, b, p);
      if (o == 0) return kBoundary;
      if (a_above != b_above && ((b.y > a.y) ? o > 0 : o < 0)) inside = !inside;
      continue;
    }
    if (a_above == b_above) continue;
    // The edge crosses the horizontal through p; only its side matters, and p is
    // outside the edge's x span here: the crossing is to the right when p is left.
    if (p.x < std::min(a.x, b.x)) inside = !inside;
  }
  return inside ? kInside : kOutside;
}

}  // namespace

void ShapeIndex::Builder::add(std::int64_t key, const core::Geometry& g) {
  if (g.empty()) return;
  auto add_part = [&](const std::vector<core::Coord>& cs, Kind kind) {
    if (cs.empty()) return;
    Part part;
    part.begin = static_cast<std::uint32_t>(m_coords.size());
    m_coords.insert(m_coords.end(), cs.begin(), cs.end());
    part.end = static_cast<std::uint32_t>(m_coords.size());
    part.kind = kind;
    m_parts.push_back(part);
  };
  for (const auto& c : g.points) add_part({c}, kPoint);
  for (const auto& l : g.lines) add_part(l, kLine);
  for (const auto& poly : g.polygons)
    for (std::size_t r = 0; r < poly.size(); ++r) add_part(poly[r], r == 0 ? kShell : kHole);
  if (m_parts.size() == m_part_begin.back()) return;
  m_keys.push_back(key);
  m_part_begin.push_back(static_cast<std::uint32_t>(m_parts.size()));
}

ShapeIndex ShapeIndex::Builder::build(Queries queries) && {
  const bool distances = queries == Queries::All;
  ShapeIndex idx;
  std::size_t n = m_keys.size();
  std::vector<core::Envelope> env(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::uint32_t p = m_part_begin[i]; p < m_part_begin[i + 1]; ++p)
      for (std::uint32_t v = m_parts[p].begin; v < m_parts[p].end; ++v) env[i].expand(m_coords[v]);
  std::vector<std::uint32_t> order = PackedTree::hilbert_order(env);
  idx.m_keys.resize(n);
  idx.m_env.resize(n);
  idx.m_polygonal.resize(n);
  idx.m_part_begin.reserve(n + 1);
  idx.m_part_begin.push_back(0);
  idx.m_parts.reserve(m_parts.size());
  idx.m_coords.reserve(m_coords.size());
  if (!distances) {
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t src = order[i];
      idx.m_keys[i] = m_keys[src];
      idx.m_env[i] = env[src];
      bool polygonal = false;
      for (std::uint32_t p = m_part_begin[src]; p < m_part_begin[src + 1]; ++p) {
        Part part = m_parts[p];
        polygonal = polygonal || part.kind == kShell;
        auto begin = static_cast<std::uint32_t>(idx.m_coords.size());
        idx.m_coords.insert(idx.m_coords.end(), m_coords.begin() + part.begin,
                            m_coords.begin() + part.end);
        idx.m_parts.push_back({begin, static_cast<std::uint32_t>(idx.m_coords.size()), part.kind});
      }
      idx.m_part_begin.push_back(static_cast<std::uint32_t>(idx.m_parts.size()));
      idx.m_polygonal[i] = polygonal ? 1 : 0;
    }
    // The tree's 3-D boxes stay empty: no distance query runs on this index.
    idx.m_tree = PackedTree(
        idx.m_env.size(), [&](std::size_t i, core::Envelope& e, Box3&) { e.expand(idx.m_env[i]); });
    return idx;
  }
  idx.m_box3.resize(n);
  idx.m_ball.resize(n);
  idx.m_ecef.reserve(m_coords.size());
  idx.m_sag.reserve(m_coords.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t src = order[i];
    idx.m_keys[i] = m_keys[src];
    idx.m_env[i] = env[src];
    double max_sag = 0;
    bool polygonal = false;
    for (std::uint32_t p = m_part_begin[src]; p < m_part_begin[src + 1]; ++p) {
      Part part = m_parts[p];
      polygonal = polygonal || part.kind == kShell;
      auto begin = static_cast<std::uint32_t>(idx.m_coords.size());
      for (std::uint32_t v = part.begin; v < part.end; ++v) {
        idx.m_coords.push_back(m_coords[v]);
        idx.m_ecef.push_back(geo::to_ecef(m_coords[v]));
      }
      for (std::uint32_t v = begin; v < idx.m_coords.size(); ++v) {
        double sag = 0;
        if (v + 1 < idx.m_coords.size())
          sag = sag_of_chord(PointIndex::chord(idx.m_ecef[v], idx.m_ecef[v + 1]));
        idx.m_sag.push_back(static_cast<float>(sag * (1 + 1e-6)) + 1e-6f);
        max_sag = std::max(max_sag, sag);
      }
      idx.m_parts.push_back({begin, static_cast<std::uint32_t>(idx.m_coords.size()), part.kind});
    }
    idx.m_part_begin.push_back(static_cast<std::uint32_t>(idx.m_parts.size()));
    idx.m_polygonal[i] = polygonal ? 1 : 0;
    idx.m_box3[i] = ecef_box(env[src]);
    idx.m_box3[i].grow(max_sag);  // long edges bow out of their vertices' envelope
    // A ball holding the whole shape: its vertices, its edges (their sag) and, for a
    // polygon, its inside (which bulges above the vertices by at most r²/2R).
    std::uint32_t first = idx.m_parts[idx.m_part_begin[i]].begin;
    auto last = static_cast<std::uint32_t>(idx.m_coords.size());
    Ball ball;
    for (std::uint32_t v = first; v < last; ++v) {
      ball.centre.x += idx.m_ecef[v].x;
      ball.centre.y += idx.m_ecef[v].y;
      ball.centre.z += idx.m_ecef[v].z;
    }
    double count = last - first;
    ball.centre = {ball.centre.x / count, ball.centre.y / count, ball.centre.z / count};
    double r = 0;
    for (std::uint32_t v = first; v < last; ++v)
      r = std::max(r, PointIndex::chord(ball.centre, idx.m_ecef[v]));
    ball.radius = r + max_sag + r * r / (2 * geo::kWgs84MinRadius) + 1e-3;
    idx.m_ball[i] = ball;
  }
  idx.m_tree = PackedTree(idx.m_env, idx.m_box3);
  *this = Builder();  // consumed: its copy of every vertex goes now, not with it
  return idx;
}

std::size_t ShapeIndex::memory_bytes() const {
  return m_keys.capacity() * sizeof(std::int64_t) + m_env.capacity() * sizeof(core::Envelope) +
         m_box3.capacity() * sizeof(Box3) + m_ball.capacity() * sizeof(Ball) +
         m_polygonal.capacity() + m_part_begin.capacity() * sizeof(std::uint32_t) +
         m_parts.capacity() * sizeof(Part) + m_coords.capacity() * sizeof(core::Coord) +
         m_ecef.capacity() * sizeof(geo::Ecef) + m_sag.capacity() * sizeof(float) +
         m_tree.memory_bytes();
}

bool ShapeIndex::covers(std::size_t i, core::Coord p) const {
  if (!m_polygonal[i] || !m_env[i].contains(p)) return false;
  // Polygons are a shell followed by its holes. Covered by one polygon: on any of its
  // rings, or inside the shell and outside every hole.
  bool in_polygon = false;
  for (std::uint32_t k = m_part_begin[i]; k < m_part_begin[i + 1]; ++k) {
    const Part& part = m_parts[k];
    if (part.kind != kShell && part.kind != kHole) continue;
    if (part.kind == kShell) {
      if (in_polygon) return true;  // the previous polygon survived its holes
      in_polygon = false;
    }
    Location loc = ring_location(&m_coords[part.begin], part.end - part.begin, p);
    if (loc == kBoundary) return true;
    if (part.kind == kShell)
      in_polygon = loc == kInside;
    else if (loc == kInside)
      in_polygon = false;
  }
  return in_polygon;
}

template <class Fn>
void ShapeIndex::for_each_edge(std::size_t i, const geo::Ecef& pe, Fn&& fn) const {
  for (std::uint32_t k = m_part_begin[i]; k < m_part_begin[i + 1]; ++k) {
    const Part& part = m_parts[k];
    if (part.end - part.begin == 1) {
      double c = PointIndex::chord(pe, m_ecef[part.begin]);
      fn(chord_floor(c), geo::geodesic_upper_bound_m(c) + 1e-6, part.begin, part.begin);
      continue;
    }
    for (std::uint32_t v = part.begin; v + 1 < part.end; ++v) {
      double c = segment_chord(pe, m_ecef[v], m_ecef[v + 1]);
      double sag = m_sag[v];
      fn(chord_floor(std::max(0.0, c - sag)), geo::geodesic_upper_bound_m(c + sag) + 1e-6, v,
         v + 1);
    }
  }
}

void ShapeIndex::require_distances() const {
  if (!measures_distance())
    throw std::logic_error("a distance query on a shape index built for containment only");
}

double ShapeIndex::distance_m(std::size_t i, core::Coord p) const {
  if (covers(i, p)) return 0;
  require_distances();
  geo::Ecef pe = geo::to_ecef(p);
  struct Edge {
    double lower;
    std::uint32_t a, b;
  };
  std::vector<Edge> edges;
  double best_upper = std::numeric_limits<double>::infinity();
  for_each_edge(i, pe, [&](double lo, double up, std::uint32_t a, std::uint32_t b) {
    if (lo > best_upper) return;
    best_upper = std::min(best_upper, up);
    edges.push_back({lo, a, b});
  });
  std::sort(edges.begin(), edges.end(),
            [](const Edge& x, const Edge& y) { return x.lower < y.lower; });
  double best = std::numeric_limits<double>::infinity();
  for (const Edge& e : edges) {
    if (e.lower > best || e.lower > best_upper) break;
    double d = e.a == e.b ? geo::distance_m(p, m_coords[e.a])
                          : geo::distance_to_segment_m(p, m_coords[e.a], m_coords[e.b]);
    best = std::min(best, d);
  }
  return best;
}

bool ShapeIndex::is_within(std::size_t i, core::Coord p, const geo::Ecef& pe, double metres) const {
  return is_within(i, p, pe, metres, geo::chord_within_m(metres));
}

bool ShapeIndex::is_within(std::size_t i, core::Coord p, const geo::Ecef& pe, double metres,
                           double accept_chord) const {
  require_distances();
  // The ball first: the whole shape too far, or all of it near enough.
  double centre = PointIndex::chord(pe, m_ball[i].centre);
  if (centre - m_ball[i].radius > metres + 1e-6) return false;
  if (centre + m_ball[i].radius <= accept_chord) return true;
  if (covers(i, p)) return true;
  // Per edge, on squared chords (no root, no arc sine): within for sure when the chord to
  // the edge's chord plus the edge's sag is at most accept_chord; possibly within while
  // the chord less the sag is at most `metres`.
  bool maybe = false;
  auto sure = [&](double c2, double sag) {
    double certain = accept_chord - sag;
    if (certain > 0 && c2 <= certain * certain) return true;
    double possible = metres + sag + 1e-6;
    if (c2 <= possible * possible) maybe = true;
    return false;
  };
  for (std::uint32_t k = m_part_begin[i]; k < m_part_begin[i + 1]; ++k) {
    const Part& part = m_parts[k];
    if (part.end - part.begin == 1) {
      if (sure(chord_squared(pe, m_ecef[part.begin]), 0.0)) return true;
      continue;
    }
    for (std::uint32_t v = part.begin; v + 1 < part.end; ++v)
      if (sure(segment_chord_squared(pe, m_ecef[v], m_ecef[v + 1]), m_sag[v])) return true;
  }
  return maybe && distance_m(i, p) <= metres;
}

std::vector<std::int64_t> ShapeIndex::in_box(const core::Envelope& box) const {
  std::vector<std::int64_t> out;
  m_tree.search_box(box, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      if (box.intersects(m_env[i])) out.push_back(m_keys[i]);
  });
  return out;
}

std::vector<std::int64_t> ShapeIndex::containing(core::Coord p) const {
  std::vector<std::int64_t> out;
  core::Envelope box;
  box.expand(p);
  m_tree.search_box(box, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      if (covers(i, p)) out.push_back(m_keys[i]);
  });
  return out;
}

bool ShapeIndex::covered(core::Coord p) const {
  core::Envelope box;
  box.expand(p);
  bool found = false;
  m_tree.search_box(box, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi && !found; ++i) found = covers(i, p);
    return found;  // no further search once found
  });
  return found;
}

std::vector<std::int64_t> ShapeIndex::within_keys(core::Coord p, double metres) const {
  require_distances();
  std::vector<std::int64_t> out;
  geo::Ecef pe = geo::to_ecef(p);
  double accept = geo::chord_within_m(metres);
  m_tree.search_chord(pe, metres + 1e-6, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      if (is_within(i, p, pe, metres, accept)) out.push_back(m_keys[i]);
  });
  return out;
}

std::vector<Hit> ShapeIndex::within(core::Coord p, double metres) const {
  require_distances();
  std::vector<Hit> out;
  geo::Ecef pe = geo::to_ecef(p);
  double accept = geo::chord_within_m(metres);
  m_tree.search_chord(pe, metres + 1e-6, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (!is_within(i, p, pe, metres, accept)) continue;
      double d = distance_m(i, p);
      if (d <= metres) out.push_back({m_keys[i], d});
    }
  });
  std::sort(out.begin(), out.end(), Hit::nearer);
  return out;
}

std::vector<Hit> ShapeIndex::nearest(core::Coord p, std::size_t k, double max_m) const {
  require_distances();
  geo::Ecef pe = geo::to_ecef(p);
  NearestSearch search(m_tree, pe, m_keys, k, max_m);
  return search.run([&](std::size_t i,
                        NearestSearch& s) { s.push_bound(chord_floor(m_box3[i].distance(pe)), i); },
                    [&](std::size_t i) { return distance_m(i, p); });
}

}  // namespace minemap::index
