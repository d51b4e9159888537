// Geometry operations on lon/lat geometries (GEOS C API, reentrant `_r` functions,
// behind this module): validity, repair, union, intersection.
#pragma once

#include <string>
#include <vector>

#include "core/geometry.hpp"

namespace minemap::geo {

// GEOS validity; `reason` gets GEOS's explanation ("Self-intersection[x y]").
bool is_valid(const core::Geometry& g, std::string* reason = nullptr);
// GEOS make-valid, keeping only the polygonal part (for polygon input).
core::Geometry make_valid(const core::Geometry& g);
// Union of polygonal geometries, as a MultiPolygon (empty when none).
core::Geometry union_all(const std::vector<core::Geometry>& gs);
core::Geometry intersection(const core::Geometry& a, const core::Geometry& b);

// Geodesic area in m² of `hazard` not covered by the union of `released`.
double remaining_area_m2(const core::Geometry& hazard, const std::vector<core::Geometry>& released);

// A point that lies on the geometry (inside a polygon, on a line): GEOS's
// point-on-surface. Used to place an area in its administrative area.
core::Coord representative_point(const core::Geometry& g);

// Rings in the right-hand-rule orientation of GeoJSON (RFC 7946): exterior rings
// counter-clockwise, holes clockwise, each kept starting at the same vertex. The
// store keeps this one orientation so that formats that reverse rings (shapefile)
// give the same coordinates back.
void normalize_orientation(core::Geometry& g);

// Whether point p lies in or on a (Multi)Polygon (boundary counts as inside).
bool covers(const core::Geometry& polygonal, core::Coord p);

// The side of c relative to the directed line a->b in the lon/lat plane: 1 left
// (counter-clockwise), -1 right, 0 exactly on the line. Exact for any double inputs: a
// floating-point filter decides the clear cases, exact expansion arithmetic the rest.
int orientation(core::Coord a, core::Coord b, core::Coord c);

}  // namespace minemap::geo
