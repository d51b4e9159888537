// The store file against the GeoPackage standard and the tools that read it:
// R-tree contents, GDAL's validate_gpkg.py and ogrinfo.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/require.hpp"
#include "geo/wkb.hpp"
#include "gpkg_fixture.hpp"
#include "store/gpkg/sqlite.hpp"

namespace minemap::testing_gpkg {
namespace {

using store::gpkg::Db;
using store::gpkg::Stmt;

struct CommandResult {
  int status = -1;
  std::string output;
};

// Runs a shell command, capturing stdout and stderr.
CommandResult run(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A store holding every entity, some rows changed, deleted, restored, with
// audit entries and status history: what a real file looks like.
void fill_like_real_use(store::Backend& b) {
  populate(b, 3);
  b.transaction([&] {
    Record r = make_record(core::spec(core::Entity::Hazard), 2);
    r.geometry = test_geometry(GeomType::MultiPolygon, 9);
    b.replace(core::spec(core::Entity::Hazard), r);
    Record mr = make_record(core::spec(core::Entity::Record), 3);
    mr.geometry = {};
    b.replace(core::spec(core::Entity::Record), mr);
    b.set_deleted(core::spec(core::Entity::Item), "IT-000003", true, "duplicate");
    b.append_status("HZ-000001", {"2012", "open", "recorded"});
    store::AuditEntry e;
    e.seq = 1;
    e.ts = "2026-01-01T00:00:00Z";
    e.actor = "tester";
    e.entity = "hazards";
    e.entity_id = "HZ-000001";
    e.action = "create";
    e.after = "{}";
    e.hash = "00";
    b.append_audit(e);
  });
}

TEST_F(GpkgTest, RtreeHoldsEveryFeatureEnvelope) {
  fill_like_real_use(open());
  close();
  Db db(m_path, SQLITE_OPEN_READONLY);
  for (const auto& spec : core::entities()) {
    if (!spec.spatial()) continue;
    std::string t = store::gpkg::quote_id(spec.table);
    std::string rt = store::gpkg::quote_id("rtree_" + std::string(spec.table) + "_geom");
    Stmt s(db, "SELECT t.id, t.geom, r.id, r.minx, r.maxx, r.miny, r.maxy FROM " + t +
                   " AS t LEFT JOIN " + rt + " AS r ON r.id = t.fid");
    int features = 0;
    while (s.step()) {
      std::string id = s.column_text(0);
      if (s.is_null(1)) {
        EXPECT_TRUE(s.is_null(2)) << id << ": no geometry, yet in the R-tree";
        continue;
      }
      ++features;
      ASSERT_FALSE(s.is_null(2)) << id << " missing from the R-tree";
      core::Envelope e = geo::from_gpkg_blob(s.column_blob(1)).envelope();
      // float32 boxes rounded outwards: SQLite scales by (1 -/+ 2^-23) after
      // the float conversion, so allow a few float steps, never an inward one.
      double got[4] = {s.column_real(3), s.column_real(4), s.column_real(5), s.column_real(6)};
      double want[4] = {e.min_x, e.max_x, e.min_y, e.max_y};
      for (int i = 0; i < 4; ++i) {
        double slack = std::abs(want[i]) * std::ldexp(1.0, -21) + 1e-30;
        if (i % 2 == 0) {
          EXPECT_LE(got[i], want[i]) << id << " bound " << i;
          EXPECT_GE(got[i], want[i] - slack) << id << " bound " << i;
        } else {
          EXPECT_GE(got[i], want[i]) << id << " bound " << i;
          EXPECT_LE(got[i], want[i] + slack) << id << " bound " << i;
        }
      }
    }
    Stmt n(db, "SELECT count(*) FROM " + rt);
    ASSERT_TRUE(n.step());
    EXPECT_EQ(n.column_int(0), features) << spec.table;
    EXPECT_GT(features, 0) << spec.table;
  }
}

std::string validator_script() {
  const std::filesystem::path dist = "/usr/lib/python3/dist-packages/osgeo_utils/samples";
  for (const char* name : {"validate_gpkg.py"})
    if (std::filesystem::exists(dist / name)) return (dist / name).string();
  return {};
}

TEST_F(GpkgTest, GdalValidatorAcceptsTheStore) {
  std::string script = validator_script();
  MINEMAP_REQUIRE(!script.empty() && std::filesystem::exists("/usr/bin/python3"),
                  "validate_gpkg.py (python3-gdal) is not installed");
  fill_like_real_use(open());
  close();  // checkpoints the WAL: the validator reads the header bytes itself
  CommandResult strict =
      run("/usr/bin/python3 " + shell_quote(script) + " -k " + shell_quote(m_path));
  std::cout << "validate_gpkg.py -k: exit " << strict.status << "\n" << strict.output;
  EXPECT_EQ(strict.status, 0) << strict.output;
  // --extra also checks every value against its declared column type.
  CommandResult extra = run("/usr/bin/python3 " + shell_quote(script) +
                            " -k --extra --warning-as-error " + shell_quote(m_path));
  std::cout << "validate_gpkg.py -k --extra --warning-as-error: exit " << extra.status << "\n"
            << extra.output;
  EXPECT_EQ(extra.status, 0) << extra.output;
}

TEST_F(GpkgTest, OgrinfoListsEveryLayer) {
  MINEMAP_REQUIRE(run("command -v ogrinfo").status == 0, "ogrinfo (gdal-bin) is not installed");
  fill_like_real_use(open());
  close();
  CommandResult r = run("ogrinfo -ro -so " + shell_quote(m_path));
  std::cout << r.output;
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("ERROR"), std::string::npos) << r.output;
  std::vector<std::string> layers = {"audit", "hazard_status"};
  for (const auto& spec : core::entities()) layers.emplace_back(spec.table);
  for (const auto& layer : layers)
    EXPECT_NE(r.output.find(": " + layer + " ("), std::string::npos) << layer << "\n" << r.output;

  // GDAL reads the features and their extent as minemap wrote them.
  CommandResult items = run("ogrinfo -ro -so " + shell_quote(m_path) + " items");
  EXPECT_NE(items.output.find("Feature Count: 3"), std::string::npos) << items.output;
  EXPECT_NE(items.output.find("Geometry: Point"), std::string::npos) << items.output;
  CommandResult hz =
      run("ogrinfo -ro -al -q -where \"id = 'HZ-000001'\" " + shell_quote(m_path) + " hazards");
  EXPECT_NE(hz.output.find("MULTIPOLYGON (((30.1371"), std::string::npos) << hz.output;
  EXPECT_NE(hz.output.find("status_date (String) = 2012"), std::string::npos) << hz.output;
}

}  // namespace
}  // namespace minemap::testing_gpkg
