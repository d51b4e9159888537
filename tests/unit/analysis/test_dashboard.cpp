// The dashboard's figures from hand-made records.
#include <gtest/gtest.h>

#include "analysis/dashboard.hpp"
#include "analysis/period.hpp"

namespace {

using namespace minemap;

core::Record rec(std::string id, std::map<std::string, core::Value, std::less<>> fields) {
  core::Record r;
  r.id = std::move(id);
  r.fields = std::move(fields);
  return r;
}

TEST(Dashboard, CasualtiesReleasesItemsAndAreaLeft) {
  analysis::StatsInput in;
  in.accidents = {rec("ACC-1", {{"date", std::string("2021-03-04")}}),
                  rec("ACC-2", {{"date", std::string("2022")}})};
  in.victims = {
      rec("V1", {{"accident_id", std::string("ACC-1")},
                 {"group", std::string("civilian")},
                 {"outcome", std::string("killed")}}),
      rec("V2", {{"accident_id", std::string("ACC-1")},
                 {"group", std::string("civilian")},
                 {"outcome", std::string("killed")}}),
      rec("V3", {{"accident_id", std::string("ACC-2")},
                 {"group", std::string("deminer")},
                 {"outcome", std::string("injured")}}),
      rec("V4", {{"accident_id", std::string("ACC-9")},
                 {"group", std::string("police")},
                 {"outcome", std::string("injured")}}),
  };
  in.releases = {
      rec("LR-1", {{"date", std::string("2021-02-10")},
                   {"outcome", std::string("cleared")},
                   {"area_m2", 1000.0}}),
      rec("LR-2", {{"date", std::string("2021-03-31")},
                   {"outcome", std::string("cleared")},
                   {"area_m2", 500.0}}),
      rec("LR-3", {{"date", std::string("2021-04-01")},
                   {"outcome", std::string("cancelled")},
                   {"area_m2", 250.0}}),
      rec("LR-4",
          {{"date", std::string("2020")}, {"outcome", std::string("reduced")}, {"area_m2", 10.0}}),
      rec("LR-5", {{"outcome", std::string("reduced")}, {"area_m2", 1.0}}),
  };
  in.items = {
      rec("IT-1", {{"category", std::string("AP_MINE")},
                   {"quantity", std::int64_t{3}},
                   {"disposal", std::string("destroyed_in_situ")}}),
      rec("IT-2", {{"category", std::string("UXO")}, {"disposal", std::string("removed")}})};
  in.hazards = {
      rec("HZ-1", {{"type", std::string("CHA")},
                   {"status", std::string("open")},
                   {"area_m2", 5000.0},
                   {"remaining_m2", 4000.0}}),
      // Closed with area left on its record: closed land has none left.
      rec("HZ-2", {{"type", std::string("SHA")},
                   {"status", std::string("closed")},
                   {"area_m2", 100.0},
                   {"remaining_m2", 60.0}}),
  };
  auto d = analysis::dashboard(in);
  EXPECT_EQ(d.casualties["2021"]["civilian"]["killed"], 2);
  EXPECT_EQ(d.casualties["2022"]["deminer"]["injured"], 1);
  // A victim counts with its accident: ACC-9 is not among the approved ones.
  EXPECT_FALSE(d.casualties.contains("unknown"));
  EXPECT_EQ(d.figures.killed, 2);
  EXPECT_EQ(d.figures.injured, 1);
  EXPECT_EQ(d.figures.accidents, 2);
  EXPECT_DOUBLE_EQ(d.released["2021-Q1"]["cleared"], 1500.0);
  EXPECT_DOUBLE_EQ(d.released["2021-Q2"]["cancelled"], 250.0);
  EXPECT_DOUBLE_EQ(d.released["2020"]["reduced"], 10.0);
  EXPECT_DOUBLE_EQ(d.released["undated"]["reduced"], 1.0);
  EXPECT_EQ(d.items_by_category["AP_MINE"].found, 3);
  EXPECT_EQ(d.items_by_category["AP_MINE"].destroyed, 3);
  EXPECT_EQ(d.items_by_category["UXO"].found, 1);
  EXPECT_EQ(d.items_by_category["UXO"].destroyed, 0);  // removed, not destroyed
  EXPECT_EQ(d.figures.items_found, 4);
  EXPECT_EQ(d.figures.items_destroyed, 3);
  EXPECT_DOUBLE_EQ(d.hazard_area_m2, 5100.0);
  EXPECT_DOUBLE_EQ(d.figures.remaining_m2, 4000.0);
  EXPECT_EQ(d.figures.hazards_open, 1);
  EXPECT_DOUBLE_EQ(d.remaining_by_type_m2["CHA"], 4000.0);
  EXPECT_FALSE(d.remaining_by_type_m2.contains("SHA"));
  EXPECT_EQ(d.hazards_by_status["closed"], 1);
}

TEST(Dashboard, TimeAxesHaveNoGaps) {
  analysis::StatsInput in;
  in.accidents = {rec("ACC-1", {{"date", std::string("2015-06")}}),
                  rec("ACC-2", {{"date", std::string("2019-01-02")}})};
  for (const char* acc : {"ACC-1", "ACC-2"})
    in.victims.push_back(rec(std::string("V-") + acc, {{"accident_id", std::string(acc)},
                                                       {"group", std::string("civilian")},
                                                       {"outcome", std::string("injured")}}));
  in.releases = {rec("LR-1", {{"date", std::string("2020-11-30")},
                              {"outcome", std::string("cleared")},
                              {"area_m2", 1.0}}),
                 rec("LR-2", {{"date", std::string("2021-05-01")},
                              {"outcome", std::string("reduced")},
                              {"area_m2", 2.0}})};
  auto d = analysis::dashboard(in);
  std::vector<std::string> years, quarters;
  for (const auto& [k, v] : d.casualties) years.push_back(k);
  for (const auto& [k, v] : d.released) quarters.push_back(k);
  EXPECT_EQ(years, (std::vector<std::string>{"2015", "2016", "2017", "2018", "2019"}));
  EXPECT_TRUE(d.casualties["2017"].empty());
  EXPECT_EQ(quarters, (std::vector<std::string>{"2020-Q4", "2021-Q1", "2021-Q2"}));
}

// Two regions in a country; an organisation with one of the two activities.
TEST(Dashboard, FiltersByPeriodAreaAndOrganisation) {
  const std::vector<analysis::AdminAreaRow> areas = {{"ADM-1", "", "Country"},
                                                     {"ADM-2", "ADM-1", "North"},
                                                     {"ADM-3", "Country", "South"},
                                                     {"ADM-4", "North", "North district"},
                                                     {"ADM-9", "", "Elsewhere"}};
  EXPECT_EQ(analysis::areas_within("ADM-1", areas),
            (std::set<std::string, std::less<>>{"ADM-1", "ADM-2", "ADM-3", "ADM-4"}));
  EXPECT_EQ(analysis::areas_within("ADM-2", areas),
            (std::set<std::string, std::less<>>{"ADM-2", "ADM-4"}));

  analysis::StatsInput in;
  in.activities = {rec("ACT-1", {{"organisation_id", std::string("ORG-1")}}),
                   rec("ACT-2", {{"organisation_id", std::string("ORG-2")}})};
  in.hazards = {rec("HZ-1", {{"type", std::string("CHA")},
                             {"status", std::string("open")},
                             {"remaining_m2", 10.0},
                             {"admin_area_id", std::string("ADM-4")},
                             {"organisation_id", std::string("ORG-1")}}),
                rec("HZ-2", {{"type", std::string("SHA")},
                             {"status", std::string("open")},
                             {"remaining_m2", 20.0},
                             {"admin_area_id", std::string("ADM-3")},
                             {"organisation_id", std::string("ORG-2")}})};
  in.accidents = {
      rec("ACC-1", {{"date", std::string("2019")}, {"admin_area_id", std::string("ADM-4")}}),
      rec("ACC-2", {{"date", std::string("2022-03-01")}, {"admin_area_id", std::string("ADM-3")}})};
  in.victims = {rec("VIC-1", {{"accident_id", std::string("ACC-1")},
                              {"group", std::string("civilian")},
                              {"outcome", std::string("killed")}}),
                rec("VIC-2", {{"accident_id", std::string("ACC-2")},
                              {"group", std::string("civilian")},
                              {"outcome", std::string("injured")}})};
  in.releases = {rec("LR-1", {{"date", std::string("2019-02-01")},
                              {"outcome", std::string("cleared")},
                              {"area_m2", 5.0},
                              {"hazard_id", std::string("HZ-1")},
                              {"activity_id", std::string("ACT-1")}}),
                 rec("LR-2", {{"date", std::string("2022-02-01")},
                              {"outcome", std::string("cleared")},
                              {"area_m2", 7.0},
                              {"hazard_id", std::string("HZ-2")},
                              {"activity_id", std::string("ACT-2")}})};
  in.items = {rec("IT-1", {{"category", std::string("AP_MINE")},
                           {"found", std::string("2019-02-01")},
                           {"admin_area_id", std::string("ADM-4")},
                           {"activity_id", std::string("ACT-1")}}),
              rec("IT-2", {{"category", std::string("UXO")},
                           {"found", std::string("2022")},
                           {"admin_area_id", std::string("ADM-3")},
                           {"activity_id", std::string("ACT-2")}})};

  analysis::DashboardFilter north;
  north.admin_areas = analysis::areas_within("ADM-2", areas);
  auto d = analysis::dashboard(in, north);
  EXPECT_EQ(d.figures.hazards_open, 1);
  EXPECT_DOUBLE_EQ(d.figures.remaining_m2, 10.0);
  EXPECT_EQ(d.figures.accidents, 1);
  EXPECT_EQ(d.figures.killed, 1);
  EXPECT_EQ(d.figures.injured, 0);
  EXPECT_DOUBLE_EQ(d.released["2019-Q1"]["cleared"], 5.0);
  EXPECT_FALSE(d.released.contains("2022-Q1"));
  EXPECT_EQ(d.figures.items_found, 1);

  analysis::DashboardFilter period;
  period.period = analysis::parse_period("2020", "2022-06");
  d = analysis::dashboard(in, period);
  EXPECT_EQ(d.figures.hazards_open, 2);  // hazards are not dated
  EXPECT_EQ(d.figures.accidents, 1);
  EXPECT_EQ(d.figures.injured, 1);
  EXPECT_EQ(d.figures.killed, 0);
  EXPECT_EQ(d.figures.items_found, 1);  // "2022" overlaps the period
  EXPECT_EQ(d.items_by_category.count("UXO"), 1U);

  analysis::DashboardFilter org;
  org.organisation = "ORG-2";
  d = analysis::dashboard(in, org);
  EXPECT_EQ(d.figures.hazards_open, 1);
  EXPECT_DOUBLE_EQ(d.remaining_by_type_m2["SHA"], 20.0);
  EXPECT_EQ(d.figures.accidents, 2);  // accidents have no organisation
  EXPECT_DOUBLE_EQ(d.released["2022-Q1"]["cleared"], 7.0);
  EXPECT_FALSE(d.released.contains("2019-Q1"));
  EXPECT_EQ(d.figures.items_found, 1);
  EXPECT_EQ(d.items_by_category.count("AP_MINE"), 0U);
}

}  // namespace
