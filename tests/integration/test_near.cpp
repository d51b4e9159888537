// `minemap near` through the real binary.
#include "every_entity.hpp"
#include "geo/geodesy.hpp"

using namespace harness;
namespace mg = ::minemap::geo;

// `near`: what lies around a place, with geodesic distances to the features themselves.
TEST(Cli, NearFindsWhatIsAroundAPlace) {
  TempDir d;
  fs::path store = d.path() / "s.gpkg";
  ASSERT_EQ(harness::minemap({"init", store.string()}).code, 0);
  auto e = add_every_entity(store);
  // Inside the hazard (20.0-20.01, 45.0-45.01): distance 0.
  auto in = json_of(harness::minemap({"near", store.string(), "20.005", "45.005", "--json"}));
  bool hazard_inside = false;
  for (const auto& f : in["features"])
    if (f["id"] == e.hazard) hazard_inside = f["inside"].get<bool>() && f["distance_m"] == 0.0;
  EXPECT_TRUE(hazard_inside) << in.dump();
  // 0.001 degree of latitude north of the hazard's north edge (20.0-20.01 E at 45.01 N):
  // the edge, a geodesic, bows 1.2 cm north of the parallel at its middle, so the distance
  // is the 111.13 m meridian arc less that bow.
  auto north = json_of(harness::minemap({"near", store.string(), "20.005", "45.011", "--layers",
                                         "hazards", "--within", "1000", "--json"}));
  ASSERT_EQ(north["features"].size(), 1u) << north.dump();
  double expect = mg::distance_to_segment_m({20.005, 45.011}, {20.01, 45.01}, {20.0, 45.01});
  EXPECT_NEAR(north["features"][0]["distance_m"].get<double>(), expect, 1e-6);
  double meridian = mg::distance_m({20.005, 45.011}, {20.005, 45.01});
  EXPECT_LT(expect, meridian - 0.01);
  EXPECT_GT(expect, meridian - 0.015);
  // Nearest: the item is the nearest of items.
  auto nn = json_of(harness::minemap({"near", store.string(), "20.0021", "45.0041", "--layers",
                                      "items", "--nearest", "1", "--json"}));
  ASSERT_EQ(nn["features"].size(), 1u);
  EXPECT_EQ(nn["features"][0]["id"], e.item);
  EXPECT_NEAR(nn["features"][0]["distance_m"].get<double>(),
              mg::distance_m({20.0021, 45.0041}, {20.002, 45.004}), 1e-9);
  // Table output, nothing around, bad input.
  auto table = harness::minemap({"near", store.string(), "20.005", "45.005"});
  EXPECT_NE(table.out.find(e.hazard + "\tinside"), std::string::npos) << table.out;
  EXPECT_NE(
      harness::minemap({"near", store.string(), "21", "46"}).out.find("nothing found within 500 m"),
      std::string::npos);
  auto bad = harness::minemap({"near", store.string(), "20", "95"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("LAT"), std::string::npos);
  EXPECT_EQ(harness::minemap({"near", store.string(), "20", "45", "--layers", "victims"}).code, 2);
}
