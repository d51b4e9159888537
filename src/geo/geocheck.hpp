// Geometry checks on write, after GICHD's geocheck list: coordinates in range,
// rings of at least 3 distinct vertices, no duplicate consecutive vertices, no
// jump over 5 km between consecutive vertices, valid polygons (repaired with
// make-valid when the result keeps an area; rejected when it does not).
#pragma once

#include <string>
#include <vector>

#include "core/geometry.hpp"

namespace minemap::geo {

inline constexpr double kMaxVertexJumpM = 5000.0;

struct CheckedGeometry {
  core::Geometry geometry;           // as given, or repaired
  std::vector<std::string> repairs;  // what was repaired, one line each ("" when none)
};

// Throws core::InputError(field, reason) for what cannot be accepted.
CheckedGeometry check_geometry(const core::Geometry& g, const std::string& field = "geometry");
// The same with another limit on the jump between consecutive vertices: gazetteer
// polygons (districts) have edges of many kilometres, so pass infinity for them.
CheckedGeometry check_geometry(const core::Geometry& g, const std::string& field,
                               double max_vertex_jump_m);

}  // namespace minemap::geo
