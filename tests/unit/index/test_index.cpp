// The spatial index against brute force on random data (every query type), against
// GeographicLib for distances, and on the touching and hole cases.
#include <gtest/gtest.h>

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>
#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"
#include "index/join.hpp"
#include "index/point_index.hpp"
#include "index/shape_index.hpp"
#include "index/snapshot.hpp"

namespace minemap::index {
namespace {

using core::Coord;
using core::Geometry;

// Regions where latitude, the antimeridian or the pole could break a shortcut.
struct Region {
  double lon, lat, span;  // centre and half-width in degrees
};
const Region kRegions[] = {{134.0, -25.0, 0.05}, {0.0, 0.0, 0.05},    {20.0, 60.0, 0.05},
                           {179.98, 45.0, 0.05}, {-70.0, 89.9, 0.05}, {46.5, 40.0, 1.5}};

Coord random_in(std::mt19937_64& rng, const Region& r) {
  std::uniform_real_distribution<double> u(-1, 1);
  double lon = r.lon + u(rng) * r.span;
  double lat = std::clamp(r.lat + u(rng) * r.span, -90.0, 90.0);
  if (lon > 180) lon -= 360;
  return {lon, lat};
}

// A star-shaped polygon of n vertices around c (radii in metres), sometimes with a hole.
Geometry star(std::mt19937_64& rng, Coord c, double radius_m, int n, bool hole) {
  std::uniform_real_distribution<double> u(0.5, 1.0);
  core::LineString ring;
  for (int i = 0; i < n; ++i) {
    double azi = 360.0 * i / n;
    ring.push_back(geo::destination(c, azi, radius_m * u(rng)));
  }
  ring.push_back(ring.front());
  std::reverse(ring.begin(), ring.end());  // azimuths run clockwise; shells go counter-clockwise
  Geometry g;
  g.type = core::GeomType::Polygon;
  g.polygons.push_back({ring});
  if (hole) {
    core::LineString h;
    for (int i = 0; i < 6; ++i) h.push_back(geo::destination(c, 60.0 * i, radius_m * 0.25));
    h.push_back(h.front());
    g.polygons[0].push_back(h);
  }
  return g;
}

// Reference distance from p to the geodesic a-b: sampled densely along the line with
// GeographicLib, then refined by golden section around the best sample.
double reference_segment_distance(Coord p, Coord a, Coord b) {
  const auto& g = GeographicLib::Geodesic::WGS84();
  GeographicLib::GeodesicLine line = g.InverseLine(a.y, a.x, b.y, b.x);
  double len = line.Distance();
  auto at = [&](double s) {
    double lat = 0, lon = 0, d = 0;
    line.Position(s, lat, lon);
    g.Inverse(p.y, p.x, lat, lon, d);
    return d;
  };
  const int n = 2000;
  int best = 0;
  double best_d = at(0);
  for (int i = 1; i <= n; ++i) {
    double d = at(len * i / n);
    if (d < best_d) best_d = d, best = i;
  }
  double lo = len * std::max(0, best - 1) / n, hi = len * std::min(n, best + 1) / n;
  for (int it = 0; it < 200; ++it) {
    double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
    if (at(m1) < at(m2))
      hi = m2;
    else
      lo = m1;
  }
  return std::min(best_d, at((lo + hi) / 2));
}

TEST(Geodesy, SegmentDistanceMatchesGeographicLibWithinAMillimetre) {
  std::mt19937_64 rng(7);
  int checked = 0;
  for (const Region& r : kRegions) {
    for (int i = 0; i < 12; ++i) {
      Coord a = random_in(rng, r);
      std::uniform_real_distribution<double> len(10, 20000), azi(0, 360);
      Coord b = geo::destination(a, azi(rng), len(rng));
      Coord p = geo::destination(a, azi(rng), len(rng));
      double ours = geo::distance_to_segment_m(p, a, b);
      double ref = reference_segment_distance(p, a, b);
      EXPECT_NEAR(ours, ref, 1e-3) << r.lon << "," << r.lat << " case " << i;
      ++checked;
    }
  }
  // Long edges: 500 km at 60 N, the point 100 km off the middle (where the geodesic bows
  // far from the lon/lat straight line).
  Coord a{0, 60}, b = geo::destination(a, 90, 500000);
  Coord mid = geo::destination(a, 90, 250000);
  Coord p = geo::destination(mid, 0, 100000);
  EXPECT_NEAR(geo::distance_to_segment_m(p, a, b), reference_segment_distance(p, a, b), 1e-3);
  EXPECT_GT(checked, 70);
}

TEST(Geodesy, SegmentDistanceOfAPointBeyondTheEndIsTheEndDistance) {
  Coord a{10, 10}, b{10.001, 10};
  Coord p{9.999, 10.0005};
  EXPECT_DOUBLE_EQ(geo::distance_to_segment_m(p, a, b), geo::distance_m(p, a));
  // On the equator the geodesic is the equator; elsewhere an east-west edge bows towards
  // the pole, so the lon/lat midpoint is off it (by 41 micrometres for 110 m at 10 N).
  EXPECT_NEAR(geo::distance_to_segment_m({10.0005, 0}, {10, 0}, {10.001, 0}), 0, 1e-9);
  double bow = geo::distance_to_segment_m({10.0005, 10}, a, b);
  EXPECT_GT(bow, 3e-5);
  EXPECT_LT(bow, 5e-5);
}

TEST(Geodesy, ChordNeverExceedsGeodesicAndTheUpperBoundHolds) {
  std::mt19937_64 rng(3);
  for (const Region& r : kRegions) {
    for (int i = 0; i < 200; ++i) {
      Coord a = random_in(rng, r), b = random_in(rng, r);
      geo::Ecef ea = geo::to_ecef(a), eb = geo::to_ecef(b);
      double chord = PointIndex::chord(ea, eb);
      double d = geo::distance_m(a, b);
      EXPECT_LE(chord, d + 1e-9);
      EXPECT_GE(geo::geodesic_upper_bound_m(chord), d - 1e-9);
    }
  }
}

TEST(Geodesy, TheLowerBoundFromTheChordHoldsAndIsTightFarAway) {
  // Pairs anywhere on the earth (poles, antipodes, the same meridian or parallel among
  // them), against GeographicLib's distance.
  std::mt19937_64 rng(29);
  std::uniform_real_distribution<double> lon(-180, 180), slat(-1, 1);
  const auto check = [](Coord a, Coord b) {
    const double chord = PointIndex::chord(geo::to_ecef(a), geo::to_ecef(b));
    const double d = geo::distance_m(a, b);
    const double lower = geo::geodesic_lower_bound_m(chord);
    EXPECT_GE(lower, chord);
    EXPECT_LE(lower, d + 1e-9) << a.x << "," << a.y << " " << b.x << "," << b.y;
    return std::pair{d, lower};
  };
  double worst_far = 0;  // (d - lower) / d beyond 1000 km
  for (int i = 0; i < 20000; ++i) {
    // Uniform on the sphere: latitude from a uniform sine.
    const Coord a{lon(rng), std::asin(slat(rng)) * 180 / M_PI};
    const Coord b{lon(rng), std::asin(slat(rng)) * 180 / M_PI};
    const auto [d, lower] = check(a, b);
    if (d > 1e6 && d < 12e6) worst_far = std::max(worst_far, (d - lower) / d);
  }
  // Within 0.6% from 1,000 to 12,000 km, where the chord alone is up to 25% short
  // (towards the antipodes the bound loosens, to 5%: the chord of a polar pair is b's,
  // the bound takes a's).
  EXPECT_LT(worst_far, 0.006);
  for (double lat : {0.0, 30.0, 60.0, 89.9, 90.0})
    for (double dlon : {0.0, 1e-6, 0.01, 1.0, 90.0, 179.0, 180.0}) {
      check({0, lat}, {dlon, lat});
      check({0, lat}, {dlon, -lat});
      check({0, lat}, {dlon, lat - 1e-3});
    }
  check({0, 90}, {0, -90});
  check({10, 0}, {-170, 0});
  check({10, 0.5}, {-170, -0.5});
}

TEST(Geodesy, ShortGeodesicsFromTheChordMatchGeographicLib) {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> len(0, geo::kShortChordM), azi(0, 360);
  double worst = 0;
  for (double lat : {0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 89.0, 89.999, -45.0}) {
    for (int i = 0; i < 500; ++i) {
      Coord a{std::uniform_real_distribution<double>(-180, 180)(rng), lat};
      Coord b = geo::destination(a, azi(rng), len(rng));
      double chord = PointIndex::chord(geo::to_ecef(a), geo::to_ecef(b));
      if (chord >= geo::kShortChordM) continue;
      worst = std::max(worst, std::abs(geo::short_geodesic_m(chord) - geo::distance_m(a, b)));
    }
  }
  EXPECT_LT(worst, 5e-9);  // 5 nanometres: GeographicLib's own accuracy is 15 nm
}

TEST(Orientation, ExactOnTheLine) {
  EXPECT_EQ(geo::orientation({0, 0}, {1, 1}, {0.5, 0.5}), 0);
  EXPECT_EQ(geo::orientation({0, 0}, {1, 1}, {0.5, 0.6}), 1);
  EXPECT_EQ(geo::orientation({0, 0}, {1, 1}, {0.6, 0.5}), -1);
  // Far from the origin: exactly collinear in binary, then off the line by 2^-45 degree.
  Coord a{134.125, -25.375}, b{134.375, -25.125};
  EXPECT_EQ(geo::orientation(a, b, {134.25, -25.25}), 0);
  EXPECT_EQ(geo::orientation(a, b, {134.25 + std::ldexp(1.0, -45), -25.25}), -1);
  EXPECT_EQ(geo::orientation(a, b, {134.25 - std::ldexp(1.0, -45), -25.25}), 1);
}

struct Keyed {
  std::int64_t key;
  Coord c;
};

std::vector<Keyed> random_points(std::mt19937_64& rng, std::size_t per_region) {
  std::vector<Keyed> pts;
  for (const Region& r : kRegions)
    for (std::size_t i = 0; i < per_region; ++i)
      pts.push_back({static_cast<std::int64_t>(pts.size()) * 7 + 3, random_in(rng, r)});
  // Duplicates: ties must come out by key.
  for (std::size_t i = 0; i < 20; ++i)
    pts.push_back({static_cast<std::int64_t>(pts.size()) * 7 + 3, pts[i * 5].c});
  return pts;
}

PointIndex build_points(const std::vector<Keyed>& pts) {
  PointIndex::Builder b;
  for (const auto& p : pts) b.add(p.key, p.c);
  return std::move(b).build();
}

// Same keys in the same order, distances equal to 10 nanometres (short distances come
// from the chord, long ones from GeographicLib, both exact to that).
void expect_same_hits(const std::vector<Hit>& got, const std::vector<Hit>& expect,
                      const std::string& what) {
  ASSERT_EQ(got.size(), expect.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, expect[i].key) << what << " #" << i;
    EXPECT_NEAR(got[i].distance_m, expect[i].distance_m, 1e-8) << what << " #" << i;
  }
}

// The same keys as the hits, in any order (within_keys answers without distances).
void expect_same_keys(std::vector<std::int64_t> keys, const std::vector<Hit>& hits) {
  std::vector<std::int64_t> expect;
  for (const auto& h : hits) expect.push_back(h.key);
  std::sort(keys.begin(), keys.end());
  std::sort(expect.begin(), expect.end());
  EXPECT_EQ(keys, expect);
}

std::vector<Hit> sorted_hits(std::vector<Hit> v) {
  std::sort(v.begin(), v.end(), Hit::nearer);
  return v;
}

TEST(PointIndex, EveryQueryMatchesBruteForce) {
  std::mt19937_64 rng(11);
  auto pts = random_points(rng, 400);
  PointIndex idx = build_points(pts);
  ASSERT_EQ(idx.size(), pts.size());
  for (const Region& r : kRegions) {
    for (int q = 0; q < 25; ++q) {
      Coord p = q == 0 ? pts[0].c : random_in(rng, r);
      double radius = std::uniform_real_distribution<double>(10, 3000)(rng);
      std::vector<Hit> all;
      for (const auto& k : pts) all.push_back({k.key, geo::distance_m(p, k.c)});
      all = sorted_hits(all);
      std::vector<Hit> expect_within;
      for (const auto& h : all)
        if (h.distance_m <= radius) expect_within.push_back(h);
      expect_same_hits(idx.within(p, radius), expect_within, "within");
      expect_same_keys(idx.within_keys(p, radius), expect_within);
      for (std::size_t k : {1u, 10u, 37u}) {
        std::vector<Hit> expect(all.begin(), all.begin() + k);
        expect_same_hits(idx.nearest(p, k), expect, "nearest k=" + std::to_string(k));
      }
      // Capped by distance.
      auto capped = idx.nearest(p, 10, radius);
      std::vector<Hit> expect_capped(
          expect_within.begin(),
          expect_within.begin() + std::min<std::size_t>(10, expect_within.size()));
      expect_same_hits(capped, expect_capped, "capped");
      // Box.
      core::Envelope box{p.x - 0.01, p.y - 0.01, p.x + 0.01, p.y + 0.01};
      auto in_box = idx.in_box(box);
      std::sort(in_box.begin(), in_box.end());
      std::vector<std::int64_t> expect_box;
      for (const auto& k : pts)
        if (box.contains(k.c)) expect_box.push_back(k.key);
      std::sort(expect_box.begin(), expect_box.end());
      EXPECT_EQ(in_box, expect_box);
    }
  }
}

TEST(PointIndex, DistancesAreGeographicLibs) {
  PointIndex::Builder b;
  b.add(1, {20, 60});
  b.add(2, {20.01, 60.01});
  PointIndex idx = std::move(b).build();
  auto hits = idx.nearest({20.001, 60.002}, 2);
  ASSERT_EQ(hits.size(), 2u);
  double d = 0;
  GeographicLib::Geodesic::WGS84().Inverse(60.002, 20.001, 60, 20, d);
  EXPECT_EQ(hits[0].key, 1);
  EXPECT_NEAR(hits[0].distance_m, d, 1e-8);
  EXPECT_TRUE(PointIndex{}.nearest({0, 0}, 3).empty());
  EXPECT_TRUE(PointIndex{}.within({0, 0}, 3).empty());
}

struct Shape {
  std::int64_t key;
  Geometry g;
};

std::vector<Shape> random_shapes(std::mt19937_64& rng, std::size_t per_region) {
  std::vector<Shape> shapes;
  std::uniform_int_distribution<int> verts(12, 40);
  std::uniform_real_distribution<double> radius(50, 300);
  for (const Region& r : kRegions) {
    for (std::size_t i = 0; i < per_region; ++i) {
      Coord c = random_in(rng, r);
      shapes.push_back({static_cast<std::int64_t>(shapes.size()) * 5 + 1,
                        star(rng, c, radius(rng), verts(rng), i % 4 == 0)});
    }
    // A line and a point among the polygons.
    Geometry line;
    line.type = core::GeomType::LineString;
    Coord a = random_in(rng, r);
    line.lines = {{a, geo::destination(a, 45, 2000), geo::destination(a, 100, 3000)}};
    shapes.push_back({static_cast<std::int64_t>(shapes.size()) * 5 + 1, line});
    shapes.push_back({static_cast<std::int64_t>(shapes.size()) * 5 + 1,
                      Geometry::point(random_in(rng, r).x, r.lat)});
  }
  return shapes;
}

double brute_distance(const Geometry& g, Coord p) {
  if ((g.type == core::GeomType::Polygon || g.type == core::GeomType::MultiPolygon) &&
      geo::covers(g, p))
    return 0;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& c : g.points) best = std::min(best, geo::distance_m(p, c));
  auto edges = [&](const core::LineString& l) {
    for (std::size_t i = 0; i + 1 < l.size(); ++i)
      best = std::min(best, geo::distance_to_segment_m(p, l[i], l[i + 1]));
  };
  for (const auto& l : g.lines) edges(l);
  for (const auto& poly : g.polygons)
    for (const auto& ring : poly) edges(ring);
  return best;
}

ShapeIndex build_shapes(const std::vector<Shape>& shapes) {
  ShapeIndex::Builder b;
  for (const auto& s : shapes) b.add(s.key, s.g);
  return std::move(b).build();
}

TEST(ShapeIndex, EveryQueryMatchesBruteForce) {
  std::mt19937_64 rng(5);
  auto shapes = random_shapes(rng, 25);
  ShapeIndex idx = build_shapes(shapes);
  ASSERT_EQ(idx.size(), shapes.size());
  int inside_seen = 0;
  for (const Region& r : kRegions) {
    for (int q = 0; q < 15; ++q) {
      Coord p = random_in(rng, r);
      if (q % 3 == 0) {  // near a shape's vertex, often inside
        const auto& g = shapes[rng() % shapes.size()].g;
        if (!g.polygons.empty()) p = geo::destination(g.polygons[0][0][0], 200, 60);
      }
      // containing
      std::vector<std::int64_t> expect_in;
      for (const auto& s : shapes)
        if (s.g.type == core::GeomType::Polygon && geo::covers(s.g, p)) expect_in.push_back(s.key);
      auto got_in = idx.containing(p);
      std::sort(got_in.begin(), got_in.end());
      EXPECT_EQ(got_in, expect_in);
      inside_seen += !expect_in.empty();
      // within, nearest
      std::vector<Hit> all;
      for (const auto& s : shapes) all.push_back({s.key, brute_distance(s.g, p)});
      all = sorted_hits(all);
      double radius = std::uniform_real_distribution<double>(20, 2000)(rng);
      std::vector<Hit> expect_within;
      for (const auto& h : all)
        if (h.distance_m <= radius) expect_within.push_back(h);
      auto got = idx.within(p, radius);
      ASSERT_EQ(got.size(), expect_within.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].key, expect_within[i].key);
        EXPECT_NEAR(got[i].distance_m, expect_within[i].distance_m, 1e-6);
      }
      expect_same_keys(idx.within_keys(p, radius), expect_within);
      for (std::size_t k : {1u, 10u}) {
        auto near = idx.nearest(p, k);
        ASSERT_EQ(near.size(), k);
        for (std::size_t i = 0; i < k; ++i) {
          EXPECT_EQ(near[i].key, all[i].key) << "k=" << k << " i=" << i;
          EXPECT_NEAR(near[i].distance_m, all[i].distance_m, 1e-6);
        }
      }
    }
  }
  EXPECT_GT(inside_seen, 5);
}

TEST(ShapeIndex, TouchingAndHoles) {
  // A square with a square hole; exact binary coordinates so that "on the edge" is exact.
  Geometry g;
  g.type = core::GeomType::Polygon;
  g.polygons = {{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}},
                 {{0.25, 0.25}, {0.25, 0.75}, {0.75, 0.75}, {0.75, 0.25}, {0.25, 0.25}}}};
  Geometry neighbour;  // shares the edge x = 1
  neighbour.type = core::GeomType::Polygon;
  neighbour.polygons = {{{{1, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 0}}}};
  ShapeIndex::Builder b;
  b.add(1, g);
  b.add(2, neighbour);
  ShapeIndex idx = std::move(b).build();
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(idx.containing({0.1, 0.1}), V{1});
  EXPECT_EQ(idx.containing({0.5, 0.5}), V{});     // in the hole
  EXPECT_EQ(idx.containing({0.25, 0.5}), V{1});   // on the hole's edge
  EXPECT_EQ(idx.containing({0.75, 0.75}), V{1});  // on the hole's vertex
  auto shared = idx.containing({1, 0.5});         // on the shared edge: both touch
  std::sort(shared.begin(), shared.end());
  EXPECT_EQ(shared, (V{1, 2}));
  auto corner = idx.containing({1, 1});
  std::sort(corner.begin(), corner.end());
  EXPECT_EQ(corner, (V{1, 2}));
  EXPECT_EQ(idx.containing({0, 0}), V{1});
  EXPECT_EQ(idx.containing({-1e-12, 0.5}), V{});
  EXPECT_EQ(idx.containing({2.5, 0.5}), V{});
  // Distance from the middle of the hole: to the hole's nearest edge (0.25 degree at the
  // equator along the parallel or the meridian, whichever is shorter: the meridian).
  double d = idx.distance_m(0, {0.5, 0.5});
  double expect = std::min(geo::distance_to_segment_m({0.5, 0.5}, {0.25, 0.25}, {0.25, 0.75}),
                           geo::distance_to_segment_m({0.5, 0.5}, {0.25, 0.25}, {0.75, 0.25}));
  expect = std::min({expect, geo::distance_to_segment_m({0.5, 0.5}, {0.75, 0.75}, {0.75, 0.25}),
                     geo::distance_to_segment_m({0.5, 0.5}, {0.25, 0.75}, {0.75, 0.75})});
  EXPECT_NEAR(d, expect, 1e-6);
  // Touching counts as within 0 m.
  EXPECT_EQ(idx.within_keys({0.25, 0.5}, 0).size(), 1u);
}

TEST(ShapeIndex, BuiltForContainmentOnlyAnswersContainmentAlikeAndRefusesDistances) {
  std::mt19937_64 rng(11);
  auto shapes = random_shapes(rng, 25);
  ShapeIndex full = build_shapes(shapes);
  ShapeIndex::Builder b;
  for (const auto& s : shapes) b.add(s.key, s.g);
  ShapeIndex lean = std::move(b).build(ShapeIndex::Queries::Containment);
  ASSERT_EQ(lean.size(), full.size());
  EXPECT_TRUE(full.measures_distance());
  EXPECT_FALSE(lean.measures_distance());
  EXPECT_LT(lean.memory_bytes(), full.memory_bytes() * 2 / 3);
  int inside = 0;
  for (const Region& r : kRegions)
    for (int q = 0; q < 40; ++q) {
      Coord p = random_in(rng, r);
      if (q % 2 == 0) {  // near a vertex, often inside or on an edge
        const auto& g = shapes[rng() % shapes.size()].g;
        if (!g.polygons.empty())
          p = q % 4 == 0 ? g.polygons[0][0][1] : geo::destination(g.polygons[0][0][0], 150, 45);
      }
      auto expect = full.containing(p);
      EXPECT_EQ(lean.containing(p), expect);
      EXPECT_EQ(lean.covered(p), !expect.empty());
      EXPECT_EQ(full.covered(p), !expect.empty());
      inside += !expect.empty();
      core::Envelope box;
      box.expand(p);
      box.expand(geo::destination(p, 500, 45));
      EXPECT_EQ(lean.in_box(box), full.in_box(box));
    }
  EXPECT_GT(inside, 20);
  EXPECT_THROW(lean.within({0, 0}, 100), std::logic_error);
  EXPECT_THROW(lean.within_keys({0, 0}, 100), std::logic_error);
  EXPECT_THROW(lean.nearest({0, 0}, 1), std::logic_error);
  EXPECT_THROW(lean.distance_m(0, {1000, 1000}), std::logic_error);
  // An empty index measures nothing and so refuses nothing.
  EXPECT_TRUE(
      ShapeIndex::Builder().build(ShapeIndex::Queries::Containment).nearest({0, 0}, 1).empty());
}

TEST(Join, CountCoveredCountsEachPointInAnyPolygonOnce) {
  std::mt19937_64 rng(13);
  auto shapes = random_shapes(rng, 40);
  // A copy of every shape on top of itself: points in both count once.
  std::vector<Shape> doubled = shapes;
  for (const auto& s : shapes) doubled.push_back({s.key + 100000, s.g});
  ShapeIndex::Builder b;
  for (const auto& s : doubled) b.add(s.key, s.g);
  ShapeIndex polys = std::move(b).build(ShapeIndex::Queries::Containment);
  std::vector<Coord> pts;
  for (int i = 0; i < 3000; ++i) {
    const auto& s = shapes[rng() % shapes.size()];
    if (i % 10 == 0 && !s.g.polygons.empty()) {  // exactly on a vertex: touching counts
      pts.push_back(s.g.polygons[0][0][i % s.g.polygons[0][0].size()]);
      continue;
    }
    Coord c = s.g.envelope().empty() ? Coord{} : Coord{s.g.envelope().min_x, s.g.envelope().min_y};
    std::uniform_real_distribution<double> azi(0, 360), dist(0, 400);
    pts.push_back(geo::destination(c, azi(rng), dist(rng)));
  }
  pts.push_back(pts[0]);  // the same point twice counts twice
  std::size_t expect = 0;
  for (const auto& p : pts)
    expect += std::any_of(shapes.begin(), shapes.end(), [&](const Shape& s) {
      return s.g.type == core::GeomType::Polygon && geo::covers(s.g, p);
    });
  EXPECT_GT(expect, 300u);
  EXPECT_LT(expect, pts.size());
  for (unsigned threads : {1u, 2u, 3u})
    EXPECT_EQ(count_covered(pts, polys, {threads}), expect) << threads << " threads";
  EXPECT_EQ(count_covered({}, polys), 0u);
  EXPECT_EQ(count_covered(pts, ShapeIndex()), 0u);
}

TEST(PackedTree, HilbertOrderIsAPermutationWithTiesByPosition) {
  std::mt19937_64 rng(17);
  std::vector<Coord> pts;
  for (int i = 0; i < 5000; ++i) pts.push_back(random_in(rng, kRegions[i % std::size(kRegions)]));
  for (int i = 0; i < 50; ++i) pts.push_back(pts[100]);  // equal keys
  auto order = PackedTree::hilbert_order(pts);
  ASSERT_EQ(order.size(), pts.size());
  std::vector<std::uint32_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::uint32_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i);
  std::vector<std::uint32_t> same;
  for (std::uint32_t i : order)
    if (pts[i].x == pts[100].x && pts[i].y == pts[100].y) same.push_back(i);
  EXPECT_EQ(same.size(), 51u);
  EXPECT_TRUE(std::is_sorted(same.begin(), same.end()));
  // Neighbours in the order are neighbours on the ground: the path through the points in
  // Hilbert order is far shorter than in the order they came.
  auto path = [&](auto at) {
    double sum = 0;
    for (std::size_t i = 1; i < pts.size(); ++i)
      sum += std::hypot(at(i).x - at(i - 1).x, at(i).y - at(i - 1).y);
    return sum;
  };
  EXPECT_LT(path([&](std::size_t i) { return pts[order[i]]; }) * 10,
            path([&](std::size_t i) { return pts[i]; }));
}

TEST(Join, PointsInPolygonsAndPointsWithinMatchBruteForce) {
  std::mt19937_64 rng(9);
  auto shapes = random_shapes(rng, 40);
  ShapeIndex polys = build_shapes(shapes);
  std::vector<Keyed> pts;
  for (int i = 0; i < 1200; ++i) {
    const auto& s = shapes[rng() % shapes.size()];
    Coord c = s.g.envelope().empty() ? Coord{} : Coord{s.g.envelope().min_x, s.g.envelope().min_y};
    std::uniform_real_distribution<double> azi(0, 360), dist(0, 400);
    pts.push_back({i * 3 + 2, geo::destination(c, azi(rng), dist(rng))});
  }
  PointIndex points = build_points(pts);
  std::vector<KeyPair> expect;
  for (const auto& p : pts)
    for (const auto& s : shapes)
      if (s.g.type == core::GeomType::Polygon && geo::covers(s.g, p.c))
        expect.push_back({p.key, s.key});
  std::sort(expect.begin(), expect.end());
  for (unsigned threads : {1u, 2u, 3u}) {
    EXPECT_EQ(points_in_polygons(points, polys, {threads}), expect) << threads << " threads";
  }
  EXPECT_GT(expect.size(), 50u);

  std::vector<PairHit> expect_pairs;
  for (const auto& a : pts)
    for (const auto& b : pts) {
      double d = geo::distance_m(a.c, b.c);
      if (d <= 10) expect_pairs.push_back({a.key, b.key, d});
    }
  std::sort(expect_pairs.begin(), expect_pairs.end(), [](const PairHit& x, const PairHit& y) {
    return x.first != y.first ? x.first < y.first : x.second < y.second;
  });
  auto got = points_within(points, points, 10, {2});
  ASSERT_EQ(got.size(), expect_pairs.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, expect_pairs[i].first);
    EXPECT_EQ(got[i].second, expect_pairs[i].second);
    EXPECT_NEAR(got[i].distance_m, expect_pairs[i].distance_m, 1e-8);
  }
  EXPECT_GT(got.size(), pts.size());  // every point with itself, and some neighbours
}

TEST(Join, AnExceptionInAWorkerReachesTheCaller) {
  EXPECT_THROW(parallel_chunks(100, 10, 2,
                               [](std::size_t lo, std::size_t, unsigned) {
                                 if (lo == 50) throw std::runtime_error("boom");
                               }),
               std::runtime_error);
}

TEST(Snapshot, ReadersKeepTheirSnapshotWhileAWriterPublishes) {
  SnapshotSlot<PointIndex> slot;
  EXPECT_EQ(slot.get(), nullptr);
  PointIndex::Builder b1;
  b1.add(1, {0, 0});
  slot.publish(std::make_shared<const PointIndex>(std::move(b1).build()));
  auto held = slot.get();
  std::thread writer([&] {
    PointIndex::Builder b2;
    b2.add(1, {0, 0});
    b2.add(2, {1, 1});
    slot.publish(std::make_shared<const PointIndex>(std::move(b2).build()));
  });
  writer.join();
  EXPECT_EQ(held->size(), 1u);
  EXPECT_EQ(slot.get()->size(), 2u);
}

}  // namespace
}  // namespace minemap::index
