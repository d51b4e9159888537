// The figures of the web dashboard, from approved records (as the summary figures):
// casualties per year by group and outcome, land released per quarter by outcome,
// items by category, and the hazardous area left. Pure: records in, figures out.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "analysis/stats.hpp"

namespace minemap::analysis {

struct Dashboard {
  // year -> group -> outcome (killed | injured) -> victims; the year of the accident.
  std::map<std::string, std::map<std::string, std::map<std::string, std::int64_t>>> casualties;
  // "2021-Q3" -> outcome (cancelled | reduced | cleared) -> m²; releases without a
  // date, or dated by year only, under "undated" and "2021" respectively.
  std::map<std::string, std::map<std::string, double>> released;
  std::map<std::string, std::int64_t> items_by_category;
  double hazard_area_m2 = 0, remaining_m2 = 0;
  std::map<std::string, double> remaining_by_status_m2;  // open, closed, handed_over
};

Dashboard dashboard(const StatsInput& in);

}  // namespace minemap::analysis
