// The XGBoost C API behind minemap's own types; see gbt.hpp. Nothing else includes
// <xgboost/c_api.h> (docs/ARCHITECTURE.md).
#include "analysis/gbt.hpp"

#include <xgboost/c_api.h>

#include <algorithm>
#include <iterator>
#include <locale>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>
#include <utility>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace minemap::analysis::gbt {

namespace {

// The largest model file load() reads: a few thousand trees of depth 8 stay far below.
// XGBoost's JSON model nests about 6 deep.
constexpr std::size_t kMaxModelDepth = 32;

// An XGBoost call's return code: anything but 0 becomes an error with XGBoost's text.
void check(int rc, const char* what) {
  if (rc == 0) return;
  const char* text = XGBGetLastError();
  throw core::Error(std::string("XGBoost: ") + what + ": " +
                    (text && *text ? text : "failed without a message"));
}

// A DMatrix, freed on every path.
class DMatrix {
 public:
  explicit DMatrix(const Matrix& x) {
    if (x.values.size() != x.rows * x.cols)
      throw core::Error("gbt: a matrix whose values are not rows x cols");
    if (x.rows == 0 || x.cols == 0) throw core::Error("gbt: an empty matrix");
    check(XGDMatrixCreateFromMat(x.values.data(), x.rows, x.cols,
                                 std::numeric_limits<float>::quiet_NaN(), &m_handle),
          "creating the matrix");
  }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  ~DMatrix() {
    if (m_handle) XGDMatrixFree(m_handle);
  }
  DMatrixHandle get() const { return m_handle; }

 private:
  DMatrixHandle m_handle = nullptr;
};

std::string number(double v) {
  std::ostringstream s;
  s.imbue(std::locale::classic());
  s.precision(10);
  s << v;
  return s.str();
}

void set_param(BoosterHandle b, const char* name, const std::string& value) {
  check(XGBoosterSetParam(b, name, value.c_str()), name);
}

void set_names(BoosterHandle b, const std::vector<std::string>& names) {
  std::vector<const char*> ptrs;
  ptrs.reserve(names.size());
  for (const auto& n : names) ptrs.push_back(n.c_str());
  check(XGBoosterSetStrFeatureInfo(b, "feature_name", ptrs.data(), ptrs.size()),
        "setting the feature names");
}

[[noreturn]] void not_a_model(const std::string& path, const std::string& why) {
  throw core::InputError(path, "not a minemap risk model (" + why + ")");
}

}  // namespace

Matrix Matrix::select_rows(const std::vector<std::size_t>& which) const {
  Matrix out(which.size(), cols);
  for (std::size_t i = 0; i < which.size(); ++i)
    std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(which[i] * cols), cols,
                out.values.begin() + static_cast<std::ptrdiff_t>(i * cols));
  return out;
}

std::string Params::describe() const {
  std::string s = "rounds=" + std::to_string(rounds) + " max_depth=" + std::to_string(max_depth) +
                  " eta=" + number(eta) + " min_child_weight=" + number(min_child_weight) +
                  " subsample=" + number(subsample) +
                  " colsample_bytree=" + number(colsample_bytree) + " lambda=" + number(lambda);
  if (alpha != 0) s += " alpha=" + number(alpha);
  if (gamma != 0) s += " gamma=" + number(gamma);
  return s;
}

Model::Model(Model&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}

Model& Model::operator=(Model&& other) noexcept {
  if (this != &other) {
    if (m_handle) XGBoosterFree(m_handle);
    m_handle = std::exchange(other.m_handle, nullptr);
  }
  return *this;
}

Model::~Model() {
  if (m_handle) XGBoosterFree(m_handle);
}

Model Model::train(const Matrix& x, const std::vector<float>& y, const Params& p,
                   const std::vector<std::string>& feature_names) {
  if (y.size() != x.rows) throw core::Error("gbt: one label per row is needed");
  if (feature_names.size() != x.cols) throw core::Error("gbt: one name per feature is needed");
  if (!p.monotone.empty() && p.monotone.size() != x.cols)
    throw core::Error("gbt: one monotone constraint per feature is needed");
  if (p.rounds < 1) throw core::Error("gbt: at least one round is needed");
  DMatrix d(x);
  check(XGDMatrixSetFloatInfo(d.get(), "label", y.data(), y.size()), "setting the labels");
  BoosterHandle h = nullptr;
  const DMatrixHandle cache[] = {d.get()};
  check(XGBoosterCreate(cache, 1, &h), "creating the booster");
  Model m(h);
  set_param(h, "verbosity", "0");
  set_param(h, "objective", "binary:logistic");
  set_param(h, "tree_method", "hist");
  set_param(h, "max_depth", std::to_string(p.max_depth));
  set_param(h, "eta", number(p.eta));
  set_param(h, "min_child_weight", number(p.min_child_weight));
  set_param(h, "subsample", number(p.subsample));
  set_param(h, "colsample_bytree", number(p.colsample_bytree));
  set_param(h, "lambda", number(p.lambda));
  set_param(h, "alpha", number(p.alpha));
  set_param(h, "gamma", number(p.gamma));
  set_param(h, "seed", std::to_string(p.seed));
  set_param(h, "nthread", std::to_string(p.threads));
  if (!p.monotone.empty()) {
    std::string c = "(";
    for (std::size_t i = 0; i < p.monotone.size(); ++i)
      c += (i ? "," : "") + std::to_string(p.monotone[i] > 0 ? 1 : p.monotone[i] < 0 ? -1 : 0);
    set_param(h, "monotone_constraints", c + ")");
  }
  for (int i = 0; i < p.rounds; ++i) check(XGBoosterUpdateOneIter(h, i, d.get()), "training");
  set_names(h, feature_names);
  return m;
}

Model Model::from_json(const std::string& text, const std::string& name) {
  if (text.size() > kMaxModelBytes)
    not_a_model(name, "larger than " + std::to_string(kMaxModelBytes) + " bytes");
  // XGBoost is given only a well-formed JSON object with a learner in it.
  if (core::json_depth(text, kMaxModelDepth + 1) > kMaxModelDepth)
    not_a_model(name, "nested too deep");
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) not_a_model(name, "not JSON");
  if (!doc.contains("learner") || !doc["learner"].is_object())
    not_a_model(name, "no XGBoost learner in it");
  BoosterHandle h = nullptr;
  check(XGBoosterCreate(nullptr, 0, &h), "creating the booster");
  Model m(h);
  if (XGBoosterLoadModelFromBuffer(h, text.data(), text.size()) != 0)
    not_a_model(name, XGBGetLastError());
  bst_ulong n = 0;
  check(XGBoosterGetNumFeature(h, &n), "reading the model");
  if (n == 0 || m.feature_names().size() != n) not_a_model(name, "no feature names in it");
  return m;
}

std::string Model::to_json() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  check(XGBoosterSaveModelToBuffer(m_handle, R"({"format": "json"})", &len, &data),
        "saving the model");
  return std::string(data, len);
}

std::vector<std::string> Model::feature_names() const {
  bst_ulong n = 0;
  const char** names = nullptr;
  check(XGBoosterGetStrFeatureInfo(m_handle, "feature_name", &n, &names),
        "reading the feature names");
  return std::vector<std::string>(names, names + n);
}

void Model::set_attribute(const std::string& key, const std::string& value) {
  check(XGBoosterSetAttr(m_handle, key.c_str(), value.c_str()), "setting an attribute");
}

std::optional<std::string> Model::attribute(const std::string& key) const {
  const char* out = nullptr;
  int found = 0;
  check(XGBoosterGetAttr(m_handle, key.c_str(), &out, &found), "reading an attribute");
  if (!found || !out) return std::nullopt;
  return std::string(out);
}

std::vector<float> Model::run_predict(const Matrix& x, int type, std::size_t per_row,
                                      int trees) const {
  bst_ulong nfeat = 0;
  check(XGBoosterGetNumFeature(m_handle, &nfeat), "reading the model");
  if (x.cols != nfeat)
    throw core::Error("gbt: the model has " + std::to_string(nfeat) + " features, the matrix " +
                      std::to_string(x.cols));
  if (x.rows == 0) return {};
  DMatrix d(x);
  const std::string config = R"({"type": )" + std::to_string(type) +
                             R"(, "training": false, "iteration_begin": 0, "iteration_end": )" +
                             std::to_string(std::max(trees, 0)) + R"(, "strict_shape": false})";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  check(XGBoosterPredictFromDMatrix(m_handle, d.get(), config.c_str(), &shape, &dim, &out),
        "predicting");
  bst_ulong total = dim ? 1 : 0;
  for (bst_ulong i = 0; i < dim; ++i) total *= shape[i];
  if (total != x.rows * per_row)
    throw core::Error("XGBoost: predicting: " + std::to_string(total) + " values for " +
                      std::to_string(x.rows) + " rows");
  return std::vector<float>(out, out + total);
}

std::vector<float> Model::predict(const Matrix& x, int trees) const {
  return run_predict(x, 0, 1, trees);
}

std::vector<float> Model::margin(const Matrix& x) const {
  return run_predict(x, 1, 1, 0);
}

Matrix Model::contributions(const Matrix& x) const {
  Matrix out;
  out.rows = x.rows;
  out.cols = x.cols + 1;
  out.values = run_predict(x, 2, x.cols + 1, 0);
  return out;
}

std::string library_version() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace minemap::analysis::gbt
