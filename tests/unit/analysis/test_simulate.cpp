// The scenario generator the reliability analysis is measured with: the scenarios must
// be what they claim (the record digitises, the truth maps it onto the laid mines, the
// clearance and finds are consistent), repeatable, and varied enough to give every
// grade.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "analysis/simulate.hpp"
#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"
#include "record/digitize.hpp"
#include "record/record.hpp"

namespace minemap::analysis {
namespace {

// One set, made once: the tests below look at it from different sides.
const std::vector<Scenario>& hundred() {
  static const std::vector<Scenario> set = [] {
    std::vector<Scenario> v;
    for (int i = 1; i <= 100; ++i) v.push_back(simulate_scenario(1, i));
    return v;
  }();
  return set;
}

using Key = std::pair<std::string, int>;  // row, index

std::map<Key, core::Coord> by_key(const std::vector<RecordedMine>& mines) {
  std::map<Key, core::Coord> out;
  for (const auto& m : mines) out[{m.row, m.index}] = m.at;
  return out;
}

bool same(const std::vector<RecordedMine>& a, const std::vector<RecordedMine>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].row != b[i].row || a[i].index != b[i].index || a[i].category != b[i].category ||
        !(a[i].at == b[i].at))
      return false;
  return true;
}

TEST(Simulate, SameSeedSameScenario) {
  auto a = simulate_scenario(42, 7);
  auto b = simulate_scenario(42, 7);
  EXPECT_EQ(a.name, "S0007");
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.record_json, b.record_json);
  EXPECT_TRUE(same(a.laid, b.laid));
  EXPECT_TRUE(same(a.remaining, b.remaining));
  EXPECT_EQ(a.cleared, b.cleared);
  ASSERT_EQ(a.finds.size(), b.finds.size());
  for (std::size_t i = 0; i < a.finds.size(); ++i) {
    EXPECT_EQ(a.finds[i].id, b.finds[i].id);
    EXPECT_EQ(a.finds[i].at, b.finds[i].at);
  }
  EXPECT_EQ(a.truth.kind, b.truth.kind);
  EXPECT_EQ(a.truth.grade, b.truth.grade);
  EXPECT_EQ(a.truth.shift_east_m, b.truth.shift_east_m);
  EXPECT_EQ(a.truth.rotation_deg, b.truth.rotation_deg);
}

TEST(Simulate, OtherSeedOrNumberOtherScenario) {
  auto a = simulate_scenario(42, 7);
  EXPECT_NE(a.record_json, simulate_scenario(43, 7).record_json);
  EXPECT_NE(a.record_json, simulate_scenario(42, 8).record_json);
}

TEST(Simulate, RecordParsesAndDigitisesCleanly) {
  for (const auto& s : hundred()) {
    SCOPED_TRACE(s.name);
    record::Parsed p;
    ASSERT_NO_THROW(p = record::parse(s.record_json));
    record::Digitized d;
    ASSERT_NO_THROW(d = record::digitize(p));
    EXPECT_TRUE(d.warnings.empty()) << (d.warnings.empty() ? "" : d.warnings.front());
    EXPECT_EQ(p.record.id, s.name);
    EXPECT_EQ(p.record.source_name, s.source);
    EXPECT_GE(p.record.perimeter.size(), 4u);
    EXPECT_LE(p.record.perimeter.size(), 6u);
    ASSERT_TRUE(d.misclosure_m.has_value());
    EXPECT_LT(*d.misclosure_m, 1.0);
    long long declared = 0;
    for (const auto& [category, n] : p.record.declared) declared += n;
    EXPECT_EQ(declared, p.record.mine_count());
    EXPECT_GE(p.record.rows.size(), 2u);
    for (const auto& row : p.record.rows) {
      EXPECT_GE(row.count(), 10);
      EXPECT_LE(row.count(), 60);
      EXPECT_GE(row.spacing, 2);
      EXPECT_LE(row.spacing, 6);
    }
  }
}

TEST(Simulate, InputIsTheDigitisedRecord) {
  const auto& s = hundred()[0];
  auto in = simulate_input(s);
  auto p = record::parse(s.record_json);
  auto d = record::digitize(p);
  EXPECT_EQ(in.record, s.name);
  EXPECT_EQ(in.source, s.source);
  EXPECT_EQ(in.recorded.size(), d.mines.size());
  EXPECT_EQ(in.about, s.truth.about);
  ASSERT_EQ(in.perimeter.size(), 1u);
  EXPECT_EQ(in.perimeter[0].front(), in.perimeter[0].back());
  EXPECT_EQ(in.finds.size(), s.finds.size());
  EXPECT_EQ(in.cleared, s.cleared);
}

// The truth moves each recorded mine of a laid row onto its laid mine, to within the
// jitter: no residual beyond 4 sigma, and their RMS near the jitter itself.
TEST(Simulate, TruthMapsTheRecordOntoTheLaidMines) {
  int checked = 0;
  for (const auto& s : hundred()) {
    if (s.truth.kind == "unrelated") continue;
    SCOPED_TRACE(s.name);
    auto recorded = by_key(simulate_input(s).recorded);
    auto laid = by_key(s.laid);
    std::set<std::string> missing(s.truth.missing_rows.begin(), s.truth.missing_rows.end());
    std::set<std::string> unrecorded(s.truth.unrecorded_rows.begin(),
                                     s.truth.unrecorded_rows.end());
    double sum2 = 0;
    int n = 0;
    for (const auto& [key, at] : recorded) {
      auto it = laid.find(key);
      if (missing.count(key.first)) {
        EXPECT_EQ(it, laid.end());
        continue;
      }
      ASSERT_NE(it, laid.end()) << key.first << key.second;
      double r = geo::distance_m(true_position(s.truth, at), it->second);
      EXPECT_LT(r, 4 * s.truth.jitter_m);
      sum2 += r * r;
      ++n;
    }
    for (const auto& [key, at] : laid) {
      if (!recorded.count(key)) {
        EXPECT_TRUE(unrecorded.count(key.first)) << key.first;
      }
    }
    ASSERT_GT(n, 20);
    double rms = std::sqrt(sum2 / n);
    EXPECT_NEAR(rms, s.truth.jitter_m, 0.3 * s.truth.jitter_m);
    ++checked;
  }
  EXPECT_GT(checked, 70);
}

// The local frame is azimuthal equidistant: a shift or a quarter turn lands where the
// direct geodesic problem says, to well under a millimetre.
TEST(Simulate, TransformIsExactInTheLocalFrame) {
  Truth t;
  t.about = {35.2, 48.7};
  auto north = geo::destination(t.about, 0, 800);
  EXPECT_LT(geo::distance_m(true_position(t, north), north), 1e-6);
  t.rotation_deg = 90;
  EXPECT_LT(geo::distance_m(true_position(t, north), geo::destination(t.about, 90, 800)), 1e-6);
  t.rotation_deg = 0;
  t.scale = 1.1;
  EXPECT_LT(geo::distance_m(true_position(t, north), geo::destination(t.about, 0, 880)), 1e-6);
  t.scale = 1;
  t.shift_east_m = 300;
  t.shift_north_m = -400;
  auto shifted = true_position(t, t.about);
  EXPECT_NEAR(geo::distance_m(t.about, shifted), 500, 1e-6);
  double az = std::atan2(300, -400) * 180 / 3.14159265358979323846;
  EXPECT_LT(geo::distance_m(shifted, geo::destination(t.about, az, 500)), 1e-6);
  // A point off the axes: east and north recovered through the inverse.
  auto p = geo::destination(t.about, 33, 2500);
  t.shift_east_m = t.shift_north_m = 0;
  t.rotation_deg = -33;
  EXPECT_LT(geo::distance_m(true_position(t, p), geo::destination(t.about, 0, 2500)), 1e-6);
}

TEST(Simulate, ClearedShareWithinTheRange) {
  SimulateOptions opt;
  for (const auto& s : hundred()) {
    SCOPED_TRACE(s.name);
    ASSERT_FALSE(s.cleared.empty());
    auto cleared = core::Geometry::multipolygon(s.cleared);
    std::size_t in = 0;
    for (const auto& m : s.laid) in += geo::covers(cleared, m.at) ? 1 : 0;
    double share = static_cast<double>(in) / static_cast<double>(s.laid.size());
    EXPECT_DOUBLE_EQ(share, s.truth.cleared_share);
    EXPECT_GE(share, opt.cleared_min - 0.03);
    EXPECT_LE(share, opt.cleared_max + 0.03);
    for (const auto& poly : s.cleared)
      for (const auto& ring : poly) EXPECT_EQ(ring.front(), ring.back());
  }
}

TEST(Simulate, RemainingIsLaidMinusCleared) {
  for (const auto& s : hundred()) {
    SCOPED_TRACE(s.name);
    auto cleared = core::Geometry::multipolygon(s.cleared);
    auto remaining = by_key(s.remaining);
    EXPECT_EQ(remaining.size(), s.remaining.size());
    for (const auto& m : s.laid) {
      bool left = remaining.count({m.row, m.index}) > 0;
      EXPECT_NE(left, geo::covers(cleared, m.at)) << m.row << m.index;
    }
    EXPECT_EQ(s.remaining.size(),
              s.laid.size() - static_cast<std::size_t>(std::lround(
                                  s.truth.cleared_share * static_cast<double>(s.laid.size()))));
  }
}

TEST(Simulate, FindsAreMinesInClearedGroundAndClutter) {
  int clutter = 0, found = 0, could = 0, scenario = 0;
  for (const auto& s : hundred()) {
    SCOPED_TRACE(s.name);
    auto cleared = core::Geometry::multipolygon(s.cleared);
    std::vector<RecordedMine> in_cleared;
    for (const auto& m : s.laid)
      if (geo::covers(cleared, m.at)) in_cleared.push_back(m);
    could += static_cast<int>(in_cleared.size());
    // Each find against every mine is quadratic: the first twenty scenarios will do.
    bool near_check = ++scenario <= 20;
    std::set<std::string> ids;
    int uxo = 0;
    for (const auto& f : s.finds) {
      EXPECT_EQ(f.id[0], 'F');
      EXPECT_TRUE(ids.insert(f.id).second) << f.id;
      if (f.category == "UXO") {
        ++uxo;
        continue;
      }
      ++found;
      if (!near_check) continue;
      // A found mine lies within a decimetre or so of a laid mine in cleared ground.
      double nearest = 1e9;
      for (const auto& m : in_cleared)
        if (m.category == f.category) nearest = std::min(nearest, geo::distance_m(m.at, f.at));
      EXPECT_LT(nearest, 0.6);
    }
    EXPECT_EQ(uxo, s.truth.clutter);
    clutter += uxo;
  }
  EXPECT_GT(clutter, 100);
  // Detection 0.98.
  EXPECT_NEAR(static_cast<double>(found) / could, 0.98, 0.01);
}

TEST(Simulate, ErrorsAsAsked) {
  SimulateOptions opt;
  int wrong_landmark = 0, rows = 0;
  std::map<std::string, int> kinds;
  for (const auto& s : hundred()) {
    const auto& t = s.truth;
    ++kinds[t.kind];
    double shift = std::hypot(t.shift_east_m, t.shift_north_m);
    EXPECT_LE(std::abs(t.rotation_deg), opt.max_rotation_deg);
    EXPECT_EQ(t.scale, 1);
    EXPECT_GE(t.jitter_m, opt.jitter_min_m);
    EXPECT_LE(t.jitter_m, opt.jitter_max_m);
    if (t.kind == "exact" || t.kind == "unrelated") {
      EXPECT_EQ(shift, 0);
      EXPECT_EQ(t.rotation_deg, 0);
      EXPECT_FALSE(t.wrong_landmark);
    } else if (t.wrong_landmark) {
      EXPECT_GE(shift, opt.max_shift_m);
      ++wrong_landmark;
    } else {
      EXPECT_LE(shift, opt.max_shift_m);
    }
    if (t.kind == "rigid+rows") {
      EXPECT_FALSE(t.missing_rows.empty() && t.unrecorded_rows.empty());
      ++rows;
    }
    if (t.kind == "exact" || t.kind == "rigid") {
      EXPECT_TRUE(t.missing_rows.empty());
      EXPECT_TRUE(t.unrecorded_rows.empty());
    }
  }
  EXPECT_EQ(kinds.size(), 4u);
  EXPECT_GT(wrong_landmark, 2);
  EXPECT_LT(wrong_landmark, 25);
  EXPECT_GT(rows, 10);

  opt.scale_errors = true;
  int scaled = 0;
  for (int i = 1; i <= 20; ++i) {
    auto s = simulate_scenario(5, i, opt);
    EXPECT_GE(s.truth.scale, 0.9);
    EXPECT_LE(s.truth.scale, 1.1);
    scaled += s.truth.scale != 1 ? 1 : 0;
  }
  EXPECT_GT(scaled, 5);
}

// The grade the analysis's rules give with the true transform: every one occurs, and a
// record with no error is mostly an A.
TEST(Simulate, EveryGradeOccurs) {
  std::map<char, int> grades;
  int exact = 0, exact_a = 0;
  for (const auto& s : hundred()) {
    ++grades[s.truth.grade];
    if (s.truth.kind == "exact") {
      ++exact;
      exact_a += s.truth.grade == 'A' ? 1 : 0;
    }
  }
  for (char g : {'A', 'B', 'C', 'D'}) EXPECT_GT(grades[g], 0) << g;
  EXPECT_GE(exact_a, exact * 3 / 4);
}

}  // namespace
}  // namespace minemap::analysis
