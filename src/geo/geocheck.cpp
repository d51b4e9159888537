// Write-time geometry checks: cheap coordinate and ring rules first (their
// messages point at one vertex), then GEOS validity with make-valid repair.
#include "geo/geocheck.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/errors.hpp"
#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"

namespace minemap::geo {
namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;

// Shortest text that reads back as the same double ("30.5", not "30.500000").
std::string num(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string point_text(const Coord& c) {
  return "(" + num(c.x) + " " + num(c.y) + ")";
}

std::string where(const std::string& prefix) {
  return prefix.empty() ? "" : prefix + ": ";
}

void check_coord(const Coord& c, const std::string& at, const std::string& field) {
  bool ok = std::isfinite(c.x) && std::isfinite(c.y) && c.x >= -180 && c.x <= 180 && c.y >= -90 &&
            c.y <= 90;
  if (!ok)
    throw core::InputError(field, where(at) + "coordinate " + point_text(c) + " out of range");
}

void check_ranges(const Geometry& g, const std::string& field) {
  bool single = g.type == GeomType::Point || g.type == GeomType::LineString;
  for (std::size_t i = 0; i < g.points.size(); ++i)
    check_coord(g.points[i], single ? "" : "point " + std::to_string(i), field);
  for (std::size_t i = 0; i < g.lines.size(); ++i)
    for (std::size_t v = 0; v < g.lines[i].size(); ++v)
      check_coord(g.lines[i][v], "line " + std::to_string(i) + " vertex " + std::to_string(v),
                  field);
  for (std::size_t p = 0; p < g.polygons.size(); ++p)
    for (std::size_t r = 0; r < g.polygons[p].size(); ++r)
      for (std::size_t v = 0; v < g.polygons[p][r].size(); ++v)
        check_coord(g.polygons[p][r][v],
                    "polygon " + std::to_string(p) + " ring " + std::to_string(r) + " vertex " +
                        std::to_string(v),
                    field);
}

std::size_t distinct_count(const core::LineString& l) {
  std::vector<Coord> v(l);
  auto less = [](const Coord& a, const Coord& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); };
  std::sort(v.begin(), v.end(), less);
  return static_cast<std::size_t>(std::unique(v.begin(), v.end()) - v.begin());
}

void check_lines(const Geometry& g, const std::string& field) {
  for (std::size_t i = 0; i < g.lines.size(); ++i)
    if (!g.lines[i].empty() && distinct_count(g.lines[i]) < 2)
      throw core::InputError(field, "line " + std::to_string(i) + ": fewer than 2 distinct points");
}

// Closes the ring when needed (noting it), then applies the ring rules.
void check_ring(core::LineString& ring, std::size_t p, std::size_t r, const std::string& field,
                double max_jump_m, std::vector<std::string>& repairs) {
  std::string at = "polygon " + std::to_string(p) + " ring " + std::to_string(r);
  if (!ring.empty() && ring.front() != ring.back()) {
    ring.push_back(ring.front());
    repairs.push_back("ring " + std::to_string(r) + " of polygon " + std::to_string(p) + " closed");
  }
  std::size_t distinct = distinct_count(ring);
  if (distinct < 3)
    throw core::InputError(
        field, at + ": fewer than 3 distinct vertices (" + std::to_string(distinct) + ")");
  for (std::size_t v = 1; v < ring.size(); ++v) {
    std::string vertex = at + " vertex " + std::to_string(v);
    if (ring[v] == ring[v - 1])
      throw core::InputError(field,
                             vertex + ": duplicate consecutive vertex " + point_text(ring[v]));
    double d = distance_m(ring[v - 1], ring[v]);
    if (d > max_jump_m)
      throw core::InputError(field, vertex + " " + point_text(ring[v]) + ": jump of " +
                                        fixed(d, 1) + " m from the previous vertex (more than " +
                                        fixed(max_jump_m, 0) + " m)");
  }
}

// GEOS reasons read "Self-intersection[30.005 10.005]": split text and location.
struct Reason {
  std::string text;
  std::string at;  // "x y", or empty
};

Reason split_reason(const std::string& r) {
  auto open = r.find('[');
  auto close = r.rfind(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return {r, {}};
  return {r.substr(0, open), r.substr(open + 1, close - open - 1)};
}

std::string lower(std::string s) {
  for (char& ch : s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return s;
}

void repair_invalid(Geometry& g, const std::string& reason, const std::string& field,
                    std::vector<std::string>& repairs) {
  Reason why = split_reason(reason);
  // "Self-intersection" and "Ring Self-intersection" alike.
  bool self_intersection = lower(why.text).find("self-intersection") != std::string::npos;
  Geometry fixed_g = make_valid(g);
  double before = area_m2(g);
  double after = area_m2(fixed_g);
  if (fixed_g.polygons.empty() || after < 1.0)
    throw core::InputError(field, std::string(self_intersection ? "self-intersecting" : "invalid") +
                                      " polygon cannot be repaired (" + reason + "): no area left");
  std::string what = lower(why.text) + (why.at.empty() ? "" : " at (" + why.at + ")");
  std::size_t n = fixed_g.polygons.size();
  repairs.push_back(what + " repaired by make-valid into " + std::to_string(n) +
                    " polygon(s); area " + fixed(before, 0) + " m² -> " + fixed(after, 0) + " m²");
  if (g.type == GeomType::Polygon && n == 1) fixed_g.type = GeomType::Polygon;
  g = std::move(fixed_g);
}

}  // namespace

CheckedGeometry check_geometry(const Geometry& g, const std::string& field) {
  return check_geometry(g, field, kMaxVertexJumpM);
}

CheckedGeometry check_geometry(const Geometry& g, const std::string& field,
                               double max_vertex_jump_m) {
  CheckedGeometry out{g, {}};
  Geometry& geom = out.geometry;
  check_ranges(geom, field);
  switch (geom.type) {
    case GeomType::None:
    case GeomType::Point:
    case GeomType::MultiPoint: return out;
    case GeomType::LineString:
    case GeomType::MultiLineString: check_lines(geom, field); return out;
    case GeomType::Polygon:
    case GeomType::MultiPolygon: break;
  }
  if (geom.type == GeomType::Polygon && geom.polygons.size() > 1)
    throw core::InputError(field, "a Polygon holds " + std::to_string(geom.polygons.size()) +
                                      " polygons; use a MultiPolygon");
  for (std::size_t p = 0; p < geom.polygons.size(); ++p) {
    if (geom.polygons[p].empty())
      throw core::InputError(field, "polygon " + std::to_string(p) + ": no rings");
    for (std::size_t r = 0; r < geom.polygons[p].size(); ++r)
      check_ring(geom.polygons[p][r], p, r, field, max_vertex_jump_m, out.repairs);
  }
  std::string reason;
  if (!geom.empty() && !is_valid(geom, &reason)) repair_invalid(geom, reason, field, out.repairs);
  return out;
}

}  // namespace minemap::geo
