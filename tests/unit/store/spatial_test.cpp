// Spatial layers read from the store: the right index kind, the ids, only approved and
// live records, and a fresh snapshot after a write while old readers keep theirs; on both
// backends.
#include "store/spatial.hpp"

#include "core/errors.hpp"
#include "gpkg_fixture.hpp"
#include "on_each_backend.hpp"

namespace minemap::testing_gpkg {
namespace {

class Spatial : public testing_store::OnEachBackend {};
MINEMAP_ON_EACH_BACKEND(Spatial);

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

TEST_P(Spatial, LayersAnswerFromTheStoreAndRefreshAfterWrites) {
  auto reg = create();
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

// The column scan the figures read: the same values as the records, only approved and
// live rows, nulls as nullopt, points read from the blob, unknown columns refused.
TEST_P(Spatial, ScanReadsTheColumnsOfTheRecords) {
  auto reg = create();
  const auto& hz = core::spec(core::Entity::Hazard);
  const auto& it = core::spec(core::Entity::Item);
  store::Actor who;
  reg.add(hz, hazard("Synthetic A", square(30, 10, 0.01)), who);
  Record counted = item(30.005, 10.005);
  counted.fields["quantity"] = std::int64_t{3};
  counted.fields["found"] = std::string("2021-04");
  auto i1 = reg.add(it, counted, who).id;
  auto gone = reg.add(it, item(30.5, 10.5), who).id;
  reg.add(it, item(30.006, 10.006, "draft"), who);
  reg.add(it, item(30.007, 10.007), who);
  reg.remove(it, gone, "entered twice", who);

  store::ListQuery q;
  q.approved_only = true;
  std::vector<std::string> ids;
  std::vector<std::optional<std::int64_t>> quantities;
  std::vector<std::optional<std::string>> found;
  std::vector<core::Coord> points;
  reg.scan(it, q, {"id", "quantity", "found", "geom"}, [&](const store::ScanRow& r) {
    ids.emplace_back(*r.text(0));
    quantities.push_back(r.integer(1));
    auto f = r.text(2);
    found.push_back(f ? std::optional<std::string>(*f) : std::nullopt);
    points.push_back(*r.point(3));
  });
  std::vector<std::string> listed;
  for (const auto& rec : reg.list(it, q)) listed.push_back(rec.id);
  EXPECT_EQ(ids, listed);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], i1);
  EXPECT_EQ(quantities[0], std::optional<std::int64_t>(3));
  EXPECT_EQ(found[0], std::optional<std::string>("2021-04"));
  EXPECT_EQ(found[1], std::nullopt);
  EXPECT_EQ(points[0], (core::Coord{30.005, 10.005}));

  double area = 0;
  core::Geometry g;
  reg.scan(hz, q, {"area_m2", "geom"}, [&](const store::ScanRow& r) {
    area = *r.real(0);
    ASSERT_TRUE(r.geometry(1, g));
  });
  EXPECT_EQ(area, *reg.list(hz, q).at(0).real("area_m2"));
  EXPECT_EQ(g.type, core::GeomType::MultiPolygon);
  EXPECT_THROW(reg.scan(it, q, {"no_such_field"}, [](const store::ScanRow&) {}), core::InputError);
}

}  // namespace
}  // namespace minemap::testing_gpkg
