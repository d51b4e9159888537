#include "analysis/signals.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include "core/errors.hpp"
#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"
#include "index/point_index.hpp"
#include "index/shape_index.hpp"

namespace minemap::analysis {

namespace {

constexpr int kDiscSides = 32;
constexpr double kFullDistanceM = 10'000;  // the distance part reaches 1 here
constexpr double kHalfLifeYears = 10;
constexpr double kFullEvents = 100;     // the events part reaches 1 here
constexpr double kFullCasualties = 10;  // the casualties part reaches 1 here

// log2(1 + n) / log2(1 + full): 0 for none, 1 from `full` on; each doubling adds as much.
double log_part(double n, double full) {
  return std::min(1.0, std::log2(1 + n) / std::log2(1 + full));
}

double cross(core::Coord o, core::Coord a, core::Coord b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

// Andrew's monotone chain: the convex hull counter-clockwise, without collinear points
// and without the closing point. One or two points come back as they are (deduplicated).
std::vector<core::Coord> convex_hull(std::vector<core::Coord> p) {
  std::sort(p.begin(), p.end(),
            [](core::Coord a, core::Coord b) { return a.x != b.x ? a.x < b.x : a.y < b.y; });
  p.erase(std::unique(p.begin(), p.end()), p.end());
  if (p.size() < 3) return p;
  std::vector<core::Coord> h(2 * p.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    while (k >= 2 && cross(h[k - 2], h[k - 1], p[i]) <= 0) --k;
    h[k++] = p[i];
  }
  for (std::size_t i = p.size() - 1, t = k + 1; i-- > 0;) {
    while (k >= t && cross(h[k - 2], h[k - 1], p[i]) <= 0) --k;
    h[k++] = p[i];
  }
  h.resize(k - 1);
  return h;
}

// The DBSCAN clusters of the events, each a list of positions; noise events are
// clusters of one. Events are visited in id order, so the answer does not depend on
// the order they were given in.
std::vector<std::vector<std::size_t>> dbscan(const std::vector<SignalEvent>& events,
                                             const SignalParams& params) {
  // Worked in id order: event `order[r]` has rank r, and the index's keys are ranks, so
  // that neighbours come in id order by sorting numbers.
  const std::size_t n = events.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return events[a].id < events[b].id; });
  index::PointIndex::Builder pb;
  pb.reserve(n);
  for (std::size_t r = 0; r < n; ++r) pb.add(static_cast<std::int64_t>(r), events[order[r]].at);
  index::PointIndex points = std::move(pb).build();
  const auto min_points = static_cast<std::size_t>(params.min_points);
  std::vector<std::int64_t> near;
  auto neighbours = [&](std::size_t r) {
    near = points.within_keys(events[order[r]].at, params.eps_m);
    std::sort(near.begin(), near.end());
  };
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> cluster(n, kNone);
  std::vector<char> visited(n, 0);
  std::size_t clusters = 0;
  std::vector<std::size_t> queue;
  for (std::size_t start = 0; start < n; ++start) {
    if (visited[start]) continue;
    visited[start] = 1;
    neighbours(start);
    if (near.size() < min_points) continue;  // noise, unless a cluster reaches it later
    const std::size_t c = clusters++;
    cluster[start] = c;
    queue.assign(1, start);
    for (std::size_t q = 0; q < queue.size(); ++q) {
      if (q > 0) {
        neighbours(queue[q]);
        if (near.size() < min_points) continue;  // a border event: it reaches no further
      }
      for (std::int64_t k : near) {
        const auto j = static_cast<std::size_t>(k);
        if (cluster[j] != kNone) continue;
        // New, or noise so far (then a border event of this cluster).
        cluster[j] = c;
        if (!visited[j]) {
          visited[j] = 1;
          queue.push_back(j);
        }
      }
    }
  }
  // Each cluster's events in id order, then each event of none as a cluster of one.
  std::vector<std::vector<std::size_t>> out(clusters);
  for (std::size_t r = 0; r < n; ++r)
    if (cluster[r] != kNone)
      out[cluster[r]].push_back(order[r]);
    else
      out.push_back({order[r]});
  return out;
}

int newest_year(const std::vector<SignalEvent>& events) {
  int y = 0;
  for (const auto& e : events)
    if (e.date) y = std::max(y, e.date->year);
  return y;
}

SignalArea make_area(const std::vector<SignalEvent>& events, std::vector<std::size_t> members,
                     const SignalParams& params, int reference_year,
                     const HazardDistance* hazards) {
  SignalArea a;
  std::vector<core::Coord> at;
  at.reserve(members.size());
  for (std::size_t i : members) {
    const SignalEvent& e = events[i];
    at.push_back(e.at);
    a.casualties += e.casualties;
    if (e.date) {
      if (!a.first || e.date->first_day() < a.first->first_day()) a.first = e.date;
      if (!a.last || e.date->last_day() > a.last->last_day()) a.last = e.date;
    }
    if (hazards)
      if (auto d = hazards->distance_m(e.at))
        a.nearest_hazard_m = a.nearest_hazard_m ? std::min(*a.nearest_hazard_m, *d) : *d;
  }
  a.geometry = buffered_hull(at, params.buffer_m);
  a.area_m2 = geo::area_m2(a.geometry);
  a.score.events = log_part(static_cast<double>(members.size()), kFullEvents);
  a.score.casualties = log_part(a.casualties, kFullCasualties);
  a.score.recency =
      a.last ? std::exp2(-std::max(0, reference_year - a.last->year) / kHalfLifeYears) : 0;
  a.score.distance = a.nearest_hazard_m ? std::min(1.0, *a.nearest_hazard_m / kFullDistanceM) : 1.0;
  a.score.total = (a.score.events + a.score.casualties + a.score.recency + a.score.distance) / 4;
  a.evidence = std::move(members);
  return a;
}

}  // namespace

void check_signal_params(const SignalParams& p) {
  if (!(p.eps_m > 0 && p.eps_m <= 100'000))
    throw core::InputError("--eps", "must be above 0 and at most 100000 metres");
  if (p.min_points < 1 || p.min_points > 1000)
    throw core::InputError("--min-points", "must be from 1 to 1000");
  if (!(p.buffer_m >= 0 && p.buffer_m <= 100'000))
    throw core::InputError("--buffer", "must be from 0 to 100000 metres");
}

core::Geometry buffered_hull(const std::vector<core::Coord>& points, double buffer_m) {
  if (points.empty()) return {};
  geo::LocalFrame frame(points.front());
  std::vector<core::Coord> local;
  local.reserve(points.size());
  for (const auto& p : points) local.push_back(frame.to_local(p));
  std::vector<core::Coord> corners = convex_hull(std::move(local));
  std::vector<core::Coord> discs;
  const double r = std::max(buffer_m, 0.01);  // a point without a buffer: a centimetre
  discs.reserve(corners.size() * kDiscSides);
  for (const auto& c : corners)
    for (int k = 0; k < kDiscSides; ++k) {
      double t = 2 * std::numbers::pi * k / kDiscSides;
      discs.push_back({c.x + r * std::cos(t), c.y + r * std::sin(t)});
    }
  std::vector<core::Coord> hull = convex_hull(std::move(discs));
  core::LineString ring;
  ring.reserve(hull.size() + 1);
  for (const auto& c : hull) ring.push_back(frame.to_lonlat(c));
  ring.push_back(ring.front());
  return core::Geometry::multipolygon({core::Polygon{std::move(ring)}});
}

std::vector<SignalArea> find_signals(const std::vector<SignalEvent>& events,
                                     const SignalParams& params, const HazardDistance* hazards) {
  check_signal_params(params);
  const int reference = params.reference_year ? params.reference_year : newest_year(events);
  std::vector<SignalArea> areas;
  for (auto& members : dbscan(events, params))
    areas.push_back(make_area(events, std::move(members), params, reference, hazards));
  std::sort(areas.begin(), areas.end(), [&](const SignalArea& a, const SignalArea& b) {
    const bool a_single = a.evidence.size() == 1, b_single = b.evidence.size() == 1;
    if (a_single != b_single) return b_single;
    if (a.score.total != b.score.total) return a.score.total > b.score.total;
    if (a.evidence.size() != b.evidence.size()) return a.evidence.size() > b.evidence.size();
    return events[a.evidence.front()].id < events[b.evidence.front()].id;
  });
  return areas;
}

SignalEvaluation evaluate_signals(const std::vector<SignalEvent>& events, int year, int horizon,
                                  const SignalParams& params, const HazardDistance* hazards) {
  SignalEvaluation ev;
  ev.year = year;
  ev.horizon = horizon;
  std::vector<SignalEvent> past;
  std::vector<core::Coord> future;
  for (const auto& e : events) {
    if (!e.date) continue;
    if (e.date->year <= year)
      past.push_back(e);
    else if (e.date->year <= year + horizon)
      future.push_back(e.at);
  }
  ev.past = past.size();
  ev.future = future.size();
  std::vector<SignalArea> areas = find_signals(past, params, hazards);
  ev.areas = areas.size();
  // Areas may overlap: each is counted once, by the area of their union.
  std::vector<core::Geometry> shapes;
  index::ShapeIndex::Builder sb;
  for (std::size_t i = 0; i < areas.size(); ++i) {
    sb.add(static_cast<std::int64_t>(i), areas[i].geometry);
    shapes.push_back(areas[i].geometry);
  }
  index::ShapeIndex suggested = std::move(sb).build(index::ShapeIndex::Queries::Containment);
  ev.signals_km2 = geo::area_m2(geo::union_all(shapes)) / 1e6;
  // The plain buffer: the same 32-sided polygon about each past event. Two of them meet
  // only when their events lie within twice the radius: the union is taken group by
  // group (events linked that closely), which keeps it fast for a million events.
  std::vector<core::Geometry> discs;
  index::ShapeIndex::Builder db;
  for (std::size_t i = 0; i < past.size(); ++i) {
    discs.push_back(buffered_hull({past[i].at}, params.buffer_m));
    db.add(static_cast<std::int64_t>(i), discs.back());
  }
  index::ShapeIndex buffered = std::move(db).build(index::ShapeIndex::Queries::Containment);
  SignalParams touching;
  touching.eps_m = 2 * std::max(params.buffer_m, 0.01) + 0.01;
  touching.min_points = 1;
  double buffer_m2 = 0;
  for (const auto& group : dbscan(past, touching)) {
    if (group.size() == 1) {
      buffer_m2 += geo::area_m2(discs[group.front()]);
      continue;
    }
    std::vector<core::Geometry> parts;
    parts.reserve(group.size());
    for (std::size_t i : group) parts.push_back(discs[i]);
    buffer_m2 += geo::area_m2(geo::union_all(parts));
  }
  ev.buffer_km2 = buffer_m2 / 1e6;
  for (const auto& p : future) {
    ev.signals_caught += suggested.covered(p) ? 1 : 0;
    ev.buffer_caught += buffered.covered(p) ? 1 : 0;
  }
  return ev;
}

}  // namespace minemap::analysis
