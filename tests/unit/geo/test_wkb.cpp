// ISO WKB and GeoPackage blobs: round trips, byte-exact encodings, hostile input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "core/errors.hpp"
#include "geo/wkb.hpp"
#include "unit/geo/shapes.hpp"

namespace minemap::geo {
namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;
using test::all_types;
using test::rect;

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (char ch : bytes) {
    auto b = static_cast<unsigned char>(ch);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string unhex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
  return out;
}

double le_double(std::string_view bytes, std::size_t at) {
  double d;
  std::memcpy(&d, bytes.data() + at, 8);  // the tests run on little-endian hosts
  return d;
}

TEST(Wkb, RoundTripsAllSixTypes) {
  for (const auto& g : all_types()) {
    EXPECT_EQ(from_wkb(to_wkb(g)), g) << static_cast<int>(g.type);
    EXPECT_EQ(from_gpkg_blob(to_gpkg_blob(g)), g) << static_cast<int>(g.type);
  }
}

TEST(Wkb, RoundTripsEmptyGeometries) {
  std::vector<Geometry> gs = test::empties();
  gs.push_back(Geometry{});  // no geometry at all
  for (const auto& g : gs) {
    EXPECT_EQ(from_wkb(to_wkb(g)), g) << static_cast<int>(g.type);
    std::string blob = to_gpkg_blob(g);
    EXPECT_EQ(from_gpkg_blob(blob), g) << static_cast<int>(g.type);
    GpkgHeader h = read_gpkg_header(blob);
    EXPECT_TRUE(h.empty);
    EXPECT_TRUE(h.envelope.empty());
    EXPECT_EQ(h.header_size, 8u);
  }
}

TEST(Wkb, EmptyPointIsNaNNaN) {
  Geometry g;
  g.type = GeomType::Point;
  std::string wkb = to_wkb(g);
  ASSERT_EQ(wkb.size(), 21u);
  EXPECT_EQ(hex(wkb.substr(0, 5)), "0101000000");
  EXPECT_TRUE(std::isnan(le_double(wkb, 5)));
  EXPECT_TRUE(std::isnan(le_double(wkb, 13)));
}

TEST(Wkb, PointBytes) {
  EXPECT_EQ(hex(to_wkb(Geometry::point(1, 2))),
            "0101000000"
            "000000000000F03F"
            "0000000000000040");
}

TEST(Wkb, PolygonBytes) {
  Geometry g;
  g.type = GeomType::Polygon;
  g.polygons = {{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}};
  EXPECT_EQ(hex(to_wkb(g)),
            "0103000000"
            "01000000"
            "04000000"
            "0000000000000000"
            "0000000000000000"
            "000000000000F03F"
            "0000000000000000"
            "000000000000F03F"
            "000000000000F03F"
            "0000000000000000"
            "0000000000000000");
}

TEST(Wkb, ReadsBigEndian) {
  EXPECT_EQ(from_wkb(unhex("00000000013FF00000000000004000000000000000")), Geometry::point(1, 2));
  // A big-endian MultiPoint holding a little-endian point: byte order is per geometry.
  Geometry mp =
      from_wkb(unhex("0000000004"
                     "00000001"
                     "0101000000000000000000F03F0000000000000040"));
  ASSERT_EQ(mp.type, GeomType::MultiPoint);
  EXPECT_EQ(mp.points, (std::vector<Coord>{{1, 2}}));
  Geometry line =
      from_wkb(unhex("0000000002"
                     "00000002"
                     "3FF00000000000004000000000000000"
                     "40080000000000004010000000000000"));
  EXPECT_EQ(line.lines, (std::vector<core::LineString>{{{1, 2}, {3, 4}}}));
}

TEST(Wkb, DropsZAndM) {
  // POINT Z (1 2 3), POINT M (1 2 3), POINT ZM (1 2 3 4), ISO codes 1001, 2001, 3001.
  const std::string xy = "000000000000F03F0000000000000040";
  const std::string z3 = "0000000000000840";
  const std::string z4 = "0000000000001040";
  EXPECT_EQ(from_wkb(unhex("01E9030000" + xy + z3)), Geometry::point(1, 2));
  EXPECT_EQ(from_wkb(unhex("01D1070000" + xy + z3)), Geometry::point(1, 2));
  EXPECT_EQ(from_wkb(unhex("01B90B0000" + xy + z3 + z4)), Geometry::point(1, 2));
  // LINESTRING Z (1 2 3, 1 2 4) -> 2D.
  Geometry l = from_wkb(unhex("01EA030000" + std::string("02000000") + xy + z3 + xy + z4));
  EXPECT_EQ(l.lines, (std::vector<core::LineString>{{{1, 2}, {1, 2}}}));
}

TEST(Wkb, RejectsNonFiniteCoordinatesInEveryByteOrder) {
  // LINESTRING (1 2, inf 4), little then big endian: the byte of the bad coordinate named.
  for (const char* hexed : {"010200000002000000"
                            "000000000000F03F0000000000000040"
                            "000000000000F07F0000000000001040",
                            "000000000200000002"
                            "3FF00000000000004000000000000000"
                            "7FF00000000000004010000000000000"}) {
    try {
      from_wkb(unhex(hexed));
      ADD_FAILURE() << hexed;
    } catch (const core::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("non-finite coordinate at byte 25"), std::string::npos)
          << e.what();
    }
  }
  // NaN in a polygon's ring.
  EXPECT_THROW(from_wkb(unhex("01030000000100000001000000"
                              "000000000000F87F0000000000000000")),
               core::InputError);
}

TEST(Wkb, RejectsEwkbAndCollections) {
  // EWKB POINT with SRID 4326 (PostGIS flag 0x20000000).
  EXPECT_THROW(from_wkb(unhex("0101000020E6100000000000000000F03F0000000000000040")),
               core::InputError);
  // GEOMETRYCOLLECTION (POINT (1 2)).
  EXPECT_THROW(from_wkb(unhex("010700000001000000"
                              "0101000000000000000000F03F0000000000000040")),
               core::InputError);
  // A MultiPolygon holding a LineString.
  EXPECT_THROW(from_wkb(unhex("010600000001000000"
                              "010200000000000000")),
               core::InputError);
}

TEST(Wkb, MessageNamesTheField) {
  try {
    from_wkb(unhex("0101000000000000"));
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "geometry");
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(Wkb, EveryTruncationThrows) {
  for (const auto& g : all_types()) {
    std::string wkb = to_wkb(g);
    for (std::size_t n = 0; n < wkb.size(); ++n)
      EXPECT_THROW(from_wkb(std::string_view(wkb).substr(0, n)), core::InputError) << n;
    EXPECT_THROW(from_wkb(wkb + '\0'), core::InputError);  // trailing bytes
    std::string blob = to_gpkg_blob(g);
    for (std::size_t n = 0; n < blob.size(); ++n)
      EXPECT_THROW(from_gpkg_blob(std::string_view(blob).substr(0, n)), core::InputError) << n;
  }
}

TEST(Wkb, HugeCountsThrowWithoutAllocating) {
  EXPECT_THROW(from_wkb(unhex("0102000000FFFFFFFF")), core::InputError);
  EXPECT_THROW(from_wkb(unhex("0103000000FFFFFFFF")), core::InputError);
  EXPECT_THROW(from_wkb(unhex("0106000000FFFFFFFF")), core::InputError);
  EXPECT_THROW(from_wkb(unhex("02")), core::InputError);                       // bad byte order
  EXPECT_THROW(from_wkb(unhex("0109000000")), core::InputError);               // unknown type
  EXPECT_THROW(from_wkb(unhex("01A10F0000")), core::InputError);               // type 4001
  EXPECT_THROW(from_wkb(unhex("0101000000000000000000F07F0000000000000040")),  // +inf
               core::InputError);
}

TEST(Wkb, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  std::vector<std::string> seeds;
  for (const auto& g : all_types()) {
    seeds.push_back(to_wkb(g));
    seeds.push_back(to_gpkg_blob(g));
  }
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) s[rng() % s.size()] = static_cast<char>(rng() & 0xFF);
    if (rng() % 4 == 0) s.resize(rng() % (s.size() + 1));
    try {
      if (s.size() > 1 && s[0] == 'G')
        from_gpkg_blob(s);
      else
        from_wkb(s);
      ++accepted;
    } catch (const core::InputError&) {
    }
  }
  EXPECT_GT(accepted, 0);  // coordinates flipped to other finite values still decode
}

TEST(Gpkg, PointHeaderHasNoEnvelope) {
  std::string blob = to_gpkg_blob(Geometry::point(1, 2), 4326);
  EXPECT_EQ(hex(blob.substr(0, 8)), "47500001E6100000");
  EXPECT_EQ(blob.substr(8), to_wkb(Geometry::point(1, 2)));
  GpkgHeader h = read_gpkg_header(blob);
  EXPECT_EQ(h.srs_id, 4326);
  EXPECT_FALSE(h.empty);
  EXPECT_TRUE(h.envelope.empty());
  EXPECT_EQ(h.header_size, 8u);
}

TEST(Gpkg, PolygonHeaderHasXYEnvelope) {
  Geometry g = Geometry::multipolygon({{rect(-3, 10, -1, 12)}, {rect(5, -1, 6, 0)}});
  std::string blob = to_gpkg_blob(g, 32636);
  EXPECT_EQ(hex(blob.substr(0, 4)), "47500003");  // flags: little endian, envelope 1
  GpkgHeader h = read_gpkg_header(blob);
  EXPECT_EQ(h.srs_id, 32636);
  EXPECT_EQ(h.header_size, 40u);
  EXPECT_FALSE(h.empty);
  // Stored order is minx, maxx, miny, maxy.
  EXPECT_EQ(le_double(blob, 8), -3);
  EXPECT_EQ(le_double(blob, 16), 6);
  EXPECT_EQ(le_double(blob, 24), -1);
  EXPECT_EQ(le_double(blob, 32), 12);
  EXPECT_EQ(h.envelope.min_x, -3);
  EXPECT_EQ(h.envelope.max_x, 6);
  EXPECT_EQ(h.envelope.min_y, -1);
  EXPECT_EQ(h.envelope.max_y, 12);
  EXPECT_EQ(blob.substr(40), to_wkb(g));
}

TEST(Gpkg, EmptyFlag) {
  Geometry g;
  g.type = GeomType::MultiPolygon;
  std::string blob = to_gpkg_blob(g);
  EXPECT_EQ(hex(blob.substr(0, 4)), "47500011");
}

TEST(Gpkg, ReadsBigEndianHeaderAndXYZEnvelope) {
  // Flags 0x04: big endian, envelope indicator 2 (xyz, 48 bytes); srs_id 4326 big endian.
  std::string env;
  for (double d : {1.0, 2.0, 3.0, 4.0, 0.0, 0.0}) {
    char b[8];
    std::memcpy(b, &d, 8);
    env += std::string(std::rbegin(b), std::rend(b));
  }
  std::string wkb = unhex("00000000013FF00000000000004000000000000000");
  std::string blob = unhex("47500004000010E6") + env + wkb;
  GpkgHeader h = read_gpkg_header(blob);
  EXPECT_EQ(h.srs_id, 4326);
  EXPECT_EQ(h.header_size, 56u);
  EXPECT_EQ(h.envelope.min_x, 1);
  EXPECT_EQ(h.envelope.max_y, 4);
  EXPECT_EQ(from_gpkg_blob(blob), Geometry::point(1, 2));
}

TEST(Gpkg, RejectsBadHeaders) {
  std::string wkb = to_wkb(Geometry::point(1, 2));
  EXPECT_THROW(read_gpkg_header(unhex("58500001E6100000")), core::InputError);
  EXPECT_THROW(read_gpkg_header(unhex("47500101E6100000")), core::InputError);  // version 1
  EXPECT_THROW(read_gpkg_header(unhex("4750000BE6100000")), core::InputError);  // envelope 5
  EXPECT_THROW(read_gpkg_header(unhex("47500021E6100000")), core::InputError);  // extended
  EXPECT_THROW(read_gpkg_header(unhex("47500003E6100000")), core::InputError);  // no envelope
}

}  // namespace
}  // namespace minemap::geo
