// Shared by the GeoPackage store tests: a store in a fresh temporary directory
// and valid records of every entity.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "core/schema.hpp"
#include "store/gpkg/gpkg_backend.hpp"

namespace minemap::testing_gpkg {

using core::EntitySpec;
using core::FieldType;
using core::GeomType;
using core::Record;

inline std::string test_id(const EntitySpec& spec, int n) {
  std::string digits = std::to_string(n);
  digits.insert(0, 6 - std::min<std::size_t>(6, digits.size()), '0');
  return std::string(spec.id_prefix) + "-" + digits;
}

// A square of side `d` degrees at (x, y), closed.
inline core::Polygon square(double x, double y, double d) {
  return {{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}};
}

// Coordinates with many significant digits, so that float32 rounding in the
// R-tree shows when it happens.
inline core::Geometry test_geometry(GeomType type, int n) {
  double x = 30.123456789012 + 0.0137 * n;
  double y = 10.987654321098 + 0.0091 * n;
  core::Geometry g;
  g.type = type;
  switch (type) {
    case GeomType::None: break;
    case GeomType::Point: g.points = {{x, y}}; break;
    case GeomType::MultiPoint: g.points = {{x, y}, {x + 0.001, y + 0.002}}; break;
    case GeomType::LineString: g.lines = {{{x, y}, {x + 0.003, y + 0.001}}}; break;
    case GeomType::MultiLineString:
      g.lines = {{{x, y}, {x + 0.003, y + 0.001}, {x + 0.004, y + 0.0042}},
                 {{x - 0.001, y - 0.002}, {x + 0.001, y}}};
      break;
    case GeomType::Polygon: g.polygons = {square(x, y, 0.004)}; break;
    case GeomType::MultiPolygon:
      g.polygons = {square(x, y, 0.004), square(x + 0.006, y + 0.001, 0.002)};
      break;
  }
  return g;
}

// A record of `spec` with every field set, references pointing at record 1 of
// the referenced entity (insert record 1 of every entity in the same
// transaction: foreign keys are checked at commit).
inline Record make_record(const EntitySpec& spec, int n) {
  Record r;
  r.id = test_id(spec, n);
  r.workflow = "approved";
  for (const auto& f : spec.fields) {
    std::string name(f.name);
    double lo = std::isfinite(f.min) ? f.min : 0;
    double hi = std::isfinite(f.max) ? f.max : 1e9;
    switch (f.type) {
      case FieldType::Text: r.fields[name] = name + " " + std::to_string(n); break;
      case FieldType::Integer:
        r.fields[name] = static_cast<std::int64_t>(std::min(hi, lo + n));
        break;
      case FieldType::Real: r.fields[name] = std::min(hi, lo + 0.125 * n + 0.1); break;
      case FieldType::Boolean: r.fields[name] = n % 2 == 1; break;
      case FieldType::Date: r.fields[name] = std::string(n % 2 ? "2012" : "2012-05-14"); break;
      case FieldType::Enum:
        r.fields[name] = std::string(f.values[static_cast<std::size_t>(n) % f.values.size()]);
        break;
      case FieldType::EnumSet:
        r.fields[name] = std::string(f.values[0]) + "," + std::string(f.values[1]);
        break;
      case FieldType::Ref: r.fields[name] = test_id(core::spec_by_name(f.ref), 1); break;
    }
  }
  if (spec.spatial()) r.geometry = test_geometry(spec.geometry, n);
  return r;
}

// Records 1..n of every entity, in one transaction.
inline void populate(store::Backend& b, int n) {
  b.transaction([&] {
    for (int k = 1; k <= n; ++k)
      for (const auto& spec : core::entities()) b.insert(spec, make_record(spec, k));
  });
}

class GpkgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "minemap-gpkg-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    m_dir = tmpl;
    m_path = (m_dir / "store.gpkg").string();
  }
  void TearDown() override {
    m_store.reset();
    std::error_code ec;
    // Files of failed tests stay for a look, and all with MINEMAP_KEEP_TEST_FILES set.
    if (!HasFailure() && !std::getenv("MINEMAP_KEEP_TEST_FILES"))
      std::filesystem::remove_all(m_dir, ec);
    else
      std::cerr << "kept the test's files in " << m_dir << "\n";
  }

  store::Backend& open(store::gpkg::OpenMode mode = store::gpkg::OpenMode::CreateOrOpen) {
    m_store.reset();
    m_store = store::gpkg::open_gpkg(m_path, mode);
    return *m_store;
  }
  void close() { m_store.reset(); }

  std::filesystem::path m_dir;
  std::string m_path;
  std::unique_ptr<store::Backend> m_store;
};

}  // namespace minemap::testing_gpkg
