// The prepared problem: the record, the finds and the cleared ground in metres east and
// north of the record's reference point. docs/reliability.md, "Why the search is shaped
// this way": "The local frame".
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "analysis/reliability/stages.hpp"

namespace minemap::analysis::reliability {

namespace {

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

}  // namespace

Region::Region(std::vector<LocalPolygon> polys) : m_polys(std::move(polys)) {
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
          if ((a.y > cy) != (b.y > cy)) xs.push_back(a.x + (cy - a.y) * (b.x - a.x) / (b.y - a.y));
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

void Region::mark_boundary(P p) {
  auto cx = static_cast<long long>(std::floor((p.x - m_x0) / m_cell));
  auto cy = static_cast<long long>(std::floor((p.y - m_y0) / m_cell));
  for (long long y = std::max(0LL, cy - 1); y <= std::min(m_h - 1, cy + 1); ++y)
    for (long long x = std::max(0LL, cx - 1); x <= std::min(m_w - 1, cx + 1); ++x)
      m_state[static_cast<std::size_t>(y * m_w + x)] = kEdge;
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

FindGrid::FindGrid(const std::vector<P>& pts, const std::vector<int>& cats,
                   const std::vector<int>& ids, double cell)
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

std::size_t FindGrid::cell_of(P p) const {
  auto x = std::min(m_w - 1, static_cast<long long>((p.x - m_x0) / m_cell));
  auto y = std::min(m_h - 1, static_cast<long long>((p.y - m_y0) / m_cell));
  return static_cast<std::size_t>(y * m_w + x);
}

}  // namespace minemap::analysis::reliability
