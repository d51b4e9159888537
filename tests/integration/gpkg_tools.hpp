// GDAL's view of a store: its GeoPackage validator and ogrinfo's feature counts.
#pragma once

#include "harness.hpp"

namespace harness {

inline std::string gpkg_validator() {
  for (const char* p : {"/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py",
                        "/usr/share/doc/python3-gdal/examples/validate_gpkg.py"})
    if (fs::exists(p)) return p;
  return {};
}

// validate_gpkg.py's output (empty when it finds nothing wrong).
inline std::string expect_valid_gpkg(const fs::path& store) {
  auto v = gpkg_validator();
  EXPECT_FALSE(v.empty()) << "validate_gpkg.py not found (Debian python3-gdal)";
  if (v.empty()) return {};
  auto r = shell("/usr/bin/python3 " + quote(v) + " " + quote(store.string()));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  return r.out + r.err;
}

// The feature count in ogrinfo's summary of a layer (-1 when it gives none).
inline long ogr_summary_count(const std::string& summary) {
  auto pos = summary.find("Feature Count: ");
  return pos == std::string::npos ? -1 : std::stol(summary.substr(pos + 15));
}

inline long ogr_feature_count(const fs::path& store, const std::string& layer) {
  return ogr_summary_count(
      shell("ogrinfo -ro -so " + quote(store.string()) + " " + quote(layer)).out);
}

}  // namespace harness
