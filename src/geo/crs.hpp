// Coordinate reference systems (PROJ behind this module): coordinates in any CRS
// PROJ knows, transformed to WGS 84; meridian convergence of projected CRSs.
//
// Axis order is fixed here whatever the CRS's own: x is longitude or easting, y
// latitude or northing (the traditional GIS order of GeoJSON and GeoPackage).
#pragma once

#include <memory>
#include <string>

#include "core/geometry.hpp"

namespace minemap::geo {

// A CRS as PROJ understands it ("EPSG:4284", "EPSG:28408", a PROJ string with
// +type=crs, WKT, an OGC URN), with its transformation to WGS 84 lon/lat.
// Not thread-safe: each thread builds its own (PROJ contexts are per thread).
class Crs {
 public:
  // Throws core::InputError (field `field`) when PROJ does not know the CRS, or it is
  // not a 2D geographic or projected CRS.
  explicit Crs(const std::string& definition, const std::string& field = "crs");
  ~Crs();
  Crs(Crs&&) noexcept;
  Crs& operator=(Crs&&) noexcept;
  Crs(const Crs&) = delete;
  Crs& operator=(const Crs&) = delete;

  // This thread's Crs for `definition`, built on first use and kept (PROJ's setup of a
  // CRS and its transformations costs milliseconds; a record uses it for
  // microseconds). Errors as the constructor's; a failure is not kept.
  static const Crs& shared(const std::string& definition, const std::string& field = "crs");

  const std::string& definition() const;
  // PROJ's name of the CRS ("Pulkovo 1942 / Gauss-Kruger zone 8").
  const std::string& name() const;
  bool is_geographic() const;
  bool is_projected() const;
  // Whether this CRS is WGS 84 lon/lat itself (no transformation at all).
  bool is_wgs84() const;

  // (x, y) in this CRS to WGS 84 (lon, lat), by the transformation PROJ chooses for
  // the point (as cs2cs does). Throws core::InputError (field `field`) when the point
  // cannot be transformed (outside the CRS's domain).
  core::Coord to_wgs84(core::Coord xy, const std::string& field) const;
  // WGS 84 (lon, lat) to (x, y) in this CRS.
  core::Coord from_wgs84(core::Coord lonlat, const std::string& field) const;

  // The meridian convergence in degrees at a WGS 84 (lon, lat): the angle, clockwise,
  // from true north to grid north, so that a true bearing = grid bearing + convergence
  // (positive east of the central meridian in the northern hemisphere for transverse
  // Mercator). From PROJ's projection of the meridian through the point, expressed in
  // the CRS's own geographic datum. Throws core::Error when the CRS is not projected.
  double convergence_deg(core::Coord lonlat) const;

  // "EPSG:326zz" / "EPSG:327zz": the WGS 84 UTM zone of a point (the standard zones;
  // Norway's and Svalbard's exceptions are not applied).
  static std::string utm_zone_of(core::Coord lonlat);

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace minemap::geo
