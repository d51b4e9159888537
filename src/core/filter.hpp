// The values a filter on one field accepts (`list --where`, `export --where`, a query
// parameter of /collections/{id}/items), checked against the schema before the store
// compares them: a filter that cannot match is an error, never an empty answer.
#pragma once

#include <string>
#include <vector>

#include "core/schema.hpp"

namespace minemap::core {

// The date field a record is "of" (when it was found, happened, was reported, released,
// laid, started; else its first date that is no personal data): what the API's
// `datetime` and `list --from/--to` select by. "" when none.
std::string temporal_field(const EntitySpec& spec);

// `values` as the store compares them: an enum's (or an enum set's) values matched
// case-insensitively and spelled as the schema spells them ("cha" -> "CHA"); a boolean
// true or false; a number checked; a date (YYYY, YYYY-MM or YYYY-MM-DD: the store
// matches the dates it overlaps, docs/cli.md) checked; text and references as they are.
// Throws InputError naming `param` (and the field) for a value the field cannot hold,
// listing an enum's values, and for no value at all.
std::vector<std::string> filter_values(const FieldSpec& f, const std::vector<std::string>& values,
                                       const std::string& param);

}  // namespace minemap::core
