// Judging the record: the correction as reported, the grade, the rows inferred from
// finds no recorded mine explains, and the prediction of the remaining mines with the
// truncated Rayleigh sigma. docs/reliability.md: "Grades" and "Prediction" (under
// "What is measured"), and under "Why the search is shaped this way", "The radius and
// the truncated Rayleigh sigma".
#include <algorithm>
#include <cmath>
#include <set>

#include "analysis/reliability/stages.hpp"

namespace minemap::analysis::reliability {

namespace {

// The line through two of the finds `left` (1 to 15 m apart) that passes within
// `perp_tol` of the most finds of the record's categories: those finds, and the line's
// direction in `best_dir` (the first such line on a tie).
std::vector<int> strongest_line(const Problem& pb, const std::vector<int>& left, double perp_tol,
                                P& best_dir) {
  std::vector<int> best_in;
  for (std::size_t a = 0; a < left.size(); ++a)
    for (std::size_t b = a + 1; b < left.size(); ++b) {
      P pa = pb.fnd[static_cast<std::size_t>(left[a])];
      P d = pb.fnd[static_cast<std::size_t>(left[b])] - pa;
      double len = norm(d);
      if (len < 1 || len > 15) continue;
      d = {d.x / len, d.y / len};
      std::vector<int> in;
      for (int f : left) {
        P q = pb.fnd[static_cast<std::size_t>(f)] - pa;
        if (std::abs(q.x * d.y - q.y * d.x) <= perp_tol &&
            pb.fnd_cat[static_cast<std::size_t>(f)] >= 0)
          in.push_back(f);
      }
      if (in.size() > best_in.size()) {
        best_in = in;
        best_dir = d;
      }
    }
  return best_in;
}

// The per-axis sigma of the residuals for the 95% radius: the truncated Rayleigh
// estimate scaled for the parameters fitted, or from the tolerance when too few pairs
// were matched.
double prediction_sigma(const Problem& pb, const std::vector<Match>& matches,
                        std::vector<std::string>& warnings) {
  const ReliabilityOptions& opt = pb.opt;
  std::vector<double> res;
  for (const auto& m : matches) res.push_back(m.error_m);
  int dof = opt.fit_scale ? 4 : 3;
  double sigma = 0;
  if (res.size() > static_cast<std::size_t>(dof)) {
    sigma = truncated_rayleigh_sigma(res, opt.tolerance_m) *
            std::sqrt(static_cast<double>(res.size()) /
                      static_cast<double>(res.size() - static_cast<std::size_t>(dof)));
  } else {
    sigma = opt.tolerance_m / 2.448;
    warnings.push_back("too few matched mines to measure the residuals: radius from the tolerance");
  }
  return sigma;
}

}  // namespace

Correction to_correction(const Transform& t, core::Coord about) {
  Correction c;
  c.shift_east_m = t.shift.x;
  c.shift_north_m = t.shift.y;
  c.rotation_deg = t.theta_deg;
  c.scale = t.scale;
  c.about = about;
  c.ci_shift_east_m = {t.shift.x, t.shift.x};
  c.ci_shift_north_m = {t.shift.y, t.shift.y};
  c.ci_rotation_deg = {t.theta_deg, t.theta_deg};
  c.ci_scale = {t.scale, t.scale};
  return c;
}

Transform from_correction(const Correction& c) {
  return {c.rotation_deg, c.scale, {c.shift_east_m, c.shift_north_m}};
}

// The grade from the two evaluations (docs: reliability).
void grade(ReliabilityResult& r, const GradeThresholds& g, bool has_correction) {
  auto pct = [](double v) { return std::to_string(static_cast<int>(std::lround(v * 100))) + "%"; };
  const auto& a = r.as_recorded;
  const auto& c = r.corrected;
  if (a.recorded_in_cleared >= g.min_recorded && a.recall >= g.a && a.precision >= g.a) {
    r.grade = 'A';
    r.grade_reason = "as recorded, " + pct(a.recall) +
                     " of the recorded mines in cleared ground were found and " + pct(a.precision) +
                     " of the mines found there are on the record";
    return;
  }
  if (!has_correction || c.recorded_in_cleared < g.min_recorded) {
    if (a.recorded_in_cleared < g.min_recorded) {
      r.grade = 'U';
      r.grade_reason = "fewer than " + std::to_string(g.min_recorded) +
                       " recorded mines lie in cleared ground, as recorded or corrected";
      return;
    }
  }
  const MatchStats& use = (has_correction && c.recorded_in_cleared >= g.min_recorded) ? c : a;
  if (use.recall >= g.b && use.precision >= g.b) {
    r.grade = 'B';
    r.grade_reason = "after one rigid correction, " + pct(use.recall) +
                     " of the recorded mines in cleared ground were found and " +
                     pct(use.precision) +
                     " of the mines found there are on the record (as recorded: " + pct(a.recall) +
                     " and " + pct(a.precision) + ")";
  } else if (use.recall >= g.c && use.precision >= g.c) {
    r.grade = 'C';
    r.grade_reason = "partly reliable: after the correction " + pct(use.recall) + " recall, " +
                     pct(use.precision) + " precision (below " + pct(g.b) + ", at least " +
                     pct(g.c) + ")";
  } else {
    r.grade = 'D';
    r.grade_reason = "no correspondence: after the best rigid correction only " + pct(use.recall) +
                     " of the recorded mines in cleared ground were found and " +
                     pct(use.precision) + " of the mines found are on the record";
  }
}

ReliabilityResult judge(const Problem& pb, const ReliabilityInput& in,
                        const std::optional<Transform>& t, const std::optional<Correction>& given,
                        const Evaluation* corrected) {
  ReliabilityResult r;
  r.record = in.record;
  r.source = in.source;
  r.tolerance_m = pb.opt.tolerance_m;
  auto as = evaluate(pb, pb.rec);
  r.as_recorded = as.stats;
  r.matches_as_recorded = as.matches;
  r.recorded_in_cleared = as.stats.recorded_in_cleared;
  r.found_in_cleared = as.stats.found_in_cleared;
  Transform tr = t ? *t : Transform{};
  auto pos = transformed(pb.rec, tr);
  auto co = corrected ? *corrected : evaluate(pb, pos);
  r.corrected = co.stats;
  r.matches_corrected = co.matches;
  if (t) r.correction = given ? *given : to_correction(tr, in.about);
  for (const auto& p : pos) r.corrected_positions.push_back(pb.frame.to_lonlat({p.x, p.y}));
  // Clutter, finds outside the recorded perimeter, declared vs found.
  for (std::size_t j = 0; j < pb.fnd.size(); ++j) {
    if (!pb.fnd_cleared[j]) continue;
    if (pb.fnd_cat[j] < 0) {
      ++r.other_found;
      continue;
    }
    if (pb.has_perimeter && !inside(pb.perimeter, pb.fnd[j])) ++r.found_outside_perimeter;
  }
  std::map<std::string, long long> found;
  for (const auto& m : co.matches) ++found[in.finds[static_cast<std::size_t>(m.find)].category];
  for (const auto& [cat, n] : in.declared)
    r.declared_vs_found[cat] = {n, found.count(cat) ? found[cat] : 0};
  for (const auto& [cat, n] : found)
    if (!r.declared_vs_found.count(cat)) r.declared_vs_found[cat] = {0, n};
  grade(r, pb.opt.grade, t.has_value());
  return r;
}

// Row-pattern inference for the finds no recorded mine explains: lines of regularly
// spaced finds are taken for rows and extended, at their spacing, beyond the cleared
// ground (not into it: a position there with nothing found ends the row).
std::vector<Predicted> infer_rows(const Problem& pb, const std::vector<Match>& matches,
                                  const Transform& t, std::vector<std::string>& warnings) {
  std::vector<Predicted> out;
  std::vector<char> matched(pb.fnd.size(), 0);
  for (const auto& m : matches) matched[static_cast<std::size_t>(m.find)] = 1;
  std::vector<int> left;
  for (int f : pb.mine_finds)
    if (!matched[static_cast<std::size_t>(f)]) left.push_back(f);
  (void)t;
  if (left.size() > 2000) {
    warnings.push_back("more than 2,000 finds no recorded mine explains: rows not inferred");
    return out;
  }
  const double perp_tol = 0.75;
  while (left.size() >= 3) {
    P best_dir;
    std::vector<int> best_in = strongest_line(pb, left, perp_tol, best_dir);
    if (best_in.size() < 3) break;
    // Along the line: positions, gaps, spacing (the median gap).
    P o = pb.fnd[static_cast<std::size_t>(best_in[0])];
    std::vector<std::pair<double, int>> along;
    double perp_ss = 0;
    for (int f : best_in) {
      P q = pb.fnd[static_cast<std::size_t>(f)] - o;
      along.emplace_back(q.x * best_dir.x + q.y * best_dir.y, f);
      double perp = q.x * best_dir.y - q.y * best_dir.x;
      perp_ss += perp * perp;
    }
    std::sort(along.begin(), along.end());
    std::vector<double> gaps;
    for (std::size_t i = 1; i < along.size(); ++i)
      gaps.push_back(along[i].first - along[i - 1].first);
    double spacing = quantile(gaps, 0.5);
    int regular = 0;
    double gap_ss = 0;
    for (double g : gaps)
      if (spacing > 0.5 && std::abs(g - spacing) <= 0.2 * spacing) {
        ++regular;
        gap_ss += (g - spacing) * (g - spacing);
      }
    std::set<int> used(best_in.begin(), best_in.end());
    std::vector<int> rest;
    for (int f : left)
      if (!used.count(f)) rest.push_back(f);
    left = std::move(rest);
    if (regular < 2) continue;  // collinear, but not a row
    double sp = std::sqrt(perp_ss / static_cast<double>(best_in.size()));
    double sg = std::sqrt(gap_ss / regular);
    const int cap = std::max(10, static_cast<int>(best_in.size()));
    for (int dir : {1, -1}) {
      double start = dir > 0 ? along.back().first : along.front().first;
      for (int k = 1; k <= cap; ++k) {
        double s_at = start + dir * k * spacing;
        P q = o + P{best_dir.x * s_at, best_dir.y * s_at};
        if (pb.cleared.contains(q)) break;  // cleared and nothing found: the row ends
        Predicted pr;
        pr.at = pb.frame.to_lonlat({q.x, q.y});
        pr.radius_m = std::max(1.0, 2.4477 * std::sqrt(sp * sp + k * k * sg * sg + 0.25));
        pr.category = pb.in->finds[static_cast<std::size_t>(along.front().second)].category;
        pr.index = k;
        out.push_back(pr);
      }
    }
  }
  return out;
}

// The per-axis sigma of a circular normal error from distances observed only up to
// `limit` (matches beyond the tolerance are not made): the maximum likelihood
// estimate for the Rayleigh distribution truncated at the limit. Left untruncated,
// the plain estimate sqrt(sum r^2 / 2n) is low by the tail the tolerance cuts off.
// With u = 1 / (2 sigma^2) the likelihood's derivative is
//   n/u - sum r^2 - n T^2 / (exp(u T^2) - 1),
// which falls from n T^2/2 - sum r^2 (at u -> 0) to -sum r^2; its root is found by
// bisection. When the distances are spread as far as a uniform spread would be,
// there is no root and the limit itself bounds sigma.
double truncated_rayleigh_sigma(const std::vector<double>& r, double limit) {
  const auto n = static_cast<double>(r.size());
  double ss = 0;
  for (double e : r) ss += e * e;
  const double plain = std::sqrt(ss / (2 * n));
  const double t2 = limit * limit;
  if (ss <= 0 || limit <= 0) return plain;
  if (ss >= n * t2 / 2) return std::max(plain, limit);
  auto g = [&](double u) { return n / u - ss - n * t2 / std::expm1(u * t2); };
  double lo = 1e-9 / t2, hi = n / ss;  // g(lo) > 0 >= g(hi), as n/u - ss <= 0 at hi
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    double mid = 0.5 * (lo + hi);
    (g(mid) > 0 ? lo : hi) = mid;
  }
  return std::sqrt(1 / (2 * 0.5 * (lo + hi)));
}

// Prediction: the recorded mines not yet in cleared ground, where the correction
// puts them, with a 95% radius from the residuals and the transform's spread.
std::vector<Predicted> predict_remaining(const Problem& pb, const Transform& t,
                                         const std::vector<Match>& matches,
                                         const std::vector<Transform>& boots,
                                         std::vector<std::string>& warnings) {
  const ReliabilityInput& in = *pb.in;
  std::vector<Predicted> out;
  const double sigma = prediction_sigma(pb, matches, warnings);
  const double k95 = 2.4477;  // sqrt(-2 ln 0.05): 95% of a circular normal
  std::vector<Transform::Applier> boot_maps;
  for (const auto& b : boots) boot_maps.push_back(b.applier());
  for (std::size_t i = 0; i < pb.rec.size(); ++i) {
    P p = t.apply(pb.rec[i]);
    if (pb.cleared.contains(p)) continue;
    std::vector<double> spread;
    for (const auto& b : boot_maps) spread.push_back(norm(b(pb.rec[i]) - p));
    double s95 = spread.empty() ? 0 : quantile(spread, 0.95);
    Predicted pr;
    pr.at = pb.frame.to_lonlat({p.x, p.y});
    pr.radius_m = std::sqrt(k95 * sigma * k95 * sigma + s95 * s95);
    pr.row = in.recorded[i].row;
    pr.index = in.recorded[i].index;
    pr.category = in.recorded[i].category;
    out.push_back(pr);
  }
  return out;
}

}  // namespace minemap::analysis::reliability
