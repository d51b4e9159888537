// `minemap risk` on a table of precomputed features (docs/risk.md): training a
// contamination-likelihood model with cross-validation by group, and scoring a table
// with a model. The command line prints what these return.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/gbt.hpp"
#include "analysis/risk_cv.hpp"
#include "io/table_csv.hpp"

namespace minemap::ops {

struct RiskTrainOptions {
  std::string table;                 // CSV path
  std::string label;                 // column of 0/1
  std::string group;                 // column of the folds; empty: 5 folds of rows
  std::vector<std::string> exclude;  // columns left out besides text, label and group
  bool search = true;                // the grid (analysis::risk_grid), else the default
  int threads = 1;
  // Lines of progress for people (the CV of each candidate).
  std::function<void(const std::string&)> progress;
};

struct RiskTrained {
  std::string label, group;
  std::string cv_method;  // "leave one group out" or "5 folds of rows"
  std::size_t rows = 0, positives = 0;
  std::vector<std::string> features;
  std::vector<std::string> text_columns;  // columns with text: never features
  std::vector<std::string> excluded;      // the key column, label, group, --exclude
  std::vector<analysis::CvResult> candidates;
  std::size_t chosen = 0;
  std::optional<analysis::gbt::Model> model;  // trained on every row with the chosen parameters
};

// Reads the table, cross-validates the candidates, trains the chosen one on every row.
// Bad input (no such column, a label not 0/1, a malformed CSV): core::InputError naming it.
RiskTrained risk_train(const RiskTrainOptions& options);
// The same on a table already read (options.table names it in messages): the grid of
// `risk grid` comes this way (ops/risk_grid.hpp).
RiskTrained risk_train_table(io::Table table, const RiskTrainOptions& options);

// The model file: the model, with the label, group and chosen CV figures as attributes.
void save_risk_model(RiskTrained& trained, const std::string& path);

struct RiskPredicted {
  std::vector<std::string> missing_features;  // the model's, absent from the table
  std::size_t rows = 0;
};

// The model at `model_path` applied to every row of `t` (`name` names it in messages).
// Columns are matched by name; a feature the table lacks is missing in every row.
struct RiskScores {
  std::vector<std::string> features;          // the model's, in order
  std::vector<std::string> missing_features;  // the model's, absent from the table
  std::vector<float> risk;                    // per row, 0 to 1
  analysis::gbt::Matrix contributions;        // per row (when asked): log-odds per feature
};
RiskScores risk_score_table(const std::string& model_path, const io::Table& t,
                            const std::string& name, bool explain);

// The `top` features whose contributions raised row's risk most, as
// "accidents_1km +0.42; dist_road_m +0.10" (log-odds); a fixed text when none did.
std::string risk_why(const RiskScores& scores, std::size_t row, std::size_t top = 3);

// Scores the table with the model at `model_path` and writes `out` (CSV: the table's
// first column, then `risk`), whole or not at all. Everything is read and checked first.
RiskPredicted risk_predict(const std::string& model_path, const std::string& table,
                           const std::string& out);

}  // namespace minemap::ops
