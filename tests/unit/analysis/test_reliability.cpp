// The reliability analysis on hand-made fields with exact expected results: a pure
// shift, a pure rotation, a missing row, clutter only, nothing cleared, a record
// exactly right, a field shifted by one mine spacing.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/reliability.hpp"
#include "geo/geodesy.hpp"

namespace {

using namespace minemap;
using analysis::Find;
using analysis::RecordedMine;
using analysis::ReliabilityInput;

const core::Coord kAbout{47.05, 39.45};

struct Local {
  double e, n;
};

core::Coord ll(Local p) {
  return geo::LocalFrame(kAbout).to_lonlat({p.e, p.n});
}

// A field of `rows` rows along east from (10, 10), `per_row` mines every 4 m, rows
// 10 m apart (north); row 0 AT mines at every 5th position, else AP.
std::vector<std::pair<std::string, Local>> field(int rows = 5, int per_row = 12) {
  std::vector<std::pair<std::string, Local>> out;
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < per_row; ++i)
      out.push_back({(i % 5 == 0) ? "AT_MINE" : "AP_MINE", {10.0 + 4.0 * i, 10.0 + 10.0 * r}});
  return out;
}

// The true position of a recorded one: rotate clockwise by theta (deg) about the
// origin, then shift.
Local truth(Local p, double theta, double de, double dn) {
  double c = std::cos(theta * M_PI / 180);
  double s = std::sin(theta * M_PI / 180);
  return {p.e * c + p.n * s + de, -p.e * s + p.n * c + dn};
}

core::Polygon box(double e0, double n0, double e1, double n1) {
  return {{ll({e0, n0}), ll({e1, n0}), ll({e1, n1}), ll({e0, n1}), ll({e0, n0})}};
}

// Record = field; truth = transformed field (optionally without a row); cleared =
// the west half of the true field (east < 32 in true terms, so box in true frame).
ReliabilityInput scenario(double theta, double de, double dn, int missing_row = -1,
                          bool clutter_only = false, bool cleared = true) {
  ReliabilityInput in;
  in.record = "T";
  in.source = "hand";
  in.about = kAbout;
  auto f = field();
  for (std::size_t k = 0; k < f.size(); ++k)
    in.recorded.push_back(
        {"R" + std::to_string(k / 12), static_cast<int>(k % 12), f[k].first, ll(f[k].second)});
  in.perimeter = box(5, 5, 60, 55);
  // Cleared ground: the part of the true field with (true-frame) east below 32.
  Local c0 = truth({0, 0}, theta, de, dn);
  (void)c0;
  std::vector<core::Coord> ring;
  for (Local p : {Local{5, 5}, Local{32, 5}, Local{32, 55}, Local{5, 55}, Local{5, 5}})
    ring.push_back(ll(truth(p, theta, de, dn)));
  if (cleared) in.cleared.push_back({ring});
  int id = 0;
  for (std::size_t k = 0; k < f.size(); ++k) {
    if (static_cast<int>(k / 12) == missing_row) continue;
    Local t = truth(f[k].second, theta, de, dn);
    Local tt = truth({f[k].second.e, 0}, 0, 0, 0);
    (void)tt;
    if (f[k].second.e >= 32) continue;  // not yet cleared: not found
    if (clutter_only) continue;
    in.finds.push_back({"F" + std::to_string(id++), f[k].first, ll(t)});
  }
  if (clutter_only)
    for (int i = 0; i < 12; ++i)
      in.finds.push_back({"C" + std::to_string(i), "UXO",
                          ll(truth({12.0 + 1.7 * i, 13.0 + 2.9 * i}, theta, de, dn))});
  return in;
}

TEST(Reliability, ExactRecordIsGradeA) {
  auto r = analysis::assess(scenario(0, 0, 0));
  EXPECT_EQ(r.grade, 'A') << r.grade_reason;
  EXPECT_EQ(r.as_recorded.recorded_in_cleared, 30);  // 6 mines (e < 32) x 5 rows
  EXPECT_EQ(r.as_recorded.matched, 30);
  EXPECT_DOUBLE_EQ(r.as_recorded.recall, 1.0);
  EXPECT_DOUBLE_EQ(r.as_recorded.precision, 1.0);
  EXPECT_LT(r.as_recorded.error_m.rmse, 1e-6);
  ASSERT_TRUE(r.correction);
  EXPECT_NEAR(r.correction->shift_east_m, 0, 1e-6);
  EXPECT_NEAR(r.correction->rotation_deg, 0, 1e-6);
  EXPECT_EQ(r.predicted_remaining.size(), 30u);
}

TEST(Reliability, PureShift) {
  auto r = analysis::assess(scenario(0, 22, -15));
  EXPECT_EQ(r.grade, 'B') << r.grade_reason;
  ASSERT_TRUE(r.correction);
  EXPECT_NEAR(r.correction->shift_east_m, 22, 1e-4);
  EXPECT_NEAR(r.correction->shift_north_m, -15, 1e-4);
  EXPECT_NEAR(r.correction->rotation_deg, 0, 1e-5);
  EXPECT_EQ(r.corrected.recorded_in_cleared, 30);
  EXPECT_EQ(r.corrected.matched, 30);
  EXPECT_DOUBLE_EQ(r.corrected.recall, 1.0);
  EXPECT_DOUBLE_EQ(r.corrected.precision, 1.0);
  EXPECT_LT(r.as_recorded.recall, 0.5);
  // The remaining 30 mines, where they truly are.
  ASSERT_EQ(r.predicted_remaining.size(), 30u);
  geo::LocalFrame f(kAbout);
  for (const auto& p : r.predicted_remaining) {
    auto l = f.to_local(p.at);
    double e = 10.0 + 4.0 * p.index + 22;
    double n = 10.0 + 10.0 * std::stoi(p.row.substr(1)) - 15;
    EXPECT_NEAR(l.x, e, 1e-3);
    EXPECT_NEAR(l.y, n, 1e-3);
  }
}

TEST(Reliability, PureRotation) {
  auto r = analysis::assess(scenario(6.5, 0, 0));
  EXPECT_EQ(r.grade, 'B') << r.grade_reason;
  ASSERT_TRUE(r.correction);
  EXPECT_NEAR(r.correction->rotation_deg, 6.5, 1e-5);
  EXPECT_NEAR(r.correction->shift_east_m, 0, 1e-4);
  EXPECT_NEAR(r.correction->shift_north_m, 0, 1e-4);
  EXPECT_DOUBLE_EQ(r.corrected.recall, 1.0);
}

TEST(Reliability, MissingRow) {
  // Row 2 was recorded but never laid: 24 of 30 recorded mines in cleared ground found.
  auto r = analysis::assess(scenario(3, 40, 25, 2));
  ASSERT_TRUE(r.correction);
  EXPECT_NEAR(r.correction->rotation_deg, 3, 1e-5);
  EXPECT_NEAR(r.correction->shift_east_m, 40, 1e-4);
  EXPECT_NEAR(r.correction->shift_north_m, 25, 1e-4);
  EXPECT_EQ(r.corrected.recorded_in_cleared, 30);
  EXPECT_EQ(r.corrected.matched, 24);
  EXPECT_DOUBLE_EQ(r.corrected.recall, 0.8);
  EXPECT_DOUBLE_EQ(r.corrected.precision, 1.0);
  EXPECT_EQ(r.grade, 'C') << r.grade_reason;
}

TEST(Reliability, ClutterOnly) {
  auto r = analysis::assess(scenario(0, 0, 0, -1, true));
  EXPECT_EQ(r.other_found, 12);
  EXPECT_EQ(r.found_in_cleared, 0);
  EXPECT_EQ(r.as_recorded.matched, 0);
  EXPECT_FALSE(r.correction);
  EXPECT_EQ(r.grade, 'D') << r.grade_reason;
}

TEST(Reliability, NothingCleared) {
  auto r = analysis::assess(scenario(0, 10, 10, -1, false, false));
  EXPECT_EQ(r.recorded_in_cleared, 0);
  EXPECT_EQ(r.grade, 'U') << r.grade_reason;
}

// U is "not judged": no figure of the mines left, not "none left" (issue #20). The
// record has 60 mines; none lies in cleared ground.
TEST(Reliability, UndeterminedClaimsNoRemainingFigure) {
  auto r = analysis::assess(scenario(0, 10, 10, -1, false, false));
  ASSERT_EQ(r.grade, 'U') << r.grade_reason;
  EXPECT_FALSE(analysis::judged(r));
  EXPECT_FALSE(analysis::has_prediction(r));
  auto j = analysis::to_json(r);
  EXPECT_EQ(j["judged"], false);
  ASSERT_TRUE(j.contains("predicted_remaining"));
  EXPECT_TRUE(j["predicted_remaining"].is_null()) << j["predicted_remaining"];
}

// U although a correction was fitted (three finds in a small cleared patch): still no
// prediction from it.
TEST(Reliability, UndeterminedWithACorrectionPredictsNothing) {
  auto in = scenario(0, 22, -15);
  // Cleared: only the true positions of R0's first three mines (east 32..40, north -5).
  in.cleared = {box(30, -7, 42, -3)};
  auto r = analysis::assess(in);
  ASSERT_EQ(r.grade, 'U') << r.grade_reason;
  EXPECT_TRUE(r.predicted_remaining.empty()) << r.predicted_remaining.size();
  EXPECT_TRUE(analysis::to_json(r)["predicted_remaining"].is_null());
}

// D without a correction (nothing of the record's categories found): the mines left
// are unknown, not none; judged, but no prediction.
TEST(Reliability, NoCorrectionNoPrediction) {
  auto r = analysis::assess(scenario(0, 0, 0, -1, true));
  ASSERT_EQ(r.grade, 'D') << r.grade_reason;
  EXPECT_TRUE(analysis::judged(r));
  EXPECT_FALSE(analysis::has_prediction(r));
  auto j = analysis::to_json(r);
  EXPECT_EQ(j["judged"], true);
  EXPECT_TRUE(j["predicted_remaining"].is_null());
  // Judged with a prediction: an array, even when every mine is in cleared ground.
  auto a = analysis::to_json(analysis::assess(scenario(0, 0, 0)));
  EXPECT_EQ(a["judged"], true);
  EXPECT_TRUE(a["predicted_remaining"].is_array());
}

TEST(Reliability, ShiftByOneSpacingIsNotMistakenForTheRecord) {
  // Shifted by exactly one mine spacing along the rows: every find sits on a
  // recorded position, but the first recorded mine of each row lies in cleared ground
  // with nothing found, and one find per row is unexplained; only the true shift
  // explains everything.
  auto r = analysis::assess(scenario(0, 4, 0));
  ASSERT_TRUE(r.correction);
  EXPECT_NEAR(r.correction->shift_east_m, 4, 1e-4);
  EXPECT_NEAR(r.correction->shift_north_m, 0, 1e-4);
  EXPECT_DOUBLE_EQ(r.corrected.recall, 1.0);
}

TEST(Reliability, JsonHasTheKeysOfTheDocs) {
  auto j = analysis::to_json(analysis::assess(scenario(0, 22, -15)));
  for (const char* k :
       {"record", "grade", "tolerance_m", "recorded_in_cleared", "found_in_cleared", "as_recorded",
        "correction", "corrected", "declared_vs_found", "found_outside_perimeter", "other_found",
        "predicted_remaining", "warnings"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"shift_east_m", "shift_north_m", "rotation_deg", "scale", "about", "ci95"})
    EXPECT_TRUE(j["correction"].contains(k)) << k;
  for (const char* k : {"matched", "recall", "precision", "error_m"})
    EXPECT_TRUE(j["as_recorded"].contains(k)) << k;
}

TEST(Reliability, WilsonInterval) {
  // Wilson (1927) score interval, z = 1.96: 8 of 10 -> [0.490, 0.943]; 0 of 10 -> [0, 0.278].
  auto a = analysis::wilson95(8, 10);
  EXPECT_NEAR(a[0], 0.4902, 1e-4);
  EXPECT_NEAR(a[1], 0.9433, 1e-4);
  auto b = analysis::wilson95(0, 10);
  EXPECT_NEAR(b[0], 0.0, 1e-12);
  EXPECT_NEAR(b[1], 0.2775, 1e-4);
}

}  // namespace

namespace {

TEST(Reliability, UnrecordedRowIsInferredFromItsFinds) {
  // A row laid but never recorded, south of the field: 6 finds every 3 m along east
  // at n = -3 in cleared ground (e from 2 to 17); beyond the cleared edges (e = 19 and
  // e = 0) it goes on, uncleared.
  auto in = scenario(0, 0, 0);
  for (int i = 0; i < 6; ++i)
    in.finds.push_back({"X" + std::to_string(i), "AP_MINE", ll({2.0 + 3 * i, -3.0})});
  in.cleared.push_back(box(0, -6, 19, 0));
  auto r = analysis::assess(in);
  // The record explains 30 of the 36 mine finds in cleared ground: precision 0.83.
  EXPECT_EQ(r.grade, 'C') << r.grade_reason;
  EXPECT_NEAR(r.corrected.precision, 30.0 / 36, 1e-12);
  ASSERT_FALSE(r.inferred.empty());
  geo::LocalFrame f(kAbout);
  auto near = [&](double e, double n) {
    for (const auto& p : r.inferred) {
      auto l = f.to_local(p.at);
      if (std::hypot(l.x - e, l.y - n) < 0.01) return true;
    }
    return false;
  };
  EXPECT_TRUE(near(20, -3));  // one spacing east of the last find
  EXPECT_TRUE(near(23, -3));
  EXPECT_TRUE(near(-1, -3));   // and west of the first
  EXPECT_FALSE(near(17, -3));  // not where a find is
  for (const auto& p : r.inferred) EXPECT_GE(p.radius_m, 1.0);
}

}  // namespace
