// The approved records the summary figures are computed from (analysis::compute_stats).
#pragma once

#include "analysis/stats.hpp"
#include "store/registry.hpp"

namespace minemap::store {

analysis::StatsInput load_stats_input(Registry& reg);

}  // namespace minemap::store
