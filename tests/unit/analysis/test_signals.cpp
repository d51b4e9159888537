#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "analysis/signals.hpp"
#include "core/errors.hpp"
#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"

namespace ma = minemap::analysis;
namespace mc = minemap::core;
namespace mg = minemap::geo;

namespace {

ma::SignalEvent event(std::string id, mc::Coord at, std::optional<int> year = 2020,
                      int casualties = 0) {
  ma::SignalEvent e;
  e.id = std::move(id);
  e.kind = "accident";
  e.type = "mine";
  if (year) e.date = mc::Date{*year, 0, 0};
  e.at = at;
  e.casualties = casualties;
  return e;
}

// A point `metres` east of `from` along the geodesic.
mc::Coord east(mc::Coord from, double metres) {
  return mg::destination(from, 90, metres);
}

class FixedDistance : public ma::HazardDistance {
 public:
  explicit FixedDistance(mc::Coord hazard) : m_hazard(hazard) {}
  std::optional<double> distance_m(mc::Coord p) const override {
    return mg::distance_m(p, m_hazard);
  }

 private:
  mc::Coord m_hazard;
};

}  // namespace

// Neighbours are decided by geodesic distance: a chain of events 900 m apart is one
// cluster at --eps 1000 and falls apart at --eps 800; an event 1001 m from the nearest is
// alone. The answer does not depend on the order the events come in.
TEST(Signals, ClustersFollowGeodesicNeighbours) {
  const mc::Coord o{20, 60};  // far north: a degree of longitude is short
  std::vector<ma::SignalEvent> ev;
  ev.push_back(event("ACC-1", o));
  ev.push_back(event("ACC-2", east(o, 900)));
  ev.push_back(event("ACC-3", east(o, 1800)));
  ev.push_back(event("ACC-4", east(o, 1800 + 1001)));
  ma::SignalParams p;
  p.eps_m = 1000;
  auto areas = ma::find_signals(ev, p);
  ASSERT_EQ(areas.size(), 2u);
  EXPECT_EQ(areas[0].evidence, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(areas[1].evidence, (std::vector<std::size_t>{3}));

  std::vector<ma::SignalEvent> shuffled = ev;
  std::mt19937 rng(7);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  auto again = ma::find_signals(shuffled, p);
  ASSERT_EQ(again.size(), areas.size());
  for (std::size_t i = 0; i < areas.size(); ++i) {
    ASSERT_EQ(again[i].evidence.size(), areas[i].evidence.size());
    for (std::size_t k = 0; k < areas[i].evidence.size(); ++k)
      EXPECT_EQ(shuffled[again[i].evidence[k]].id, ev[areas[i].evidence[k]].id);
    EXPECT_EQ(again[i].geometry, areas[i].geometry);
  }

  p.eps_m = 800;
  EXPECT_EQ(ma::find_signals(ev, p).size(), 4u);
  // With --min-points 3 the ends of the chain are border events of the middle one.
  p.eps_m = 1000;
  p.min_points = 3;
  auto strict = ma::find_signals(ev, p);
  ASSERT_EQ(strict.size(), 2u);
  EXPECT_EQ(strict[0].evidence.size(), 3u);
  // --min-points 4: no event has three neighbours, every one stands alone.
  p.min_points = 4;
  EXPECT_EQ(ma::find_signals(ev, p).size(), 4u);
}

// The area is the convex hull of a disc of --buffer metres about each event: for one
// event a 32-gon inscribed in the circle, for two a stadium; every event lies inside.
TEST(Signals, AreasAreBufferedHulls) {
  const mc::Coord o{-74.1, 4.6};
  auto one = ma::buffered_hull({o}, 250);
  ASSERT_EQ(one.type, mc::GeomType::MultiPolygon);
  ASSERT_EQ(one.polygons.size(), 1u);
  EXPECT_EQ(one.polygons[0][0].size(), 33u);  // 32 corners, closed
  const double polygon32 = 0.5 * 32 * 250 * 250 * std::sin(2 * std::numbers::pi / 32);
  EXPECT_NEAR(mg::area_m2(one), polygon32, polygon32 * 1e-4);
  for (const auto& c : one.polygons[0][0]) EXPECT_NEAR(mg::distance_m(o, c), 250, 0.01);
  std::string why;
  EXPECT_TRUE(mg::is_valid(one, &why)) << why;

  const mc::Coord b = east(o, 400);
  auto two = ma::buffered_hull({o, b, east(o, 200)}, 250);
  const double stadium = 2 * 250 * 400 + polygon32;
  EXPECT_NEAR(mg::area_m2(two), stadium, stadium * 2e-3);
  EXPECT_TRUE(mg::covers(two, o));
  EXPECT_TRUE(mg::covers(two, b));
  EXPECT_TRUE(mg::covers(two, east(o, 600)));
  EXPECT_FALSE(mg::covers(two, east(o, 700)));
  EXPECT_TRUE(mg::is_valid(two, &why)) << why;
  // Counter-clockwise, as GeoJSON wants it: a positive signed area in lon/lat.
  double twice = 0;
  const auto& ring = two.polygons[0][0];
  for (std::size_t i = 0; i + 1 < ring.size(); ++i)
    twice += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
  EXPECT_GT(twice, 0);
}

// The score's parts: events and casualties on a log scale, recency halving every ten
// years, distance to the nearest known hazard up to 10 km; clusters before single events.
TEST(Signals, ScoresHaveTheirDocumentedParts) {
  const mc::Coord o{30, 0};
  std::vector<ma::SignalEvent> ev;
  ev.push_back(event("ACC-1", o, 2010, 3));
  ev.push_back(event("ACC-2", east(o, 500), 2000, 0));
  ev.push_back(event("ACC-3", east(o, 50'000), 2020, 10));  // alone, recent, deadly
  ev.push_back(event("ACC-4", east(o, 90'000), std::nullopt));
  FixedDistance hazard(east(o, -2000));
  auto areas = ma::find_signals(ev, {}, &hazard);
  ASSERT_EQ(areas.size(), 3u);
  const auto& pair = areas[0];
  EXPECT_EQ(pair.evidence.size(), 2u);
  EXPECT_NEAR(pair.score.events, std::log2(3) / std::log2(101), 1e-12);
  EXPECT_NEAR(pair.score.casualties, std::log2(4) / std::log2(11), 1e-12);
  EXPECT_NEAR(pair.score.recency, std::exp2(-1.0), 1e-12);  // 2010, ten years before 2020
  EXPECT_NEAR(pair.score.distance, 0.2, 1e-6);              // 2 km
  EXPECT_NEAR(*pair.nearest_hazard_m, 2000, 1e-6);
  EXPECT_EQ(pair.first->year, 2000);
  EXPECT_EQ(pair.last->year, 2010);
  EXPECT_EQ(pair.casualties, 3);
  EXPECT_NEAR(
      pair.score.total,
      (pair.score.events + pair.score.casualties + pair.score.recency + pair.score.distance) / 4,
      1e-12);
  // The single deadly event scores higher than the pair, yet comes after it.
  const auto& single = areas[1];
  EXPECT_EQ(ev[single.evidence[0]].id, "ACC-3");
  EXPECT_GT(single.score.total, pair.score.total);
  EXPECT_DOUBLE_EQ(single.score.casualties, 1.0);
  EXPECT_DOUBLE_EQ(single.score.recency, 1.0);
  EXPECT_DOUBLE_EQ(single.score.distance, 1.0);
  // Undated: no recency; no hazard known: the distance part is 1.
  EXPECT_EQ(areas[2].score.recency, 0);
  auto alone = ma::find_signals(ev, {});
  EXPECT_DOUBLE_EQ(alone[0].score.distance, 1.0);
  EXPECT_FALSE(alone[0].nearest_hazard_m);
}

TEST(Signals, ParametersOutOfRangeNameTheirOption) {
  auto refused = [](ma::SignalParams p, const std::string& name) {
    try {
      ma::find_signals({}, p);
      ADD_FAILURE() << name << " accepted";
    } catch (const mc::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  ma::SignalParams p;
  p.eps_m = 0;
  refused(p, "--eps");
  p.eps_m = std::nan("");
  refused(p, "--eps");
  p = {};
  p.min_points = 0;
  refused(p, "--min-points");
  p = {};
  p.buffer_m = -1;
  refused(p, "--buffer");
  EXPECT_TRUE(ma::find_signals({}, {}).empty());
}

// The evaluation counts the later events inside the areas and inside the plain buffer,
// and their areas, by the union (overlaps once).
TEST(Signals, EvaluationComparesWithAPlainBuffer) {
  const mc::Coord o{10, 50};
  std::vector<ma::SignalEvent> ev;
  ev.push_back(event("ACC-1", o, 2000));
  ev.push_back(event("ACC-2", east(o, 800), 2001));
  ev.push_back(event("ACC-3", east(o, 400), 2002));     // between them: signals only
  ev.push_back(event("ACC-4", east(o, 100), 2003));     // near one: both
  ev.push_back(event("ACC-5", east(o, 20'000), 2002));  // far: neither
  ev.push_back(event("ACC-6", east(o, 300), 2010));     // after the horizon
  ev.push_back(event("ACC-7", east(o, 300), std::nullopt));
  auto e = ma::evaluate_signals(ev, 2001, 3, {});
  EXPECT_EQ(e.past, 2u);
  EXPECT_EQ(e.future, 3u);
  EXPECT_EQ(e.areas, 1u);
  EXPECT_EQ(e.signals_caught, 2u);
  EXPECT_EQ(e.buffer_caught, 1u);
  const double polygon32 = 0.5 * 32 * 250 * 250 * std::sin(2 * std::numbers::pi / 32) / 1e6;
  EXPECT_NEAR(e.buffer_km2, 2 * polygon32, 2 * polygon32 * 1e-3);
  EXPECT_NEAR(e.signals_km2, 2 * 0.25 * 0.8 + polygon32, 2e-3);
}
