// Signals of unknown contamination (docs/signals.md) for people and for scripts: a
// table, a JSON array of areas, a GeoJSON FeatureCollection, and the evaluation.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "analysis/signals.hpp"

namespace minemap::render {

// One area as JSON: rank (1 first), score and its parts, count, casualties, first, last,
// area_m2, nearest_hazard_m (null without hazards), evidence (id, kind, type, date,
// casualties, lon, lat each) and, with `geometry`, its GeoJSON geometry.
nlohmann::json signal_json(const std::vector<analysis::SignalEvent>& events,
                           const analysis::SignalArea& a, std::size_t rank, bool geometry);
// Every area as a GeoJSON FeatureCollection, whole (the API's answer).
nlohmann::json signals_geojson(const std::vector<analysis::SignalEvent>& events,
                               const std::vector<analysis::SignalArea>& areas);
// Every area written as it is made, one a line: a JSON array of signal_json objects
// (`--json`), or a GeoJSON FeatureCollection, one Feature a line (`--geojson`). With
// `drafts` (one id per area), each area's `draft` too.
void write_signals(const std::vector<analysis::SignalEvent>& events,
                   const std::vector<analysis::SignalArea>& areas, bool geojson,
                   const std::vector<std::string>& drafts, std::ostream& out);
// A table, highest score first; at most `limit` rows (0: every one).
void print_signals(const std::vector<analysis::SignalEvent>& events,
                   const std::vector<analysis::SignalArea>& areas, std::size_t limit,
                   std::ostream& out);

nlohmann::json signal_evaluation_json(const analysis::SignalEvaluation& e);
void print_signal_evaluation(const analysis::SignalEvaluation& e, std::ostream& out);

}  // namespace minemap::render
