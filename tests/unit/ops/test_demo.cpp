// The demo shows the reliability analysis at work: its minefield records are digitised,
// each linked to its hazard, and judged against what the hazard's clearance found, by
// the code `minemap reliability STORE --all` runs (ops::assess_store_records).
#include <gtest/gtest.h>

#include <map>

#include "common/temp_dir.hpp"
#include "geo/geometry_ops.hpp"
#include "ops/demo.hpp"
#include "ops/reliability.hpp"
#include "store/registry.hpp"

namespace minemap::ops {
namespace {

using core::Entity;

class DemoRecords : public ::testing::Test {
 protected:
  void SetUp() override { build_demo(reg, store::Actor{"test"}); }
  testing_support::TempDir dir;
  store::Registry reg = store::Registry::open(dir.file("demo.gpkg"), true);
};

TEST_F(DemoRecords, AreGradedAcrossTheScaleWithTheRemainingMinesPredicted) {
  analysis::ReliabilityOptions opt;
  auto got = assess_store_records(reg, StoreSelection{"", "", true}, opt);
  ASSERT_EQ(got.results.size(), 3u);
  std::map<std::string, const analysis::ReliabilityResult*> by_id;
  for (std::size_t i = 0; i < got.results.size(); ++i) by_id[got.read.ids[i]] = &got.results[i];
  ASSERT_EQ(by_id.size(), 3u);
  // Recorded accurately; shifted and turned (a wrong landmark); a row never laid.
  EXPECT_EQ(by_id.at("MR-SYN-1")->grade, 'A') << by_id.at("MR-SYN-1")->grade_reason;
  EXPECT_EQ(by_id.at("MR-SYN-2")->grade, 'B') << by_id.at("MR-SYN-2")->grade_reason;
  EXPECT_EQ(by_id.at("MR-SYN-3")->grade, 'C') << by_id.at("MR-SYN-3")->grade_reason;
  for (const auto& [id, r] : by_id) {
    EXPECT_GE(r->recorded_in_cleared, 20) << id;
    EXPECT_FALSE(r->predicted_remaining.empty()) << id;
    EXPECT_GE(r->other_found, 1) << id;  // the mortar bomb: clutter, not held against it
  }
  const auto& b = *by_id.at("MR-SYN-2");
  ASSERT_TRUE(b.correction.has_value());
  EXPECT_NEAR(b.correction->rotation_deg, 2.5, 0.5);
}

TEST_F(DemoRecords, EachIsLinkedToItsHazardAndDigitised) {
  const auto& records = core::spec(Entity::Record);
  for (const std::string id : {"MR-SYN-1", "MR-SYN-2", "MR-SYN-3"}) {
    auto rec = reg.get(records, id);
    auto hz = rec.text("hazard_id");
    ASSERT_TRUE(hz.has_value()) << id;
    auto hazard = reg.get(core::spec(Entity::Hazard), *hz);
    // What the hazard page asks for: GET /api/records?hazard_id=HZ-...
    store::ListQuery q;
    q.where = {{"hazard_id", {*hz}}};
    auto linked = reg.list(records, q);
    ASSERT_EQ(linked.size(), 1u) << *hz;
    EXPECT_EQ(linked[0].id, id);
    EXPECT_EQ(rec.text("label"), id);
    // Digitised as `minemap record add` does: the recorded mines are a layer.
    store::ListQuery mq;
    mq.where = {{"record_id", {id}}};
    auto mines = reg.list(core::spec(Entity::RecordMine), mq);
    EXPECT_EQ(static_cast<std::int64_t>(mines.size()), rec.integer("mine_count").value_or(-1));
    EXPECT_EQ(mines.size(), 80u);
    // The hazard was drawn about the recorded field.
    for (const auto& m : mines)
      EXPECT_TRUE(geo::covers(hazard.geometry, m.geometry.points.at(0))) << m.id;
    for (const auto& ring : rec.geometry.polygons.at(0))
      for (const auto& c : ring) EXPECT_TRUE(geo::covers(hazard.geometry, c)) << id;
    // The clearance's finds are the hazard's items, linked to its activity.
    auto items = reg.list(core::spec(Entity::Item), q);
    EXPECT_GE(items.size(), 20u) << *hz;
    for (const auto& it : items) EXPECT_TRUE(it.text("activity_id").has_value()) << it.id;
  }
}

}  // namespace
}  // namespace minemap::ops
