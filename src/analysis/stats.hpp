// The summary figures of national and Landmine Monitor reports, computed from
// approved, non-deleted records. Pure: records in, figures out.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/schema.hpp"
#include "index/shape_index.hpp"

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

// The same figures computed row by row from the few fields each needs, without whole
// records: what a store streams (ops/stats) and what compute_stats feeds from records.
// Rows come entity by entity in this order, each needing what came before: hazards,
// victims, accidents, activities, items, releases. A missing text is "", a missing
// date nullopt. The hazards' index is built on another thread while the accidents come
// (from the first accident on, the hazards are complete); their points are joined to
// it at the end by the parallel join (index/join).
class StatsBuilder {
 public:
  // threads: of the work, the caller's included (0: every core; 1: none started).
  explicit StatsBuilder(const StatsPeriod& period = {}, unsigned threads = 0);
  ~StatsBuilder();
  StatsBuilder(StatsBuilder&&) noexcept;
  StatsBuilder& operator=(StatsBuilder&&) noexcept;

  // An index of the hazards built before (hazard_index()) on the same rows: add_hazard is
  // then given no geometry.
  void use_hazard_index(std::shared_ptr<const index::ShapeIndex> hazards);
  struct Hazard {
    std::string_view type, status;
    std::optional<double> area_m2, remaining_m2;
  };
  void add_hazard(const Hazard& h, const core::Geometry* geometry);
  struct Victim {
    std::string_view accident_id, outcome, age_group, group;
    std::optional<std::string_view> sex;
    std::optional<std::int64_t> age;
  };
  void add_victim(const Victim& v);
  // Whether add_accident needs the accidents' ids (their victims came before).
  bool needs_accident_ids() const;
  struct Accident {
    std::string_view id, type;
    std::optional<std::string_view> date;
    std::optional<core::Coord> point;
  };
  void add_accident(const Accident& a);
  void add_activity(std::string_view id, std::optional<double> deminer_days);
  struct Item {
    std::optional<std::string_view> found, activity_id;
    std::string_view category;
    std::optional<std::int64_t> quantity;
  };
  void add_item(const Item& it);
  struct Release {
    std::optional<std::string_view> date;
    std::string_view outcome, activity_id;
    std::optional<double> area_m2;
  };
  void add_release(const Release& r);

  // The figures, once every row is in.
  Stats finish();
  // The index of the hazards, once finished: kept by a caller to answer again while the
  // store is unchanged.
  std::shared_ptr<const index::ShapeIndex> hazard_index() const;

 private:
  struct State;
  std::unique_ptr<State> m;
};

// Splits the input by administrative area: hazards, accidents and items by their
// own admin_area_id, activities and releases by their hazard's, victims by their
// accident's. Records in no known area go under "".
std::map<std::string, StatsInput> split_by_admin(const StatsInput& in);

// Whether a reduced-precision date lies in the period: "2012" is in a period
// from 2012-06-01 (it may be), and bounds given as "2012" cover the whole year.
bool in_period(const std::optional<std::string>& date, const StatsPeriod& p);
bool in_period(std::optional<std::string_view> date, const StatsPeriod& p);

}  // namespace minemap::analysis
