#include "render/signals.hpp"

#include <cmath>
#include <cstdio>
#include <iomanip>

#include "geo/geojson.hpp"

namespace minemap::render {

namespace {

using nlohmann::json;

double rounded(double v, double unit) {
  return std::round(v / unit) * unit;
}

json date_json(const std::optional<core::Date>& d) {
  return d ? json(d->to_string()) : json(nullptr);
}

json properties(const std::vector<analysis::SignalEvent>& events, const analysis::SignalArea& a,
                std::size_t rank) {
  json evidence = json::array();
  for (std::size_t i : a.evidence) {
    const auto& e = events[i];
    evidence.push_back({{"id", e.id},
                        {"kind", e.kind},
                        {"type", e.type},
                        {"date", date_json(e.date)},
                        {"casualties", e.casualties},
                        {"lon", e.at.x},
                        {"lat", e.at.y}});
  }
  return {{"rank", rank},
          {"score", rounded(a.score.total, 1e-4)},
          {"score_parts",
           {{"events", rounded(a.score.events, 1e-4)},
            {"casualties", rounded(a.score.casualties, 1e-4)},
            {"recency", rounded(a.score.recency, 1e-4)},
            {"distance", rounded(a.score.distance, 1e-4)}}},
          {"count", a.evidence.size()},
          {"casualties", a.casualties},
          {"first", date_json(a.first)},
          {"last", date_json(a.last)},
          {"area_m2", rounded(a.area_m2, 0.01)},
          {"nearest_hazard_m",
           a.nearest_hazard_m ? json(rounded(*a.nearest_hazard_m, 0.01)) : json(nullptr)},
          {"evidence", std::move(evidence)}};
}

double share(std::size_t part, std::size_t whole) {
  return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

}  // namespace

json signal_json(const std::vector<analysis::SignalEvent>& events, const analysis::SignalArea& a,
                 std::size_t rank, bool geometry) {
  json j = properties(events, a, rank);
  if (geometry) j["geometry"] = geo::geometry_to_geojson(a.geometry);
  return j;
}

void write_signals(const std::vector<analysis::SignalEvent>& events,
                   const std::vector<analysis::SignalArea>& areas, bool geojson,
                   const std::vector<std::string>& drafts, std::ostream& out) {
  out << (geojson ? "{\"type\": \"FeatureCollection\", \"features\": [\n" : "[\n");
  for (std::size_t i = 0; i < areas.size(); ++i) {
    json one;
    if (geojson) {
      one = {{"type", "Feature"},
             {"geometry", geo::geometry_to_geojson(areas[i].geometry)},
             {"properties", properties(events, areas[i], i + 1)}};
      if (i < drafts.size()) one["properties"]["draft"] = drafts[i];
    } else {
      one = signal_json(events, areas[i], i + 1, true);
      if (i < drafts.size()) one["draft"] = drafts[i];
    }
    out << one.dump() << (i + 1 < areas.size() ? ",\n" : "\n");
  }
  out << (geojson ? "]}\n" : "]\n");
}

json signals_geojson(const std::vector<analysis::SignalEvent>& events,
                     const std::vector<analysis::SignalArea>& areas) {
  json features = json::array();
  for (std::size_t i = 0; i < areas.size(); ++i)
    features.push_back({{"type", "Feature"},
                        {"geometry", geo::geometry_to_geojson(areas[i].geometry)},
                        {"properties", properties(events, areas[i], i + 1)}});
  return {{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

void print_signals(const std::vector<analysis::SignalEvent>& events,
                   const std::vector<analysis::SignalArea>& areas, std::size_t limit,
                   std::ostream& out) {
  if (areas.empty()) {
    out << "no signals: every accident and item lies in an open hazard or in land released "
           "since\n";
    return;
  }
  out << std::left << std::setw(6) << "rank" << std::setw(7) << "score" << std::setw(8) << "events"
      << std::setw(11) << "casualties" << std::setw(12) << "period" << std::setw(11) << "area (ha)"
      << std::setw(14) << "hazard (km)"
      << "evidence\n";
  const std::size_t n = limit ? std::min(limit, areas.size()) : areas.size();
  for (std::size_t r = 0; r < n; ++r) {
    const auto& a = areas[r];
    std::string period = a.first ? std::to_string(a.first->year) : "?";
    if (a.last && (!a.first || a.last->year != a.first->year))
      period += "-" + std::to_string(a.last->year);
    char score[16], area[24], hazard[24];
    std::snprintf(score, sizeof score, "%.3f", a.score.total);
    std::snprintf(area, sizeof area, "%.1f", a.area_m2 / 1e4);
    if (a.nearest_hazard_m)
      std::snprintf(hazard, sizeof hazard, "%.2f", *a.nearest_hazard_m / 1000);
    else
      std::snprintf(hazard, sizeof hazard, "none known");
    std::string ids;
    for (std::size_t k = 0; k < a.evidence.size() && k < 3; ++k)
      ids += (k ? ", " : "") + events[a.evidence[k]].id;
    if (a.evidence.size() > 3) ids += " and " + std::to_string(a.evidence.size() - 3) + " more";
    out << std::setw(6) << r + 1 << std::setw(7) << score << std::setw(8) << a.evidence.size()
        << std::setw(11) << a.casualties << std::setw(12) << period << std::setw(11) << area
        << std::setw(14) << hazard << ids << '\n';
  }
  if (n < areas.size())
    out << "... " << areas.size() - n << " more (--limit 0 lists every one, --json for scripts)\n";
}

json signal_evaluation_json(const analysis::SignalEvaluation& e) {
  auto side = [&](std::size_t caught, double km2) {
    double s = share(caught, e.future);
    return json{{"km2", rounded(km2, 1e-4)},
                {"caught", caught},
                {"share", rounded(s, 1e-6)},
                {"share_per_km2", km2 > 0 ? json(s / km2) : json(nullptr)}};
  };
  return {{"year", e.year},
          {"horizon", e.horizon},
          {"past_events", e.past},
          {"future_events", e.future},
          {"areas", e.areas},
          {"signals", side(e.signals_caught, e.signals_km2)},
          {"buffer", side(e.buffer_caught, e.buffer_km2)}};
}

void print_signal_evaluation(const analysis::SignalEvaluation& e, std::ostream& out) {
  out << "Evidence up to " << e.year << ": " << e.past << " events, " << e.areas
      << " suggested areas.\n";
  out << "Events of " << e.year + 1 << "-" << e.year + e.horizon << ": " << e.future << ".\n\n";
  out << std::left << std::setw(16) << "" << std::setw(13) << "area (km²)" << std::setw(10)
      << "caught" << std::setw(10) << "share"
      << "share per 1000 km²\n";
  auto row = [&](const char* name, std::size_t caught, double km2) {
    double s = share(caught, e.future);
    char a[32], sh[32], per[32];
    std::snprintf(a, sizeof a, "%.1f", km2);
    std::snprintf(sh, sizeof sh, "%.1f%%", 100 * s);
    if (km2 > 0)
      std::snprintf(per, sizeof per, "%.2f%%", 100 * s / km2 * 1000);
    else
      std::snprintf(per, sizeof per, "-");
    out << std::setw(16) << name << std::setw(12) << a << std::setw(10) << caught << std::setw(10)
        << sh << per << '\n';
  };
  row("signals", e.signals_caught, e.signals_km2);
  row("plain buffer", e.buffer_caught, e.buffer_km2);
}

}  // namespace minemap::render
