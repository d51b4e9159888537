// Geodesic distances and areas against figures from GeographicLib's own command
// line tools (GeodSolve, Planimeter; Debian geographiclib-tools), not from this code.
#include <gtest/gtest.h>

#include <algorithm>

#include "geo/geodesy.hpp"
#include "unit/geo/shapes.hpp"

namespace minemap::geo {
namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;
using test::rect;

TEST(Geodesy, DistanceOfOneDegreeOnTheEquator) {
  // echo "0 0 0 1" | GeodSolve -i -p 6
  EXPECT_NEAR(distance_m({0, 0}, {1, 0}), 111319.490793, 1e-6);
}

TEST(Geodesy, DistanceOfOneDegreeOfLatitude) {
  // echo "0 0 1 0" | GeodSolve -i -p 6
  EXPECT_NEAR(distance_m({0, 0}, {0, 1}), 110574.388558, 1e-6);
  // Equator to pole: the quarter meridian, 10001965.729313 m on WGS 84.
  EXPECT_NEAR(distance_m({0, 0}, {0, 90}), 10001965.729313, 1e-6);
  EXPECT_EQ(distance_m({104.5, 13.25}, {104.5, 13.25}), 0);
}

TEST(Geodesy, AreaOfOneDegreeCellAtTheEquator) {
  // printf "0 0\n0 1\n1 1\n1 0\n" | Planimeter -p 10 -> 12308778361.46945
  EXPECT_NEAR(area_m2(test::box(0, 0, 1, 1)), 12308778361.46945, 1e-3);
}

TEST(Geodesy, AreaIgnoresOrientationAndClosingVertex) {
  core::LineString ccw = rect(104, 13, 104.01, 13.01);
  core::LineString cw(ccw.rbegin(), ccw.rend());
  core::LineString open(ccw.begin(), ccw.end() - 1);
  // Planimeter: 1200148.55980 m²
  EXPECT_NEAR(polygon_area_m2({ccw}), 1200148.55980, 1e-4);
  EXPECT_NEAR(polygon_area_m2({cw}), 1200148.55980, 1e-4);
  EXPECT_NEAR(polygon_area_m2({open}), 1200148.55980, 1e-4);
}

TEST(Geodesy, AreaSubtractsHolesAndSumsParts) {
  // Planimeter: cell 12308778361.46945; hole [0.25, 0.75]² 3077164136.65458;
  // [5, 6] x [52, 53] 7556565706.23340.
  core::LineString hole = rect(0.25, 0.25, 0.75, 0.75);
  std::reverse(hole.begin(), hole.end());  // holes are clockwise by convention
  Geometry g = Geometry::multipolygon({{rect(0, 0, 1, 1), hole}, {rect(5, 52, 6, 53)}});
  EXPECT_NEAR(area_m2(g), 12308778361.46945 - 3077164136.65458 + 7556565706.23340, 1e-2);
}

TEST(Geodesy, AreaOfNonPolygonsIsZero) {
  EXPECT_EQ(area_m2(Geometry::point(1, 2)), 0);
  Geometry line;
  line.type = GeomType::LineString;
  line.lines = {rect(0, 0, 1, 1)};
  EXPECT_EQ(area_m2(line), 0);
  EXPECT_EQ(area_m2(Geometry::multipolygon({})), 0);
  EXPECT_EQ(polygon_area_m2({{{0, 0}, {1, 1}, {0, 0}}}), 0);  // a degenerate ring
}

TEST(Geodesy, Destination) {
  Coord east = destination({0, 0}, 90, 111319.490793);
  EXPECT_NEAR(east.x, 1, 1e-9);
  EXPECT_NEAR(east.y, 0, 1e-9);
  // echo "13 104 45 1000" | GeodSolve -p 9 -> 13.00639152536585 104.00651819579400
  Coord ne = destination({104, 13}, 45, 1000);
  EXPECT_NEAR(ne.x, 104.00651819579400, 1e-12);
  EXPECT_NEAR(ne.y, 13.00639152536585, 1e-12);
  EXPECT_NEAR(distance_m({104, 13}, ne), 1000, 1e-6);
}

}  // namespace
}  // namespace minemap::geo
