// Overlay, validity and point-in-polygon on hand-made squares. Expected areas
// come from GeographicLib's Planimeter tool run on the expected shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "core/errors.hpp"
#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"
#include "unit/geo/shapes.hpp"

namespace minemap::geo {
namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;
using test::bowtie;
using test::box;
using test::polygon;
using test::rect;

// Planimeter, lat/lon order, e.g. printf "0 0\n0 0.01\n0.01 0.01\n0.01 0\n" | Planimeter -p 10
constexpr double kSquare = 1230907.20499;  // [0, 0.01] x [0, 0.01] (Planimeter prints 5 decimals)
constexpr double kUnion = 1846360.81339;   // [0, 0.015] x [0, 0.01]
constexpr double kHalf = 615453.60132;     // [0, 0.005] x [0, 0.01], either half
constexpr double kTolerance = 0.01;        // vertices added on the edges by the overlay
const Geometry kA = box(0, 0, 0.01, 0.01);
const Geometry kB = box(0.005, 0, 0.015, 0.01);  // overlaps the right half of A
const Geometry kC = box(0.02, 0, 0.03, 0.01);    // disjoint from A and B

TEST(GeometryOps, UnionOfOverlappingSquares) {
  Geometry u = union_all({kA, kB});
  EXPECT_EQ(u.type, GeomType::MultiPolygon);
  ASSERT_EQ(u.polygons.size(), 1u);
  EXPECT_NEAR(area_m2(u), kUnion, kTolerance);
}

TEST(GeometryOps, UnionOfDisjointSquaresKeepsBoth) {
  Geometry u = union_all({kA, kC, Geometry::point(5, 5)});  // the point has no area: ignored
  ASSERT_EQ(u.polygons.size(), 2u);
  EXPECT_NEAR(area_m2(u), 2 * kSquare, kTolerance);
}

TEST(GeometryOps, UnionOfNothingIsEmpty) {
  Geometry u = union_all({});
  EXPECT_EQ(u.type, GeomType::MultiPolygon);
  EXPECT_TRUE(u.empty());
}

TEST(GeometryOps, UnionRepairsInvalidInput) {
  Geometry u = union_all({bowtie(0, 0, 0.01), kC});
  EXPECT_GE(u.polygons.size(), 2u);
  EXPECT_NEAR(area_m2(u), kSquare / 2 + kSquare, 1.0);
}

TEST(GeometryOps, IntersectionOfOverlappingSquares) {
  Geometry i = intersection(kA, kB);
  EXPECT_EQ(i.type, GeomType::MultiPolygon);
  EXPECT_NEAR(area_m2(i), kHalf, kTolerance);
  EXPECT_TRUE(intersection(kA, kC).empty());
}

TEST(GeometryOps, IntersectionOfLineAndPolygon) {
  Geometry line;
  line.type = GeomType::LineString;
  line.lines = {{{-1, 0.005}, {1, 0.005}}};
  Geometry i = intersection(line, kA);
  ASSERT_EQ(i.type, GeomType::LineString);
  EXPECT_EQ(i.lines, (std::vector<core::LineString>{{{0, 0.005}, {0.01, 0.005}}}));
}

TEST(GeometryOps, RemainingArea) {
  EXPECT_NEAR(remaining_area_m2(kA, {}), kSquare, 1e-4);
  EXPECT_NEAR(remaining_area_m2(kA, {kB}), kHalf, kTolerance);
  EXPECT_NEAR(remaining_area_m2(kA, {kC}), kSquare, 1e-4);
  // Two releases that overlap each other count once.
  EXPECT_NEAR(remaining_area_m2(kA, {kB, box(0.006, 0, 0.02, 0.01)}), kHalf, kTolerance);
  // Released more than the hazard: nothing left, never negative.
  EXPECT_EQ(remaining_area_m2(kA, {box(-1, -1, 1, 1)}), 0);
  EXPECT_EQ(remaining_area_m2(kA, {kA}), 0);
}

TEST(GeometryOps, ValidityAndReason) {
  std::string reason = "stale";
  EXPECT_TRUE(is_valid(kA, &reason));
  EXPECT_EQ(reason, "");
  EXPECT_FALSE(is_valid(bowtie(0, 0, 1), &reason));
  EXPECT_EQ(reason, "Self-intersection[0.5 0.5]");
  EXPECT_FALSE(is_valid(bowtie(0, 0, 1)));
}

TEST(GeometryOps, CollapsedRingIsInvalid) {
  Geometry g = polygon({{{0, 0}, {1, 1}, {0, 0}}});
  std::string reason;
  EXPECT_FALSE(is_valid(g, &reason));
  EXPECT_EQ(reason, "Too few points in geometry component[0 0]");
  EXPECT_TRUE(make_valid(g).empty());
}

TEST(GeometryOps, UnbuildableGeometryIsInvalidNotFatal) {
  Geometry g = polygon({{{0, 0}, {1, 0}, {1, 1}}});  // GEOS refuses an open ring
  std::string reason;
  EXPECT_FALSE(is_valid(g, &reason));
  EXPECT_NE(reason.find("geometry: ring failed:"), std::string::npos) << reason;
  EXPECT_THROW(make_valid(g), core::InputError);
  EXPECT_THROW(intersection(g, kA), core::InputError);
  // A good shell built before its bad hole is freed again (the sanitizer build checks).
  EXPECT_FALSE(is_valid(polygon({rect(0, 0, 10, 10), {{1, 1}, {2, 1}, {2, 2}}}), &reason));
  EXPECT_THROW(union_all({kA, polygon({rect(0, 0, 10, 10), {{1, 1}, {2, 1}, {2, 2}}})}),
               core::InputError);
  Geometry line;
  line.type = GeomType::LineString;
  line.lines = {{{0, 0}}};  // one point
  EXPECT_FALSE(is_valid(line, &reason));
  EXPECT_FALSE(reason.empty());
}

TEST(GeometryOps, MakeValidSplitsBowtie) {
  Geometry fixed = make_valid(bowtie(0, 0, 1));
  EXPECT_EQ(fixed.type, GeomType::MultiPolygon);
  EXPECT_EQ(fixed.polygons.size(), 2u);
  EXPECT_TRUE(is_valid(fixed));
}

TEST(GeometryOps, MakeValidDropsCollapsedPolygon) {
  Geometry spike = polygon({{{0, 0}, {1, 0}, {2, 0}, {1, 0}, {0, 0}}});
  Geometry fixed = make_valid(spike);
  EXPECT_EQ(fixed.type, GeomType::MultiPolygon);
  EXPECT_TRUE(fixed.empty());
}

TEST(GeometryOps, MakeValidKeepsValidGeometry) {
  EXPECT_NEAR(area_m2(make_valid(kA)), kSquare, 1e-4);
  EXPECT_EQ(make_valid(Geometry::point(1, 2)), Geometry::point(1, 2));
}

TEST(GeometryOps, WorksFromManyThreads) {
  // One GEOS context per thread: concurrent use must neither race nor leak.
  std::vector<std::thread> threads;
  std::vector<double> areas(4);
  for (std::size_t t = 0; t < areas.size(); ++t)
    threads.emplace_back([&areas, t] {
      for (int i = 0; i < 50; ++i) areas[t] = remaining_area_m2(kA, {kB});
    });
  for (auto& th : threads) th.join();
  for (double a : areas) EXPECT_NEAR(a, kHalf, kTolerance);
}

// ---- covers ----

Geometry square_with_hole() {
  core::LineString hole = rect(4, 4, 6, 6);
  std::reverse(hole.begin(), hole.end());
  return polygon({rect(0, 0, 10, 10), hole});
}

TEST(Covers, VerticesAndEdgesCountAsInside) {
  Geometry g = square_with_hole();
  for (Coord c : {Coord{0, 0}, Coord{10, 0}, Coord{10, 10}, Coord{0, 10}})
    EXPECT_TRUE(covers(g, c)) << c.x << " " << c.y;
  for (Coord c : {Coord{5, 0}, Coord{10, 3.3}, Coord{7.25, 10}, Coord{0, 9.999}})
    EXPECT_TRUE(covers(g, c)) << c.x << " " << c.y;
  EXPECT_TRUE(covers(g, {1, 1}));
  EXPECT_TRUE(covers(g, {5, 2}));  // level with the hole's vertices' y but beside it
}

TEST(Covers, HolesAndOutside) {
  Geometry g = square_with_hole();
  EXPECT_FALSE(covers(g, {5, 5}));     // in the hole
  EXPECT_TRUE(covers(g, {4, 4}));      // hole vertex
  EXPECT_TRUE(covers(g, {6, 5}));      // hole edge
  EXPECT_TRUE(covers(g, {4.5, 6}));    // hole edge
  EXPECT_FALSE(covers(g, {-0.1, 5}));  // outside
  EXPECT_FALSE(covers(g, {5, 10.5}));
  EXPECT_FALSE(covers(g, {20, 0}));  // on the line of an edge, beyond its end
}

TEST(Covers, OneUlpMatters) {
  Geometry g = box(104.1, 13.1, 104.2, 13.2);
  EXPECT_TRUE(covers(g, {104.2, 13.15}));
  EXPECT_FALSE(covers(g, {std::nextafter(104.2, 200.0), 13.15}));
  EXPECT_TRUE(covers(g, {std::nextafter(104.2, 0.0), 13.15}));
  EXPECT_TRUE(covers(g, {104.1, 13.1}));
  EXPECT_FALSE(covers(g, {104.1, std::nextafter(13.1, 0.0)}));
}

TEST(Covers, DiagonalEdgesExactly) {
  Geometry tri = polygon({{{0, 0}, {0.3, 0.1}, {0.1, 0.3}, {0, 0}}});
  // Exactly on the diagonals through the origin.
  EXPECT_TRUE(covers(tri, {0.15, 0.05}));
  // On the real line x + y = 0.4 but not on the double edge: the doubles 0.2 + 0.2
  // add up to more than 0.1 + 0.3, which puts the point just outside.
  EXPECT_FALSE(covers(tri, {0.2, 0.2}));
  EXPECT_TRUE(covers(tri, {0.3, 0.1}));
  EXPECT_TRUE(covers(tri, {0.1, 0.3}));
  EXPECT_TRUE(covers(tri, {0.1, 0.1}));
  // One ulp left of (0.2, 0.2) the coordinates add up to exactly 0.1 + 0.3: on the edge.
  EXPECT_TRUE(covers(tri, {std::nextafter(0.2, 0.0), 0.2}));
  EXPECT_TRUE(covers(tri, {0.2, std::nextafter(0.2, 0.0)}));
}

TEST(Covers, MultiPolygonAndOtherTypes) {
  Geometry g = Geometry::multipolygon({{rect(0, 0, 1, 1)}, {rect(5, 5, 6, 6)}});
  EXPECT_TRUE(covers(g, {5.5, 5.5}));
  EXPECT_TRUE(covers(g, {1, 0.5}));
  EXPECT_FALSE(covers(g, {3, 3}));
  EXPECT_FALSE(covers(Geometry::point(1, 1), {1, 1}));
  EXPECT_FALSE(covers(Geometry::multipolygon({}), {0, 0}));
}

TEST(Covers, OpenRingIsTreatedAsClosed) {
  Geometry g = polygon({{{0, 0}, {2, 0}, {2, 2}, {0, 2}}});
  EXPECT_TRUE(covers(g, {1, 1}));
  EXPECT_TRUE(covers(g, {0, 1}));  // on the implied closing edge
  EXPECT_FALSE(covers(g, {-1, 1}));
}

}  // namespace
}  // namespace minemap::geo
