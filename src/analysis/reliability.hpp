// Mine-map reliability: once clearance has found the real mines in part of a
// recorded minefield, how accurate was the record, what systematic error explains
// it (a shifted landmark, a datum, an uncorrected declination, a pace length), and
// where are the remaining mines. Pure: plain values in, plain values out.
//
// Every distance here is in metres in a local east/north frame about the record's
// reference point (azimuthal equidistant on WGS 84), where a field of a few hundred
// metres is flat to well under a millimetre.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/geometry.hpp"

namespace minemap::analysis {

// A recorded mine at its digitised position.
struct RecordedMine {
  std::string row;
  int index = 0;
  std::string category;  // AP_MINE, AT_MINE, ...
  core::Coord at;        // WGS 84 lon/lat
};

// An item clearance found.
struct Find {
  std::string id;
  std::string category;
  core::Coord at;
};

struct ReliabilityInput {
  std::string record;  // the record's id (label)
  std::string source;  // who handed it over
  core::Coord about;   // the reference point: the correction's origin
  std::vector<RecordedMine> recorded;
  core::Polygon perimeter;             // the recorded perimeter (may be empty)
  std::vector<core::Polygon> cleared;  // ground cleared so far
  std::vector<Find> finds;             // finds in and around the field, every category
  std::map<std::string, long long> declared;
};

struct GradeThresholds {
  double a = 0.9;        // recall and precision as recorded
  double b = 0.9;        // recall and precision after one rigid correction
  double c = 0.5;        // ... partly reliable
  int min_recorded = 5;  // fewer recorded mines in cleared ground: U
};

struct ReliabilityOptions {
  double tolerance_m = 5;
  bool fit_scale = false;  // estimate a scale too (pace errors)
  GradeThresholds grade;
  int bootstrap = 200;  // resamples for the 95% intervals (0: none)
  std::uint64_t seed = 1;
  double max_rotation_deg = 25;  // the rotations searched
  double max_shift_m = 500;      // the shifts searched
};

struct ErrorStats {
  double median = 0;
  double rmse = 0;
  double ce90 = 0;  // 90th percentile of the radial error
};

struct MatchStats {
  int recorded_in_cleared = 0;  // recorded mines (at the positions judged) in cleared ground
  int found_in_cleared = 0;     // finds of the record's categories in cleared ground
  int matched = 0;
  double recall = 0;     // matched / recorded_in_cleared
  double precision = 0;  // matched / found_in_cleared
  ErrorStats error_m;
};

struct Correction {
  double shift_east_m = 0;
  double shift_north_m = 0;
  double rotation_deg = 0;  // clockwise
  double scale = 1;
  core::Coord about;
  std::array<double, 2> ci_shift_east_m{0, 0};
  std::array<double, 2> ci_shift_north_m{0, 0};
  std::array<double, 2> ci_rotation_deg{0, 0};
  std::array<double, 2> ci_scale{1, 1};
};

struct Predicted {
  core::Coord at;
  double radius_m = 0;
  std::string row;  // empty for a mine inferred from the pattern of finds
  int index = 0;
  std::string category;
};

// One recorded mine matched to one find.
struct Match {
  int recorded = 0;  // index into ReliabilityInput::recorded
  int find = 0;      // index into ReliabilityInput::finds
  double error_m = 0;
};

struct ReliabilityResult {
  std::string record;
  std::string source;
  char grade = 'U';
  std::string grade_reason;
  double tolerance_m = 5;
  int recorded_in_cleared = 0;  // as recorded
  int found_in_cleared = 0;
  MatchStats as_recorded;
  std::optional<Correction> correction;  // none when nothing to fit
  MatchStats corrected;
  std::map<std::string, std::array<long long, 2>> declared_vs_found;
  int found_outside_perimeter = 0;
  int other_found = 0;  // clutter: finds in cleared ground of categories the record lists not
  std::vector<Predicted> predicted_remaining;  // meaningful only when has_prediction()
  std::vector<Predicted> inferred;  // from rows fitted to finds no recorded mine explains
  // For reports: where each recorded mine lies after the correction, and the pairs.
  std::vector<core::Coord> corrected_positions;
  std::vector<Match> matches_as_recorded;
  std::vector<Match> matches_corrected;
  std::vector<std::string> warnings;
};

// A record graded U is not judged: too little of it lies in cleared ground to say, so
// no figure of the mines left is given for it (none would read "none left").
inline bool judged(const ReliabilityResult& r) {
  return r.grade != 'U';
}

// `predicted_remaining` holds a prediction: the record is judged and a correction was
// fitted. Otherwise the mines left are unknown (not none): docs/reliability.md.
inline bool has_prediction(const ReliabilityResult& r) {
  return judged(r) && r.correction.has_value();
}

// Estimates the correction from the finds and judges the record; predicts where the
// remaining mines are when it is judged (has_prediction).
ReliabilityResult assess(const ReliabilityInput& in, const ReliabilityOptions& opt = {});

// The result with a given correction instead of an estimated one (a simulation's
// truth; a correction learned elsewhere). No intervals, no bootstrap.
ReliabilityResult assess_with(const ReliabilityInput& in, const Correction& c,
                              const ReliabilityOptions& opt = {});

// The JSON of docs/reliability.md (`reliability --json`), one object per record:
// "predicted_remaining" is null when there is no prediction (U, or nothing fitted).
nlohmann::json to_json(const ReliabilityResult& r);

// Per source: records by grade with Wilson 95% intervals on the share of each grade.
struct SourceSummary {
  std::string source;
  int records = 0;
  std::map<char, int> by_grade;                      // A B C D U
  std::map<char, std::array<double, 2>> grade_ci95;  // Wilson score interval
  long long finds = 0;                          // all finds of the inputs, whatever their source
  long long finds_outside_every_perimeter = 0;  // ... outside every perimeter of this source
  long long accidents = 0;
  long long accidents_outside_every_perimeter = 0;
};

// Sums the results per source. Finds (those of every input, each once) and
// `accidents` (lon/lat) are counted against every perimeter the source recorded.
std::vector<SourceSummary> summarize_sources(const std::vector<ReliabilityInput>& inputs,
                                             const std::vector<ReliabilityResult>& results,
                                             const std::vector<core::Coord>& accidents = {});

// The Wilson score interval for k successes in n trials at 95% (z = 1.959964).
std::array<double, 2> wilson95(int k, int n);

}  // namespace minemap::analysis
