// The dashboard's figures from hand-made records.
#include <gtest/gtest.h>

#include "analysis/dashboard.hpp"

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
  in.items = {rec("IT-1", {{"category", std::string("AP_MINE")}, {"quantity", std::int64_t{3}}}),
              rec("IT-2", {{"category", std::string("UXO")}})};
  in.hazards = {
      rec("HZ-1", {{"status", std::string("open")}, {"area_m2", 5000.0}, {"remaining_m2", 4000.0}}),
      rec("HZ-2", {{"status", std::string("closed")}, {"area_m2", 100.0}, {"remaining_m2", 0.0}}),
  };
  auto d = analysis::dashboard(in);
  EXPECT_EQ(d.casualties["2021"]["civilian"]["killed"], 2);
  EXPECT_EQ(d.casualties["2022"]["deminer"]["injured"], 1);
  EXPECT_EQ(d.casualties["unknown"]["police"]["injured"], 1);  // its accident is not approved
  EXPECT_DOUBLE_EQ(d.released["2021-Q1"]["cleared"], 1500.0);
  EXPECT_DOUBLE_EQ(d.released["2021-Q2"]["cancelled"], 250.0);
  EXPECT_DOUBLE_EQ(d.released["2020"]["reduced"], 10.0);
  EXPECT_DOUBLE_EQ(d.released["undated"]["reduced"], 1.0);
  EXPECT_EQ(d.items_by_category["AP_MINE"], 3);
  EXPECT_EQ(d.items_by_category["UXO"], 1);
  EXPECT_DOUBLE_EQ(d.hazard_area_m2, 5100.0);
  EXPECT_DOUBLE_EQ(d.remaining_m2, 4000.0);
  EXPECT_DOUBLE_EQ(d.remaining_by_status_m2["open"], 4000.0);
  EXPECT_DOUBLE_EQ(d.remaining_by_status_m2["closed"], 0.0);
}

}  // namespace
