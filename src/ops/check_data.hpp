// The data-quality report (`minemap check-data`, `import --check/--strict`): features
// outside the administrative areas loaded or inside them only with lon/lat swapped,
// duplicates, records far from the hazard they name, closed hazards with area left,
// records dated before their hazard was reported, dates in the future. The checks,
// their defaults and why: docs/cli.md#check-data.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/geometry.hpp"
#include "index/shape_index.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

struct QualityOptions {
  double duplicate_m = 25;  // --distance: the same place, in geodesic metres
  int duplicate_days = 0;   // --days: the same date, days apart (0: the same day)
  double link_km = 1;       // --link-km: a record this far from the hazard it names
  // Area left on a closed hazard below this is the rounding of polygon operations.
  double closed_area_m2 = 1;
  // Only these records are reported (an import's), compared with the whole store.
  std::optional<std::set<std::string>> only;
  core::Date today = core::Date::today();
};

// One problem found: the record, the check ("outside", "swapped", "duplicate",
// "far_link", "closed_with_area", "before_report", "future_date"), the reason for
// people, and the numbers behind it.
struct QualityFlag {
  std::string entity;  // EntitySpec::name
  std::string id;
  std::string check;
  std::string reason;
  nlohmann::json details = nlohmann::json::object();
  core::Geometry where;  // a point on the feature (none for records without geometry)
};

// Every check over the store's records that are not deleted (any workflow state), in
// the order of the schema's entities, then by id and check. Throws InputError naming
// the option for a tolerance that is not one.
std::vector<QualityFlag> check_data(store::Registry& reg, const QualityOptions& opt = {});

// The keys of `areas` that contain p with its lon and lat exchanged, when p itself lies
// in none of them; empty when p is in place, or in no area either way.
std::vector<std::int64_t> swapped_into(core::Coord p, const index::ShapeIndex& areas);

// Days between two dates, each taken as the span of days it may mean (2020 is the whole
// year): 0 when the spans meet.
std::int64_t days_apart(const core::Date& a, const core::Date& b);

// The report for scripts: [{"entity", "id", "check", "reason", "details"}, ...].
nlohmann::json quality_json(const std::vector<QualityFlag>& flags);
// For people: a table entity, id, check, reason (a line saying so when nothing).
std::string quality_table(const std::vector<QualityFlag>& flags);
// A GeoPackage of the flagged features for QGIS: one Point layer "flagged" (a point on
// each feature) with entity, id, check and reason. Throws core::Conflict when `path`
// exists and !overwrite.
void write_quality_gpkg(const std::vector<QualityFlag>& flags, const std::string& path,
                        bool overwrite);

}  // namespace minemap::ops
