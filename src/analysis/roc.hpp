// Figures of a binary classifier's scores against labels 0/1: the area under the ROC
// curve and the area under the precision-recall curve (average precision).
#pragma once

#include <optional>
#include <vector>

namespace minemap::analysis {

// ROC AUC: the chance that a random positive scores above a random negative, ties
// counting one half (the Mann-Whitney U statistic over n+ x n-). None when the labels
// hold a single class (it is not defined then). labels: 0 or 1, one per score.
std::optional<double> roc_auc(const std::vector<float>& scores, const std::vector<float>& labels);

// PR AUC as average precision: the sum over the distinct scores, highest first, of
// precision at that threshold times the recall it adds (a step function, no
// interpolation; tied scores are one threshold). None without any positive.
std::optional<double> pr_auc(const std::vector<float>& scores, const std::vector<float>& labels);

}  // namespace minemap::analysis
