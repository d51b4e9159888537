// ROC AUC and average precision; see roc.hpp.
#include "analysis/roc.hpp"

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <stdexcept>

namespace minemap::analysis {

namespace {

// The indices of the scores, highest score first.
std::vector<std::size_t> by_score_descending(const std::vector<float>& scores,
                                             const std::vector<float>& labels) {
  if (scores.size() != labels.size())
    throw std::invalid_argument("roc: one label per score is needed");
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

std::optional<double> roc_auc(const std::vector<float>& scores, const std::vector<float>& labels) {
  const auto order = by_score_descending(scores, labels);
  // Walk from the highest score down, a group of tied scores at a time: each positive
  // beats every negative below it and ties half of those beside it.
  double pos = 0, neg = 0, wins = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    double p = 0, n = 0;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) {
      (labels[order[j]] > 0.5f ? p : n) += 1;
      ++j;
    }
    // Negatives in this group: beaten by every positive above, tied with those beside.
    wins += n * pos + 0.5 * n * p;
    pos += p;
    neg += n;
    i = j;
  }
  if (pos == 0 || neg == 0) return std::nullopt;
  return wins / (pos * neg);
}

std::optional<double> pr_auc(const std::vector<float>& scores, const std::vector<float>& labels) {
  const auto order = by_score_descending(scores, labels);
  double total_pos = 0;
  for (float l : labels) total_pos += l > 0.5f ? 1 : 0;
  if (total_pos == 0) return std::nullopt;
  double tp = 0, seen = 0, ap = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    double p = 0;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) {
      p += labels[order[j]] > 0.5f ? 1 : 0;
      ++j;
    }
    seen += static_cast<double>(j - i);
    tp += p;
    ap += (p / total_pos) * (tp / seen);
    i = j;
  }
  return ap;
}

}  // namespace minemap::analysis
