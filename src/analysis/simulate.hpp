// Synthetic scenarios for the reliability analysis (`minemap simulate`): a minefield
// record as a party would hand it over, the mines as they were really laid (the
// record's geometry moved by a known error, with rows missing or unrecorded, and
// every mine off by a little), the ground cleared from one end of the field, and what
// clearance found there. The truth is known, so the analysis can be measured against
// it. Pure and deterministic: the same seed and number give the same scenario on
// every platform (std::mt19937_64 with our own uniform and normal draws, because the
// standard distributions differ between standard libraries).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/reliability.hpp"
#include "core/geometry.hpp"

namespace minemap::analysis {

struct SimulateOptions {
  double max_shift_m = 300;      // rigid shift, any direction, up to this
  double max_rotation_deg = 20;  // rotation, either sense, up to this
  // Share of the rows with an error, in scenarios that have row errors: each such row
  // is missing (recorded, never laid) or unrecorded (laid, never recorded).
  double max_row_error_share = 0.4;
  // Positional noise of each laid mine about where the (corrected) record puts it: the
  // radial RMS in metres (each axis has sigma jitter / sqrt 2), drawn once per scenario
  // between these two.
  double jitter_min_m = 1, jitter_max_m = 3;
  // The share of the laid mines in cleared ground, drawn once per scenario.
  double cleared_min = 0.2, cleared_max = 0.8;
  double detection = 0.98;          // probability that a mine in cleared ground is found
  double clutter_per_1000m2 = 0.5;  // other ordnance (UXO) found in cleared ground
  bool scale_errors = false;        // pace errors: a scale of 0.9 to 1.1 as well
  // Share of all scenarios whose landmark is wrong: a shift of 1 to 1.6 max_shift_m.
  double wrong_landmark_share = 0.1;
};

// What really happened. The transform maps RECORDED positions to TRUE positions as
// the analysis's Correction does (docs/cli.md): in the local east/north frame at
// `about` (azimuthal equidistant on WGS 84), rotate by rotation_deg clockwise and
// scale about `about`, then shift.
struct Truth {
  double shift_east_m = 0, shift_north_m = 0, rotation_deg = 0, scale = 1;
  core::Coord about;    // the record's reference point, digitised
  double jitter_m = 0;  // radial RMS of the laid mines about the transformed record
  std::vector<std::string> missing_rows;     // recorded, never laid
  std::vector<std::string> unrecorded_rows;  // laid, never recorded ("X1", ...)
  bool wrong_landmark = false;
  // The grade the analysis's own rules give with this transform ('U' when too little
  // of the record lies in cleared ground to judge it).
  char grade = 'U';
  // "exact" (no error), "rigid" (shift and rotation, with a scale when asked),
  // "rigid+rows" (that and rows missing or unrecorded), "unrelated" (the mines were
  // laid in a different pattern over the same ground: the record does not correspond).
  std::string kind;
  double cleared_share = 0;  // laid mines in cleared ground / laid mines
  int clutter = 0;           // finds that are other ordnance
};

struct Scenario {
  std::string name;                     // "S0007"
  std::string source;                   // "Simulated set 2"
  std::string record_json;              // minemap-record/1
  std::vector<RecordedMine> laid;       // the true mines; unrecorded rows are "X1", ...
  std::vector<core::Polygon> cleared;   // lon/lat, closed rings, counter-clockwise
  std::vector<Find> finds;              // mines found (category as laid) and clutter ("UXO")
  std::vector<RecordedMine> remaining;  // laid mines outside cleared ground
  Truth truth;
};

// Scenario `number` (from 1) of the set drawn with `seed`: each scenario depends on
// the two alone, not on how many others are drawn.
Scenario simulate_scenario(std::uint64_t seed, int number, const SimulateOptions& opt = {});

// The analysis's input for a scenario: the record digitised (its mines, perimeter and
// reference point), the finds, the cleared ground.
ReliabilityInput simulate_input(const Scenario& s);

// Where the truth puts a mine the record puts at `recorded` (before the jitter).
core::Coord true_position(const Truth& t, core::Coord recorded);

// The truth as the analysis's correction, for assess_with().
Correction truth_correction(const Truth& t);

}  // namespace minemap::analysis
