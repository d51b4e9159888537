// kill -9 during a large write, at random moments: the store reopens, SQLite's
// integrity check passes, and the write is entirely there or entirely absent.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "harness.hpp"

using namespace harness;

namespace {

std::string big_collection(int n) {
  std::string s = R"({"type":"FeatureCollection","features":[)";
  for (int i = 0; i < n; ++i) {
    if (i) s += ",";
    s +=
        R"({"type":"Feature","properties":{"category":"AP_MINE","model":"PMN-2","found":"2021-05"},)"
        R"("geometry":{"type":"Point","coordinates":[)" +
        std::to_string(20 + (i % 300) * 1e-4) + "," + std::to_string(45 + (i / 300) * 1e-4) + "]}}";
  }
  return s + "]}";
}

std::string scalar(const fs::path& db, const std::string& sql) {
  auto r = shell("sqlite3 " + quote(db.string()) + " " + quote(sql));
  return r.out.substr(0, r.out.find('\n'));
}

}  // namespace

TEST(Crash, KillDuringLargeWriteIsAllOrNothing) {
  TempDir d;
  auto store = d / "s.gpkg";
  auto input = d / "items.geojson";
  const int n = 20000;
  write_file(input, big_collection(n));
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);

  std::mt19937 rng(12345);
  int killed_midway = 0;
  long expected = 0;
  for (int round = 0; round < 5; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execl(bin().c_str(), "minemap", "add", store.c_str(), "items", input.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 900)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    bool finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!finished) ++killed_midway;
    if (finished) expected += n;

    EXPECT_EQ(scalar(store, "PRAGMA integrity_check"), "ok") << "round " << round;
    long items = std::stol(scalar(store, "SELECT count(*) FROM items"));
    long audit = std::stol(scalar(store, "SELECT count(*) FROM audit WHERE entity='items'"));
    long rtree = std::stol(scalar(store, "SELECT count(*) FROM rtree_items_geom"));
    EXPECT_EQ(items, expected) << "round " << round << (finished ? " finished" : " killed");
    EXPECT_EQ(audit, items);
    EXPECT_EQ(rtree, items);
  }
  // The test means something only if some writes were cut short.
  EXPECT_GT(killed_midway, 0);
  auto v = minemap({"verify", store.string()});
  EXPECT_EQ(v.code, 0) << v.err;
}
