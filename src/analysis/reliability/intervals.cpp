// The 95% intervals of the correction: bootstrap fits on the matched pairs resampled
// with replacement, seeded so that a run repeats exactly. docs/reliability.md, "Why the
// search is shaped this way": "The intervals".
#include <array>
#include <random>

#include "analysis/reliability/stages.hpp"

namespace minemap::analysis::reliability {

std::vector<Transform> bootstrap_intervals(const Problem& pb, const std::vector<Match>& matches,
                                           Correction& c) {
  const ReliabilityOptions& opt = pb.opt;
  std::vector<Transform> boots;
  std::mt19937_64 rng(opt.seed);
  std::vector<P> a(matches.size()), b(matches.size());
  for (int k = 0; k < opt.bootstrap; ++k) {
    for (std::size_t i = 0; i < matches.size(); ++i) {
      const auto& m = matches[static_cast<std::size_t>(rng() % matches.size())];
      a[i] = pb.rec[static_cast<std::size_t>(m.recorded)];
      b[i] = pb.fnd[static_cast<std::size_t>(m.find)];
    }
    boots.push_back(fit(a, b, opt.fit_scale));
  }
  auto ci = [&](auto get) {
    std::vector<double> v;
    for (const auto& x : boots) v.push_back(get(x));
    return std::array<double, 2>{quantile(v, 0.025), quantile(v, 0.975)};
  };
  c.ci_shift_east_m = ci([](const Transform& x) { return x.shift.x; });
  c.ci_shift_north_m = ci([](const Transform& x) { return x.shift.y; });
  c.ci_rotation_deg = ci([](const Transform& x) { return x.theta_deg; });
  c.ci_scale = ci([](const Transform& x) { return x.scale; });
  return boots;
}

}  // namespace minemap::analysis::reliability
