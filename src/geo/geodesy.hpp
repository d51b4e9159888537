// Geodesy on the WGS 84 ellipsoid (GeographicLib behind this module):
// distances, areas, the direct problem.
#pragma once

#include "core/geometry.hpp"

namespace minemap::geo {

// Geodesic distance in metres between two lon/lat points.
double distance_m(core::Coord a, core::Coord b);

// Geodesic area in m² of a (Multi)Polygon: exterior rings minus holes, whatever
// the ring orientation. 0 for other geometry types.
double area_m2(const core::Geometry& g);
double polygon_area_m2(const core::Polygon& p);

// The direct problem: from `from`, along azimuth `azimuth_deg` (clockwise from
// true north) for `distance_m` metres.
core::Coord destination(core::Coord from, double azimuth_deg, double distance_m);

}  // namespace minemap::geo
