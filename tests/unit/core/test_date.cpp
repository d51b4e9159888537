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

using minemap::core::check_date_format;
using minemap::core::date_hint;
using minemap::core::parse_date_format;
using minemap::core::parse_iso_datetime;

TEST(Date, IsoDateTimesGiveTheirDateAndTime) {
  auto midnight = parse_iso_datetime("2005-01-01T00:00:00Z");
  ASSERT_TRUE(midnight);
  EXPECT_EQ(midnight->date, (Date{2005, 1, 1}));
  EXPECT_EQ(midnight->time, "00:00");
  auto spaced = parse_iso_datetime("2006-02-03 13:45");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->time, "13:45");
  auto offset = parse_iso_datetime("2006-02-03T09:15:30.25+04:00");
  ASSERT_TRUE(offset);
  EXPECT_EQ(offset->date.to_string(), "2006-02-03");
  EXPECT_EQ(offset->time, "09:15");
  auto year = parse_iso_datetime("2012");
  ASSERT_TRUE(year);
  EXPECT_EQ(year->time, "");
  for (const char* bad : {"2005-01-01T25:00:00", "2005-01T10:00", "2005-01-01T", "2005-01-01X10:00",
                          "2005-01-01T10:61", "2005-01-01T10:00:00+4"})
    EXPECT_FALSE(parse_iso_datetime(bad)) << bad;
}

TEST(Date, FormatsReadDatesAsExportsWriteThem) {
  auto d = parse_date_format("25/12/2005", "%d/%m/%Y", "date");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->date.to_string(), "2005-12-25");
  EXPECT_EQ(d->time, "");
  EXPECT_FALSE(parse_date_format("12/25/2005", "%d/%m/%Y", "date"));
  EXPECT_EQ(parse_date_format("12/25/2005", "%m/%d/%Y", "date")->date.to_string(), "2005-12-25");
  EXPECT_EQ(parse_date_format("3.4.2005", "%d.%m.%Y", "date")->date.to_string(), "2005-04-03");
  EXPECT_FALSE(parse_date_format("31.04.2005", "%d.%m.%Y", "date"));  // no such day
  EXPECT_FALSE(parse_date_format("25/12/2005 extra", "%d/%m/%Y", "date"));
  EXPECT_EQ(parse_date_format("2005", "%Y", "date")->date.to_string(), "2005");
  EXPECT_EQ(parse_date_format("05/2005", "%m/%Y", "date")->date.to_string(), "2005-05");
  auto timed = parse_date_format("03/04/2005 14:30", "%d/%m/%Y %H:%M", "date");
  ASSERT_TRUE(timed);
  EXPECT_EQ(timed->time, "14:30");
  EXPECT_FALSE(parse_date_format("03/04/2005 24:30", "%d/%m/%Y %H:%M", "date"));
  EXPECT_THROW(check_date_format("%d/%q/%Y", "--date-format"), InputError);
  EXPECT_THROW(check_date_format("%d/%m", "--date-format"), InputError);
  EXPECT_THROW(check_date_format("%Y-%", "--date-format"), InputError);
  EXPECT_NO_THROW(check_date_format("%Y%%", "--date-format"));
}

TEST(Date, HintsSayWhetherDayAndMonthCanBeTold) {
  EXPECT_NE(date_hint("03/04/2005").find("ambiguous"), std::string::npos);
  EXPECT_NE(date_hint("03/04/2005").find("%d/%m/%Y or %m/%d/%Y"), std::string::npos);
  EXPECT_EQ(date_hint("25/12/2005"), "read it with --date-format %d/%m/%Y");
  EXPECT_EQ(date_hint("12/25/2005"), "read it with --date-format %m/%d/%Y");
  EXPECT_EQ(date_hint("04.04.2005"), "read it with --date-format %d.%m.%Y");
  EXPECT_EQ(date_hint("25/12/2005 14:30"), "read it with --date-format \"%d/%m/%Y %H:%M\"");
  EXPECT_NE(date_hint("03/04/2005 14:30:10").find("\"%m/%d/%Y %H:%M:%S\""), std::string::npos);
  EXPECT_EQ(date_hint("hello"), "");
  EXPECT_EQ(date_hint("2005/12/25"), "");
}
