// Small helpers the subcommands share: who is acting and parsing of --where (--bbox
// is core::parse_bbox; the figures are ops::stats).
#pragma once

#include <string>
#include <vector>

#include "store/registry.hpp"

namespace minemap::app {

store::Actor current_actor();
std::vector<std::pair<std::string, std::vector<std::string>>> parse_where(
    const std::vector<std::string>& clauses, const core::EntitySpec& spec);

}  // namespace minemap::app
