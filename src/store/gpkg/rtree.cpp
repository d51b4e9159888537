// The GeoPackage R-tree extension: ST_ functions and index triggers; see rtree.hpp.
#include "store/gpkg/rtree.hpp"

#include <sqlite3.h>

#include <exception>

#include "geo/wkb.hpp"

namespace minemap::store::gpkg {
namespace {

enum class Bound { MinX, MaxX, MinY, MaxY };

std::string_view blob_arg(sqlite3_value* v) {
  const void* p = sqlite3_value_blob(v);
  int n = sqlite3_value_bytes(v);
  if (!p || n <= 0) return {};
  return {static_cast<const char*>(p), static_cast<std::size_t>(n)};
}

// The header says whether a geometry is empty; a header without the flag may
// still hold an empty geometry (another writer), so decode when unsure.
bool is_empty(std::string_view blob) {
  geo::GpkgHeader h = geo::read_gpkg_header(blob);
  if (h.empty) return true;
  if (!h.envelope.empty()) return false;
  return geo::from_gpkg_blob(blob).empty();
}

// Points carry no envelope in the header; compute it from the geometry then.
core::Envelope envelope(std::string_view blob) {
  geo::GpkgHeader h = geo::read_gpkg_header(blob);
  if (!h.envelope.empty()) return h.envelope;
  if (h.empty) return {};
  return geo::from_gpkg_blob(blob).envelope();
}

// No exception may cross into SQLite's C frames: report it as an SQL error.
template <class F>
void guarded(sqlite3_context* ctx, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, e.what(), -1);
  } catch (...) {
    sqlite3_result_error(ctx, "unknown error in ST_ function", -1);
  }
}

void st_is_empty(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  guarded(ctx, [&] {
    std::string_view blob = blob_arg(argv[0]);
    sqlite3_result_int(ctx, blob.empty() || is_empty(blob) ? 1 : 0);
  });
}

template <Bound B>
void st_bound(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  guarded(ctx, [&] {
    std::string_view blob = blob_arg(argv[0]);
    core::Envelope e = blob.empty() ? core::Envelope{} : envelope(blob);
    if (e.empty()) return sqlite3_result_null(ctx);
    double v = B == Bound::MinX   ? e.min_x
               : B == Bound::MaxX ? e.max_x
               : B == Bound::MinY ? e.min_y
                                  : e.max_y;
    sqlite3_result_double(ctx, v);
  });
}

void define(Db& db, const char* name, void (*fn)(sqlite3_context*, int, sqlite3_value**)) {
  int rc = sqlite3_create_function_v2(db.handle(), name, 1,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                      nullptr, fn, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, std::string("create function ") + name);
}

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

// The triggers as the GeoPackage 1.2.1/1.3 spec gives them (Annex F.3), with
// <t> table, <c> geometry column, <i> primary key, <r> the R-tree table and <n>
// its bare name for the trigger names. GDAL 3.6 looks for exactly these names.
constexpr std::string_view kRtreeSql = R"SQL(
CREATE VIRTUAL TABLE <r> USING rtree(id, minx, maxx, miny, maxy);

INSERT OR REPLACE INTO <r>
  SELECT <i>, ST_MinX(<c>), ST_MaxX(<c>), ST_MinY(<c>), ST_MaxY(<c>) FROM <t>
  WHERE <c> NOT NULL AND NOT ST_IsEmpty(<c>);

CREATE TRIGGER "<n>_insert" AFTER INSERT ON <t>
  WHEN (new.<c> NOT NULL AND NOT ST_IsEmpty(NEW.<c>))
BEGIN
  INSERT OR REPLACE INTO <r> VALUES (
    NEW.<i>,
    ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>),
    ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>)
  );
END;

CREATE TRIGGER "<n>_update1" AFTER UPDATE OF <c> ON <t>
  WHEN OLD.<i> = NEW.<i> AND
       (NEW.<c> NOTNULL AND NOT ST_IsEmpty(NEW.<c>))
BEGIN
  INSERT OR REPLACE INTO <r> VALUES (
    NEW.<i>,
    ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>),
    ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>)
  );
END;

CREATE TRIGGER "<n>_update2" AFTER UPDATE OF <c> ON <t>
  WHEN OLD.<i> = NEW.<i> AND
       (NEW.<c> ISNULL OR ST_IsEmpty(NEW.<c>))
BEGIN
  DELETE FROM <r> WHERE id = OLD.<i>;
END;

CREATE TRIGGER "<n>_update3" AFTER UPDATE ON <t>
  WHEN OLD.<i> != NEW.<i> AND
       (NEW.<c> NOTNULL AND NOT ST_IsEmpty(NEW.<c>))
BEGIN
  DELETE FROM <r> WHERE id = OLD.<i>;
  INSERT OR REPLACE INTO <r> VALUES (
    NEW.<i>,
    ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>),
    ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>)
  );
END;

CREATE TRIGGER "<n>_update4" AFTER UPDATE ON <t>
  WHEN OLD.<i> != NEW.<i> AND
       (NEW.<c> ISNULL OR ST_IsEmpty(NEW.<c>))
BEGIN
  DELETE FROM <r> WHERE id IN (OLD.<i>, NEW.<i>);
END;

CREATE TRIGGER "<n>_delete" AFTER DELETE ON <t>
  WHEN old.<c> NOT NULL
BEGIN
  DELETE FROM <r> WHERE id = OLD.<i>;
END;

INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
  VALUES (<tl>, <cl>, 'gpkg_rtree_index',
          'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
)SQL";

}  // namespace

void register_st_functions(Db& db) {
  define(db, "ST_IsEmpty", st_is_empty);
  define(db, "ST_MinX", st_bound<Bound::MinX>);
  define(db, "ST_MaxX", st_bound<Bound::MaxX>);
  define(db, "ST_MinY", st_bound<Bound::MinY>);
  define(db, "ST_MaxY", st_bound<Bound::MaxY>);
}

std::string rtree_name(std::string_view table, std::string_view column) {
  return "rtree_" + std::string(table) + "_" + std::string(column);
}

void create_rtree(Db& db, std::string_view table, std::string_view column, std::string_view pk) {
  std::string name = rtree_name(table, column);
  std::string bare = quote_id(name);  // "<n>_insert" is spliced inside quotes
  bare = bare.substr(1, bare.size() - 2);
  std::string sql(kRtreeSql);
  // Longer placeholders first: "<tl>" must not be eaten by "<t>".
  replace_all(sql, "<tl>", quote_text(table));
  replace_all(sql, "<cl>", quote_text(column));
  replace_all(sql, "<r>", quote_id(name));
  replace_all(sql, "<n>", bare);
  replace_all(sql, "<t>", quote_id(table));
  replace_all(sql, "<c>", quote_id(column));
  replace_all(sql, "<i>", quote_id(pk));
  db.exec(sql);
}

}  // namespace minemap::store::gpkg
