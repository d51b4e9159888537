// `minemap serve` read by clients no one here wrote: GDAL's OGC API - Features driver
// (ogrinfo, ogr2ogr) and curl. The server runs as a user starts it, on a free port.
#include <set>

#include "harness.hpp"

namespace {

using namespace harness;

std::set<std::string> lines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.insert(l);
  return out;
}

Result curl(const std::string& url) {
  return shell("curl -s -w '\\n%{http_code} %{content_type}' " + quote(url));
}

// The body and the "status content-type" line curl appends.
std::pair<std::string, std::string> split_status(const std::string& out) {
  auto nl = out.rfind('\n');
  return {out.substr(0, nl), out.substr(nl + 1)};
}

class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_dir = new TempDir();
    s_store = ((*s_dir) / "demo").string() + "/demo.gpkg";
    auto r = minemap({"demo", "--dir", ((*s_dir) / "demo").string(), "--no-serve"});
    ASSERT_EQ(r.code, 0) << r.err;
    s_server = new ServeProcess(s_store, (*s_dir) / "serve.log");
    ASSERT_FALSE(s_server->url().empty()) << slurp((*s_dir) / "serve.log");
  }
  static void TearDownTestSuite() {
    delete s_server;
    delete s_dir;
  }
  static std::string sql(const std::string& query) {
    auto r = shell("sqlite3 " + quote(s_store) + " " + quote(query));
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  }
  static inline TempDir* s_dir = nullptr;
  static inline std::string s_store;
  static inline ServeProcess* s_server = nullptr;
};

TEST_F(Serve, OgrinfoListsTheCollections) {
  auto r = shell("ogrinfo -ro -q " + quote("OAPIF:" + s_server->url()));
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* c : {"hazards", "releases", "items", "accidents", "records", "admin-areas"})
    EXPECT_NE(r.out.find(std::string(": ") + c + " ("), std::string::npos) << c << "\n" << r.out;
  EXPECT_NE(r.out.find("items (title: Explosive items found) (Point)"), std::string::npos) << r.out;
}

TEST_F(Serve, Ogr2ogrCopiesEveryApprovedFeature) {
  for (const std::string c : {"items", "hazards", "accidents"}) {
    std::string table = c;
    fs::path out = (*s_dir) / (c + ".gpkg");
    auto r = shell("ogr2ogr -f GPKG " + quote(out.string()) + " " +
                   quote("OAPIF:" + s_server->url()) + " " + c);
    ASSERT_EQ(r.code, 0) << r.err;
    auto copied = shell("sqlite3 " + quote(out.string()) + " " +
                        quote("SELECT id FROM \"" + c + "\" ORDER BY id"));
    ASSERT_EQ(copied.code, 0) << copied.err;
    auto stored = lines(sql("SELECT id FROM " + table +
                            " WHERE deleted = 0 AND workflow = 'approved' ORDER BY id"));
    ASSERT_GT(stored.size(), 10u) << c;
    EXPECT_EQ(lines(copied.out), stored) << c;
  }
  // Coordinates come through as stored (GeoPackage point blobs, read back by GDAL).
  auto a = shell("ogrinfo -ro -q " + quote(((*s_dir) / "items.gpkg").string()) +
                 " -sql \"SELECT id, ST_X(geom) || ' ' || ST_Y(geom) AS xy FROM items ORDER BY "
                 "id LIMIT 3\" -dialect SQLite");
  ASSERT_EQ(a.code, 0) << a.err;
  auto first = sql("SELECT id FROM items WHERE workflow = 'approved' ORDER BY id LIMIT 1");
  first.pop_back();
  EXPECT_NE(a.out.find("id (String) = " + first), std::string::npos) << a.out;
}

TEST_F(Serve, ItemsPageWithLimitOffsetAndNextLinks) {
  std::string base = s_server->url() + "collections/items/items";
  auto [body, status] = split_status(curl(base + "?limit=7").out);
  EXPECT_EQ(status, "200 application/geo+json");
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["numberReturned"], 7);
  ASSERT_EQ(j["features"].size(), 7u);
  std::string next;
  for (const auto& l : j["links"])
    if (l["rel"] == "next") next = l["href"];
  EXPECT_EQ(next, base + "?limit=7&offset=7");
  auto ids = sql("SELECT id FROM items WHERE deleted = 0 AND workflow = 'approved' ORDER BY fid");
  std::vector<std::string> all;
  std::istringstream in(ids);
  for (std::string l; std::getline(in, l);) all.push_back(l);
  auto page2 = nlohmann::json::parse(split_status(curl(next).out).first);
  ASSERT_EQ(page2["features"].size(), 7u);
  EXPECT_EQ(page2["features"][0]["id"], all.at(7));
  // Past the end: an empty page without a next link.
  auto end = nlohmann::json::parse(
      split_status(curl(base + "?offset=" + std::to_string(all.size())).out).first);
  EXPECT_EQ(end["numberReturned"], 0);
  for (const auto& l : end["links"]) EXPECT_NE(l["rel"], "next");
}

TEST_F(Serve, BboxAndDatetimeFilterAsTheStoreDoes) {
  // The box: the western half of the items' extent; the expected count from the
  // stored points themselves.
  auto all =
      minemap({"list", s_store, "items", "--where", "workflow=approved", "--format", "json"});
  ASSERT_EQ(all.code, 0) << all.err;
  double minx = 1e9, miny = 1e9, maxx = -1e9, maxy = -1e9;
  for (const auto& it : nlohmann::json::parse(all.out)) {
    double x = it["geometry"]["coordinates"][0], y = it["geometry"]["coordinates"][1];
    minx = std::min(minx, x);
    maxx = std::max(maxx, x);
    miny = std::min(miny, y);
    maxy = std::max(maxy, y);
  }
  double midx = (minx + maxx) / 2;
  char bbox[200];
  std::snprintf(bbox, sizeof bbox, "%.9f,%.9f,%.9f,%.9f", minx - 1, miny - 1, midx, maxy + 1);
  auto listed = minemap({"list", s_store, "items", "--bbox", bbox, "--where", "workflow=approved",
                         "--format", "json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  auto expected = nlohmann::json::parse(listed.out).size();
  ASSERT_GT(expected, 0u);
  auto got = nlohmann::json::parse(
      split_status(curl(s_server->url() + "collections/items/items?limit=10000&bbox=" + bbox).out)
          .first);
  EXPECT_EQ(got["numberReturned"].get<std::size_t>(), expected);
  for (const auto& f : got["features"]) {
    double x = f["geometry"]["coordinates"][0];
    EXPECT_LE(x, midx);
  }

  // datetime on the date found: a year, and an open interval.
  auto year =
      sql("SELECT substr(found, 1, 4) AS y, count(*) FROM items WHERE deleted = 0 AND workflow = "
          "'approved' AND found IS NOT NULL GROUP BY y ORDER BY count(*) DESC LIMIT 1");
  auto bar = year.find('|');
  ASSERT_NE(bar, std::string::npos) << year;
  std::string y = year.substr(0, bar);
  auto n = std::stoul(year.substr(bar + 1));
  auto in_year = nlohmann::json::parse(
      split_status(curl(s_server->url() + "collections/items/items?limit=10000&datetime=" + y).out)
          .first);
  EXPECT_EQ(in_year["numberReturned"].get<std::size_t>(), n);
  for (const auto& f : in_year["features"])
    EXPECT_EQ(f["properties"]["found"].get<std::string>().substr(0, 4), y);
  auto before = std::stoul(
      sql("SELECT count(*) FROM items WHERE deleted = 0 AND workflow = 'approved' AND found IS "
          "NOT NULL AND substr(found, 1, 4) < '" +
          y + "'"));
  auto open = nlohmann::json::parse(
      split_status(curl(s_server->url() + "collections/items/items?limit=10000&datetime=../" +
                        std::to_string(std::stoi(y) - 1) + "-12-31")
                       .out)
          .first);
  EXPECT_EQ(open["numberReturned"].get<std::size_t>(), before);
}

TEST_F(Serve, ErrorsAreProblemDetails) {
  auto [b1, s1] = split_status(curl(s_server->url() + "collections/nothing/items").out);
  EXPECT_EQ(s1, "404 application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(b1)["status"], 404);
  auto [b2, s2] = split_status(curl(s_server->url() + "collections/items/items?bbox=1,2,3").out);
  EXPECT_EQ(s2, "400 application/problem+json");
  EXPECT_NE(nlohmann::json::parse(b2)["detail"].get<std::string>().find("bbox"), std::string::npos);
  auto [b3, s3] =
      split_status(curl(s_server->url() + "collections/items/items?datetime=yesterday").out);
  EXPECT_EQ(s3, "400 application/problem+json");
  auto [b4, s4] = split_status(curl(s_server->url() + "collections/items/items/IT-999999").out);
  EXPECT_EQ(s4, "404 application/problem+json");
  auto [b5, s5] = split_status(curl(s_server->url() + "no/such/page").out);
  EXPECT_EQ(s5, "404 application/problem+json");
  (void)b3;
  (void)b4;
  (void)b5;
}

// The items of a collection filtered on its queryables (issue #20): only the matching
// features, enum values in any case; a parameter that is neither standard nor a
// queryable, or a value an enum has not, is a 400 naming it, never every feature.
TEST_F(Serve, ItemsFilterOnQueryables) {
  const std::string items = s_server->url() + "collections/hazards/items?limit=1000&";
  auto ids_of = [](const nlohmann::json& fc) {
    std::string out;
    for (const auto& f : fc["features"]) out += f["id"].get<std::string>() + "\n";
    return out;
  };
  const std::string closed = sql(
      "SELECT id FROM hazards WHERE deleted = 0 AND workflow = 'approved' AND status = 'closed' "
      "ORDER BY fid");
  const auto all =
      std::stoul(sql("SELECT count(*) FROM hazards WHERE deleted = 0 AND workflow = 'approved'"));
  ASSERT_FALSE(closed.empty()) << "the demo store has closed hazards";
  auto [body, status] = split_status(curl(items + "status=closed").out);
  ASSERT_EQ(status, "200 application/geo+json") << body;
  auto fc = nlohmann::json::parse(body);
  EXPECT_EQ(ids_of(fc), closed);
  EXPECT_LT(fc["features"].size(), all);
  for (const auto& f : fc["features"]) EXPECT_EQ(f["properties"]["status"], "closed");
  // Any case; several values, by commas or repeated.
  EXPECT_EQ(ids_of(nlohmann::json::parse(split_status(curl(items + "status=CLOSED").out).first)),
            closed);
  const std::string cha =
      sql("SELECT id FROM hazards WHERE deleted = 0 AND workflow = 'approved' AND type = 'CHA' "
          "ORDER BY fid");
  EXPECT_EQ(ids_of(nlohmann::json::parse(split_status(curl(items + "type=cha").out).first)), cha);
  auto both = nlohmann::json::parse(split_status(curl(items + "type=cha,SHA").out).first);
  EXPECT_EQ(both["features"].size(), all);
  auto again = nlohmann::json::parse(split_status(curl(items + "type=cha&type=SHA").out).first);
  EXPECT_EQ(again["features"].size(), all);
  // With the standard parameters, and in the next link.
  auto page = nlohmann::json::parse(
      split_status(curl(s_server->url() + "collections/hazards/items?status=closed&limit=1").out)
          .first);
  ASSERT_EQ(page["features"].size(), 1u);
  EXPECT_EQ(page["features"][0]["properties"]["status"], "closed");
  for (const auto& l : page["links"]) {
    if (l["rel"] == "next") {
      EXPECT_NE(l["href"].get<std::string>().find("status=closed"), std::string::npos) << l;
    }
  }
  // A date matches the dates it overlaps.
  auto year = sql(
      "SELECT substr(reported, 1, 4) AS y, count(*) FROM hazards WHERE deleted = 0 AND workflow "
      "= 'approved' AND reported IS NOT NULL GROUP BY y ORDER BY count(*) DESC LIMIT 1");
  auto bar = year.find('|');
  ASSERT_NE(bar, std::string::npos) << year;
  const std::string y = year.substr(0, bar);
  auto in_year = nlohmann::json::parse(split_status(curl(items + "reported=" + y).out).first);
  EXPECT_EQ(in_year["features"].size(), std::stoul(year.substr(bar + 1)));

  // Unknown parameters and values: 400 naming them.
  auto [b1, s1] = split_status(curl(items + "colour=red").out);
  EXPECT_EQ(s1, "400 application/problem+json");
  EXPECT_NE(nlohmann::json::parse(b1)["detail"].get<std::string>().find("colour"),
            std::string::npos)
      << b1;
  auto [b2, s2] = split_status(curl(items + "status=shut").out);
  EXPECT_EQ(s2, "400 application/problem+json");
  const std::string d2 = nlohmann::json::parse(b2)["detail"];
  EXPECT_NE(d2.find("status"), std::string::npos) << d2;
  EXPECT_NE(d2.find("open, closed, handed_over"), std::string::npos) << d2;
  auto [b3, s3] = split_status(curl(items + "reported=last-year").out);
  EXPECT_EQ(s3, "400 application/problem+json") << b3;
  auto [b4, s4] = split_status(curl(items + "f=xml").out);
  EXPECT_EQ(s4, "400 application/problem+json") << b4;
  EXPECT_EQ(split_status(curl(items + "f=json").out).second, "200 application/geo+json");
}

TEST_F(Serve, QueryablesListTheFields) {
  auto [body, status] = split_status(curl(s_server->url() + "collections/hazards/queryables").out);
  ASSERT_EQ(status, "200 application/schema+json") << body;
  auto q = nlohmann::json::parse(body);
  EXPECT_EQ(q["type"], "object");
  EXPECT_EQ(q["$schema"], "https://json-schema.org/draft/2020-12/schema");
  const auto& p = q["properties"];
  EXPECT_EQ(p["status"]["type"], "string");
  EXPECT_EQ(p["status"]["enum"], nlohmann::json::array({"open", "closed", "handed_over"}));
  EXPECT_EQ(p["status"]["title"], "status");
  EXPECT_EQ(p["type"]["enum"], nlohmann::json::array({"SHA", "CHA"}));
  EXPECT_EQ(p["area_m2"]["type"], "number");
  EXPECT_EQ(p["beneficiaries"]["type"], "integer");
  EXPECT_EQ(p["blocks_water"]["type"], "boolean");
  EXPECT_EQ(p["reported"]["type"], "string");
  EXPECT_FALSE(p.contains("colour"));
  // Every queryable filters items (200), and the collection links its queryables.
  for (auto it = p.begin(); it != p.end(); ++it) {
    const std::string name = it.key();
    const auto& schema = it.value();
    std::string value = schema.contains("enum")       ? schema["enum"][0].get<std::string>()
                        : schema["type"] == "boolean" ? "true"
                        : schema["type"] == "string" && schema.contains("pattern") ? "2020"
                        : schema["type"] == "string"                               ? "x"
                                                                                   : "1";
    auto r =
        split_status(curl(s_server->url() + "collections/hazards/items?" + name + "=" + value).out);
    EXPECT_EQ(r.second, "200 application/geo+json") << name << ": " << r.first;
  }
  auto c =
      nlohmann::json::parse(split_status(curl(s_server->url() + "collections/hazards").out).first);
  bool linked = false;
  for (const auto& l : c["links"])
    if (l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables")
      linked = l["href"].get<std::string>().ends_with("/collections/hazards/queryables");
  EXPECT_TRUE(linked) << c;
  // Victims' personal fields are no queryable of the accidents (they are not fields of
  // accidents at all); a collection that is none is a 404.
  EXPECT_EQ(split_status(curl(s_server->url() + "collections/victims/queryables").out).second,
            "404 application/problem+json");
}

TEST_F(Serve, PersonalDataOnlyForRolesThatEnterIt) {
  auto id = sql("SELECT id FROM accidents WHERE workflow = 'approved' ORDER BY fid LIMIT 1");
  id.pop_back();
  const int victims =
      std::stoi(sql("SELECT count(*) FROM victims WHERE accident_id = '" + id +
                    "' AND workflow = 'approved' AND deleted = 0 AND name IS NOT NULL"));
  ASSERT_GT(victims, 0);
  const std::string item = s_server->url() + "collections/accidents/items/" + id;
  auto [body, status] = split_status(curl(item).out);
  EXPECT_EQ(status, "200 application/geo+json");
  auto f = nlohmann::json::parse(body);
  EXPECT_EQ(f["id"], id);
  EXPECT_EQ(f["type"], "Feature");
  // Anonymous: the victims are there (outcome, age ...), their names are not.
  ASSERT_EQ(f["properties"]["victims"].size(), static_cast<std::size_t>(victims)) << body;
  for (const auto& v : f["properties"]["victims"]) {
    EXPECT_TRUE(v.contains("outcome")) << v;
    EXPECT_FALSE(v.contains("name")) << v;
    EXPECT_FALSE(v.contains("birth_date")) << v;
  }
  EXPECT_EQ(
      curl(s_server->url() + "collections/accidents/items?limit=1000").out.find("Synthetic person"),
      std::string::npos);
  // Victims (names, ages) are not a collection of their own.
  auto [b2, s2] = split_status(curl(s_server->url() + "collections/victims/items").out);
  EXPECT_EQ(s2, "404 application/problem+json");
  (void)b2;

  // A viewer's session sees no more; a data entry session sees the names.
  for (const auto& [name, role] : {std::pair{"guest", "viewer"}, std::pair{"ops", "data_entry"}}) {
    auto add = minemap({"user", "add", s_store, name, "--role", role}, "a long password\n");
    ASSERT_EQ(add.code, 0) << add.err;
    const fs::path jar = (*s_dir) / (std::string(name) + ".jar");
    auto in = request("POST", s_server->url() + "login", jar,
                      nlohmann::json{{"name", name}, {"password", "a long password"}}.dump());
    ASSERT_EQ(in.status, 200) << in.body;
    auto page = request("GET", item, jar);
    auto v = page.body["properties"]["victims"];
    ASSERT_EQ(v.size(), static_cast<std::size_t>(victims)) << page.body;
    const bool personal = std::string(role) == "data_entry";
    EXPECT_EQ(v[0].contains("name"), personal) << role << " " << v[0];
    auto items = request("GET", s_server->url() + "collections/accidents/items?limit=1000", jar);
    EXPECT_EQ(items.body.dump().find("Synthetic person") != std::string::npos, personal) << role;
  }
}

}  // namespace
