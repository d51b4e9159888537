// Hand-made geometries shared by the geo unit tests.
#pragma once

#include <vector>

#include "core/geometry.hpp"

namespace minemap::geo::test {

// A closed counter-clockwise rectangle ring.
inline core::LineString rect(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

inline core::Geometry polygon(std::vector<core::LineString> rings) {
  core::Geometry g;
  g.type = core::GeomType::Polygon;
  g.polygons = {std::move(rings)};
  return g;
}

inline core::Geometry box(double x0, double y0, double x1, double y1) {
  return polygon({rect(x0, y0, x1, y1)});
}

// Two triangles of a square of side `s` meeting at its centre.
inline core::Geometry bowtie(double x, double y, double s) {
  return polygon({{{x, y}, {x + s, y + s}, {x + s, y}, {x, y + s}, {x, y}}});
}

// One non-empty geometry of each of the six types, holes included.
inline std::vector<core::Geometry> all_types() {
  using core::GeomType;
  std::vector<core::Geometry> v;
  v.push_back(core::Geometry::point(30.5, -10.25));
  core::Geometry line;
  line.type = GeomType::LineString;
  line.lines = {{{0, 0}, {1, 1}, {2, 0.5}}};
  v.push_back(line);
  v.push_back(polygon({rect(0, 0, 10, 10), rect(2, 2, 3, 3)}));
  core::Geometry points;
  points.type = GeomType::MultiPoint;
  points.points = {{1, 2}, {3, 4}};
  v.push_back(points);
  core::Geometry lines;
  lines.type = GeomType::MultiLineString;
  lines.lines = {{{0, 0}, {1, 1}}, {{5, 5}, {6, 7}, {8, 9}}};
  v.push_back(lines);
  v.push_back(
      core::Geometry::multipolygon({{rect(0, 0, 1, 1)}, {rect(5, 5, 7, 7), rect(5.5, 5.5, 6, 6)}}));
  return v;
}

// An empty geometry of each of the six types.
inline std::vector<core::Geometry> empties() {
  std::vector<core::Geometry> v;
  for (auto t : {core::GeomType::Point, core::GeomType::LineString, core::GeomType::Polygon,
                 core::GeomType::MultiPoint, core::GeomType::MultiLineString,
                 core::GeomType::MultiPolygon}) {
    core::Geometry g;
    g.type = t;
    v.push_back(g);
  }
  return v;
}

}  // namespace minemap::geo::test
