// The PMTiles reader of base maps (src/tiles/archive.hpp) on archives written here byte
// by byte; the integration test Basemap reads whole archives through a server.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "tiles/archive.hpp"

namespace {

using namespace minemap;

std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  return out + static_cast<char>(v);
}

void put64(std::string& s, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// An uncompressed archive of z0..1: tiles "t0" at 0/0/0 and "t1" for all of zoom 1 (one
// entry, run length 4), with `dir` as the root directory when given.
std::string archive(std::string dir = "") {
  if (dir.empty())
    dir = varint(2) + varint(0) + varint(1)  // ids 0, 1
          + varint(1) + varint(4)            // run lengths
          + varint(2) + varint(2)            // lengths
          + varint(1) + varint(0);           // offsets 0, then right after
  const std::string meta = R"({"name":"t","vector_layers":[{"id":"water"}]})";
  const std::string data = "t0t1";
  std::string h(127, '\0');
  h.replace(0, 8, std::string("PMTiles\x03", 8));
  put64(h, 8, 127);
  put64(h, 16, dir.size());
  put64(h, 24, 127 + dir.size());
  put64(h, 32, meta.size());
  put64(h, 40, 127 + dir.size() + meta.size());
  put64(h, 48, 0);
  put64(h, 56, 127 + dir.size() + meta.size());
  put64(h, 64, data.size());
  h[97] = 1;  // internal compression: none
  h[98] = 1;  // tiles: none
  h[99] = 1;  // MVT
  h[100] = 0;
  h[101] = 1;
  return h + dir + meta + data;
}

TEST(PmTilesId, HilbertOrderWithinEachZoom) {
  EXPECT_EQ(tiles::pmtiles_tile_id(0, 0, 0), 0u);
  EXPECT_EQ(tiles::pmtiles_tile_id(1, 0, 0), 1u);
  EXPECT_EQ(tiles::pmtiles_tile_id(1, 0, 1), 2u);
  EXPECT_EQ(tiles::pmtiles_tile_id(1, 1, 1), 3u);
  EXPECT_EQ(tiles::pmtiles_tile_id(1, 1, 0), 4u);
  EXPECT_EQ(tiles::pmtiles_tile_id(2, 0, 0), 5u);
  EXPECT_EQ(tiles::pmtiles_tile_id(12, 3423, 1763), 19078479u);
  // The last tile of zoom 30 is the one before zoom 31's first.
  EXPECT_EQ(tiles::pmtiles_tile_id(30, 0, 0), ((std::uint64_t{1} << 60) - 1) / 3);
}

TEST(PmTiles, ReadsTilesRunsAndMetadata) {
  auto a = tiles::open_pmtiles_bytes(archive(), "a.pmtiles");
  EXPECT_EQ(a->metadata().format, "pmtiles");
  EXPECT_EQ(a->metadata().name, "t");
  EXPECT_EQ(a->metadata().vector_layers, R"([{"id":"water"}])");
  EXPECT_EQ(a->metadata().max_zoom, 1);
  ASSERT_TRUE(a->tile(0, 0, 0));
  EXPECT_EQ(a->tile(0, 0, 0)->bytes, "t0");
  EXPECT_EQ(a->tile(0, 0, 0)->compression, tiles::TileCompression::None);
  for (std::uint32_t x = 0; x < 2; ++x)
    for (std::uint32_t y = 0; y < 2; ++y) EXPECT_EQ(a->tile(1, x, y)->bytes, "t1");
  EXPECT_FALSE(a->tile(2, 0, 0));
}

void expect_refused(const std::string& bytes, const std::string& what) {
  try {
    tiles::open_pmtiles_bytes(bytes, "x.pmtiles");
    ADD_FAILURE() << "opened; expected: " << what;
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("x.pmtiles"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(PmTiles, RefusesBadDirectories) {
  // A varint longer than 64 bits.
  expect_refused(archive(std::string(11, '\xff')), "64 bits");
  // More entries than bytes.
  expect_refused(archive(varint(1000) + varint(0)), "entries in fewer bytes");
  // Ids not ascending.
  expect_refused(archive(varint(2) + varint(0) + varint(0) + varint(1) + varint(1) + varint(1) +
                         varint(1) + varint(1) + varint(0)),
                 "ascending");
  // A tile past the tile data.
  expect_refused(archive(varint(1) + varint(0) + varint(1) + varint(3) + varint(3)),
                 "outside the tile data");
  // A leaf pointer with no leaf section.
  expect_refused(archive(varint(1) + varint(0) + varint(0) + varint(2) + varint(1)),
                 "outside the leaf directories");
  // A length of 0.
  expect_refused(archive(varint(1) + varint(0) + varint(1) + varint(0) + varint(1)), "length 0");
  // Trailing bytes.
  expect_refused(archive(varint(1) + varint(0) + varint(1) + varint(2) + varint(1) + "x"),
                 "after the last entry");
}

TEST(PmTiles, RefusesBadHeaders) {
  std::string a = archive();
  expect_refused(a.substr(0, 126), "shorter");
  std::string v = a;
  v[7] = 2;
  expect_refused(v, "version 2");
  std::string t = a;
  t[99] = 2;  // PNG
  expect_refused(t, "not vector tiles");
  std::string c = a;
  c[97] = 3;  // brotli
  expect_refused(c, "internal compression 3");
  std::string z = a;
  z[100] = 5;  // min zoom above max
  expect_refused(z, "zooms");
  std::string o = a;
  put64(o, 64, 1000);  // tile data past the end
  expect_refused(o, "outside the file");
  std::string big = a;
  put64(big, 8, UINT64_MAX - 3);  // offset + length overflows
  expect_refused(big, "outside the file");
}

}  // namespace
