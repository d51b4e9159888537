// The reliability analysis: matching, the search for the correction (rotation scan
// with offset voting, candidates scored with the negative evidence of cleared
// ground), trimmed least squares, bootstrap intervals, grading, prediction.
// docs/reliability.md ("Why the search is shaped this way") explains each stage.
#include "analysis/reliability.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <deque>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <queue>
#include <random>
#include <set>
#include <unordered_map>

#include "geo/geodesy.hpp"

namespace minemap::analysis {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180;

struct P {
  double x = 0, y = 0;
};
P operator-(P a, P b) {
  return {a.x - b.x, a.y - b.y};
}
P operator+(P a, P b) {
  return {a.x + b.x, a.y + b.y};
}
double norm(P a) {
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

bool in_ring(const std::vector<P>& ring, P p) {
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

bool inside(const LocalPolygon& poly, P p) {
  if (p.x < poly.minx || p.x > poly.maxx || p.y < poly.miny || p.y > poly.maxy) return false;
  if (poly.rings.empty() || !in_ring(poly.rings[0], p)) return false;
  for (std::size_t h = 1; h < poly.rings.size(); ++h)
    if (in_ring(poly.rings[h], p)) return false;
  return true;
}

bool inside_any(const std::vector<LocalPolygon>& polys, P p) {
  for (const auto& q : polys)
    if (inside(q, p)) return true;
  return false;
}

// A union of polygons with a raster of its cells for fast point tests: a cell no edge
// comes near is wholly inside or wholly outside, and answers at once; only points in
// cells an edge crosses (or nears) take the exact test. The answers are those of the
// exact test everywhere.
class Region {
 public:
  Region() = default;
  explicit Region(std::vector<LocalPolygon> polys) : m_polys(std::move(polys)) {
    if (m_polys.empty()) return;
    double minx = 1e300, miny = 1e300, maxx = -1e300, maxy = -1e300;
    std::size_t vertices = 0;
    for (const auto& q : m_polys) {
      minx = std::min(minx, q.minx);
      miny = std::min(miny, q.miny);
      maxx = std::max(maxx, q.maxx);
      maxy = std::max(maxy, q.maxy);
      for (const auto& r : q.rings) vertices += r.size();
    }
    if (!(maxx > minx && maxy > miny)) return;
    // About 65,000 cells over the box, none under a metre.
    m_cell = std::max(1.0, std::sqrt((maxx - minx) * (maxy - miny) / 65536.0));
    m_x0 = minx;
    m_y0 = miny;
    m_w = static_cast<long long>((maxx - minx) / m_cell) + 1;
    m_h = static_cast<long long>((maxy - miny) / m_cell) + 1;
    if (vertices > 100000) return;  // the raster would cost more than it saves
    m_state.assign(static_cast<std::size_t>(m_w * m_h), kOutside);
    // Cells an edge passes through, and their neighbours: edges sampled at a quarter
    // cell, each sample marking the 3 x 3 cells about it.
    for (const auto& q : m_polys)
      for (const auto& ring : q.rings)
        for (std::size_t i = 0; i < ring.size(); ++i) {
          const P& a = ring[i];
          const P& b = ring[(i + 1) % ring.size()];
          double len = norm(b - a);
          auto steps = static_cast<long long>(len / (m_cell / 4)) + 1;
          for (long long k = 0; k <= steps; ++k) {
            double u = static_cast<double>(k) / static_cast<double>(steps);
            mark_boundary({a.x + (b.x - a.x) * u, a.y + (b.y - a.y) * u});
          }
        }
    // The other cells take the state of their centre, found by a scanline per row of
    // cells (even-odd over each polygon's rings: inside the outer, outside the holes).
    std::vector<double> xs;
    for (long long y = 0; y < m_h; ++y) {
      double cy = m_y0 + (static_cast<double>(y) + 0.5) * m_cell;
      for (const auto& q : m_polys) {
        if (cy < q.miny || cy > q.maxy) continue;
        xs.clear();
        for (const auto& ring : q.rings)
          for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
            const P& a = ring[i];
            const P& b = ring[j];
            if ((a.y > cy) != (b.y > cy))
              xs.push_back(a.x + (cy - a.y) * (b.x - a.x) / (b.y - a.y));
          }
        std::sort(xs.begin(), xs.end());
        for (std::size_t k = 0; k + 1 < xs.size(); k += 2) {
          auto from = static_cast<long long>(std::ceil((xs[k] - m_x0) / m_cell - 0.5));
          auto to = static_cast<long long>(std::floor((xs[k + 1] - m_x0) / m_cell - 0.5));
          for (long long x = std::max(0LL, from); x <= std::min(m_w - 1, to); ++x) {
            auto& st = m_state[static_cast<std::size_t>(y * m_w + x)];
            if (st == kOutside) st = kInside;
          }
        }
      }
    }
  }
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
  void mark_boundary(P p) {
    auto cx = static_cast<long long>(std::floor((p.x - m_x0) / m_cell));
    auto cy = static_cast<long long>(std::floor((p.y - m_y0) / m_cell));
    for (long long y = std::max(0LL, cy - 1); y <= std::min(m_h - 1, cy + 1); ++y)
      for (long long x = std::max(0LL, cx - 1); x <= std::min(m_w - 1, cx + 1); ++x)
        m_state[static_cast<std::size_t>(y * m_w + x)] = kEdge;
  }
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

LocalPolygon to_local(const geo::LocalFrame& f, const core::Polygon& poly) {
  LocalPolygon out;
  out.minx = out.miny = std::numeric_limits<double>::infinity();
  out.maxx = out.maxy = -std::numeric_limits<double>::infinity();
  for (const auto& ring : poly) {
    std::vector<P> r;
    for (const auto& c : ring) {
      auto l = f.to_local(c);
      r.push_back({l.x, l.y});
      out.minx = std::min(out.minx, l.x);
      out.maxx = std::max(out.maxx, l.x);
      out.miny = std::min(out.miny, l.y);
      out.maxy = std::max(out.maxy, l.y);
    }
    out.rings.push_back(std::move(r));
  }
  return out;
}

Problem prepare(const ReliabilityInput& in, const ReliabilityOptions& opt) {
  Problem pb;
  pb.in = &in;
  pb.opt = opt;
  pb.frame = geo::LocalFrame(in.about);
  std::unordered_map<std::string, int> cats;
  for (const auto& m : in.recorded) {
    auto it = cats.emplace(m.category, static_cast<int>(cats.size())).first;
    auto l = pb.frame.to_local(m.at);
    pb.rec.push_back({l.x, l.y});
    pb.rec_cat.push_back(it->second);
  }
  std::vector<LocalPolygon> cleared;
  for (const auto& poly : in.cleared) cleared.push_back(to_local(pb.frame, poly));
  pb.cleared = Region(std::move(cleared));
  if (!in.perimeter.empty() && in.perimeter[0].size() >= 4) {
    pb.perimeter = to_local(pb.frame, in.perimeter);
    pb.has_perimeter = true;
  }
  for (std::size_t j = 0; j < in.finds.size(); ++j) {
    const auto& f = in.finds[j];
    auto l = pb.frame.to_local(f.at);
    P p{l.x, l.y};
    auto it = cats.find(f.category);
    int c = it == cats.end() ? -1 : it->second;
    bool cl = pb.cleared.contains(p);
    pb.fnd.push_back(p);
    pb.fnd_cat.push_back(c);
    pb.fnd_cleared.push_back(cl);
    if (cl && c >= 0) pb.mine_finds.push_back(static_cast<int>(j));
  }
  return pb;
}

// A uniform grid of finds for neighbour queries within the tolerance: cells of the
// tolerance's size over the finds' box, each find's position, category and index
// stored in its cell's run of one array (counting sort), so that a query reads
// memory in order.
class FindGrid {
 public:
  struct Entry {
    P at;
    int cat;
    int id;
  };
  FindGrid(const std::vector<P>& pts, const std::vector<int>& cats, const std::vector<int>& ids,
           double cell)
      : m_cell(cell) {
    if (ids.empty()) return;
    double minx = 1e300, miny = 1e300, maxx = -1e300, maxy = -1e300;
    for (int id : ids) {
      const P& p = pts[static_cast<std::size_t>(id)];
      minx = std::min(minx, p.x);
      miny = std::min(miny, p.y);
      maxx = std::max(maxx, p.x);
      maxy = std::max(maxy, p.y);
    }
    m_x0 = minx;
    m_y0 = miny;
    m_w = static_cast<long long>((maxx - minx) / cell) + 1;
    m_h = static_cast<long long>((maxy - miny) / cell) + 1;
    m_start.assign(static_cast<std::size_t>(m_w * m_h + 1), 0);
    for (int id : ids) ++m_start[cell_of(pts[static_cast<std::size_t>(id)]) + 1];
    for (std::size_t i = 1; i < m_start.size(); ++i) m_start[i] += m_start[i - 1];
    m_entries.resize(ids.size());
    std::vector<int> fill(m_start.begin(), m_start.end() - 1);
    for (int id : ids) {
      auto u = static_cast<std::size_t>(id);
      m_entries[static_cast<std::size_t>(fill[cell_of(pts[u])]++)] = {pts[u], cats[u], id};
    }
  }
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
  std::size_t cell_of(P p) const {
    auto x = std::min(m_w - 1, static_cast<long long>((p.x - m_x0) / m_cell));
    auto y = std::min(m_h - 1, static_cast<long long>((p.y - m_y0) / m_cell));
    return static_cast<std::size_t>(y * m_w + x);
  }
  double m_cell;
  double m_x0 = 0, m_y0 = 0;
  long long m_w = 0, m_h = 0;
  std::vector<int> m_start;
  std::vector<Entry> m_entries;
};

// Optimal one-to-one matching within the tolerance: the most pairs, and among
// those the least total distance (min-cost max-flow by successive shortest paths on
// each connected component of the candidate pairs, which stay small: a find is
// within a few metres of only a few recorded mines).
std::vector<Match> match_optimal(const std::vector<P>& rec, const std::vector<int>& rec_cat,
                                 const std::vector<int>& rec_ids, const std::vector<P>& fnd,
                                 const std::vector<int>& fnd_cat, const std::vector<int>& fnd_ids,
                                 double tol) {
  FindGrid grid(fnd, fnd_cat, fnd_ids, tol);
  struct Edge {
    int r, f;
    double d;
  };
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
  // Components by union-find over recorded and find nodes (node numbers by first
  // appearance; ids map to them through arrays, not hash maps).
  std::vector<int> rnode(rec.size(), -1), fnode(fnd.size(), -1);
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

  std::vector<Match> out;
  std::vector<int> lr_of(rec.size(), -1), lf_of(fnd.size(), -1);
  std::vector<double> dist;
  std::vector<int> pv, pe;
  std::vector<char> inq;
  std::deque<int> q;
  for (auto& eids : comps) {
    if (eids.size() == 1) {  // one pair alone: matched (the flow's one path)
      const Edge& e = edges[eids[0]];
      out.push_back(
          {e.r, e.f,
           norm(fnd[static_cast<std::size_t>(e.f)] - rec[static_cast<std::size_t>(e.r)])});
      continue;
    }
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
    struct Arc {
      int to, rev;
      int cap;
      double cost;
    };
    std::vector<std::vector<Arc>> g(static_cast<std::size_t>(N));
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
    // Successive shortest paths (Bellman-Ford: costs on residual arcs may be negative).
    for (;;) {
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
      if (!std::isfinite(dist[static_cast<std::size_t>(T)])) break;
      for (int v = T; v != S; v = pv[static_cast<std::size_t>(v)]) {
        Arc& a = g[static_cast<std::size_t>(pv[static_cast<std::size_t>(v)])]
                  [static_cast<std::size_t>(pe[static_cast<std::size_t>(v)])];
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

// Matching and the counts of one set of positions of the recorded mines.
struct Evaluation {
  MatchStats stats;
  std::vector<Match> matches;
  std::vector<int> in_cleared;  // recorded mines (at these positions) in cleared ground
};

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
double score(const Problem& pb, const FindGrid& grid, const Transform& t,
             int* matched_out = nullptr, std::vector<std::pair<int, int>>* pairs = nullptr,
             double tolerance = 0) {
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
// A transform and the optimal matching of the recorded mines it places.
struct Aligned {
  Transform t;
  Evaluation ev;
};

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

struct Vote {
  long long cell;
  float w;
};

// The search for the correction (docs/reliability.md, "Why the search is shaped this way"):
// for each rotation of a scan, every (find - rotated recorded mine) difference of the
// same category votes for an offset on a 1 m grid; the strong offset peaks of every
// rotation are scored with the negative evidence of cleared ground, the best few
// polished by least squares and judged again with the optimal matching.
Aligned search(const Problem& pb) {
  const double cell = 1.0;
  const double max_shift = pb.opt.max_shift_m;
  auto pack = [](long long x, long long y) { return (x << 32) ^ (y & 0xffffffffLL); };
  FindGrid grid(pb.fnd, pb.fnd_cat, pb.mine_finds, pb.opt.tolerance_m);

  struct Peak {
    double theta;
    P shift;
    double votes;
  };
  // The offsets any pair can vote for lie within the finds' box less the record's
  // (rotated) box; a dense grid over that, cleared per rotation at the touched cells
  // only, is far cheaper than hashing every vote.
  double fminx = 1e300, fminy = 1e300, fmaxx = -1e300, fmaxy = -1e300;
  for (int f : pb.mine_finds) {
    const P& q = pb.fnd[static_cast<std::size_t>(f)];
    fminx = std::min(fminx, q.x);
    fmaxx = std::max(fmaxx, q.x);
    fminy = std::min(fminy, q.y);
    fmaxy = std::max(fmaxy, q.y);
  }
  // Rotations are scanned about the recorded mines' centroid, not about the reference
  // point (which may lie hundreds of metres away): the offsets then spread only over
  // the field's own size, and a rotation a fraction of a degree off moves the mines
  // little. A vote d for a rotation R about the centroid c is the shift d - R c about
  // the reference point.
  P centre;
  for (const auto& q : pb.rec) centre = centre + q;
  centre = {centre.x / static_cast<double>(pb.rec.size()),
            centre.y / static_cast<double>(pb.rec.size())};
  std::vector<P> rec_c;
  rec_c.reserve(pb.rec.size());
  double rr = 0;  // the record's extent about its centroid bounds every rotation of it
  for (const auto& q : pb.rec) {
    rec_c.push_back(q - centre);
    rr = std::max(rr, norm(rec_c.back()));
  }
  // A margin of 3 cells on every side: every vote lands at least 2 cells inside the
  // grid, so a window about a voted cell, or about its neighbour, never leaves it.
  const double ox = fminx - rr - 3, oy = fminy - rr - 3;
  const auto W = static_cast<long long>(std::ceil((fmaxx + rr + 3 - ox) / cell)) + 1;
  const auto H = static_cast<long long>(std::ceil((fmaxy + rr + 3 - oy) / cell)) + 1;
  // Counts of 16 bits (saturating) keep the grid of a large field in the core's cache.
  std::vector<std::uint16_t> grid_votes(static_cast<std::size_t>(std::max(1LL, W * H)), 0);
  std::vector<std::size_t> touched, twice;  // cells at their first and second vote
  std::size_t n_touched = 0, n_twice = 0;
  (void)pack;

  // `stride` > 1 lets every stride-th recorded mine vote: enough to see how sharp a
  // rotation's peak is, at a fraction of the cost.
  // The finds of each category, relative to the grid's origin, contiguous: the vote
  // loop below is the analysis's inner loop.
  std::map<int, std::vector<P>> finds_by_cat;
  for (int f : pb.mine_finds) {
    const P& q = pb.fnd[static_cast<std::size_t>(f)];
    finds_by_cat[pb.fnd_cat[static_cast<std::size_t>(f)]].push_back({q.x - ox, q.y - oy});
  }
  // The offset peaks of one rotation: the best window's votes, and the `want`
  // strongest local maxima (strongest first).
  auto peaks_at = [&](double theta, std::vector<Peak>& out, double* best_votes, std::size_t stride,
                      std::size_t want) {
    const auto rot = Transform{theta, 1, {0, 0}}.applier();
    n_touched = n_twice = 0;
    unsigned max_raw = 0;
    const P rc = rot(centre);
    for (std::size_t i = 0; i < pb.rec.size(); i += stride) {
      auto it = finds_by_cat.find(pb.rec_cat[i]);
      if (it == finds_by_cat.end()) continue;
      P r = rot(rec_c[i]);
      // Every offset lands inside the grid: it spans the finds' box grown by the
      // record's radius about its centroid (and 3 cells) on every side.
      if (touched.size() < n_touched + it->second.size()) {
        touched.resize(2 * touched.size() + it->second.size());
        twice.resize(touched.size());
      }
      std::size_t* tw = touched.data();
      std::size_t* tw2 = twice.data();
      for (const P& q : it->second) {
        auto cx = static_cast<long long>(q.x - r.x);
        auto cy = static_cast<long long>(q.y - r.y);
        auto k = static_cast<std::size_t>(cy * W + cx);
        unsigned v = grid_votes[k];
        v += v < 0xffff;  // saturating
        grid_votes[k] = static_cast<std::uint16_t>(v);
        tw[n_touched] = k;  // kept when this was the cell's first vote
        n_touched += v == 1;
        tw2[n_twice] = k;  // kept when this was its second
        n_twice += v == 2;
        max_raw = std::max(max_raw, v);
      }
    }
    const auto w = static_cast<std::size_t>(W);
    auto smooth = [&](std::size_t k) {
      unsigned sum = 0;
      for (std::size_t row : {k - w, k, k + w})
        sum += grid_votes[row - 1] + grid_votes[row] + grid_votes[row + 1];
      return static_cast<float>(sum);
    };
    // Windows are taken at cells that received votes, and only at "hot" ones: a 3 x 3
    // window worth scoring (3 votes or more, and at least half the best) holds a cell
    // of at least 1/18 of the best single cell's votes; cells of one or two votes are
    // coincidences.
    const float hot = std::max(2.0f, static_cast<float>(max_raw) / 18.0f);
    std::vector<std::size_t> cand;
    for (std::size_t t = 0; t < n_twice; ++t)  // hot >= 2: only cells voted for twice
      if (grid_votes[twice[t]] >= hot) cand.push_back(twice[t]);
    std::vector<float> sm(cand.size());
    double top = 0;
    for (std::size_t t = 0; t < cand.size(); ++t) {
      sm[t] = smooth(cand[t]);
      top = std::max(top, static_cast<double>(sm[t]));
    }
    if (best_votes) *best_votes = top;
    // The strongest windows first, until `want` local maxima are found.
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
      bool is_max = true;
      for (long long dy = -1; dy <= 1 && is_max; ++dy)
        for (long long dx = -1; dx <= 1; ++dx) {
          if (!dx && !dy) continue;
          auto n = static_cast<std::size_t>(static_cast<long long>(k) +
                                            dy * static_cast<long long>(w) + dx);
          float nv = smooth(n);
          if (nv > v || (nv == v && (dy < 0 || (dy == 0 && dx < 0)))) {
            is_max = false;
            break;
          }
        }
      if (is_max) {
        double cx = static_cast<double>(k % w);
        double cy = static_cast<double>(k / w);
        P shift = P{ox + (cx + 0.5) * cell, oy + (cy + 0.5) * cell} - rc;
        if (std::abs(shift.x) <= max_shift && std::abs(shift.y) <= max_shift) {
          out.push_back({theta, shift, v});
          ++found;
        }
      }
    }
    for (std::size_t t = 0; t < n_touched; ++t) grid_votes[touched[t]] = 0;
  };

  // The offset peaks of one rotation, strongest first, at most `k`.
  auto top_peaks = [&](double th, std::size_t stride, std::size_t k) {
    std::vector<Peak> p;
    peaks_at(th, p, nullptr, stride, k);
    return p;
  };
  struct Scored {
    Transform t;
    double score;
  };
  std::vector<Scored> scored;
  // A candidate of the scan is up to half a degree off: at the record's far end that
  // moves a mine by rr * 0.5 degree. Candidates are ranked with the tolerance grown by
  // that much, so that the true alignment is not ranked below its copies for it.
  const double coarse_tol = pb.opt.tolerance_m + rr * 0.5 * kDeg;
  FindGrid coarse_grid(pb.fnd, pb.fnd_cat, pb.mine_finds, coarse_tol);
  auto consider = [&](const Peak& c) {
    scored.push_back({{c.theta, 1, {c.shift.x, c.shift.y}},
                      score(pb, coarse_grid, {c.theta, 1, c.shift}, nullptr, nullptr, coarse_tol)});
  };

  // 1. Every rotation of a 1-degree scan; the strongest offset peaks of each are
  // scored in full (the copies of the true alignment crowd the top of the votes, and
  // the sharpest rotation is not always the true one).
  const double lim = pb.opt.max_rotation_deg;
  const std::size_t pairs = pb.rec.size() * pb.mine_finds.size();
  const std::size_t stride = std::max<std::size_t>(1, pairs / 40000);  // at most about 40,000 votes
  // Peaks far weaker than the strongest of all rotations are not scored: a third of
  // its votes is lenient (jitter spreads the true peak's votes no more than a copy's).
  //
  // A first pass with fewer votes finds the rotations worth the full vote: those whose
  // best window stands out from the median rotation's by at least a third of the best
  // one's lead, and their neighbours. Far from the true rotation the votes spread over
  // the grid and no window stands out; those rotations are not voted on again. A
  // small record (few votes in all) gets the full vote at every rotation.
  const std::size_t pre_stride = std::max<std::size_t>(1, pairs / 2500);  // about 2,500 votes
  std::vector<double> rotations;
  for (double th = -lim; th <= lim + 1e-9; th += 1.0) rotations.push_back(th);
  std::vector<char> keep(rotations.size(), 1);
  if (pre_stride > stride) {
    std::vector<double> sampled(rotations.size(), 0);
    double sampled_best = 0;
    std::vector<Peak> discard;
    for (std::size_t i = 0; i < rotations.size(); ++i) {
      discard.clear();
      peaks_at(rotations[i], discard, &sampled[i], pre_stride, 0);
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
  std::vector<Peak> peaks;
  double strongest = 0;
  for (std::size_t i = 0; i < rotations.size(); ++i) {
    if (!keep[i]) continue;
    for (const auto& c : top_peaks(rotations[i], stride, 16)) {
      peaks.push_back(c);
      strongest = std::max(strongest, c.votes);
    }
  }
  for (const auto& c : peaks)
    if (c.votes >= strongest / 3) consider(c);
  // 2. The best few distinct candidates, each polished by least squares on its own
  // pairs (a candidate of the coarse scan is up to half a degree and half a metre off,
  // which costs it matches a polished copy would not lose), then compared again.
  std::sort(scored.begin(), scored.end(),
            [](const Scored& a, const Scored& b) { return a.score > b.score; });
  // The record as it is starts the list: polished like the others, it wins when the
  // record is right and a copy only ties with it.
  std::vector<Transform> seeds{Transform{}};
  for (const auto& c : scored) {
    bool distinct = true;
    for (const auto& t : seeds)
      if (std::abs(t.theta_deg - c.t.theta_deg) < 1.5 && norm(t.shift - c.t.shift) < 3)
        distinct = false;
    if (distinct) seeds.push_back(c.t);
    if (seeds.size() == 25) break;
  }
  std::vector<Scored> polished;
  for (Transform t : seeds) {
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
    polished.push_back({t, sc});
  }
  // 3. The best few by that score, judged again with the optimal assignment (the
  // nearest-first one can rank a copy a point or two above the truth).
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
                        const Evaluation* corrected = nullptr) {
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
    std::vector<int> best_in;
    P best_dir;
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

}  // namespace

ReliabilityResult assess_with(const ReliabilityInput& in, const Correction& c,
                              const ReliabilityOptions& opt) {
  Problem pb = prepare(in, opt);
  return judge(pb, in, from_correction(c), c);
}

ReliabilityResult assess(const ReliabilityInput& in, const ReliabilityOptions& opt) {
  Problem pb = prepare(in, opt);
  std::optional<Transform> t;
  std::optional<Evaluation> fitted;
  if (!pb.rec.empty() && !pb.mine_finds.empty()) {
    auto a = refine(pb, search(pb));
    t = a.t;
    fitted = std::move(a.ev);
  }
  ReliabilityResult r = judge(pb, in, t, std::nullopt, fitted ? &*fitted : nullptr);
  const std::vector<Match>& matches = r.matches_corrected;
  if (!t) {
    r.warnings.push_back(pb.rec.empty() ? "the record has no mines"
                                        : "no mines found in cleared ground: nothing to fit");
  }
  // Bootstrap: refit on matched pairs resampled with replacement.
  std::vector<Transform> boots;
  if (t && matches.size() >= 3 && opt.bootstrap > 0) {
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
    r.correction->ci_shift_east_m = ci([](const Transform& x) { return x.shift.x; });
    r.correction->ci_shift_north_m = ci([](const Transform& x) { return x.shift.y; });
    r.correction->ci_rotation_deg = ci([](const Transform& x) { return x.theta_deg; });
    r.correction->ci_scale = ci([](const Transform& x) { return x.scale; });
  }
  if (t) r.inferred = infer_rows(pb, r.matches_corrected, *t, r.warnings);
  // Prediction: the recorded mines not yet in cleared ground, where the correction
  // puts them, with a 95% radius from the residuals and the transform's spread.
  if (t) {
    std::vector<double> res;
    for (const auto& m : r.matches_corrected) res.push_back(m.error_m);
    int dof = opt.fit_scale ? 4 : 3;
    double sigma = 0;
    if (res.size() > static_cast<std::size_t>(dof)) {
      sigma = truncated_rayleigh_sigma(res, opt.tolerance_m) *
              std::sqrt(static_cast<double>(res.size()) /
                        static_cast<double>(res.size() - static_cast<std::size_t>(dof)));
    } else {
      sigma = opt.tolerance_m / 2.448;
      r.warnings.push_back(
          "too few matched mines to measure the residuals: radius from the tolerance");
    }
    const double k95 = 2.4477;  // sqrt(-2 ln 0.05): 95% of a circular normal
    std::vector<Transform::Applier> boot_maps;
    for (const auto& b : boots) boot_maps.push_back(b.applier());
    for (std::size_t i = 0; i < pb.rec.size(); ++i) {
      P p = t->apply(pb.rec[i]);
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
      r.predicted_remaining.push_back(pr);
    }
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
  j["predicted_remaining"] = predicted_json(r.predicted_remaining);
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
      if (in_ring(ring, {c.x, c.y})) return false;
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
