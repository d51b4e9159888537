// bulk_load: the packed R-tree is a valid SQLite R-tree (rtreecheck), holds every
// feature's envelope, answers box queries like brute force, and the trigger comes
// back for later writes; the plain indexes dropped for a large load come back
// whole; a failed load leaves indexes and trigger as they were.
#include <sqlite3.h>

#include <random>

#include "core/errors.hpp"
#include "gpkg_fixture.hpp"
#include "store/gpkg/sqlite.hpp"

namespace minemap::testing_gpkg {
namespace {

Record item(int n, double x, double y) {
  Record r;
  r.id = "IT-" + std::to_string(100000 + n);
  r.fields["category"] = std::string("AP_MINE");
  r.geometry = core::Geometry::point(x, y);
  return r;
}

std::string scalar(const std::string& path, const std::string& sql) {
  store::gpkg::Db db(path, SQLITE_OPEN_READONLY);
  store::gpkg::Stmt s(db, sql);
  return s.step() ? s.column_text(0) : std::string();
}

// The CREATE statements of the items' and the audit trail's own indexes.
std::string index_sql(const std::string& path) {
  return scalar(path,
                "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE "
                "type = 'index' AND tbl_name IN ('items', 'audit') AND sql IS NOT NULL "
                "ORDER BY name)");
}

class BulkLoad : public GpkgTest {};

TEST_F(BulkLoad, PackedTreeIsValidAndAnswersLikeBruteForce) {
  auto& b = open();
  const auto& items = core::spec(core::Entity::Item);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> ux(20, 21), uy(45, 46);
  std::vector<core::Coord> pts;
  // Some rows through the trigger first: the rebuild must keep them too.
  b.transaction([&] {
    for (int i = 0; i < 100; ++i) {
      pts.push_back({ux(rng), uy(rng)});
      b.insert(items, item(i, pts.back().x, pts.back().y));
    }
  });
  const int n = 20000;
  const std::string indexes_before = index_sql(m_path);
  b.bulk_load(items, n - 100, [&] {
    for (int i = 100; i < n; ++i) {
      pts.push_back({ux(rng), uy(rng)});
      b.insert(items, item(i, pts.back().x, pts.back().y));
    }
  });
  close();
  EXPECT_EQ(scalar(m_path, "SELECT rtreecheck('rtree_items_geom')"), "ok");
  EXPECT_EQ(scalar(m_path, "SELECT count(*) FROM rtree_items_geom"), std::to_string(n));
  // The plain indexes, dropped for the load, are back as they were and hold every
  // row (integrity_check compares each index with its table).
  EXPECT_EQ(index_sql(m_path), indexes_before);
  EXPECT_EQ(scalar(m_path, "PRAGMA integrity_check"), "ok");
  // Loaded through a rollback journal (no one else had the file open), and back in
  // WAL mode after.
  EXPECT_EQ(scalar(m_path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar(m_path,
                   "SELECT count(*) FROM sqlite_master WHERE name = "
                   "'rtree_items_geom_insert'"),
            "1");
  auto& again = open();
  for (int q = 0; q < 20; ++q) {
    double x0 = ux(rng), y0 = uy(rng);
    core::Envelope box;
    box.expand(core::Coord{x0, y0});
    box.expand(core::Coord{x0 + 0.05, y0 + 0.03});
    store::ListQuery lq;
    lq.bbox = box;
    std::int64_t got = 0;
    again.for_each(items, lq, [&](const Record&) { ++got; });
    std::int64_t want = std::count_if(pts.begin(), pts.end(),
                                      [&](const core::Coord& p) { return box.contains(p); });
    EXPECT_EQ(got, want) << "query " << q;
  }
  // The trigger is back: a later insert lands in the index.
  again.transaction([&] { again.insert(items, item(n, 20.5, 45.5)); });
  close();
  EXPECT_EQ(scalar(m_path, "SELECT count(*) FROM rtree_items_geom"), std::to_string(n + 1));
  EXPECT_EQ(scalar(m_path, "SELECT rtreecheck('rtree_items_geom')"), "ok");
}

TEST_F(BulkLoad, FailedLoadLeavesIndexAndTrigger) {
  auto& b = open();
  const auto& items = core::spec(core::Entity::Item);
  b.transaction([&] { b.insert(items, item(1, 20.1, 45.1)); });
  const std::string indexes_before = index_sql(m_path);
  EXPECT_THROW(b.bulk_load(items, 5000,
                           [&] {
                             for (int i = 2; i < 3000; ++i) b.insert(items, item(i, 20.2, 45.2));
                             throw core::InputError("x", "bad feature");
                           }),
               core::InputError);
  close();
  EXPECT_EQ(scalar(m_path, "SELECT count(*) FROM items"), "1");
  EXPECT_EQ(scalar(m_path, "SELECT count(*) FROM rtree_items_geom"), "1");
  EXPECT_EQ(index_sql(m_path), indexes_before);
  EXPECT_EQ(scalar(m_path,
                   "SELECT count(*) FROM sqlite_master WHERE name = "
                   "'rtree_items_geom_insert'"),
            "1");
  EXPECT_EQ(scalar(m_path, "PRAGMA journal_mode"), "wal");
}

TEST_F(BulkLoad, LoadsBesideAReaderThroughTheLog) {
  auto& b = open();
  const auto& items = core::spec(core::Entity::Item);
  b.transaction([&] { b.insert(items, item(0, 20.1, 45.1)); });
  // Another program has the file open and reads while the load runs: the load
  // keeps the write-ahead log, and the reader sees the old rows until the commit.
  store::gpkg::Db reader(m_path, SQLITE_OPEN_READONLY);
  auto count = [&] {
    store::gpkg::Stmt s(reader, "SELECT count(*) FROM items");
    return s.step() ? s.column_int(0) : -1;
  };
  EXPECT_EQ(count(), 1);
  b.bulk_load(items, 6000, [&] {
    for (int i = 1; i <= 6000; ++i) b.insert(items, item(i, 20.2, 45.2));
    EXPECT_EQ(count(), 1);
  });
  EXPECT_EQ(count(), 6001);
  store::gpkg::Stmt mode(reader, "PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.column_text(0), "wal");
}

}  // namespace
}  // namespace minemap::testing_gpkg
