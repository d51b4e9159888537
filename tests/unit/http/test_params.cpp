// The query parameters of the HTTP API: what they accept and what they refuse, naming
// the parameter.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "http/params.hpp"

using namespace minemap;

TEST(Params, DatetimeTimesMustBeTimes) {
  for (const std::string ok :
       {"2020-01-01T12:30:00Z", "2020-01-01T23:59:60Z", "2020-01-01T00:00:00.125+04:00",
        "2020-01-01T12:30:00", "2020-01-01t12:30:00z", "2020-01-01T12:30:00Z/.."}) {
    auto r = http::parse_datetime("found", ok);
    ASSERT_TRUE(r.from) << ok;
    EXPECT_EQ(*r.from, "2020-01-01") << ok;
  }
  for (const std::string bad :
       {"2020-01-01T99:99:99Z", "2020-01-01T24:00:00Z", "2020-01-01T12:60:00Z", "2020-01-01T12:30",
        "2020-01-01T", "2020-01-01T12:30:00.Z", "2020-01-01T12:30:00+4:00",
        "2020-01-01T12:30:00Zjunk", "2020-01-01Tnoon", "2019/2020-01-01T25:00:00Z"}) {
    try {
      http::parse_datetime("found", bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const core::InputError& e) {
      EXPECT_EQ(e.field(), "datetime") << bad;
    }
  }
}
