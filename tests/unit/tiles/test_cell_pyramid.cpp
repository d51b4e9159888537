// The pyramid of a grid of cells (src/tiles/cell_pyramid.hpp) written into an MBTiles
// archive (src/tiles/archive_writer.hpp), read back by GDAL's MBTiles driver (an
// independent reader) and by minemap's own archive reader: every cell at the cells'
// zoom with its value and attributes, and below it the squares of the cells, whose
// highest value, mean and count are recomputed here from the cells' centres.
#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_api.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "tiles/archive.hpp"
#include "tiles/archive_writer.hpp"
#include "tiles/cell_pyramid.hpp"

namespace {

using namespace minemap;
using testing_support::TempDir;
namespace fs = std::filesystem;

constexpr double kR = 6378137.0;
constexpr double kHalf = std::numbers::pi * kR;

// Web Mercator, the spherical formulas of EPSG:3857.
double merc_x(double lon) {
  return lon * kHalf / 180.0;
}
double merc_y(double lat) {
  return kR * std::log(std::tan(std::numbers::pi / 4 + lat * std::numbers::pi / 360));
}
double round4(double v) {
  return std::round(v * 1e4) / 1e4;
}

std::string name_of(std::size_t i) {
  std::string s = std::to_string(i);
  s.insert(0, 1, 'c');
  return s;
}

// 12 x 10 cells of 0.01 degrees from 20 E, 40 N; values all different, in [0, 1].
constexpr int kCols = 12, kRows = 10;
tiles::CellLayer grid() {
  tiles::CellLayer l;
  l.name = "risk";
  l.value_key = "risk";
  for (int i = 0; i < kCols * kRows; ++i) {
    const double w = 20.0 + 0.01 * (i % kCols), s = 40.0 + 0.01 * (i / kCols);
    l.boxes.push_back({w, s, w + 0.01, s + 0.01});
    l.values.push_back(((i * 37) % (kCols * kRows)) / 119.0);
  }
  l.attributes = [](std::size_t i, tiles::mvt::Attributes& a) {
    a.emplace_back("cell", static_cast<std::int64_t>(i));
    a.emplace_back("name", name_of(i));
  };
  l.id = [](std::size_t i) { return std::optional<std::uint64_t>(i + 1); };
  return l;
}

struct Read {
  std::map<std::string, std::string> text;
  std::map<std::string, double> number;
  std::int64_t mvt_id = -1;
  double min_x, min_y, max_x, max_y;  // EPSG:3857
};

// Every feature of layer `risk` at zoom z, as GDAL's MBTiles driver reads them (clipped
// to their tiles, so that a cell across two tiles is two pieces).
std::vector<Read> read_zoom(const std::string& path, int z) {
  GDALAllRegister();
  const std::string zoom = "ZOOM_LEVEL=" + std::to_string(z);
  const char* drivers[] = {"MBTiles", nullptr};
  const char* options[] = {zoom.c_str(), nullptr};
  GDALDatasetH ds =
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, options, nullptr);
  EXPECT_NE(ds, nullptr) << path;
  std::vector<Read> out;
  if (!ds) return out;
  OGRLayerH layer = GDALDatasetGetLayerByName(ds, "risk");
  EXPECT_NE(layer, nullptr);
  if (layer) {
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    OGR_L_ResetReading(layer);
    while (OGRFeatureH f = OGR_L_GetNextFeature(layer)) {
      Read r;
      for (int k = 0; k < OGR_FD_GetFieldCount(defn); ++k) {
        if (!OGR_F_IsFieldSetAndNotNull(f, k)) continue;
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, k);
        const std::string name = OGR_Fld_GetNameRef(fd);
        if (name == "mvt_id")
          r.mvt_id = OGR_F_GetFieldAsInteger64(f, k);
        else if (OGR_Fld_GetType(fd) == OFTString)
          r.text[name] = OGR_F_GetFieldAsString(f, k);
        else
          r.number[name] = OGR_F_GetFieldAsDouble(f, k);
      }
      OGREnvelope e;
      OGR_G_GetEnvelope(OGR_F_GetGeometryRef(f), &e);
      r.min_x = e.MinX;
      r.min_y = e.MinY;
      r.max_x = e.MaxX;
      r.max_y = e.MaxY;
      out.push_back(r);
      OGR_F_Destroy(f);
    }
  }
  GDALClose(ds);
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CellPyramid, TheCellsZoomIsTheFirstWhereACellIsEightPixelsWide) {
  // A cell spans w / 360 * 2^z * 256 pixels.
  EXPECT_EQ(tiles::cell_zoom(0.01), 11);    // 7.3 px at 10, 14.6 at 11
  EXPECT_EQ(tiles::cell_zoom(0.0009), 14);  // about 100 m: 6.6 px at 13, 13.1 at 14
  EXPECT_EQ(tiles::cell_zoom(11.25), 0);    // exactly 8 px at zoom 0
  EXPECT_EQ(tiles::cell_zoom(11.2), 1);
  EXPECT_EQ(tiles::cell_zoom(90), 0);
  EXPECT_EQ(tiles::cell_zoom(1e-9), 18);  // capped
  tiles::PyramidOptions o;
  o.cell_px = 16;
  EXPECT_EQ(tiles::cell_zoom(0.01, o), 12);
}

// The pyramid of `layer` written and committed at `path`.
tiles::PyramidSummary write(const std::string& path, const tiles::CellLayer& layer) {
  tiles::MbTilesWriter w(path, false);
  auto summary = tiles::write_cell_pyramid(layer, w);
  w.commit(summary.metadata);
  return summary;
}

TEST(CellPyramid, EveryCellAtItsZoomWithItsValueAndAttributes) {
  TempDir d;
  const auto path = d.file("risk.mbtiles");
  const auto layer = grid();
  EXPECT_EQ(write(path, layer).max_zoom, 11);

  const auto features = read_zoom(path, 11);
  // Each cell's pieces (a cell across a tile edge is cut there) with its attributes.
  std::map<std::int64_t, std::vector<Read>> by_id;
  for (const auto& f : features) by_id[f.mvt_id].push_back(f);
  ASSERT_EQ(by_id.size(), static_cast<std::size_t>(kCols * kRows));
  // Tile units at zoom 11: 2 pi R / 2^11 / 4096 m.
  const double unit = 2 * kHalf / 2048 / 4096;
  for (const auto& [id, pieces] : by_id) {
    ASSERT_GE(id, 1);
    const auto i = static_cast<std::size_t>(id - 1);
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (const auto& p : pieces) {
      EXPECT_EQ(p.number.at("cell"), static_cast<double>(i));
      EXPECT_EQ(p.text.at("name"), name_of(i));
      EXPECT_NEAR(p.number.at("risk"), round4(layer.values[i]), 1e-9);
      EXPECT_FALSE(p.number.count("cells"));
      x0 = std::min(x0, p.min_x);
      y0 = std::min(y0, p.min_y);
      x1 = std::max(x1, p.max_x);
      y1 = std::max(y1, p.max_y);
    }
    const auto& b = layer.boxes[i];
    EXPECT_NEAR(x0, merc_x(b.min_x), unit) << i;
    EXPECT_NEAR(x1, merc_x(b.max_x), unit) << i;
    EXPECT_NEAR(y0, merc_y(b.min_y), unit) << i;
    EXPECT_NEAR(y1, merc_y(b.max_y), unit) << i;
  }
}

TEST(CellPyramid, BelowItSquaresHoldTheHighestValueTheMeanAndTheCount) {
  TempDir d;
  const auto path = d.file("risk.mbtiles");
  const auto layer = grid();
  write(path, layer);
  for (int z : {10, 8, 5, 0}) {
    SCOPED_TRACE(z);
    // The squares of 8 pixels at zoom z: 2^(z + 5) to the world's side.
    const double side = 2 * kHalf / std::pow(2.0, z + 5);
    struct Agg {
      double max = 0, sum = 0;
      int n = 0;
    };
    std::map<std::pair<long, long>, Agg> expected;
    for (std::size_t i = 0; i < layer.boxes.size(); ++i) {
      const auto& b = layer.boxes[i];
      const double cx = merc_x((b.min_x + b.max_x) / 2), cy = merc_y((b.min_y + b.max_y) / 2);
      auto& a = expected[std::make_pair(static_cast<long>(std::floor((cx + kHalf) / side)),
                                        static_cast<long>(std::floor((kHalf - cy) / side)))];
      a.max = std::max(a.max, layer.values[i]);
      a.sum += layer.values[i];
      ++a.n;
    }
    const auto features = read_zoom(path, z);
    ASSERT_EQ(features.size(), expected.size());
    int cells = 0;
    for (const auto& f : features) {
      EXPECT_EQ(f.mvt_id, -1);
      EXPECT_NEAR(f.max_x - f.min_x, side, side * 1e-6);
      EXPECT_NEAR(f.max_y - f.min_y, side, side * 1e-6);
      const std::pair<long, long> key{
          static_cast<long>(std::floor(((f.min_x + f.max_x) / 2 + kHalf) / side)),
          static_cast<long>(std::floor((kHalf - (f.min_y + f.max_y) / 2) / side))};
      ASSERT_TRUE(expected.count(key));
      const Agg& a = expected.at(key);
      EXPECT_NEAR(f.number.at("risk"), round4(a.max), 1e-9);
      EXPECT_NEAR(f.number.at("risk_mean"), round4(a.sum / a.n), 1e-9);
      EXPECT_EQ(f.number.at("cells"), a.n);
      EXPECT_FALSE(f.text.count("name"));
      cells += a.n;
    }
    EXPECT_EQ(cells, kCols * kRows);
  }
  // At zoom 0 every cell is in one square (8 pixels are 1.4 degrees there), whose
  // value is the highest of all.
  const auto top = read_zoom(path, 0);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_NEAR(top[0].number.at("risk"),
              round4(*std::max_element(layer.values.begin(), layer.values.end())), 1e-9);
}

TEST(CellPyramid, TheArchiveReaderOfServeTakesItWithItsMetadata) {
  TempDir d;
  const auto path = d.file("risk.mbtiles");
  tiles::MbTilesWriter w(path, false);
  auto layer = grid();
  tiles::PyramidOptions o;
  o.name = "test risk";
  o.description = "cells";
  std::vector<int> zooms;
  o.progress = [&](int z, std::size_t) { zooms.push_back(z); };
  const auto summary = tiles::write_cell_pyramid(layer, w, o);
  w.commit(summary.metadata);
  EXPECT_EQ(zooms, (std::vector<int>{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  const auto a = tiles::open_tile_archive(path);
  const auto& m = a->metadata();
  EXPECT_EQ(m.format, "mbtiles");
  EXPECT_EQ(m.min_zoom, 0);
  EXPECT_EQ(m.max_zoom, 11);
  EXPECT_EQ(m.name, "test risk");
  EXPECT_EQ(m.description, "cells");
  ASSERT_TRUE(m.has_bounds);
  EXPECT_NEAR(m.west, 20.0, 1e-6);
  EXPECT_NEAR(m.south, 40.0, 1e-6);
  EXPECT_NEAR(m.east, 20.12, 1e-6);
  EXPECT_NEAR(m.north, 40.10, 1e-6);
  const auto layers = nlohmann::json::parse(m.vector_layers);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_EQ(layers[0]["id"], "risk");
  EXPECT_EQ(layers[0]["maxzoom"], 11);
  EXPECT_EQ(layers[0]["fields"], (nlohmann::json{{"cell", "Number"},
                                                 {"cells", "Number"},
                                                 {"name", "String"},
                                                 {"risk", "Number"},
                                                 {"risk_mean", "Number"}}));
  // Every tile as stored is gzip; the count is the summary's.
  std::size_t n = 0;
  for (int z = 0; z <= 11; ++z) {
    const std::uint32_t side = 1u << z;
    const std::uint32_t x0 = static_cast<std::uint32_t>((20.0 + 180) / 360 * side);
    const std::uint32_t x1 = static_cast<std::uint32_t>((20.12 + 180) / 360 * side);
    for (std::uint32_t x = x0; x <= x1; ++x)
      for (std::uint32_t y = 0; y < side; ++y)
        if (auto t = a->tile(z, x, y)) {
          EXPECT_EQ(t->compression, tiles::TileCompression::Gzip);
          ++n;
        }
  }
  EXPECT_EQ(n, summary.tiles);
  // The same cells give the same file.
  const auto again = d.file("again.mbtiles");
  tiles::MbTilesWriter w2(again, false);
  w2.commit(tiles::write_cell_pyramid(layer, w2, o).metadata);
  EXPECT_TRUE(slurp(path) == slurp(again));
}

TEST(MbTilesWriter, WholeOrNothing) {
  TempDir d;
  const auto path = d.file("t.mbtiles");
  {
    tiles::MbTilesWriter w(path, false);
    w.add(0, 0, 0, "x");
    // Not committed: neither the file nor its temporary remains.
  }
  EXPECT_TRUE(fs::is_empty(d.path()));
  { std::ofstream(path) << "keep"; }
  EXPECT_THROW(tiles::MbTilesWriter(path, false), core::Conflict);
  EXPECT_EQ(slurp(path), "keep");
  EXPECT_THROW(tiles::MbTilesWriter(d.file("no/such/folder.mbtiles"), false), core::StorageError);
  EXPECT_THROW(tiles::MbTilesWriter(d.path().string(), true), core::StorageError);
  {
    tiles::MbTilesWriter w(path, true);
    EXPECT_THROW(w.add(1, 2, 0, "x"), std::invalid_argument);
    w.add(1, 1, 0, "x");
    // Before the commit the old file is still there.
    EXPECT_EQ(slurp(path), "keep");
    tiles::ArchiveMetadata m;
    m.min_zoom = m.max_zoom = 1;
    w.commit(m);
  }
  const auto a = tiles::open_tile_archive(path);
  const auto t = a->tile(1, 1, 0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->bytes, "x");
  EXPECT_FALSE(a->tile(1, 1, 1));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d.path())) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(CellPyramid, NoCellsIsRefused) {
  TempDir d;
  tiles::MbTilesWriter w(d.file("t.mbtiles"), false);
  tiles::CellLayer empty;
  empty.name = empty.value_key = "risk";
  EXPECT_THROW(tiles::write_cell_pyramid(empty, w), core::InputError);
}

}  // namespace
