// The summary figures of a store: what `minemap stats` (and the demo) print and what
// GET /api/stats and /api/dashboard serve, computed (analysis/stats, analysis/dashboard)
// from the approved, non-deleted records.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "analysis/dashboard.hpp"
#include "analysis/stats.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

// The figures of the approved records, dated within `period` where they have a date.
// Read column by column (Registry::scan), not record by record, on one snapshot; the
// accidents are joined to the hazards over every core.
analysis::Stats stats(store::Registry& reg, const analysis::StatsPeriod& period = {});

// The same per administrative area: the area's id -> (its name, its figures); "" holds
// what lies in no known area.
using StatsByAdmin = std::map<std::string, std::pair<std::string, analysis::Stats>>;
StatsByAdmin stats_by_admin(store::Registry& reg, const analysis::StatsPeriod& period = {});

// The figures of the web application's dashboard, for a period, an administrative area
// (its id; the areas under it count too) and an organisation (its id) when given
// (analysis::DashboardFilter says what each limits). An unknown area or organisation is
// an InputError naming admin_area or organisation.
struct DashboardQuery {
  analysis::StatsPeriod period;
  std::string admin_area, organisation;
};
analysis::Dashboard dashboard(store::Registry& reg, const DashboardQuery& query = {});

}  // namespace minemap::ops
