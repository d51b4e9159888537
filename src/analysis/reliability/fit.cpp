// The fit: least squares (a 2D Procrustes fit, rigid or with a scale) and the trimmed
// least squares that refines the search's winner. docs/reliability.md, "Why the search
// is shaped this way": "The fit".
#include <algorithm>
#include <cmath>

#include "analysis/reliability/stages.hpp"

namespace minemap::analysis::reliability {

// Least squares fit of a rotation (and scale) + shift mapping recorded to found
// positions: 2D Procrustes about the origin of the frame.
Transform fit(const std::vector<P>& from, const std::vector<P>& to, bool with_scale) {
  Transform t;
  std::size_t n = from.size();
  if (n == 0) return t;
  P ca, cb;
  for (std::size_t i = 0; i < n; ++i) {
    ca = ca + from[i];
    cb = cb + to[i];
  }
  ca = {ca.x / static_cast<double>(n), ca.y / static_cast<double>(n)};
  cb = {cb.x / static_cast<double>(n), cb.y / static_cast<double>(n)};
  double sxx = 0, sxy = 0, saa = 0;
  for (std::size_t i = 0; i < n; ++i) {
    P a = from[i] - ca;
    P b = to[i] - cb;
    sxx += a.x * b.x + a.y * b.y;  // cos part
    sxy += a.y * b.x - a.x * b.y;  // sin part (clockwise)
    saa += a.x * a.x + a.y * a.y;
  }
  double theta = n >= 2 ? std::atan2(sxy, sxx) : 0.0;
  double scale = 1;
  if (with_scale && saa > 0 && n >= 2) scale = std::hypot(sxx, sxy) / saa;
  t.theta_deg = theta / kDeg;
  t.scale = scale;
  Transform rot{t.theta_deg, scale, {0, 0}};
  P rc = rot.apply(ca);
  t.shift = cb - rc;
  return t;
}

// Trimmed least squares: match within the tolerance, fit, drop the worst residuals
// (beyond 2.5 sigma), refit, until stable.
Aligned refine(const Problem& pb, Aligned start) {
  Transform t = start.t;
  std::optional<Evaluation> known = std::move(start.ev);
  std::vector<Match> m;
  for (int iter = 0; iter < 8; ++iter) {
    auto ev = known ? std::move(*known) : evaluate(pb, transformed(pb.rec, t));
    known.reset();
    m = ev.matches;
    if (m.size() < 2) break;
    std::vector<double> r;
    for (const auto& x : m) r.push_back(x.error_m);
    double sigma = std::max(0.05, quantile(r, 0.5) / 1.1774);  // Rayleigh median = 1.1774 sigma
    std::vector<P> a, b;
    for (const auto& x : m)
      if (x.error_m <= 2.5 * sigma * 1.4142 || m.size() < 6) {
        a.push_back(pb.rec[static_cast<std::size_t>(x.recorded)]);
        b.push_back(pb.fnd[static_cast<std::size_t>(x.find)]);
      }
    Transform nt = fit(a, b, pb.opt.fit_scale);
    bool stable = std::abs(nt.theta_deg - t.theta_deg) < 1e-6 && norm(nt.shift - t.shift) < 1e-5 &&
                  std::abs(nt.scale - t.scale) < 1e-9;
    t = nt;
    if (stable) break;
  }
  return {t, evaluate(pb, transformed(pb.rec, t))};
}

}  // namespace minemap::analysis::reliability
