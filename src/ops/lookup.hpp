// What a page needs beside a record itself: the names its references stand for (an
// organisation's, an administrative area's) and the accidents inside a hazard.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

// The entity whose ids `id` has: the part before its first '-' is the entity's id prefix
// (HZ-000001, MR-SYN-1); nullptr when none has it.
const core::EntitySpec* entity_of_id(std::string_view id);

// id -> name for each id of a record that has a name: its `name` field, else its `label`
// (a minefield record's own id). Unknown ids and records without either are left out,
// and with `approved_only` records not approved.
std::map<std::string, std::string> names_of(store::Registry& reg,
                                            const std::vector<std::string>& ids,
                                            bool approved_only = false);

// The accidents (every workflow state, not deleted) whose point lies inside or on the
// edge of the hazard's area, in id order; nullopt when there is no such hazard.
std::optional<std::vector<core::Record>> accidents_in_hazard(store::Registry& reg,
                                                             const std::string& hazard_id);

}  // namespace minemap::ops
