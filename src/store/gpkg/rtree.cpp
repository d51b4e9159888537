// The GeoPackage R-tree extension: ST_ functions and index triggers; see rtree.hpp.
#include "store/gpkg/rtree.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <vector>

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

// ---- packed bulk load ----

namespace minemap::store::gpkg {

namespace {

struct Cell {
  std::int64_t id;  // feature fid in leaves, child node number above
  float minx, maxx, miny, maxy;
};

// SQLite's R-tree keeps 32-bit floats, rounded outward so that a box never shrinks.
float down(double d) {
  float f = static_cast<float>(d);
  return static_cast<double>(f) > d ? std::nextafter(f, -std::numeric_limits<float>::infinity())
                                    : f;
}
float up(double d) {
  float f = static_cast<float>(d);
  return static_cast<double>(f) < d ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
}

void put_u16(std::string& b, std::size_t at, unsigned v) {
  b[at] = static_cast<char>((v >> 8) & 0xff);
  b[at + 1] = static_cast<char>(v & 0xff);
}
void put_u32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
}
void put_i64(std::string& b, std::size_t at, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i)
    b[at + static_cast<std::size_t>(i)] = static_cast<char>((u >> (56 - 8 * i)) & 0xff);
}
void put_float(std::string& b, std::size_t at, float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  put_u32(b, at, u);
}

// The layout of SQLite's rtree module (ext/rtree/rtree.c): a node is a blob of
// 4 + 24 * 51 bytes for two dimensions: depth (root only) and cell count as
// big-endian 16-bit numbers, then cells of a 64-bit id and four 32-bit floats.
constexpr std::size_t kMaxCells = 51, kCellBytes = 24, kNodeBytes = 4 + kCellBytes * kMaxCells;

std::string node_blob(const std::vector<Cell>& cells, std::size_t from, std::size_t n, int depth) {
  std::string b(kNodeBytes, '\0');
  put_u16(b, 0, static_cast<unsigned>(depth));
  put_u16(b, 2, static_cast<unsigned>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const Cell& c = cells[from + i];
    std::size_t at = 4 + i * kCellBytes;
    put_i64(b, at, c.id);
    put_float(b, at + 8, c.minx);
    put_float(b, at + 12, c.maxx);
    put_float(b, at + 16, c.miny);
    put_float(b, at + 20, c.maxy);
  }
  return b;
}

// Sort-tile-recursive order: vertical slices by x centre, each sorted by y centre,
// so that neighbours share nodes.
void str_order(std::vector<Cell>& cells) {
  auto cx = [](const Cell& c) { return static_cast<double>(c.minx) + c.maxx; };
  auto cy = [](const Cell& c) { return static_cast<double>(c.miny) + c.maxy; };
  std::sort(cells.begin(), cells.end(),
            [&](const Cell& a, const Cell& b) { return cx(a) < cx(b); });
  std::size_t leaves = (cells.size() + kMaxCells - 1) / kMaxCells;
  auto slices = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(leaves))));
  std::size_t per_slice = slices * kMaxCells;
  for (std::size_t s = 0; s < cells.size(); s += per_slice) {
    auto end = cells.begin() + static_cast<std::ptrdiff_t>(std::min(cells.size(), s + per_slice));
    std::sort(cells.begin() + static_cast<std::ptrdiff_t>(s), end,
              [&](const Cell& a, const Cell& b) { return cy(a) < cy(b); });
  }
}

}  // namespace

void pack_rtree(Db& db, std::string_view table, std::string_view column, std::string_view pk) {
  const std::string r = rtree_name(table, column);
  std::vector<Cell> level;
  {
    Stmt s(db, "SELECT " + quote_id(pk) + ", ST_MinX(" + quote_id(column) + "), ST_MaxX(" +
                   quote_id(column) + "), ST_MinY(" + quote_id(column) + "), ST_MaxY(" +
                   quote_id(column) + ") FROM " + quote_id(table) + " WHERE " + quote_id(column) +
                   " NOT NULL AND NOT ST_IsEmpty(" + quote_id(column) + ")");
    while (s.step())
      level.push_back({s.column_int(0), down(s.column_real(1)), up(s.column_real(2)),
                       down(s.column_real(3)), up(s.column_real(4))});
  }
  db.exec("DELETE FROM " + quote_id(r + "_node") + "; DELETE FROM " + quote_id(r + "_parent") +
          "; DELETE FROM " + quote_id(r + "_rowid"));
  Stmt node(db, "INSERT INTO " + quote_id(r + "_node") + " (nodeno, data) VALUES (?1, ?2)");
  Stmt parent(db,
              "INSERT INTO " + quote_id(r + "_parent") + " (nodeno, parentnode) VALUES (?1, ?2)");
  Stmt rowid(db, "INSERT INTO " + quote_id(r + "_rowid") + " (rowid, nodeno) VALUES (?1, ?2)");
  auto write = [](Stmt& st, std::int64_t a, std::int64_t b) {
    st.bind_int(1, a).bind_int(2, b);
    st.step();
    st.reset();
  };

  std::int64_t next_node = 2;  // 1 is the root
  int depth = 0;
  // Build level by level; `children` remembers which node each cell of the level
  // above points to, so that the _parent rows can be written once parents exist.
  std::vector<std::int64_t> level_nodes;
  while (level.size() > kMaxCells) {
    str_order(level);
    std::vector<Cell> above;
    for (std::size_t i = 0; i < level.size(); i += kMaxCells) {
      std::size_t n = std::min(kMaxCells, level.size() - i);
      std::int64_t no = next_node++;
      node.bind_int(1, no).bind_blob(2, node_blob(level, i, n, 0));
      node.step();
      node.reset();
      Cell box{no, level[i].minx, level[i].maxx, level[i].miny, level[i].maxy};
      for (std::size_t k = i; k < i + n; ++k) {
        const Cell& c = level[k];
        box.minx = std::min(box.minx, c.minx), box.maxx = std::max(box.maxx, c.maxx);
        box.miny = std::min(box.miny, c.miny), box.maxy = std::max(box.maxy, c.maxy);
        write(depth == 0 ? rowid : parent, c.id, no);
      }
      above.push_back(box);
    }
    level = std::move(above);
    ++depth;
  }
  // The root: node 1, holding the last level and the tree's depth.
  str_order(level);
  node.bind_int(1, 1).bind_blob(2, node_blob(level, 0, level.size(), depth));
  node.step();
  node.reset();
  for (const Cell& c : level) write(depth == 0 ? rowid : parent, c.id, 1);
}

}  // namespace minemap::store::gpkg
