// Plain geometry values (WGS 84 lon/lat unless said otherwise). Algorithms live in geo/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace minemap::core {

// Values follow the WKB geometry type codes.
enum class GeomType : std::uint8_t {
  None = 0,
  Point = 1,
  LineString = 2,
  Polygon = 3,
  MultiPoint = 4,
  MultiLineString = 5,
  MultiPolygon = 6,
};

// "Point", "MultiPolygon", ... ("none" for GeomType::None), for messages and docs.
inline const char* to_string(GeomType t) {
  static const char* const kNames[] = {"none",       "Point",           "LineString",  "Polygon",
                                       "MultiPoint", "MultiLineString", "MultiPolygon"};
  return kNames[static_cast<int>(t)];
}

struct Coord {
  double x = 0;  // longitude (or easting)
  double y = 0;  // latitude (or northing)
  friend bool operator==(const Coord&, const Coord&) = default;
};

using LineString = std::vector<Coord>;
// rings[0] is the exterior ring, the rest holes; each ring is closed (first == last).
using Polygon = std::vector<LineString>;

struct Envelope {
  double min_x = std::numeric_limits<double>::infinity();
  double min_y = std::numeric_limits<double>::infinity();
  double max_x = -std::numeric_limits<double>::infinity();
  double max_y = -std::numeric_limits<double>::infinity();

  bool empty() const { return min_x > max_x; }
  void expand(const Coord& c) {
    if (c.x < min_x) min_x = c.x;
    if (c.x > max_x) max_x = c.x;
    if (c.y < min_y) min_y = c.y;
    if (c.y > max_y) max_y = c.y;
  }
  void expand(const Envelope& e) {
    if (e.empty()) return;
    expand(Coord{e.min_x, e.min_y});
    expand(Coord{e.max_x, e.max_y});
  }
  bool intersects(const Envelope& o) const {
    return !(o.min_x > max_x || o.max_x < min_x || o.min_y > max_y || o.max_y < min_y);
  }
  bool contains(const Coord& c) const {
    return c.x >= min_x && c.x <= max_x && c.y >= min_y && c.y <= max_y;
  }
};

// One geometry of any of the six simple-feature types. Only the member that
// matches `type` is used: points for (Multi)Point, lines for (Multi)LineString,
// polygons for (Multi)Polygon. A single Point is points[0], and so on.
struct Geometry {
  GeomType type = GeomType::None;
  std::vector<Coord> points;
  std::vector<LineString> lines;
  std::vector<Polygon> polygons;

  static Geometry point(double x, double y) {
    Geometry g;
    g.type = GeomType::Point;
    g.points.push_back({x, y});
    return g;
  }
  static Geometry multipolygon(std::vector<Polygon> polys) {
    Geometry g;
    g.type = GeomType::MultiPolygon;
    g.polygons = std::move(polys);
    return g;
  }

  bool empty() const { return points.empty() && lines.empty() && polygons.empty(); }

  std::size_t vertex_count() const {
    std::size_t n = points.size();
    for (const auto& l : lines) n += l.size();
    for (const auto& p : polygons)
      for (const auto& r : p) n += r.size();
    return n;
  }

  Envelope envelope() const {
    Envelope e;
    for (const auto& c : points) e.expand(c);
    for (const auto& l : lines)
      for (const auto& c : l) e.expand(c);
    for (const auto& p : polygons)
      for (const auto& r : p)
        for (const auto& c : r) e.expand(c);
    return e;
  }
  friend bool operator==(const Geometry&, const Geometry&) = default;
};

}  // namespace minemap::core
