// Gradient-boosted trees for binary classification: the one module that includes the
// XGBoost C API (docs/ARCHITECTURE.md); the rest of minemap sees only these types. Every
// XGBoost call is checked; its error text becomes a core::Error (core::InputError for
// a model file that cannot be read).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace minemap::analysis::gbt {

// A dense matrix of features, row by row; NaN is a missing value.
struct Matrix {
  std::size_t rows = 0, cols = 0;
  std::vector<float> values;  // rows * cols

  Matrix() = default;
  Matrix(std::size_t r, std::size_t c)
      : rows(r), cols(c), values(r * c, std::numeric_limits<float>::quiet_NaN()) {}
  float& at(std::size_t r, std::size_t c) { return values[r * cols + c]; }
  float at(std::size_t r, std::size_t c) const { return values[r * cols + c]; }
  // The rows listed, in that order.
  Matrix select_rows(const std::vector<std::size_t>& which) const;
};

// What a model is trained with (XGBoost's parameters of the same names; objective
// binary:logistic, tree method hist).
struct Params {
  int rounds = 200;  // boosting rounds (trees)
  int max_depth = 3;
  double eta = 0.05;              // learning rate
  double min_child_weight = 10;   // least hessian (about: cells) in a leaf
  double subsample = 0.8;         // rows drawn for each tree
  double colsample_bytree = 0.5;  // features drawn for each tree
  double lambda = 5;              // L2 regularisation of leaf weights
  double alpha = 0;               // L1 regularisation of leaf weights
  double gamma = 0;               // least loss reduction of a split
  // Per feature: +1 risk may only rise with it, -1 only fall, 0 free; empty: all free.
  std::vector<int> monotone;
  int seed = 0;
  int threads = 1;  // 0: XGBoost's default (every core)

  // The parameters as one line ("max_depth=3 eta=0.05 ...") for people.
  std::string describe() const;
};

// The largest model file read (a model of thousands of deep trees is some megabytes).
inline constexpr std::uintmax_t kMaxModelBytes = std::uintmax_t{512} << 20;

class Model {
 public:
  // Trains on `x` with labels 0/1 `y` (one per row). `feature_names`: one per column,
  // kept in the model (and its file).
  static Model train(const Matrix& x, const std::vector<float>& y, const Params& params,
                     const std::vector<std::string>& feature_names);

  // A model from the text to_json() gave (a model file's content). Throws
  // core::InputError naming `name` (the file) when it is too large or not a model.
  static Model from_json(const std::string& text, const std::string& name);

  Model(Model&& other) noexcept;
  Model& operator=(Model&& other) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

  // XGBoost's own JSON model format (a file XGBoost's other bindings load too), with the
  // feature names and the attributes in it.
  std::string to_json() const;

  std::vector<std::string> feature_names() const;
  // String attributes kept in the model file.
  void set_attribute(const std::string& key, const std::string& value);
  std::optional<std::string> attribute(const std::string& key) const;

  // The probability of class 1 for each row; x has the model's columns, in order.
  // `trees` > 0: with the first rounds only (as if trained for that many).
  std::vector<float> predict(const Matrix& x, int trees = 0) const;
  // The log-odds (margin) for each row.
  std::vector<float> margin(const Matrix& x) const;
  // Per row, each feature's contribution to the margin (SHAP values, XGBoost's exact
  // tree algorithm) and, in the last column, the bias: x.cols + 1 columns that sum to
  // the row's margin.
  Matrix contributions(const Matrix& x) const;

 private:
  explicit Model(void* handle) : m_handle(handle) {}
  std::vector<float> run_predict(const Matrix& x, int type, std::size_t per_row, int trees) const;
  void* m_handle = nullptr;
};

// XGBoost's version, "1.7.4".
std::string library_version();

}  // namespace minemap::analysis::gbt
