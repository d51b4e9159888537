// The summary figures of a store: what `minemap stats` (and the demo) print and what
// GET /api/stats and /api/dashboard serve, computed (analysis/stats, analysis/dashboard)
// from the approved, non-deleted records.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "analysis/dashboard.hpp"
#include "analysis/stats.hpp"
#include "index/shape_index.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

// The figures of the approved records, dated within `period` where they have a date.
// Read column by column (Registry::scan), not record by record, on one snapshot; the
// accidents are joined to the hazards over every core.
analysis::Stats stats(store::Registry& reg, const analysis::StatsPeriod& period = {});

// The same for a long-running reader (the server): the index of the hazards and the last
// figures are kept while the store's data version is unchanged, so that the same
// question again costs nothing and another period rebuilds no index. Thread-safe; `reg`
// must outlive it and be used by one thread at a time, as the caller already ensures.
class StatsCache {
 public:
  explicit StatsCache(store::Registry& reg) : m_reg(reg) {}
  analysis::Stats stats(const analysis::StatsPeriod& period = {});

 private:
  store::Registry& m_reg;
  std::mutex m_mutex;
  std::int64_t m_version = -1;
  std::shared_ptr<const index::ShapeIndex> m_hazards;
  std::optional<analysis::Stats> m_open;  // the figures of the open period
};

// The same per administrative area: the area's id -> (its name, its figures); "" holds
// what lies in no known area.
using StatsByAdmin = std::map<std::string, std::pair<std::string, analysis::Stats>>;
StatsByAdmin stats_by_admin(store::Registry& reg, const analysis::StatsPeriod& period = {});

// The figures of the web application's dashboard.
analysis::Dashboard dashboard(store::Registry& reg);

}  // namespace minemap::ops
