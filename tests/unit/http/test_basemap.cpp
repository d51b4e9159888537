// Accept-Encoding as the base map's tiles read it (src/http/basemap.hpp).
#include <gtest/gtest.h>

#include "http/basemap.hpp"

namespace {

using minemap::http::accepts_gzip;

TEST(AcceptsGzip, CodingsAndWeights) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("identity, gzip ; q=0.001"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("br, deflate"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000, identity"));
  EXPECT_FALSE(accepts_gzip("x-gzip2"));
}

}  // namespace
