// Spatial layers read from the store: the right index kind, the ids, only approved and
// live records, and a fresh snapshot after a write while old readers keep theirs.
#include "store/spatial.hpp"

#include "gpkg_fixture.hpp"

namespace minemap::testing_gpkg {
namespace {

class Spatial : public GpkgTest {};

Record hazard(const std::string& name, core::Polygon ring) {
  Record r;
  r.workflow = "approved";
  r.fields["name"] = name;
  r.fields["type"] = std::string("CHA");
  r.fields["status"] = std::string("open");
  r.geometry = core::Geometry::multipolygon({std::move(ring)});
  return r;
}

Record item(double x, double y, const std::string& workflow = "approved") {
  Record r;
  r.workflow = workflow;
  r.fields["category"] = std::string("AP_MINE");
  r.geometry = core::Geometry::point(x, y);
  return r;
}

TEST_F(Spatial, LayersAnswerFromTheStoreAndRefreshAfterWrites) {
  open();
  store::Registry reg(std::move(m_store));
  const auto& hz = core::spec(core::Entity::Hazard);
  const auto& it = core::spec(core::Entity::Item);
  store::Actor who;
  auto h1 = reg.add(hz, hazard("Synthetic A", square(30, 10, 0.01)), who).id;
  reg.add(hz, hazard("Synthetic B", square(30.02, 10, 0.01)), who);
  auto i1 = reg.add(it, item(30.005, 10.005), who).id;
  reg.add(it, item(30.5, 10.5), who);
  reg.add(it, item(30.006, 10.006, "draft"), who);  // not approved: left out

  store::SpatialCache cache(reg);
  auto hazards = cache.layer(hz);
  ASSERT_FALSE(hazards->points_only);
  ASSERT_EQ(hazards->shapes.size(), 2u);
  auto inside = hazards->shapes.containing({30.005, 10.005});
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(hazards->id(inside[0]), h1);

  auto items = cache.layer(it);
  ASSERT_TRUE(items->points_only);
  ASSERT_EQ(items->points.size(), 2u);
  auto near = items->points.nearest({30.0051, 10.0051}, 1);
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(items->id(near[0].key), i1);
  EXPECT_EQ(cache.layer(it), items);  // no write: the same snapshot

  reg.remove(it, i1, "entered twice", who);
  auto after = cache.layer(it);
  EXPECT_NE(after, items);
  EXPECT_EQ(after->points.size(), 1u);
  EXPECT_EQ(items->points.size(), 2u);  // the old reader still sees its snapshot

  // All records, drafts included, when asked.
  EXPECT_EQ(store::load_layer(reg, it, false).points.size(), 2u);
}

}  // namespace
}  // namespace minemap::testing_gpkg
