// The earth's main magnetic field from the International Geomagnetic Reference
// Field, 14th generation (IGRF-14, IAGA 2024; valid 1900.0-2030.0). Minefield
// records give magnetic bearings; when a record has no declination it is taken
// from this model at the date the mines were laid and the landmark's position.
//
// The model is the core field only: crustal anomalies can move the local
// declination by a degree or more, so a declination measured on site is better.
// The coefficients are compiled in (data/igrf14.shc, cmake/igrf.cmake).
#pragma once

#include <string>

#include "core/date.hpp"

namespace minemap::geo {

// The field at a point, in the local geodetic frame: north, east and down
// components in nT; declination (east of true north positive) and inclination
// (down positive) in degrees; the total intensity in nT.
struct MagneticField {
  double north_nT = 0, east_nT = 0, down_nT = 0;
  double declination_deg = 0;
  double inclination_deg = 0;
  double total_nT = 0;
};

// lon/lat in degrees (WGS 84 geodetic), height in metres above the ellipsoid,
// year as a decimal year (1994.36). Throws core::InputError when the year is
// outside the model's validity (before 1900 or after 2030), the latitude is
// outside [-90, 90] or an argument is not finite. At a geographic pole north and
// east are those of the meridian `lon` (the declination is then a convention).
MagneticField igrf(double lon, double lat, double height_m, double decimal_year);

// The declination in degrees, east positive, at the ellipsoid's surface.
double declination_deg(double lon, double lat, double decimal_year);

// The model's name and valid range, for messages and JSON ("IGRF-14", 1900, 2030).
struct ModelInfo {
  std::string name;
  double first_year = 0, last_year = 0;
};
ModelInfo igrf_info();

// The decimal year at the middle of the period a reduced-precision date names:
// 1994 -> 1994.5, 1994-05 -> the middle of May, 1994-05-14 -> noon that day.
double decimal_year(const core::Date& d);

namespace detail {

// The field in the geocentric spherical frame (north = -B_theta, east = B_phi,
// down = -B_r) at geocentric colatitude and radius, as the IAGA reference
// programs compute it; no range checks. For tests against their published values.
struct GeocentricField {
  double north_nT = 0, east_nT = 0, down_nT = 0;
};
GeocentricField igrf_geocentric(double lon_deg, double colatitude_deg, double radius_km,
                                double decimal_year);

}  // namespace detail

}  // namespace minemap::geo
