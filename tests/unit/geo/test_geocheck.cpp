// Write-time geometry checks: every rejection with its message, every repair
// with its note.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "geo/geocheck.hpp"
#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"
#include "unit/geo/shapes.hpp"

namespace minemap::geo {
namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;

Geometry poly(core::LineString ring) {
  return test::polygon({std::move(ring)});
}

// A square of 0.01° (about 1.1 km) a side.
core::LineString square() {
  return {{30, 10}, {30.01, 10}, {30.01, 10.01}, {30, 10.01}, {30, 10}};
}

// The message of the InputError that check_geometry throws, or "" when it accepts.
std::string rejection(const Geometry& g, const std::string& field = "geometry") {
  try {
    check_geometry(g, field);
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), field);
    return e.what();
  }
  return "";
}

TEST(Geocheck, AcceptsValidGeometryUnchanged) {
  for (const Geometry& g :
       {poly(square()), Geometry::point(104.9, 11.55), Geometry::multipolygon({{square()}})}) {
    CheckedGeometry c = check_geometry(g);
    EXPECT_EQ(c.geometry, g);
    EXPECT_TRUE(c.repairs.empty());
  }
  Geometry none;
  EXPECT_EQ(check_geometry(none).geometry, none);
}

TEST(Geocheck, RejectsCoordinatesOutOfRange) {
  EXPECT_EQ(rejection(Geometry::point(200, 10)), "geometry: coordinate (200 10) out of range");
  EXPECT_EQ(rejection(Geometry::point(10, -90.5)), "geometry: coordinate (10 -90.5) out of range");
  EXPECT_EQ(rejection(Geometry::point(std::numeric_limits<double>::quiet_NaN(), 1)),
            "geometry: coordinate (nan 1) out of range");
  EXPECT_EQ(rejection(Geometry::point(180, 90)), "");
  EXPECT_EQ(rejection(Geometry::point(-180, -90)), "");
  core::LineString ring = square();
  ring[2] = {30.01, 91};
  EXPECT_EQ(rejection(poly(ring)),
            "geometry: polygon 0 ring 0 vertex 2: coordinate (30.01 91) out of range");
  Geometry mp;
  mp.type = GeomType::MultiPoint;
  mp.points = {{1, 1}, {1, std::numeric_limits<double>::infinity()}};
  EXPECT_EQ(rejection(mp), "geometry: point 1: coordinate (1 inf) out of range");
}

TEST(Geocheck, FieldNameLeadsTheMessage) {
  EXPECT_EQ(rejection(Geometry::point(200, 10), "features[3].geometry"),
            "features[3].geometry: coordinate (200 10) out of range");
}

TEST(Geocheck, LinesNeedTwoDistinctPoints) {
  Geometry l;
  l.type = GeomType::MultiLineString;
  l.lines = {{{1, 1}, {1, 2}}, {{3, 3}, {3, 3}}};
  EXPECT_EQ(rejection(l), "geometry: line 1: fewer than 2 distinct points");
  l.lines.pop_back();
  EXPECT_EQ(rejection(l), "");
}

TEST(Geocheck, ClosesOpenRing) {
  core::LineString open = square();
  open.pop_back();
  CheckedGeometry c = check_geometry(poly(open));
  EXPECT_EQ(c.geometry, poly(square()));
  EXPECT_EQ(c.repairs, std::vector<std::string>{"ring 0 of polygon 0 closed"});
}

TEST(Geocheck, NamesPolygonAndRingOfTheOpenRing) {
  core::LineString hole = {{30.004, 10.004}, {30.004, 10.006}, {30.006, 10.006}, {30.006, 10.004}};
  Geometry g = Geometry::multipolygon({{square()}, {square(), hole}});
  g.polygons[1][0] = {{31, 10}, {31.01, 10}, {31.01, 10.01}, {31, 10.01}, {31, 10}};
  for (auto& c : g.polygons[1][1]) c.x += 1;
  CheckedGeometry c = check_geometry(g);
  EXPECT_EQ(c.repairs, std::vector<std::string>{"ring 1 of polygon 1 closed"});
  EXPECT_EQ(c.geometry.polygons[1][1].size(), 5u);
}

TEST(Geocheck, RejectsRingWithFewerThanThreeDistinctVertices) {
  EXPECT_EQ(rejection(poly({{30, 10}, {30.01, 10}, {30, 10}})),
            "geometry: polygon 0 ring 0: fewer than 3 distinct vertices (2)");
  EXPECT_EQ(rejection(poly({{30, 10}})),
            "geometry: polygon 0 ring 0: fewer than 3 distinct vertices (1)");
  Geometry empty_ring = poly(core::LineString{});
  EXPECT_EQ(rejection(empty_ring),
            "geometry: polygon 0 ring 0: fewer than 3 distinct vertices (0)");
}

TEST(Geocheck, RejectsDuplicateConsecutiveVertex) {
  core::LineString ring = square();
  ring.insert(ring.begin() + 2, ring[2]);
  EXPECT_EQ(rejection(poly(ring)),
            "geometry: polygon 0 ring 0 vertex 3: duplicate consecutive vertex (30.01 10.01)");
}

TEST(Geocheck, RejectsLongJump) {
  // echo "10 30 10 30.1" | GeodSolve -i -p 3 -> 10963.936 m
  core::LineString ring = {{30, 10}, {30.1, 10}, {30.1, 10.01}, {30, 10.01}, {30, 10}};
  EXPECT_EQ(rejection(poly(ring)),
            "geometry: polygon 0 ring 0 vertex 1 (30.1 10): jump of 10963.9 m from the previous "
            "vertex (more than 5000 m)");
  // 5530 m (GeodSolve: 5530.397) in the hole of the second polygon.
  core::LineString big = {{30, 10}, {30.04, 10}, {30.04, 10.04}, {30, 10.04}, {30, 10}};
  core::LineString ok = {{30.001, 10.001}, {30.001, 10.002}, {30.002, 10.002}, {30.001, 10.001}};
  core::LineString jump = {{30.001, 10.001}, {30.001, 10.051}, {30.002, 10.002}, {30.001, 10.001}};
  EXPECT_NE(rejection(Geometry::multipolygon({{big, ok}, {big, jump}}))
                .find("polygon 1 ring 1 vertex 1 (30.001 10.051): jump of "),
            std::string::npos);
  // Just under the limit passes.
  Coord far = destination({30, 10}, 0, kMaxVertexJumpM - 1);
  EXPECT_EQ(rejection(poly({{30, 10}, far, {30.0001, far.y}, {30, 10}})), "");
}

TEST(Geocheck, JumpLimitCanBeLifted) {
  // A district of 0.2° a side: edges of 15.8 km.
  Geometry district = test::box(19.9, 44.9, 20.1, 45.1);
  EXPECT_NE(rejection(district).find("jump of 15796.8 m"), std::string::npos);
  EXPECT_TRUE(check_geometry(district, "geometry", std::numeric_limits<double>::infinity())
                  .repairs.empty());
  try {
    check_geometry(poly(square()), "geometry", 500);
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("(more than 500 m)"), std::string::npos) << e.what();
  }
}

TEST(Geocheck, RepairsBowtie) {
  // Two triangles meeting at (30.005 10.005); Planimeter gives 303171.89448 m² and
  // 303167.26737 m² for them.
  Geometry bowtie = poly({{30, 10}, {30.01, 10.01}, {30.01, 10}, {30, 10.01}, {30, 10}});
  CheckedGeometry c = check_geometry(bowtie);
  EXPECT_EQ(c.geometry.type, GeomType::MultiPolygon);
  ASSERT_EQ(c.geometry.polygons.size(), 2u);
  EXPECT_NEAR(area_m2(c.geometry), 303171.89448 + 303167.26737, 0.5);
  ASSERT_EQ(c.repairs.size(), 1u);
  // The two lobes wind opposite ways: their signed areas nearly cancel before repair.
  EXPECT_EQ(c.repairs[0],
            "self-intersection at (30.005 10.005) repaired by make-valid into 2 polygon(s); "
            "area " +
                std::to_string(static_cast<long>(std::lround(area_m2(bowtie)))) + " m² -> " +
                std::to_string(static_cast<long>(std::lround(area_m2(c.geometry)))) + " m²");
  EXPECT_TRUE(is_valid(c.geometry));
}

TEST(Geocheck, RepairKeepsPolygonTypeForOnePart) {
  // The shell touches itself at (30.01 10.02), cutting off an inverted triangle.
  Geometry g = poly({{30, 10},
                     {30.02, 10},
                     {30.02, 10.02},
                     {30.01, 10.02},
                     {30.015, 10.01},
                     {30.005, 10.01},
                     {30.01, 10.02},
                     {30, 10.02},
                     {30, 10}});
  CheckedGeometry c = check_geometry(g);
  ASSERT_EQ(c.repairs.size(), 1u);
  EXPECT_EQ(c.repairs[0].rfind("ring self-intersection at (30.01 10.02) repaired by make-valid "
                               "into 1 polygon(s)",
                               0),
            0u)
      << c.repairs[0];
  EXPECT_EQ(c.geometry.type, GeomType::Polygon);
  EXPECT_TRUE(is_valid(c.geometry));
}

TEST(Geocheck, RejectsOutAndBackPolygon) {
  Geometry g = poly({{30, 10}, {30.01, 10}, {30.02, 10}, {30.01, 10}, {30, 10}});
  std::string msg = rejection(g);
  EXPECT_EQ(msg.rfind("geometry: self-intersecting polygon cannot be repaired (", 0), 0u) << msg;
  EXPECT_EQ(msg.substr(msg.size() - std::string("): no area left").size()), "): no area left");
}

TEST(Geocheck, ClosesThenRepairsInOneGo) {
  Geometry bowtie = poly({{30, 10}, {30.01, 10.01}, {30.01, 10}, {30, 10.01}});
  CheckedGeometry c = check_geometry(bowtie);
  ASSERT_EQ(c.repairs.size(), 2u);
  EXPECT_EQ(c.repairs[0], "ring 0 of polygon 0 closed");
  EXPECT_EQ(c.repairs[1].rfind("self-intersection at (30.005 10.005)", 0), 0u);
}

TEST(Geocheck, RepairsOverlappingParts) {
  Geometry g = Geometry::multipolygon(
      {{square()}, {{{30.005, 10}, {30.015, 10}, {30.015, 10.01}, {30.005, 10.01}, {30.005, 10}}}});
  CheckedGeometry c = check_geometry(g);
  ASSERT_EQ(c.repairs.size(), 1u);
  EXPECT_EQ(c.geometry.polygons.size(), 1u);
  EXPECT_TRUE(is_valid(c.geometry));
}

}  // namespace
}  // namespace minemap::geo
