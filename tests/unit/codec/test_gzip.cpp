// gzip through zlib (codec/gzip): round trips, the limits on hostile input.
#include <gtest/gtest.h>

#include <random>

#include "codec/gzip.hpp"
#include "core/errors.hpp"

namespace minemap::codec {
namespace {

std::string sample(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n);
  // Words from a small vocabulary: compressible, like tiles and JSON.
  const char* words[] = {"hazard ", "mine ", "cleared ", "SHA-000123 ", "\x01\x02\x00 "};
  while (s.size() < n) s += words[rng() % 5];
  s.resize(n);
  return s;
}

TEST(Gzip, RoundTripsEmptySmallAndLarge) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{3} << 20}) {
    std::string data = sample(n, static_cast<unsigned>(n));
    std::string z = gzip(data);
    EXPECT_TRUE(is_gzip(z));
    if (n >= 1000) {
      EXPECT_LT(z.size(), data.size() / 3) << n;
    }
    EXPECT_EQ(gunzip(z, n, "body"), data) << n;
  }
}

TEST(Gzip, ReadsZlibStreamsToo) {
  // "hello" in a zlib wrapper (RFC 1950), as PMTiles writers may store directories.
  const unsigned char zlib_hello[] = {0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9,
                                      0x07, 0x00, 0x06, 0x2c, 0x02, 0x15};
  std::string_view z(reinterpret_cast<const char*>(zlib_hello), sizeof zlib_hello);
  EXPECT_FALSE(is_gzip(z));
  EXPECT_EQ(gunzip(z, 100, "dir"), "hello");
}

TEST(Gzip, RefusesWhatWouldGrowPastTheLimit) {
  std::string bomb = gzip(std::string(10 << 20, 'a'));  // 10 MiB of one byte: ~10 KB
  EXPECT_LT(bomb.size(), 20000u);
  try {
    gunzip(bomb, 1 << 20, "tile");
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "tile");
    EXPECT_NE(std::string(e.what()).find("more than 1048576 bytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(gunzip(bomb, 10 << 20, "tile").size(), std::size_t{10} << 20);  // exactly at the limit
}

TEST(Gzip, CorruptTruncatedOrTrailingInputIsAnInputError) {
  std::string z = gzip(sample(5000, 7));
  for (std::size_t cut :
       {std::size_t{0}, std::size_t{1}, std::size_t{10}, z.size() / 2, z.size() - 1})
    EXPECT_THROW(gunzip(z.substr(0, cut), 1 << 20, "f"), core::InputError) << cut;
  std::string flipped = z;
  flipped[z.size() / 2] = static_cast<char>(flipped[z.size() / 2] ^ 0x55);
  EXPECT_THROW(gunzip(flipped, 1 << 20, "f"), core::InputError);
  EXPECT_THROW(gunzip(z + "x", 1 << 20, "f"), core::InputError);
  EXPECT_THROW(gunzip("not compressed at all", 1 << 20, "f"), core::InputError);
}

}  // namespace
}  // namespace minemap::codec
