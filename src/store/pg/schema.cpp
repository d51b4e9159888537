// DDL of the PostgreSQL store from the EntitySpecs; see schema.hpp.
#include "store/pg/schema.hpp"

#include <set>
#include <stdexcept>

#include "core/text.hpp"

namespace minemap::store::pg {
namespace {

using core::EntitySpec;
using core::FieldSpec;
using core::FieldType;

// Store-kept columns; a FieldSpec must not take these names.
const std::set<std::string_view> kReserved = {"fid",     "geom",    "id",      "workflow",
                                              "created", "updated", "deleted", "deleted_reason"};

// The audit trail is append-only: triggers refuse any change to a stored entry or
// checkpoint, whoever connects (minemap, QGIS, psql), unless an owner drops or disables
// them, which `minemap verify` reports (protection_problems()).
constexpr std::string_view kAppendOnlyFunction = "minemap_append_only";
constexpr std::string_view kAppendOnlyBody = "BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END";

struct Guard {
  std::string_view table, trigger, event, level, message;
};

const std::vector<Guard>& guards() {
  static const std::vector<Guard> list = {
      {"audit", "audit_no_update", "UPDATE", "ROW",
       "the audit trail is append-only: entries cannot be changed"},
      {"audit", "audit_no_delete", "DELETE", "ROW",
       "the audit trail is append-only: entries cannot be deleted"},
      {"audit", "audit_no_truncate", "TRUNCATE", "STATEMENT",
       "the audit trail is append-only: it cannot be truncated"},
      {"checkpoints", "checkpoints_no_update", "UPDATE", "ROW",
       "checkpoints are append-only: they cannot be changed"},
      {"checkpoints", "checkpoints_no_delete", "DELETE", "ROW",
       "checkpoints are append-only: they cannot be deleted"},
      {"checkpoints", "checkpoints_no_truncate", "TRUNCATE", "STATEMENT",
       "checkpoints are append-only: they cannot be truncated"},
  };
  return list;
}

// The columns of the protected tables, as protection_problems() reads them back.
constexpr std::string_view kAuditColumns =
    "seq bigint not null, ts text not null, actor text not null, entity text not null, "
    "entity_id text not null, action text not null, reason text not null, before text not null, "
    "after text not null, prev_hash text not null, hash text not null";
constexpr std::string_view kCheckpointColumns =
    "fid bigint not null, id text not null, seq bigint not null, hash text not null, ts text not "
    "null, store_id text not null, public_key text not null, signature text not null";

constexpr std::string_view kSideTablesSql = R"SQL(
CREATE TABLE audit (
  seq bigint PRIMARY KEY,
  ts text NOT NULL,
  actor text NOT NULL,
  entity text NOT NULL,
  entity_id text NOT NULL,
  action text NOT NULL,
  reason text NOT NULL DEFAULT '',
  "before" text NOT NULL DEFAULT '',
  "after" text NOT NULL DEFAULT '',
  prev_hash text NOT NULL DEFAULT '',
  hash text NOT NULL
);
CREATE INDEX audit_entity_id_idx ON audit (entity_id);
COMMENT ON TABLE audit IS 'Audit trail: every write (who, when, what, why); append-only, hash-chained (minemap)';
CREATE TABLE checkpoints (
  fid bigint PRIMARY KEY,
  id text NOT NULL UNIQUE,
  seq bigint NOT NULL,
  hash text NOT NULL,
  ts text NOT NULL,
  store_id text NOT NULL,
  public_key text NOT NULL,
  signature text NOT NULL
);
COMMENT ON TABLE checkpoints IS 'Signed checkpoints of the audit chain''s head; append-only (minemap)';
CREATE FUNCTION minemap_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END
$$;
CREATE TABLE hazard_status (
  fid bigint PRIMARY KEY,
  hazard_id text NOT NULL,
  "date" text NOT NULL,
  status text NOT NULL,
  reason text NOT NULL DEFAULT ''
);
CREATE INDEX hazard_status_hazard_idx ON hazard_status (hazard_id);
COMMENT ON TABLE hazard_status IS 'Hazard status history: each status a hazardous area has had, with its date and reason (minemap)';
CREATE TABLE users (
  name text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('viewer', 'data_entry', 'verifier', 'admin')),
  password_hash text NOT NULL,
  created text NOT NULL,
  disabled boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE users IS 'Who signs in to minemap serve: name, role, argon2id password hash';
CREATE TABLE minemap_meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
COMMENT ON TABLE minemap_meta IS 'minemap: schema version, the store''s random id, its settings';
)SQL";

std::string column_ddl(const FieldSpec& f) {
  if (kReserved.count(f.name))
    throw std::logic_error("field name \"" + std::string(f.name) + "\" is kept by the store");
  return quote_id(f.name) + " " + std::string(column_type(f.type));
}

// A date field's DATE columns: the first and the last day its text may mean ("2005-03"
// -> 2005-03-01 and 2005-03-31), as core::Date::first_day and last_day do; computed by
// the server from the text (stored generated columns: nothing writes them).
std::string day_column(const FieldSpec& f, bool last) {
  return std::string(f.name) + (last ? "_last" : "_first");
}

std::string day_expression(const FieldSpec& f, bool last) {
  const std::string c = quote_id(f.name);
  const std::string y = "substr(" + c + ", 1, 4)::int", m = "substr(" + c + ", 6, 2)::int",
                    d = "substr(" + c + ", 9, 2)::int";
  const std::string day = "make_date(" + y + ", " + m + ", " + d + ")";
  if (!last)
    return "CASE length(" + c + ") WHEN 4 THEN make_date(" + y + ", 1, 1) WHEN 7 THEN make_date(" +
           y + ", " + m + ", 1) WHEN 10 THEN " + day + " END";
  return "CASE length(" + c + ") WHEN 4 THEN make_date(" + y + ", 12, 31) WHEN 7 THEN (make_date(" +
         y + ", " + m + ", 1) + interval '1 month')::date - 1 WHEN 10 THEN " + day + " END";
}

// The fields a view shows: all but personal ones (a map layer is no place for them).
bool in_view(const FieldSpec& f) {
  return !f.personal;
}

bool has_days(const EntitySpec& spec, const FieldSpec& f) {
  return spec.spatial() && in_view(f) && f.type == FieldType::Date;
}

std::string comment(const std::string& what, const std::string& name, std::string_view text) {
  return "COMMENT ON " + what + " " + name + " IS " + quote_text(text) + ";\n";
}

// Lists by reference ("activities of hazard HZ-000001") look rows up by the column. Most
// rows of a large table refer to nothing (an item found outside any recorded activity):
// the index holds only those that do (schema 2), which keeps it small and a load fast.
std::string ref_indexes_sql(const EntitySpec& spec) {
  std::string sql;
  for (const auto& f : spec.fields)
    if (f.type == FieldType::Ref)
      sql += "CREATE INDEX " +
             quote_id(std::string(spec.table) + "_" + std::string(f.name) + "_idx") + " ON " +
             quote_id(spec.table) + " (" + quote_id(f.name) + ") WHERE " + quote_id(f.name) +
             " IS NOT NULL;\n";
  return sql;
}

// The comment of a field's column (its label and meaning), and of its day columns.
std::string column_comment_sql(const EntitySpec& spec, const core::FieldSpec& f) {
  const std::string t = quote_id(spec.table);
  std::string text = core::field_label(f);
  if (!f.doc.empty()) text += ": " + std::string(f.doc);
  if (f.type == FieldType::Date)
    text += " (ISO 8601, maybe only a year or a month)";
  else if (f.type == FieldType::EnumSet)
    text += " (comma-separated)";
  std::string sql = comment("COLUMN", t + "." + quote_id(f.name), text);
  if (has_days(spec, f))
    for (bool last : {false, true})
      sql += comment(
          "COLUMN", t + "." + quote_id(day_column(f, last)),
          std::string(last ? "last" : "first") + " day " + std::string(f.name) + " may mean");
  return sql;
}

std::string entity_table_sql(const EntitySpec& spec) {
  const std::string t = quote_id(spec.table);
  std::string sql = "CREATE TABLE " + t + " (\n  fid bigserial PRIMARY KEY,\n";
  if (spec.spatial())
    sql += "  " + quote_id(kGeomColumn) + " geometry(" +
           std::string(geometry_type_name(spec.geometry)) + ", " + std::to_string(kWgs84) + "),\n";
  sql += "  id text NOT NULL UNIQUE,\n  workflow text NOT NULL,\n";
  for (const auto& f : spec.fields) sql += "  " + column_ddl(f) + ",\n";
  sql +=
      "  created timestamptz,\n  updated timestamptz,\n  deleted boolean NOT NULL DEFAULT false,\n"
      "  deleted_reason text";
  for (const auto& f : spec.fields) {
    if (!has_days(spec, f)) continue;
    for (bool last : {false, true}) {
      const std::string name = day_column(f, last);
      bool clash = kReserved.count(name) > 0;
      for (const auto& other : spec.fields) clash |= other.name == name;
      if (clash)
        throw std::logic_error("column \"" + name + "\" of " + std::string(spec.table) +
                               " is the day column of " + std::string(f.name));
      sql += ",\n  " + quote_id(name) + " date GENERATED ALWAYS AS (" + day_expression(f, last) +
             ") STORED";
    }
  }
  sql += "\n);\n";
  if (spec.spatial())
    sql += "CREATE INDEX " + quote_id(std::string(spec.table) + "_geom_idx") + " ON " + t +
           " USING gist (" + quote_id(kGeomColumn) + ");\n";
  sql += ref_indexes_sql(spec);
  sql += "CREATE SEQUENCE " + quote_id(counter_name(spec)) + ";\n";
  sql += comment("TABLE", t,
                 std::string(spec.title) + " (minemap " + std::string(spec.name) +
                     "; written through minemap, which audits every change)");
  sql += comment("COLUMN", t + ".fid", "row number");
  sql += comment("COLUMN", t + ".id", "public id (" + std::string(spec.id_prefix) + "-000123)");
  sql += comment("COLUMN", t + ".workflow", "draft, submitted, approved or rejected");
  if (spec.spatial()) sql += comment("COLUMN", t + ".geom", "WGS 84 longitude/latitude");
  for (const auto& f : spec.fields) sql += column_comment_sql(spec, f);
  sql += comment("COLUMN", t + ".deleted", "soft-deleted (restorable)");
  return sql;
}

std::string foreign_keys_sql(const EntitySpec& spec) {
  std::string sql;
  for (const auto& f : spec.fields) {
    if (f.type != FieldType::Ref) continue;
    const EntitySpec& target = core::spec_by_name(f.ref);
    sql += "ALTER TABLE " + quote_id(spec.table) + " ADD CONSTRAINT " +
           quote_id(std::string(spec.table) + "_" + std::string(f.name) + "_fkey") +
           " FOREIGN KEY (" + quote_id(f.name) + ") REFERENCES " + quote_id(target.table) +
           " (id) DEFERRABLE INITIALLY DEFERRED;\n";
  }
  return sql;
}

std::string current_view_sql(const EntitySpec& spec) {
  std::string cols = "fid, " + quote_id(kGeomColumn) + ", id";
  for (const auto& f : spec.fields) {
    if (!in_view(f)) continue;
    cols += ", " + quote_id(f.name);
    if (has_days(spec, f))
      for (bool last : {false, true}) cols += ", " + quote_id(day_column(f, last));
  }
  const std::string view = quote_id(current_view_name(spec.table));
  return "CREATE VIEW " + view + " AS SELECT " + cols + " FROM " + quote_id(spec.table) +
         " WHERE workflow = 'approved' AND NOT deleted;\n" +
         comment("VIEW", view,
                 std::string(spec.title) + " (current): approved, not deleted (minemap " +
                     std::string(spec.name) + ")");
}

}  // namespace

std::string quote_id(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string quote_text(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string_view geometry_type_name(core::GeomType t) {
  return t == core::GeomType::None ? "Geometry" : core::to_string(t);
}

std::string_view column_type(FieldType t) {
  switch (t) {
    case FieldType::Integer: return "bigint";
    case FieldType::Real: return "double precision";
    case FieldType::Boolean: return "boolean";
    // Dates stay text: reduced precision ("2012") is not a DATE. The day columns beside
    // them are.
    case FieldType::Text:
    case FieldType::Date:
    case FieldType::Enum:
    case FieldType::EnumSet:
    case FieldType::Ref: return "text";
  }
  return "text";
}

std::string counter_name(const EntitySpec& spec) {
  return std::string(spec.table) + "_id_seq";
}

std::string current_view_name(std::string_view table) {
  return std::string(table) + "_current";
}

std::vector<std::string> table_names() {
  std::vector<std::string> out;
  for (const auto& spec : core::entities()) {
    out.emplace_back(spec.table);
    if (spec.spatial()) out.push_back(current_view_name(spec.table));
  }
  for (const char* t : {"audit", "checkpoints", "hazard_status", "users", "minemap_meta"})
    out.emplace_back(t);
  return out;
}

void create_schema(Connection& db, const std::string& store_id) {
  std::string sql;
  for (const auto& spec : core::entities()) sql += entity_table_sql(spec);
  // After every table: a reference may name a table listed later.
  for (const auto& spec : core::entities()) sql += foreign_keys_sql(spec);
  sql += kSideTablesSql;
  sql +=
      "ALTER TABLE hazard_status ADD CONSTRAINT hazard_status_hazard_id_fkey FOREIGN KEY "
      "(hazard_id) REFERENCES hazards (id) DEFERRABLE INITIALLY DEFERRED;\n";
  for (const auto& g : guards())
    sql += "CREATE TRIGGER " + std::string(g.trigger) + " BEFORE " + std::string(g.event) + " ON " +
           std::string(g.table) + " FOR EACH " + std::string(g.level) + " EXECUTE FUNCTION " +
           std::string(kAppendOnlyFunction) + "(" + quote_text(g.message) + ");\n";
  for (const auto& spec : core::entities())
    if (spec.spatial()) sql += current_view_sql(spec);
  db.script(sql);
  db.exec("INSERT INTO minemap_meta (key, value) VALUES ('schema_version', $1), ('store_id', $2)",
          {std::to_string(kSchemaVersion), store_id});
}

std::vector<std::string> protection_problems(Connection& db) {
  std::vector<std::string> out;
  for (auto [table, columns] :
       {std::pair{"audit", kAuditColumns}, std::pair{"checkpoints", kCheckpointColumns}}) {
    Result r = db.exec(
        "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN "
        "attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum) FROM pg_attribute WHERE "
        "attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
        {std::string(table)});
    if (r.is_null(0, 0))
      out.push_back(std::string("table ") + table + " is missing");
    else if (r.view(0, 0) != columns)
      out.push_back(std::string("table ") + table +
                    " is not the one minemap created: " + r.text(0, 0));
  }
  Result fn = db.exec(
      "SELECT p.prosrc FROM pg_proc p WHERE p.proname = $1 AND p.pronamespace = "
      "(SELECT relnamespace FROM pg_class WHERE oid = to_regclass('audit'))",
      {std::string(kAppendOnlyFunction)});
  if (fn.rows() == 0)
    out.push_back("function " + std::string(kAppendOnlyFunction) + " is missing");
  else if (core::collapse_spaces(fn.view(0, 0)) != kAppendOnlyBody)
    out.push_back("function " + std::string(kAppendOnlyFunction) +
                  " is not the one minemap created: " + core::collapse_spaces(fn.view(0, 0)));
  std::set<std::string> known;
  for (const auto& g : guards()) {
    known.insert(std::string(g.trigger));
    Result r = db.exec(
        "SELECT pg_get_triggerdef(t.oid), t.tgenabled, quote_ident(n.nspname) || '.' || "
        "quote_ident(c.relname) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN "
        "pg_namespace n ON n.oid = c.relnamespace WHERE t.tgrelid = to_regclass($1) AND "
        "t.tgname = $2 AND NOT t.tgisinternal",
        {std::string(g.table), std::string(g.trigger)});
    const std::string what = "trigger " + std::string(g.trigger);
    if (r.rows() == 0) {
      out.push_back(what + " is missing");
      continue;
    }
    const std::string expected =
        "CREATE TRIGGER " + std::string(g.trigger) + " BEFORE " + std::string(g.event) + " ON " +
        r.text(0, 2) + " FOR EACH " + std::string(g.level) + " EXECUTE FUNCTION " +
        std::string(kAppendOnlyFunction) + "(" + quote_text(g.message) + ")";
    if (r.view(0, 0) != expected)
      out.push_back(what + " is not the one minemap created: " + r.text(0, 0));
    // 'O' fires in ordinary sessions, 'A' always; 'D' is disabled and 'R' fires on
    // replicas only.
    if (r.view(0, 1) != "O" && r.view(0, 1) != "A") out.push_back(what + " is disabled");
  }
  // A trigger or a rule of someone else's on the audit could rewrite what minemap appends.
  Result extra = db.exec(
      "SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid IN (to_regclass('audit'), "
      "to_regclass('checkpoints')) AND NOT tgisinternal UNION ALL SELECT 'rule ' || rulename "
      "FROM pg_rewrite WHERE ev_class IN (to_regclass('audit'), to_regclass('checkpoints')) AND "
      "rulename <> '_RETURN' ORDER BY 1");
  for (int i = 0; i < extra.rows(); ++i) {
    std::string what = extra.text(i, 0);
    if (what.rfind("trigger ", 0) == 0 && known.count(what.substr(8))) continue;
    out.push_back(what + " was added to the audit");
  }
  return out;
}

const std::vector<Migration>& migrations() {
  // Version 1 is the first layout. A change to it adds a step here, and check_columns()
  // refuses a database that misses a column the specs need.
  static const std::vector<Migration> list = {
      // 2: the indexes of references hold only the rows that refer to something; the
      // audit's entries of a record are found by its id alone (an id names its entity).
      {2,
       [](Connection& db) {
         std::string sql =
             "DROP INDEX IF EXISTS audit_entity_idx;\n"
             "CREATE INDEX IF NOT EXISTS audit_entity_id_idx ON audit (entity_id);\n";
         for (const auto& spec : core::entities())
           for (const auto& f : spec.fields)
             if (f.type == FieldType::Ref)
               sql += "DROP INDEX IF EXISTS " +
                      quote_id(std::string(spec.table) + "_" + std::string(f.name) + "_idx") +
                      ";\n";
         for (const auto& spec : core::entities()) sql += ref_indexes_sql(spec);
         db.script(sql);
       }},
      // 3: hazards keep their `source` (where the area came from: a survey, a report, a
      // suggestion of `minemap signals`). Every field a table lacks is added (empty, as
      // it has no day columns), and the views of current records are made anew.
      {3,
       [](Connection& db) {
         std::string sql;
         for (const auto& spec : core::entities()) {
           Result have = db.exec(
               "SELECT column_name FROM information_schema.columns WHERE table_schema = "
               "current_schema() AND table_name = $1",
               {std::string(spec.table)});
           std::set<std::string> names;
           for (int i = 0; i < have.rows(); ++i) names.insert(have.text(i, 0));
           for (const auto& f : spec.fields) {
             if (names.count(std::string(f.name))) continue;
             if (has_days(spec, f))
               throw std::logic_error("migration 3 cannot add a date field with day columns");
             sql += "ALTER TABLE " + quote_id(spec.table) + " ADD COLUMN " + column_ddl(f) + ";\n" +
                    column_comment_sql(spec, f);
           }
           if (spec.spatial())
             sql += "DROP VIEW IF EXISTS " + quote_id(current_view_name(spec.table)) + ";\n" +
                    current_view_sql(spec);
         }
         db.script(sql);
       }},
  };
  return list;
}

int schema_version(Connection& db) {
  Result r = db.exec("SELECT value FROM minemap_meta WHERE key = 'schema_version'");
  if (r.rows() == 0)
    throw core::StorageError(db.location() + ": no schema_version in minemap_meta");
  auto v = parse_integer(r.view(0, 0));
  if (!v)
    throw core::StorageError(db.location() + ": bad schema_version \"" + r.text(0, 0) +
                             "\" in minemap_meta");
  return static_cast<int>(*v);
}

void migrate(Connection& db, bool read_only) {
  const auto newer = [&](int v) {
    return core::StorageError(db.location() + ": written by a newer minemap (schema version " +
                              std::to_string(v) + ", this build knows up to " +
                              std::to_string(kSchemaVersion) + "); upgrade minemap to open it");
  };
  int version = schema_version(db);
  if (version > kSchemaVersion) throw newer(version);
  if (version == kSchemaVersion) return;
  if (read_only)
    throw core::StorageError(db.location() + ": the store needs an upgrade to schema " +
                             std::to_string(kSchemaVersion) +
                             ", and it cannot be written here (open it once where it can)");
  // Under the writers' lock, the version read again: of two processes opening an old
  // store together, one upgrades it and the other finds it done.
  db.script("BEGIN");
  int step = version;
  try {
    db.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")");
    version = schema_version(db);
    if (version > kSchemaVersion) throw newer(version);
    for (const auto& m : migrations()) {
      if (m.version <= version || m.version > kSchemaVersion) continue;
      step = m.version;
      m.apply(db);
    }
    db.exec("UPDATE minemap_meta SET value = $1 WHERE key = 'schema_version'",
            {std::to_string(kSchemaVersion)});
    db.script("COMMIT");
  } catch (const std::exception& e) {
    if (db.in_transaction()) {
      try {
        db.script("ROLLBACK");
      } catch (const std::exception&) {  // the first error is the one to report
      }
    }
    throw core::StorageError(db.location() + ": migration from schema version " +
                             std::to_string(version) + " failed at version " +
                             std::to_string(step) + ", database left unchanged: " + e.what());
  }
}

void check_columns(Connection& db) {
  for (const auto& spec : core::entities()) {
    Result r = db.exec(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT "
        "attisdropped",
        {quote_id(spec.table)});
    std::set<std::string, std::less<>> have;
    for (int i = 0; i < r.rows(); ++i) have.insert(r.text(i, 0));
    std::vector<std::string> expected = {"fid"};
    if (spec.spatial()) expected.emplace_back(kGeomColumn);
    expected.insert(expected.end(), {"id", "workflow"});
    for (const auto& f : spec.fields) expected.emplace_back(f.name);
    expected.insert(expected.end(), {"created", "updated", "deleted", "deleted_reason"});
    std::string missing;
    for (const auto& c : expected)
      if (!have.count(c)) missing += (missing.empty() ? "" : ", ") + c;
    if (!missing.empty())
      throw core::StorageError(db.location() + ": table " + std::string(spec.table) +
                               (have.empty() ? " is missing" : " lacks column(s) " + missing) +
                               "; the database's schema does not match this build of minemap");
  }
}

}  // namespace minemap::store::pg
