// Content negotiation: Accept-Encoding with its weights, If-None-Match with its lists and
// weak tags, and which responses the router compresses (and that they decode to the
// original bytes).
#include <gtest/gtest.h>

#include <string>

#include "codec/gzip.hpp"
#include "http/encoding.hpp"
#include "http/router.hpp"

namespace {

using minemap::http::accepts_gzip;
using minemap::http::etag_matches;
using minemap::http::Request;
using minemap::http::Response;

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

TEST(AcceptEncoding, GzipByNameOrStarWithAWeightAboveZero) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip("deflate,GZIP"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("identity, *;q=0.5"));
  EXPECT_TRUE(accepts_gzip(" gzip ; q=0.001 "));
  EXPECT_TRUE(accepts_gzip("gzip;level=1"));        // a parameter other than q: weight 1
  EXPECT_TRUE(accepts_gzip("gzip;q=0, gzip;q=1"));  // the higher weight of a coding named twice
}

TEST(AcceptEncoding, RefusedByZeroWeightAbsenceOrMalformedWeight) {
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("deflate, br"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000"));
  EXPECT_FALSE(accepts_gzip("gzip;Q=0"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0, *"));  // named with 0: refused whatever * says
  EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=2"));
  EXPECT_FALSE(accepts_gzip("gzip;q=1.5"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.0001"));
  EXPECT_FALSE(accepts_gzip("gzip;q=abc"));
  EXPECT_FALSE(accepts_gzip("gzip;q="));
  EXPECT_FALSE(accepts_gzip("gzipper, xgzip"));
  EXPECT_FALSE(accepts_gzip(",,, ;q=1"));
}

TEST(IfNoneMatch, ListsWeakTagsAndStar) {
  const std::string tag = "W/\"abc-1\"";
  EXPECT_TRUE(etag_matches("W/\"abc-1\"", tag));
  EXPECT_TRUE(etag_matches("\"abc-1\"", tag));  // weak comparison: W/ ignored on both sides
  EXPECT_TRUE(etag_matches("\"abc-1\"", "\"abc-1\""));
  EXPECT_TRUE(etag_matches("W/\"abc-1\"", "\"abc-1\""));
  EXPECT_TRUE(etag_matches("\"x\", W/\"abc-1\"", tag));
  EXPECT_TRUE(etag_matches("\"x\",W/\"y\" ,  \"abc-1\"", tag));
  EXPECT_TRUE(etag_matches("*", tag));
  EXPECT_TRUE(etag_matches("  * ", tag));

  EXPECT_FALSE(etag_matches("", tag));
  EXPECT_FALSE(etag_matches("\"abc-2\"", tag));
  EXPECT_FALSE(etag_matches("\"abc-1", tag));
  EXPECT_FALSE(etag_matches("abc-1", tag));
  EXPECT_FALSE(etag_matches("\"ABC-1\"", tag));  // opaque tags compare exactly
  EXPECT_FALSE(etag_matches("w/\"abc-1\"", tag));
  EXPECT_FALSE(etag_matches("\"x\", bad, \"abc-1\"", tag));  // malformed: nothing after it
  EXPECT_FALSE(etag_matches("\"\"", tag));
  EXPECT_FALSE(etag_matches("*", "no quotes"));
}

TEST(IfNoneMatch, EveryHeaderLineCounts) {
  Request r;
  r.headers.emplace("If-None-Match", "\"a\"");
  r.headers.emplace("if-none-match", "\"b\"");
  EXPECT_TRUE(etag_matches(minemap::http::header_list(r, "If-None-Match"), "\"b\""));
  EXPECT_EQ(minemap::http::header_list(r, "IF-NONE-MATCH"), "\"a\", \"b\"");
}

class Negotiation : public ::testing::Test {
 protected:
  Negotiation() {
    m_router.add("GET", "/tile", [this](const Request&) {
      Response out;
      out.content_type = "application/vnd.mapbox-vector-tile";
      out.body = m_body;
      return out;
    });
    m_router.add("GET", "/json", [this](const Request&) {
      Response out;
      out.body = m_body;
      return out;
    });
    m_router.add("GET", "/geojson", [this](const Request&) {
      Response out;
      out.content_type = "application/geo+json; charset=utf-8";
      out.body = m_body;
      out.headers.emplace_back("Vary", "Cookie");
      return out;
    });
    m_router.add("GET", "/text", [this](const Request&) {
      Response out;
      out.content_type = "text/plain";
      out.body = m_body;
      return out;
    });
    m_router.add("GET", "/encoded", [this](const Request&) {
      Response out;
      out.content_type = "application/vnd.mapbox-vector-tile";
      out.body = m_body;
      out.headers.emplace_back("Content-Encoding", "gzip");
      return out;
    });
    m_router.add("POST", "/made", [this](const Request&) {
      Response out;
      out.status = 201;
      out.body = m_body;
      return out;
    });
  }
  Response get(const std::string& path, const std::string& accept,
               const std::string& method = "GET") {
    Request r;
    r.method = method;
    r.path = path;
    if (!accept.empty()) r.headers.emplace("Accept-Encoding", accept);
    return m_router.answer(r);
  }

  minemap::http::Router m_router;
  std::string m_body;
};

TEST_F(Negotiation, TilesAreCompressedWhenAcceptedAndDecodeToTheSameBytes) {
  for (int i = 0; i < 300; ++i) m_body += static_cast<char>(i * 7 % 251);
  Response gz = get("/tile", "gzip, deflate");
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(gz, "Vary"), "Accept-Encoding");
  EXPECT_EQ(minemap::codec::gunzip(gz.body, 1 << 20, "tile"), m_body);

  Response head = get("/tile", "gzip", "HEAD");
  EXPECT_EQ(head.body, gz.body);  // HEAD: the GET answer's headers, its length included

  for (const char* accept : {"", "identity", "gzip;q=0", "gzip;q=0, *"}) {
    Response plain = get("/tile", accept);
    EXPECT_EQ(header(plain, "Content-Encoding"), "") << accept;
    EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding") << accept;
    EXPECT_EQ(plain.body, m_body) << accept;
  }
}

TEST_F(Negotiation, EmptyTilesSmallJsonOtherTypesAndEncodedBodiesAreLeftAlone) {
  Response empty = get("/tile", "gzip");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  EXPECT_EQ(header(empty, "Content-Encoding"), "");

  m_body = std::string(minemap::http::kCompressFrom - 1, 'a');
  EXPECT_EQ(get("/json", "gzip").body, m_body);
  m_body += "a";
  EXPECT_EQ(header(get("/json", "gzip"), "Content-Encoding"), "gzip");
  EXPECT_EQ(header(get("/made", "gzip", "POST"), "Content-Encoding"), "gzip");
  Response geo = get("/geojson", "gzip");
  EXPECT_EQ(header(geo, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(geo, "Vary"), "Cookie, Accept-Encoding");
  EXPECT_EQ(minemap::codec::gunzip(geo.body, 1 << 20, "body"), m_body);

  Response text = get("/text", "gzip");
  EXPECT_EQ(text.body, m_body);
  EXPECT_EQ(header(text, "Vary"), "");
  Response encoded = get("/encoded", "gzip");
  EXPECT_EQ(encoded.body, m_body);

  // Problems (404 here) are not compressed.
  Response missing = get("/nowhere", "gzip");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(header(missing, "Content-Encoding"), "");
}

}  // namespace
