#include "app/cmd_risk.hpp"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli_util.hpp"
#include "core/bbox.hpp"
#include "core/errors.hpp"
#include "ops/risk.hpp"
#include "ops/risk_grid.hpp"

namespace minemap::app {

namespace {

struct GridArgs {
  std::string store, bbox, out;
  double cell = 0;
  std::vector<std::string> rasters;
  bool overwrite = false;
};

struct TrainArgs {
  std::string table, grid, label, group, out;
  std::vector<std::string> exclude;
  bool json = false, no_search = false, quiet = false;
  int threads = 1;
};

struct PredictArgs {
  std::string model, table, grid, out, tiles;
  bool overwrite = false, quiet = false;
};

// Exactly one of --table and --grid.
void one_source(const std::string& table, const std::string& grid) {
  if (table.empty() == grid.empty())
    throw core::InputError("--table", "give --table FILE.csv or --grid GRID.gpkg (one of them)");
}

std::string fixed3(const std::optional<double>& v) {
  if (!v) return "-";
  char s[16];
  std::snprintf(s, sizeof s, "%.3f", *v);
  return s;
}

// "0.4 MB", "12.0 MB".
std::string megabytes(std::size_t bytes) {
  char s[32];
  std::snprintf(s, sizeof s, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return s;
}

// "0.42 s".
std::string seconds(double s) {
  char t[32];
  std::snprintf(t, sizeof t, "%.2f s", s);
  return t;
}

nlohmann::json figure(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json params_json(const analysis::gbt::Params& p) {
  return {{"rounds", p.rounds},
          {"max_depth", p.max_depth},
          {"eta", p.eta},
          {"min_child_weight", p.min_child_weight},
          {"subsample", p.subsample},
          {"colsample_bytree", p.colsample_bytree},
          {"lambda", p.lambda},
          {"alpha", p.alpha},
          {"gamma", p.gamma}};
}

nlohmann::json cv_json(const analysis::CvResult& cv, bool folds) {
  nlohmann::json j = {
      {"params", params_json(cv.params)},          {"pooled_roc_auc", figure(cv.pooled_roc_auc)},
      {"pooled_pr_auc", figure(cv.pooled_pr_auc)}, {"mean_roc_auc", figure(cv.mean_roc_auc)},
      {"mean_pr_auc", figure(cv.mean_pr_auc)},     {"folds_with_auc", cv.folds_with_roc}};
  if (folds) {
    j["folds"] = nlohmann::json::array();
    for (const auto& f : cv.folds)
      j["folds"].push_back({{"group", f.group},
                            {"n", f.n},
                            {"positives", f.positives},
                            {"roc_auc", figure(f.roc_auc)},
                            {"pr_auc", figure(f.pr_auc)}});
  }
  return j;
}

int cmd_grid(const GridArgs& a) {
  ops::RiskGridOptions o;
  o.store = a.store;
  o.cell_m = a.cell;
  o.rasters = a.rasters;
  if (!a.bbox.empty()) o.bbox = core::parse_bbox(a.bbox, core::BboxSyntax::CommandLine);
  o.out = a.out;
  o.overwrite = a.overwrite;
  const auto s = ops::risk_grid(o);
  char line[200];
  std::snprintf(line, sizeof line, "%.6f,%.6f,%.6f,%.6f", s.area.min_x, s.area.min_y, s.area.max_x,
                s.area.max_y);
  std::cout << a.out << ": " << s.columns * s.rows << " cells (" << s.columns << " x " << s.rows
            << ") of about " << a.cell << " m over " << line << " (from " << s.area_from << ")\n";
  std::cout << "labels: " << s.positives << " positive, " << s.negatives << " negative, "
            << s.columns * s.rows - s.positives - s.negatives << " unlabelled\n";
  std::cout << "features:";
  for (const auto& f : s.features) std::cout << ' ' << f;
  std::cout << '\n';
  return 0;
}

int cmd_train(const TrainArgs& a) {
  one_source(a.table, a.grid);
  if (!a.table.empty() && a.label.empty())
    throw core::InputError("--label", "give the column of labels of the table");
  if (a.threads < 0) throw core::InputError("--threads", "must be 0 (every core) or more");
  ops::RiskTrainOptions o;
  o.table = a.grid.empty() ? a.table : a.grid;
  o.label = a.label;
  o.group = a.group;
  o.exclude = a.exclude;
  o.search = !a.no_search;
  o.threads = a.threads;
  if (!a.quiet) o.progress = [](const std::string& line) { std::cerr << "risk: " << line << '\n'; };
  auto r = a.grid.empty() ? ops::risk_train(o) : ops::risk_train_grid(o);
  ops::save_risk_model(r, a.out);
  const auto& cv = r.candidates[r.chosen];
  if (a.json) {
    nlohmann::json j = {
        {a.grid.empty() ? "table" : "grid", o.table},
        {"label", r.label},
        {"group", r.group.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.group)},
        {"cv_method", r.cv_method},
        {"rows", r.rows},
        {"positives", r.positives},
        {"features", r.features},
        {"text_columns", r.text_columns},
        {"excluded", r.excluded},
        {"candidates", nlohmann::json::array()},
        {"chosen", cv_json(cv, true)},
        {"model", a.out}};
    for (const auto& c : r.candidates) j["candidates"].push_back(cv_json(c, false));
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  std::cout << o.table << ": " << r.rows << (a.grid.empty() ? " rows (" : " labelled cells (")
            << r.positives << " positive), " << r.features.size() << " features\n";
  if (!r.text_columns.empty()) {
    std::cout << "text columns, not features:";
    for (const auto& t : r.text_columns) std::cout << " \"" << t << '"';
    std::cout << '\n';
  }
  std::cout << "cross-validation: " << r.cv_method;
  if (!r.group.empty()) std::cout << " (" << r.group << ")";
  std::cout << ", " << cv.folds.size() << " folds; " << r.candidates.size()
            << (r.candidates.size() == 1 ? " candidate" : " candidates, chosen by pooled ROC AUC")
            << '\n';
  std::cout << "chosen: " << cv.params.describe() << "\n\n";
  std::size_t width = 5;
  for (const auto& f : cv.folds) width = std::max(width, f.group.size());
  char line[64];
  std::cout << "group" << std::string(width - 5, ' ') << "       n  positive  ROC AUC  PR AUC\n";
  for (const auto& f : cv.folds) {
    std::snprintf(line, sizeof line, "%8zu  %8zu  %7s  %6s", f.n, f.positives,
                  fixed3(f.roc_auc).c_str(), fixed3(f.pr_auc).c_str());
    std::cout << f.group << std::string(width - f.group.size(), ' ') << line;
    if (!f.roc_auc) std::cout << "  (one class only: AUC not defined)";
    std::cout << '\n';
  }
  std::cout << "\npooled over all " << r.rows << " out-of-fold predictions: ROC AUC "
            << fixed3(cv.pooled_roc_auc) << ", PR AUC " << fixed3(cv.pooled_pr_auc)
            << " (positive share "
            << fixed3(static_cast<double>(r.positives) / static_cast<double>(r.rows)) << ")\n";
  std::cout << "mean over the " << cv.folds_with_roc << " folds with both classes: ROC AUC "
            << fixed3(cv.mean_roc_auc) << ", PR AUC " << fixed3(cv.mean_pr_auc) << '\n';
  std::cout << "model: " << a.out << '\n';
  return 0;
}

int cmd_predict(const PredictArgs& a) {
  one_source(a.table, a.grid);
  if (!a.tiles.empty() && a.grid.empty())
    throw core::InputError("--tiles", "needs --grid (a table's rows have no place on a map)");
  ops::RiskPredictedGrid r;
  if (a.grid.empty()) {
    static_cast<ops::RiskPredicted&>(r) = ops::risk_predict(a.model, a.table, a.out);
  } else {
    ops::RiskPredictGridOptions o{a.model, a.grid, a.out, a.tiles, a.overwrite, {}};
    if (!a.quiet) o.progress = [](const std::string& line) { std::cerr << line << '\n'; };
    r = ops::risk_predict_grid(o);
  }
  const auto& source = a.grid.empty() ? a.table : a.grid;
  for (const auto& f : r.missing_features)
    std::cerr << "minemap: warning: " << source << " has no column \"" << f
              << "\", a feature of the model: taken as missing\n";
  if (a.out != "-")
    std::cerr << "risk: " << r.rows << (a.grid.empty() ? " rows" : " cells")
              << " scored, written to " << a.out << '\n';
  if (r.tiles_max_zoom >= 0)
    std::cerr << "risk: " << r.tiles << " tiles (zooms 0 to " << r.tiles_max_zoom << ", "
              << megabytes(r.tile_bytes) << ", " << seconds(r.tile_seconds) << ") written to "
              << a.tiles << "; show them on the map with minemap serve STORE --risk " << a.tiles
              << '\n';
  return 0;
}

}  // namespace

void add_risk_commands(CLI::App& app, std::function<int()>& run) {
  auto* risk = app.add_subcommand(
      "risk",
      "A contamination-likelihood model: a grid over a store, training, scoring (docs/risk.md)");
  risk->require_subcommand(1);
  risk->footer(
      "Gradient-boosted trees (XGBoost) on a grid made from a store (risk grid) or on a CSV\n"
      "table of precomputed features, one row per cell; chosen by cross-validation that\n"
      "holds out one group (admin area, municipality) at a time.\n"
      "Examples:\n"
      "  minemap risk grid field.gpkg --cell 250 -o grid.gpkg\n"
      "  minemap risk train --grid grid.gpkg -o grid.model.json\n"
      "  minemap risk predict --model grid.model.json --grid grid.gpkg -o risk.gpkg \\\n"
      "      --tiles risk.mbtiles\n"
      "  minemap serve field.gpkg --risk risk.mbtiles");

  static GridArgs ga;
  auto* grid = risk->add_subcommand(
      "grid", "A grid over a store with features from its layers and rasters, and labels");
  grid->add_option("STORE", ga.store, kStoreHelp)->required();
  grid->add_option("--cell", ga.cell, "the side of a cell, metres (about: docs/risk.md)")
      ->required();
  grid->add_option("--raster", ga.rasters,
                   "a raster (GeoTIFF) with a CRS: its value at each cell's centre, in a "
                   "column named after the file's stem; repeat for more");
  grid->add_option("--bbox", ga.bbox,
                   "W,S,E,N degrees: the area (default: the approved admin areas' extent, "
                   "else the features' with 1 km around)");
  grid->add_option("-o,--output", ga.out, "the GeoPackage to write (layer grid)")->required();
  grid->add_flag("--overwrite", ga.overwrite, "replace the output if it exists");
  grid->footer(
      "Features per cell, at its centre: geodesic distances to the nearest approved accident,\n"
      "item, hazard, cleared land, recorded mine, road and settlement; accidents and items\n"
      "within 1 and 5 km. Events inside a cell are left out of its own features (they make\n"
      "its label). label: 1 where an item was found or an accident happened in the cell, 0\n"
      "where its centre lies in land cleared or reduced with nothing found, else empty.\n"
      "Example: minemap risk grid field.gpkg --cell 500 --raster dem.tif -o grid.gpkg");
  grid->callback([&] { run = [&] { return cmd_grid(ga); }; });

  static TrainArgs ta;
  auto* train =
      risk->add_subcommand("train", "Train a model on a labelled table, with cross-validation");
  train->add_option("--table", ta.table, "the CSV table: a header, one row per cell");
  train->add_option("--grid", ta.grid, "or a grid written by risk grid (its labelled cells)");
  train->add_option("--label", ta.label,
                    "the column of labels, 0 or 1 (required with --table; --grid: label)");
  train->add_option("--group", ta.group,
                    "the column whose values are the folds (leave one group out); without it, "
                    "5 folds of rows (--grid: admin_area_id)");
  train->add_option("--exclude", ta.exclude,
                    "columns that are not features, separated by commas (a name with commas "
                    "in it is matched whole)");
  train->add_option("-o,--output", ta.out, "the model file to write (XGBoost JSON)")->required();
  train->add_flag("--no-search", ta.no_search,
                  "no grid: cross-validate and train the default parameters only");
  train->add_option("--threads", ta.threads, "XGBoost's threads (default 1; 0: every core)");
  train->add_flag("--json", ta.json, "the figures as JSON for scripts (keys: docs/cli.md)");
  train->add_flag("-q,--quiet", ta.quiet, "no progress on standard error");
  train->footer(
      "The first column names the row and is never a feature, nor are the label, the group,\n"
      "--exclude and any column with text in it; empty cells are missing.\n"
      "Example:\n"
      "  minemap risk train --table train_labeled.csv --label mines_outcome --group Municipio \\\n"
      "      --exclude LATITUD_Y,LONGITUD_X -o reland.model.json");
  train->callback([&] { run = [&] { return cmd_train(ta); }; });

  static PredictArgs pa;
  auto* predict = risk->add_subcommand("predict", "Score every row of a table with a model");
  predict->add_option("--model", pa.model, "a model file written by risk train")->required();
  predict->add_option("--table", pa.table, "the CSV table of features, one row per cell");
  predict->add_option("--grid", pa.grid, "or a grid written by risk grid");
  predict
      ->add_option("-o,--output", pa.out,
                   "--table: the CSV to write, the first column then risk (0 to 1), - for "
                   "standard output; --grid: a GeoPackage (layer risk: cell, admin_area_id, "
                   "label, risk, why)")
      ->required();
  predict->add_option("--tiles", pa.tiles,
                      "--grid: also an MBTiles file of vector tiles of the scores, for the web "
                      "map (serve --risk) and for QGIS");
  predict->add_flag("--overwrite", pa.overwrite,
                    "--grid: replace the outputs (-o, --tiles) if they exist");
  predict->add_flag("-q,--quiet", pa.quiet, "no progress on standard error");
  predict->footer(
      "Columns are matched by name; a feature of the model the table lacks is missing in\n"
      "every row (a warning names it).\n"
      "Examples:\n"
      "  minemap risk predict --model reland.model.json --table cells.csv -o risk.csv\n"
      "  minemap risk predict --model grid.model.json --grid grid.gpkg -o risk.gpkg \\\n"
      "      --tiles risk.mbtiles\n"
      "why: the three features whose contributions raised the cell's risk most (log-odds).");
  predict->callback([&] { run = [&] { return cmd_predict(pa); }; });
}

}  // namespace minemap::app
