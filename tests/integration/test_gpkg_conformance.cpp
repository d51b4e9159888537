// The store is a GeoPackage that GDAL reads as it is: GDAL's own validator
// passes, ogrinfo lists every layer with its feature count, and the R-tree
// holds each feature's envelope (checked with GDAL's SQL functions).
#include "every_entity.hpp"
#include "gpkg_tools.hpp"

using namespace harness;

namespace {

// Features whose R-tree entry does not enclose their geometry's envelope
// (the R-tree stores 32-bit floats, rounded outward) ...
long rtree_mismatches(const fs::path& store, const std::string& table) {
  std::string sql = "SELECT count(*) FROM " + table + " t JOIN rtree_" + table +
                    "_geom r ON r.id = t.fid WHERE r.minx > ST_MinX(t.geom) OR r.maxx < "
                    "ST_MaxX(t.geom) OR r.miny > ST_MinY(t.geom) OR r.maxy < ST_MaxY(t.geom) OR "
                    // ... and no looser than a few float steps (2^-23 relative each).
                    "ST_MinX(t.geom) - r.minx > 5e-7 * abs(r.minx) + 1e-9 OR "
                    "r.maxx - ST_MaxX(t.geom) > 5e-7 * abs(r.maxx) + 1e-9 OR "
                    "ST_MinY(t.geom) - r.miny > 5e-7 * abs(r.miny) + 1e-9 OR "
                    "r.maxy - ST_MaxY(t.geom) > 5e-7 * abs(r.maxy) + 1e-9";
  auto r = shell("ogrinfo -ro -q " + quote(store.string()) + " -sql " + quote(sql));
  auto pos = r.out.find("= ");
  if (r.code != 0 || pos == std::string::npos) {
    ADD_FAILURE() << r.out << r.err;
    return -1;
  }
  return std::stol(r.out.substr(pos + 2));
}

long rtree_rows(const fs::path& store, const std::string& table) {
  auto r = shell("sqlite3 " + quote(store.string()) + " 'SELECT count(*) FROM rtree_" + table +
                 "_geom'");
  return r.out.empty() ? -1 : std::stol(r.out);
}

}  // namespace

TEST(GpkgConformance, StoreWithEveryEntity) {
  TempDir d;
  auto store = d / "every.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  add_every_entity(store);
  expect_valid_gpkg(store);
  for (const char* layer : {"hazards", "releases", "items", "accidents", "records", "admin_areas",
                            "settlements", "roads", "activities", "victims", "organisations"})
    EXPECT_EQ(ogr_feature_count(store, layer), 1) << layer;
  for (const char* t : {"hazards", "releases", "items", "accidents", "records", "admin_areas",
                        "settlements", "roads"}) {
    EXPECT_EQ(rtree_mismatches(store, t), 0) << t;
    EXPECT_EQ(rtree_rows(store, t), 1) << t;
  }
}

TEST(GpkgConformance, DemoStore) {
  TempDir d;
  auto r = minemap({"demo", "--dir", d.path().string(), "--no-serve"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("SYNTHETIC"), std::string::npos);
  auto store = d / "demo.gpkg";
  EXPECT_NE(r.out.find(fs::absolute(store).string()), std::string::npos);
  expect_valid_gpkg(store);
  auto counts = row_counts(store);
  for (const char* t :
       {"hazards", "releases", "items", "accidents", "records", "record_rows", "record_mines",
        "admin_areas", "settlements", "roads", "activities", "victims", "organisations"}) {
    EXPECT_GT(counts[t], 0) << t;
    if (counts.count(std::string("rtree_") + t + "_geom")) {
      EXPECT_EQ(rtree_mismatches(store, t), 0) << t;
      EXPECT_EQ(counts[std::string("rtree_") + t + "_geom"], counts[t]) << t;
    }
    EXPECT_EQ(ogr_feature_count(store, t), counts[t]) << t;
  }
  auto v = minemap({"verify", store.string()});
  EXPECT_EQ(v.code, 0) << v.err;
}

TEST(GpkgConformance, StoreWithARecordAndItsDerivedLayers) {
  TempDir d;
  auto store = d / "records.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  const char* data = std::getenv("MINEMAP_TEST_DATA");
  ASSERT_NE(data, nullptr);
  auto add =
      minemap({"record", "add", store.string(), std::string(data) + "/records/mr-0042.json"});
  ASSERT_EQ(add.code, 0) << add.err;
  // A second derivation: the first one's rows and mines stay, deleted.
  ASSERT_EQ(
      minemap({"record", "redigitize", store.string(), "MR-000001", "--declination", "6"}).code, 0);
  expect_valid_gpkg(store);
  EXPECT_EQ(ogr_feature_count(store, "records"), 1);
  EXPECT_EQ(ogr_feature_count(store, "record_rows"), 4);
  EXPECT_EQ(ogr_feature_count(store, "record_mines"), 112);
  for (const char* t : {"records", "record_rows", "record_mines"})
    EXPECT_EQ(rtree_mismatches(store, t), 0) << t;
}
