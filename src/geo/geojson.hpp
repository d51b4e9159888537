// GeoJSON codec: geometries and features <-> core values, on nlohmann/json (the JSON
// value type of the project: docs/ARCHITECTURE.md).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "core/geometry.hpp"
#include "core/schema.hpp"

namespace minemap::geo {

// GeoJSON geometry object -> Geometry. Throws core::InputError naming `path`
// ("geometry", "features[3].geometry") for malformed coordinates.
core::Geometry geometry_from_geojson(const nlohmann::json& j, const std::string& path = "geometry");
nlohmann::json geometry_to_geojson(const core::Geometry& g);

// A JSON value -> a field value (null, string, integer, number, boolean);
// arrays of strings become comma-separated text (enum sets).
core::Value value_from_json(const nlohmann::json& j, const std::string& path);
nlohmann::json value_to_json(const core::Value& v);

// A plain JSON object {"id": ..., "workflow": ..., field: value, ..., "geometry": {...}}
// or a GeoJSON Feature {"type": "Feature", "id": ..., "properties": {...}, "geometry": ...}
// -> Record. Unknown keys are kept as fields (validation rejects them).
core::Record record_from_json(const nlohmann::json& j, const std::string& path = "");

// Record -> GeoJSON Feature ("id", "properties" with every field and "workflow",
// "geometry" or null). Personal fields are dropped unless include_personal.
nlohmann::json record_to_feature(const core::EntitySpec& spec, const core::Record& r,
                                 bool include_personal = true);
// Record -> flat JSON object (id, workflow, fields; geometry as GeoJSON under "geometry").
nlohmann::json record_to_json(const core::EntitySpec& spec, const core::Record& r,
                              bool include_personal = true);

// JSON text for output. Text that is not UTF-8 (written into the store by another tool)
// comes out with U+FFFD in place of the bad bytes, rather than failing the whole answer
// for one value.
std::string to_text(const nlohmann::json& j, int indent = -1);

}  // namespace minemap::geo
