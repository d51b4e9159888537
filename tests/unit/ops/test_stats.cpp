// The figures of a store read column by column (ops/stats) are those of its whole
// records (analysis::compute_stats), for the store as a whole and per administrative area.
#include <gtest/gtest.h>

#include "analysis/stats.hpp"
#include "common/temp_dir.hpp"
#include "ops/demo.hpp"
#include "ops/stats.hpp"
#include "store/registry.hpp"

namespace minemap::ops {
namespace {

void expect_same(const analysis::Stats& a, const analysis::Stats& b, const std::string& what) {
  EXPECT_EQ(a.hazards.count, b.hazards.count) << what;
  EXPECT_EQ(a.hazards.by_type, b.hazards.by_type) << what;
  EXPECT_EQ(a.hazards.by_status, b.hazards.by_status) << what;
  EXPECT_NEAR(a.hazards.area_m2, b.hazards.area_m2, 1e-6) << what;
  EXPECT_NEAR(a.hazards.remaining_m2, b.hazards.remaining_m2, 1e-6) << what;
  EXPECT_NEAR(a.land_release.cancelled_m2, b.land_release.cancelled_m2, 1e-6) << what;
  EXPECT_NEAR(a.land_release.reduced_m2, b.land_release.reduced_m2, 1e-6) << what;
  EXPECT_NEAR(a.land_release.cleared_m2, b.land_release.cleared_m2, 1e-6) << what;
  EXPECT_NEAR(a.land_release.cleared_nothing_found_m2, b.land_release.cleared_nothing_found_m2,
              1e-6)
      << what;
  EXPECT_NEAR(a.land_release.deminer_days, b.land_release.deminer_days, 1e-9) << what;
  EXPECT_EQ(a.items.count, b.items.count) << what;
  EXPECT_EQ(a.items.by_category, b.items.by_category) << what;
  EXPECT_EQ(a.items.by_year, b.items.by_year) << what;
  EXPECT_EQ(a.accidents.count, b.accidents.count) << what;
  EXPECT_EQ(a.accidents.inside_hazards, b.accidents.inside_hazards) << what;
  EXPECT_EQ(a.accidents.outside_hazards, b.accidents.outside_hazards) << what;
  EXPECT_EQ(a.accidents.by_year, b.accidents.by_year) << what;
  EXPECT_EQ(a.accidents.by_type, b.accidents.by_type) << what;
  EXPECT_EQ(a.victims.count, b.victims.count) << what;
  EXPECT_EQ(a.victims.killed, b.victims.killed) << what;
  EXPECT_EQ(a.victims.children, b.victims.children) << what;
  EXPECT_EQ(a.victims.by_group, b.victims.by_group) << what;
  EXPECT_EQ(a.victims.by_sex, b.victims.by_sex) << what;
  EXPECT_EQ(a.victims.by_year, b.victims.by_year) << what;
}

analysis::StatsInput records(store::Registry& reg) {
  store::ListQuery q;
  q.approved_only = true;
  using core::Entity;
  analysis::StatsInput in;
  in.hazards = reg.list(core::spec(Entity::Hazard), q);
  in.releases = reg.list(core::spec(Entity::Release), q);
  in.items = reg.list(core::spec(Entity::Item), q);
  in.accidents = reg.list(core::spec(Entity::Accident), q);
  in.victims = reg.list(core::spec(Entity::Victim), q);
  in.activities = reg.list(core::spec(Entity::Activity), q);
  return in;
}

class StatsOfTheDemo : public ::testing::Test {
 protected:
  void SetUp() override { build_demo(reg, store::Actor{"test"}); }
  testing_support::TempDir dir;
  store::Registry reg = store::Registry::open(dir.file("demo.gpkg"), true);
};

TEST_F(StatsOfTheDemo, ColumnsGiveTheFiguresOfWholeRecords) {
  const auto in = records(reg);
  ASSERT_GT(in.accidents.size(), 0u);
  ASSERT_GT(in.victims.size(), 0u);
  ASSERT_GT(in.releases.size(), 0u);
  for (const analysis::StatsPeriod& p :
       {analysis::StatsPeriod{}, analysis::StatsPeriod{core::Date::try_parse("2015"), std::nullopt},
        analysis::StatsPeriod{std::nullopt, core::Date::try_parse("2012-06")}}) {
    const auto got = stats(reg, p);
    expect_same(got, analysis::compute_stats(in, p), "whole store");
    expect_same(stats(reg, p), got, "again");
  }
  EXPECT_GT(stats(reg).accidents.inside_hazards, 0);
}

TEST_F(StatsOfTheDemo, PerAreaTheFiguresOfTheAreasRecords) {
  const auto in = records(reg);
  const auto parts = analysis::split_by_admin(in);
  ASSERT_GT(parts.size(), 1u);
  const auto by = stats_by_admin(reg);
  ASSERT_EQ(by.size(), parts.size());
  for (const auto& [id, part] : parts) {
    ASSERT_TRUE(by.count(id)) << id;
    expect_same(by.at(id).second, analysis::compute_stats(part), "area " + id);
    if (!id.empty()) {
      EXPECT_FALSE(by.at(id).first.empty()) << id;
    }
  }
}

}  // namespace
}  // namespace minemap::ops
