#include <gtest/gtest.h>

#include "analysis/period.hpp"
#include "analysis/stats.hpp"
#include "core/errors.hpp"

using namespace minemap;
using core::Geometry;
using core::Record;

namespace {

Record rec(std::string id, std::map<std::string, core::Value, std::less<>> f, Geometry g = {}) {
  Record r;
  r.id = std::move(id);
  r.fields = std::move(f);
  r.geometry = std::move(g);
  return r;
}

Geometry square(double x0, double y0, double d) {
  return Geometry::multipolygon(
      {{{{x0, y0}, {x0 + d, y0}, {x0 + d, y0 + d}, {x0, y0 + d}, {x0, y0}}}});
}

}  // namespace

TEST(Stats, CountsByCategoryYearAndPlace) {
  analysis::StatsInput in;
  in.hazards.push_back(rec("HZ-1",
                           {{"type", std::string("CHA")},
                            {"status", std::string("open")},
                            {"area_m2", 100.0},
                            {"remaining_m2", 40.0}},
                           square(0, 0, 1)));
  in.hazards.push_back(rec("HZ-2",
                           {{"type", std::string("SHA")},
                            {"status", std::string("closed")},
                            {"area_m2", 50.0},
                            {"remaining_m2", 50.0}},
                           square(5, 5, 1)));
  in.activities.push_back(
      rec("ACT-1", {{"hazard_id", std::string("HZ-1")}, {"deminer_days", 3.0}}));
  in.activities.push_back(rec("ACT-2", {{"hazard_id", std::string("HZ-2")}}));
  in.releases.push_back(rec("LR-1", {{"activity_id", std::string("ACT-1")},
                                     {"outcome", std::string("cleared")},
                                     {"area_m2", 60.0}}));
  in.releases.push_back(rec("LR-2", {{"activity_id", std::string("ACT-2")},
                                     {"outcome", std::string("cleared")},
                                     {"area_m2", 20.0}}));
  in.releases.push_back(rec("LR-3", {{"activity_id", std::string("ACT-2")},
                                     {"outcome", std::string("cancelled")},
                                     {"area_m2", 7.0}}));
  in.items.push_back(rec("IT-1", {{"category", std::string("AP_MINE")},
                                  {"quantity", std::int64_t{3}},
                                  {"found", std::string("2012-05")},
                                  {"activity_id", std::string("ACT-1")}}));
  in.items.push_back(
      rec("IT-2", {{"category", std::string("UXO")}, {"found", std::string("2013")}}));
  // Inside, on the boundary (counts as inside), outside.
  in.accidents.push_back(rec("A1", {{"type", std::string("mine")}, {"date", std::string("2012")}},
                             Geometry::point(0.5, 0.5)));
  in.accidents.push_back(rec("A2",
                             {{"type", std::string("mine")}, {"date", std::string("2012-03")}},
                             Geometry::point(1, 0.5)));
  in.accidents.push_back(rec("A3",
                             {{"type", std::string("erw")}, {"date", std::string("2014-01-02")}},
                             Geometry::point(3, 3)));
  in.victims.push_back(rec("V1", {{"accident_id", std::string("A1")},
                                  {"outcome", std::string("killed")},
                                  {"group", std::string("civilian")},
                                  {"age", std::int64_t{9}},
                                  {"sex", std::string("female")}}));
  in.victims.push_back(rec("V2", {{"accident_id", std::string("A3")},
                                  {"outcome", std::string("injured")},
                                  {"group", std::string("deminer")},
                                  {"age", std::int64_t{30}}}));

  auto s = analysis::compute_stats(in);
  EXPECT_EQ(s.hazards.count, 2);
  EXPECT_EQ(s.hazards.by_type.at("CHA"), 1);
  EXPECT_EQ(s.hazards.by_status.at("handed_over"), 0);
  EXPECT_DOUBLE_EQ(s.hazards.area_m2, 150);
  EXPECT_DOUBLE_EQ(s.hazards.remaining_m2, 90);
  EXPECT_DOUBLE_EQ(s.land_release.cleared_m2, 80);
  EXPECT_DOUBLE_EQ(s.land_release.cancelled_m2, 7);
  EXPECT_DOUBLE_EQ(s.land_release.cleared_nothing_found_m2, 20);
  EXPECT_DOUBLE_EQ(s.land_release.deminer_days, 3);
  EXPECT_DOUBLE_EQ(s.land_release.cleared_by_deminer_days_m2, 60);
  EXPECT_EQ(s.items.count, 4);
  EXPECT_EQ(s.items.by_category.at("AP_MINE"), 3);
  EXPECT_EQ(s.items.by_year.at("2013"), 1);
  EXPECT_EQ(s.accidents.count, 3);
  EXPECT_EQ(s.accidents.inside_hazards, 2);
  EXPECT_EQ(s.accidents.outside_hazards, 1);
  EXPECT_EQ(s.accidents.by_year.at("2012"), 2);
  EXPECT_EQ(s.victims.count, 2);
  EXPECT_EQ(s.victims.killed, 1);
  EXPECT_EQ(s.victims.children, 1);
  EXPECT_EQ(s.victims.by_sex.at("unknown"), 1);

  analysis::StatsPeriod p;
  p.from = core::Date{2012, 4, 0};
  p.to = core::Date{2013, 0, 0};
  auto q = analysis::compute_stats(in, p);
  EXPECT_EQ(q.accidents.count, 1);  // "2012" may lie in the period; 2012-03 does not
  EXPECT_EQ(q.items.count, 4);
  EXPECT_EQ(q.victims.count, 1);
}

// Accidents tested against the hazards on worker threads while rows still come, in many
// batches: the same counts as one thread, and as each point asked of the index alone.
TEST(Stats, AccidentsInsideHazardsAgreeWhateverTheThreads) {
  std::vector<Geometry> hazards;
  for (int i = 0; i < 50; ++i) hazards.push_back(square(i * 0.05, (i % 7) * 0.05, 0.02));
  index::ShapeIndex::Builder ib;
  for (std::size_t i = 0; i < hazards.size(); ++i) ib.add(static_cast<std::int64_t>(i), hazards[i]);
  const index::ShapeIndex idx = std::move(ib).build();
  std::vector<core::Coord> points;
  std::int64_t expected_inside = 0;
  for (int i = 0; i < 40000; ++i) {
    // A grid over the squares, some points exactly on their edges.
    core::Coord p{(i % 200) * 0.0125, (i / 200) * 0.0025};
    points.push_back(p);
    expected_inside += !idx.containing(p).empty();
  }
  ASSERT_GT(expected_inside, 0);
  ASSERT_LT(expected_inside, 40000);
  std::vector<analysis::Stats> out;
  for (unsigned threads : {1u, 2u, 4u}) {
    analysis::StatsBuilder b({}, threads);
    for (const auto& h : hazards) b.add_hazard({"CHA", "open", 1.0, 1.0}, &h);
    for (const auto& p : points) b.add_accident({"", "mine", "2020", p});
    b.add_accident({"", "mine", "2021", std::nullopt});  // no point: outside
    out.push_back(b.finish());
    EXPECT_EQ(out.back().accidents.inside_hazards, expected_inside) << threads << " threads";
    EXPECT_EQ(out.back().accidents.outside_hazards, 40001 - expected_inside);
    EXPECT_EQ(out.back().accidents.by_year.at("2020"), 40000);
  }
  // The index built is handed out, and a builder given it answers the same.
  analysis::StatsBuilder first({}, 2);
  for (const auto& h : hazards) first.add_hazard({"CHA", "open", 1.0, 1.0}, &h);
  first.finish();
  analysis::StatsBuilder again({}, 2);
  again.use_hazard_index(first.hazard_index());
  for (std::size_t i = 0; i < hazards.size(); ++i)
    again.add_hazard({"CHA", "open", 1.0, 1.0}, nullptr);
  for (const auto& p : points) again.add_accident({"", "mine", "2020", p});
  EXPECT_EQ(again.finish().accidents.inside_hazards, expected_inside);
}

TEST(Stats, PeriodOfFromAndTo) {
  auto p = analysis::parse_period("2020", "2021-06");
  ASSERT_TRUE(p.from && p.to);
  EXPECT_EQ(p.from->to_string(), "2020");
  EXPECT_EQ(p.to->to_string(), "2021-06");
  EXPECT_FALSE(analysis::parse_period("", "").from);
  // One year, a month within it, and the same day at both ends are periods.
  EXPECT_NO_THROW(analysis::parse_period("2024", "2024"));
  EXPECT_NO_THROW(analysis::parse_period("2024-05", "2024"));
  EXPECT_NO_THROW(analysis::parse_period("2024-05-14", "2024-05-14"));
  // A period that ends before it starts holds nothing: an error naming both options.
  try {
    analysis::parse_period("2024", "2020");
    ADD_FAILURE() << "a reversed period was accepted";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "--from/--to");
  }
  EXPECT_THROW(analysis::parse_period("2024-06", "2024-05-31"), core::InputError);
  try {
    analysis::parse_period("soon", "");
    ADD_FAILURE();
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "--from");
  }
}
