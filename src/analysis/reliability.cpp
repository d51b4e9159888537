// The reliability analysis: the public entry points (src/analysis/reliability.hpp).
// The stages are in src/analysis/reliability/ (stages.hpp lists them): matching, the
// search for the correction (rotation scan with offset voting, candidates scored with
// the negative evidence of cleared ground), trimmed least squares, bootstrap
// intervals, grading, prediction. docs/reliability.md ("Why the search is shaped this
// way") explains each stage.
#include "analysis/reliability.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/reliability/stages.hpp"

namespace minemap::analysis {

using reliability::P;
using reliability::Problem;
using reliability::Transform;

ReliabilityResult assess_with(const ReliabilityInput& in, const Correction& c,
                              const ReliabilityOptions& opt) {
  Problem pb = reliability::prepare(in, opt);
  return reliability::judge(pb, in, reliability::from_correction(c), c);
}

ReliabilityResult assess(const ReliabilityInput& in, const ReliabilityOptions& opt) {
  Problem pb = reliability::prepare(in, opt);
  std::optional<Transform> t;
  std::optional<reliability::Evaluation> fitted;
  if (!pb.rec.empty() && !pb.mine_finds.empty()) {
    auto a = reliability::refine(pb, reliability::search(pb));
    t = a.t;
    fitted = std::move(a.ev);
  }
  ReliabilityResult r = reliability::judge(pb, in, t, std::nullopt, fitted ? &*fitted : nullptr);
  const std::vector<Match>& matches = r.matches_corrected;
  if (!t) {
    r.warnings.push_back(pb.rec.empty() ? "the record has no mines"
                                        : "no mines found in cleared ground: nothing to fit");
  }
  // Bootstrap: refit on matched pairs resampled with replacement.
  std::vector<Transform> boots;
  if (t && matches.size() >= 3 && opt.bootstrap > 0)
    boots = reliability::bootstrap_intervals(pb, matches, *r.correction);
  if (t) {
    r.inferred = reliability::infer_rows(pb, r.matches_corrected, *t, r.warnings);
    // A record not judged (U) gets no prediction: its correction rests on too little.
    if (has_prediction(r))
      r.predicted_remaining =
          reliability::predict_remaining(pb, *t, r.matches_corrected, boots, r.warnings);
  }
  return r;
}

namespace {

nlohmann::json stats_json(const MatchStats& s) {
  return {{"matched", s.matched},
          {"recall", s.recall},
          {"precision", s.precision},
          {"recorded_in_cleared", s.recorded_in_cleared},
          {"error_m",
           {{"median", s.error_m.median}, {"rmse", s.error_m.rmse}, {"ce90", s.error_m.ce90}}}};
}

nlohmann::json predicted_json(const std::vector<Predicted>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& p : v) {
    nlohmann::json o = {
        {"lon", p.at.x}, {"lat", p.at.y}, {"radius_m", p.radius_m}, {"category", p.category}};
    if (!p.row.empty()) {
      o["row"] = p.row;
      o["index"] = p.index;
    }
    a.push_back(o);
  }
  return a;
}

}  // namespace

nlohmann::json to_json(const ReliabilityResult& r) {
  nlohmann::json j;
  j["record"] = r.record;
  j["source"] = r.source;
  j["grade"] = std::string(1, r.grade);
  j["grade_reason"] = r.grade_reason;
  j["judged"] = judged(r);
  j["tolerance_m"] = r.tolerance_m;
  j["recorded_in_cleared"] = r.recorded_in_cleared;
  j["found_in_cleared"] = r.found_in_cleared;
  j["as_recorded"] = stats_json(r.as_recorded);
  if (r.correction) {
    const auto& c = *r.correction;
    j["correction"] = {{"shift_east_m", c.shift_east_m},
                       {"shift_north_m", c.shift_north_m},
                       {"rotation_deg", c.rotation_deg},
                       {"scale", c.scale},
                       {"about", {c.about.x, c.about.y}},
                       {"ci95",
                        {{"shift_east_m", c.ci_shift_east_m},
                         {"shift_north_m", c.ci_shift_north_m},
                         {"rotation_deg", c.ci_rotation_deg},
                         {"scale", c.ci_scale}}}};
  } else {
    j["correction"] = nullptr;
  }
  j["corrected"] = stats_json(r.corrected);
  j["declared_vs_found"] = nlohmann::json::object();
  for (const auto& [cat, v] : r.declared_vs_found) j["declared_vs_found"][cat] = v;
  j["found_outside_perimeter"] = r.found_outside_perimeter;
  j["other_found"] = r.other_found;
  j["predicted_remaining"] =
      has_prediction(r) ? predicted_json(r.predicted_remaining) : nlohmann::json(nullptr);
  j["inferred"] = predicted_json(r.inferred);
  j["warnings"] = r.warnings;
  return j;
}

std::array<double, 2> wilson95(int k, int n) {
  if (n <= 0) return {0, 1};
  const double z = 1.959963984540054;
  double p = static_cast<double>(k) / n;
  double nn = n;
  double den = 1 + z * z / nn;
  double centre = (p + z * z / (2 * nn)) / den;
  double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / den;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::vector<SourceSummary> summarize_sources(const std::vector<ReliabilityInput>& inputs,
                                             const std::vector<ReliabilityResult>& results,
                                             const std::vector<core::Coord>& accidents) {
  std::map<std::string, SourceSummary> by;
  for (const auto& r : results) {
    auto& s = by[r.source];
    s.source = r.source;
    ++s.records;
    ++s.by_grade[r.grade];
  }
  for (auto& [name, s] : by)
    for (char g : {'A', 'B', 'C', 'D', 'U'}) s.grade_ci95[g] = wilson95(s.by_grade[g], s.records);
  // Of all the finds (each once) and accidents, those outside every perimeter the
  // source recorded: contamination its records did not cover.
  std::map<std::string, std::vector<std::vector<P>>> rings;
  for (const auto& in : inputs)
    if (!in.perimeter.empty()) {
      std::vector<P> ring;
      for (const auto& v : in.perimeter[0]) ring.push_back({v.x, v.y});
      rings[in.source].push_back(std::move(ring));
    }
  std::set<std::pair<std::string, std::pair<double, double>>> seen;
  std::vector<core::Coord> finds;
  for (const auto& in : inputs)
    for (const auto& f : in.finds)
      if (seen.insert({f.id, {f.at.x, f.at.y}}).second) finds.push_back(f.at);
  auto outside_all = [&](const std::string& source, core::Coord c) {
    for (const auto& ring : rings[source])
      if (reliability::in_ring(ring, {c.x, c.y})) return false;
    return true;
  };
  for (auto& [name, s] : by) {
    s.finds = static_cast<long long>(finds.size());
    for (const auto& f : finds)
      if (outside_all(name, f)) ++s.finds_outside_every_perimeter;
    s.accidents = static_cast<long long>(accidents.size());
    for (const auto& a : accidents)
      if (outside_all(name, a)) ++s.accidents_outside_every_perimeter;
  }
  std::vector<SourceSummary> out;
  for (auto& [name, s] : by) out.push_back(s);
  return out;
}

}  // namespace minemap::analysis
