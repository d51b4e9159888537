// What a test needs from outside the project (a tool, the shared data): on a developer's
// machine a missing one skips the test with the reason; under CI=true it fails it, so
// that a green CI never hides a test that did not run.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace testing_support {

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace testing_support

// Skips (fails under CI=true) the current test unless `cond` holds; `what` says what is
// missing. Use it as a statement: MINEMAP_REQUIRE(fs::exists(p), p << " is missing");
#define MINEMAP_REQUIRE(cond, what)                               \
  do {                                                            \
    if (!(cond)) {                                                \
      if (::testing_support::in_ci()) {                           \
        FAIL() << what << " (a test may not skip under CI=true)"; \
      } else {                                                    \
        GTEST_SKIP() << what;                                     \
      }                                                           \
    }                                                             \
  } while (false)
