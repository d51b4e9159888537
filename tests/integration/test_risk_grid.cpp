// `minemap risk grid`, `risk train --grid` and `risk predict --grid` on a small store
// built through the command line: the cells, their labels, the leakage rule (a cell's
// own events are not its features), a raster's values, one fold per admin area, a risk
// and an explanation per cell; bad input refused with exit 2 and nothing written.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "every_entity.hpp"
#include "harness.hpp"

using namespace harness;

namespace {

// A rectangle with a vertex every 0.01 degrees or less along its edges (the store
// refuses longer jumps in some layers).
std::string square(double w, double s, double e, double n) {
  std::vector<std::pair<double, double>> ring;
  auto edge = [&](double x0, double y0, double x1, double y1) {
    const int steps =
        static_cast<int>(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0)) / 0.01 - 1e-9));
    for (int i = 0; i < steps; ++i)
      ring.push_back({x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps});
  };
  edge(w, s, e, s);
  edge(e, s, e, n);
  edge(e, n, w, n);
  edge(w, n, w, s);
  ring.push_back(ring.front());
  std::string t = R"({"type":"Polygon","coordinates":[[)";
  char c[64];
  for (std::size_t i = 0; i < ring.size(); ++i) {
    std::snprintf(c, sizeof c, "%s[%.6f,%.6f]", i ? "," : "", ring[i].first, ring[i].second);
    t += c;
  }
  return t + "]]}";
}

std::string point(double x, double y) {
  char t[100];
  std::snprintf(t, sizeof t, R"({"type":"Point","coordinates":[%.6f,%.6f]})", x, y);
  return t;
}

// Two admin areas side by side (A west of 20.1, B east), each with a cluster of 40 items
// in its south, an accident alone, land cleared or reduced in its north; an item inside
// A's cleared land; a cancelled release in B's south-east; a road and a settlement.
struct Store {
  fs::path path;
  std::string adm_a, adm_b;
};

Store make_store(const fs::path& dir) {
  Store s;
  s.path = dir / "store.gpkg";
  EXPECT_EQ(minemap({"init", s.path.string()}).code, 0);
  s.adm_a = add_one(s.path, "admin-areas",
                    R"({"name":"A","level":2,"geometry":)" + square(20.0, 45.0, 20.1, 45.05) + "}");
  s.adm_b = add_one(s.path, "admin-areas",
                    R"({"name":"B","level":2,"geometry":)" + square(20.1, 45.0, 20.2, 45.05) + "}");
  add_one(
      s.path, "roads",
      R"({"name":"Road","class":"track","geometry":{"type":"LineString","coordinates":[[20.0,45.03],[20.2,45.03]]}})");
  add_one(s.path, "settlements",
          R"({"name":"Village","population":100,"geometry":)" + point(20.1, 45.03) + "}");
  // Each release inside a hazard of its own, through a clearance.
  auto release = [&](const std::string& outcome, double w, double so, double e, double n) {
    const auto hazard = add_one(
        s.path, "hazards",
        R"({"name":"H","type":"CHA","status":"open","contamination":["AP_MINE"],"geometry":)" +
            square(w - 0.001, so - 0.001, e + 0.001, n + 0.001) + "}");
    const auto activity = add_one(
        s.path, "activities",
        R"({"hazard_id":")" + hazard +
            R"(","type":"CLEARANCE","method":"manual","start":"2021-04","end":"2021-09-30"})");
    add_one(s.path, "releases",
            R"({"activity_id":")" + activity + R"(","outcome":")" + outcome +
                R"(","date":"2021-09-30","geometry":)" + square(w, so, e, n) + "}");
  };
  release("cleared", 20.005, 45.035, 20.095, 45.049);
  release("reduced", 20.105, 45.035, 20.195, 45.049);
  release("cancelled", 20.18, 45.002, 20.195, 45.012);

  std::string items = R"({"type":"FeatureCollection","features":[)";
  bool first = true;
  auto item = [&](double x, double y) {
    items +=
        std::string(first ? "" : ",") +
        R"({"type":"Feature","properties":{"category":"AP_MINE","found":"2020-05-01"},"geometry":)" +
        point(x, y) + "}";
    first = false;
  };
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 5; ++j) {
      item(20.0101 + 0.005 * i, 45.0051 + 0.003 * j);
      item(20.1101 + 0.005 * i, 45.0051 + 0.003 * j);
    }
  item(20.0501, 45.0401);  // inside A's cleared land
  items += "]}";
  write_file(dir / "items.geojson", items);
  auto r = minemap({"import", s.path.string(), (dir / "items.geojson").string(), "--as", "items"});
  EXPECT_EQ(r.code, 0) << r.err;
  write_file(dir / "accidents.geojson",
             R"({"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"date":"2019-07-02","type":"mine"},"geometry":)" +
                 point(20.0701, 45.0251) + R"(},
  {"type":"Feature","properties":{"date":"2020-03-01","type":"mine"},"geometry":)" +
                 point(20.1701, 45.0271) + "}]}");
  r = minemap(
      {"import", s.path.string(), (dir / "accidents.geojson").string(), "--as", "accidents"});
  EXPECT_EQ(r.code, 0) << r.err;
  return s;
}

// A raster in EPSG:4326 (or without CRS) of three pixels of 0.05 degrees from (20, 45) to
// (20.15, 45.05): 10, 20, then nodata.
fs::path make_raster(const fs::path& dir, const std::string& name, bool crs) {
  const auto asc = dir / (name + ".asc");
  write_file(asc,
             "ncols 3\nnrows 1\nxllcorner 20.0\nyllcorner 45.0\ncellsize 0.05\n"
             "NODATA_value -9999\n10 20 -9999\n");
  const auto tif = dir / (name + ".tif");
  const auto r = shell("gdal_translate -q " + std::string(crs ? "-a_srs EPSG:4326 " : "") +
                       quote(asc.string()) + " " + quote(tif.string()));
  EXPECT_EQ(r.code, 0) << r.err;
  return tif;
}

// The attributes of the cell of `path`'s layer holding (lon, lat), by name.
std::map<std::string, std::string> cell_at(const fs::path& path, const std::string& layer,
                                           double lon, double lat) {
  char box[200];
  std::snprintf(box, sizeof box, " -spat %.7f %.7f %.7f %.7f", lon - 1e-7, lat - 1e-7, lon + 1e-7,
                lat + 1e-7);
  const auto r = shell("ogr2ogr -f CSV /vsistdout/ " + quote(path.string()) + " " + layer + box);
  EXPECT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  std::string more;
  EXPECT_FALSE(std::getline(lines, more)) << "more than one cell at " << lon << "," << lat;
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string cell;
    while (std::getline(in, cell, ',')) out.push_back(cell);
    if (!s.empty() && s.back() == ',') out.push_back("");
    // GDAL's CSV quotes 64-bit integers and text with spaces.
    for (auto& c : out)
      if (c.size() >= 2 && c.front() == '"' && c.back() == '"') c = c.substr(1, c.size() - 2);
    return out;
  };
  const auto names = split(header), values = split(row);
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) out[names[i]] = values[i];
  return out;
}

double number(const std::map<std::string, std::string>& cell, const std::string& name) {
  const auto it = cell.find(name);
  EXPECT_NE(it, cell.end()) << name;
  return it == cell.end() || it->second.empty() ? -1 : std::stod(it->second);
}

}  // namespace

TEST(RiskGrid, GridLabelsTrainPredict) {
  TempDir d;
  const auto s = make_store(d.path());
  const auto elevation = make_raster(d.path(), "elevation", true);
  const auto grid = d / "grid.gpkg";
  auto r = minemap({"risk", "grid", s.path.string(), "--cell", "250", "--raster",
                    elevation.string(), "-o", grid.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  // 0.2 x 0.05 degrees at 45.025 N: 250 m is 0.003172 degrees of longitude and 0.002250 of
  // latitude, so 64 x 23 cells.
  EXPECT_NE(r.out.find("1472 cells (64 x 23)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(from admin areas)"), std::string::npos) << r.out;
  const auto info = shell("ogrinfo -so " + quote(grid.string()) + " grid");
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("Feature Count: 1472"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("Geometry: Polygon"), std::string::npos) << info.out;
  for (const char* column :
       {"cell", "dist_accident_m", "dist_item_m", "dist_hazard_m", "dist_cleared_m",
        "dist_record_mine_m", "dist_road_m", "dist_settlement_m", "accidents_1km", "accidents_5km",
        "items_1km", "items_5km", "elevation", "admin_area_id", "label"})
    EXPECT_NE(info.out.find(std::string(column) + ": "), std::string::npos) << column;

  // The lone accident's cell: positive; its own accident ignored (leakage), so the
  // nearest is the other one, about 7.9 km east.
  const auto lone = cell_at(grid, "grid", 20.0701, 45.0251);
  EXPECT_EQ(lone.at("label"), "1");
  EXPECT_GT(number(lone, "dist_accident_m"), 7000);
  EXPECT_EQ(lone.at("accidents_1km"), "0");
  EXPECT_EQ(lone.at("accidents_5km"), "0");
  EXPECT_EQ(lone.at("admin_area_id"), s.adm_a);
  EXPECT_NEAR(number(lone, "elevation"), 20, 1e-9);
  // The next cell east sees it: within a cell's width or so.
  const auto next = cell_at(grid, "grid", 20.0701 + 0.0032, 45.0251);
  EXPECT_EQ(next.at("label"), "");
  EXPECT_GT(number(next, "dist_accident_m"), 0);
  EXPECT_LT(number(next, "dist_accident_m"), 500);
  EXPECT_EQ(next.at("accidents_1km"), "1");
  // An item of the cluster: positive, its neighbours of the cluster counted, not itself.
  const auto cluster = cell_at(grid, "grid", 20.0251, 45.0111);
  EXPECT_EQ(cluster.at("label"), "1");
  EXPECT_GT(number(cluster, "dist_item_m"), 150);
  EXPECT_NEAR(number(cluster, "elevation"), 10, 1e-9);
  // Cleared land, nothing found: negative; the release around it is not its distance.
  const auto cleared = cell_at(grid, "grid", 20.0201, 45.0431);
  EXPECT_EQ(cleared.at("label"), "0");
  EXPECT_NE(cleared.at("dist_cleared_m"), "0");
  // Reduced land in B: negative; B's admin area; elevation nodata, then off the raster.
  const auto reduced = cell_at(grid, "grid", 20.1301, 45.0431);
  EXPECT_EQ(reduced.at("label"), "0");
  EXPECT_EQ(reduced.at("admin_area_id"), s.adm_b);
  EXPECT_EQ(reduced.at("elevation"), "");
  EXPECT_EQ(cell_at(grid, "grid", 20.1801, 45.0431).at("elevation"), "");
  // An item inside cleared land: positive all the same.
  EXPECT_EQ(cell_at(grid, "grid", 20.0501, 45.0401).at("label"), "1");
  // Cancelled land (released by non-technical survey): no label; nor far from everything.
  EXPECT_EQ(cell_at(grid, "grid", 20.1871, 45.0061).at("label"), "");
  EXPECT_EQ(cell_at(grid, "grid", 20.0851, 45.0311).at("label"), "");
  // Inside a hazard: 0 to it; on the road: about 0 to it.
  EXPECT_EQ(number(cell_at(grid, "grid", 20.1871, 45.0061), "dist_hazard_m"), 0);
  EXPECT_LT(number(cell_at(grid, "grid", 20.0501, 45.0301), "dist_road_m"), 130);

  // Training: one fold per admin area.
  const auto model = d / "model.json";
  r = minemap({"risk", "train", "--grid", grid.string(), "--no-search", "-q", "--json", "-o",
               model.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["cv_method"], "leave one group out");
  EXPECT_EQ(j["group"], "admin_area_id");
  EXPECT_EQ(j["positives"], 83);
  std::set<std::string> groups;
  for (const auto& f : j["chosen"]["folds"]) groups.insert(f["group"].get<std::string>());
  EXPECT_EQ(groups, (std::set<std::string>{s.adm_a, s.adm_b}));
  std::set<std::string> features(j["features"].begin(), j["features"].end());
  EXPECT_TRUE(features.count("items_1km"));
  EXPECT_TRUE(features.count("elevation"));
  for (const char* no : {"cell", "admin_area_id", "label"}) EXPECT_FALSE(features.count(no)) << no;

  // Predicting: every cell, a risk in [0, 1] and why.
  const auto out = d / "risk.gpkg";
  r = minemap(
      {"risk", "predict", "--model", model.string(), "--grid", grid.string(), "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("1472 cells scored"), std::string::npos) << r.err;
  const auto all = shell("ogr2ogr -f CSV /vsistdout/ " + quote(out.string()) + " risk");
  ASSERT_EQ(all.code, 0) << all.err;
  std::istringstream lines(all.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "cell,admin_area_id,label,risk,why");
  std::size_t rows = 0;
  while (std::getline(lines, line)) {
    // cell,admin,label,risk,why (why has no commas)
    std::vector<std::string> v;
    std::stringstream in(line);
    std::string c;
    while (std::getline(in, c, ',')) v.push_back(c);
    ASSERT_EQ(v.size(), 5u) << line;
    const double risk = std::stod(v[3]);
    EXPECT_GE(risk, 0.0);
    EXPECT_LE(risk, 1.0);
    EXPECT_FALSE(v[4].empty()) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 1472u);
  // A grid made without the raster: its column missing in every cell, with a warning.
  const auto bare = d / "bare.gpkg";
  ASSERT_EQ(minemap({"risk", "grid", s.path.string(), "--cell", "250", "-o", bare.string()}).code,
            0);
  r = minemap({"risk", "predict", "--model", model.string(), "--grid", bare.string(), "-o",
               (d / "bare-risk.gpkg").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + bare.string() +
                       " has no column \"elevation\", a feature of the model: taken as missing"),
            std::string::npos)
      << r.err;
  // An existing output is refused without --overwrite, replaced with it.
  r = minemap({"risk", "predict", "--model", model.string(), "--grid", bare.string(), "-o",
               (d / "bare-risk.gpkg").string()});
  EXPECT_EQ(r.code, 2) << r.err;
  r = minemap({"risk", "predict", "--model", model.string(), "--grid", bare.string(), "-o",
               (d / "bare-risk.gpkg").string(), "--overwrite"});
  EXPECT_EQ(r.code, 0) << r.err;
  // A cluster cell: the risk raised by its neighbours' items.
  const auto scored = cell_at(out, "risk", 20.0251, 45.0111);
  EXPECT_NE(scored.at("why").find("item"), std::string::npos) << scored.at("why");
  EXPECT_GT(number(scored, "risk"), number(cell_at(out, "risk", 20.0201, 45.0431), "risk"));
}

TEST(RiskGrid, BadInputIsRefusedAndNothingWritten) {
  TempDir d;
  const auto store = d / "store.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  add_one(store, "admin-areas",
          R"({"name":"A","level":2,"geometry":)" + square(20.0, 45.0, 20.1, 45.05) + "}");
  const auto out = d / "grid.gpkg";
  auto grid = [&](const std::string& store_path, std::vector<std::string> more) {
    std::vector<std::string> args{"risk", "grid", store_path, "-o", out.string()};
    args.insert(args.end(), more.begin(), more.end());
    return minemap(args);
  };
  expect_refused(grid(store.string(), {"--cell", "0"}), "--cell: must be", out);
  expect_refused(grid(store.string(), {"--cell", "-5"}), "--cell: must be", out);
  expect_refused(grid(store.string(), {"--cell", "1"}), "--cell: 1 m makes", out);
  const auto nocrs = make_raster(d.path(), "nocrs", false);
  expect_refused(grid(store.string(), {"--cell", "1000", "--raster", nocrs.string()}),
                 nocrs.string() + ": has no CRS", out);
  expect_refused(grid((d / "absent.gpkg").string(), {"--cell", "1000"}),
                 "absent.gpkg: no such store", out);
  EXPECT_FALSE(fs::exists(d / "absent.gpkg"));
  // An output that exists is kept.
  write_file(out, "keep");
  const auto r = grid(store.string(), {"--cell", "1000"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(slurp(out), "keep");
  fs::remove(out);
  // Train and predict on a grid that is not there.
  expect_refused(minemap({"risk", "train", "--grid", (d / "nogrid.gpkg").string(), "-q", "-o",
                          (d / "m.json").string()}),
                 "nogrid.gpkg: no such file", d / "m.json");
  expect_refused(minemap({"risk", "train", "-q", "-o", (d / "m.json").string()}),
                 "give --table FILE.csv or --grid GRID.gpkg", d / "m.json");
}

namespace {

// cell -> value of one column, from a layer read as CSV by ogr2ogr (with `options`).
std::map<long, double> column_by_cell(const fs::path& path, const std::string& layer,
                                      const std::string& column, const std::string& options = "") {
  const auto r = shell("ogr2ogr -f CSV /vsistdout/ " + options + " " + quote(path.string()) + " " +
                       layer + " -select cell," + column);
  EXPECT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "cell," + column);
  std::map<long, double> out;
  while (std::getline(lines, line)) {
    const auto comma = line.find(',');
    auto unquote = [](std::string s) {
      return s.size() >= 2 && s.front() == '"' ? s.substr(1, s.size() - 2) : s;
    };
    const long cell = std::stol(unquote(line.substr(0, comma)));
    const double v = std::stod(unquote(line.substr(comma + 1)));
    // A cell across a tile edge comes once per tile: the same value each time.
    const auto [it, added] = out.emplace(cell, v);
    if (!added) {
      EXPECT_EQ(it->second, v) << cell;
    }
  }
  return out;
}

// The XYZ tile of zoom z holding (lon, lat).
std::string tile_path(int z, double lon, double lat) {
  const double n = std::pow(2.0, z), rad = lat * M_PI / 180;
  const long x = static_cast<long>(std::floor((lon + 180) / 360 * n));
  const long y = static_cast<long>(std::floor((1 - std::asinh(std::tan(rad)) / M_PI) / 2 * n));
  return std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y);
}

}  // namespace

TEST(RiskGrid, TilesOfTheScoresForTheMap) {
  TempDir d;
  const auto s = make_store(d.path());
  const auto grid = d / "grid.gpkg", model = d / "model.json";
  ASSERT_EQ(minemap({"risk", "grid", s.path.string(), "--cell", "250", "-o", grid.string()}).code,
            0);
  ASSERT_EQ(
      minemap({"risk", "train", "--grid", grid.string(), "--no-search", "-q", "-o", model.string()})
          .code,
      0);
  const auto out = d / "risk.gpkg", tiles = d / "risk.mbtiles";
  auto r = minemap({"risk", "predict", "--model", model.string(), "--grid", grid.string(), "-o",
                    out.string(), "--tiles", tiles.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  // Cells of 0.003172 degrees are 8 pixels wide from zoom 12 (11.8 px there).
  EXPECT_NE(r.err.find("tiles (zooms 0 to 12, "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--risk " + tiles.string()), std::string::npos) << r.err;

  // GDAL reads the tiles: at zoom 12 every cell, its risk the GeoPackage's to 4 decimals.
  const auto scored = column_by_cell(out, "risk", "risk");
  const auto drawn = column_by_cell(tiles, "risk", "risk", "-oo ZOOM_LEVEL=12");
  ASSERT_EQ(scored.size(), 1472u);
  ASSERT_EQ(drawn.size(), scored.size());
  for (const auto& [cell, risk] : scored) {
    ASSERT_TRUE(drawn.count(cell)) << cell;
    EXPECT_NEAR(drawn.at(cell), std::round(risk * 1e4) / 1e4, 1e-9) << cell;
  }
  // Below, squares: each cell counted once, the highest risk kept.
  const auto info = shell("ogrinfo -q -oo ZOOM_LEVEL=8 " + quote(tiles.string()) +
                          " -sql 'SELECT SUM(cells) AS n, MAX(risk) AS top FROM risk'");
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("n (Real) = 1472"), std::string::npos) << info.out;
  double top = 0;
  for (const auto& [cell, risk] : scored) top = std::max(top, risk);
  char want[64];
  std::snprintf(want, sizeof want, "top (Real) = %g", std::round(top * 1e4) / 1e4);
  EXPECT_NE(info.out.find(want), std::string::npos) << info.out << " " << want;

  // Served: TileJSON at /risk.json, the tiles under /risk/.
  {
    ServeProcess serve(s.path.string(), d / "serve.log", {"--risk", tiles.string()});
    ASSERT_FALSE(serve.url().empty()) << slurp(d / "serve.log");
    EXPECT_NE(slurp(d / "serve.log").find("the risk model's tiles"), std::string::npos);
    const auto jar = d / "jar";
    const auto tj = request("GET", serve.url() + "risk.json", jar);
    ASSERT_EQ(tj.status, 200);
    EXPECT_EQ(tj.body["tiles"][0], serve.url() + "risk/{z}/{x}/{y}.mvt");
    EXPECT_EQ(tj.body["minzoom"], 0);
    EXPECT_EQ(tj.body["maxzoom"], 12);
    EXPECT_EQ(tj.body["vector_layers"][0]["id"], "risk");
    EXPECT_NEAR(tj.body["bounds"][0].get<double>(), 20.0, 1e-6);
    const auto tile =
        request_raw("GET", serve.url() + "risk/" + tile_path(12, 20.0251, 45.0111) + ".mvt", jar);
    EXPECT_EQ(tile.status, 200);
    EXPECT_EQ(tile.type, "application/vnd.mapbox-vector-tile");
    EXPECT_FALSE(tile.body.empty());
    EXPECT_EQ(
        request_raw("GET", serve.url() + "risk/" + tile_path(12, -60, -30) + ".mvt", jar).status,
        204);
    EXPECT_EQ(request_raw("GET", serve.url() + "risk/13/0/8192.mvt", jar).status, 400);
  }
  {
    ServeProcess plain(s.path.string(), d / "plain.log");
    ASSERT_FALSE(plain.url().empty());
    EXPECT_EQ(request("GET", plain.url() + "risk.json", d / "jar").status, 404);
  }

  // Refused, nothing written.
  const auto more = d / "more.gpkg", more_tiles = d / "more.mbtiles";
  expect_refused(
      minemap({"risk", "predict", "--model", model.string(), "--table", (d / "t.csv").string(),
               "-o", (d / "t-out.csv").string(), "--tiles", more_tiles.string()}),
      "--tiles: needs --grid", more_tiles);
  expect_refused(minemap({"risk", "predict", "--model", model.string(), "--grid", grid.string(),
                          "-o", more.string(), "--tiles", more.string()}),
                 "--tiles: names the same file as --output", more);
  write_file(more_tiles, "keep");
  r = minemap({"risk", "predict", "--model", model.string(), "--grid", grid.string(), "-o",
               more.string(), "--tiles", more_tiles.string()});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(more_tiles.string() + ": already exists"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(more));
  EXPECT_EQ(slurp(more_tiles), "keep");
  // serve --risk: a tile archive without the layer risk, and no file.
  const auto other = d / "other.mbtiles";
  const auto made = shell(
      "/usr/bin/python3 -c \"import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
      "c.executescript('CREATE TABLE metadata (name, value); CREATE TABLE tiles (zoom_level, "
      "tile_column, tile_row, tile_data); INSERT INTO metadata VALUES (\\\"format\\\", "
      "\\\"pbf\\\"), (\\\"json\\\", \\'{\\\"vector_layers\\\":[{\\\"id\\\":\\\"water\\\"}]}\\'),"
      " (\\\"minzoom\\\", \\\"0\\\"), (\\\"maxzoom\\\", \\\"0\\\");'); c.commit()\" " +
      quote(other.string()));
  ASSERT_EQ(made.code, 0) << made.err;
  for (const auto& [file, what] :
       {std::pair{other, std::string("has no tile layer \"risk\"")},
        std::pair{d / "absent.mbtiles", std::string("absent.mbtiles")}}) {
    const auto refused = shell("timeout 60 " + quote(bin()) + " serve " + quote(s.path.string()) +
                               " --port 0 --risk " + quote(file.string()));
    EXPECT_EQ(refused.code, 2) << refused.out << refused.err;
    EXPECT_NE(refused.err.find("--risk"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find(what), std::string::npos) << refused.err;
  }
}
