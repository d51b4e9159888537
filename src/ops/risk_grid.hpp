// `minemap risk` on a store (docs/risk.md): a grid of cells over the store's area of
// interest with features from its layers and from rasters, labels from its history,
// written as a GeoPackage; training on such a grid and scoring it with explanations.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/geometry.hpp"
#include "io/table_csv.hpp"
#include "ops/risk.hpp"

namespace minemap::ops {

struct RiskGridOptions {
  std::string store;
  double cell_m = 0;                   // the side of a cell, metres (--cell)
  std::vector<std::string> rasters;    // GeoTIFFs: one column each, named after the stem
  std::optional<core::Envelope> bbox;  // else the admin areas' extent, else the features'
  std::string out;                     // the GeoPackage to write (layer `grid`)
  bool overwrite = false;
  std::size_t max_cells = 5'000'000;
};

struct RiskGridSummary {
  std::size_t columns = 0, rows = 0;  // cells west to east, south to north
  double step_lon = 0, step_lat = 0;  // degrees
  core::Envelope area;                // the area covered, after rounding up to cells
  std::string area_from;              // "--bbox", "admin areas" or "features"
  std::size_t positives = 0, negatives = 0;
  std::vector<std::string> features;  // the feature columns, in order
};

// The layer's name in the files of `risk grid` and `risk predict`.
inline constexpr const char* kRiskGridLayer = "grid";
inline constexpr const char* kRiskPredictLayer = "risk";

// Builds and writes the grid, whole or not at all. Bad input (--cell not above 0, too
// many cells, a raster without CRS, no such store, an output that exists):
// core::InputError / core::Conflict naming it, before anything is written.
RiskGridSummary risk_grid(const RiskGridOptions& options);

// A grid file read back as a table: the attribute columns in file order (`cell` first),
// every value as text (null: empty), and each cell's polygon.
struct GridTable {
  io::Table table;
  std::vector<core::Geometry> geometry;
};
GridTable read_risk_grid(const std::string& path);

// `risk train --grid`: the table path of training (risk_train_table) on the labelled cells
// (an empty label: left out). options.table is the grid's path, options.label is `label`
// unless given, options.group `admin_area_id` unless given; admin_area_id is never a
// feature.
RiskTrained risk_train_grid(RiskTrainOptions options);

// `risk predict --grid`: every cell with `risk` and `why` (risk_why) into `out`, a
// GeoPackage layer `risk` (cell, admin_area_id, label, risk, why), and with `tiles` also
// an MBTiles archive of vector tiles for the map (layer `risk`: tiles/cell_pyramid.hpp),
// each whole or not at all. Both targets are checked before anything is computed.
struct RiskPredictGridOptions {
  std::string model, grid, out;
  std::string tiles;  // the MBTiles to write; empty: none
  bool overwrite = false;
  // Lines of progress for people (the tiles' zooms).
  std::function<void(const std::string&)> progress;
};
struct RiskPredictedGrid : RiskPredicted {
  int tiles_max_zoom = -1;  // with tiles: the cells' zoom (the pyramid runs from 0)
  std::size_t tiles = 0, tile_bytes = 0;
  double tile_seconds = 0;  // making the tiles (after the scores)
};
RiskPredictedGrid risk_predict_grid(const RiskPredictGridOptions& options);

}  // namespace minemap::ops
