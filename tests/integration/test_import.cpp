// `minemap import` / `export` through GDAL: real data, all-or-nothing imports,
// rejects files, and export -> import round trips in every format.
#include <cmath>
#include <set>
#include <sstream>
#include <tuple>

#include "common/require.hpp"
#include "every_entity.hpp"

using namespace harness;

namespace {

std::vector<fs::path> colombia_files() {
  std::vector<fs::path> files;
  fs::path dir = fs::path(shared_data()) / "colombia-mine-events";
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".geojson") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST(Import, ColombiaMineEvents) {
  auto files = colombia_files();
  MINEMAP_REQUIRE(!files.empty(), "no ../shared/data/colombia-mine-events");
  ASSERT_EQ(files.size(), 30u);
  TempDir d;
  auto store = d / "co.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);

  // The expected figures, counted straight from the files (no GDAL, no minemap).
  std::map<std::string, long> accidents_by_year, items_by_year;
  long accidents = 0, items = 0;
  for (const auto& f : files) {
    auto j = nlohmann::json::parse(slurp(f));
    for (const auto& feat : j["features"]) {
      std::string type = feat["properties"]["TIPO_EVENTO"];
      std::string year = feat["properties"]["AÑO"];
      if (type == "1" || type == "2") ++accidents, ++accidents_by_year[year];
      if (type == "4" || type == "6") ++items, ++items_by_year[year];
    }
  }
  EXPECT_EQ(accidents, 6909);
  EXPECT_EQ(items, 24180);

  for (const auto& f : files) {
    auto a =
        minemap({"import", store.string(), f.string(), "--as", "accidents", "--where",
                 "TIPO_EVENTO=1,2", "--map", "date=AÑO", "--map", "type=TIPO_EVENTO:1=mine,2=erw",
                 "--map", "device_category=TIPO_EVENTO:1=AP_MINE,2=UXO", "--json"});
    ASSERT_EQ(a.code, 0) << f << ": " << a.err;
    auto i = minemap({"import", store.string(), f.string(), "--as", "items", "--where",
                      "TIPO_EVENTO=4,6", "--map", "found=AÑO", "--map",
                      "category=TIPO_EVENTO:4=AP_MINE,6=UXO", "--json"});
    ASSERT_EQ(i.code, 0) << f << ": " << i.err;
    auto sa = nlohmann::json::parse(a.out);
    EXPECT_EQ(sa["rejected"], 0);
  }
  auto s = json_of(minemap({"stats", store.string(), "--json"}));
  EXPECT_EQ(s["accidents"]["count"], 6909);
  EXPECT_EQ(s["items"]["count"], 24180);
  EXPECT_EQ(s["accidents"]["by_type"]["mine"], 6667);
  EXPECT_EQ(s["accidents"]["by_type"]["erw"], 242);
  EXPECT_EQ(s["items"]["by_category"]["UXO"], 44);
  ASSERT_EQ(s["accidents"]["by_year"].size(), accidents_by_year.size());
  for (const auto& [year, n] : accidents_by_year)
    EXPECT_EQ(s["accidents"]["by_year"][year], n) << year;
  ASSERT_EQ(s["items"]["by_year"].size(), items_by_year.size());
  for (const auto& [year, n] : items_by_year) EXPECT_EQ(s["items"]["by_year"][year], n) << year;
  // No hazards in this store: every accident is outside every known hazard.
  EXPECT_EQ(s["accidents"]["outside_hazards"], 6909);
}

TEST(Import, BadFeaturesFailWholeOrAreSkippedWithReasons) {
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  auto input = d / "hazards.geojson";
  write_file(input, R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"name":"good 1","type":"SHA"},"geometry":{"type":"Polygon","coordinates":[[[20,45],[20.01,45],[20.01,45.01],[20,45]]]}},
    {"type":"Feature","properties":{"name":"no geometry","type":"SHA"},"geometry":null},
    {"type":"Feature","properties":{"name":"good 2","type":"CHA"},"geometry":{"type":"Polygon","coordinates":[[[21,45],[21.01,45],[21.01,45.01],[21,45]]]}},
    {"type":"Feature","properties":{"name":"spike","type":"SHA"},"geometry":{"type":"Polygon","coordinates":[[[22,45],[22.001,45],[22.002,45],[22.001,45],[22,45]]]}},
    {"type":"Feature","properties":{"name":"good 3","type":"SHA"},"geometry":{"type":"Polygon","coordinates":[[[23,45],[23.01,45],[23.01,45.01],[23,45]]]}}]})");
  const auto before = row_counts(store);

  auto stop = minemap({"import", store.string(), input.string(), "--as", "hazards"});
  EXPECT_EQ(stop.code, 2);
  EXPECT_NE(stop.err.find("hazards.geojson: feature 1: geometry: null or empty"), std::string::npos)
      << stop.err;
  EXPECT_EQ(row_counts(store), before);

  auto dry = minemap({"import", store.string(), input.string(), "--as", "hazards", "--on-error",
                      "skip", "--dry-run", "--json"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_EQ(nlohmann::json::parse(dry.out)["imported"], 3);
  EXPECT_EQ(row_counts(store), before);

  auto rejects = d / "rejects.csv";
  auto skip = minemap({"import", store.string(), input.string(), "--as", "hazards", "--on-error",
                       "skip", "--rejects", rejects.string(), "--json"});
  ASSERT_EQ(skip.code, 0) << skip.err;
  auto sum = nlohmann::json::parse(skip.out);
  EXPECT_EQ(sum["imported"], 3);
  EXPECT_EQ(sum["rejected"], 2);
  auto lines = slurp(rejects);
  EXPECT_NE(lines.find("1,\"geometry: null or empty"), std::string::npos) << lines;
  EXPECT_NE(lines.find("3,\"geometry: self-intersecting polygon cannot be repaired"),
            std::string::npos)
      << lines;
  auto names = json_of(minemap({"list", store.string(), "hazards", "--format", "json"}));
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[2]["name"], "good 3");
}

TEST(Import, MappingErrorsNameTheOption) {
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  auto input = d / "a.csv";
  write_file(input, "lon,lat,when,kind\n20.1,45.1,2012,1\n");
  auto bad_col = minemap(
      {"import", store.string(), input.string(), "--as", "accidents", "--map", "date=year"});
  EXPECT_EQ(bad_col.code, 2);
  EXPECT_NE(bad_col.err.find("--map: no column \"year\""), std::string::npos) << bad_col.err;
  auto bad_field =
      minemap({"import", store.string(), input.string(), "--as", "accidents", "--map", "dat=when"});
  EXPECT_EQ(bad_field.code, 2);
  EXPECT_NE(bad_field.err.find("no field \"dat\""), std::string::npos) << bad_field.err;
  auto ok = minemap({"import", store.string(), input.string(), "--as", "accidents", "--map",
                     "date=when", "--map", "type=kind:1=mine", "--json"});
  ASSERT_EQ(ok.code, 0) << ok.err;
  auto acc = json_of(minemap({"list", store.string(), "accidents", "--format", "geojson"}));
  ASSERT_EQ(acc["features"].size(), 1u);
  EXPECT_EQ(acc["features"][0]["properties"]["type"], "mine");
  EXPECT_EQ(acc["features"][0]["properties"]["date"], "2012");
  EXPECT_DOUBLE_EQ(double(acc["features"][0]["geometry"]["coordinates"][0]), 20.1);
}

namespace {

// Every record of every entity, by entity and id, as `list --format json` gives it.
std::map<std::string, std::map<std::string, nlohmann::json>> snapshot(const fs::path& store) {
  std::map<std::string, std::map<std::string, nlohmann::json>> out;
  for (const char* e : {"organisations", "admin-areas", "settlements", "roads", "hazards",
                        "activities", "releases", "items", "accidents", "victims", "records"}) {
    auto arr =
        json_of(minemap({"list", store.string(), e, "--format", "json", "--include-personal"}));
    for (const auto& r : arr) out[e][r["id"]] = r;
  }
  return out;
}

void expect_same(const nlohmann::json& a, const nlohmann::json& b, const std::string& where) {
  if (a.is_number() && b.is_number()) {
    double x = a, y = b;
    // Coordinates within 1e-7 degrees; derived areas within a millionth.
    bool coordinate = where.find(".geometry") != std::string::npos;
    EXPECT_NEAR(x, y, coordinate ? 1e-7 : std::max(1e-9, 1e-6 * std::abs(y))) << where;
  } else if (a.is_array() && b.is_array()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (std::size_t i = 0; i < a.size(); ++i)
      expect_same(a[i], b[i], where + "[" + std::to_string(i) + "]");
  } else if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (const auto& k : keys) {
      ASSERT_TRUE(a.contains(k) && b.contains(k)) << where << "." << k << " missing on one side";
      expect_same(a[k], b[k], where + "." + k);
    }
  } else {
    EXPECT_EQ(a, b) << where;
  }
}

}  // namespace

class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, ExportThenImportGivesTheSameFeatures) {
  const std::string format = GetParam();
  TempDir d;
  auto source = d / "source.gpkg", target = d / "target.gpkg";
  ASSERT_EQ(minemap({"init", source.string()}).code, 0);
  add_every_entity(source);
  ASSERT_EQ(minemap({"init", target.string()}).code, 0);
  const std::set<std::string> points = {"settlements", "items", "accidents"};
  const std::set<std::string> spatial = {"admin-areas", "settlements", "roads",     "hazards",
                                         "releases",    "items",       "accidents", "records"};
  for (const char* e : {"organisations", "admin-areas", "settlements", "roads", "hazards",
                        "activities", "releases", "items", "accidents", "victims", "records"}) {
    // Attribute-only entities travel as CSV; GPX holds only points (and lines).
    std::string f = format;
    if (!spatial.count(e)) f = "csv";
    if (format == "gpx" && !points.count(e)) f = "geojson";
    std::string ext = f == "geojson" ? "geojson" : f;
    auto file = d / (std::string(e) + "." + ext);
    auto ex = minemap({"export", source.string(), "--as", e, "-o", file.string(), "--format", f,
                       "--include-personal"});
    ASSERT_EQ(ex.code, 0) << e << " " << f << ": " << ex.err;
    auto im = minemap({"import", target.string(), file.string(), "--as", e, "--json"});
    ASSERT_EQ(im.code, 0) << e << " " << f << ": " << im.err;
    EXPECT_EQ(nlohmann::json::parse(im.out)["imported"], 1) << e << " " << f;
  }
  auto a = snapshot(source), b = snapshot(target);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [entity, records] : a) {
    ASSERT_EQ(records.size(), b[entity].size()) << entity;
    for (const auto& [id, rec] : records) {
      ASSERT_TRUE(b[entity].count(id)) << entity << " " << id;
      expect_same(b[entity][id], rec, format + ":" + entity + ":" + id);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, RoundTrip,
                         ::testing::Values("geojson", "gpkg", "shp", "kml", "csv", "fgb", "gpx"));

TEST(Import, ImsmaStyleMappingFileFromTheDocs) {
  const char* src = std::getenv("MINEMAP_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  auto r = minemap(
      {"import", store.string(), (fs::path(src) / "tests/data/imsma-style-hazards.csv").string(),
       "--as", "hazards", "--map-file",
       (fs::path(src) / "docs/examples/imsma-style-hazards.map.json").string(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto sum = nlohmann::json::parse(r.out);
  EXPECT_EQ(sum["imported"], 7);
  EXPECT_EQ(sum["filtered_out"], 1);
  auto h = json_of(minemap({"get", store.string(), "hazards", "HZ-IM-0001", "--json"}));
  EXPECT_EQ(h["properties"]["type"], "CHA");
  EXPECT_EQ(h["properties"]["status"], "open");
  EXPECT_EQ(h["properties"]["contamination"], "AP_MINE,AT_MINE");
  EXPECT_EQ(h["properties"]["blocks_agriculture"], true);
  EXPECT_EQ(h["properties"]["workflow"], "submitted");
  EXPECT_EQ(h["properties"]["external_id"], "HZ-IM-0001");
  // The WKT polygon, not the centroid's Latitude/Longitude columns.
  EXPECT_EQ(h["geometry"]["type"], "MultiPolygon");
  auto h2 = json_of(minemap({"get", store.string(), "hazards", "HZ-IM-0002", "--json"}));
  EXPECT_EQ(h2["properties"]["status"], "closed");
  EXPECT_EQ(h2["properties"]["status_date"], "2021-11");
  // Dates as exports write them: day first, ISO date-times, a date-time with a space.
  const std::map<std::string, std::string> status_dates = {{"HZ-IM-0004", "2018-06-14"},
                                                           {"HZ-IM-0005", "2020-02-11"},
                                                           {"HZ-IM-0006", "2022-09-03"},
                                                           {"HZ-IM-0008", "2016-08-17"}};
  for (const auto& [id, date] : status_dates)
    EXPECT_EQ(json_of(minemap(
                  {"get", store.string(), "hazards", id, "--json"}))["properties"]["status_date"],
              date)
        << id;
  auto h5 = json_of(minemap({"get", store.string(), "hazards", "HZ-IM-0005", "--json"}));
  EXPECT_EQ(h5["properties"]["contamination"], "AT_MINE,UXO");
  // Loaded again, as next month's export would be: nothing changes.
  auto again = minemap({"import", store.string(),
                        (fs::path(src) / "tests/data/imsma-style-hazards.csv").string(), "--as",
                        "hazards", "--map-file",
                        (fs::path(src) / "docs/examples/imsma-style-hazards.map.json").string(),
                        "--mode", "upsert", "--json"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["unchanged"], 7) << again.out;
}

// A programme's accidents as other tools export them (tests/data/make-programme-exports.py
// writes them from the CSV): each format imports in one command with the mapping file
// from the docs, giving the same accidents and victims.
class ProgrammeExport : public testing::TestWithParam<std::string> {};

TEST_P(ProgrammeExport, ImportsInOneCommand) {
  const char* src = std::getenv("MINEMAP_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  const fs::path data = fs::path(src) / "tests" / "data";
  TempDir d;
  const std::string format = GetParam();
  fs::path file = data / "imsma-style-accidents.csv";
  if (format != "csv") {
    auto made = shell("/usr/bin/python3 " + quote((data / "make-programme-exports.py").string()) +
                      " " + quote(d.path().string()));
    ASSERT_EQ(made.code, 0) << made.err;
    file = d / ("accidents." + format);
  }
  const std::string store = (d / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  std::vector<std::string> args = {
      "import",
      store,
      file.string(),
      "--as",
      "accidents",
      "--map-file",
      (fs::path(src) / "docs/examples/imsma-style-accidents.map.json").string(),
      "--json"};
  if (format == "csv" || format == "xlsx" || format == "ods")
    args.insert(args.end(), {"--geometry", "lonlat=LON,LAT"});
  auto r = minemap(args);
  ASSERT_EQ(r.code, 0) << r.err;
  auto sum = nlohmann::json::parse(r.out);
  EXPECT_EQ(sum["imported"], 10);
  EXPECT_EQ(sum["rejected"], 0);

  // What the CSV says, read here without GDAL or minemap.
  struct Expected {
    std::string date, time, type, device;
    double lon = 0, lat = 0;
    int victims = 0;
  };
  std::map<std::string, Expected> expected;
  int killed = 0, injured = 0, children = 0;
  {
    std::istringstream in(slurp(data / "imsma-style-accidents.csv"));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> c;
      std::string cell;
      std::istringstream cells(line);
      while (std::getline(cells, cell, ',')) c.push_back(cell);
      Expected e;
      e.date = c[1].substr(6, 4) + "-" + c[1].substr(3, 2) + "-" + c[1].substr(0, 2);
      e.time = c[2];
      e.lat = std::stod(c[3]);
      e.lon = std::stod(c[4]);
      e.type = c[5] == "Cluster Munition" ? "cluster"
               : c[5] == "ERW"            ? "erw"
               : c[5] == "Mine"           ? "mine"
                                          : "demining";
      e.device = c[6] == "AP Mine"   ? "AP_MINE"
                 : c[6] == "AT Mine" ? "AT_MINE"
                 : c[6] == "UXO"     ? "UXO"
                                     : "SUBMUNITION";
      e.victims = std::stoi(c[9]) + std::stoi(c[10]);
      killed += std::stoi(c[9]);
      injured += std::stoi(c[10]);
      children += std::stoi(c[11]);
      expected[c[0]] = e;
    }
  }
  ASSERT_EQ(expected.size(), 10u);
  EXPECT_EQ(sum["victims"], killed + injured);
  std::map<std::string, int> victims_of;
  for (const auto& v : json_of(minemap({"list", store, "victims", "--format", "json"})))
    ++victims_of[v.value("accident_id", "")];
  auto got = json_of(minemap({"list", store, "accidents", "--format", "geojson"}));
  ASSERT_EQ(got["features"].size(), 10u);
  for (const auto& f : got["features"]) {
    const auto& p = f["properties"];
    const std::string key = p.value("external_id", "");
    ASSERT_TRUE(expected.count(key)) << p.dump();
    const Expected& e = expected[key];
    EXPECT_EQ(p.value("date", ""), e.date) << key;
    EXPECT_EQ(p.value("time", ""), e.time) << key;
    EXPECT_EQ(p.value("type", ""), e.type) << key;
    EXPECT_EQ(p.value("device_category", ""), e.device) << key;
    EXPECT_EQ(victims_of[f.value("id", p.value("id", ""))], e.victims) << key;
    EXPECT_NEAR(double(f["geometry"]["coordinates"][0]), e.lon, 1e-7) << key;
    EXPECT_NEAR(double(f["geometry"]["coordinates"][1]), e.lat, 1e-7) << key;
  }
  auto stats = json_of(minemap({"stats", store, "--json"}));
  EXPECT_EQ(stats["victims"].value("killed", -1), killed) << stats.dump();
  EXPECT_EQ(stats["victims"].value("injured", -1), injured) << stats.dump();
  EXPECT_EQ(stats["victims"].value("children", -1), children) << stats.dump();
}

INSTANTIATE_TEST_SUITE_P(Formats, ProgrammeExport,
                         testing::Values("csv", "xlsx", "ods", "gdb", "kml", "shp"));

namespace {

// Independent ray casting (exterior rings minus holes) for the gazetteer test.
bool ring_contains(const nlohmann::json& ring, double x, double y) {
  bool in = false;
  for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    double xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
  }
  return in;
}

bool feature_contains(const nlohmann::json& geom, double x, double y) {
  auto polys = geom["type"] == "Polygon" ? nlohmann::json::array({geom["coordinates"]})
                                         : geom["coordinates"];
  for (const auto& poly : polys) {
    if (!ring_contains(poly[0], x, y)) continue;
    bool in_hole = false;
    for (std::size_t h = 1; h < poly.size(); ++h) in_hole |= ring_contains(poly[h], x, y);
    if (!in_hole) return true;
  }
  return false;
}

}  // namespace

TEST(Import, GazetteerPlacesAccidentsInDistricts) {
  fs::path adm = fs::path(shared_data()) / "aze-adm2.geojson";
  MINEMAP_REQUIRE(fs::exists(adm), adm << " is missing");
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  auto r = minemap({"import", store.string(), adm.string(), "--as", "admin-areas", "--map",
                    "name=shapeName", "--map", "code=shapeISO", "--set", "level=2", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto gj = nlohmann::json::parse(slurp(adm));
  ASSERT_EQ(nlohmann::json::parse(r.out)["imported"], gj["features"].size());

  // For each district, the centre of its bounding box when it lies in that
  // district alone (by the independent test above).
  std::map<std::string, std::pair<double, double>> probe;  // name -> point
  for (const auto& f : gj["features"]) {
    double minx = 1e9, miny = 1e9, maxx = -1e9, maxy = -1e9;
    auto polys = f["geometry"]["type"] == "Polygon"
                     ? nlohmann::json::array({f["geometry"]["coordinates"]})
                     : f["geometry"]["coordinates"];
    for (const auto& poly : polys)
      for (const auto& c : poly[0]) {
        minx = std::min(minx, double(c[0])), maxx = std::max(maxx, double(c[0]));
        miny = std::min(miny, double(c[1])), maxy = std::max(maxy, double(c[1]));
      }
    double x = (minx + maxx) / 2, y = (miny + maxy) / 2;
    int hits = 0;
    for (const auto& g : gj["features"]) hits += feature_contains(g["geometry"], x, y);
    if (hits == 1 && feature_contains(f["geometry"], x, y))
      probe[f["properties"]["shapeName"]] = {x, y};
  }
  ASSERT_GE(probe.size(), 20u);
  std::string fc = R"({"type":"FeatureCollection","features":[)";
  bool first = true;
  for (const auto& [name, p] : probe) {
    std::ostringstream o;
    o.precision(12);
    o << (first ? "" : ",")
      << R"({"type":"Feature","properties":{"date":"2021","type":"mine","description":")" << name
      << R"("},"geometry":{"type":"Point","coordinates":[)" << p.first << "," << p.second << "]}}";
    fc += o.str();
    first = false;
  }
  fc += "]}";
  auto added = minemap({"add", store.string(), "accidents", "-"}, fc);
  ASSERT_EQ(added.code, 0) << added.err;

  std::map<std::string, std::string> admin_name;
  for (const auto& a :
       json_of(minemap({"list", store.string(), "admin-areas", "--format", "json"})))
    admin_name[a["id"]] = a["name"];
  for (const auto& a :
       json_of(minemap({"list", store.string(), "accidents", "--format", "json"}))) {
    ASSERT_TRUE(a.contains("admin_area_id")) << a["description"];
    EXPECT_EQ(admin_name[a["admin_area_id"]], a["description"]);
  }
  auto by = json_of(minemap({"stats", store.string(), "--by", "admin", "--json"}));
  long total = 0;
  for (const auto& [id, s] : by["by_admin"].items()) {
    total += s["accidents"]["count"].get<long>();
    if (id != "none") {
      EXPECT_EQ(s["name"], admin_name[id]);
    }
  }
  EXPECT_EQ(total, static_cast<long>(probe.size()));
}

TEST(Import, ProgressOnATerminalOnly) {
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  std::string fc = R"({"type":"FeatureCollection","features":[)";
  // Enough features that the run outlasts the first redraw (200 ms) even on a fast machine.
  for (int i = 0; i < 40000; ++i)
    fc +=
        std::string(i ? "," : "") +
        R"({"type":"Feature","properties":{"category":"UXO"},"geometry":{"type":"Point","coordinates":[)" +
        std::to_string(20 + i * 1e-6) + ",45]}}";
  auto input = d / "items.geojson";
  write_file(input, fc + "]}");
  // Piped: no progress line.
  auto piped = minemap({"import", store.string(), input.string(), "--as", "items", "--dry-run"});
  ASSERT_EQ(piped.code, 0) << piped.err;
  EXPECT_EQ(piped.err.find('\r'), std::string::npos) << piped.err;
  // On a terminal (script(1) gives the command a pseudo-terminal): features, rate.
  auto tty = shell("script -qec " +
                   quote(quote(bin()) + " import " + quote(store.string()) + " " +
                         quote(input.string()) + " --as items --dry-run") +
                   " /dev/null");
  ASSERT_EQ(tty.code, 0) << tty.out << tty.err;
  EXPECT_NE(tty.out.find(" / 40,000 features"), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find("/s"), std::string::npos) << tty.out;
}

// Dates as real exports write them: day first or month first with --date-format (the
// time kept where the entity has a field for it), ISO date-times from GDAL DateTime
// fields, a per-field format in the mapping file; an ambiguous date with no format is
// refused and says so.
TEST(Import, DatesAsExportsWriteThem) {
  TempDir d;
  const std::string store = (d / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  auto dates = [&](const std::string& where) {
    std::map<std::string, std::pair<std::string, std::string>> out;  // lon -> date, time
    auto all = json_of(minemap({"list", store, "accidents", "--format", "geojson"}));
    for (const auto& f : all["features"])
      if (f["properties"].value("device_model", "") == where)
        out[std::to_string(double(f["geometry"]["coordinates"][0]))] = {
            f["properties"].value("date", ""), f["properties"].value("time", "")};
    return out;
  };

  const auto csv = d / "accidents.csv";
  write_file(csv,
             "lon,lat,when,kind,device_model\n"
             "20.2,45.2,03/04/2005 14:30,1,csv\n"
             "20.1,45.1,25/12/2005,1,csv\n");
  auto ambiguous = minemap({"import", store, csv.string(), "--as", "accidents", "--map",
                            "date=when", "--map", "type=kind:1=mine"});
  EXPECT_EQ(ambiguous.code, 2);
  EXPECT_NE(ambiguous.err.find("ambiguous"), std::string::npos) << ambiguous.err;
  EXPECT_NE(ambiguous.err.find("%d/%m/%Y"), std::string::npos) << ambiguous.err;
  auto ok =
      minemap({"import", store, csv.string(), "--as", "accidents", "--map", "date=when", "--map",
               "type=kind:1=mine", "--date-format", "%d/%m/%Y", "--date-format", "%d/%m/%Y %H:%M"});
  ASSERT_EQ(ok.code, 0) << ok.err;
  auto got = dates("csv");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.begin()->second, (std::pair<std::string, std::string>{"2005-12-25", ""}));
  EXPECT_EQ(got.rbegin()->second, (std::pair<std::string, std::string>{"2005-04-03", "14:30"}));
  auto unmatched = minemap({"import", store, csv.string(), "--as", "accidents", "--map",
                            "date=when", "--map", "type=kind:1=mine", "--date-format", "%Y"});
  EXPECT_EQ(unmatched.code, 2);
  EXPECT_NE(unmatched.err.find("matches none of the date formats %Y"), std::string::npos)
      << unmatched.err;
  auto bad_format = minemap({"import", store, csv.string(), "--as", "accidents", "--map",
                             "date=when", "--date-format", "%d/%q/%Y"});
  EXPECT_EQ(bad_format.code, 2);
  EXPECT_NE(bad_format.err.find("--date-format: the date format \"%d/%q/%Y\" has %q"),
            std::string::npos)
      << bad_format.err;

  // A GeoJSON whose dates GDAL reads as DateTime fields.
  const auto geojson = d / "accidents.geojson";
  write_file(geojson, R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"when":"2005-01-01T00:00:00Z","type":"mine","device_model":"gj"},
     "geometry":{"type":"Point","coordinates":[21.1,45.1]}},
    {"type":"Feature","properties":{"when":"2006-02-03T09:15:00Z","type":"mine","device_model":"gj"},
     "geometry":{"type":"Point","coordinates":[21.2,45.2]}}]})");
  auto gj = minemap({"import", store, geojson.string(), "--as", "accidents", "--map", "date=when"});
  ASSERT_EQ(gj.code, 0) << gj.err;
  got = dates("gj");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.begin()->second, (std::pair<std::string, std::string>{"2005-01-01", ""}))
      << "midnight is a date alone";
  EXPECT_EQ(got.rbegin()->second, (std::pair<std::string, std::string>{"2006-02-03", "09:15"}));

  // A per-field format in the mapping file.
  const auto us = d / "us.csv";
  write_file(us, "lon,lat,when,kind,device_model\n22.1,45.1,12/25/2005,1,map\n");
  const auto map = d / "m.json";
  write_file(map, R"({"map": {"date": {"column": "when", "date_format": "%m/%d/%Y"},
                              "type": {"column": "kind", "values": {"1": "mine"}}}})");
  auto mapped =
      minemap({"import", store, us.string(), "--as", "accidents", "--map-file", map.string()});
  ASSERT_EQ(mapped.code, 0) << mapped.err;
  got = dates("map");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.begin()->second.first, "2005-12-25");
}

// Accidents whose victims an export only counts: each gets that many victim records of
// unknown details, so that the figures count them; a count that is not one is refused
// naming the column's outcome, and nothing is written.
TEST(Import, VictimsFromCounts) {
  TempDir d;
  const std::string store = (d / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  const auto csv = d / "accidents.csv";
  write_file(csv,
             "lon,lat,date,type,Killed,Injured,Children\n"
             "20.1,45.1,2012-05-01,mine,1,2,2\n"
             "20.2,45.2,2013,mine,,0,\n");
  auto r = minemap({"import", store, csv.string(), "--as", "accidents", "--victims",
                    "killed=Killed,injured=Injured,children=Children", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto sum = nlohmann::json::parse(r.out);
  EXPECT_EQ(sum["imported"], 2);
  EXPECT_EQ(sum["victims"], 3);
  EXPECT_EQ(sum["unused_columns"].size(), 0u) << sum.dump();
  auto victims = json_of(minemap({"list", store, "victims", "--format", "json"}));
  ASSERT_EQ(victims.size(), 3u);
  std::map<std::string, int> outcomes;
  for (const auto& v : victims) {
    ++outcomes[v.value("outcome", "")];
    EXPECT_EQ(v.value("group", ""), "unknown");
    EXPECT_EQ(v.value("workflow", ""), "approved");
  }
  EXPECT_EQ(outcomes["killed"], 1);
  EXPECT_EQ(outcomes["injured"], 2);
  // Two children among the three: the killed one first, then one of the injured.
  std::map<std::string, int> children_by_outcome;
  for (const auto& v : victims)
    if (v.value("age_group", "") == "child") ++children_by_outcome[v.value("outcome", "")];
  EXPECT_EQ(children_by_outcome, (std::map<std::string, int>{{"injured", 1}, {"killed", 1}}));
  auto stats = json_of(minemap({"stats", store, "--json"}));
  EXPECT_EQ(stats["victims"].value("killed", -1), 1) << stats.dump();
  EXPECT_EQ(stats["victims"].value("injured", -1), 2) << stats.dump();
  EXPECT_EQ(stats["victims"].value("children", -1), 2) << stats.dump();

  // The same from a mapping file; a count that is not one stops it all.
  const auto bad = d / "bad.csv";
  write_file(bad,
             "lon,lat,date,type,Killed\n"
             "20.3,45.3,2014,mine,1\n"
             "20.4,45.4,2014,mine,two\n");
  const auto map = d / "m.json";
  write_file(map, R"({"victims": {"killed": "Killed"}})");
  auto refused =
      minemap({"import", store, bad.string(), "--as", "accidents", "--map-file", map.string()});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("feature 1: victims.killed: \"two\" is not a count"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(json_of(minemap({"list", store, "victims", "--format", "json"})).size(), 3u);
  auto wrong =
      minemap({"import", store, bad.string(), "--as", "hazards", "--victims", "killed=Killed"});
  EXPECT_EQ(wrong.code, 2);
  EXPECT_NE(wrong.err.find("accidents only"), std::string::npos) << wrong.err;
  const auto more_children = d / "children.csv";
  write_file(more_children, "lon,lat,date,type,Killed,Children\n20.3,45.3,2014,mine,1,2\n");
  auto outnumbered = minemap({"import", store, more_children.string(), "--as", "accidents",
                              "--victims", "killed=Killed,children=Children"});
  EXPECT_EQ(outnumbered.code, 2);
  EXPECT_NE(outnumbered.err.find("victims.children: 2 children among 1 victims"), std::string::npos)
      << outnumbered.err;
}

// A list in one cell feeds an enum set: each part translated on its own (--split), as
// IMSMA-style exports write device types ("AP; AT").
TEST(Import, ListsFeedEnumSets) {
  TempDir d;
  const std::string store = (d / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  const auto csv = d / "hazards.csv";
  write_file(csv,
             "id,name,type,TYPES,WKT\n"
             "H1,North,SHA,AP; AT,\"POLYGON ((20 45,20.01 45,20.01 45.01,20 45))\"\n"
             "H2,East,SHA,AT,\"POLYGON ((20.02 45,20.03 45,20.03 45.01,20.02 45))\"\n"
             "H3,South,SHA,,\"POLYGON ((20.04 45,20.05 45,20.05 45.01,20.04 45))\"\n");
  auto r = minemap({"import", store, csv.string(), "--as", "hazards", "--map",
                    "contamination=TYPES:AP=AP_MINE,AT=AT_MINE", "--split", ";"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto get = [&](const std::string& id) {
    return json_of(minemap({"get", store, "hazards", id, "--json"}))["properties"];
  };
  EXPECT_EQ(get("H1").value("contamination", ""), "AP_MINE,AT_MINE");
  EXPECT_EQ(get("H2").value("contamination", ""), "AT_MINE");
  EXPECT_FALSE(get("H3").contains("contamination"));

  // The mapping file, with a separator of the field's own.
  const auto piped = d / "piped.csv";
  write_file(piped,
             "id,name,type,TYPES,WKT\n"
             "H4,West,SHA,AT|UXO,\"POLYGON ((20.06 45,20.07 45,20.07 45.01,20.06 45))\"\n");
  const auto map = d / "m.json";
  write_file(map, R"({"map": {"contamination": {"column": "TYPES", "split": "|",
                                                "values": {"AT": "AT_MINE"}}}})");
  auto m =
      minemap({"import", store, piped.string(), "--as", "hazards", "--map-file", map.string()});
  ASSERT_EQ(m.code, 0) << m.err;
  EXPECT_EQ(get("H4").value("contamination", ""), "AT_MINE,UXO");

  // A part that is no value of the set is refused as any other value.
  const auto wrong = d / "wrong.csv";
  write_file(wrong,
             "id,name,type,TYPES,WKT\n"
             "H5,Far,SHA,AP;XX,\"POLYGON ((20.08 45,20.09 45,20.09 45.01,20.08 45))\"\n");
  auto bad = minemap({"import", store, wrong.string(), "--as", "hazards", "--map",
                      "contamination=TYPES:AP=AP_MINE", "--split", ";"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("contamination"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("XX"), std::string::npos) << bad.err;
}

// The geometry from the columns a user names, whatever GDAL guesses: a WKT column where
// lon/lat columns would win, and lon/lat columns of other names in a spreadsheet, which
// has no geometry of its own.
TEST(Import, GeometryFromTheColumnsNamed) {
  TempDir d;
  const std::string store = (d / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  const auto csv = d / "hazards.csv";
  write_file(csv,
             "id,name,type,lon,lat,shape_wkt\n"
             "H1,North,SHA,20.005,45.005,\"POLYGON ((20 45,20.01 45,20.01 45.01,20 45))\"\n");
  auto guessed = minemap({"import", store, csv.string(), "--as", "hazards"});
  EXPECT_EQ(guessed.code, 2) << "GDAL's guess: the points win, and a hazard is no point";
  auto r =
      minemap({"import", store, csv.string(), "--as", "hazards", "--geometry", "wkt=shape_wkt"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto h = json_of(minemap({"get", store, "hazards", "H1", "--json"}));
  EXPECT_EQ(h["geometry"]["type"], "MultiPolygon");

  // A spreadsheet: typed cells, a Date column, coordinates in columns of its own names.
  const auto sheet_csv = d / "items.csv";
  write_file(sheet_csv,
             "category,Long_X,Lat_Y,found\n"
             "AP_MINE,20.1,45.1,2012-05-01\n"
             "UXO,20.2,45.2,2013-06-02\n");
  const auto xlsx = d / "items.xlsx";
  auto made = shell("ogr2ogr -f XLSX " + quote(xlsx.string()) + " " + quote(sheet_csv.string()) +
                    " -oo AUTODETECT_TYPE=YES");
  ASSERT_EQ(made.code, 0) << made.err;
  auto none = minemap({"import", store, xlsx.string(), "--as", "items"});
  EXPECT_EQ(none.code, 2);
  auto sheet = minemap({"import", store, xlsx.string(), "--as", "items", "--geometry",
                        "lonlat=Long_X,Lat_Y", "--json"});
  ASSERT_EQ(sheet.code, 0) << sheet.err;
  EXPECT_EQ(nlohmann::json::parse(sheet.out)["imported"], 2);
  auto items = json_of(minemap({"list", store, "items", "--format", "geojson"}));
  ASSERT_EQ(items["features"].size(), 2u);
  std::set<std::string> seen;
  for (const auto& f : items["features"]) {
    seen.insert(f["properties"].value("found", "") + " " +
                std::to_string(double(f["geometry"]["coordinates"][0])));
  }
  EXPECT_EQ(seen, (std::set<std::string>{"2012-05-01 20.100000", "2013-06-02 20.200000"}));

  auto missing =
      minemap({"import", store, xlsx.string(), "--as", "items", "--geometry", "lonlat=X,Y"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("--geometry: no column \"X\""), std::string::npos) << missing.err;
  auto bad = minemap({"import", store, xlsx.string(), "--as", "items", "--geometry", "point"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("wkt=COLUMN or lonlat="), std::string::npos) << bad.err;
}

// A monthly export loaded again (--key, --mode): what changed is updated with its
// history, what is new is added, what is gone is reported (or closed), and the same
// file twice changes nothing.
TEST(Import, SyncOnTheSourcesOwnKey) {
  TempDir d;
  const std::string store = (d / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  const auto month = [&](const std::string& name, const std::string& rows) {
    const auto p = d / name;
    write_file(p, "Ref,Name,Kind,WKT\n" + rows);
    return p.string();
  };
  const std::string sq1 = "\"POLYGON ((20.0 45.0,20.01 45.0,20.01 45.01,20.0 45.01,20.0 45.0))\"";
  const std::string sq2 =
      "\"POLYGON ((20.02 45.0,20.03 45.0,20.03 45.01,20.02 45.01,20.02 45.0))\"";
  const std::string sq3 =
      "\"POLYGON ((20.04 45.0,20.05 45.0,20.05 45.01,20.04 45.01,20.04 45.0))\"";
  const std::string sq4 =
      "\"POLYGON ((20.06 45.0,20.07 45.0,20.07 45.01,20.06 45.01,20.06 45.0))\"";
  const std::string oct = month("october.csv", "K1,North,CHA," + sq1 + "\nK2,East,SHA," + sq2 +
                                                   "\nK3,South,SHA," + sq3 + "\n");
  const auto sync = [&](const std::string& file, std::initializer_list<std::string> more = {}) {
    std::vector<std::string> args = {"import",  store,       file,    "--as",      "hazards",
                                     "--map",   "name=Name", "--map", "type=Kind", "--geometry",
                                     "wkt=WKT", "--key",     "Ref",   "--json"};
    args.insert(args.end(), more.begin(), more.end());
    return minemap(args);
  };
  const auto hazards = [&] {
    std::map<std::string, nlohmann::json> by_key;
    for (const auto& h : json_of(minemap({"list", store, "hazards", "--format", "json"})))
      by_key[h.value("external_id", "")] = h;
    return by_key;
  };

  auto first = sync(oct, {"--mode", "upsert"});
  ASSERT_EQ(first.code, 0) << first.err;
  // added, updated, unchanged
  const auto tally = [](const nlohmann::json& sum) {
    return std::tuple{sum["imported"].get<int>(), sum["updated"].get<int>(),
                      sum["unchanged"].get<int>()};
  };
  auto s1 = nlohmann::json::parse(first.out);
  EXPECT_EQ(tally(s1), std::tuple(3, 0, 0));
  auto before = hazards();
  ASSERT_EQ(before.size(), 3u);
  const std::string k1 = before["K1"].value("id", "");

  // The same file again: nothing changes, not even the audit.
  auto again = sync(oct, {"--mode", "upsert"});
  ASSERT_EQ(again.code, 0) << again.err;
  auto s2 = nlohmann::json::parse(again.out);
  EXPECT_EQ(tally(s2), std::tuple(0, 0, 3));
  EXPECT_EQ(s2["missing"].size(), 0u);
  EXPECT_EQ(hazards(), before);
  EXPECT_EQ(json_of(minemap({"history", store, "hazards", k1, "--json"}))["audit"].size(), 1u);

  // November: K1 renamed and moved, K2 as it was, K3 gone, K4 new.
  const std::string nov = month("november.csv", "K1,North field,CHA," + sq4 + "\nK2,East,SHA," +
                                                    sq2 + "\nK4,West,SHA," + sq3 + "\n");
  auto third = sync(nov, {"--mode", "upsert"});
  ASSERT_EQ(third.code, 0) << third.err;
  auto s3 = nlohmann::json::parse(third.out);
  EXPECT_EQ(tally(s3), std::tuple(1, 1, 1));
  ASSERT_EQ(s3["missing"].size(), 1u);
  EXPECT_EQ(s3["missing"][0]["key"], "K3");
  EXPECT_EQ(s3["missing"][0]["id"], before["K3"]["id"]);
  EXPECT_EQ(s3["missing"][0]["closed"], false);
  auto after = hazards();
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after["K1"]["id"], k1);
  EXPECT_EQ(after["K1"]["name"], "North field");
  EXPECT_EQ(after["K3"]["status"], "open");  // reported, not closed
  auto hist = json_of(minemap({"history", store, "hazards", k1, "--json"}))["audit"];
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(hist[1]["action"], "update");
  EXPECT_EQ(hist[1]["before"]["name"], "North");
  EXPECT_EQ(hist[1]["after"]["name"], "North field");
  EXPECT_NE(hist[1]["reason"].get<std::string>().find("november.csv (--key Ref)"),
            std::string::npos);
  // The move changed the area's place, not its size much: the geometry was updated.
  EXPECT_NE(hist[1]["before"].dump().find("20.0"), std::string::npos);

  // --on-missing close closes what the file no longer holds, once.
  auto closing = sync(nov, {"--mode", "upsert", "--on-missing", "close"});
  ASSERT_EQ(closing.code, 0) << closing.err;
  auto s4 = nlohmann::json::parse(closing.out);
  EXPECT_EQ(s4["unchanged"], 3);
  ASSERT_EQ(s4["missing"].size(), 1u);
  EXPECT_EQ(s4["missing"][0]["closed"], true);
  EXPECT_EQ(hazards()["K3"]["status"], "closed");
  EXPECT_EQ(minemap({"verify", store}).code, 0);

  // Refusals, each exit 2 naming what, and nothing written.
  const auto state = hazards();
  auto insert_again = sync(nov);  // insert is the default: a kept key is refused
  EXPECT_EQ(insert_again.code, 2);
  EXPECT_NE(insert_again.err.find("\"K1\" is " + k1 + " already"), std::string::npos)
      << insert_again.err;
  const std::string dec =
      month("december.csv", "K1,North field,CHA," + sq4 + "\nK9,New,SHA," + sq1 + "\n");
  auto update_new = sync(dec, {"--mode", "update"});
  EXPECT_EQ(update_new.code, 2);
  EXPECT_NE(update_new.err.find("feature 1: Ref: \"K9\" is the key of no record"),
            std::string::npos)
      << update_new.err;
  const std::string twice =
      month("twice.csv", "K1,North field,CHA," + sq4 + "\nK1,Again,CHA," + sq4 + "\n");
  auto dup = sync(twice, {"--mode", "upsert"});
  EXPECT_EQ(dup.code, 2);
  EXPECT_NE(dup.err.find("\"K1\" is also the key of feature 0"), std::string::npos) << dup.err;
  auto no_key = minemap({"import", store, nov, "--as", "hazards", "--mode", "upsert"});
  EXPECT_EQ(no_key.code, 2);
  EXPECT_NE(no_key.err.find("--mode"), std::string::npos) << no_key.err;
  auto no_close = minemap({"import", store, nov, "--as", "accidents", "--key", "Ref", "--mode",
                           "upsert", "--on-missing", "close"});
  EXPECT_EQ(no_close.code, 2);
  EXPECT_NE(no_close.err.find("no status \"closed\""), std::string::npos) << no_close.err;
  EXPECT_EQ(hazards(), state);

  // A record deleted here is not made again by the next export that still holds it.
  const std::string k2 = state.at("K2").value("id", "");
  ASSERT_EQ(minemap({"delete", store, "hazards", k2, "--reason", "entered twice"}).code, 0);
  auto deleted = sync(nov, {"--mode", "upsert"});
  EXPECT_EQ(deleted.code, 2);
  EXPECT_NE(deleted.err.find("\"K2\" was " + k2 + ", deleted here"), std::string::npos)
      << deleted.err;
  EXPECT_EQ(hazards().count("K2"), 0u);
}
