// The figures of the web dashboard, from approved records (as the summary figures):
// casualties per year by group and outcome, land released per quarter by outcome,
// items found and destroyed by category, and the hazardous area left; all of them for
// a period, an administrative area (with the areas under it) and an organisation when
// asked. Pure: rows in, figures out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analysis/stats.hpp"

namespace minemap::analysis {

struct Dashboard {
  struct Figures {
    std::int64_t hazards_open = 0;
    double remaining_m2 = 0;  // of the open hazards: a closed one has none left
    std::int64_t accidents = 0, killed = 0, injured = 0;
    std::int64_t items_found = 0, items_destroyed = 0;  // quantities
  } figures;
  // year -> group -> outcome (killed | injured) -> victims; the year of the accident.
  // Every year from the first to the last is present (empty when nothing happened);
  // victims of an undated accident under "unknown".
  std::map<std::string, std::map<std::string, std::map<std::string, std::int64_t>>> casualties;
  // "2021-Q3" -> outcome (cancelled | reduced | cleared) -> m²; every quarter from the
  // first to the last is present. Releases dated by year only under "2021", without a
  // date under "undated".
  std::map<std::string, std::map<std::string, double>> released;
  struct Items {
    std::int64_t found = 0, destroyed = 0;  // destroyed: disposal destroyed_in_situ
  };
  std::map<std::string, Items> items_by_category;
  double hazard_area_m2 = 0;
  std::map<std::string, double> remaining_by_type_m2;  // open hazards: SHA, CHA
  std::map<std::string, std::int64_t> hazards_by_status;
};

// What the figures are limited to. Accidents (and their victims) are dated by their
// date, releases by theirs, items by `found`; hazards are not dated (the area left is
// today's). Administrative areas: hazards, accidents and items by their own, victims by
// their accident's, releases by their hazard's. Organisation: hazards by theirs,
// releases and items by their activity's; accidents have none and ignore it.
struct DashboardFilter {
  StatsPeriod period;
  std::optional<std::set<std::string, std::less<>>> admin_areas;  // the area and those under it
  std::optional<std::string> organisation;
};

// The area `root` and every area under it, from each area's (id, parent) where a
// parent names its area by id or by name.
struct AdminAreaRow {
  std::string id, parent, name;
};
std::set<std::string, std::less<>> areas_within(const std::string& root,
                                                const std::vector<AdminAreaRow>& areas);

Dashboard dashboard(const StatsInput& in, const DashboardFilter& filter = {});

// The same row by row from the few fields each needs (ops/stats streams them from the
// store; dashboard() feeds it records), in this order: activities (only when filtering
// by organisation), hazards, victims, accidents (victims come first: their accidents
// are the only ones whose year is kept), releases and items. A missing text or number
// is nullopt.
class DashboardBuilder {
 public:
  explicit DashboardBuilder(DashboardFilter filter = {});
  bool by_organisation() const { return m_filter.organisation.has_value(); }
  void add_activity(std::string_view id, std::optional<std::string_view> organisation_id);
  void add_hazard(std::string_view id, std::optional<std::string_view> type,
                  std::optional<std::string_view> status, std::optional<double> area_m2,
                  std::optional<double> remaining_m2, std::optional<std::string_view> admin_area_id,
                  std::optional<std::string_view> organisation_id);
  void add_victim(std::optional<std::string_view> accident_id,
                  std::optional<std::string_view> group, std::optional<std::string_view> outcome);
  void add_accident(std::string_view id, std::optional<std::string_view> date,
                    std::optional<std::string_view> admin_area_id);
  void add_release(std::optional<std::string_view> date, std::optional<std::string_view> outcome,
                   std::optional<double> area_m2, std::optional<std::string_view> hazard_id,
                   std::optional<std::string_view> activity_id);
  void add_item(std::optional<std::string_view> category, std::optional<std::int64_t> quantity,
                std::optional<std::string_view> disposal, std::optional<std::string_view> found,
                std::optional<std::string_view> admin_area_id,
                std::optional<std::string_view> activity_id);
  Dashboard finish();

 private:
  bool in_areas(std::optional<std::string_view> admin) const;
  bool of_organisation_activity(std::optional<std::string_view> activity_id) const;

  DashboardFilter m_filter;
  Dashboard m_d;
  struct Victim {
    std::string accident, group, outcome;
  };
  std::vector<Victim> m_victims;
  // The accidents of victims: their year once counted ("unknown" undated), "" until then.
  std::unordered_map<std::string, std::string> m_accident_year;
  std::unordered_set<std::string> m_org_activities;
  std::unordered_map<std::string, std::string> m_hazard_admin;  // kept when filtering by area
};

}  // namespace minemap::analysis
