// Signals of unknown contamination (docs/signals.md) for people and for scripts: a
// table, a JSON array of areas, a GeoJSON FeatureCollection, and the evaluation.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "analysis/signals.hpp"

namespace minemap::render {

// One area as JSON: rank (1 first), score and its parts, count, casualties, first, last,
// area_m2, nearest_hazard_m (null without hazards), evidence (id, kind, type, date,
// casualties, lon, lat each) and, with `geometry`, its GeoJSON geometry.
nlohmann::json signal_json(const std::vector<analysis::SignalEvent>& events,
                           const analysis::SignalArea& a, std::size_t rank, bool geometry);
// Every area, as an array (`--json`) or a FeatureCollection (`--geojson`).
nlohmann::json signals_json(const std::vector<analysis::SignalEvent>& events,
                            const std::vector<analysis::SignalArea>& areas);
nlohmann::json signals_geojson(const std::vector<analysis::SignalEvent>& events,
                               const std::vector<analysis::SignalArea>& areas);
// A table, highest score first; at most `limit` rows (0: every one).
void print_signals(const std::vector<analysis::SignalEvent>& events,
                   const std::vector<analysis::SignalArea>& areas, std::size_t limit,
                   std::ostream& out);

nlohmann::json signal_evaluation_json(const analysis::SignalEvaluation& e);
void print_signal_evaluation(const analysis::SignalEvaluation& e, std::ostream& out);

}  // namespace minemap::render
