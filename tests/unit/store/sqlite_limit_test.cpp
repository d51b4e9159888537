// Db::limit_steps (src/store/gpkg/sqlite.hpp): a query of a file from outside that runs
// too long is interrupted, and the connection goes on serving short ones.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/gpkg/sqlite.hpp"

namespace {

using namespace minemap::store::gpkg;

TEST(SqliteLimit, AnEndlessQueryIsInterruptedAndTheNextOneRuns) {
  Db db(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  db.exec(
      "CREATE VIEW endless AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) "
      "SELECT n FROM c WHERE n < 0");
  db.limit_steps(1'000'000);
  Stmt endless(db, "SELECT n FROM endless");
  try {
    endless.step();
    ADD_FAILURE() << "not interrupted";
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.code(), SQLITE_INTERRUPT) << e.what();
  }
  endless.reset();
  // Each step has the whole budget: many short ones pass.
  Stmt one(db, "SELECT 1");
  for (int i = 0; i < 10000; ++i) {
    ResetOnExit r(one);
    ASSERT_TRUE(one.step());
  }
  db.limit_steps(0);
  Stmt count(db,
             "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 200000) "
             "SELECT count(*) FROM c");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.column_int(0), 200000);
}

}  // namespace
