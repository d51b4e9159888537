// Matching: the optimal one-to-one matching that has the final word on every figure,
// and the quick matching (all pairs within the tolerance, nearest first) that ranks the
// candidates of the search with the negative evidence of cleared ground.
// docs/reliability.md, "Why the search is shaped this way": "What tells the truth from
// its copies" (the score) and "Ranking and polishing" (the quick matching).
#include <algorithm>
#include <bit>
#include <cmath>
#include <deque>
#include <limits>

#include "analysis/reliability/stages.hpp"

namespace minemap::analysis::reliability {

namespace {

// A candidate pair: a recorded mine and a find of its category within the tolerance.
struct Edge {
  int r, f;
  double d;
};

std::vector<Edge> candidate_edges(const std::vector<P>& rec, const std::vector<int>& rec_cat,
                                  const std::vector<int>& rec_ids, const std::vector<P>& fnd,
                                  const std::vector<int>& fnd_cat, const std::vector<int>& fnd_ids,
                                  double tol) {
  FindGrid grid(fnd, fnd_cat, fnd_ids, tol);
  std::vector<Edge> edges;
  for (int r : rec_ids) {
    P p = rec[static_cast<std::size_t>(r)];
    const int cat = rec_cat[static_cast<std::size_t>(r)];
    grid.near(p, [&](const FindGrid::Entry& e) {
      if (e.cat != cat) return;
      double d = norm(e.at - p);
      if (d <= tol) edges.push_back({r, e.id, d});
    });
  }
  return edges;
}

// The edges of each connected component of the candidate pairs, in their order.
// Components by union-find over recorded and find nodes (node numbers by first
// appearance; ids map to them through arrays, not hash maps).
std::vector<std::vector<std::size_t>> components(const std::vector<Edge>& edges, std::size_t n_rec,
                                                 std::size_t n_fnd) {
  std::vector<int> rnode(n_rec, -1), fnode(n_fnd, -1);
  std::vector<int> parent;
  auto node = [&](std::vector<int>& m, int id) {
    int& n = m[static_cast<std::size_t>(id)];
    if (n < 0) {
      n = static_cast<int>(parent.size());
      parent.push_back(n);
    }
    return n;
  };
  auto find = [&](int x) {
    while (parent[static_cast<std::size_t>(x)] != x) {
      parent[static_cast<std::size_t>(x)] =
          parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
      x = parent[static_cast<std::size_t>(x)];
    }
    return x;
  };
  std::vector<std::pair<int, int>> edge_nodes;
  edge_nodes.reserve(edges.size());
  for (const auto& e : edges) {
    int a = node(rnode, e.r);
    int b = node(fnode, e.f);
    edge_nodes.emplace_back(a, b);
    parent[static_cast<std::size_t>(find(a))] = find(b);
  }
  // The edges of each component, in their order.
  std::vector<int> comp_of(parent.size(), -1);
  std::vector<std::vector<std::size_t>> comps;
  for (std::size_t i = 0; i < edges.size(); ++i) {
    int& c = comp_of[static_cast<std::size_t>(find(edge_nodes[i].first))];
    if (c < 0) {
      c = static_cast<int>(comps.size());
      comps.emplace_back();
    }
    comps[static_cast<std::size_t>(c)].push_back(i);
  }
  return comps;
}

// The residual graph of one component's flow problem.
struct Arc {
  int to, rev;
  int cap;
  double cost;
};
using Graph = std::vector<std::vector<Arc>>;

// Buffers kept over the components of one matching.
struct Scratch {
  std::vector<int> lr_of, lf_of;  // id -> local index, -1 outside the component
  std::vector<double> dist;
  std::vector<int> pv, pe;
  std::vector<char> inq;
  std::deque<int> q;
};

// Bellman-Ford from S over the arcs with capacity left (costs on residual arcs may be
// negative): the distances and the arcs of the shortest paths, in `s`.
void shortest_paths(const Graph& g, int S, int N, Scratch& s) {
  auto& dist = s.dist;
  auto& pv = s.pv;
  auto& pe = s.pe;
  auto& inq = s.inq;
  auto& q = s.q;
  dist.assign(static_cast<std::size_t>(N), std::numeric_limits<double>::infinity());
  pv.assign(static_cast<std::size_t>(N), -1);
  pe.assign(static_cast<std::size_t>(N), -1);
  inq.assign(static_cast<std::size_t>(N), 0);
  q.clear();
  dist[static_cast<std::size_t>(S)] = 0;
  q.push_back(S);
  while (!q.empty()) {
    int u = q.front();
    q.pop_front();
    inq[static_cast<std::size_t>(u)] = 0;
    for (std::size_t k = 0; k < g[static_cast<std::size_t>(u)].size(); ++k) {
      const Arc& a = g[static_cast<std::size_t>(u)][k];
      if (a.cap <= 0) continue;
      double nd = dist[static_cast<std::size_t>(u)] + a.cost;
      if (nd < dist[static_cast<std::size_t>(a.to)] - 1e-12) {
        dist[static_cast<std::size_t>(a.to)] = nd;
        pv[static_cast<std::size_t>(a.to)] = u;
        pe[static_cast<std::size_t>(a.to)] = static_cast<int>(k);
        if (!inq[static_cast<std::size_t>(a.to)]) {
          inq[static_cast<std::size_t>(a.to)] = 1;
          q.push_back(a.to);
        }
      }
    }
  }
}

// The optimal matching of one component of several pairs, appended to `out`: min-cost
// max-flow by successive shortest paths.
void match_component(const std::vector<Edge>& edges, const std::vector<std::size_t>& eids,
                     const std::vector<P>& rec, const std::vector<P>& fnd, Scratch& s,
                     std::vector<Match>& out) {
  auto& lr_of = s.lr_of;
  auto& lf_of = s.lf_of;
  // Local indices: recorded 0..R-1, finds R..R+F-1, source S, sink T.
  std::vector<int> rid, fid;  // local index -> id
  for (auto i : eids) {
    int& l = lr_of[static_cast<std::size_t>(edges[i].r)];
    if (l < 0) {
      l = static_cast<int>(rid.size());
      rid.push_back(edges[i].r);
    }
  }
  for (auto i : eids) {
    int& l = lf_of[static_cast<std::size_t>(edges[i].f)];
    if (l < 0) {
      l = static_cast<int>(fid.size());
      fid.push_back(edges[i].f);
    }
  }
  int R = static_cast<int>(rid.size());
  int F = static_cast<int>(fid.size());
  int S = R + F, T = S + 1, N = T + 1;
  Graph g(static_cast<std::size_t>(N));
  auto add = [&](int a, int b, double cost) {
    g[static_cast<std::size_t>(a)].push_back(
        {b, static_cast<int>(g[static_cast<std::size_t>(b)].size()), 1, cost});
    g[static_cast<std::size_t>(b)].push_back(
        {a, static_cast<int>(g[static_cast<std::size_t>(a)].size()) - 1, 0, -cost});
  };
  for (int i = 0; i < R; ++i) add(S, i, 0);
  for (int j = 0; j < F; ++j) add(R + j, T, 0);
  for (auto i : eids)
    add(lr_of[static_cast<std::size_t>(edges[i].r)],
        R + lf_of[static_cast<std::size_t>(edges[i].f)], edges[i].d);
  // Successive shortest paths.
  for (;;) {
    shortest_paths(g, S, N, s);
    if (!std::isfinite(s.dist[static_cast<std::size_t>(T)])) break;
    for (int v = T; v != S; v = s.pv[static_cast<std::size_t>(v)]) {
      Arc& a = g[static_cast<std::size_t>(s.pv[static_cast<std::size_t>(v)])]
                [static_cast<std::size_t>(s.pe[static_cast<std::size_t>(v)])];
      a.cap -= 1;
      g[static_cast<std::size_t>(v)][static_cast<std::size_t>(a.rev)].cap += 1;
    }
  }
  for (int id : rid) lr_of[static_cast<std::size_t>(id)] = -1;
  for (int id : fid) lf_of[static_cast<std::size_t>(id)] = -1;
  for (int i = 0; i < R; ++i)
    for (const Arc& a : g[static_cast<std::size_t>(i)])
      if (a.to >= R && a.to < R + F && a.cap == 0 && a.cost >= 0) {
        int r = rid[static_cast<std::size_t>(i)];
        int f = fid[static_cast<std::size_t>(a.to - R)];
        out.push_back(
            {r, f, norm(fnd[static_cast<std::size_t>(f)] - rec[static_cast<std::size_t>(r)])});
      }
}

}  // namespace

// Optimal one-to-one matching within the tolerance: the most pairs, and among
// those the least total distance (min-cost max-flow by successive shortest paths on
// each connected component of the candidate pairs, which stay small: a find is
// within a few metres of only a few recorded mines).
std::vector<Match> match_optimal(const std::vector<P>& rec, const std::vector<int>& rec_cat,
                                 const std::vector<int>& rec_ids, const std::vector<P>& fnd,
                                 const std::vector<int>& fnd_cat, const std::vector<int>& fnd_ids,
                                 double tol) {
  const std::vector<Edge> edges =
      candidate_edges(rec, rec_cat, rec_ids, fnd, fnd_cat, fnd_ids, tol);
  std::vector<Match> out;
  Scratch s;
  s.lr_of.assign(rec.size(), -1);
  s.lf_of.assign(fnd.size(), -1);
  for (const auto& eids : components(edges, rec.size(), fnd.size())) {
    if (eids.size() == 1) {  // one pair alone: matched (the flow's one path)
      const Edge& e = edges[eids[0]];
      out.push_back(
          {e.r, e.f,
           norm(fnd[static_cast<std::size_t>(e.f)] - rec[static_cast<std::size_t>(e.r)])});
      continue;
    }
    match_component(edges, eids, rec, fnd, s, out);
  }
  std::sort(out.begin(), out.end(),
            [](const Match& a, const Match& b) { return a.recorded < b.recorded; });
  return out;
}

// The q-quantile, interpolated between the two order statistics around it (found by
// selection, not a sort).
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  double pos = q * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  auto lo_it = v.begin() + static_cast<std::ptrdiff_t>(lo);
  std::nth_element(v.begin(), lo_it, v.end());
  double vlo = *lo_it;
  double vhi = lo + 1 < v.size() ? *std::min_element(lo_it + 1, v.end()) : vlo;
  return vlo + (vhi - vlo) * (pos - static_cast<double>(lo));
}

ErrorStats error_stats(const std::vector<Match>& m) {
  ErrorStats e;
  if (m.empty()) return e;
  std::vector<double> d;
  double ss = 0;
  for (const auto& x : m) {
    d.push_back(x.error_m);
    ss += x.error_m * x.error_m;
  }
  e.median = quantile(d, 0.5);
  e.rmse = std::sqrt(ss / static_cast<double>(d.size()));
  e.ce90 = quantile(d, 0.9);
  return e;
}

Evaluation evaluate(const Problem& pb, const std::vector<P>& pos) {
  Evaluation ev;
  for (std::size_t i = 0; i < pos.size(); ++i)
    if (pb.cleared.contains(pos[i])) ev.in_cleared.push_back(static_cast<int>(i));
  // Recorded mines just outside cleared ground may match finds just inside it: judge
  // the mines in cleared ground, match them to the finds in cleared ground.
  ev.matches = match_optimal(pos, pb.rec_cat, ev.in_cleared, pb.fnd, pb.fnd_cat, pb.mine_finds,
                             pb.opt.tolerance_m);
  ev.stats.recorded_in_cleared = static_cast<int>(ev.in_cleared.size());
  ev.stats.found_in_cleared = static_cast<int>(pb.mine_finds.size());
  ev.stats.matched = static_cast<int>(ev.matches.size());
  ev.stats.recall =
      ev.in_cleared.empty() ? 0 : ev.stats.matched / static_cast<double>(ev.in_cleared.size());
  ev.stats.precision =
      pb.mine_finds.empty() ? 0 : ev.stats.matched / static_cast<double>(pb.mine_finds.size());
  ev.stats.error_m = error_stats(ev.matches);
  return ev;
}

std::vector<P> transformed(const std::vector<P>& rec, const Transform& t) {
  std::vector<P> out;
  out.reserve(rec.size());
  const auto map = t.applier();
  for (const auto& p : rec) out.push_back(map(p));
  return out;
}

// Sorts keys whose high 32 bits are a float distance in [0, max] (the order of
// std::sort on the whole key): one pass spreads them over buckets linear in the
// distance (a monotone map, so the buckets are in order), then each small bucket is
// sorted. Linear in time for the near-uniform distances of candidate pairs.
void sort_distance_keys(std::vector<std::uint64_t>& keys, double max) {
  const std::size_t n = keys.size();
  if (n < 64 || !(max > 0)) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  thread_local std::vector<std::uint64_t> tmp;
  thread_local std::vector<std::uint32_t> start;
  const std::size_t buckets = n / 4;
  const double per = static_cast<double>(buckets) / max;
  auto bucket = [&](std::uint64_t k) {
    double d = std::bit_cast<float>(static_cast<std::uint32_t>(k >> 32));
    return std::min(buckets - 1, static_cast<std::size_t>(d * per));
  };
  start.assign(buckets + 1, 0);
  for (std::uint64_t k : keys) ++start[bucket(k) + 1];
  for (std::size_t b = 1; b <= buckets; ++b) start[b] += start[b - 1];
  tmp.resize(n);
  {
    thread_local std::vector<std::uint32_t> fill;
    fill.assign(start.begin(), start.end() - 1);
    for (std::uint64_t k : keys) tmp[fill[bucket(k)]++] = k;
  }
  for (std::size_t b = 0; b < buckets; ++b) {
    auto* first = tmp.data() + start[b];
    auto* last = tmp.data() + start[b + 1];
    for (auto* i = first + 1; i < last; ++i) {  // insertion sort: buckets hold a few keys
      std::uint64_t v = *i;
      auto* j = i;
      for (; j > first && *(j - 1) > v; --j) *j = *(j - 1);
      *j = v;
    }
  }
  keys.swap(tmp);
}

// The score of a candidate: matched, less the recorded mines it puts on cleared
// ground where nothing was found, less the mine finds it leaves unexplained, less a
// mild penalty on implausible rotations (which settles the symmetric copies).
// Greedy nearest matching: this ranks candidates; the final figures are optimal.
double score(const Problem& pb, const FindGrid& grid, const Transform& t, int* matched_out,
             std::vector<std::pair<int, int>>* pairs, double tolerance) {
  const double tol = tolerance > 0 ? tolerance : pb.opt.tolerance_m;
  const double tol2 = tol * tol;
  // Every candidate pair within the tolerance, nearest first, taken while both ends are
  // free: close to the optimal assignment (which a dense field with metres of jitter
  // needs: taking each mine's nearest find in turn steals finds from its neighbours)
  // at the cost of a sort.
  // The candidates as 64-bit keys, the squared distance's bits (a non-negative float
  // orders as its bits do) above the pair's index: sorting plain integers is several
  // times faster than sorting structs by a field. Buffers are kept per thread, and
  // "used" marks are stamps of the call, so that nothing is cleared.
  thread_local std::vector<std::uint64_t> keys;
  thread_local std::vector<std::pair<int, int>> cand;
  thread_local std::vector<std::uint32_t> used_f, used_r;
  thread_local std::uint32_t stamp = 0;
  keys.clear();
  cand.clear();
  if (used_f.size() < pb.fnd.size()) used_f.resize(pb.fnd.size(), 0);
  if (used_r.size() < pb.rec.size()) used_r.resize(pb.rec.size(), 0);
  if (++stamp == 0) {  // wrapped: clear the old stamps once
    std::fill(used_f.begin(), used_f.end(), 0);
    std::fill(used_r.begin(), used_r.end(), 0);
    stamp = 1;
  }
  int in_cleared = 0;
  const auto map = t.applier();
  for (std::size_t i = 0; i < pb.rec.size(); ++i) {
    P p = map(pb.rec[i]);
    if (!pb.cleared.contains(p)) continue;
    ++in_cleared;
    const int cat = pb.rec_cat[i];
    grid.near(p, [&](const FindGrid::Entry& e) {
      if (e.cat != cat) return;
      const int f = e.id;
      P d = e.at - p;
      double d2 = d.x * d.x + d.y * d.y;  // the order of squares is the order of distances
      if (d2 <= tol2) {
        keys.push_back(
            (static_cast<std::uint64_t>(std::bit_cast<std::uint32_t>(static_cast<float>(d2)))
             << 32) |
            cand.size());
        cand.emplace_back(static_cast<int>(i), f);
      }
    });
  }
  sort_distance_keys(keys, tol2);
  int matched = 0;
  for (std::uint64_t key : keys) {
    const auto& [r, f] = cand[key & 0xffffffffu];
    auto& ur = used_r[static_cast<std::size_t>(r)];
    auto& uf = used_f[static_cast<std::size_t>(f)];
    if (ur == stamp || uf == stamp) continue;
    ur = uf = stamp;
    ++matched;
    if (pairs) pairs->emplace_back(r, f);
  }
  int empty_cleared = in_cleared - matched;
  int unexplained = static_cast<int>(pb.mine_finds.size()) - matched;
  if (matched_out) *matched_out = matched;
  return matched - 1.0 * empty_cleared - 1.0 * unexplained - 0.05 * std::abs(t.theta_deg) -
         0.002 * norm(t.shift);
}

}  // namespace minemap::analysis::reliability
