// The figures of the web dashboard, from approved records (as the summary figures):
// casualties per year by group and outcome, land released per quarter by outcome,
// items by category, and the hazardous area left. Pure: records in, figures out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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

// The same row by row from the few fields each needs (ops/stats streams them from the
// store; dashboard() feeds it records). Victims come before accidents, whose dates give
// their year; the rest in any order. A missing text or number is nullopt.
class DashboardBuilder {
 public:
  void add_hazard(std::optional<std::string_view> status, std::optional<double> area_m2,
                  std::optional<double> remaining_m2);
  void add_victim(std::optional<std::string_view> accident_id,
                  std::optional<std::string_view> group, std::optional<std::string_view> outcome);
  // Whether add_accident is needed at all (victims came).
  bool needs_accidents() const { return !m_accident_year.empty(); }
  void add_accident(std::string_view id, std::optional<std::string_view> date);
  void add_release(std::optional<std::string_view> date, std::optional<std::string_view> outcome,
                   std::optional<double> area_m2);
  void add_item(std::optional<std::string_view> category, std::optional<std::int64_t> quantity);
  Dashboard finish();

 private:
  struct Victim {
    std::string accident, group, outcome;  // accident "" when none
  };
  Dashboard m_d;
  std::vector<Victim> m_victims;
  std::unordered_map<std::string, std::string> m_accident_year;  // "unknown" until dated
};

}  // namespace minemap::analysis
