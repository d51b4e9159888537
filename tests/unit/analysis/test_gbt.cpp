// The XGBoost wrapper: it learns a separable set, its contributions add up to the
// margin, a model survives its file with the feature names, and a file that is not a
// model is refused as input.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "analysis/gbt.hpp"
#include "analysis/roc.hpp"
#include "core/errors.hpp"

using namespace minemap::analysis;

namespace {

// 40 rows: the label is x0 > 0.5; x1 is noise; some cells missing.
struct Data {
  gbt::Matrix x{40, 2};
  std::vector<float> y;
};

Data separable() {
  Data d;
  for (std::size_t i = 0; i < 40; ++i) {
    d.x.at(i, 0) = static_cast<float>(i) / 39.0f;
    d.x.at(i, 1) = i % 5 == 0 ? NAN : static_cast<float>((i * 7) % 11);
    d.y.push_back(d.x.at(i, 0) > 0.5f ? 1.0f : 0.0f);
  }
  return d;
}

gbt::Params small() {
  gbt::Params p;
  p.rounds = 30;
  p.max_depth = 2;
  p.eta = 0.3;
  p.min_child_weight = 1;
  p.subsample = 1;
  p.colsample_bytree = 1;
  p.lambda = 1;
  return p;
}

}  // namespace

TEST(Gbt, LearnsASeparableSet) {
  const auto d = separable();
  const auto m = gbt::Model::train(d.x, d.y, small(), {"x0", "x1"});
  const auto p = m.predict(d.x);
  ASSERT_EQ(p.size(), 40u);
  for (float v : p) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
  EXPECT_DOUBLE_EQ(*roc_auc(p, d.y), 1.0);
  EXPECT_EQ(m.feature_names(), (std::vector<std::string>{"x0", "x1"}));
  // Fewer trees: still a probability per row.
  EXPECT_EQ(m.predict(d.x, 5).size(), 40u);
}

TEST(Gbt, ContributionsSumToTheMargin) {
  const auto d = separable();
  const auto m = gbt::Model::train(d.x, d.y, small(), {"x0", "x1"});
  const auto margin = m.margin(d.x);
  const auto prob = m.predict(d.x);
  const auto c = m.contributions(d.x);
  ASSERT_EQ(c.rows, 40u);
  ASSERT_EQ(c.cols, 3u);  // two features and the bias
  for (std::size_t i = 0; i < 40; ++i) {
    const float sum = c.at(i, 0) + c.at(i, 1) + c.at(i, 2);
    EXPECT_NEAR(sum, margin[i], 1e-4) << "row " << i;
    EXPECT_NEAR(1.0 / (1.0 + std::exp(-static_cast<double>(margin[i]))), prob[i], 1e-5);
  }
  // x0 decides: its contribution outweighs the noise's on average.
  double a0 = 0, a1 = 0;
  for (std::size_t i = 0; i < 40; ++i) {
    a0 += std::fabs(c.at(i, 0));
    a1 += std::fabs(c.at(i, 1));
  }
  EXPECT_GT(a0, a1);
}

TEST(Gbt, SaveAndLoadKeepNamesAttributesAndPredictions) {
  const auto d = separable();
  auto m = gbt::Model::train(d.x, d.y, small(), {"Homicidio, Masacre", "elevación"});
  m.set_attribute("note", "{\"a\": 1}");
  const auto back = gbt::Model::from_json(m.to_json(), "model.json");
  EXPECT_EQ(back.feature_names(), (std::vector<std::string>{"Homicidio, Masacre", "elevación"}));
  EXPECT_EQ(back.attribute("note"), std::optional<std::string>("{\"a\": 1}"));
  EXPECT_FALSE(back.attribute("absent"));
  EXPECT_EQ(back.predict(d.x), m.predict(d.x));
}

TEST(Gbt, RefusesWhatIsNotAModel) {
  for (const auto& [name, text] :
       std::vector<std::pair<std::string, std::string>>{{"garbage", "\x01\x02 not a model"},
                                                        {"empty", ""},
                                                        {"array", "[1, 2]"},
                                                        {"nolearner", "{\"version\": [1, 7, 4]}"},
                                                        {"deep", std::string(100, '[')},
                                                        {"badlearner", "{\"learner\": {}}"}}) {
    try {
      gbt::Model::from_json(text, name);
      ADD_FAILURE() << name << " loaded";
    } catch (const minemap::core::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

TEST(Gbt, ChecksItsArguments) {
  const auto d = separable();
  EXPECT_THROW(gbt::Model::train(d.x, {1, 0}, small(), {"x0", "x1"}), minemap::core::Error);
  EXPECT_THROW(gbt::Model::train(d.x, d.y, small(), {"x0"}), minemap::core::Error);
  const auto m = gbt::Model::train(d.x, d.y, small(), {"x0", "x1"});
  EXPECT_THROW(m.predict(gbt::Matrix(3, 5)), minemap::core::Error);
  EXPECT_FALSE(gbt::library_version().empty());
}
