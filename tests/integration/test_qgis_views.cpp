// What QGIS sees of a store (docs/store.md, "In QGIS"): through GDAL, one view of
// current records per spatial entity, a layer with its geometry type and EPSG:4326,
// each date field's first and last day as Date fields; approved records not deleted
// and no others; on a new store, on the demo and on a store migrated from schema 4.
#include <algorithm>
#include <set>

#include "every_entity.hpp"
#include "gpkg_tools.hpp"

using namespace harness;

namespace {

struct Layer {
  std::string entity, table, geometry;  // geometry as GDAL names it ("Multi Polygon")
  std::vector<std::string> dates;       // non-personal date fields
  std::string view() const { return table + "_current"; }
};

// "MultiLineString" -> "Multi Line String", as ogrinfo prints geometry types.
std::string gdal_type(const std::string& t) {
  std::string out;
  for (char c : t) {
    if (std::isupper(static_cast<unsigned char>(c)) && !out.empty()) out += ' ';
    out += c;
  }
  return out;
}

// The spatial entities, from `minemap schema --json`.
std::vector<Layer> spatial_layers() {
  std::vector<Layer> out;
  for (const auto& e : json_of(minemap({"schema", "--json"}))) {
    if (e.value("geometry", "none") == "none") continue;
    Layer l{e.value("name", ""), e.value("layer", ""), gdal_type(e.value("geometry", "")), {}};
    for (const auto& f : e["fields"])
      if (f.value("type", "") == "date" && !f.value("personal", false))
        l.dates.push_back(f.value("name", ""));
    out.push_back(l);
  }
  return out;
}

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.insert(line);
  return out;
}

std::set<std::string> view_ids(const fs::path& store, const std::string& view) {
  auto r =
      shell("sqlite3 " + quote(store.string()) + " " + quote("SELECT id FROM \"" + view + "\""));
  EXPECT_EQ(r.code, 0) << r.err;
  return lines_of(r.out);
}

// What `minemap list` gives of approved records (deleted ones it hides).
std::set<std::string> approved_ids(const fs::path& store, const std::string& entity) {
  std::set<std::string> out;
  for (const auto& r : json_of(minemap({"list", store.string(), entity, "--format", "json"})))
    if (r.value("workflow", "") == "approved") out.insert(r.value("id", ""));
  return out;
}

// Every view as QGIS opens it through GDAL: listed without a warning, its geometry type,
// EPSG:4326, `fid`, Date fields for the dates, the approved records `minemap list`
// gives. Returns the total number of features checked.
long expect_views(const fs::path& store) {
  const auto layers = spatial_layers();
  EXPECT_GE(layers.size(), 10u);
  auto all = shell("ogrinfo -ro " + quote(store.string()));
  EXPECT_EQ(all.code, 0) << all.err;
  EXPECT_EQ(all.err, "") << "ogrinfo warned";
  long total = 0;
  for (const auto& l : layers) {
    EXPECT_NE(all.out.find(": " + l.view() + " (" + l.geometry + ")\n"), std::string::npos)
        << l.view() << " not listed as " << l.geometry << ":\n"
        << all.out;
    auto r = shell("ogrinfo -ro -so " + quote(store.string()) + " " + quote(l.view()));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "") << l.view();
    EXPECT_NE(r.out.find("Geometry: " + l.geometry + "\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ID[\"EPSG\",4326]]"), std::string::npos) << r.out;
    // (GDAL finds the table's key behind a view in its first row: an empty view shows
    // `fid` as a field.)
    const auto want = approved_ids(store, l.entity);
    EXPECT_NE(r.out.find(want.empty() ? "\nfid: Integer64" : "FID Column = fid\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("Geometry Column = geom\n"), std::string::npos) << r.out;
    for (const auto& d : l.dates) {
      EXPECT_NE(r.out.find("\n" + d + ": String"), std::string::npos) << l.view() << " " << d;
      for (const char* end : {"_first", "_last"})
        EXPECT_NE(r.out.find("\n" + d + end + ": Date (0.0)\n"), std::string::npos)
            << l.view() << " " << d << end << ":\n"
            << r.out;
    }
    EXPECT_EQ(ogr_summary_count(r.out), static_cast<long>(want.size())) << l.view();
    EXPECT_EQ(view_ids(store, l.view()), want) << l.view();
    total += static_cast<long>(want.size());
  }
  return total;
}

// The views as QGIS opens them, GDAL's validator and `minemap verify`; the number of
// features the views hold.
long expect_sound(const fs::path& store) {
  long total = expect_views(store);
  EXPECT_EQ(expect_valid_gpkg(store).find("_current"), std::string::npos);
  auto v = minemap({"verify", store.string()});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  return total;
}

fs::path new_store(const TempDir& d, const std::string& name) {
  auto store = d / name;
  EXPECT_EQ(minemap({"init", store.string()}).code, 0);
  return store;
}

std::string sql(const fs::path& store, const std::string& query) {
  auto r = shell("sqlite3 " + quote(store.string()) + " " + quote(query));
  EXPECT_EQ(r.code, 0) << r.err;
  return r.out;
}

std::string accident(const std::string& date, const std::string& workflow, double lon) {
  return R"({"date":")" + date + R"(","type":"mine","workflow":")" + workflow +
         R"(","geometry":{"type":"Point","coordinates":[)" + std::to_string(lon) + ",45]}}";
}

}  // namespace

TEST(QgisViews, DemoStore) {
  TempDir d;
  auto r = minemap({"demo", "--dir", d.path().string(), "--no-serve"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto store = d / "demo.gpkg";
  long total = expect_sound(store);
  EXPECT_GT(total, 0);
  // (The demo's records are all approved and none deleted: the views hold every row;
  // the test below has the other states.)
  long rows = 0;
  for (const auto& l : spatial_layers())
    rows += std::stol(sql(store, "SELECT count(*) FROM \"" + l.table + "\""));
  std::printf("demo: %ld current features in the views, %ld rows in their tables\n", total, rows);
}

TEST(QgisViews, OnlyApprovedRecordsNotDeletedAndTheirDays) {
  TempDir d;
  auto store = new_store(d, "s.gpkg");
  const auto s = store.string();
  auto year = add_one(store, "accidents", accident("2005", "approved", 20.0));
  auto month = add_one(store, "accidents", accident("2004-02", "approved", 20.1));
  auto day = add_one(store, "accidents", accident("2005-03-14", "approved", 20.2));
  auto draft = add_one(store, "accidents", accident("2006", "draft", 20.3));
  auto rejected = add_one(store, "accidents", accident("2007", "draft", 20.4));
  ASSERT_EQ(minemap({"submit", s, "accidents", rejected}).code, 0);
  auto rej = minemap({"reject", s, "accidents", rejected, "--reason", "a duplicate"});
  ASSERT_EQ(rej.code, 0) << rej.err;
  auto deleted = add_one(store, "accidents", accident("2008", "approved", 20.5));
  ASSERT_EQ(minemap({"delete", s, "accidents", deleted, "--reason", "entered twice"}).code, 0);

  EXPECT_EQ(
      sql(store, "SELECT id, date, date_first, date_last FROM accidents_current ORDER BY date"),
      month + "|2004-02|2004-02-01|2004-02-29\n" + year + "|2005|2005-01-01|2005-12-31\n" + day +
          "|2005-03-14|2005-03-14|2005-03-14\n");
  // The table keeps the day columns too: the draft has them, the view does not show it.
  EXPECT_EQ(sql(store, "SELECT date_first FROM accidents WHERE id = '" + draft + "'"),
            "2006-01-01\n");
  expect_views(store);

  // The review and a restore change what the view holds, at once.
  ASSERT_EQ(minemap({"settings", s, "four_eyes", "off", "--reason", "one-person office"}).code, 0);
  ASSERT_EQ(minemap({"submit", s, "accidents", draft}).code, 0);
  auto approved = minemap({"approve", s, "accidents", draft});
  ASSERT_EQ(approved.code, 0) << approved.err;
  ASSERT_EQ(minemap({"delete", s, "accidents", deleted, "--restore", "--reason", "not twice"}).code,
            0);
  ASSERT_EQ(minemap({"delete", s, "accidents", year, "--reason", "wrong place"}).code, 0);
  EXPECT_EQ(view_ids(store, "accidents_current"),
            (std::set<std::string>{month, day, draft, deleted}));
  // A date changed through minemap changes its days.
  auto u = minemap({"update", s, "accidents", month, "-"}, R"({"date":"2004-02-10"})");
  ASSERT_EQ(u.code, 0) << u.err;
  EXPECT_EQ(sql(store, "SELECT date_first || ' ' || date_last FROM accidents_current WHERE id = '" +
                           month + "'"),
            "2004-02-10 2004-02-10\n");
  EXPECT_EQ(expect_sound(store), 4);
}

TEST(QgisViews, StoreMigratedFromSchema4) {
  TempDir d;
  auto store = new_store(d, "old.gpkg");
  add_every_entity(store);
  add_one(store, "items", R"({"category":"UXO","found":"2020-11","workflow":"draft",
    "geometry":{"type":"Point","coordinates":[20.003,45.003]}})");
  // Back to the layout of schema 4: no views, no day columns. (SQLite re-reads the
  // R-tree triggers when it drops a column: their ST_ functions are stubbed.)
  const std::string script = R"PY(
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for f in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
    db.create_function(f, 1, lambda g: 0)
views = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
for v in views:
    db.execute('DROP VIEW "%s"' % v)
    db.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (v,))
    db.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (v,))
for (t,) in db.execute("SELECT table_name FROM gpkg_geometry_columns").fetchall():
    for (c,) in db.execute("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 2", (t,)).fetchall():
        db.execute('ALTER TABLE "%s" DROP COLUMN "%s"' % (t, c))
db.execute("UPDATE minemap_meta SET value = '4' WHERE key = 'schema_version'")
db.commit()
print(len(views))
)PY";
  auto back = shell("/usr/bin/python3 - " + quote(store.string()), script);
  ASSERT_EQ(back.code, 0) << back.err;
  EXPECT_EQ(std::stol(back.out), static_cast<long>(spatial_layers().size()));
  EXPECT_EQ(sql(store,
                "SELECT count(*) FROM pragma_table_xinfo('items') WHERE name LIKE "
                "'found_%'"),
            "0\n");
  EXPECT_EQ(shell("ogrinfo -ro " + quote(store.string())).out.find("_current"), std::string::npos);

  // The first command to open it migrates it; verify passes on the migrated store.
  auto v = minemap({"verify", store.string()});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  EXPECT_EQ(sql(store, "SELECT value FROM minemap_meta WHERE key = 'schema_version'"), "6\n");
  // One approved record of each of the 8 spatial entities added; the draft item is not.
  EXPECT_EQ(expect_sound(store), 8);
  EXPECT_EQ(sql(store, "SELECT count(*) FROM items"), "2\n");
  // Writes go on as before.
  add_one(store, "items", R"({"category":"UXO","found":"2021",
    "geometry":{"type":"Point","coordinates":[20.004,45.004]}})");
  EXPECT_EQ(expect_sound(store), 9);
}
