// The approved records the summary figures are computed from (analysis::compute_stats).
#pragma once

#include "analysis/stats.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

analysis::StatsInput load_stats_input(store::Registry& reg);

}  // namespace minemap::ops
