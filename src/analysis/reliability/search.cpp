// The search for the correction: for each rotation of a scan, every (find - rotated
// recorded mine) difference of the same category votes for an offset on a 1 m grid;
// the strong offset peaks of every rotation are scored with the negative evidence of
// cleared ground, the best few polished by least squares and judged again with the
// optimal matching. docs/reliability.md, "Why the search is shaped this way": "Offset
// votes", "The rotation prepass" and "Ranking and polishing".
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "analysis/reliability/stages.hpp"

namespace minemap::analysis::reliability {

namespace {

// An offset peak of one rotation: the shift about the reference point it stands for,
// and the votes of its 3 x 3 window.
struct Peak {
  double theta;
  P shift;
  double votes;
};

// A candidate correction and its score.
struct Scored {
  Transform t;
  double score;
};

// The offset votes of the record against the finds, one rotation at a time.
//
// Rotations are scanned about the recorded mines' centroid, not about the reference
// point (which may lie hundreds of metres away): the offsets then spread only over
// the field's own size, and a rotation a fraction of a degree off moves the mines
// little. A vote d for a rotation R about the centroid c is the shift d - R c about
// the reference point.
//
// The offsets any pair can vote for lie within the finds' box less the record's
// (rotated) box; a dense grid over that, cleared per rotation at the touched cells
// only, is far cheaper than hashing every vote.
class OffsetVotes {
 public:
  explicit OffsetVotes(const Problem& pb);

  // The record's extent about its centroid (bounds every rotation of it).
  double radius() const { return m_rr; }

  // The offset peaks of one rotation: the best window's votes, and the `want`
  // strongest local maxima (strongest first). `stride` > 1 lets every stride-th
  // recorded mine vote: enough to see how sharp a rotation's peak is, at a fraction
  // of the cost.
  void peaks_at(double theta, std::vector<Peak>& out, double* best_votes, std::size_t stride,
                std::size_t want);

  // The offset peaks of one rotation, strongest first, at most `k`.
  std::vector<Peak> top_peaks(double th, std::size_t stride, std::size_t k) {
    std::vector<Peak> p;
    peaks_at(th, p, nullptr, stride, k);
    return p;
  }

 private:
  static constexpr double kCell = 1.0;
  // Casts the votes of one rotation; the most votes of one cell.
  unsigned vote(const Transform::Applier& rot, std::size_t stride);
  // The votes of the 3 x 3 window about cell k.
  float smooth(std::size_t k) const {
    const auto w = static_cast<std::size_t>(m_w);
    unsigned sum = 0;
    for (std::size_t row : {k - w, k, k + w})
      sum += m_votes[row - 1] + m_votes[row] + m_votes[row + 1];
    return static_cast<float>(sum);
  }
  // Whether the window at cell k (of `v` votes) is a local maximum: no neighbour's
  // window has more, and none before it in the grid's order as many.
  bool is_local_max(std::size_t k, float v) const;
  // The local maxima among the windows at `cand` (of `sm` votes), strongest first,
  // until `want` are found, appended to `out` as peaks of rotation `theta` (whose
  // rotated centroid is `rc`).
  void local_maxima(double theta, P rc, const std::vector<std::size_t>& cand,
                    const std::vector<float>& sm, double top, std::size_t want,
                    std::vector<Peak>& out) const;

  const Problem& m_pb;
  double m_max_shift;
  P m_centre;
  std::vector<P> m_rec_c;  // the recorded mines about their centroid
  double m_rr = 0;
  double m_ox = 0, m_oy = 0;  // the grid's origin
  long long m_w = 0, m_h = 0;
  // Counts of 16 bits (saturating) keep the grid of a large field in the core's cache.
  std::vector<std::uint16_t> m_votes;
  std::vector<std::size_t> m_touched, m_twice;  // cells at their first and second vote
  std::size_t m_n_touched = 0, m_n_twice = 0;
  // The finds of each category, relative to the grid's origin, contiguous: the vote
  // loop is the analysis's inner loop.
  std::map<int, std::vector<P>> m_finds_by_cat;
};

OffsetVotes::OffsetVotes(const Problem& pb) : m_pb(pb), m_max_shift(pb.opt.max_shift_m) {
  double fminx = 1e300, fminy = 1e300, fmaxx = -1e300, fmaxy = -1e300;
  for (int f : pb.mine_finds) {
    const P& q = pb.fnd[static_cast<std::size_t>(f)];
    fminx = std::min(fminx, q.x);
    fmaxx = std::max(fmaxx, q.x);
    fminy = std::min(fminy, q.y);
    fmaxy = std::max(fmaxy, q.y);
  }
  for (const auto& q : pb.rec) m_centre = m_centre + q;
  m_centre = {m_centre.x / static_cast<double>(pb.rec.size()),
              m_centre.y / static_cast<double>(pb.rec.size())};
  m_rec_c.reserve(pb.rec.size());
  for (const auto& q : pb.rec) {
    m_rec_c.push_back(q - m_centre);
    m_rr = std::max(m_rr, norm(m_rec_c.back()));
  }
  // A margin of 3 cells on every side: every vote lands at least 2 cells inside the
  // grid, so a window about a voted cell, or about its neighbour, never leaves it.
  m_ox = fminx - m_rr - 3;
  m_oy = fminy - m_rr - 3;
  m_w = static_cast<long long>(std::ceil((fmaxx + m_rr + 3 - m_ox) / kCell)) + 1;
  m_h = static_cast<long long>(std::ceil((fmaxy + m_rr + 3 - m_oy) / kCell)) + 1;
  m_votes.assign(static_cast<std::size_t>(std::max(1LL, m_w * m_h)), 0);
  for (int f : pb.mine_finds) {
    const P& q = pb.fnd[static_cast<std::size_t>(f)];
    m_finds_by_cat[pb.fnd_cat[static_cast<std::size_t>(f)]].push_back({q.x - m_ox, q.y - m_oy});
  }
}

unsigned OffsetVotes::vote(const Transform::Applier& rot, std::size_t stride) {
  m_n_touched = m_n_twice = 0;
  unsigned max_raw = 0;
  for (std::size_t i = 0; i < m_pb.rec.size(); i += stride) {
    auto it = m_finds_by_cat.find(m_pb.rec_cat[i]);
    if (it == m_finds_by_cat.end()) continue;
    P r = rot(m_rec_c[i]);
    // Every offset lands inside the grid: it spans the finds' box grown by the
    // record's radius about its centroid (and 3 cells) on every side.
    if (m_touched.size() < m_n_touched + it->second.size()) {
      m_touched.resize(2 * m_touched.size() + it->second.size());
      m_twice.resize(m_touched.size());
    }
    std::size_t* tw = m_touched.data();
    std::size_t* tw2 = m_twice.data();
    for (const P& q : it->second) {
      auto cx = static_cast<long long>(q.x - r.x);
      auto cy = static_cast<long long>(q.y - r.y);
      auto k = static_cast<std::size_t>(cy * m_w + cx);
      unsigned v = m_votes[k];
      v += v < 0xffff;  // saturating
      m_votes[k] = static_cast<std::uint16_t>(v);
      tw[m_n_touched] = k;  // kept when this was the cell's first vote
      m_n_touched += v == 1;
      tw2[m_n_twice] = k;  // kept when this was its second
      m_n_twice += v == 2;
      max_raw = std::max(max_raw, v);
    }
  }
  return max_raw;
}

bool OffsetVotes::is_local_max(std::size_t k, float v) const {
  const auto w = static_cast<std::size_t>(m_w);
  for (long long dy = -1; dy <= 1; ++dy)
    for (long long dx = -1; dx <= 1; ++dx) {
      if (!dx && !dy) continue;
      auto n =
          static_cast<std::size_t>(static_cast<long long>(k) + dy * static_cast<long long>(w) + dx);
      float nv = smooth(n);
      if (nv > v || (nv == v && (dy < 0 || (dy == 0 && dx < 0)))) return false;
    }
  return true;
}

void OffsetVotes::local_maxima(double theta, P rc, const std::vector<std::size_t>& cand,
                               const std::vector<float>& sm, double top, std::size_t want,
                               std::vector<Peak>& out) const {
  const auto w = static_cast<std::size_t>(m_w);
  std::vector<std::size_t> order;
  for (std::size_t t = 0; t < cand.size() && want > 0; ++t)
    if (sm[t] >= top * 0.5 && sm[t] >= 3) order.push_back(t);
  // A heap: usually a few pops find them, where a sort would order hundreds.
  auto weaker = [&](std::size_t a, std::size_t b) {
    return sm[a] < sm[b] || (sm[a] == sm[b] && cand[a] > cand[b]);
  };
  std::make_heap(order.begin(), order.end(), weaker);
  std::size_t found = 0;
  while (!order.empty() && found < want) {
    std::pop_heap(order.begin(), order.end(), weaker);
    const std::size_t t = order.back();
    order.pop_back();
    float v = sm[t];
    std::size_t k = cand[t];
    if (is_local_max(k, v)) {
      double cx = static_cast<double>(k % w);
      double cy = static_cast<double>(k / w);
      P shift = P{m_ox + (cx + 0.5) * kCell, m_oy + (cy + 0.5) * kCell} - rc;
      if (std::abs(shift.x) <= m_max_shift && std::abs(shift.y) <= m_max_shift) {
        out.push_back({theta, shift, v});
        ++found;
      }
    }
  }
}

void OffsetVotes::peaks_at(double theta, std::vector<Peak>& out, double* best_votes,
                           std::size_t stride, std::size_t want) {
  const auto rot = Transform{theta, 1, {0, 0}}.applier();
  const P rc = rot(m_centre);
  const unsigned max_raw = vote(rot, stride);
  // Windows are taken at cells that received votes, and only at "hot" ones: a 3 x 3
  // window worth scoring (3 votes or more, and at least half the best) holds a cell
  // of at least 1/18 of the best single cell's votes; cells of one or two votes are
  // coincidences.
  const float hot = std::max(2.0f, static_cast<float>(max_raw) / 18.0f);
  std::vector<std::size_t> cand;
  for (std::size_t t = 0; t < m_n_twice; ++t)  // hot >= 2: only cells voted for twice
    if (m_votes[m_twice[t]] >= hot) cand.push_back(m_twice[t]);
  std::vector<float> sm(cand.size());
  double top = 0;
  for (std::size_t t = 0; t < cand.size(); ++t) {
    sm[t] = smooth(cand[t]);
    top = std::max(top, static_cast<double>(sm[t]));
  }
  if (best_votes) *best_votes = top;
  // The strongest windows first, until `want` local maxima are found.
  local_maxima(theta, rc, cand, sm, top, want, out);
  for (std::size_t t = 0; t < m_n_touched; ++t) m_votes[m_touched[t]] = 0;
}

// The rotations worth the full vote. A first pass with fewer votes (every
// `pre_stride`-th recorded mine) finds those whose best window stands out from the
// median rotation's by at least a third of the best one's lead, and their neighbours.
// Far from the true rotation the votes spread over the grid and no window stands out;
// those rotations are not voted on again. A small record (few votes in all, so that
// the prepass would vote with no fewer pairs) gets the full vote at every rotation.
std::vector<char> rotations_to_vote(OffsetVotes& votes, const std::vector<double>& rotations,
                                    std::size_t pre_stride, std::size_t stride) {
  std::vector<char> keep(rotations.size(), 1);
  if (pre_stride > stride) {
    std::vector<double> sampled(rotations.size(), 0);
    double sampled_best = 0;
    std::vector<Peak> discard;
    for (std::size_t i = 0; i < rotations.size(); ++i) {
      discard.clear();
      votes.peaks_at(rotations[i], discard, &sampled[i], pre_stride, 0);
      sampled_best = std::max(sampled_best, sampled[i]);
    }
    const double background = quantile(sampled, 0.5);
    const double keep_at = background + (sampled_best - background) / 3;
    std::fill(keep.begin(), keep.end(), 0);
    for (std::size_t i = 0; i < rotations.size(); ++i)
      if (sampled[i] >= keep_at)
        for (std::size_t j = i > 0 ? i - 1 : 0; j <= std::min(rotations.size() - 1, i + 1); ++j)
          keep[j] = 1;
  }
  return keep;
}

// 1. Every rotation of a 1-degree scan; the strongest offset peaks of each are scored
// in full (the copies of the true alignment crowd the top of the votes, and the
// sharpest rotation is not always the true one). Peaks far weaker than the strongest
// of all rotations are not scored: a third of its votes is lenient (jitter spreads the
// true peak's votes no more than a copy's).
std::vector<Scored> scan(const Problem& pb, OffsetVotes& votes) {
  std::vector<Scored> scored;
  // A candidate of the scan is up to half a degree off: at the record's far end that
  // moves a mine by rr * 0.5 degree. Candidates are ranked with the tolerance grown by
  // that much, so that the true alignment is not ranked below its copies for it.
  const double coarse_tol = pb.opt.tolerance_m + votes.radius() * 0.5 * kDeg;
  FindGrid coarse_grid(pb.fnd, pb.fnd_cat, pb.mine_finds, coarse_tol);
  auto consider = [&](const Peak& c) {
    scored.push_back({{c.theta, 1, {c.shift.x, c.shift.y}},
                      score(pb, coarse_grid, {c.theta, 1, c.shift}, nullptr, nullptr, coarse_tol)});
  };
  const double lim = pb.opt.max_rotation_deg;
  const std::size_t pairs = pb.rec.size() * pb.mine_finds.size();
  const std::size_t stride = std::max<std::size_t>(1, pairs / 40000);  // at most about 40,000 votes
  const std::size_t pre_stride = std::max<std::size_t>(1, pairs / 2500);  // about 2,500 votes
  std::vector<double> rotations;
  for (double th = -lim; th <= lim + 1e-9; th += 1.0) rotations.push_back(th);
  const std::vector<char> keep = rotations_to_vote(votes, rotations, pre_stride, stride);
  std::vector<Peak> peaks;
  double strongest = 0;
  for (std::size_t i = 0; i < rotations.size(); ++i) {
    if (!keep[i]) continue;
    for (const auto& c : votes.top_peaks(rotations[i], stride, 16)) {
      peaks.push_back(c);
      strongest = std::max(strongest, c.votes);
    }
  }
  for (const auto& c : peaks)
    if (c.votes >= strongest / 3) consider(c);
  return scored;
}

// 2. The starts to polish: the record as it is first (polished like the others, it
// wins when the record is right and a copy only ties with it), then the best-scored
// candidates distinct from every start before them, 25 in all at the most.
std::vector<Transform> starts(std::vector<Scored> scored) {
  std::sort(scored.begin(), scored.end(),
            [](const Scored& a, const Scored& b) { return a.score > b.score; });
  std::vector<Transform> seeds{Transform{}};
  for (const auto& c : scored) {
    bool distinct = true;
    for (const auto& t : seeds)
      if (std::abs(t.theta_deg - c.t.theta_deg) < 1.5 && norm(t.shift - c.t.shift) < 3)
        distinct = false;
    if (distinct) seeds.push_back(c.t);
    if (seeds.size() == 25) break;
  }
  return seeds;
}

// A start polished by least squares on its own pairs (a candidate of the coarse scan
// is up to half a degree and half a metre off, which costs it matches a polished copy
// would not lose), for as long as its score improves, at most 4 rounds.
Scored polish(const Problem& pb, const FindGrid& grid, Transform t) {
  std::vector<std::pair<int, int>> matched_pairs, next_pairs;
  double sc = score(pb, grid, t, nullptr, &matched_pairs);
  for (int iter = 0; iter < 4; ++iter) {
    if (matched_pairs.size() < 2) break;
    std::vector<P> a, b;
    for (const auto& [r, f] : matched_pairs) {
      a.push_back(pb.rec[static_cast<std::size_t>(r)]);
      b.push_back(pb.fnd[static_cast<std::size_t>(f)]);
    }
    Transform nt = fit(a, b, pb.opt.fit_scale);
    next_pairs.clear();
    double ns = score(pb, grid, nt, nullptr, &next_pairs);
    if (ns <= sc) break;
    t = nt;
    sc = ns;
    std::swap(matched_pairs, next_pairs);
  }
  return {t, sc};
}

// 3. The best few by the polished score, judged again with the optimal assignment
// (the nearest-first one can rank a copy a point or two above the truth).
Aligned judge_best(const Problem& pb, std::vector<Scored> polished) {
  std::stable_sort(polished.begin(), polished.end(),
                   [](const Scored& a, const Scored& b) { return a.score > b.score; });
  Aligned best;
  double best_score = -std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < std::min<std::size_t>(4, polished.size()); ++k) {
    const Transform& t = polished[k].t;
    auto ev = evaluate(pb, transformed(pb.rec, t));
    const auto& st = ev.stats;
    double exact = st.matched - 1.0 * (st.recorded_in_cleared - st.matched) -
                   1.0 * (st.found_in_cleared - st.matched) - 0.05 * std::abs(t.theta_deg) -
                   0.002 * norm(t.shift);
    if (exact > best_score) {
      best_score = exact;
      best = {t, std::move(ev)};
    }
  }
  return best;
}

}  // namespace

Aligned search(const Problem& pb) {
  FindGrid grid(pb.fnd, pb.fnd_cat, pb.mine_finds, pb.opt.tolerance_m);
  OffsetVotes votes(pb);
  std::vector<Scored> polished;
  for (Transform t : starts(scan(pb, votes))) polished.push_back(polish(pb, grid, t));
  return judge_best(pb, std::move(polished));
}

}  // namespace minemap::analysis::reliability
