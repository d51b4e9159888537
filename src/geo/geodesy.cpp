// Geodesics and areas on WGS 84 through GeographicLib (accurate to nanometres,
// so areas in m² are exact enough for land release accounting).
#include "geo/geodesy.hpp"

#include <GeographicLib/AzimuthalEquidistant.hpp>
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>
#include <GeographicLib/Gnomonic.hpp>
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

core::Coord LocalFrame::to_local(core::Coord lonlat) const {
  double x = 0;
  double y = 0;
  GeographicLib::AzimuthalEquidistant proj(Geodesic::WGS84());
  proj.Forward(m_origin.y, m_origin.x, lonlat.y, lonlat.x, x, y);
  return {x, y};
}

core::Coord LocalFrame::to_lonlat(core::Coord en) const {
  double lat = 0;
  double lon = 0;
  GeographicLib::AzimuthalEquidistant proj(Geodesic::WGS84());
  proj.Reverse(m_origin.y, m_origin.x, en.x, en.y, lat, lon);
  return {lon, lat};
}

struct GeodesicPath::Impl {
  explicit Impl(const GeographicLib::GeodesicLine& l) : line(l) {}
  GeographicLib::GeodesicLine line;
};

GeodesicPath::GeodesicPath(core::Coord from, double azimuth_deg)
    : m(std::make_unique<Impl>(Geodesic::WGS84().Line(
          from.y, from.x, azimuth_deg,
          Geodesic::LATITUDE | Geodesic::LONGITUDE | Geodesic::AZIMUTH | Geodesic::DISTANCE_IN))) {}
GeodesicPath::~GeodesicPath() = default;
GeodesicPath::GeodesicPath(GeodesicPath&&) noexcept = default;
GeodesicPath& GeodesicPath::operator=(GeodesicPath&&) noexcept = default;

GeodesicPath::Position GeodesicPath::at(double distance_m) const {
  Position p;
  double lat = 0;
  double lon = 0;
  m->line.Position(distance_m, lat, lon, p.azimuth_deg);  // longitude in [-180, 180]
  p.at = {lon, lat};
  return p;
}

namespace {

// Golden-section search of the distance from p along the geodesic a-b: the fallback when
// the gnomonic projection cannot hold the three points (more than a quarter of the earth
// apart), where the distance along the segment is unimodal.
double segment_distance_by_search(core::Coord p, core::Coord a, core::Coord b) {
  const Geodesic& g = Geodesic::WGS84();
  GeographicLib::GeodesicLine line = g.InverseLine(a.y, a.x, b.y, b.x);
  double length = line.Distance();
  auto dist_at = [&](double s) {
    double lat = 0;
    double lon = 0;
    line.Position(s, lat, lon);
    return distance_m(p, {lon, lat});
  };
  double lo = 0;
  double hi = length;
  const double r = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - r * (hi - lo);
  double x2 = lo + r * (hi - lo);
  double f1 = dist_at(x1);
  double f2 = dist_at(x2);
  while (hi - lo > 1e-6) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - r * (hi - lo);
      f1 = dist_at(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + r * (hi - lo);
      f2 = dist_at(x2);
    }
  }
  return std::min({dist_at((lo + hi) / 2), distance_m(p, a), distance_m(p, b)});
}

}  // namespace

double distance_to_segment_m(core::Coord p, core::Coord a, core::Coord b) {
  if (a == b) return distance_m(p, a);
  static thread_local const GeographicLib::Gnomonic gnomonic(Geodesic::WGS84());
  // Start from the foot of the perpendicular on the chord a-b in space, carried to lon/lat
  // along the segment: for short edges within micrometres of the answer, so one or two
  // rounds settle it (any start near the segment converges).
  Ecef ea = to_ecef(a), eb = to_ecef(b), ep = to_ecef(p);
  double ux = eb.x - ea.x, uy = eb.y - ea.y, uz = eb.z - ea.z;
  double uu = ux * ux + uy * uy + uz * uz;
  double t0 = uu > 0 ? ((ep.x - ea.x) * ux + (ep.y - ea.y) * uy + (ep.z - ea.z) * uz) / uu : 0.5;
  t0 = std::clamp(t0, 0.0, 1.0);
  double lat0 = a.y + t0 * (b.y - a.y);
  double lon0 = a.x + t0 * std::remainder(b.x - a.x, 360.0);
  for (int iter = 0; iter < 50; ++iter) {
    double xa = 0, ya = 0, xb = 0, yb = 0, xp = 0, yp = 0;
    gnomonic.Forward(lat0, lon0, a.y, a.x, xa, ya);
    gnomonic.Forward(lat0, lon0, b.y, b.x, xb, yb);
    gnomonic.Forward(lat0, lon0, p.y, p.x, xp, yp);
    if (!std::isfinite(xa + ya + xb + yb + xp + yp)) return segment_distance_by_search(p, a, b);
    double dx = xb - xa;
    double dy = yb - ya;
    double t = ((xp - xa) * dx + (yp - ya) * dy) / (dx * dx + dy * dy);
    t = std::clamp(t, 0.0, 1.0);
    double fx = xa + t * dx;
    double fy = ya + t * dy;
    // (fx, fy) is the foot's offset in metres from the projection centre.
    bool converged = std::hypot(fx, fy) < 1e-7;
    if (t == 0.0 && converged) return distance_m(p, a);
    if (t == 1.0 && converged) return distance_m(p, b);
    gnomonic.Reverse(lat0, lon0, fx, fy, lat0, lon0);
    if (converged) break;
  }
  return distance_m(p, {lon0, lat0});
}

Ecef to_ecef(core::Coord c) {
  constexpr double kE2 = kWgs84F * (2 - kWgs84F);
  constexpr double kDeg = 3.14159265358979323846 / 180;
  double lat = c.y * kDeg;
  double lon = c.x * kDeg;
  double sl = std::sin(lat);
  double n = kWgs84A / std::sqrt(1 - kE2 * sl * sl);
  double r = n * std::cos(lat);
  return {r * std::cos(lon), r * std::sin(lon), n * (1 - kE2) * sl};
}

namespace {
// 0.1 % under the smallest radius of curvature: room for the sections of the ellipsoid
// by planes a little off its centre (curvature higher by a factor below 1 + 1e-5).
constexpr double kBoundRadius = kWgs84MinRadius * 0.999;
}  // namespace

double short_geodesic_m(double chord_m) {
  // b²/a and a²/b: the least and greatest radius of curvature (the meridian at the
  // equator, any direction at the poles); the square of their geometric mean is a b.
  constexpr double b = kWgs84A * (1 - kWgs84F);
  constexpr double r2 = kWgs84A * b;
  return chord_m + chord_m * chord_m * chord_m / (24 * r2);
}

double chord_within_m(double geodesic_m) {
  constexpr double r = kBoundRadius;
  if (geodesic_m >= 3.14159265358979323846 * r) return 2 * r;
  return std::max(0.0, 2 * r * std::sin(geodesic_m / (2 * r)) - 1e-6);
}

double geodesic_lower_bound_m(double chord_m) {
  constexpr double a = kWgs84A, b = kWgs84A * (1 - kWgs84F);
  const double s = std::sqrt(std::max(0.0, chord_m * chord_m - (a - b) * (a - b))) / (2 * a);
  const double theta = s >= 1 ? 3.14159265358979323846 : 2 * std::asin(s);
  return std::max(chord_m, b * theta);
}

double geodesic_upper_bound_m(double chord_m) {
  constexpr double r = kBoundRadius;
  double half = chord_m / (2 * r);
  if (half >= 1) return 3.14159265358979323846 * r;
  return 2 * r * std::asin(half);
}

}  // namespace minemap::geo
