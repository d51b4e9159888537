// `minemap risk` on a feature table; see risk.hpp and docs/risk.md.
#include "ops/risk.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "io/read_input.hpp"
#include "io/table_csv.hpp"

namespace minemap::ops {

namespace {

namespace gbt = analysis::gbt;

constexpr const char* kModelAttribute = "minemap_risk";
constexpr const char* kModelFormat = "minemap-risk/1";

// A cell as a number: empty (or NaN) is missing; nullopt when it is text.
std::optional<float> cell_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty() || s == "nan" || s == "NaN" || s == "NAN")
    return std::numeric_limits<float>::quiet_NaN();
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return static_cast<float>(v);
}

std::string in_quotes(const std::string& s) {
  return "\"" + s + "\"";
}

// `name:line: column: what`, the way the CSV reader names a cell.
[[noreturn]] void cell_error(const std::string& file, std::size_t line, const std::string& column,
                             const std::string& what) {
  throw core::InputError(column, what).located(file + ":" + std::to_string(line));
}

std::string column_label(const io::Table& t, std::size_t c) {
  return t.columns[c].empty() ? "column " + std::to_string(c + 1) : t.columns[c];
}

// The columns --exclude names: each argument a column name, or names separated by
// commas. A name may hold commas itself (RELand's "Homicidio, Masacre"): at each place
// the longest run of comma-separated pieces that is a column is taken.
std::vector<std::size_t> exclude_columns(const io::Table& t, const std::vector<std::string>& args) {
  std::vector<std::size_t> out;
  for (const auto& arg : args) {
    if (const auto c = t.column(arg)) {
      out.push_back(*c);
      continue;
    }
    std::vector<std::string> pieces;
    for (std::size_t start = 0;;) {
      const auto comma = arg.find(',', start);
      pieces.push_back(arg.substr(start, comma == std::string::npos ? comma : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    for (std::size_t i = 0; i < pieces.size();) {
      std::optional<std::size_t> found;
      std::size_t used = 0;
      std::string name;
      for (std::size_t j = i; j < pieces.size(); ++j) {
        name += (j > i ? "," : "") + pieces[j];
        if (const auto c = t.column(name)) {
          found = c;
          used = j - i + 1;
        }
      }
      if (!found) {
        if (pieces[i].empty()) {
          ++i;
          continue;
        }
        throw core::InputError("--exclude", "the table has no column " + in_quotes(pieces[i]));
      }
      out.push_back(*found);
      i += used;
    }
  }
  return out;
}

nlohmann::json figure(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

RiskTrained risk_train(const RiskTrainOptions& o) {
  return risk_train_table(io::read_table_csv(o.table), o);
}

RiskTrained risk_train_table(io::Table t, const RiskTrainOptions& o) {
  if (t.rows.empty()) throw core::InputError(o.table, "the table has no rows");
  const auto label = t.column(o.label);
  if (!label) throw core::InputError("--label", "the table has no column " + in_quotes(o.label));
  std::optional<std::size_t> group;
  if (!o.group.empty()) {
    group = t.column(o.group);
    if (!group) throw core::InputError("--group", "the table has no column " + in_quotes(o.group));
    if (*group == *label) throw core::InputError("--group", "is the label column");
  }
  RiskTrained r;
  r.label = o.label;
  r.group = o.group;
  std::set<std::size_t> skip{0, *label};
  if (group) skip.insert(*group);
  for (std::size_t c : exclude_columns(t, o.exclude)) skip.insert(c);
  for (std::size_t c : skip) r.excluded.push_back(column_label(t, c));

  // Labels: 0 or 1 on every row.
  std::vector<float> y(t.rows.size());
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto v = cell_number(t.rows[i][*label]);
    if (!v || !(*v == 0.0f || *v == 1.0f))
      cell_error(o.table, t.line[i], o.label, in_quotes(t.rows[i][*label]) + " is not 0 or 1");
    y[i] = *v;
    r.positives += *v == 1.0f ? 1 : 0;
  }
  r.rows = y.size();
  if (r.positives == 0 || r.positives == r.rows)
    throw core::InputError("--label", "every row has the same label: nothing to learn");

  // Features: every other column whose cells are numbers or empty, each read once.
  std::vector<std::vector<float>> numbers;
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    if (skip.count(c)) continue;
    std::vector<float> column(t.rows.size());
    bool text = false;
    for (std::size_t i = 0; i < t.rows.size() && !text; ++i) {
      const auto v = cell_number(t.rows[i][c]);
      text = !v;
      if (v) column[i] = *v;
    }
    if (text) {
      r.text_columns.push_back(column_label(t, c));
      continue;
    }
    if (t.columns[c].empty())
      throw core::InputError(o.table, "column " + std::to_string(c + 1) +
                                          " has numbers but no name: name it, or --exclude it");
    numbers.push_back(std::move(column));
    r.features.push_back(t.columns[c]);
  }
  if (numbers.empty()) throw core::InputError(o.table, "no numeric column is left to learn from");
  gbt::Matrix x(t.rows.size(), numbers.size());
  for (std::size_t k = 0; k < numbers.size(); ++k) {
    for (std::size_t i = 0; i < t.rows.size(); ++i) x.at(i, k) = numbers[k][i];
    numbers[k] = {};
  }

  std::vector<std::vector<std::size_t>> folds;
  std::vector<std::string> fold_names;
  if (group) {
    std::vector<std::string> groups;
    for (const auto& row : t.rows) groups.push_back(row[*group]);
    folds = analysis::group_folds(groups);
    for (const auto& f : folds) fold_names.push_back(groups[f.front()]);
    r.cv_method = "leave one group out";
  } else {
    folds = analysis::row_folds(t.rows.size(), 5);
    for (std::size_t f = 0; f < folds.size(); ++f)
      fold_names.push_back("rows " + std::to_string(f + 1) + " mod 5");
    r.cv_method = "5 folds of rows (no --group: not spatial)";
  }
  t.rows.clear();

  auto candidates = o.search ? analysis::risk_grid() : std::vector{analysis::risk_default_params()};
  for (auto& p : candidates) p.threads = o.threads;
  const auto start = std::chrono::steady_clock::now();
  r.candidates = analysis::cross_validate(
      x, y, r.features, folds, fold_names, candidates,
      [&](std::size_t done, std::size_t total, const analysis::CvResult& cv) {
        if (!o.progress) return;
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        char line[160];
        std::snprintf(line, sizeof line,
                      "candidate %zu/%zu: pooled ROC AUC %.3f, mean %.3f (%.0f s)", done, total,
                      cv.pooled_roc_auc.value_or(NAN), cv.mean_roc_auc.value_or(NAN), s);
        o.progress(std::string(line) + "  " + cv.params.describe());
      });
  r.chosen = analysis::best_candidate(r.candidates);
  if (o.progress) o.progress("training on all " + std::to_string(r.rows) + " rows");
  r.model = gbt::Model::train(x, y, r.candidates[r.chosen].params, r.features);
  return r;
}

void save_risk_model(RiskTrained& r, const std::string& path) {
  const auto& cv = r.candidates[r.chosen];
  const auto& p = cv.params;
  nlohmann::json meta = {{"format", kModelFormat},
                         {"label", r.label},
                         {"group", r.group},
                         {"cv_method", r.cv_method},
                         {"rows", r.rows},
                         {"positives", r.positives},
                         {"params", p.describe()},
                         {"pooled_roc_auc", figure(cv.pooled_roc_auc)},
                         {"pooled_pr_auc", figure(cv.pooled_pr_auc)},
                         {"mean_roc_auc", figure(cv.mean_roc_auc)},
                         {"mean_pr_auc", figure(cv.mean_pr_auc)}};
  r.model->set_attribute(kModelAttribute, meta.dump());
  io::write_output(path, r.model->to_json());
}

namespace {

// A model file, its size checked before it is read.
gbt::Model read_model(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw core::InputError(path, "cannot read the model: " + ec.message());
  if (size > gbt::kMaxModelBytes)
    throw core::InputError(path, "not a minemap risk model (larger than " +
                                     std::to_string(gbt::kMaxModelBytes) + " bytes)");
  return gbt::Model::from_json(io::read_input(path), path);
}

}  // namespace

RiskScores risk_score_table(const std::string& model_path, const io::Table& t,
                            const std::string& name, bool explain) {
  const auto model = read_model(model_path);
  RiskScores r;
  r.features = model.feature_names();
  const auto& names = r.features;
  std::vector<std::optional<std::size_t>> col(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    col[k] = t.column(names[k]);
    if (!col[k]) r.missing_features.push_back(names[k]);
  }
  gbt::Matrix x(t.rows.size(), names.size());
  for (std::size_t i = 0; i < t.rows.size(); ++i)
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (!col[k]) continue;
      const auto v = cell_number(t.rows[i][*col[k]]);
      if (!v)
        cell_error(name, t.line[i], names[k],
                   in_quotes(t.rows[i][*col[k]]) + " is not a number (a feature of the model)");
      x.at(i, k) = *v;
    }
  if (t.rows.empty()) return r;
  r.risk = model.predict(x);
  if (explain) r.contributions = model.contributions(x);
  return r;
}

std::string risk_why(const RiskScores& s, std::size_t row, std::size_t top) {
  std::vector<std::pair<float, std::size_t>> raised;
  for (std::size_t k = 0; k < s.features.size(); ++k) {
    const float c = s.contributions.at(row, k);
    if (c > 0) raised.push_back({c, k});
  }
  std::stable_sort(raised.begin(), raised.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  if (raised.empty()) return "no feature raised the risk";
  std::string out;
  char number[32];
  for (std::size_t i = 0; i < raised.size() && i < top; ++i) {
    std::snprintf(number, sizeof number, " +%.2f", static_cast<double>(raised[i].first));
    out += (i ? "; " : "") + s.features[raised[i].second] + number;
  }
  return out;
}

RiskPredicted risk_predict(const std::string& model_path, const std::string& table,
                           const std::string& out) {
  const auto t = io::read_table_csv(table);
  if (t.columns.empty()) throw core::InputError(table, "no columns");
  const auto s = risk_score_table(model_path, t, table, false);
  RiskPredicted r;
  r.rows = t.rows.size();
  r.missing_features = s.missing_features;
  std::string csv = core::csv_cell(t.columns[0]) + ",risk\n";
  char number[32];
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    std::snprintf(number, sizeof number, "%.6f", static_cast<double>(s.risk[i]));
    csv += core::csv_cell(t.rows[i][0]) + "," + number + "\n";
  }
  io::write_output(out, csv);
  return r;
}

}  // namespace minemap::ops
