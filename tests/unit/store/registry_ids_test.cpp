// Ids the registry gives: the next number of the entity, skipping one that another
// program (QGIS) wrote behind minemap's back, with nothing half-written.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "common/temp_dir.hpp"
#include "store/gpkg/rtree.hpp"
#include "store/gpkg/sqlite.hpp"
#include "store/registry.hpp"

namespace {

using namespace minemap;

core::Record item(double x) {
  core::Record r;
  r.fields["category"] = std::string("AP_MINE");
  r.geometry = core::Geometry::point(x, 45.0);
  return r;
}

TEST(RegistryIds, GeneratedIdSkipsRowsWrittenBehindItsBack) {
  testing_support::TempDir dir;
  const std::string path = dir.file("s.gpkg");
  const auto& items = core::spec(core::Entity::Item);
  store::Actor who{"test"};
  {
    auto reg = store::Registry::open(path, true);
    EXPECT_EQ(reg.add(items, item(20.1), who).id, "IT-000001");
  }
  {
    store::gpkg::Db raw(path, SQLITE_OPEN_READWRITE);
    store::gpkg::register_st_functions(raw);  // the R-tree triggers call them
    raw.exec(
        "INSERT INTO items (id, workflow) VALUES ('IT-000002', 'draft'), ('IT-000003', 'draft')");
  }
  auto reg = store::Registry::open(path, false);
  EXPECT_EQ(reg.add(items, item(20.2), who).id, "IT-000004");
  EXPECT_EQ(reg.add(items, item(20.3), who).id, "IT-000005");
  // The skipped attempts left no trace: one audit entry per record written.
  EXPECT_EQ(reg.backend().audit("items", "IT-000002").size(), 0u);
  EXPECT_EQ(reg.backend().audit("items", "IT-000004").size(), 1u);
  EXPECT_EQ(reg.get(items, "IT-000002").workflow, "draft");
}

}  // namespace
