// The GeoPackage Backend's semantics: open modes, round trips of every entity,
// queries, ids, transactions, audit, status history, migrations.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <regex>
#include <set>

#include "core/errors.hpp"
#include "gpkg_fixture.hpp"
#include "store/gpkg/rtree.hpp"
#include "store/gpkg/schema.hpp"
#include "store/gpkg/sqlite.hpp"

namespace minemap::testing_gpkg {
namespace {

using core::Entity;
using store::AuditEntry;
using store::ListQuery;
using store::gpkg::Db;
using store::gpkg::OpenMode;
using store::gpkg::Stmt;

std::vector<std::string> ids(store::Backend& b, const EntitySpec& spec, const ListQuery& q) {
  std::vector<std::string> out;
  b.for_each(spec, q, [&](const Record& r) { out.push_back(r.id); });
  return out;
}

std::string text_of(Db& db, const std::string& sql) {
  Stmt s(db, sql);
  return s.step() ? s.column_text(0) : "<no row>";
}

std::int64_t int_of(Db& db, const std::string& sql) {
  Stmt s(db, sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.column_int(0);
}

const EntitySpec& hazards() {
  return core::spec(Entity::Hazard);
}
const EntitySpec& items() {
  return core::spec(Entity::Item);
}
const EntitySpec& activities() {
  return core::spec(Entity::Activity);
}

TEST_F(GpkgTest, CreateWritesTheGeoPackageHeaderAndCoreTables) {
  open(OpenMode::Create);
  close();
  std::ifstream f(m_path, std::ios::binary);
  char header[72];
  ASSERT_TRUE(f.read(header, sizeof header));
  EXPECT_EQ(std::string(header + 68, 4), "GPKG");

  Db db(m_path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(int_of(db, "PRAGMA application_id"), 0x47504B47);
  EXPECT_EQ(int_of(db, "PRAGMA user_version"), 10300);
  EXPECT_EQ(text_of(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(text_of(db,
                    "SELECT group_concat(srs_id) FROM (SELECT srs_id FROM "
                    "gpkg_spatial_ref_sys ORDER BY srs_id)"),
            "-1,0,4326");
  EXPECT_NE(text_of(db, "SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id = 4326")
                .find("GEOGCS[\"WGS 84\""),
            std::string::npos);
  EXPECT_EQ(text_of(db, "SELECT value FROM minemap_meta WHERE key = 'schema_version'"),
            std::to_string(store::gpkg::schema_version()));

  for (const auto& spec : core::entities()) {
    std::string t = store::gpkg::quote_text(spec.table);
    EXPECT_EQ(text_of(db, "SELECT data_type FROM gpkg_contents WHERE table_name = " + t),
              spec.spatial() ? "features" : "attributes")
        << spec.table;
    if (!spec.spatial()) continue;
    EXPECT_EQ(text_of(db,
                      "SELECT geometry_type_name || '/' || srs_id || '/' || z || m FROM "
                      "gpkg_geometry_columns WHERE column_name = 'geom' AND table_name = " +
                          t),
              std::string(store::gpkg::geometry_type_name(spec.geometry)) + "/4326/00");
    EXPECT_EQ(int_of(db,
                     "SELECT count(*) FROM gpkg_extensions WHERE extension_name = "
                     "'gpkg_rtree_index' AND scope = 'write-only' AND column_name = 'geom' "
                     "AND table_name = " +
                         t),
              1);
    for (const char* trigger : {"insert", "update1", "update2", "update3", "update4", "delete"})
      EXPECT_EQ(int_of(db,
                       "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name "
                       "= 'rtree_" +
                           std::string(spec.table) + "_geom_" + trigger + "'"),
                1)
          << spec.table << " " << trigger;
  }
  for (const char* t : {"audit", "hazard_status"})
    EXPECT_EQ(text_of(db, std::string("SELECT data_type FROM gpkg_contents WHERE table_name = '") +
                              t + "'"),
              "attributes");
}

TEST_F(GpkgTest, OpenModes) {
  EXPECT_THROW(open(OpenMode::OpenExisting), core::NotFound);
  EXPECT_FALSE(std::filesystem::exists(m_path));
  open(OpenMode::Create);
  close();
  EXPECT_THROW(open(OpenMode::Create), core::Conflict);
  EXPECT_NO_THROW(open(OpenMode::OpenExisting));
  EXPECT_EQ(m_store->location(), m_path);
  EXPECT_NO_THROW(open(OpenMode::CreateOrOpen));
}

// A file that is not a minemap store is the user's mistake (core::InputError: exit 2,
// docs/cli.md), not a failure of the storage.
TEST_F(GpkgTest, RefusesFilesThatAreNotMinemapGeoPackages) {
  std::string text = (m_dir / "notes.gpkg").string();
  std::ofstream(text) << "this is not a database, just some text long enough to be read\n";
  try {
    store::gpkg::open_gpkg(text, OpenMode::OpenExisting);
    FAIL() << "opened a text file";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("notes.gpkg: not a minemap GeoPackage"), std::string::npos)
        << e.what();
  }

  std::string plain = (m_dir / "plain.gpkg").string();
  {
    Db db(plain, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("CREATE TABLE t (a)");
  }
  EXPECT_THROW(store::gpkg::open_gpkg(plain, OpenMode::OpenExisting), core::InputError);

  std::string other = (m_dir / "other.gpkg").string();
  {
    Db db(other, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    db.exec("PRAGMA application_id = 1196444487; CREATE TABLE gpkg_contents (table_name TEXT)");
  }
  try {
    store::gpkg::open_gpkg(other, OpenMode::OpenExisting);
    FAIL() << "opened a GeoPackage without minemap_meta";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a minemap store"), std::string::npos) << e.what();
  }
}

TEST_F(GpkgTest, EveryEntityRoundTrips) {
  auto& b = open();
  populate(b, 2);
  for (const auto& spec : core::entities())
    for (int k = 1; k <= 2; ++k) {
      auto got = b.get(spec, test_id(spec, k), false);
      ASSERT_TRUE(got) << spec.name << " " << k;
      EXPECT_EQ(*got, make_record(spec, k)) << spec.name << " " << k;
    }
  close();
  auto& again = open(OpenMode::OpenExisting);
  for (const auto& spec : core::entities()) {
    EXPECT_EQ(again.count(spec, false), 2) << spec.name;
    EXPECT_EQ(again.get(spec, test_id(spec, 2), false), make_record(spec, 2)) << spec.name;
  }
  EXPECT_FALSE(again.get(hazards(), "HZ-999999", true));
}

TEST_F(GpkgTest, NullFieldsAreAbsentAndTypesKept) {
  auto& b = open();
  populate(b, 1);
  Record r = make_record(hazards(), 2);
  r.fields.erase("local_ref");
  r.fields["beneficiaries"] = std::monostate{};
  r.fields["area_m2"] = std::int64_t{5};  // a Real field given an integer is stored as real
  b.insert(hazards(), r);
  auto got = b.get(hazards(), r.id, false);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->fields.count("local_ref"));
  EXPECT_FALSE(got->fields.count("beneficiaries"));
  EXPECT_TRUE(std::holds_alternative<double>(got->fields.at("area_m2")));
  EXPECT_TRUE(std::holds_alternative<bool>(got->fields.at("blocks_water")));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(got->fields.at("returnees")));
  EXPECT_EQ(got->text("reported"), "2012-05-14");
}

TEST_F(GpkgTest, RefusesRecordsTheTableCannotHold) {
  auto& b = open();
  populate(b, 1);
  Record r = make_record(hazards(), 2);
  r.fields["beneficiaries"] = std::string("many");
  try {
    b.insert(hazards(), r);
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "beneficiaries");
  }
  r = make_record(hazards(), 2);
  r.fields["colour"] = std::string("red");
  EXPECT_THROW(b.insert(hazards(), r), core::InputError);
  r = make_record(hazards(), 2);
  r.geometry = test_geometry(GeomType::Polygon, 2);  // validate() promotes; the store does not
  EXPECT_THROW(b.insert(hazards(), r), core::InputError);
  r = make_record(activities(), 2);
  r.geometry = test_geometry(GeomType::Point, 2);
  EXPECT_THROW(b.insert(activities(), r), core::InputError);
  r = make_record(hazards(), 2);
  r.workflow = "published";
  EXPECT_THROW(b.insert(hazards(), r), core::InputError);
  EXPECT_EQ(b.count(hazards(), true), 1);
}

TEST_F(GpkgTest, ReplaceUpdatesFieldsAndGeometry) {
  auto& b = open();
  populate(b, 2);
  Record r = make_record(hazards(), 1);
  r.fields["name"] = std::string("Renamed field");
  r.fields.erase("local_ref");
  r.workflow = "submitted";
  r.geometry = test_geometry(GeomType::MultiPolygon, 7);
  b.replace(hazards(), r);
  EXPECT_EQ(b.get(hazards(), r.id, false), r);
  EXPECT_EQ(b.get(hazards(), test_id(hazards(), 2), false), make_record(hazards(), 2));

  Record missing = make_record(hazards(), 9);
  EXPECT_THROW(b.replace(hazards(), missing), core::NotFound);

  // A record may lose its optional geometry: the R-tree entry goes with it.
  const EntitySpec& records = core::spec(Entity::Record);
  Record mr = make_record(records, 1);
  mr.geometry = {};
  b.replace(records, mr);
  EXPECT_EQ(b.get(records, mr.id, false), mr);
  ListQuery q;
  q.bbox = core::Envelope{-180, -90, 180, 90};
  EXPECT_EQ(ids(b, records, q), std::vector<std::string>{test_id(records, 2)});
}

TEST_F(GpkgTest, SoftDeleteHidesRowsUnlessAsked) {
  auto& b = open();
  populate(b, 3);
  const std::string id = test_id(items(), 2);
  b.set_deleted(items(), id, true, "duplicate of IT-000001");
  EXPECT_FALSE(b.get(items(), id, false));
  EXPECT_TRUE(b.get(items(), id, true));
  auto state = b.deleted_state(items(), id);
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->deleted);
  EXPECT_EQ(state->reason, "duplicate of IT-000001");
  EXPECT_FALSE(b.deleted_state(items(), "IT-999999"));
  EXPECT_EQ(b.count(items(), false), 2);
  EXPECT_EQ(b.count(items(), true), 3);
  EXPECT_EQ(ids(b, items(), {}), (std::vector<std::string>{"IT-000001", "IT-000003"}));
  ListQuery all;
  all.include_deleted = true;
  EXPECT_EQ(ids(b, items(), all).size(), 3u);

  b.set_deleted(items(), id, false, "");
  EXPECT_TRUE(b.get(items(), id, false));
  EXPECT_FALSE(b.deleted_state(items(), id)->deleted);
  EXPECT_THROW(b.set_deleted(items(), "IT-999999", true, "x"), core::NotFound);
}

// The widths of a shapefile's columns, measured by one query, are those of the text
// for_each gives (the generic measure every backend inherits), for every entity, with
// deleted rows and filters applied alike.
TEST_F(GpkgTest, TextWidthsAreThoseOfTheRecordsRead) {
  auto& b = open();
  populate(b, 3);
  Record long_text = make_record(items(), 4);
  long_text.fields["model"] = std::string("PMN-2 \xc3\xb1 with a long name");  // ñ: 2 bytes
  b.insert(items(), long_text);
  b.set_deleted(items(), test_id(items(), 2), true, "twice");
  ListQuery only_ap;
  only_ap.where = {{"category", {"AP_MINE"}}};
  for (const auto& spec : core::entities()) {
    std::vector<std::string> columns = {"id", "workflow"};
    for (const auto& f : spec.fields)
      if (f.type != FieldType::Real && f.type != FieldType::Boolean) columns.emplace_back(f.name);
    for (const ListQuery& q : {ListQuery{}, spec.kind == Entity::Item ? only_ap : ListQuery{}}) {
      const auto got = b.text_widths(spec, q, columns);
      const auto want = b.store::Backend::text_widths(spec, q, columns);
      EXPECT_EQ(got.rows, want.rows) << spec.name;
      EXPECT_EQ(got.bytes, want.bytes) << spec.name;
    }
  }
  const auto w = b.text_widths(items(), {}, {"model"});
  EXPECT_EQ(w.rows, 3);
  EXPECT_EQ(w.bytes, std::vector<std::size_t>{25});
  EXPECT_THROW(b.text_widths(items(), {}, {"nope"}), core::InputError);
}

TEST_F(GpkgTest, BboxQueryUsesExactEnvelopes) {
  auto& b = open();
  populate(b, 3);
  core::Envelope around2 = test_geometry(GeomType::Point, 2).envelope();
  around2.min_x -= 0.001;
  around2.min_y -= 0.001;
  around2.max_x += 0.001;
  around2.max_y += 0.001;
  ListQuery q;
  q.bbox = around2;
  EXPECT_EQ(ids(b, items(), q), std::vector<std::string>{"IT-000002"});

  // A box a hair east of the point: the float32 R-tree box still overlaps it,
  // the answer must not.
  core::Coord p = test_geometry(GeomType::Point, 2).points[0];
  q.bbox = core::Envelope{p.x + 1e-9, p.y - 1, p.x + 1, p.y + 1};
  EXPECT_EQ(ids(b, items(), q), std::vector<std::string>{"IT-000003"});

  // Polygons: the box touches the second part of hazard 1's multipolygon only.
  core::Envelope part;
  core::Geometry hz1 = test_geometry(GeomType::MultiPolygon, 1);
  for (const auto& c : hz1.polygons[1][0]) part.expand(c);
  q.bbox = part;
  EXPECT_EQ(ids(b, hazards(), q), std::vector<std::string>{"HZ-000001"});

  q.bbox = core::Envelope{0, 0, 1, 1};
  EXPECT_TRUE(ids(b, hazards(), q).empty());
  EXPECT_THROW(ids(b, activities(), q), core::InputError);
}

TEST_F(GpkgTest, BboxQueryGoesThroughTheRtree) {
  auto& b = open();
  populate(b, 2);
  {
    // Remove item 1 from the index behind the store's back: a query by box
    // that still found it would not be using the index.
    Db raw(m_path, SQLITE_OPEN_READWRITE);
    raw.exec(
        "DELETE FROM rtree_items_geom WHERE id = (SELECT fid FROM items WHERE id = "
        "'IT-000001')");
  }
  ListQuery q;
  q.bbox = core::Envelope{-180, -90, 180, 90};
  EXPECT_EQ(ids(b, items(), q), std::vector<std::string>{"IT-000002"});
  EXPECT_EQ(ids(b, items(), {}).size(), 2u);
}

TEST_F(GpkgTest, WhereQueries) {
  auto& b = open();
  populate(b, 4);
  ListQuery q;
  q.where = {{"type", {"TS", "CLEARANCE"}}};  // enum values[k % 5]: k=1 TS, k=2 CLEARANCE
  EXPECT_EQ(ids(b, activities(), q), (std::vector<std::string>{"ACT-000001", "ACT-000002"}));
  q.where = {{"hazard_id", {"HZ-000001"}}, {"type", {"EOD_SPOT"}}};
  EXPECT_EQ(ids(b, activities(), q), std::vector<std::string>{"ACT-000003"});
  q.where = {{"depth_cm", {"2", "4"}}};  // integers compared as text
  EXPECT_EQ(ids(b, activities(), q), (std::vector<std::string>{"ACT-000002", "ACT-000004"}));
  q.where = {{"blocks_water", {"true"}}};
  EXPECT_EQ(ids(b, hazards(), q), (std::vector<std::string>{"HZ-000001", "HZ-000003"}));
  q.where = {{"contamination", {"AT_MINE"}}};  // an enum set holding the value
  EXPECT_EQ(ids(b, hazards(), q).size(), 4u);
  q.where = {{"contamination", {"IED"}}};
  EXPECT_TRUE(ids(b, hazards(), q).empty());
  q.where = {{"id", {"HZ-000004", "HZ-000002"}}};
  EXPECT_EQ(ids(b, hazards(), q), (std::vector<std::string>{"HZ-000002", "HZ-000004"}));
  q.where = {{"type", {}}};
  EXPECT_TRUE(ids(b, activities(), q).empty());

  q.where = {{"colour", {"red"}}};
  try {
    ids(b, hazards(), q);
    FAIL() << "unknown field accepted";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "colour");
  }
  q.where = {{"blocks_water", {"perhaps"}}};
  EXPECT_THROW(ids(b, hazards(), q), core::InputError);

  Record draft = make_record(hazards(), 5);
  draft.workflow = "draft";
  b.insert(hazards(), draft);
  ListQuery approved;
  approved.approved_only = true;
  EXPECT_EQ(ids(b, hazards(), approved).size(), 4u);
  EXPECT_EQ(ids(b, hazards(), {}).size(), 5u);
  q.where = {{"workflow", {"draft"}}};
  EXPECT_EQ(ids(b, hazards(), q), std::vector<std::string>{"HZ-000005"});
}

TEST_F(GpkgTest, PagingCountsTheRowsThatMatch) {
  auto& b = open();
  populate(b, 6);
  ListQuery q;
  q.limit = 2;
  EXPECT_EQ(ids(b, items(), q), (std::vector<std::string>{"IT-000001", "IT-000002"}));
  q.offset = 4;
  EXPECT_EQ(ids(b, items(), q), (std::vector<std::string>{"IT-000005", "IT-000006"}));
  q.offset = 6;
  EXPECT_TRUE(ids(b, items(), q).empty());
  q.limit = 0;
  q.offset = 0;
  EXPECT_TRUE(ids(b, items(), q).empty());
  // With a box, the offset counts the rows inside it, not the R-tree's candidates:
  // the box a hair east of item 2 holds items 3 to 6 (test_geometry moves north-east).
  core::Coord p = test_geometry(GeomType::Point, 2).points[0];
  ListQuery boxed;
  boxed.bbox = core::Envelope{p.x + 1e-9, p.y - 1, p.x + 1, p.y + 1};
  boxed.offset = 1;
  boxed.limit = 2;
  EXPECT_EQ(ids(b, items(), boxed), (std::vector<std::string>{"IT-000004", "IT-000005"}));
  std::vector<std::string> geo_ids;
  b.for_each_geometry(items(), boxed,
                      [&](const std::string& id, const core::Geometry&) { geo_ids.push_back(id); });
  EXPECT_EQ(geo_ids, (std::vector<std::string>{"IT-000004", "IT-000005"}));
}

TEST_F(GpkgTest, DateRangesOverlapDatesOfReducedPrecision) {
  auto& b = open();
  populate(b, 1);  // what the items refer to
  const char* found[] = {"2011", "2012-02", "2012-02-29", "2012-12-31", "2013-01-01"};
  std::vector<std::string> mine;
  for (int k = 0; k < 6; ++k) {
    Record r = make_record(items(), 11 + k);
    if (k < 5)
      r.fields["found"] = std::string(found[k]);
    else
      r.fields.erase("found");
    mine.push_back(r.id);
    b.insert(items(), r);
  }
  auto during = [&](std::optional<std::string> from, std::optional<std::string> to) {
    ListQuery q;
    q.where = {{"id", mine}};
    q.during = ListQuery::DateRange{"found", std::move(from), std::move(to)};
    return ids(b, items(), q);
  };
  // A year overlaps any day of it; a month any day of the month.
  EXPECT_EQ(during("2011-06-01", "2011-06-01"), std::vector<std::string>{"IT-000011"});
  EXPECT_EQ(during("2012-02-10", "2012-02-10"), std::vector<std::string>{"IT-000012"});
  EXPECT_EQ(during("2012-02-29", "2012-03-31"),
            (std::vector<std::string>{"IT-000012", "IT-000013"}));
  EXPECT_EQ(during("2012-03-01", "2012-12-31"), std::vector<std::string>{"IT-000014"});
  // Open ends; rows without a date never match.
  EXPECT_EQ(during(std::nullopt, "2011-12-31"), std::vector<std::string>{"IT-000011"});
  EXPECT_EQ(during("2013-01-01", std::nullopt), std::vector<std::string>{"IT-000015"});
  EXPECT_EQ(during(std::nullopt, std::nullopt).size(), 5u);
  ListQuery bad;
  bad.during = ListQuery::DateRange{"category", "2012-01-01", std::nullopt};
  EXPECT_THROW(ids(b, items(), bad), core::InputError);
}

TEST_F(GpkgTest, NextIdCountsAndSkipsIdsUsersGave) {
  auto& b = open();
  EXPECT_EQ(b.next_id(hazards()), "HZ-000001");
  EXPECT_EQ(b.next_id(hazards()), "HZ-000002");
  EXPECT_EQ(b.next_id(items()), "IT-000001");
  populate(b, 1);  // HZ-000001 exists now, the counter is at 2 already
  EXPECT_EQ(b.next_id(hazards()), "HZ-000003");
  Record r = make_record(hazards(), 41);
  b.insert(hazards(), r);
  EXPECT_EQ(b.next_id(hazards()), "HZ-000042");
  r = make_record(hazards(), 1);
  r.id = "LEGACY-7";  // ids of another shape leave the counter alone
  b.insert(hazards(), r);
  r.id = "HZ-7";
  b.insert(hazards(), r);
  EXPECT_EQ(b.next_id(hazards()), "HZ-000043");
  {
    // A row added behind minemap's back (QGIS) is not looked for here: its
    // insert fails as a duplicate and Registry::add takes the next id (tested
    // with the registry).
    Db raw(m_path, SQLITE_OPEN_READWRITE);
    store::gpkg::register_st_functions(raw);  // the R-tree triggers call them
    raw.exec("INSERT INTO hazards (id, workflow) VALUES ('HZ-000044', 'draft')");
  }
  EXPECT_EQ(b.next_id(hazards()), "HZ-000044");
  EXPECT_THROW(b.insert(hazards(),
                        [&] {
                          Record d = make_record(hazards(), 1);
                          d.id = "HZ-000044";
                          return d;
                        }()),
               core::Conflict);
  close();
  EXPECT_EQ(open().next_id(hazards()), "HZ-000045");
}

TEST_F(GpkgTest, DuplicateIdsConflict) {
  auto& b = open();
  populate(b, 1);
  EXPECT_THROW(b.insert(hazards(), make_record(hazards(), 1)), core::Conflict);
  b.set_deleted(hazards(), "HZ-000001", true, "test");
  EXPECT_THROW(b.insert(hazards(), make_record(hazards(), 1)), core::Conflict);
  // The failed insert inside a transaction leaves the transaction usable.
  b.transaction([&] {
    EXPECT_THROW(b.insert(items(), make_record(items(), 1)), core::Conflict);
    b.insert(items(), make_record(items(), 2));
  });
  EXPECT_EQ(b.count(items(), true), 2);
}

TEST_F(GpkgTest, TransactionRollbackLeavesNothing) {
  auto& b = open();
  struct Boom {};
  EXPECT_THROW(b.transaction([&] {
    populate(b, 2);
    b.next_id(hazards());
    b.append_status("HZ-000001", {"2020", "open", "first"});
    throw Boom{};
  }),
               Boom);
  for (const auto& spec : core::entities()) EXPECT_EQ(b.count(spec, true), 0) << spec.name;
  EXPECT_TRUE(b.status_history("HZ-000001").empty());
  EXPECT_EQ(b.next_id(hazards()), "HZ-000001");
  close();
  Db db(m_path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(int_of(db, "SELECT count(*) FROM rtree_hazards_geom"), 0);
  EXPECT_EQ(int_of(db, "SELECT count(*) FROM gpkg_contents WHERE min_x IS NOT NULL"), 0);
}

TEST_F(GpkgTest, NestedTransactionsAreSavepoints) {
  auto& b = open();
  b.transaction([&] {
    populate(b, 1);  // nested: joins the outer transaction
    try {
      b.transaction([&] {
        b.insert(items(), make_record(items(), 2));
        throw std::runtime_error("inner");
      });
    } catch (const std::runtime_error&) {
    }
    b.insert(items(), make_record(items(), 3));
  });
  EXPECT_EQ(ids(b, items(), {}), (std::vector<std::string>{"IT-000001", "IT-000003"}));
}

TEST_F(GpkgTest, DanglingReferencesFailAtCommitNamingTheField) {
  auto& b = open();
  populate(b, 1);
  Record r = make_record(activities(), 2);
  r.fields["hazard_id"] = std::string("HZ-000077");
  try {
    b.insert(activities(), r);
    FAIL() << "dangling reference stored";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "hazard_id");
    EXPECT_NE(std::string(e.what()).find("HZ-000077"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(b.get(activities(), r.id, true));
  EXPECT_THROW(b.append_status("HZ-000077", {"2020", "open", ""}), core::InputError);
}

AuditEntry audit_entry(std::int64_t seq, const std::string& id, const std::string& prev) {
  AuditEntry e;
  e.seq = seq;
  e.ts = "2026-01-0" + std::to_string(seq) + "T10:00:00Z";
  e.actor = "tester";
  e.entity = "hazards";
  e.entity_id = id;
  e.action = seq == 1 ? "create" : "update";
  e.reason = seq == 1 ? "" : "fix";
  e.before = seq == 1 ? "" : "{\"a\":1}";
  e.after = "{\"a\":2}";
  e.prev_hash = prev;
  e.hash = "h" + std::to_string(seq);
  return e;
}

bool same(const AuditEntry& a, const AuditEntry& b) {
  return a.seq == b.seq && a.ts == b.ts && a.actor == b.actor && a.entity == b.entity &&
         a.entity_id == b.entity_id && a.action == b.action && a.reason == b.reason &&
         a.before == b.before && a.after == b.after && a.prev_hash == b.prev_hash &&
         a.hash == b.hash;
}

TEST_F(GpkgTest, AuditIsAppendOnly) {
  auto& b = open();
  EXPECT_FALSE(b.last_audit());
  b.append_audit(audit_entry(1, "HZ-000001", ""));
  b.append_audit(audit_entry(2, "HZ-000002", "h1"));
  b.append_audit(audit_entry(3, "HZ-000001", "h2"));
  auto last = b.last_audit();
  ASSERT_TRUE(last);
  EXPECT_TRUE(same(*last, audit_entry(3, "HZ-000001", "h2")));
  auto one = b.audit("hazards", "HZ-000001");
  ASSERT_EQ(one.size(), 2u);
  EXPECT_TRUE(same(one[0], audit_entry(1, "HZ-000001", "")));
  EXPECT_EQ(one[1].seq, 3);
  EXPECT_EQ(b.audit("", "").size(), 3u);
  EXPECT_TRUE(b.audit("items", "HZ-000001").empty());
  EXPECT_THROW(b.append_audit(audit_entry(3, "HZ-000009", "h2")), core::Conflict);

  Db raw(m_path, SQLITE_OPEN_READWRITE);
  try {
    raw.exec("UPDATE audit SET actor = 'mallory' WHERE seq = 2");
    FAIL() << "audit entry changed";
  } catch (const core::StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos) << e.what();
  }
  EXPECT_THROW(raw.exec("DELETE FROM audit WHERE seq = 1"), core::StorageError);
  EXPECT_EQ(b.audit("", "").size(), 3u);
  EXPECT_EQ(b.audit("", "")[1].actor, "tester");
}

TEST_F(GpkgTest, StatusHistoryInAppendOrder) {
  auto& b = open();
  populate(b, 2);
  b.append_status("HZ-000001", {"2019-03", "open", "survey"});
  b.append_status("HZ-000002", {"2020", "open", ""});
  b.append_status("HZ-000001", {"2021-06-30", "closed", "cleared"});
  auto h = b.status_history("HZ-000001");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].date, "2019-03");
  EXPECT_EQ(h[0].reason, "survey");
  EXPECT_EQ(h[1].status, "closed");
  EXPECT_TRUE(b.status_history("HZ-000009").empty());
}

TEST_F(GpkgTest, ContentsBoundsCoverEveryFeature) {
  auto& b = open();
  populate(b, 3);
  Record moved = make_record(items(), 1);
  moved.geometry = core::Geometry::point(-5.5, 60.25);
  b.replace(items(), moved);
  close();
  Db db(m_path, SQLITE_OPEN_READONLY);
  std::regex stamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (const auto& spec : core::entities()) {
    Stmt s(db,
           "SELECT min_x, min_y, max_x, max_y, last_change FROM gpkg_contents WHERE "
           "table_name = ?1");
    s.bind_text(1, spec.table);
    ASSERT_TRUE(s.step());
    EXPECT_TRUE(std::regex_match(s.column_text(4), stamp)) << s.column_text(4);
    if (!spec.spatial()) {
      EXPECT_TRUE(s.is_null(0));
      continue;
    }
    core::Envelope want;
    for (int k = 1; k <= 3; ++k) want.expand(test_geometry(spec.geometry, k).envelope());
    if (spec.kind == Entity::Item) want.expand(moved.geometry.envelope());
    EXPECT_LE(s.column_real(0), want.min_x) << spec.table;
    EXPECT_LE(s.column_real(1), want.min_y) << spec.table;
    EXPECT_GE(s.column_real(2), want.max_x) << spec.table;
    EXPECT_GE(s.column_real(3), want.max_y) << spec.table;
    EXPECT_EQ(s.column_real(0), want.min_x) << spec.table;  // grown, not padded
  }
}

// --- migrations -------------------------------------------------------------

void set_version(const std::string& path, int v) {
  Db db(path, SQLITE_OPEN_READWRITE);
  db.exec("UPDATE minemap_meta SET value = '" + std::to_string(v) +
          "' WHERE key = 'schema_version'");
}

int version_of(const std::string& path) {
  Db db(path, SQLITE_OPEN_READONLY);
  return store::gpkg::read_schema_version(db);
}

TEST_F(GpkgTest, MigratesAVersionZeroFile) {
  populate(open(OpenMode::Create), 1);
  close();
  set_version(m_path, 0);
  std::vector<store::gpkg::Migration> list = {
      {1,
       "CREATE TABLE migrated_marker (fid INTEGER PRIMARY KEY); "
       "INSERT INTO migrated_marker VALUES (1);"}};
  auto b = store::gpkg::open_gpkg_with(m_path, OpenMode::OpenExisting, list, 1);
  EXPECT_EQ(b->get(hazards(), "HZ-000001", false), make_record(hazards(), 1));
  b.reset();
  EXPECT_EQ(version_of(m_path), 1);
  Db db(m_path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(int_of(db, "SELECT count(*) FROM migrated_marker"), 1);

  // This build's own list takes a version-0 file to the current version too.
  set_version(m_path, 0);
  open(OpenMode::OpenExisting);
  close();
  EXPECT_EQ(version_of(m_path), store::gpkg::schema_version());
}

TEST_F(GpkgTest, MigrationsRunInOrderInOneTransaction) {
  open(OpenMode::Create);
  close();
  // Two versions past this build's.
  const int v = store::gpkg::schema_version();
  std::vector<store::gpkg::Migration> list = {
      {v + 1, "ALTER TABLE hazards ADD COLUMN priority INTEGER;"},
      {v + 2,
       "UPDATE hazards SET priority = 1; CREATE INDEX hazards_priority_idx ON hazards "
       "(priority);"}};
  store::gpkg::open_gpkg_with(m_path, OpenMode::OpenExisting, list, v + 2).reset();
  EXPECT_EQ(version_of(m_path), v + 2);
  {
    Db db(m_path, SQLITE_OPEN_READONLY);
    EXPECT_EQ(int_of(db,
                     "SELECT count(*) FROM pragma_table_info('hazards') WHERE name = "
                     "'priority'"),
              1);
  }
  // A file newer than this build is refused, untouched.
  EXPECT_THROW(open(OpenMode::OpenExisting), core::StorageError);
  EXPECT_EQ(version_of(m_path), v + 2);
}

TEST_F(GpkgTest, FailedMigrationLeavesTheFileAsItWas) {
  open(OpenMode::Create);
  close();
  const int v = store::gpkg::schema_version();
  std::vector<store::gpkg::Migration> list = {
      {v + 1, "ALTER TABLE hazards ADD COLUMN priority INTEGER;"},
      {v + 2, "ALTER TABLE no_such_table ADD COLUMN x TEXT;"}};
  try {
    store::gpkg::open_gpkg_with(m_path, OpenMode::OpenExisting, list, v + 2);
    FAIL() << "a failing migration went through";
  } catch (const core::StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("version " + std::to_string(v + 2)), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(version_of(m_path), v);
  Db db(m_path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(int_of(db, "SELECT count(*) FROM pragma_table_info('hazards') WHERE name = 'priority'"),
            0);
}

// A store made at `version` (the views of schema 5 left out below it), holding one
// record of every entity.
void write_store_at(const std::string& path, int version) {
  auto b = store::gpkg::open_gpkg_with(path, OpenMode::Create, store::gpkg::migrations(), version);
  populate(*b, 1);
}

std::int64_t views_of(Db& db) {
  return int_of(db,
                "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name LIKE '%_current'");
}

TEST_F(GpkgTest, MigratesAVersionFourFileToViewsOfCurrentRecords) {
  write_store_at(m_path, 4);
  std::int64_t spatial = 0;
  for (const auto& spec : core::entities()) spatial += spec.spatial();
  {
    Db db(m_path, SQLITE_OPEN_READONLY);
    EXPECT_EQ(views_of(db), 0);
    EXPECT_EQ(
        int_of(db,
               "SELECT count(*) FROM pragma_table_xinfo('accidents') WHERE name = 'date_first'"),
        0);
  }
  auto& b = open(OpenMode::OpenExisting);
  EXPECT_EQ(b.get(hazards(), "HZ-000001", false), make_record(hazards(), 1));
  close();
  EXPECT_EQ(version_of(m_path), store::gpkg::schema_version());
  Db db(m_path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(views_of(db), spatial);
  // Registered as features layers, each with its table's geometry type.
  EXPECT_EQ(int_of(db,
                   "SELECT count(*) FROM gpkg_contents c JOIN gpkg_geometry_columns g USING "
                   "(table_name) WHERE c.table_name LIKE '%_current' AND c.data_type = 'features' "
                   "AND c.srs_id = 4326 AND g.column_name = 'geom' AND g.geometry_type_name = "
                   "(SELECT geometry_type_name FROM gpkg_geometry_columns t WHERE t.table_name || "
                   "'_current' = g.table_name)"),
            spatial);
  // The day columns, declared DATE, in the tables and their views.
  for (std::string t : {"accidents", "accidents_current"})
    EXPECT_EQ(
        text_of(db, "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_xinfo('" + t +
                        "') WHERE name LIKE 'date_%'"),
        "date_first DATE, date_last DATE")
        << t;
}

TEST_F(GpkgTest, ViewsHoldTheApprovedRowsNotDeleted) {
  populate(open(OpenMode::Create), 3);
  close();
  {
    Db db(m_path, SQLITE_OPEN_READWRITE);
    store::gpkg::register_st_functions(db);
    db.exec(
        "UPDATE items SET workflow = 'draft' WHERE id = 'IT-000001'; "
        "UPDATE items SET deleted = 1 WHERE id = 'IT-000002'; "
        "UPDATE items SET found = '2004-02' WHERE id = 'IT-000003'");
  }
  Db db(m_path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(text_of(db,
                    "SELECT group_concat(id || ' ' || found || ' ' || found_first || ' ' || "
                    "found_last) FROM items_current"),
            "IT-000003 2004-02 2004-02-01 2004-02-29");
}

TEST_F(GpkgTest, MigratesAVersionOneFileToRecordLayers) {
  // Version 1 had no derived record layers and fewer record columns: make such a
  // file from a new one, then open it with this build's migrations.
  write_store_at(m_path, 4);  // no views yet (they name the columns dropped below)
  {
    Db db(m_path, SQLITE_OPEN_READWRITE);
    store::gpkg::register_st_functions(db);
    for (std::string t : {"record_rows", "record_mines"}) {
      db.exec("DROP TABLE " + t);
      db.exec("DROP TABLE rtree_" + t + "_geom");
      for (std::string meta : {"gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions"})
        db.exec("DELETE FROM " + meta + " WHERE table_name = '" + t + "'");
      db.exec("DROP TRIGGER IF EXISTS rtree_" + t + "_geom_insert");
    }
    for (std::string c :
         {"label", "derivation", "corrections", "declination_deg_applied", "declination_source",
          "convergence_deg_applied", "misclosure_m", "misclosure_ratio", "mine_count", "warnings"})
      db.exec("ALTER TABLE records DROP COLUMN " + c);
    db.exec("DROP TABLE users");        // version 3
    db.exec("DROP TABLE checkpoints");  // version 4
    db.exec("DELETE FROM minemap_meta WHERE key = 'store_id'");
  }
  set_version(m_path, 1);
  auto& b = open(OpenMode::OpenExisting);
  EXPECT_EQ(b.get(hazards(), "HZ-000001", false), make_record(hazards(), 1));
  EXPECT_TRUE(b.users().empty());
  close();
  EXPECT_EQ(version_of(m_path), store::gpkg::schema_version());
  Db db(m_path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(int_of(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'checkpoints%'"), 3);
  EXPECT_EQ(int_of(db, "SELECT count(*) FROM minemap_meta WHERE key = 'store_id'"), 1);
  EXPECT_EQ(
      int_of(db, "SELECT count(*) FROM pragma_table_info('records') WHERE name = 'derivation'"), 1);
  EXPECT_EQ(
      int_of(
          db,
          "SELECT count(*) FROM gpkg_contents WHERE table_name IN ('record_rows', 'record_mines')"),
      2);
  EXPECT_EQ(int_of(db, "SELECT count(*) FROM gpkg_extensions WHERE table_name = 'record_mines'"),
            1);
  // The view of a table the migration made (empty: version 1 had no derived rows).
  EXPECT_EQ(int_of(db, "SELECT count(*) FROM record_mines_current"), 0);
  EXPECT_EQ(int_of(db, "SELECT count(*) FROM records_current"), 1);
}

TEST_F(GpkgTest, MissingColumnWithoutMigrationIsRefused) {
  open(OpenMode::Create);
  close();
  {
    Db db(m_path, SQLITE_OPEN_READWRITE);
    store::gpkg::register_st_functions(db);
    db.exec("DROP VIEW items_current");  // SQLite drops no column a view names
    db.exec("ALTER TABLE items DROP COLUMN lot");
  }
  try {
    open(OpenMode::OpenExisting);
    FAIL() << "opened a file lacking items.lot";
  } catch (const core::StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("lot"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minemap::testing_gpkg
