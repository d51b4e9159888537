// Group cross-validation of the risk model; see risk_cv.hpp and docs/risk.md.
#include "analysis/risk_cv.hpp"

#include <algorithm>
#include <map>

#include "analysis/roc.hpp"
#include "core/errors.hpp"

namespace minemap::analysis {

std::vector<std::vector<std::size_t>> group_folds(const std::vector<std::string>& groups) {
  std::vector<std::vector<std::size_t>> folds;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    auto [it, added] = index.try_emplace(groups[i], folds.size());
    if (added) folds.emplace_back();
    folds[it->second].push_back(i);
  }
  if (folds.size() < 2)
    throw core::InputError("--group",
                           "the column has fewer than two distinct values: no fold to hold out");
  return folds;
}

std::vector<std::vector<std::size_t>> row_folds(std::size_t rows, std::size_t k) {
  std::vector<std::vector<std::size_t>> folds(std::min(k, rows));
  for (std::size_t i = 0; i < rows; ++i) folds[i % folds.size()].push_back(i);
  return folds;
}

namespace {

std::optional<double> mean(const std::vector<std::optional<double>>& v, std::size_t& count) {
  double sum = 0;
  count = 0;
  for (const auto& x : v)
    if (x) {
      sum += *x;
      ++count;
    }
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

bool same_but_rounds(const gbt::Params& a, const gbt::Params& b) {
  gbt::Params c = b;
  c.rounds = a.rounds;
  return a.describe() == c.describe() && a.monotone == c.monotone && a.seed == c.seed;
}

}  // namespace

std::vector<CvResult> cross_validate(
    const gbt::Matrix& x, const std::vector<float>& y, const std::vector<std::string>& names,
    const std::vector<std::vector<std::size_t>>& folds, const std::vector<std::string>& fold_names,
    const std::vector<gbt::Params>& candidates,
    const std::function<void(std::size_t, std::size_t, const CvResult&)>& progress) {
  std::vector<CvResult> results(candidates.size());
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    results[c].params = candidates[c];
    results[c].out_of_fold.assign(x.rows, 0.0f);
  }
  std::vector<bool> done(candidates.size(), false);
  std::size_t finished = 0;
  for (std::size_t c = 0; c < candidates.size(); ++c) {
    if (done[c]) continue;
    // This candidate and those that differ from it in rounds only: one training each fold.
    std::vector<std::size_t> family;
    for (std::size_t d = c; d < candidates.size(); ++d)
      if (!done[d] && same_but_rounds(candidates[c], candidates[d])) family.push_back(d);
    gbt::Params most = candidates[c];
    for (std::size_t d : family) most.rounds = std::max(most.rounds, candidates[d].rounds);
    for (const auto& held : folds) {
      std::vector<bool> out(x.rows, false);
      for (std::size_t i : held) out[i] = true;
      std::vector<std::size_t> train;
      for (std::size_t i = 0; i < x.rows; ++i)
        if (!out[i]) train.push_back(i);
      std::vector<float> ty;
      for (std::size_t i : train) ty.push_back(y[i]);
      const auto model = gbt::Model::train(x.select_rows(train), ty, most, names);
      const auto test = x.select_rows(held);
      for (std::size_t d : family) {
        const auto p = model.predict(test, candidates[d].rounds);
        for (std::size_t k = 0; k < held.size(); ++k) results[d].out_of_fold[held[k]] = p[k];
      }
    }
    for (std::size_t d : family) {
      auto& r = results[d];
      std::vector<std::optional<double>> rocs, prs;
      for (std::size_t f = 0; f < folds.size(); ++f) {
        CvFold fold;
        fold.group = f < fold_names.size() ? fold_names[f] : std::to_string(f + 1);
        std::vector<float> s, l;
        for (std::size_t i : folds[f]) {
          s.push_back(r.out_of_fold[i]);
          l.push_back(y[i]);
          fold.positives += y[i] > 0.5f ? 1 : 0;
        }
        fold.n = folds[f].size();
        fold.roc_auc = roc_auc(s, l);
        // Average precision is defined with a positive, but says little of a fold
        // without negatives (it is 1): left out where ROC AUC is.
        fold.pr_auc = fold.roc_auc ? pr_auc(s, l) : std::nullopt;
        rocs.push_back(fold.roc_auc);
        prs.push_back(fold.pr_auc);
        r.folds.push_back(std::move(fold));
      }
      r.pooled_roc_auc = roc_auc(r.out_of_fold, y);
      r.pooled_pr_auc = pr_auc(r.out_of_fold, y);
      std::size_t ignore = 0;
      r.mean_roc_auc = mean(rocs, r.folds_with_roc);
      r.mean_pr_auc = mean(prs, ignore);
      done[d] = true;
      ++finished;
      if (progress) progress(finished, candidates.size(), r);
    }
  }
  return results;
}

gbt::Params risk_default_params() {
  gbt::Params p;
  p.rounds = 200;
  p.max_depth = 3;
  p.eta = 0.05;
  p.min_child_weight = 10;
  p.subsample = 0.8;
  p.colsample_bytree = 0.5;
  p.lambda = 5;
  return p;
}

std::vector<gbt::Params> risk_grid() {
  // Shallow trees, strong regularisation, few rounds: the model must carry over to
  // regions it has not seen, not fit the ones it has (docs/risk.md).
  std::vector<gbt::Params> grid;
  for (int depth : {2, 3, 5})
    for (double mcw : {10.0, 50.0})
      for (int rounds : {100, 300}) {
        gbt::Params p = risk_default_params();
        p.max_depth = depth;
        p.min_child_weight = mcw;
        p.rounds = rounds;
        grid.push_back(p);
      }
  return grid;
}

std::size_t best_candidate(const std::vector<CvResult>& results) {
  std::size_t best = 0;
  const auto key = [](const CvResult& r) {
    return std::pair{r.pooled_roc_auc.value_or(0), r.mean_roc_auc.value_or(0)};
  };
  for (std::size_t i = 1; i < results.size(); ++i)
    if (key(results[i]) > key(results[best])) best = i;
  return best;
}

}  // namespace minemap::analysis
