// Geodesics and areas on WGS 84 through GeographicLib (accurate to nanometres,
// so areas in m² are exact enough for land release accounting).
#include "geo/geodesy.hpp"

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/PolygonArea.hpp>
#include <algorithm>
#include <cmath>

namespace minemap::geo {
namespace {

using GeographicLib::Geodesic;

// Unsigned area of one ring, whatever its orientation.
double ring_area_m2(const core::LineString& ring) {
  std::size_t n = ring.size();
  if (n > 1 && ring.front() == ring.back()) --n;  // the closing vertex is implied
  if (n < 3) return 0;
  GeographicLib::PolygonArea poly(Geodesic::WGS84());
  for (std::size_t i = 0; i < n; ++i) poly.AddPoint(ring[i].y, ring[i].x);
  double perimeter = 0;
  double area = 0;
  // sign = true: a clockwise ring gives a negative area rather than the rest of the earth.
  poly.Compute(false, true, perimeter, area);
  return std::abs(area);
}

}  // namespace

double distance_m(core::Coord a, core::Coord b) {
  double s12 = 0;
  Geodesic::WGS84().Inverse(a.y, a.x, b.y, b.x, s12);
  return s12;
}

double polygon_area_m2(const core::Polygon& p) {
  if (p.empty()) return 0;
  double area = ring_area_m2(p[0]);
  for (std::size_t i = 1; i < p.size(); ++i) area -= ring_area_m2(p[i]);
  return std::max(area, 0.0);  // holes larger than their shell: an invalid polygon, no area
}

double area_m2(const core::Geometry& g) {
  if (g.type != core::GeomType::Polygon && g.type != core::GeomType::MultiPolygon) return 0;
  double sum = 0;
  for (const auto& p : g.polygons) sum += polygon_area_m2(p);
  return sum;
}

core::Coord destination(core::Coord from, double azimuth_deg, double distance_m) {
  double lat = 0;
  double lon = 0;
  Geodesic::WGS84().Direct(from.y, from.x, azimuth_deg, distance_m, lat, lon);
  return {lon, lat};
}

}  // namespace minemap::geo
