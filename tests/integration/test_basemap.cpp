// `minemap serve --basemap FILE` (docs/basemap.md) with base maps the test makes itself
// (tests/data/make-basemap.py: GDAL's MBTiles writer, and a PMTiles version 3 writer of
// the same tiles), read through a real server with curl: the TileJSON, every tile's
// bytes against the archive's, gzip as the client accepts it, missing tiles, bad
// coordinates, and broken archives refused at start (exit 2, naming the file).
#include <algorithm>
#include <cctype>
#include <map>

#include "harness.hpp"

namespace {

using namespace harness;

struct Got {
  int status = 0;
  std::string headers;  // lower case
  std::string body;
};

Got get(const std::string& url, const std::vector<std::string>& headers = {}) {
  TempDir io;
  std::string cmd = "curl -s -g -D " + quote((io / "h").string()) + " -o " +
                    quote((io / "b").string()) + " -w '%{http_code}'";
  for (const auto& h : headers) cmd += " -H " + quote(h);
  auto r = shell(cmd + " " + quote(url));
  Got g;
  g.status = std::atoi(r.out.c_str());
  g.headers = slurp(io / "h");
  std::transform(g.headers.begin(), g.headers.end(), g.headers.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  g.body = slurp(io / "b");
  return g;
}

std::string unhex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// gzip -dc of some bytes.
std::string gunzip(const std::string& bytes) {
  TempDir io;
  write_file(io / "z", bytes);
  auto r = shell("gzip -dc " + quote((io / "z").string()));
  EXPECT_EQ(r.code, 0) << r.err;
  return r.out;
}

fs::path source_dir() {
  const char* s = std::getenv("MINEMAP_SOURCE_DIR");
  return s ? fs::path(s) : fs::path("..");
}

struct Tile {
  int z;
  int x, y;
  std::string bytes;  // as stored (gzip)
};

class Basemap : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_dir = new TempDir();
    auto made =
        shell("/usr/bin/python3 " + quote((source_dir() / "tests/data/make-basemap.py").string()) +
              " " + quote(maps().string()));
    ASSERT_EQ(made.code, 0) << made.err;
    auto tiles = nlohmann::json::parse(slurp(maps() / "tiles.json"));
    for (const auto& t : tiles)
      s_tiles.push_back({t["z"].get<int>(), t["x"].get<int>(), t["y"].get<int>(),
                         unhex(t["hex"].get<std::string>())});
    ASSERT_GT(s_tiles.size(), 20u);
    ASSERT_EQ(minemap({"init", store()}).code, 0);
    for (const char* name : {"basemap.mbtiles", "basemap.pmtiles", "basemap-leaves.pmtiles"}) {
      auto* s = new ServeProcess(store(), (*s_dir) / (std::string(name) + ".log"),
                                 {"--basemap", (maps() / name).string()});
      ASSERT_FALSE(s->url().empty()) << slurp((*s_dir) / (std::string(name) + ".log"));
      s_servers[name] = s;
    }
  }
  static void TearDownTestSuite() {
    for (auto& [_, s] : s_servers) delete s;
    s_servers.clear();
    s_tiles.clear();
    delete s_dir;
  }
  static fs::path maps() { return (*s_dir) / "maps"; }
  static std::string store() { return ((*s_dir) / "store.gpkg").string(); }

  static inline TempDir* s_dir = nullptr;
  static inline std::vector<Tile> s_tiles;
  static inline std::map<std::string, ServeProcess*> s_servers;
};

TEST_F(Basemap, TileJsonGivesTheArchivesMetadata) {
  for (const auto& [name, server] : s_servers) {
    SCOPED_TRACE(name);
    auto g = get(server->url() + "basemap.json");
    ASSERT_EQ(g.status, 200) << g.body;
    auto j = nlohmann::json::parse(g.body);
    EXPECT_EQ(j["tilejson"], "3.0.0");
    EXPECT_EQ(j["minzoom"], 0);
    EXPECT_EQ(j["maxzoom"], 14);
    EXPECT_EQ(j["attribution"], "© test data");
    EXPECT_EQ(j["name"], "test base map");
    ASSERT_EQ(j["tiles"].size(), 1u);
    EXPECT_EQ(j["tiles"][0], server->url() + "basemap/{z}/{x}/{y}.mvt");
    ASSERT_EQ(j["bounds"].size(), 4u);
    EXPECT_NEAR(j["bounds"][0].get<double>(), 46.69, 1e-6);
    EXPECT_NEAR(j["bounds"][1].get<double>(), 39.35, 1e-6);
    EXPECT_NEAR(j["bounds"][2].get<double>(), 46.81, 1e-6);
    EXPECT_NEAR(j["bounds"][3].get<double>(), 39.45, 1e-6);
    std::set<std::string> ids;
    for (const auto& l : j["vector_layers"]) ids.insert(l["id"].get<std::string>());
    for (const char* id : {"water", "landuse", "landcover", "transportation", "transportation_name",
                           "building", "boundary", "place"})
      EXPECT_TRUE(ids.count(id)) << id;
  }
}

TEST_F(Basemap, EveryTileIsTheArchivesBytesGzipWhenAccepted) {
  for (const auto& [name, server] : s_servers) {
    SCOPED_TRACE(name);
    for (const auto& t : s_tiles) {
      const std::string path =
          std::to_string(t.z) + "/" + std::to_string(t.x) + "/" + std::to_string(t.y);
      auto g = get(server->url() + "basemap/" + path + ".mvt", {"Accept-Encoding: gzip"});
      ASSERT_EQ(g.status, 200) << path << " " << g.body;
      EXPECT_NE(g.headers.find("content-type: application/vnd.mapbox-vector-tile"),
                std::string::npos)
          << g.headers;
      EXPECT_NE(g.headers.find("content-encoding: gzip"), std::string::npos) << g.headers;
      EXPECT_TRUE(g.body == t.bytes) << path;
    }
  }
}

TEST_F(Basemap, GzipTilesAreDecompressedForAClientThatDoesNotAcceptGzip) {
  for (const auto& [name, server] : s_servers) {
    SCOPED_TRACE(name);
    for (std::size_t i = 0; i < s_tiles.size(); i += 7) {
      const Tile& t = s_tiles[i];
      const std::string url = server->url() + "basemap/" + std::to_string(t.z) + "/" +
                              std::to_string(t.x) + "/" + std::to_string(t.y) + ".mvt";
      for (const std::vector<std::string>& h : {std::vector<std::string>{},
                                                {"Accept-Encoding: gzip;q=0, identity"},
                                                {"Accept-Encoding: br"}}) {
        auto g = get(url, h);
        ASSERT_EQ(g.status, 200);
        EXPECT_EQ(g.headers.find("content-encoding"), std::string::npos) << g.headers;
        EXPECT_TRUE(g.body == gunzip(t.bytes)) << url;
      }
    }
  }
}

TEST_F(Basemap, UncompressedArchiveIsCompressedOnlyForClientsThatTakeGzip) {
  ServeProcess s(store(), (*s_dir) / "plain.log",
                 {"--basemap", (maps() / "basemap-plain.pmtiles").string()});
  ASSERT_FALSE(s.url().empty()) << slurp((*s_dir) / "plain.log");
  for (std::size_t i = 0; i < s_tiles.size(); i += 5) {
    const Tile& t = s_tiles[i];
    const std::string url = s.url() + "basemap/" + std::to_string(t.z) + "/" + std::to_string(t.x) +
                            "/" + std::to_string(t.y) + ".mvt";
    // Stored plain: compressed by the server like any tile when the client takes gzip.
    auto g = get(url, {"Accept-Encoding: gzip, deflate"});
    ASSERT_EQ(g.status, 200);
    EXPECT_NE(g.headers.find("content-encoding: gzip"), std::string::npos) << g.headers;
    EXPECT_EQ(g.headers.find("accept-encoding, accept-encoding"), std::string::npos) << g.headers;
    EXPECT_TRUE(gunzip(g.body) == gunzip(t.bytes));
    auto p = get(url, {});
    ASSERT_EQ(p.status, 200);
    EXPECT_EQ(p.headers.find("content-encoding"), std::string::npos) << p.headers;
    EXPECT_TRUE(p.body == gunzip(t.bytes));
  }
}

TEST_F(Basemap, TileNotInTheArchiveIsNoContent) {
  for (const auto& [name, server] : s_servers) {
    SCOPED_TRACE(name);
    // Far from the data, inside and outside the archive's zooms.
    for (const char* path : {"basemap/14/0/0.mvt", "basemap/3/0/0.mvt", "basemap/20/1/1.mvt",
                             "basemap/30/1073741823/1073741823.mvt"}) {
      auto g = get(server->url() + path, {"Accept-Encoding: gzip"});
      EXPECT_EQ(g.status, 204) << path << " " << g.body;
      EXPECT_TRUE(g.body.empty());
    }
  }
}

TEST_F(Basemap, CoordinatesOutOfRangeAre400NamingTheField) {
  const std::string url = s_servers.begin()->second->url();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"basemap/31/0/0.mvt", "z"},
      {"basemap/a/0/0.mvt", "z"},
      {"basemap/99999999999999999999/0/0.mvt", "z"},
      {"basemap/2/4/0.mvt", "x"},
      {"basemap/2/-1/0.mvt", "x"},
      {"basemap/2/0/4.mvt", "y"},
      {"basemap/0/0/1.mvt", "y"},
      {"basemap/14/1.5/2.mvt", "x"}};
  for (const auto& [path, field] : cases) {
    auto g = get(url + path);
    EXPECT_EQ(g.status, 400) << path << " " << g.body;
    auto j = nlohmann::json::parse(g.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << g.body;
    EXPECT_EQ(j.value("detail", "").rfind(field + ":", 0), 0u) << path << " " << g.body;
  }
}

TEST_F(Basemap, AnEndlessQueryOfTheFileIsCutShort) {
  // The file's `tiles` is a view that never ends: the read is interrupted (500, naming
  // the file), and the server goes on answering.
  ServeProcess s(store(), (*s_dir) / "slow.log",
                 {"--basemap", (maps() / "slow-view.mbtiles").string()});
  ASSERT_FALSE(s.url().empty()) << slurp((*s_dir) / "slow.log");
  for (int i = 0; i < 2; ++i) {
    auto g = get(s.url() + "basemap/0/0/0.mvt");
    EXPECT_EQ(g.status, 500) << g.body;
    EXPECT_NE(g.body.find("slow-view.mbtiles"), std::string::npos) << g.body;
  }
  EXPECT_EQ(get(s.url() + "basemap.json").status, 200);
}

TEST_F(Basemap, WithoutABasemapTheRoutesAreNotThere) {
  ServeProcess s(store(), (*s_dir) / "none.log");
  ASSERT_FALSE(s.url().empty());
  EXPECT_EQ(get(s.url() + "basemap.json").status, 404);
  EXPECT_EQ(get(s.url() + "basemap/0/0/0.mvt").status, 404);
}

TEST_F(Basemap, BrokenArchivesAreRefusedAtStartNamingTheFile) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"missing.pmtiles", "cannot open"},
      {"bad-empty.pmtiles", "empty"},
      {"bad-text.mbtiles", "neither a PMTiles nor an MBTiles file"},
      {"bad-header.pmtiles", "shorter"},
      {"bad-magic.pmtiles", "neither a PMTiles nor an MBTiles file"},
      {"bad-version.pmtiles", "version 2"},
      {"bad-truncated.pmtiles", "outside the file"},
      {"bad-root-outside.pmtiles", "the root directory"},
      {"bad-tile-outside.pmtiles", "outside the tile data"},
      {"bad-leaf-outside.pmtiles", "outside the leaf directories"},
      {"bad-root-gzip.pmtiles", "root directory"},
      {"bad-raster.mbtiles", "format pbf"},
      {"bad-endless.mbtiles", "interrupted"},
  };
  for (const auto& [file, what] : cases) {
    const std::string path = (maps() / file).string();
    // (timeout: a server that wrongly started would otherwise wait for a signal)
    auto r = shell("timeout 60 " + quote(bin()) + " serve " + quote(store()) +
                   " --port 0 --basemap " + quote(path));
    EXPECT_EQ(r.code, 2) << file << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--basemap"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << file << ": " << r.err;
  }
  // A folder is not an archive either.
  auto r = shell("timeout 60 " + quote(bin()) + " serve " + quote(store()) +
                 " --port 0 --basemap " + quote(maps().string()));
  EXPECT_EQ(r.code, 2) << r.err;
}

}  // namespace
