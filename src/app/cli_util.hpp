// Small helpers the subcommands share: who is acting, the entities for a help text and
// parsing of --where (--bbox is core::parse_bbox; the figures are ops::stats).
#pragma once

#include <string>
#include <vector>

#include "store/registry.hpp"

namespace minemap::app {

// What `minemap --version` prints, and a signed export's manifest names.
inline constexpr const char* kVersion = "minemap 0.1.0";
// What a STORE argument is, in every command's help.
inline constexpr const char* kStoreHelp =
    "the store: a minemap GeoPackage (.gpkg) file, or a PostgreSQL database "
    "(postgresql://USER@HOST/DB, postgres:SERVICE; docs/postgresql.md)";

store::Actor current_actor();
// The entities' names for an ENTITY argument's help, from the schema ("hazards,
// activities, ..."); only the reviewed field reports when `reviewed_only`.
std::string entity_help(bool reviewed_only = false);
// --where FIELD=V1,V2 clauses as the store's conditions: enum values in any case, dates
// matching the dates they overlap (core::filter_values). Throws InputError naming
// --where for an unknown field or a value it cannot hold.
std::vector<std::pair<std::string, std::vector<std::string>>> parse_where(
    const std::vector<std::string>& clauses, const core::EntitySpec& spec);

}  // namespace minemap::app
