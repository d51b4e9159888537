// ROC AUC and average precision against small examples worked by hand, and the folds of
// the group cross-validation.
#include <gtest/gtest.h>

#include "analysis/risk_cv.hpp"
#include "analysis/roc.hpp"
#include "core/errors.hpp"

using namespace minemap::analysis;

TEST(Roc, SmallExampleByHand) {
  // Highest first: 0.8 (+), 0.4 (-), 0.35 (+), 0.1 (-). Of the 4 positive-negative
  // pairs, 3 are in order: 0.75. Average precision: 0.8 gives recall 1/2 at precision 1,
  // 0.35 the other 1/2 at precision 2/3: 1/2 + 1/3.
  const std::vector<float> s{0.1f, 0.4f, 0.35f, 0.8f}, l{0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(*roc_auc(s, l), 0.75);
  EXPECT_DOUBLE_EQ(*pr_auc(s, l), 0.5 + 1.0 / 3.0);
}

TEST(Roc, TiesCountOneHalf) {
  // Every score the same: no order, 0.5; one threshold, precision 2/4 at recall 1.
  const std::vector<float> s{0.3f, 0.3f, 0.3f, 0.3f}, l{1, 0, 1, 0};
  EXPECT_DOUBLE_EQ(*roc_auc(s, l), 0.5);
  EXPECT_DOUBLE_EQ(*pr_auc(s, l), 0.5);
  // A positive tied with one of two negatives above the other: (1 + 0.5) / 2.
  EXPECT_DOUBLE_EQ(*roc_auc({0.7f, 0.7f, 0.2f}, {1, 0, 0}), 0.75);
}

TEST(Roc, PerfectAndReversed) {
  EXPECT_DOUBLE_EQ(*roc_auc({0.9f, 0.8f, 0.2f, 0.1f}, {1, 1, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(*pr_auc({0.9f, 0.8f, 0.2f, 0.1f}, {1, 1, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(*roc_auc({0.9f, 0.8f, 0.2f, 0.1f}, {0, 0, 1, 1}), 0.0);
  // Positives last: precision 1/3 at recall 1/2, then 2/4 at recall 1.
  EXPECT_DOUBLE_EQ(*pr_auc({0.9f, 0.8f, 0.2f, 0.1f}, {0, 0, 1, 1}), 0.5 / 3 + 0.5 * 0.5);
}

TEST(Roc, UndefinedWithOneClass) {
  EXPECT_FALSE(roc_auc({0.1f, 0.2f}, {1, 1}));
  EXPECT_FALSE(roc_auc({0.1f, 0.2f}, {0, 0}));
  EXPECT_FALSE(pr_auc({0.1f, 0.2f}, {0, 0}));
  EXPECT_DOUBLE_EQ(*pr_auc({0.1f, 0.2f}, {1, 1}), 1.0);
  EXPECT_FALSE(roc_auc({}, {}));
}

TEST(RiskCv, FoldsByGroupInOrderOfAppearance) {
  const auto f = group_folds({"b", "a", "b", "c", "a"});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(f[1], (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(f[2], (std::vector<std::size_t>{3}));
  EXPECT_THROW(group_folds({"a", "a"}), minemap::core::InputError);
  const auto r = row_folds(7, 3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], (std::vector<std::size_t>{0, 3, 6}));
}

TEST(RiskCv, HeldOutGroupsAreScoredByModelsThatNeverSawThem) {
  // Three groups; the label is x0 > 0 everywhere but group "one" has a single class.
  gbt::Matrix x(60, 2);
  std::vector<float> y;
  std::vector<std::string> groups;
  for (std::size_t i = 0; i < 60; ++i) {
    const bool one = i < 20;
    x.at(i, 0) = one ? static_cast<float>(i) + 1 : static_cast<float>(i % 20) - 9.5f;
    x.at(i, 1) = static_cast<float>(i % 7);
    y.push_back(x.at(i, 0) > 0 ? 1.0f : 0.0f);
    groups.push_back(one ? "one" : i < 40 ? "two" : "three");
  }
  const auto folds = group_folds(groups);
  gbt::Params p = risk_default_params();
  p.rounds = 20;
  p.min_child_weight = 1;
  p.subsample = 1;
  p.colsample_bytree = 1;
  std::size_t calls = 0;
  const auto results = cross_validate(x, y, {"x0", "x1"}, folds, {"one", "two", "three"}, {p},
                                      [&](std::size_t, std::size_t, const CvResult&) { ++calls; });
  EXPECT_EQ(calls, 1u);
  ASSERT_EQ(results.size(), 1u);
  const auto& r = results[0];
  ASSERT_EQ(r.folds.size(), 3u);
  EXPECT_EQ(r.folds[0].group, "one");
  EXPECT_EQ(r.folds[0].positives, 20u);
  EXPECT_FALSE(r.folds[0].roc_auc);  // one class: not defined
  EXPECT_EQ(r.folds_with_roc, 2u);
  EXPECT_GT(*r.folds[1].roc_auc, 0.9);
  EXPECT_GT(*r.pooled_roc_auc, 0.9);
  EXPECT_EQ(r.out_of_fold.size(), 60u);
}
