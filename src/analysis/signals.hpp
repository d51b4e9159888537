// Signals of unknown contamination (docs/signals.md): accidents and items found outside
// every known hazard, grouped by geodesic distance into suggested hazardous areas, each
// scored by its evidence. The caller chooses the evidence (ops::signals reads it from
// the store); this module only clusters, draws and scores.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/geometry.hpp"

namespace minemap::analysis {

// One accident or item that no open hazard explains.
struct SignalEvent {
  std::string id;
  std::string kind;  // "accident" or "item"
  std::string type;  // the accident's type, the item's category
  std::optional<core::Date> date;
  core::Coord at;
  int casualties = 0;  // victims of an accident
};

struct SignalParams {
  double eps_m = 1000;    // two events this close (geodesic metres) are neighbours
  int min_points = 2;     // events within eps_m (itself included) that make a core event
  double buffer_m = 250;  // the area reaches this far beyond its outermost events
  // The year recency is measured from: the newest event's when 0.
  int reference_year = 0;
};

// The parts of a score, each from 0 to 1; the score is their mean.
struct SignalScore {
  double events = 0;      // log2(1 + count) / log2(101), at most 1: 100 events or more give 1
  double casualties = 0;  // log2(1 + victims) / log2(11), at most 1: 10 victims give 1
  double recency = 0;     // 2^-(years since the newest event / 10); 0 when none is dated
  double distance = 0;    // distance to the nearest known hazard / 10 km, at most 1; 1 for none
  double total = 0;
};

struct SignalArea {
  core::Geometry geometry;            // a MultiPolygon of one polygon: the buffered hull
  std::vector<std::size_t> evidence;  // positions in the events given, in id order
  std::optional<core::Date> first, last;
  int casualties = 0;
  double area_m2 = 0;
  std::optional<double> nearest_hazard_m;  // none when no hazard is known
  SignalScore score;
};

// Known hazards, for the distance part of the score: distance_m(p) the geodesic
// distance from p to the nearest one, nullopt when there are none.
class HazardDistance {
 public:
  virtual ~HazardDistance() = default;
  virtual std::optional<double> distance_m(core::Coord p) const = 0;
};

// Throws core::InputError naming --eps, --min-points or --buffer for values out of range.
void check_signal_params(const SignalParams& p);

// The events clustered by DBSCAN over geodesic distance: each cluster, and each event
// that belongs to none (noise, a cluster of one), becomes an area. Clusters come first,
// then single events; each by score, then most events, then by the first evidence id: the same
// events give the same answer on every run.
std::vector<SignalArea> find_signals(const std::vector<SignalEvent>& events,
                                     const SignalParams& params,
                                     const HazardDistance* hazards = nullptr);

// The buffered convex hull of `points` (lon/lat), `buffer_m` metres around it: the
// convex hull of a 32-sided polygon about each point, drawn in a local azimuthal
// equidistant frame. A MultiPolygon of one polygon, its ring counter-clockwise.
core::Geometry buffered_hull(const std::vector<core::Coord>& points, double buffer_m);

// How the areas found from the events up to `year` would have caught the events of
// the next `horizon` years, beside a plain buffer of params.buffer_m around each past
// event (docs/signals.md, "Evaluation").
struct SignalEvaluation {
  int year = 0, horizon = 0;
  std::size_t past = 0, future = 0;  // events up to `year`; dated events after it
  std::size_t areas = 0;
  double signals_km2 = 0, buffer_km2 = 0;
  std::size_t signals_caught = 0, buffer_caught = 0;
};
SignalEvaluation evaluate_signals(const std::vector<SignalEvent>& events, int year, int horizon,
                                  const SignalParams& params,
                                  const HazardDistance* hazards = nullptr);

}  // namespace minemap::analysis
