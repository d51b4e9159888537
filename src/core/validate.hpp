// Field-by-field validation of an entity against the schema. Pure: no I/O.
#pragma once

#include <cstddef>

#include "core/date.hpp"
#include "core/schema.hpp"

namespace minemap::core {

// The longest id a record may be given (those minemap gives are 9 characters).
inline constexpr std::size_t kMaxIdLength = 64;

// Checks every field of `input` and returns it normalised: numbers and booleans
// given as text are converted, enum sets sorted and de-duplicated, defaults
// applied, computed fields dropped, Polygon promoted to MultiPolygon where the
// entity stores MultiPolygon. Throws InputError naming the first bad field.
// Geometry validity (rings, self-intersection) is geo::check_geometry's job.
Record validate(const EntitySpec& spec, Record input, const Date& today = Date::today());

// The same for one value alone (used by imports mapping single columns).
Value validate_value(const FieldSpec& f, const Value& v, const Date& today);

}  // namespace minemap::core
