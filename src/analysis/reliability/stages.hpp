// The stages of the reliability analysis, shared by the files of this folder (not a
// public interface: src/analysis/reliability.hpp is). docs/reliability.md ("Why the
// search is shaped this way") explains each stage; each file names its paragraphs.
//   problem.cpp    the local frame: the record, finds and cleared ground in metres
//   matching.cpp   optimal matching, the quick matching and a candidate's score
//   search.cpp     rotation scan, offset votes, candidate ranking, polishing
//   fit.cpp        trimmed least squares (2D Procrustes)
//   intervals.cpp  bootstrap intervals
//   grading.cpp    grades, rows inferred, the truncated Rayleigh sigma, prediction
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/reliability.hpp"
#include "geo/geodesy.hpp"

namespace minemap::analysis::reliability {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kDeg = kPi / 180;

struct P {
  double x = 0, y = 0;
};
inline P operator-(P a, P b) {
  return {a.x - b.x, a.y - b.y};
}
inline P operator+(P a, P b) {
  return {a.x + b.x, a.y + b.y};
}
inline double norm(P a) {
  return std::sqrt(a.x * a.x + a.y * a.y);
}

// The correction as a map of local points: rotate clockwise by theta, scale, shift.
struct Transform {
  double theta_deg = 0;
  double scale = 1;
  P shift;
  // Clockwise in an east/north frame: a bearing grows by theta.
  P apply(P p) const { return applier()(p); }
  // The map with its sine and cosine computed once, for applying it to many points.
  struct Applier {
    double c, s, k;
    P t;
    P operator()(P p) const {
      return {k * (p.x * c + p.y * s) + t.x, k * (-p.x * s + p.y * c) + t.y};
    }
  };
  Applier applier() const {
    return {std::cos(theta_deg * kDeg), std::sin(theta_deg * kDeg), scale, shift};
  }
};

// Polygons in the local frame, with their boxes, for point-in-polygon tests.
struct LocalPolygon {
  std::vector<std::vector<P>> rings;
  double minx = 0, miny = 0, maxx = 0, maxy = 0;
};

inline bool in_ring(const std::vector<P>& ring, P p) {
  bool in = false;
  for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const P& a = ring[i];
    const P& b = ring[j];
    if ((a.y > p.y) != (b.y > p.y)) {
      double x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
      if (p.x < x) in = !in;
    }
  }
  return in;
}

inline bool inside(const LocalPolygon& poly, P p) {
  if (p.x < poly.minx || p.x > poly.maxx || p.y < poly.miny || p.y > poly.maxy) return false;
  if (poly.rings.empty() || !in_ring(poly.rings[0], p)) return false;
  for (std::size_t h = 1; h < poly.rings.size(); ++h)
    if (in_ring(poly.rings[h], p)) return false;
  return true;
}

inline bool inside_any(const std::vector<LocalPolygon>& polys, P p) {
  for (const auto& q : polys)
    if (inside(q, p)) return true;
  return false;
}

// A union of polygons with a raster of its cells for fast point tests: a cell no edge
// comes near is wholly inside or wholly outside, and answers at once; only points in
// cells an edge crosses (or nears) take the exact test. The answers are those of the
// exact test everywhere. (The raster is built in problem.cpp.)
class Region {
 public:
  Region() = default;
  explicit Region(std::vector<LocalPolygon> polys);
  bool contains(P p) const {
    if (m_polys.empty()) return false;
    if (!m_state.empty()) {
      auto cx = static_cast<long long>(std::floor((p.x - m_x0) / m_cell));
      auto cy = static_cast<long long>(std::floor((p.y - m_y0) / m_cell));
      if (cx < 0 || cy < 0 || cx >= m_w || cy >= m_h) return false;  // outside every box
      auto st = m_state[static_cast<std::size_t>(cy * m_w + cx)];
      if (st != kEdge) return st == kInside;
    }
    return inside_any(m_polys, p);
  }
  const std::vector<LocalPolygon>& polygons() const { return m_polys; }

 private:
  static constexpr std::uint8_t kOutside = 0, kInside = 1, kEdge = 2;
  void mark_boundary(P p);
  std::vector<LocalPolygon> m_polys;
  double m_cell = 1, m_x0 = 0, m_y0 = 0;
  long long m_w = 0, m_h = 0;
  std::vector<std::uint8_t> m_state;
};

// The prepared problem: everything in local metres.
struct Problem {
  const ReliabilityInput* in = nullptr;
  ReliabilityOptions opt;
  geo::LocalFrame frame{{0, 0}};
  std::vector<P> rec;             // recorded mines
  std::vector<int> rec_cat;       // category index
  std::vector<P> fnd;             // finds
  std::vector<int> fnd_cat;       // category index; -1: not a category the record lists
  std::vector<bool> fnd_cleared;  // the find lies in cleared ground
  Region cleared;
  LocalPolygon perimeter;
  bool has_perimeter = false;
  std::vector<int> mine_finds;  // finds of the record's categories in cleared ground
};

Problem prepare(const ReliabilityInput& in, const ReliabilityOptions& opt);

// A uniform grid of finds for neighbour queries within the tolerance: cells of the
// tolerance's size over the finds' box, each find's position, category and index
// stored in its cell's run of one array (counting sort), so that a query reads
// memory in order. (Built in problem.cpp.)
class FindGrid {
 public:
  struct Entry {
    P at;
    int cat;
    int id;
  };
  FindGrid(const std::vector<P>& pts, const std::vector<int>& cats, const std::vector<int>& ids,
           double cell);
  // Calls fn(entry) for every find in the 3 x 3 cells about p (a superset of those
  // within one cell's size of p).
  template <typename F>
  void near(P p, F&& fn) const {
    if (m_entries.empty()) return;
    auto cx = static_cast<long long>(std::floor((p.x - m_x0) / m_cell));
    auto cy = static_cast<long long>(std::floor((p.y - m_y0) / m_cell));
    if (cx < -1 || cy < -1 || cx > m_w || cy > m_h) return;
    const long long x0 = std::max(0LL, cx - 1), x1 = std::min(m_w - 1, cx + 1);
    for (long long y = std::max(0LL, cy - 1); y <= std::min(m_h - 1, cy + 1); ++y) {
      // The cells of one grid row are consecutive in the array.
      const int from = m_start[static_cast<std::size_t>(y * m_w + x0)];
      const int to = m_start[static_cast<std::size_t>(y * m_w + x1 + 1)];
      for (int k = from; k < to; ++k) fn(m_entries[static_cast<std::size_t>(k)]);
    }
  }

 private:
  std::size_t cell_of(P p) const;
  double m_cell;
  double m_x0 = 0, m_y0 = 0;
  long long m_w = 0, m_h = 0;
  std::vector<int> m_start;
  std::vector<Entry> m_entries;
};

// matching.cpp

// Optimal one-to-one matching within the tolerance: the most pairs, and among those
// the least total distance.
std::vector<Match> match_optimal(const std::vector<P>& rec, const std::vector<int>& rec_cat,
                                 const std::vector<int>& rec_ids, const std::vector<P>& fnd,
                                 const std::vector<int>& fnd_cat, const std::vector<int>& fnd_ids,
                                 double tol);

// The q-quantile, interpolated between the two order statistics around it.
double quantile(std::vector<double> v, double q);

ErrorStats error_stats(const std::vector<Match>& m);

// Matching and the counts of one set of positions of the recorded mines.
struct Evaluation {
  MatchStats stats;
  std::vector<Match> matches;
  std::vector<int> in_cleared;  // recorded mines (at these positions) in cleared ground
};

Evaluation evaluate(const Problem& pb, const std::vector<P>& pos);

std::vector<P> transformed(const std::vector<P>& rec, const Transform& t);

// Sorts keys whose high 32 bits are a float distance in [0, max] (the order of
// std::sort on the whole key).
void sort_distance_keys(std::vector<std::uint64_t>& keys, double max);

// The score of a candidate with the quick (nearest first) matching: matched, less the
// negative evidence, less the mild penalties. `tolerance` 0: the options'.
double score(const Problem& pb, const FindGrid& grid, const Transform& t,
             int* matched_out = nullptr, std::vector<std::pair<int, int>>* pairs = nullptr,
             double tolerance = 0);

// fit.cpp

// Least squares fit of a rotation (and scale) + shift mapping recorded to found
// positions: 2D Procrustes about the origin of the frame.
Transform fit(const std::vector<P>& from, const std::vector<P>& to, bool with_scale);

// A transform and the optimal matching of the recorded mines it places.
struct Aligned {
  Transform t;
  Evaluation ev;
};

// Trimmed least squares from a start, until stable.
Aligned refine(const Problem& pb, Aligned start);

// search.cpp

// The search for the correction.
Aligned search(const Problem& pb);

// intervals.cpp

// The bootstrap fits on the matched pairs, and the 95% intervals they give `c`.
std::vector<Transform> bootstrap_intervals(const Problem& pb, const std::vector<Match>& matches,
                                           Correction& c);

// grading.cpp

Correction to_correction(const Transform& t, core::Coord about);
Transform from_correction(const Correction& c);

// The grade from the two evaluations.
void grade(ReliabilityResult& r, const GradeThresholds& g, bool has_correction);

// The result for a transform (none: the record as it is), with its figures and grade.
ReliabilityResult judge(const Problem& pb, const ReliabilityInput& in,
                        const std::optional<Transform>& t, const std::optional<Correction>& given,
                        const Evaluation* corrected = nullptr);

// Rows fitted to the finds no recorded mine explains, extended beyond cleared ground.
std::vector<Predicted> infer_rows(const Problem& pb, const std::vector<Match>& matches,
                                  const Transform& t, std::vector<std::string>& warnings);

// The per-axis sigma of a circular normal error from distances observed only up to
// `limit`.
double truncated_rayleigh_sigma(const std::vector<double>& r, double limit);

// The recorded mines not yet in cleared ground where `t` puts them, with a 95% radius
// from the residuals of `matches` and the spread of the bootstrap fits.
std::vector<Predicted> predict_remaining(const Problem& pb, const Transform& t,
                                         const std::vector<Match>& matches,
                                         const std::vector<Transform>& boots,
                                         std::vector<std::string>& warnings);

}  // namespace minemap::analysis::reliability
