// The summary figures of national and Landmine Monitor reports, computed from
// approved, non-deleted records. Pure: records in, figures out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/schema.hpp"

namespace minemap::analysis {

struct StatsInput {
  std::vector<core::Record> hazards, releases, items, accidents, victims, activities;
};

struct StatsPeriod {
  std::optional<core::Date> from, to;  // inclusive; reduced precision widens the bound
};

struct Stats {
  struct Hazards {
    std::int64_t count = 0;
    std::map<std::string, std::int64_t> by_type, by_status;
    double area_m2 = 0, remaining_m2 = 0;
  } hazards;
  struct LandRelease {
    double cancelled_m2 = 0, reduced_m2 = 0, cleared_m2 = 0;
    // Cleared area (m²) of clearance releases in whose activity nothing was found.
    double cleared_nothing_found_m2 = 0;
    double deminer_days = 0;  // of completed clearance activities with a cleared area
    double cleared_by_deminer_days_m2 = 0;
  } land_release;
  struct Items {
    std::int64_t count = 0;  // sum of quantities
    std::map<std::string, std::int64_t> by_category, by_year;
  } items;
  struct Accidents {
    std::int64_t count = 0, inside_hazards = 0, outside_hazards = 0;
    std::map<std::string, std::int64_t> by_year, by_type;
  } accidents;
  struct Victims {
    std::int64_t count = 0, killed = 0, injured = 0, children = 0;
    std::map<std::string, std::int64_t> by_group, by_sex, by_year;
  } victims;
};

// Dated records (items by `found`, accidents by `date`, releases by `date`,
// victims by their accident's date) outside the period are left out; records
// with no date are kept only when the period is open. Hazards are their state now.
Stats compute_stats(const StatsInput& in, const StatsPeriod& period = {});

// Splits the input by administrative area: hazards, accidents and items by their
// own admin_area_id, activities and releases by their hazard's, victims by their
// accident's. Records in no known area go under "".
std::map<std::string, StatsInput> split_by_admin(const StatsInput& in);

// Whether a reduced-precision date lies in the period: "2012" is in a period
// from 2012-06-01 (it may be), and bounds given as "2012" cover the whole year.
bool in_period(const std::optional<std::string>& date, const StatsPeriod& p);

}  // namespace minemap::analysis
