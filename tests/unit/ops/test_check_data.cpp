// The swap detection of the data-quality report (ops/check_data.hpp): a point outside
// every area that falls inside one with its lon and lat exchanged.
#include <gtest/gtest.h>

#include "ops/check_data.hpp"

namespace minemap::ops {
namespace {

core::Geometry square(double lon, double lat, double side) {
  core::LineString ring{
      {lon, lat}, {lon + side, lat}, {lon + side, lat + side}, {lon, lat + side}, {lon, lat}};
  return core::Geometry::multipolygon({{ring}});
}

// Two adjacent areas: key 1 lon 20..21, key 2 lon 21..22, both lat 45..46.
index::ShapeIndex two_areas() {
  index::ShapeIndex::Builder b;
  b.add(1, square(20, 45, 1));
  b.add(2, square(21, 45, 1));
  return std::move(b).build();
}

TEST(SwapDetection, APointGivenLatLonFallsInsideWhenSwapped) {
  const auto areas = two_areas();
  EXPECT_EQ(swapped_into({45.5, 20.5}, areas), std::vector<std::int64_t>{1});
  EXPECT_EQ(swapped_into({45.5, 21.5}, areas), std::vector<std::int64_t>{2});
}

TEST(SwapDetection, APointInPlaceIsNotASwap) {
  const auto areas = two_areas();
  EXPECT_TRUE(swapped_into({20.5, 45.5}, areas).empty());
  // On the shared edge: inside both, as given.
  EXPECT_TRUE(swapped_into({21.0, 45.5}, areas).empty());
}

TEST(SwapDetection, APointOutsideEitherWayIsNotASwap) {
  const auto areas = two_areas();
  EXPECT_TRUE(swapped_into({30, 10}, areas).empty());
  // A swap that would give a latitude beyond 90 degrees is none.
  EXPECT_TRUE(swapped_into({120, 45.5}, areas).empty());
  EXPECT_TRUE(swapped_into({45.5, 20.5}, index::ShapeIndex{}).empty());
}

TEST(SwapDetection, OnTheSharedEdgeWhenSwappedBothAreasAreNamed) {
  const auto areas = two_areas();
  auto both = swapped_into({45.5, 21.0}, areas);
  std::sort(both.begin(), both.end());
  EXPECT_EQ(both, (std::vector<std::int64_t>{1, 2}));
}

TEST(DaysApart, ReducedPrecisionDatesCountTheirWholeSpan) {
  auto d = [](const char* s) { return *core::Date::try_parse(s); };
  EXPECT_EQ(days_apart(d("2020-02-02"), d("2020-02-02")), 0);
  EXPECT_EQ(days_apart(d("2020-02-02"), d("2020-02-05")), 3);
  EXPECT_EQ(days_apart(d("2020-03-01"), d("2020-02-28")), 2);  // a leap year
  EXPECT_EQ(days_apart(d("2020"), d("2020-07-14")), 0);        // 2020 may be that day
  EXPECT_EQ(days_apart(d("2020-01"), d("2020-02-03")), 3);
}

}  // namespace
}  // namespace minemap::ops
