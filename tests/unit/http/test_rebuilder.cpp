// The snapshot rebuilder: readers get the published snapshot at once while a newer one
// is built (a build held on a latch shows it without any timing), one build at a time,
// the newest version wanted built next, failures logged and retried, and a stop that
// waits for the build in progress.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "http/rebuilder.hpp"

namespace {

using minemap::http::Rebuilder;

struct Snap {
  std::int64_t version;
};

// Builds record their versions; the build of `hold_version` waits for `release`.
struct Builds {
  std::mutex mutex;
  std::vector<std::int64_t> versions;
  std::vector<std::string> log;
  std::int64_t hold_version = -1;
  std::latch started{1}, release{1};
  int fail = 0;  // the next builds that throw

  std::shared_ptr<const Snap> build(std::int64_t v) {
    {
      std::lock_guard lock(mutex);
      versions.push_back(v);
      if (fail > 0) {
        --fail;
        throw std::runtime_error("disk on fire");
      }
    }
    if (v == hold_version) {
      started.count_down();
      release.wait();
    }
    return std::make_shared<const Snap>(Snap{v});
  }
  std::vector<std::int64_t> built() {
    std::lock_guard lock(mutex);
    return versions;
  }
  Rebuilder<Snap>::Log logger() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex);
      log.push_back(line);
    };
  }
};

TEST(Rebuilder, TheFirstRequestWaitsLaterOnesGetTheOldSnapshotWhileANewOneIsBuilt) {
  Builds b;
  b.hold_version = 2;
  Rebuilder<Snap> r([&](std::int64_t v) { return b.build(v); }, b.logger());
  EXPECT_EQ(r.current(), nullptr);
  const auto first = r.get(1);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(r.get(1), first);  // nothing changed: no build
  EXPECT_EQ(r.get(0), first);  // an older version: the newer snapshot does

  // The data changed: the old snapshot at once, and a rebuild that is held.
  EXPECT_EQ(r.get(2), first);
  b.started.wait();
  EXPECT_EQ(r.get(2), first);
  EXPECT_EQ(r.current(), first);
  // Changed twice more during the rebuild: one more build follows, of the newest.
  EXPECT_EQ(r.get(3), first);
  EXPECT_EQ(r.get(4), first);
  EXPECT_EQ(r.get(4), first);
  b.release.count_down();
  const auto fourth = r.get_fresh(4);
  EXPECT_EQ(fourth->version, 4);
  EXPECT_EQ(r.get(4), fourth);
  EXPECT_EQ(r.current_version(), 4);
  EXPECT_EQ(b.built(), (std::vector<std::int64_t>{1, 2, 4}));
  EXPECT_TRUE(b.log.empty());
}

TEST(Rebuilder, GetWithinGivesTheNewSnapshotWhenItIsBuiltInTimeElseTheOldOne) {
  Builds b;
  b.hold_version = 3;
  Rebuilder<Snap> r([&](std::int64_t v) { return b.build(v); }, b.logger());
  const auto first = r.get_within(1, std::chrono::milliseconds(0));  // none yet: waits
  EXPECT_EQ(first->version, 1);
  // A build that is not held ends within a generous patience: the new snapshot.
  EXPECT_EQ(r.get_within(2, std::chrono::minutes(1))->version, 2);
  // A build held on the latch does not: the one published, once the patience is over.
  const auto second = r.current();
  EXPECT_EQ(r.get_within(3, std::chrono::milliseconds(1)), second);
  b.started.wait();
  EXPECT_EQ(r.get_within(3, std::chrono::milliseconds(1)), second);
  b.release.count_down();
  EXPECT_EQ(r.get_within(3, std::chrono::minutes(1))->version, 3);
  EXPECT_EQ(b.built(), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST(Rebuilder, AFailedBuildIsLoggedAndTriedAgainWhileTheOldSnapshotIsServed) {
  Builds b;
  Rebuilder<Snap> r([&](std::int64_t v) { return b.build(v); }, b.logger(),
                    std::chrono::milliseconds(1));
  const auto first = r.get(1);
  b.fail = 2;
  EXPECT_EQ(r.get(2), first);
  std::shared_ptr<const Snap> second;
  // get_fresh reports a failure that happens while it waits; the build is retried.
  for (int i = 0; i < 3 && !second; ++i) {
    try {
      second = r.get_fresh(2);
    } catch (const minemap::core::Error& e) {
      EXPECT_NE(std::string(e.what()).find("disk on fire"), std::string::npos) << e.what();
      EXPECT_EQ(r.current(), first);
    }
  }
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->version, 2);
  EXPECT_EQ(b.built(), (std::vector<std::int64_t>{1, 2, 2, 2}));
  std::lock_guard lock(b.mutex);
  ASSERT_EQ(b.log.size(), 2u);
  EXPECT_NE(b.log[0].find("disk on fire"), std::string::npos) << b.log[0];
  EXPECT_NE(b.log[0].find("version 2"), std::string::npos) << b.log[0];
}

TEST(Rebuilder, AFailedFirstBuildIsAnErrorForItsRequest) {
  Builds b;
  b.fail = 1;
  // The next try in an hour: the request sees the failure (the stop at the end of the
  // test does not wait for the hour).
  Rebuilder<Snap> r([&](std::int64_t v) { return b.build(v); }, b.logger(), std::chrono::hours(1));
  try {
    r.get(1);
    ADD_FAILURE() << "no error";
  } catch (const minemap::core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("disk on fire"), std::string::npos) << e.what();
  }
  EXPECT_EQ(r.current(), nullptr);
  std::lock_guard lock(b.mutex);
  EXPECT_EQ(b.log.size(), 1u);
}

TEST(Rebuilder, StopWaitsForTheBuildInProgressAndReleasesWaitingReaders) {
  Builds b;
  b.hold_version = 1;
  auto r =
      std::make_unique<Rebuilder<Snap>>([&](std::int64_t v) { return b.build(v); }, b.logger());
  std::atomic<int> outcome{0};  // 1: a snapshot, 2: an error
  std::thread reader([&] {
    try {
      outcome = r->get(1) ? 1 : 0;
    } catch (const minemap::core::Error&) {
      outcome = 2;
    }
  });
  b.started.wait();
  std::thread stopper([&] { r->stop(); });
  b.release.count_down();
  stopper.join();
  reader.join();
  EXPECT_NE(outcome.load(), 0);
  r.reset();  // stopped already: the destructor joins nothing twice
  // A rebuilder stopped before its first request never starts a thread.
  Rebuilder<Snap> idle([&](std::int64_t v) { return b.build(v); }, b.logger());
  idle.stop();
  EXPECT_THROW(idle.get(1), minemap::core::Error);
}

}  // namespace
