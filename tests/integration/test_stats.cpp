// `stats --json` on a hand-built store. Expected figures are computed here
// independently of minemap: areas of latitude/longitude quadrangles on the WGS 84
// ellipsoid by the closed formula (geodesic edges of squares this small differ
// from parallels by far less than the tolerance), counts by hand.
#include <cmath>

#include "harness.hpp"

using namespace harness;

namespace {

// Area in m² between longitudes w..e and latitudes s..n on WGS 84.
double quad_area(double w, double s, double e, double n) {
  const double a = 6378137.0, f = 1 / 298.257223563, e2 = f * (2 - f), ecc = std::sqrt(e2);
  const double b = a * (1 - f), rad = M_PI / 180;
  auto q = [&](double phi) {
    double sp = std::sin(phi * rad);
    return sp / (1 - e2 * sp * sp) + std::log((1 + ecc * sp) / (1 - ecc * sp)) / (2 * ecc);
  };
  return b * b / 2 * (e - w) * rad * (q(n) - q(s));
}

std::string square(double w, double s, double e, double n) {
  std::ostringstream o;
  o.precision(12);
  o << R"({"type":"Polygon","coordinates":[[[)" << w << "," << s << "],[" << e << "," << s << "],["
    << e << "," << n << "],[" << w << "," << n << "],[" << w << "," << s << "]]]}";
  return o.str();
}

std::string with_hole(double w, double s, double e, double n, double hw, double hs, double he,
                      double hn) {
  auto outer = square(w, s, e, n), hole = square(hw, hs, he, hn);
  auto ring = [](const std::string& sq) {  // "[[x,y],...]" out of the Polygon's coordinates
    auto b = sq.find("[[["), en = sq.rfind("]]]");
    return sq.substr(b + 1, en - b + 1);
  };
  return R"({"type":"Polygon","coordinates":[)" + ring(outer) + "," + ring(hole) + "]}";
}

std::string point(double x, double y) {
  std::ostringstream o;
  o.precision(12);
  o << R"({"type":"Point","coordinates":[)" << x << "," << y << "]}";
  return o.str();
}

std::string add(const fs::path& store, const std::string& entity, const std::string& json) {
  auto r = minemap({"add", store.string(), entity, "-"}, json);
  EXPECT_EQ(r.code, 0) << entity << " " << json << ": " << r.err;
  return r.out.substr(0, r.out.find('\n'));
}

}  // namespace

TEST(Stats, HandBuiltStore) {
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);

  auto hz_a =
      add(store, "hazards",
          R"({"name":"A","type":"CHA","geometry":)" + square(20.00, 45.00, 20.01, 45.01) + "}");
  auto hz_b = add(store, "hazards",
                  R"({"name":"B","type":"SHA","status":"closed","geometry":)" +
                      square(20.02, 45.00, 20.03, 45.01) + "}");
  auto hz_c = add(store, "hazards",
                  R"({"name":"C","type":"CHA","geometry":)" +
                      with_hole(20.04, 45.0, 20.06, 45.02, 20.045, 45.005, 20.055, 45.015) + "}");
  add(store, "hazards",
      R"({"name":"draft","type":"CHA","workflow":"draft","geometry":)" +
          square(21, 45, 21.01, 45.01) + "}");

  auto nts = add(store, "activities", R"({"hazard_id":")" + hz_a + R"(","type":"NTS"})");
  auto clr = add(store, "activities",
                 R"({"hazard_id":")" + hz_a + R"(","type":"CLEARANCE","deminer_days":50})");
  auto ts = add(store, "activities", R"({"hazard_id":")" + hz_b + R"(","type":"TS"})");
  add(store, "releases",
      R"({"activity_id":")" + nts + R"(","outcome":"cancelled","geometry":)" +
          square(20.0, 45.0, 20.005, 45.01) + "}");
  // Overlaps the cancelled half by a strip: the remaining area counts it once.
  add(store, "releases",
      R"({"activity_id":")" + clr + R"(","outcome":"cleared","geometry":)" +
          square(20.004, 45.0, 20.008, 45.005) + "}");
  add(store, "releases",
      R"({"activity_id":")" + ts + R"(","outcome":"reduced","geometry":)" +
          square(20.02, 45.0, 20.03, 45.002) + "}");
  // Neither a draft nor a deleted release counts.
  add(store, "releases",
      R"({"activity_id":")" + ts + R"(","outcome":"reduced","workflow":"draft","geometry":)" +
          square(20.02, 45.005, 20.03, 45.01) + "}");
  auto gone = add(store, "releases",
                  R"({"activity_id":")" + ts + R"(","outcome":"cleared","geometry":)" +
                      square(20.02, 45.008, 20.03, 45.01) + "}");
  ASSERT_EQ(minemap({"delete", store.string(), "releases", gone, "--reason", "entered twice"}).code,
            0);

  add(store, "items",
      R"({"category":"AP_MINE","quantity":2,"found":"2012-05","activity_id":")" + clr +
          R"(","geometry":)" + point(20.005, 45.001) + "}");
  add(store, "items",
      R"({"category":"AT_MINE","found":"2013","geometry":)" + point(20.006, 45.002) + "}");
  add(store, "items", R"({"category":"UXO","quantity":5,"geometry":)" + point(20.3, 45.3) + "}");

  auto acc1 =
      add(store, "accidents",
          R"({"date":"2012","type":"mine","geometry":)" + point(20.002, 45.002) + "}");  // inside A
  auto acc2 = add(store, "accidents",
                  R"({"date":"2012-08-01","type":"mine","geometry":)" + point(20.02, 45.005) +
                      "}");  // on B's edge
  auto acc3 = add(
      store, "accidents",
      R"({"date":"2014-02","type":"erw","geometry":)" + point(20.05, 45.01) + "}");  // in C's hole
  add(store, "accidents",
      R"({"date":"2015-06","type":"demining","geometry":)" + point(22.0, 46.0) + "}");  // far away
  add(store, "accidents",
      R"({"date":"2016","type":"mine","workflow":"submitted","geometry":)" + point(20.002, 45.002) +
          "}");
  auto acc_del = add(store, "accidents",
                     R"({"date":"2016","type":"mine","geometry":)" + point(20.002, 45.002) + "}");

  auto victim = [&](const std::string& acc, const std::string& rest) {
    add(store, "victims", R"({"accident_id":")" + acc + "\"," + rest + "}");
  };
  victim(acc1, R"("group":"civilian","outcome":"killed","age":9,"sex":"female")");
  victim(acc1, R"("group":"civilian","outcome":"injured","age":17,"sex":"male")");
  victim(acc2, R"("group":"military","outcome":"injured","age":25,"sex":"male")");
  victim(acc3, R"("group":"civilian","outcome":"injured","sex":"female")");
  victim(acc_del, R"("group":"civilian","outcome":"killed","age":40)");
  ASSERT_EQ(minemap({"delete", store.string(), "accidents", acc_del, "--reason", "test"}).code, 0);

  auto j = json_of(minemap({"stats", store.string(), "--json"}));

  // Every key of the CLI contract.
  for (const char* k : {"hazards", "land_release", "items", "accidents", "victims"})
    ASSERT_TRUE(j.contains(k)) << k;
  for (const char* k : {"count", "by_type", "by_status", "area_m2", "remaining_m2"})
    EXPECT_TRUE(j["hazards"].contains(k)) << k;
  for (const char* k : {"cancelled_m2", "reduced_m2", "cleared_m2"})
    EXPECT_TRUE(j["land_release"].contains(k)) << k;
  for (const char* k : {"count", "by_category", "by_year"}) EXPECT_TRUE(j["items"].contains(k));
  for (const char* k : {"count", "inside_hazards", "outside_hazards", "by_year", "by_type"})
    EXPECT_TRUE(j["accidents"].contains(k)) << k;
  for (const char* k : {"count", "killed", "injured", "children", "by_group", "by_sex"})
    EXPECT_TRUE(j["victims"].contains(k)) << k;

  const double a = quad_area(20.00, 45.00, 20.01, 45.01);
  const double b = quad_area(20.02, 45.00, 20.03, 45.01);
  const double c = quad_area(20.04, 45.0, 20.06, 45.02) - quad_area(20.045, 45.005, 20.055, 45.015);
  const double cancelled = quad_area(20.0, 45.0, 20.005, 45.01);
  const double cleared = quad_area(20.004, 45.0, 20.008, 45.005);
  const double reduced = quad_area(20.02, 45.0, 20.03, 45.002);
  const double released_a = cancelled + quad_area(20.005, 45.0, 20.008, 45.005);
  auto near = [](double got, double want) { EXPECT_NEAR(got, want, 1e-6 * want + 0.01); };

  EXPECT_EQ(j["hazards"]["count"], 3);
  EXPECT_EQ(j["hazards"]["by_type"]["CHA"], 2);
  EXPECT_EQ(j["hazards"]["by_type"]["SHA"], 1);
  EXPECT_EQ(j["hazards"]["by_status"]["open"], 2);
  EXPECT_EQ(j["hazards"]["by_status"]["closed"], 1);
  near(j["hazards"]["area_m2"], a + b + c);
  near(j["hazards"]["remaining_m2"], (a - released_a) + (b - reduced) + c);
  near(j["land_release"]["cancelled_m2"], cancelled);
  near(j["land_release"]["reduced_m2"], reduced);
  near(j["land_release"]["cleared_m2"], cleared);
  near(j["land_release"]["m2_per_deminer_day"], cleared / 50);

  EXPECT_EQ(j["items"]["count"], 8);
  EXPECT_EQ(j["items"]["by_category"]["AP_MINE"], 2);
  EXPECT_EQ(j["items"]["by_category"]["AT_MINE"], 1);
  EXPECT_EQ(j["items"]["by_category"]["UXO"], 5);
  EXPECT_EQ(j["items"]["by_year"]["2012"], 2);
  EXPECT_EQ(j["items"]["by_year"]["2013"], 1);
  EXPECT_EQ(j["items"]["by_year"]["unknown"], 5);

  EXPECT_EQ(j["accidents"]["count"], 4);
  EXPECT_EQ(j["accidents"]["inside_hazards"], 2);
  EXPECT_EQ(j["accidents"]["outside_hazards"], 2);
  EXPECT_EQ(j["accidents"]["by_year"]["2012"], 2);
  EXPECT_EQ(j["accidents"]["by_year"]["2014"], 1);
  EXPECT_EQ(j["accidents"]["by_type"]["demining"], 1);

  EXPECT_EQ(j["victims"]["count"], 4);
  EXPECT_EQ(j["victims"]["killed"], 1);
  EXPECT_EQ(j["victims"]["injured"], 3);
  EXPECT_EQ(j["victims"]["children"], 2);
  EXPECT_EQ(j["victims"]["by_group"]["civilian"], 3);
  EXPECT_EQ(j["victims"]["by_group"]["military"], 1);
  EXPECT_EQ(j["victims"]["by_sex"]["female"], 2);

  // A period keeps what may lie in it.
  auto p =
      json_of(minemap({"stats", store.string(), "--from", "2012-06", "--to", "2014", "--json"}));
  EXPECT_EQ(p["accidents"]["count"], 3);  // "2012" may be after June; 2015-06 is out
  EXPECT_EQ(p["items"]["count"], 1);      // 2012-05 is out, 2013 in, undated out

  auto text = minemap({"stats", store.string()});
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("2 inside known hazards"), std::string::npos) << text.out;
}
