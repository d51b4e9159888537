// DDL from the EntitySpecs, and migrations; see schema.hpp.
#include "store/gpkg/schema.hpp"

#include <set>
#include <stdexcept>
#include <tuple>

#include "core/date.hpp"
#include "store/audit.hpp"
#include "store/gpkg/rtree.hpp"

namespace minemap::store::gpkg {
namespace {

using core::EntitySpec;
using core::FieldType;

// The GeoPackage core tables exactly as the 1.3 spec defines them (Annex C),
// which is what validate_gpkg.py compares column by column.
constexpr std::string_view kCoreSql = R"SQL(
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE,
  min_y DOUBLE,
  max_x DOUBLE,
  max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
CREATE TABLE gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
);
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined',
   'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined',
   'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326,
   'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
   'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
)SQL";

// The audit trail is append-only: the triggers refuse any change to a stored
// entry, whoever writes the file (minemap, QGIS, sqlite3). `minemap verify` compares
// these statements with the file's (protected_objects()): they have not changed since
// version 1, so every store holds them as written here.
constexpr std::string_view kAuditTableSql = R"SQL(CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  actor TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  "before" TEXT NOT NULL DEFAULT '',
  "after" TEXT NOT NULL DEFAULT '',
  prev_hash TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL
))SQL";
constexpr std::string_view kAuditNoUpdateSql =
    R"SQL(CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be changed');
END)SQL";
constexpr std::string_view kAuditNoDeleteSql =
    R"SQL(CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit trail is append-only: entries cannot be deleted');
END)SQL";

// Signed checkpoints of the audit chain's head (schema 4), append-only as the audit.
constexpr std::string_view kCheckpointsTableSql = R"SQL(CREATE TABLE checkpoints (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  ts TEXT NOT NULL,
  store_id TEXT NOT NULL,
  public_key TEXT NOT NULL,
  signature TEXT NOT NULL
))SQL";
constexpr std::string_view kCheckpointsNoUpdateSql =
    R"SQL(CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN
  SELECT RAISE(ABORT, 'checkpoints are append-only: they cannot be changed');
END)SQL";
constexpr std::string_view kCheckpointsNoDeleteSql =
    R"SQL(CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN
  SELECT RAISE(ABORT, 'checkpoints are append-only: they cannot be deleted');
END)SQL";

// A random identifier of the store, signed into every checkpoint, so that a checkpoint
// of one store is never taken for another's.
constexpr std::string_view kStoreIdSql =
    "INSERT OR IGNORE INTO minemap_meta (key, value) VALUES ('store_id', "
    "lower(hex(randomblob(16))))";

constexpr std::string_view kMinemapSql = R"SQL(
CREATE INDEX audit_entity_idx ON audit (entity, entity_id);
CREATE TABLE hazard_status (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  hazard_id TEXT NOT NULL REFERENCES hazards (id) DEFERRABLE INITIALLY DEFERRED,
  "date" TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hazard_status_hazard_idx ON hazard_status (hazard_id);
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'data_entry', 'verifier', 'admin')),
  password_hash TEXT NOT NULL,
  created TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE minemap_meta (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES
  ('audit', 'attributes', 'Audit trail',
   'every write: who, when, what, why; append-only, hash-chained'),
  ('hazard_status', 'attributes', 'Hazard status history',
   'each status a hazardous area has had, with its date and reason');
)SQL";

// Store-kept columns; a FieldSpec must not take these names.
const std::set<std::string_view> kReserved = {"fid",     "geom",    "id",      "workflow",
                                              "created", "updated", "deleted", "deleted_reason"};

std::string column_ddl(const core::FieldSpec& f) {
  if (kReserved.count(f.name))
    throw std::logic_error("field name \"" + std::string(f.name) + "\" is kept by the store");
  std::string out = quote_id(f.name) + " " + std::string(sql_type(f.type));
  if (f.type == FieldType::Ref) {
    const EntitySpec& target = core::spec_by_name(f.ref);
    out += " REFERENCES " + quote_id(target.table) + " (id) DEFERRABLE INITIALLY DEFERRED";
  }
  return out;
}

void create_entity_table(Db& db, const EntitySpec& spec) {
  const std::string t = quote_id(spec.table);
  std::string sql = "CREATE TABLE " + t + " (\n  fid INTEGER PRIMARY KEY AUTOINCREMENT,\n";
  if (spec.spatial())
    sql +=
        "  " + quote_id(kGeomColumn) + " " + std::string(geometry_type_name(spec.geometry)) + ",\n";
  sql += "  id TEXT NOT NULL UNIQUE,\n  workflow TEXT NOT NULL,\n";
  for (const auto& f : spec.fields) sql += "  " + column_ddl(f) + ",\n";
  sql +=
      "  created TEXT,\n  updated TEXT,\n  deleted INTEGER NOT NULL DEFAULT 0,\n"
      "  deleted_reason TEXT\n);\n";
  // Lists by reference ("activities of hazard HZ-000001") and the foreign-key
  // checks of deletes both look rows up by the referencing column.
  for (const auto& f : spec.fields)
    if (f.type == FieldType::Ref)
      sql += "CREATE INDEX " +
             quote_id(std::string(spec.table) + "_" + std::string(f.name) + "_idx") + " ON " + t +
             " (" + quote_id(f.name) + ");\n";
  sql +=
      "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
      "VALUES (" +
      quote_text(spec.table) + ", " + (spec.spatial() ? "'features'" : "'attributes'") + ", " +
      quote_text(spec.title) + ", " + quote_text("minemap " + std::string(spec.name)) + ", " +
      (spec.spatial() ? std::to_string(kWgs84) : "NULL") + ");\n";
  if (spec.spatial())
    sql += "INSERT INTO gpkg_geometry_columns VALUES (" + quote_text(spec.table) + ", " +
           quote_text(kGeomColumn) + ", " + quote_text(geometry_type_name(spec.geometry)) + ", " +
           std::to_string(kWgs84) + ", 0, 0);\n";
  db.exec(sql);
  if (spec.spatial()) create_rtree(db, spec.table, kGeomColumn, "fid");
}

// ---- the views of current records, for QGIS (schema 5; docs/store.md) ----

// A date field's GeoPackage DATE columns: the first and the last day its text may mean
// ("2005-03" -> 2005-03-01 and 2005-03-31), as core::Date::first_day and last_day do.
// SQLite computes them from the text (virtual generated columns): nothing to write, and
// nothing that could differ from the audited text. NULL when the field is.
std::string day_column(const core::FieldSpec& f, bool last) {
  return std::string(f.name) + (last ? "_last" : "_first");
}

std::string day_expression(const core::FieldSpec& f, bool last) {
  const std::string c = quote_id(f.name);
  if (!last)
    return "CASE length(" + c + ") WHEN 4 THEN " + c + " || '-01-01' WHEN 7 THEN " + c +
           " || '-01' WHEN 10 THEN " + c + " END";
  return "CASE length(" + c + ") WHEN 4 THEN " + c + " || '-12-31' WHEN 7 THEN date(" + c +
         " || '-01', '+1 month', '-1 day') WHEN 10 THEN " + c + " END";
}

// The fields a view shows: all but personal ones (a map layer is no place for them).
bool in_view(const core::FieldSpec& f) {
  return !f.personal;
}

bool has_days(const core::FieldSpec& f) {
  return in_view(f) && f.type == FieldType::Date;
}

std::string current_view_sql(const EntitySpec& spec) {
  std::string cols = "fid, " + quote_id(kGeomColumn) + ", id";
  for (const auto& f : spec.fields) {
    if (!in_view(f)) continue;
    cols += ", " + quote_id(f.name);
    if (has_days(f))
      for (bool last : {false, true}) cols += ", " + quote_id(day_column(f, last));
  }
  return "CREATE VIEW " + quote_id(current_view_name(spec.table)) + " AS SELECT " + cols +
         " FROM " + quote_id(spec.table) + " WHERE workflow = 'approved' AND deleted = 0";
}

// Gives every spatial table its day columns and its view of current records, registered
// as a features layer (GDAL takes `fid` for the feature id and the geometry column from
// gpkg_geometry_columns), its extent the table's. Run again after any change of the
// tables' columns: the views are dropped and made anew, the columns added when missing
// (SQLite refuses to drop or rename a column a view names: drop the views first).
void create_current_views(Db& db) {
  Stmt cols(db, "SELECT name FROM pragma_table_xinfo(?)");
  for (const auto& spec : core::entities()) {
    if (!spec.spatial()) continue;
    const std::string view = current_view_name(spec.table);
    db.exec("DROP VIEW IF EXISTS " + quote_id(view));
    std::set<std::string> have;
    {
      ResetOnExit reset(cols);
      cols.bind_text(1, spec.table);
      while (cols.step()) have.insert(cols.column_text(0));
    }
    for (const auto& f : spec.fields) {
      if (!has_days(f)) continue;
      for (bool last : {false, true}) {
        const std::string name = day_column(f, last);
        bool clash = kReserved.count(name) > 0;
        for (const auto& other : spec.fields) clash |= other.name == name;
        if (clash)
          throw std::logic_error("column \"" + name + "\" of " + std::string(spec.table) +
                                 " is the day column of " + std::string(f.name));
        if (!have.count(name))
          db.exec("ALTER TABLE " + quote_id(spec.table) + " ADD COLUMN " + quote_id(name) +
                  " DATE GENERATED ALWAYS AS (" + day_expression(f, last) + ") VIRTUAL");
      }
    }
    db.exec(current_view_sql(spec));
    Stmt contents(
        db,
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
        "description, min_x, min_y, max_x, max_y, srs_id) SELECT ?1, 'features', ?2, "
        "?3, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents WHERE table_name = ?4");
    contents.bind_text(1, view).bind_text(2, std::string(spec.title) + " (current)");
    contents.bind_text(3, "minemap " + std::string(spec.name) + ": approved, not deleted (a view)");
    contents.bind_text(4, spec.table).step();
    Stmt geometry(db, "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?1, ?2, ?3, ?4, 0, 0)");
    geometry.bind_text(1, view).bind_text(2, kGeomColumn);
    geometry.bind_text(3, geometry_type_name(spec.geometry)).bind_int(4, kWgs84).step();
  }
}

std::vector<std::string> expected_columns(const EntitySpec& spec) {
  std::vector<std::string> cols = {"fid"};
  if (spec.spatial()) cols.emplace_back(kGeomColumn);
  cols.insert(cols.end(), {"id", "workflow"});
  for (const auto& f : spec.fields) cols.emplace_back(f.name);
  cols.insert(cols.end(), {"created", "updated", "deleted", "deleted_reason"});
  return cols;
}

// Creates every entity table the specs name that the file lacks, and adds every
// column a table lacks (new fields are nullable, so old rows stay valid).
void add_missing_tables_and_columns(Db& db) {
  Stmt cols(db, "SELECT name FROM pragma_table_info(?)");
  for (const auto& spec : core::entities()) {
    std::set<std::string> have;
    {
      ResetOnExit reset(cols);
      cols.bind_text(1, spec.table);
      while (cols.step()) have.insert(cols.column_text(0));
    }
    if (have.empty()) {
      create_entity_table(db, spec);
      continue;
    }
    for (const auto& f : spec.fields)
      if (!have.count(std::string(f.name)))
        db.exec("ALTER TABLE " + quote_id(spec.table) + " ADD COLUMN " + column_ddl(f));
  }
}

bool has_object(Db& db, std::string_view type, std::string_view name) {
  Stmt s(db, "SELECT 1 FROM sqlite_master WHERE type = ?1 AND name = ?2");
  s.bind_text(1, type).bind_text(2, name);
  return s.step();
}

// Appends one audit entry after the chain's last, as Registry::append_audit does.
void append_baseline(Db& db, const std::string& entity, const std::string& id,
                     const std::string& before, const std::string& after) {
  AuditEntry e;
  {
    Stmt last(db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (last.step()) {
      e.seq = last.column_int(0) + 1;
      e.prev_hash = last.column_text(1);
    } else {
      e.seq = 1;
    }
  }
  e.ts = core::utc_timestamp();
  e.actor = "minemap";
  e.entity = entity;
  e.entity_id = id;
  e.action = "baseline";
  e.reason = "schema 4: recorded as found when the audit began to cover it";
  e.before = before;
  e.after = after;
  e.hash = audit_hash(e);
  Stmt ins(db,
           "INSERT INTO audit (seq, ts, actor, entity, entity_id, action, reason, \"before\", "
           "\"after\", prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  ins.bind_int(1, e.seq).bind_text(2, e.ts).bind_text(3, e.actor).bind_text(4, e.entity);
  ins.bind_text(5, e.entity_id).bind_text(6, e.action).bind_text(7, e.reason);
  ins.bind_text(8, e.before).bind_text(9, e.after).bind_text(10, e.prev_hash).bind_text(11, e.hash);
  ins.step();
}

// Schema 4. Before it, the audit kept a user without the password hash and did not
// keep the status history rows (they followed from the hazards' entries, but their
// dates could not be told exactly). One `baseline` entry per user and per status row
// records each as it stands, so that `verify` can compare every later state with the
// audit; its `before` is the user's last audited state, which verify compares with
// the baseline (a role raised behind minemap's back before the upgrade still shows).
void upgrade_to_audited_side_tables(Db& db) {
  for (auto [type, name, sql] :
       {std::tuple{"table", "checkpoints", kCheckpointsTableSql},
        std::tuple{"trigger", "checkpoints_no_update", kCheckpointsNoUpdateSql},
        std::tuple{"trigger", "checkpoints_no_delete", kCheckpointsNoDeleteSql}})
    if (!has_object(db, type, name)) db.exec(std::string(sql));
  std::vector<std::pair<User, std::string>> users;
  {
    Stmt s(db,
           "SELECT u.name, u.role, u.password_hash, u.created, u.disabled, "
           "(SELECT a.\"after\" FROM audit a WHERE a.entity = 'users' AND a.entity_id = u.name "
           "ORDER BY a.seq DESC LIMIT 1) FROM users u ORDER BY u.name");
    while (s.step())
      users.push_back({User{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                            s.column_int(4) != 0},
                       s.column_text(5)});
  }
  for (const auto& [u, last] : users)
    append_baseline(db, "users", u.name, last, user_audit_json(u));
  std::vector<std::tuple<std::int64_t, std::string, StatusChange>> rows;
  {
    Stmt s(db, "SELECT fid, hazard_id, \"date\", status, reason FROM hazard_status ORDER BY fid");
    while (s.step())
      rows.emplace_back(s.column_int(0), s.column_text(1),
                        StatusChange{s.column_text(2), s.column_text(3), s.column_text(4)});
  }
  for (const auto& [fid, hazard, c] : rows)
    append_baseline(db, "hazard_status", hazard, "", status_audit_json(fid, hazard, c));
}

// New fields and tables, then the views made anew to show them.
void add_fields_and_views(Db& db) {
  add_missing_tables_and_columns(db);
  create_current_views(db);
}

}  // namespace

const std::vector<Migration>& migrations() {
  // Version 1 is the first layout. A change to the EntitySpecs or the tables
  // above adds an entry here, e.g.
  //   {2, "ALTER TABLE hazards ADD COLUMN \"priority\" INTEGER;"}
  // and check_columns() refuses a file that misses a column the specs need.
  static const std::vector<Migration> list = {
      // 2: minefield records keep their derivation (label, derivation, corrections,
      // declination, misclosure ...) and their derived rows and mines as layers.
      {2, "", add_missing_tables_and_columns},
      // 3: users of the server (name, role, argon2id hash); not a GeoPackage layer.
      {3, R"SQL(CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'data_entry', 'verifier', 'admin')),
  password_hash TEXT NOT NULL,
  created TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);)SQL"},
      // 4: the audit covers users' password hashes (as a digest) and each row of the
      // hazards' status history; checkpoints; the store's id. Rows written before are
      // recorded as they stand, one `baseline` entry each (record_baselines).
      {4, std::string(kStoreIdSql) + ";", upgrade_to_audited_side_tables},
      // 5: every entity but the derived layers keeps `external_id`, its id in the system
      // it was imported from (import --key), and victims their `age_group`; for QGIS,
      // each spatial table's view of current records (approved, not deleted) as a layer
      // of its own, and each date field's first and last day as GeoPackage DATE columns
      // SQLite computes (create_current_views). Nothing audited changes: the new fields
      // are empty, the day columns follow from audited text, views hold no rows.
      {5, "", add_fields_and_views},
      // 6: hazards keep their `source` (where the area came from: a survey, a report, a
      // suggestion of `minemap signals`); their view shows it. New fields are empty.
      {6, "", add_fields_and_views},
  };
  return list;
}

std::string_view geometry_type_name(core::GeomType t) {
  switch (t) {
    case core::GeomType::None: return "GEOMETRY";
    case core::GeomType::Point: return "POINT";
    case core::GeomType::LineString: return "LINESTRING";
    case core::GeomType::Polygon: return "POLYGON";
    case core::GeomType::MultiPoint: return "MULTIPOINT";
    case core::GeomType::MultiLineString: return "MULTILINESTRING";
    case core::GeomType::MultiPolygon: return "MULTIPOLYGON";
  }
  return "GEOMETRY";
}

std::string_view sql_type(FieldType t) {
  switch (t) {
    case FieldType::Integer: return "INTEGER";
    case FieldType::Real: return "REAL";
    // GeoPackage BOOLEAN: stored as INTEGER 0 / 1.
    case FieldType::Boolean: return "BOOLEAN";
    // Dates stay TEXT: reduced precision ("2012") is not a GeoPackage DATE. The day
    // columns beside them are (create_current_views).
    case FieldType::Text:
    case FieldType::Date:
    case FieldType::Enum:
    case FieldType::EnumSet:
    case FieldType::Ref: return "TEXT";
  }
  return "TEXT";
}

void create_schema(Db& db, int version) {
  db.exec(std::string(kCoreSql));
  for (const auto& spec : core::entities()) create_entity_table(db, spec);
  for (auto sql : {kAuditTableSql, kAuditNoUpdateSql, kAuditNoDeleteSql}) db.exec(std::string(sql));
  db.exec(std::string(kMinemapSql));
  Stmt meta(db, "INSERT INTO minemap_meta (key, value) VALUES ('schema_version', ?)");
  meta.bind_text(1, std::to_string(version)).step();
  for (auto sql : {kCheckpointsTableSql, kCheckpointsNoUpdateSql, kCheckpointsNoDeleteSql})
    db.exec(std::string(sql));
  db.exec(std::string(kStoreIdSql));
  // (A store made at an older version, as tests of the migrations make one, gets them
  // from the migration.)
  if (version >= 5) create_current_views(db);
}

std::string current_view_name(std::string_view table) {
  return std::string(table) + "_current";
}

const std::vector<ProtectedObject>& protected_objects() {
  static const std::vector<ProtectedObject> list = {
      {"table", "audit", kAuditTableSql},
      {"trigger", "audit_no_update", kAuditNoUpdateSql},
      {"trigger", "audit_no_delete", kAuditNoDeleteSql},
      {"table", "checkpoints", kCheckpointsTableSql},
      {"trigger", "checkpoints_no_update", kCheckpointsNoUpdateSql},
      {"trigger", "checkpoints_no_delete", kCheckpointsNoDeleteSql},
  };
  return list;
}

int read_schema_version(Db& db) {
  Stmt s(db, "SELECT value FROM minemap_meta WHERE key = 'schema_version'");
  if (!s.step()) throw core::StorageError(db.path() + ": no schema_version in minemap_meta");
  std::string v = s.column_text(0);
  try {
    std::size_t used = 0;
    int n = std::stoi(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  throw core::StorageError(db.path() + ": bad schema_version \"" + v + "\" in minemap_meta");
}

void migrate(Db& db, const std::vector<Migration>& list, int target) {
  int version = read_schema_version(db);
  if (version > target)
    throw core::StorageError(db.path() + ": written by a newer minemap (schema version " +
                             std::to_string(version) + ", this build knows up to " +
                             std::to_string(target) + "); upgrade minemap to open it");
  if (version == target) return;
  db.exec("BEGIN IMMEDIATE");
  int step = version;
  try {
    for (const auto& m : list) {
      if (m.version <= version || m.version > target) continue;
      step = m.version;
      if (!m.sql.empty()) db.exec(m.sql);
      if (m.apply) m.apply(db);
    }
    Stmt s(db, "UPDATE minemap_meta SET value = ? WHERE key = 'schema_version'");
    s.bind_text(1, std::to_string(target)).step();
    db.exec("COMMIT");
  } catch (const std::exception& e) {
    try {
      if (db.in_transaction()) db.exec("ROLLBACK");
    } catch (const std::exception&) {  // the first error is the one to report
    }
    throw core::StorageError(db.path() + ": migration from schema version " +
                             std::to_string(version) + " failed at version " +
                             std::to_string(step) + ", file left unchanged: " + e.what());
  }
}

void check_columns(Db& db) {
  Stmt s(db, "SELECT name FROM pragma_table_info(?)");
  for (const auto& spec : core::entities()) {
    std::set<std::string> have;
    {
      ResetOnExit reset(s);
      s.bind_text(1, spec.table);
      while (s.step()) have.insert(s.column_text(0));
    }
    std::string missing;
    for (const auto& c : expected_columns(spec))
      if (!have.count(c)) missing += (missing.empty() ? "" : ", ") + c;
    if (!missing.empty())
      throw core::StorageError(db.path() + ": table " + std::string(spec.table) +
                               (have.empty() ? " is missing" : " lacks column(s) " + missing) +
                               "; the file's schema does not match this build of minemap");
  }
}

}  // namespace minemap::store::gpkg
