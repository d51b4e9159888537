#include "app/cmd_risk.hpp"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "ops/risk.hpp"

namespace minemap::app {

namespace {

struct TrainArgs {
  std::string table, label, group, out;
  std::vector<std::string> exclude;
  bool json = false, no_search = false, quiet = false;
  int threads = 1;
};

struct PredictArgs {
  std::string model, table, out;
};

std::string fixed3(const std::optional<double>& v) {
  if (!v) return "-";
  char s[16];
  std::snprintf(s, sizeof s, "%.3f", *v);
  return s;
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

int cmd_train(const TrainArgs& a) {
  if (a.threads < 0) throw core::InputError("--threads", "must be 0 (every core) or more");
  ops::RiskTrainOptions o;
  o.table = a.table;
  o.label = a.label;
  o.group = a.group;
  o.exclude = a.exclude;
  o.search = !a.no_search;
  o.threads = a.threads;
  if (!a.quiet) o.progress = [](const std::string& line) { std::cerr << "risk: " << line << '\n'; };
  auto r = ops::risk_train(o);
  ops::save_risk_model(r, a.out);
  const auto& cv = r.candidates[r.chosen];
  if (a.json) {
    nlohmann::json j = {
        {"table", a.table},
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
  std::cout << a.table << ": " << r.rows << " rows (" << r.positives << " positive), "
            << r.features.size() << " features\n";
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
  const auto r = ops::risk_predict(a.model, a.table, a.out);
  for (const auto& f : r.missing_features)
    std::cerr << "minemap: warning: " << a.table << " has no column \"" << f
              << "\", a feature of the model: taken as missing\n";
  if (a.out != "-") std::cerr << "risk: " << r.rows << " rows scored, written to " << a.out << '\n';
  return 0;
}

}  // namespace

void add_risk_commands(CLI::App& app, std::function<int()>& run) {
  auto* risk = app.add_subcommand(
      "risk", "A contamination-likelihood model: train it, score a table (docs/risk.md)");
  risk->require_subcommand(1);
  risk->footer(
      "Gradient-boosted trees (XGBoost) on a CSV table of precomputed features, one row per\n"
      "cell; chosen by cross-validation that holds out one group (municipality) at a time.");

  static TrainArgs ta;
  auto* train =
      risk->add_subcommand("train", "Train a model on a labelled table, with cross-validation");
  train->add_option("--table", ta.table, "the CSV table: a header, one row per cell")->required();
  train->add_option("--label", ta.label, "the column of labels, 0 or 1")->required();
  train->add_option("--group", ta.group,
                    "the column whose values are the folds (leave one group out); without it, "
                    "5 folds of rows");
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
  predict->add_option("--table", pa.table, "the CSV table of features, one row per cell")
      ->required();
  predict
      ->add_option("-o,--output", pa.out,
                   "the CSV to write: the first column, then risk (0 to 1); - for standard output")
      ->required();
  predict->footer(
      "Columns are matched by name; a feature of the model the table lacks is missing in\n"
      "every row (a warning names it).\n"
      "Example: minemap risk predict --model reland.model.json --table cells.csv -o risk.csv");
  predict->callback([&] { run = [&] { return cmd_predict(pa); }; });
}

}  // namespace minemap::app
