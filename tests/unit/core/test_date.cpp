#include <gtest/gtest.h>

#include "core/date.hpp"
#include "core/errors.hpp"

using minemap::core::Date;
using minemap::core::InputError;

TEST(Date, ParsesReducedPrecision) {
  EXPECT_EQ(Date::parse("2012", "d"), (Date{2012, 0, 0}));
  EXPECT_EQ(Date::parse("2012-05", "d"), (Date{2012, 5, 0}));
  EXPECT_EQ(Date::parse("2012-05-14", "d"), (Date{2012, 5, 14}));
  EXPECT_EQ(Date::parse("2012-05", "d").to_string(), "2012-05");
  EXPECT_EQ(Date::parse("2024-02-29", "d").to_string(), "2024-02-29");
}

TEST(Date, RejectsWhatIsNotADay) {
  for (const char* bad : {"2012-13", "2012-00", "2023-02-29", "2012-04-31", "12-05-2012",
                          "20120514", "2012/05/14", "", "abcd", "2012-5-1", "0999"}) {
    EXPECT_FALSE(Date::try_parse(bad).has_value()) << bad;
  }
  try {
    Date::parse("2012-13", "accident.date");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "accident.date");
    EXPECT_NE(std::string(e.what()).find("2012-13"), std::string::npos);
  }
}

TEST(Date, OrderAndBounds) {
  EXPECT_LT(Date::parse("2012", "d").first_day(), Date::parse("2012-01-02", "d"));
  EXPECT_EQ(Date::parse("2012-05", "d").quarter(), 2);
  EXPECT_EQ(Date::parse("2012", "d").quarter(), 0);
  EXPECT_EQ(Date::parse("2012", "d").last_day(), (Date{2012, 12, 31}));
  EXPECT_EQ(Date::parse("2012-02", "d").last_day(), (Date{2012, 2, 29}));
  EXPECT_EQ(Date::parse("2100-02", "d").last_day(), (Date{2100, 2, 28}));
  EXPECT_EQ(Date::parse("2012-04-30", "d").last_day(), (Date{2012, 4, 30}));
}
