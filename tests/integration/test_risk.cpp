// `minemap risk train` and `risk predict` on tables: RELand's labelled cells
// (../shared/data/reland) cross-validated by municipality, a score per row, and every
// kind of bad input refused with exit 2, a line naming it, and nothing written.
#include <set>

#include "common/require.hpp"
#include "harness.hpp"

using namespace harness;

namespace {

fs::path reland() {
  return fs::path(shared_data()) / "reland" / "train_labeled.csv";
}

// A small table of 400 rows (enough for the default min_child_weight of 10 to split): the
// label follows x, y is noise, name is text, region (3) the group.
std::string small_table() {
  std::string t = "id,x,\"y, noise\",name,region,label\n";
  for (int i = 0; i < 400; ++i) {
    const int x = i % 20;
    t += "c" + std::to_string(i) + "," + std::to_string(x) + "," +
         (i % 7 ? std::to_string((i * 13) % 17) : "") + ",cell " + std::to_string(i) + "," + "r" +
         std::to_string(i * 3 / 400) + "," + (x >= 10 ? "1" : "0") + "\n";
  }
  return t;
}

}  // namespace

TEST(Risk, TrainOnRelandCrossValidatesByMunicipio) {
  MINEMAP_REQUIRE(fs::exists(reland()), "no ../shared/data/reland/train_labeled.csv");
  TempDir d;
  const auto model = d / "reland.model.json";
  auto r = minemap({"risk", "train", "--table", reland().string(), "--label", "mines_outcome",
                    "--group", "Municipio", "--exclude", "LATITUD_Y,LONGITUD_X", "--no-search",
                    "--json", "-o", model.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["rows"], 4489);
  EXPECT_EQ(j["positives"], 1132);
  EXPECT_EQ(j["cv_method"], "leave one group out");
  // Text never a feature, nor the label, group, key column or the excluded.
  std::set<std::string> features(j["features"].begin(), j["features"].end());
  for (const char* no : {"geometry", "Municipio", "mines_outcome", "LATITUD_Y", "LONGITUD_X", ""})
    EXPECT_FALSE(features.count(no)) << no;
  EXPECT_TRUE(features.count("Homicidio, Masacre"));  // a quoted name with a comma
  EXPECT_TRUE(features.count("coca_dist"));
  EXPECT_EQ(j["text_columns"], nlohmann::json::array({"geometry"}));
  // One fold per municipality, every row held out once.
  const auto& chosen = j["chosen"];
  std::set<std::string> groups;
  std::size_t n = 0, undefined = 0;
  for (const auto& f : chosen["folds"]) {
    groups.insert(f["group"].get<std::string>());
    n += f["n"].get<std::size_t>();
    if (f["roc_auc"].is_null()) ++undefined;
  }
  EXPECT_EQ(groups.size(), 19u);
  EXPECT_EQ(chosen["folds"].size(), 19u);
  EXPECT_TRUE(groups.count("SONSON"));
  EXPECT_EQ(n, 4489u);
  EXPECT_EQ(chosen["folds_with_auc"].get<std::size_t>(), 19u - undefined);
  EXPECT_GT(chosen["pooled_roc_auc"].get<double>(), 0.5);
  EXPECT_GT(chosen["mean_roc_auc"].get<double>(), 0.5);
  EXPECT_GT(chosen["pooled_pr_auc"].get<double>(), 1132.0 / 4489);  // above chance
  EXPECT_TRUE(fs::exists(model));

  // Scoring the table: one row per row, its key first, a risk in [0, 1].
  const auto out = d / "risk.csv";
  r = minemap({"risk", "predict", "--model", model.string(), "--table", reland().string(), "-o",
               out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(slurp(out));
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, ",risk");
  std::size_t rows = 0;
  while (std::getline(lines, line)) {
    const auto comma = line.find(',');
    ASSERT_NE(comma, std::string::npos) << line;
    EXPECT_EQ(line.substr(0, comma), std::to_string(rows));
    const double risk = std::stod(line.substr(comma + 1));
    EXPECT_GE(risk, 0.0);
    EXPECT_LE(risk, 1.0);
    ++rows;
  }
  EXPECT_EQ(rows, 4489u);
}

TEST(Risk, TextReportSaysWhichFoldsHaveNoAuc) {
  TempDir d;
  auto t = small_table();
  // Region r0 all positive: its fold has one class.
  std::string patched;
  std::istringstream in(t);
  std::string line;
  std::getline(in, line);
  patched = line + "\n";
  while (std::getline(in, line)) {
    if (line.find(",r0,") != std::string::npos) line.back() = '1';
    patched += line + "\n";
  }
  write_file(d / "t.csv", patched);
  const auto r = minemap({"risk", "train", "--table", (d / "t.csv").string(), "--label", "label",
                          "--group", "region", "--no-search", "-q", "-o", (d / "m.json").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("one class only: AUC not defined"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pooled over all 400 out-of-fold predictions: ROC AUC"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("mean over the 2 folds with both classes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("text columns, not features: \"name\""), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;  // -q
}

TEST(Risk, PredictWarnsOfAMissingFeature) {
  TempDir d;
  write_file(d / "t.csv", small_table());
  ASSERT_EQ(minemap({"risk", "train", "--table", (d / "t.csv").string(), "--label", "label",
                     "--group", "region", "--no-search", "-q", "-o", (d / "m.json").string()})
                .code,
            0);
  // Another region's table: without the noise column, the columns in another order.
  write_file(d / "other.csv", "id,label,x\nk1,,3\nk2,,15\n");
  const auto out = d / "out.csv";
  const auto r = minemap({"risk", "predict", "--model", (d / "m.json").string(), "--table",
                          (d / "other.csv").string(), "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + (d / "other.csv").string() +
                       " has no column \"y, noise\", a feature of the model: taken as missing"),
            std::string::npos)
      << r.err;
  const auto text = slurp(out);
  EXPECT_TRUE(text.starts_with("id,risk\nk1,")) << text;
  // x decides: the cell with x = 15 is the riskier.
  std::istringstream lines(text);
  std::string header, a, b;
  std::getline(lines, header);
  std::getline(lines, a);
  std::getline(lines, b);
  EXPECT_LT(std::stod(a.substr(3)), std::stod(b.substr(3))) << text;
}

TEST(Risk, BadInputIsRefusedAndNothingWritten) {
  TempDir d;
  const auto table = d / "t.csv";
  write_file(table, small_table());
  const auto model = d / "m.json";
  const auto train = [&](const fs::path& t, std::vector<std::string> more) {
    std::vector<std::string> args{"risk", "train",       "--table", t.string(),
                                  "-q",   "--no-search", "-o",      model.string()};
    args.insert(args.end(), more.begin(), more.end());
    return minemap(args);
  };
  expect_refused(train(table, {"--label", "mines"}), "--label: the table has no column \"mines\"",
                 model);
  expect_refused(train(table, {"--label", "label", "--group", "Municipio"}),
                 "--group: the table has no column \"Municipio\"", model);
  expect_refused(train(table, {"--label", "label", "--exclude", "x,nope"}),
                 "--exclude: the table has no column \"nope\"", model);
  auto bad = small_table();
  bad.replace(bad.rfind(",1\n"), 3, ",2\n");
  write_file(d / "label2.csv", bad);
  expect_refused(train(d / "label2.csv", {"--label", "label"}),
                 "label2.csv:401: label: \"2\" is not 0 or 1", model);
  write_file(d / "quote.csv", "id,x,label\na,1,0\nb,\"2,1\n");
  expect_refused(train(d / "quote.csv", {"--label", "label"}),
                 "quote.csv:3: x: the quote opened here is never closed", model);
  write_file(d / "ragged.csv", "id,x,label\na,1,0\nb,2\n");
  expect_refused(train(d / "ragged.csv", {"--label", "label"}),
                 "ragged.csv:3: label: the row has 2 cells, the header 3", model);
  expect_refused(train(d / "absent.csv", {"--label", "label"}), "absent.csv", model);

  // Predict: a model missing or corrupt.
  const auto out = d / "out.csv";
  const auto predict = [&](const fs::path& m) {
    return minemap(
        {"risk", "predict", "--model", m.string(), "--table", table.string(), "-o", out.string()});
  };
  expect_refused(predict(d / "nomodel.json"), "nomodel.json: cannot read the model", out);
  write_file(d / "corrupt.json", "{\"learner\": {\"gradient_booster\": 7}");
  expect_refused(predict(d / "corrupt.json"), "corrupt.json: not a minemap risk model", out);
  write_file(d / "binary.json", std::string("\0\1\2\3garbage", 11));
  expect_refused(predict(d / "binary.json"), "binary.json: not a minemap risk model", out);
}
