// The tile routes in-process: ETag of the snapshot that answered, 304 on If-None-Match,
// and, after a write, the old snapshot served (with its tag) until the new one is built
// off the request path.
#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "codec/gzip.hpp"
#include "http/server.hpp"
#include "http/tiles.hpp"
#include "store/registry.hpp"
#include "unit/store/gpkg_fixture.hpp"

namespace minemap::testing_gpkg {
namespace {

std::string header(const http::Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class TilesApiTest : public GpkgTest {
 protected:
  http::Response get(http::Server& s, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::Request r;
    r.method = "GET";
    r.path = path;
    for (const auto& h : headers) r.headers.insert(h);
    return s.answer(r);
  }
};

// z 10 tile over (30.1, 10.1).
const std::string kTile = "/tiles/10/597/483.mvt";

TEST_F(TilesApiTest, ETagOfTheAnsweringSnapshotAndNotModified) {
  open();
  store::Registry reg(std::move(m_store));
  std::mutex store_mutex;
  http::Server server;
  http::TilesApi tiles(reg, store_mutex);
  tiles.install(server);
  const auto& it = core::spec(core::Entity::Item);
  Record item;
  item.workflow = "approved";
  item.fields["category"] = std::string("AP_MINE");
  item.geometry = core::Geometry::point(30.1, 10.1);
  store::Actor who;
  reg.add(it, item, who);

  const http::Response one = get(server, kTile);
  ASSERT_EQ(one.status, 200);
  ASSERT_FALSE(one.body.empty());
  const std::string tag = header(one, "ETag");
  EXPECT_EQ(tag.rfind("W/\"", 0), 0u) << tag;
  EXPECT_EQ(header(one, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(one, "Vary"), "Accept-Encoding");
  EXPECT_EQ(tag, tiles.etag(*tiles.snapshot()));

  // Revalidation: the same tag (strong or weak, in a list, or *) is a 304 without a body.
  for (const std::string& inm : {tag, tag.substr(2), "\"other\", " + tag, std::string("*")}) {
    const http::Response same = get(server, kTile, {{"If-None-Match", inm}});
    EXPECT_EQ(same.status, 304) << inm;
    EXPECT_EQ(same.body, "") << inm;
    EXPECT_EQ(header(same, "ETag"), tag);
    EXPECT_EQ(header(same, "Cache-Control"), "no-cache");
    EXPECT_EQ(header(same, "Vary"), "Accept-Encoding");
  }
  EXPECT_EQ(get(server, kTile, {{"If-None-Match", "\"other\""}}).status, 200);
  const http::Response json = get(server, "/tiles.json");
  EXPECT_EQ(header(json, "ETag"), tag);
  EXPECT_EQ(get(server, "/tiles.json", {{"If-None-Match", tag}}).status, 304);

  // gzip, and the same tag (weak: the two forms are the same tile).
  const http::Response gz = get(server, kTile, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(gz, "ETag"), tag);
  EXPECT_EQ(codec::gunzip(gz.body, 1 << 20, "tile"), one.body);
  const http::Response gz304 =
      get(server, kTile, {{"Accept-Encoding", "gzip"}, {"If-None-Match", tag}});
  EXPECT_EQ(gz304.status, 304);
  EXPECT_EQ(header(gz304, "Content-Encoding"), "");

  // A write: the next request is answered at once from the old snapshot, with its old
  // tag (a 304 for a client that has it), and starts the rebuild; once the new snapshot
  // is published the tag changes.
  const auto before = tiles.snapshot();
  item.geometry = core::Geometry::point(30.12, 10.11);
  reg.add(it, item, who);
  const http::Response stale = get(server, kTile, {{"If-None-Match", tag}});
  EXPECT_EQ(stale.status, 304);
  EXPECT_EQ(header(stale, "ETag"), tag);
  const auto fresh = tiles.fresh_snapshot();
  EXPECT_NE(fresh, before);
  EXPECT_EQ(tiles.snapshot(), fresh);
  const http::Response two = get(server, kTile, {{"If-None-Match", tag}});
  EXPECT_EQ(two.status, 200);
  EXPECT_NE(header(two, "ETag"), tag);
  EXPECT_GT(two.body.size(), one.body.size());

  // Other options, other tags, over the same data.
  http::TilesOptions other;
  other.extent = 512;
  http::TilesApi small(reg, store_mutex, other);
  EXPECT_NE(small.etag(*fresh), tiles.etag(*fresh));
}

TEST_F(TilesApiTest, EmptyTilesStayEmptyWithTheirTag) {
  open();
  store::Registry reg(std::move(m_store));
  std::mutex store_mutex;
  http::Server server;
  http::TilesApi tiles(reg, store_mutex);
  tiles.install(server);
  const http::Response empty = get(server, kTile, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  EXPECT_EQ(header(empty, "Content-Encoding"), "");
  EXPECT_FALSE(header(empty, "ETag").empty());
}

TEST_F(TilesApiTest, LargeTilesKeptCompressedUntilTheNextSnapshot) {
  store::Backend& b = open();
  populate(b, 1);
  const auto& it = core::spec(core::Entity::Item);
  b.transaction([&] {
    for (int k = 2; k <= 2500; ++k) {
      Record r = make_record(it, k);
      r.geometry = core::Geometry::point(30.0 + 0.0003 * (k % 700), 10.0 + 0.0007 * (k / 7 % 300));
      b.insert(it, r);
    }
  });
  store::Registry reg(std::move(m_store));
  std::mutex store_mutex;
  http::Server server;
  http::TilesApi tiles(reg, store_mutex);
  tiles.install(server);

  const http::Response plain = get(server, kTile);
  ASSERT_GE(plain.body.size(), http::kGzipCacheFrom);
  const http::Response gz = get(server, kTile, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(gz, "Vary"), "Accept-Encoding");
  EXPECT_EQ(codec::gunzip(gz.body, 64 << 20, "tile"), plain.body);
  EXPECT_EQ(get(server, kTile, {{"Accept-Encoding", "gzip"}}).body, gz.body);  // kept
  EXPECT_EQ(get(server, kTile, {{"Accept-Encoding", "gzip;q=0"}}).body, plain.body);

  // A write and its snapshot: the compressed tile is the new one.
  Record item;
  item.workflow = "approved";
  item.fields["category"] = std::string("AP_MINE");
  item.geometry = core::Geometry::point(30.1, 10.1);
  reg.add(it, item, store::Actor{});
  tiles.fresh_snapshot();
  const http::Response plain2 = get(server, kTile);
  EXPECT_GT(plain2.body.size(), plain.body.size());
  const http::Response gz2 = get(server, kTile, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(codec::gunzip(gz2.body, 64 << 20, "tile"), plain2.body);
}

}  // namespace
}  // namespace minemap::testing_gpkg
