// audit_json writes the bytes geo::record_to_json(...).dump() writes: the hash chain of
// every existing store covers them. Checked on edge values and on random records.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "core/schema.hpp"
#include "geo/geojson.hpp"
#include "store/audit.hpp"

namespace minemap::store {
namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;
using core::Record;

std::string reference(const core::EntitySpec& spec, const Record& r) {
  return geo::record_to_json(spec, r).dump();
}

const core::EntitySpec& items() {
  return core::spec(core::Entity::Item);
}

TEST(AuditJson, PlainRecord) {
  Record r;
  r.id = "IT-000001";
  r.fields["category"] = std::string("AP_MINE");
  r.fields["quantity"] = std::int64_t{3};
  r.fields["depth_cm"] = 12.5;
  r.fields["found"] = std::string("2019-03-05");
  r.fields["destroyed"] = true;
  r.fields["remarks"] = std::monostate{};
  r.geometry = Geometry::point(46.1234567, 39.7654321);
  EXPECT_EQ(audit_json(items(), r), reference(items(), r));
}

TEST(AuditJson, EdgeDoubles) {
  const double values[] = {0.0,
                           -0.0,
                           1.0,
                           -1.5,
                           1e15,
                           1e16,
                           1e17,
                           1e20,
                           1e-4,
                           1e-5,
                           0.1,
                           123456789012345678.0,
                           5e-324,
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::min(),
                           std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()};
  for (double d : values) {
    Record r;
    r.fields["x"] = d;
    r.geometry = Geometry::point(d, -d);
    EXPECT_EQ(audit_json(items(), r), reference(items(), r)) << d;
  }
}

TEST(AuditJson, Texts) {
  using namespace std::string_literals;
  const std::string texts[] = {""s,
                               "plain"s,
                               "quote \" backslash \\ slash /"s,
                               "controls \b\f\n\r\t \x01\x1f\x7f"s,
                               "nul \0 inside"s,
                               "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80"s,
                               "<html>&amp;</html>"s};
  for (const auto& t : texts) {
    Record r;
    r.id = t;
    r.workflow = t;
    r.fields[t.empty() ? "empty" : t] = t;
    EXPECT_EQ(audit_json(items(), r), reference(items(), r)) << t;
  }
}

TEST(AuditJson, InvalidUtf8ThrowsAsDumpDoes) {
  for (const std::string bad : {"\xff", "\xc3", "\xed\xa0\x80", "\xc0\xaf", "a\xe6\x97"}) {
    Record r;
    r.fields["remarks"] = bad;
    EXPECT_THROW(audit_json(items(), r), nlohmann::json::exception);
    EXPECT_THROW(reference(items(), r), nlohmann::json::exception);
  }
}

TEST(AuditJson, EveryGeometryType) {
  const core::LineString ring = {{0, 0}, {1, 0}, {1, 1}, {0, 0}};
  const core::LineString hole = {{0.2, 0.2}, {0.4, 0.2}, {0.4, 0.4}, {0.2, 0.2}};
  std::vector<Geometry> gs(9);
  gs[0].type = GeomType::Point;  // empty
  gs[1] = Geometry::point(1, 2);
  gs[2].type = GeomType::LineString;
  gs[3].type = GeomType::LineString;
  gs[3].lines = {ring};
  gs[4].type = GeomType::Polygon;
  gs[4].polygons = {{ring, hole}};
  gs[5].type = GeomType::MultiPoint;
  gs[5].points = ring;
  gs[6].type = GeomType::MultiLineString;
  gs[6].lines = {ring, hole};
  gs[7] = Geometry::multipolygon({{ring, hole}, {hole}});
  gs[8].type = GeomType::Polygon;
  for (const auto& g : gs) {
    Record r;
    r.geometry = g;
    EXPECT_EQ(audit_json(items(), r), reference(items(), r));
    // An entity without geometry writes one only when the record has one.
    EXPECT_EQ(audit_json(core::spec(core::Entity::Victim), r),
              reference(core::spec(core::Entity::Victim), r));
  }
  Record none;
  EXPECT_EQ(audit_json(core::spec(core::Entity::Victim), none),
            reference(core::spec(core::Entity::Victim), none));
}

TEST(AuditJson, FieldsNamedLikeMembers) {
  for (const char* name : {"id", "workflow", "geometry", "aaa", "zzz", "hazard_id", "Z"}) {
    Record r;
    r.id = "X-1";
    r.fields[name] = std::string("v");
    r.fields["geometrz"] = std::int64_t{1};
    r.fields["i"] = std::int64_t{2};
    EXPECT_EQ(audit_json(items(), r), reference(items(), r)) << name;
  }
}

TEST(AuditJson, RandomRecords) {
  std::mt19937_64 rng(42);
  const std::vector<std::string> names = {"a",    "b", "category",  "geometry_note",
                                          "id_x", "w", "workflows", "\xc3\xa9t\xc3\xa9",
                                          "Z",    "_"};
  auto random_double = [&] {
    switch (rng() % 4) {
      case 0: return std::bit_cast<double>(rng());  // any bit pattern: NaN, inf, subnormal
      case 1:
        return std::ldexp(static_cast<double>(rng() % 1000000), static_cast<int>(rng() % 80) - 40);
      case 2: return static_cast<double>(static_cast<std::int64_t>(rng())) / 1e7;
      default: return std::uniform_real_distribution<double>(-180, 180)(rng);
    }
  };
  for (int n = 0; n < 2000; ++n) {
    Record r;
    r.id = "R-" + std::to_string(n);
    for (const auto& name : names) {
      switch (rng() % 6) {
        case 0: break;
        case 1: r.fields[name] = std::monostate{}; break;
        case 2: r.fields[name] = static_cast<std::int64_t>(rng()); break;
        case 3: r.fields[name] = random_double(); break;
        case 4: r.fields[name] = rng() % 2 == 0; break;
        default: r.fields[name] = std::string(1 + rng() % 5, static_cast<char>(rng() % 127 + 1));
      }
    }
    if (rng() % 2) {
      r.geometry.type = GeomType::MultiPoint;
      for (int i = 0; i < 3; ++i)
        r.geometry.points.push_back(Coord{random_double(), random_double()});
    }
    ASSERT_EQ(audit_json(items(), r), reference(items(), r)) << n;
  }
}

}  // namespace
}  // namespace minemap::store
