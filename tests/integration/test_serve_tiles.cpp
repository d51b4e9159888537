// Vector tiles over real HTTP (curl against `minemap serve`): gzip when the client accepts
// it (the bytes decode to the uncompressed tile), ETag and 304, and after an approval the
// old snapshot answering until the new one is built, then a new tag.
#include <map>

#include "codec/gzip.hpp"
#include "harness.hpp"

namespace {

using namespace harness;

// One GET with curl, as sent (no --compressed: the body is what came over the wire).
struct Fetched {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

Fetched fetch(const std::string& url, const std::vector<std::string>& headers = {}) {
  TempDir io;
  std::string cmd = "curl -s -g -D " + quote((io / "head").string()) + " -o " +
                    quote((io / "body").string()) + " -w '%{http_code}'";
  for (const auto& h : headers) cmd += " -H " + quote(h);
  auto r = shell(cmd + " " + quote(url));
  Fetched out;
  out.status = std::atoi(r.out.c_str());
  out.body = slurp(io / "body");
  std::istringstream head(slurp(io / "head"));
  std::string line;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    out.headers[name] = value;
  }
  return out;
}

class ServeTiles : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = m_dir.file("field.gpkg");
    ASSERT_EQ(harness::minemap({"init", m_store}).code, 0);
    for (auto [name, role] : {std::pair{"ops1", "data_entry"}, std::pair{"amina", "verifier"}}) {
      auto r =
          harness::minemap({"user", "add", m_store, name, "--role", role}, "a long password\n");
      ASSERT_EQ(r.code, 0) << r.err;
    }
    // Items found around (30.1, 10.1), approved, in the z 10 tile 597/483.
    nlohmann::json items = nlohmann::json::array();
    for (int i = 0; i < 150; ++i)
      items.push_back({{"category", "AP_MINE"},
                       {"workflow", "approved"},
                       {"geometry",
                        {{"type", "Point"},
                         {"coordinates", {30.05 + 0.0007 * i, 10.05 + 0.0005 * (i % 90)}}}}});
    auto add = harness::minemap({"add", m_store, "items", "-"}, items.dump());
    ASSERT_EQ(add.code, 0) << add.err;
    m_server = std::make_unique<ServeProcess>(m_store, m_dir / "serve.log",
                                              std::vector<std::string>{}, m_dir / "serve.err");
    ASSERT_FALSE(m_server->url().empty()) << slurp(m_dir / "serve.log");
  }
  void TearDown() override {
    m_server.reset();
    // The builder's thread stopped cleanly: no sanitizer report, no failed build.
    const std::string err = slurp(m_dir / "serve.err");
    EXPECT_EQ(err.find("Sanitizer"), std::string::npos) << err;
    EXPECT_EQ(err.find("could not be built"), std::string::npos) << err;
  }
  std::string url(const std::string& path) { return m_server->url() + path; }
  std::string login(const std::string& name, const fs::path& jar) {
    auto r = request("POST", url("login"), jar,
                     nlohmann::json{{"name", name}, {"password", "a long password"}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body.value("csrf_token", "");
  }

  const std::string kTile = "tiles/10/597/483.mvt";
  TempDir m_dir;
  std::string m_store;
  std::unique_ptr<ServeProcess> m_server;
};

TEST_F(ServeTiles, GzipWhenAcceptedDecodesToTheSameTile) {
  const Fetched plain = fetch(url(kTile));
  ASSERT_EQ(plain.status, 200);
  ASSERT_GT(plain.body.size(), 1000u);
  EXPECT_EQ(plain.header("content-type"), "application/vnd.mapbox-vector-tile");
  EXPECT_EQ(plain.header("content-encoding"), "");
  EXPECT_EQ(plain.header("vary"), "Accept-Encoding");

  for (const char* accept : {"gzip", "gzip, deflate, br", "br;q=1, gzip;q=0.5", "*"}) {
    const Fetched gz = fetch(url(kTile), {std::string("Accept-Encoding: ") + accept});
    ASSERT_EQ(gz.status, 200) << accept;
    EXPECT_EQ(gz.header("content-encoding"), "gzip") << accept;
    EXPECT_EQ(gz.header("vary"), "Accept-Encoding") << accept;
    EXPECT_EQ(gz.header("content-length"), std::to_string(gz.body.size()));
    EXPECT_LT(gz.body.size(), plain.body.size()) << accept;
    EXPECT_EQ(minemap::codec::gunzip(gz.body, 64 << 20, "tile"), plain.body) << accept;
    EXPECT_EQ(gz.header("etag"), plain.header("etag")) << accept;
  }
  for (const char* accept : {"gzip;q=0", "identity", "deflate", "gzip;q=0, *"}) {
    const Fetched refused = fetch(url(kTile), {std::string("Accept-Encoding: ") + accept});
    EXPECT_EQ(refused.header("content-encoding"), "") << accept;
    EXPECT_EQ(refused.body, plain.body) << accept;
  }

  // TileJSON as well.
  const Fetched json = fetch(url("tiles.json"));
  const Fetched json_gz = fetch(url("tiles.json"), {"Accept-Encoding: gzip"});
  ASSERT_EQ(json_gz.status, 200);
  EXPECT_EQ(json_gz.header("content-encoding"), "gzip");
  EXPECT_EQ(minemap::codec::gunzip(json_gz.body, 1 << 20, "tilejson"), json.body);
  EXPECT_EQ(nlohmann::json::parse(json.body)["tilejson"], "3.0.0");

  // An empty tile stays an empty 200.
  const Fetched empty = fetch(url("tiles/10/0/0.mvt"), {"Accept-Encoding: gzip"});
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  EXPECT_EQ(empty.header("content-encoding"), "");
}

TEST_F(ServeTiles, NotModifiedUntilAnApprovalThenANewTagOnceRebuilt) {
  const Fetched one = fetch(url(kTile));
  ASSERT_EQ(one.status, 200);
  const std::string tag = one.header("etag");
  ASSERT_EQ(tag.rfind("W/\"", 0), 0u) << tag;
  EXPECT_EQ(one.header("cache-control"), "no-cache");
  EXPECT_EQ(fetch(url("tiles.json")).header("etag"), tag);

  for (const std::string& inm : {tag, "\"x\", " + tag, tag.substr(2), std::string("*")}) {
    const Fetched same = fetch(url(kTile), {"If-None-Match: " + inm, "Accept-Encoding: gzip"});
    EXPECT_EQ(same.status, 304) << inm;
    EXPECT_EQ(same.body, "") << inm;
    EXPECT_EQ(same.header("etag"), tag) << inm;
    EXPECT_EQ(same.header("cache-control"), "no-cache") << inm;
  }
  EXPECT_EQ(fetch(url(kTile), {"If-None-Match: \"x\""}).status, 200);
  EXPECT_EQ(fetch(url("tiles.json"), {"If-None-Match: " + tag}).status, 304);

  // An item filed, submitted and approved through the API.
  fs::path ops = m_dir / "ops.jar", ver = m_dir / "ver.jar";
  const std::string csrf = login("ops1", ops), vcsrf = login("amina", ver);
  nlohmann::json item = {{"category", "AP_MINE"},
                         {"geometry", {{"type", "Point"}, {"coordinates", {30.11, 10.11}}}}};
  auto made = request("POST", url("api/items"), ops, item.dump(), csrf);
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.body["id"];
  ASSERT_EQ(request("POST", url("api/items/" + id + "/submit"), ops, "{}", csrf).status, 200);
  ASSERT_EQ(request("POST", url("api/items/" + id + "/approve"), ver, "{}", vcsrf).status, 200);

  // The first tile request after the change is answered from the old snapshot (the
  // rebuild it starts runs on the builder's thread): still the old tag.
  const Fetched stale = fetch(url(kTile), {"If-None-Match: " + tag});
  EXPECT_EQ(stale.status, 304);
  EXPECT_EQ(stale.header("etag"), tag);

  // Then, once the new snapshot is published, a new tag and the new item.
  Fetched two;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  do {
    two = fetch(url(kTile), {"If-None-Match: " + tag});
    if (two.status != 304) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(two.status, 200);
  const std::string tag2 = two.header("etag");
  EXPECT_NE(tag2, tag);
  EXPECT_GT(two.body.size(), one.body.size());
  EXPECT_EQ(fetch(url(kTile), {"If-None-Match: " + tag2}).status, 304);
  EXPECT_EQ(fetch(url("tiles.json"), {"If-None-Match: " + tag}).header("etag"), tag2);

  // A write by another program (the command line) is seen the same way.
  auto add = harness::minemap(
      {"add", m_store, "items", "-"},
      nlohmann::json{{"category", "AP_MINE"},
                     {"workflow", "approved"},
                     {"geometry", {{"type", "Point"}, {"coordinates", {30.12, 10.12}}}}}
          .dump());
  ASSERT_EQ(add.code, 0) << add.err;
  Fetched three;
  do {
    three = fetch(url(kTile), {"If-None-Match: " + tag2});
    if (three.status != 304) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(three.status, 200);
  EXPECT_NE(three.header("etag"), tag2);
  EXPECT_GT(three.body.size(), two.body.size());
}

TEST_F(ServeTiles, AnotherRunOfTheServerHasOtherTagsAndStopsCleanlyDuringARebuild) {
  const std::string tag = fetch(url(kTile)).header("etag");
  {
    ServeProcess again(m_store, m_dir / "serve2.log", {}, m_dir / "serve2.err");
    ASSERT_FALSE(again.url().empty());
    const Fetched other = fetch(again.url() + kTile, {"If-None-Match: " + tag});
    EXPECT_EQ(other.status, 200);
    EXPECT_NE(other.header("etag"), tag);
    // A change, a request that starts the rebuild, and at once the stop (SIGTERM): the
    // builder's thread is joined, whether its build is done or not.
    auto add = harness::minemap(
        {"add", m_store, "items", "-"},
        nlohmann::json{{"category", "AP_MINE"},
                       {"workflow", "approved"},
                       {"geometry", {{"type", "Point"}, {"coordinates", {30.13, 10.13}}}}}
            .dump());
    ASSERT_EQ(add.code, 0) << add.err;
    EXPECT_EQ(fetch(again.url() + kTile, {"If-None-Match: " + other.header("etag")}).status, 304);
  }
  EXPECT_NE(slurp(m_dir / "serve2.log").find("minemap: stopped"), std::string::npos);
  const std::string err = slurp(m_dir / "serve2.err");
  EXPECT_EQ(err.find("Sanitizer"), std::string::npos) << err;
}

}  // namespace
