// Cross-validation of the contamination-likelihood model (docs/risk.md): folds by group
// (leave one group out: each municipality held out in turn, the model trained on the
// others), ROC AUC and PR AUC per fold and over all out-of-fold predictions pooled, and
// the choice of parameters from a small grid by that cross-validation.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/gbt.hpp"

namespace minemap::analysis {

struct CvFold {
  std::string group;  // the group held out
  std::size_t n = 0, positives = 0;
  std::optional<double> roc_auc, pr_auc;  // none when the group holds one class only
};

struct CvResult {
  gbt::Params params;
  std::vector<CvFold> folds;
  // Over every row's out-of-fold prediction together.
  std::optional<double> pooled_roc_auc, pooled_pr_auc;
  // The mean over the folds where the figure is defined, and how many those are.
  std::optional<double> mean_roc_auc, mean_pr_auc;
  std::size_t folds_with_roc = 0;
  std::vector<float> out_of_fold;  // per row
};

// The folds: one per distinct value of `groups` (one per row), in order of first
// appearance. Throws core::InputError when there are fewer than two groups.
std::vector<std::vector<std::size_t>> group_folds(const std::vector<std::string>& groups);

// Without groups: k folds of rows, row i in fold i mod k.
std::vector<std::vector<std::size_t>> row_folds(std::size_t rows, std::size_t k);

// The cross-validation of each of `candidates` on the same folds (fold_names: one per
// fold, as CvFold::group). Candidates that differ only in `rounds` share their training:
// one model of the most rounds, scored at each. progress(done, total, result) after
// each candidate.
std::vector<CvResult> cross_validate(
    const gbt::Matrix& x, const std::vector<float>& y, const std::vector<std::string>& names,
    const std::vector<std::vector<std::size_t>>& folds, const std::vector<std::string>& fold_names,
    const std::vector<gbt::Params>& candidates,
    const std::function<void(std::size_t, std::size_t, const CvResult&)>& progress = {});

// The grid `risk train` searches (docs/risk.md), and the one set of parameters used
// without a search.
std::vector<gbt::Params> risk_grid();
gbt::Params risk_default_params();

// The index of the best candidate: the highest pooled ROC AUC (then mean ROC AUC, then
// the earlier, simpler candidate).
std::size_t best_candidate(const std::vector<CvResult>& results);

}  // namespace minemap::analysis
