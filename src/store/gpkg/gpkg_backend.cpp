// The embedded store: a Backend over one GeoPackage file, written with the
// SQLite C API. Schema in schema.cpp, R-tree in rtree.cpp.
#include "store/gpkg/gpkg_backend.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <tuple>
#include <variant>

#include "core/date.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "geo/wkb.hpp"
#include "store/gpkg/rtree.hpp"
#include "store/gpkg/schema.hpp"
#include "store/gpkg/sqlite.hpp"

namespace minemap::store::gpkg {
namespace {

using core::EntitySpec;
using core::FieldSpec;
using core::FieldType;
using core::Record;
using core::Value;

constexpr int kSchemaVersion = 6;
constexpr int kBusyTimeoutMs = 5000;
constexpr std::string_view kNow = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
constexpr std::string_view kAuditColumns =
    "seq, ts, actor, entity, entity_id, action, reason, \"before\", \"after\", prev_hash, hash";

std::string entity_label(const EntitySpec& spec, const std::string& id) {
  return std::string(spec.name) + " \"" + id + "\"";
}

// Record columns of a SELECT, in the order read_record expects:
// id, workflow, deleted, [geom], then one per field.
std::string select_list(const EntitySpec& spec, std::string_view alias) {
  std::string a(alias);
  std::string out = a + "id, " + a + "workflow, " + a + "deleted";
  if (spec.spatial()) out += ", " + a + quote_id(kGeomColumn);
  for (const auto& f : spec.fields) out += ", " + a + quote_id(f.name);
  return out;
}

// Parameters shared by INSERT and UPDATE: ?1 id, ?2 workflow, [?3 geom], fields.
std::string insert_sql(const EntitySpec& spec) {
  std::string cols = "id, workflow";
  std::string vals = "?1, ?2";
  int n = 2;
  if (spec.spatial()) {
    cols += ", " + quote_id(kGeomColumn);
    vals += ", ?" + std::to_string(++n);
  }
  for (const auto& f : spec.fields) {
    cols += ", " + quote_id(f.name);
    vals += ", ?" + std::to_string(++n);
  }
  // The write's time is one parameter after the fields (bound once per row rather
  // than formatted by SQLite twice per row).
  const std::string now = "?" + std::to_string(n + 1);
  return "INSERT INTO " + quote_id(spec.table) + " (" + cols + ", created, updated) VALUES (" +
         vals + ", " + now + ", " + now + ")";
}

std::string update_sql(const EntitySpec& spec) {
  std::string set = "workflow = ?2";
  int n = 2;
  if (spec.spatial()) set += ", " + quote_id(kGeomColumn) + " = ?" + std::to_string(++n);
  for (const auto& f : spec.fields) set += ", " + quote_id(f.name) + " = ?" + std::to_string(++n);
  return "UPDATE " + quote_id(spec.table) + " SET " + set + ", updated = ?" +
         std::to_string(n + 1) + " WHERE id = ?1";
}

[[noreturn]] void wrong_type(const FieldSpec& f, std::string_view got) {
  throw core::InputError(
      std::string(f.name),
      "the store expects " + std::string(core::to_string(f.type)) + ", got " + std::string(got));
}

std::string_view kind_of(const Value& v) {
  switch (v.index()) {
    case 1: return "text";
    case 2: return "integer";
    case 3: return "real";
    case 4: return "boolean";
    default: return "null";
  }
}

// Binds a value as its field's column type; a value of another type is a bug
// upstream (validate() normalises types), so it is refused, not guessed at.
void bind_value(Stmt& s, int i, const FieldSpec& f, const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) {
    s.bind_null(i);
    return;
  }
  switch (f.type) {
    case FieldType::Integer:
      if (auto p = std::get_if<std::int64_t>(&v)) return void(s.bind_int(i, *p));
      break;
    case FieldType::Real:
      if (auto p = std::get_if<double>(&v)) return void(s.bind_real(i, *p));
      if (auto p = std::get_if<std::int64_t>(&v))
        return void(s.bind_real(i, static_cast<double>(*p)));
      break;
    case FieldType::Boolean:
      if (auto p = std::get_if<bool>(&v)) return void(s.bind_int(i, *p ? 1 : 0));
      break;
    case FieldType::Text:
    case FieldType::Date:
    case FieldType::Enum:
    case FieldType::EnumSet:
    case FieldType::Ref:
      // The record outlives the statement's step (bind_record's callers).
      if (auto p = std::get_if<std::string>(&v)) return void(s.bind_text_ref(i, *p));
      break;
  }
  wrong_type(f, kind_of(v));
}

Value read_value(const Stmt& s, int i, FieldType t) {
  switch (t) {
    case FieldType::Integer: return s.column_int(i);
    case FieldType::Real: return s.column_real(i);
    case FieldType::Boolean: return s.column_int(i) != 0;
    default: return s.column_text(i);
  }
}

// A row of Backend::scan read straight from the statement.
class StmtRow : public ScanRow {
 public:
  StmtRow(const Stmt& s, const EntitySpec& spec, const std::string& path)
      : m_stmt(s), m_spec(spec), m_path(path) {}
  std::optional<std::string_view> text(int i) const override {
    if (m_stmt.is_null(i)) return std::nullopt;
    return m_stmt.column_text_view(i);
  }
  std::optional<double> real(int i) const override {
    if (m_stmt.is_null(i)) return std::nullopt;
    return m_stmt.column_real(i);
  }
  std::optional<std::int64_t> integer(int i) const override {
    if (m_stmt.is_null(i)) return std::nullopt;
    return m_stmt.column_int(i);
  }
  bool geometry(int i, core::Geometry& g) const override {
    if (m_stmt.is_null(i)) {
      g = {};
      return false;
    }
    try {
      g = geo::from_gpkg_blob(m_stmt.column_blob(i));
    } catch (const core::InputError& e) {
      throw unreadable(e);
    }
    return !g.empty();
  }
  std::optional<core::Coord> point(int i) const override {
    if (m_stmt.is_null(i)) return std::nullopt;
    try {
      return geo::first_point_of_gpkg_blob(m_stmt.column_blob(i));
    } catch (const core::InputError& e) {
      throw unreadable(e);
    }
  }

 private:
  core::StorageError unreadable(const core::InputError& e) const {
    return core::StorageError(m_path + ": a row of " + std::string(m_spec.name) +
                              ": stored geometry is unreadable: " + e.what());
  }
  const Stmt& m_stmt;
  const EntitySpec& m_spec;
  const std::string& m_path;
};

// The accepted spellings of a boolean in a `where` filter.
std::int64_t where_boolean(const std::string& field, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return 1;
  if (v == "false" || v == "0" || v == "no") return 0;
  throw core::InputError(field, "\"" + v + "\" is not a boolean (true or false)");
}

void bind_param(Stmt& s, int i, const Value& v) {
  if (auto p = std::get_if<std::string>(&v))
    s.bind_text(i, *p);
  else if (auto q = std::get_if<std::int64_t>(&v))
    s.bind_int(i, *q);
  else if (auto d = std::get_if<double>(&v))
    s.bind_real(i, *d);
  else
    s.bind_null(i);
}

// "HZ-000123" -> 123 for spec HZ; nullopt for any other shape of id.
std::optional<std::int64_t> id_number(const EntitySpec& spec, std::string_view id) {
  std::string prefix = std::string(spec.id_prefix) + "-";
  if (id.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view digits = id.substr(prefix.size());
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  std::int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string format_id(const EntitySpec& spec, std::int64_t n) {
  std::string digits = std::to_string(n);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return std::string(spec.id_prefix) + "-" + digits;
}

// UTC now as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ','now') writes it.
std::string now_millis() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void remove_store_files(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix, ec);
}

class GpkgBackend final : public Backend {
 public:
  GpkgBackend(const std::string& path, int flags)
      : m_db(path, flags), m_path(path), m_read_only((flags & SQLITE_OPEN_READONLY) != 0) {}

  ~GpkgBackend() override {
    // SQLite checkpoints the WAL into the file when the last connection closes, but
    // after a disk was full it may not have: try once more, so that copying the .gpkg
    // alone (without its -wal) keeps every commit. Nothing to do when read-only.
    if (!m_read_only)
      sqlite3_wal_checkpoint_v2(m_db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr,
                                nullptr);
  }

  Db& db() { return m_db; }

  // SQLite's data_version counts the commits of other connections only; this
  // connection's own commits are counted in m_commits. Either changing changes the sum
  // of the two halves.
  std::optional<std::int64_t> data_version() override {
    Stmt& s = cached(m_data_version, [] { return std::string("PRAGMA data_version"); });
    ResetOnExit reset(s);
    const std::int64_t others = s.step() ? s.column_int(0) : 0;
    return (others << 32) + static_cast<std::int64_t>(m_commits & 0xffffffffu);
  }

  // Per-connection settings; WAL is a property of the file.
  void configure() {
    // FULL, not NORMAL: in WAL mode NORMAL loses the last commits on a power
    // cut (never on a process crash). Writes here are one per user action or
    // one per import, so an fsync per commit costs little, and a write minemap
    // has confirmed should survive the unreliable power of a field office.
    m_db.exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
    // Imports write one large transaction: a 64 MiB page cache keeps it from
    // spilling, and in-memory statement journals (every insert fires the
    // R-tree trigger, so each needs one) spare a temp-file write per row.
    m_db.exec("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
    if (int rc = sqlite3_busy_timeout(m_db.handle(), kBusyTimeoutMs); rc != SQLITE_OK)
      m_db.fail(rc, "busy_timeout");
    register_st_functions(m_db);
  }

  // A read of a whole table goes through its pages once: while it runs, the page cache
  // shrinks to a few MiB (it would otherwise fill its 64 MiB with pages never read again,
  // beside what the caller builds from them, a server's next tile snapshot say), and is
  // set back after. Inside a write transaction the cache is left as it is (it holds what
  // the transaction wrote); a read snapshot shrinks it as well.
  class ScanCache {
   public:
    ScanCache(GpkgBackend& b, bool whole_table)
        : m_b(b),
          m_on(whole_table && b.m_depth == 0 &&
               sqlite3_txn_state(b.m_db.handle(), nullptr) != SQLITE_TXN_WRITE) {
      if (m_on) m_b.m_db.exec("PRAGMA cache_size = -2048");
    }
    ~ScanCache() {
      if (!m_on) return;
      try {
        m_b.m_db.exec("PRAGMA cache_size = -65536");
      } catch (...) {  // a setting lost only makes a later write slower
      }
      sqlite3_db_release_memory(m_b.m_db.handle());
    }
    ScanCache(const ScanCache&) = delete;
    ScanCache& operator=(const ScanCache&) = delete;

   private:
    GpkgBackend& m_b;
    bool m_on;
  };

  void transaction(const std::function<void()>& fn) override {
    if (m_depth > 0) return savepoint(fn);
    refuse_if_read_only();
    m_db.exec("BEGIN IMMEDIATE");
    m_depth = 1;
    m_now = now_millis();  // every row of a transaction is written at its start
    try {
      fn();
      commit();
    } catch (...) {
      m_depth = 0;
      m_touched.clear();
      m_counters.clear();
      rollback_quietly("ROLLBACK");
      throw;
    }
    m_depth = 0;
  }

  // A deferred transaction: its first read fixes the snapshot (WAL), without a lock
  // that would hold writers back.
  void read_snapshot(const std::function<void()>& fn) override {
    if (m_depth > 0 || m_db.in_transaction()) return fn();
    m_db.exec("BEGIN DEFERRED");
    try {
      fn();
    } catch (...) {
      rollback_quietly("ROLLBACK");
      throw;
    }
    m_db.exec("COMMIT");
  }

  void release_memory() override {
    if (m_depth == 0 && !m_db.in_transaction()) sqlite3_db_release_memory(m_db.handle());
  }

  std::string next_id(const EntitySpec& spec) override {
    std::string id;
    write([&] {
      auto it = m_counters.find(&spec);
      std::int64_t n = it != m_counters.end() ? it->second : counter(spec);
      // Not checked against the table here: an id written behind minemap's back
      // (a QGIS edit) makes the insert fail as a duplicate, and Registry::add
      // asks for the next one. A lookup per id would cost every import row.
      id = format_id(spec, ++n);
      m_counters[&spec] = n;  // stored at commit: one write per table, not per id
    });
    return id;
  }

  std::optional<Record> get(const EntitySpec& spec, const std::string& id,
                            bool include_deleted) override {
    Stmt& s = cached(stmts(spec).get, [&] {
      return "SELECT " + select_list(spec, "") + " FROM " + quote_id(spec.table) + " WHERE id = ?1";
    });
    ResetOnExit reset(s);
    s.bind_text(1, id);
    if (!s.step()) return std::nullopt;
    if (!include_deleted && s.column_int(2) != 0) return std::nullopt;
    return read_record(s, spec);
  }

  std::optional<DeletedState> deleted_state(const EntitySpec& spec,
                                            const std::string& id) override {
    Stmt& s = cached(stmts(spec).state, [&] {
      return "SELECT deleted, deleted_reason FROM " + quote_id(spec.table) + " WHERE id = ?1";
    });
    ResetOnExit reset(s);
    s.bind_text(1, id);
    if (!s.step()) return std::nullopt;
    return DeletedState{s.column_int(0) != 0, s.column_text(1)};
  }

  void insert(const EntitySpec& spec, const Record& r) override {
    check_record(spec, r);
    write([&] {
      Stmt& s = cached(stmts(spec).insert, [&] { return insert_sql(spec); });
      ResetOnExit reset(s);
      bind_record(s, spec, r);
      try {
        s.step();
      } catch (const SqliteError& e) {
        if (e.code() == SQLITE_CONSTRAINT_UNIQUE)
          throw core::Conflict("id: " + entity_label(spec, r.id) + " exists already");
        throw;
      }
      if (auto n = id_number(spec, r.id)) {
        auto it = m_counters.find(&spec);
        if (it == m_counters.end())
          m_counters[&spec] = std::max(*n, counter(spec));
        else if (it->second < *n)
          it->second = *n;
      }
      touch(spec.table, r.geometry.envelope());
    });
  }

  void replace(const EntitySpec& spec, const Record& r) override {
    check_record(spec, r);
    write([&] {
      Stmt& s = cached(stmts(spec).replace, [&] { return update_sql(spec); });
      ResetOnExit reset(s);
      bind_record(s, spec, r);
      s.step();
      if (m_db.changes() == 0) throw core::NotFound(entity_label(spec, r.id) + " not found");
      touch(spec.table, r.geometry.envelope());
    });
  }

  void set_deleted(const EntitySpec& spec, const std::string& id, bool deleted,
                   const std::string& reason) override {
    write([&] {
      Stmt& s = cached(stmts(spec).set_deleted, [&] {
        return "UPDATE " + quote_id(spec.table) +
               " SET deleted = ?2, deleted_reason = ?3, updated = " + std::string(kNow) +
               " WHERE id = ?1";
      });
      ResetOnExit reset(s);
      s.bind_text(1, id).bind_int(2, deleted ? 1 : 0);
      if (deleted)
        s.bind_text(3, reason);
      else
        s.bind_null(3);
      s.step();
      if (m_db.changes() == 0) throw core::NotFound(entity_label(spec, id) + " not found");
      touch(spec.table);
    });
  }

  void for_each(const EntitySpec& spec, const ListQuery& q,
                const std::function<void(const Record&)>& fn) override {
    std::vector<Value> params;
    std::string sql = list_sql(spec, q, params);
    ScanCache cache(*this, !q.limit && !q.bbox);
    Stmt s(m_db, sql);
    for (std::size_t i = 0; i < params.size(); ++i)
      bind_param(s, static_cast<int>(i) + 1, params[i]);
    // Paging counts the rows that pass the exact box test below, so it is done here
    // rather than by SQL's LIMIT and OFFSET.
    std::int64_t skip = q.offset, left = q.limit.value_or(-1);
    while (left != 0 && s.step()) {
      Record r = read_record(s, spec);
      // The R-tree holds float32 boxes rounded outwards: drop its near misses.
      if (q.bbox && !r.geometry.envelope().intersects(*q.bbox)) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      fn(r);
      if (left > 0) --left;
    }
  }

  void for_each_geometry(
      const EntitySpec& spec, const ListQuery& q,
      const std::function<void(const std::string&, const core::Geometry&)>& fn) override {
    if (!spec.spatial())
      throw core::InputError("entity", std::string(spec.name) + " have no geometry");
    std::vector<Value> params;
    std::string sql = list_sql(spec, q, params, "t.id, t." + quote_id(kGeomColumn));
    Stmt s(m_db, sql);
    for (std::size_t i = 0; i < params.size(); ++i)
      bind_param(s, static_cast<int>(i) + 1, params[i]);
    std::string id;
    std::int64_t skip = q.offset, left = q.limit.value_or(-1);
    while (left != 0 && s.step()) {
      id = s.column_text(0);
      core::Geometry g;
      if (!s.is_null(1)) {
        try {
          g = geo::from_gpkg_blob(s.column_blob(1));
        } catch (const core::InputError& e) {
          throw core::StorageError(m_path + ": " + entity_label(spec, id) +
                                   ": stored geometry is unreadable: " + e.what());
        }
      }
      if (q.bbox && !g.envelope().intersects(*q.bbox)) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      fn(id, g);
      if (left > 0) --left;
    }
  }

  TextWidths text_widths(const EntitySpec& spec, const ListQuery& q,
                         const std::vector<std::string>& columns) override {
    // One aggregate over the rows for_each would read: SQLite's text form of a value
    // (CAST AS BLOB: its bytes) is the one read_record gives.
    std::string select = "count(*)";
    for (const auto& c : columns) {
      if (c != "id" && c != core::kWorkflowField && !spec.field(c))
        throw core::InputError(c, "no such field in " + std::string(spec.name));
      select += ", ifnull(max(length(CAST(t." + quote_id(c) + " AS BLOB))), 0)";
    }
    std::vector<Value> params;
    Stmt s(m_db, list_sql(spec, q, params, select));
    for (std::size_t i = 0; i < params.size(); ++i)
      bind_param(s, static_cast<int>(i) + 1, params[i]);
    TextWidths w;
    if (!s.step()) return w;
    w.rows = s.column_int(0);
    for (std::size_t i = 0; i < columns.size(); ++i)
      w.bytes.push_back(static_cast<std::size_t>(s.column_int(static_cast<int>(i) + 1)));
    return w;
  }

  void scan(const EntitySpec& spec, const ListQuery& q, const std::vector<std::string>& columns,
            const std::function<void(const ScanRow&)>& fn) override {
    if (columns.empty()) throw core::InputError("columns", "no column to read");
    std::string cols;
    for (const auto& c : columns) {
      if (c != "id" && c != "workflow" && !(c == kGeomColumn && spec.spatial()) && !spec.field(c))
        throw core::InputError(c, "no such column in " + std::string(spec.name));
      cols += (cols.empty() ? "t." : ", t.") + quote_id(c);
    }
    // The box test of for_each needs the geometry: a bbox query reads it too, last.
    int geom = -1;
    if (q.bbox) {
      geom = static_cast<int>(columns.size());
      cols += ", t." + quote_id(kGeomColumn);
    }
    std::vector<Value> params;
    ScanCache cache(*this, !q.limit && !q.bbox);
    Stmt s(m_db, list_sql(spec, q, params, cols));
    for (std::size_t i = 0; i < params.size(); ++i)
      bind_param(s, static_cast<int>(i) + 1, params[i]);
    StmtRow row(s, spec, m_path);
    core::Geometry g;
    std::int64_t skip = q.offset, left = q.limit.value_or(-1);
    while (left != 0 && s.step()) {
      if (q.bbox && !(row.geometry(geom, g) && g.envelope().intersects(*q.bbox))) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      fn(row);
      if (left > 0) --left;
    }
    // A scan reads a table once: its pages need not stay cached beside what the caller
    // builds from them (the analysis's indexes).
    sqlite3_db_release_memory(m_db.handle());
  }

  std::int64_t count(const EntitySpec& spec, bool include_deleted) override {
    Stmt s(m_db, "SELECT count(*) FROM " + quote_id(spec.table) +
                     (include_deleted ? "" : " WHERE deleted = 0"));
    s.step();
    return s.column_int(0);
  }

  std::optional<AuditEntry> last_audit() override {
    Stmt s(m_db, "SELECT " + std::string(kAuditColumns) + " FROM audit ORDER BY seq DESC LIMIT 1");
    if (!s.step()) return std::nullopt;
    return read_audit(s);
  }

  void append_audit(const AuditEntry& e) override {
    write([&] {
      Stmt& s = cached(m_audit_insert, [] {
        return "INSERT INTO audit (" + std::string(kAuditColumns) +
               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
      });
      ResetOnExit reset(s);
      if (e.seq > 0)
        s.bind_int(1, e.seq);
      else
        s.bind_null(1);
      // e outlives the step: no copies of its texts.
      s.bind_text_ref(2, e.ts).bind_text_ref(3, e.actor).bind_text_ref(4, e.entity);
      s.bind_text_ref(5, e.entity_id).bind_text_ref(6, e.action).bind_text_ref(7, e.reason);
      s.bind_text_ref(8, e.before).bind_text_ref(9, e.after).bind_text_ref(10, e.prev_hash);
      s.bind_text_ref(11, e.hash);
      try {
        s.step();
      } catch (const SqliteError& err) {
        if (err.code() == SQLITE_CONSTRAINT_PRIMARYKEY)
          throw core::Conflict("audit entry " + std::to_string(e.seq) +
                               " exists already (another writer?)");
        throw;
      }
      touch("audit");
    });
  }

  std::vector<AuditEntry> audit(const std::string& entity, const std::string& id) override {
    std::string sql = "SELECT " + std::string(kAuditColumns) + " FROM audit";
    if (!entity.empty())
      sql += id.empty() ? " WHERE entity = ?1" : " WHERE entity = ?1 AND entity_id = ?2";
    Stmt s(m_db, sql + " ORDER BY seq");
    if (!entity.empty()) s.bind_text(1, entity);
    if (!entity.empty() && !id.empty()) s.bind_text(2, id);
    std::vector<AuditEntry> out;
    while (s.step()) out.push_back(read_audit(s));
    return out;
  }

  void for_each_audit(const std::function<void(const AuditEntry&)>& fn) override {
    // The whole chain is read once (a check at start, a verify): its pages are not kept.
    ScanCache cache(*this, true);
    Stmt s(m_db, "SELECT " + std::string(kAuditColumns) + " FROM audit ORDER BY seq");
    while (s.step()) fn(read_audit(s));
  }

  std::optional<AuditEntry> audit_entry(std::int64_t seq) override {
    Stmt s(m_db, "SELECT " + std::string(kAuditColumns) + " FROM audit WHERE seq = ?1");
    s.bind_int(1, seq);
    if (!s.step()) return std::nullopt;
    return read_audit(s);
  }

  std::int64_t audit_count() override { return row_count("audit"); }

  void for_each_status(const std::function<void(std::int64_t, const std::string&,
                                                const StatusChange&)>& fn) override {
    Stmt s(m_db, "SELECT fid, hazard_id, \"date\", status, reason FROM hazard_status ORDER BY fid");
    while (s.step())
      fn(s.column_int(0), s.column_text(1),
         StatusChange{s.column_text(2), s.column_text(3), s.column_text(4)});
  }

  void for_each_row(const EntitySpec& spec,
                    const std::function<void(const StoredRow&)>& fn) override {
    Stmt s(m_db, "SELECT " + select_list(spec, "") + ", deleted_reason FROM " +
                     quote_id(spec.table) + " ORDER BY fid");
    const int reason_col = 3 + (spec.spatial() ? 1 : 0) + static_cast<int>(spec.fields.size());
    StoredRow row;
    while (s.step()) {
      row.problem.clear();
      try {
        row.record = read_record(s, spec);
      } catch (const core::StorageError& e) {
        // Read it again without the geometry, so that the rest is still compared.
        row.record = read_record(s, spec, /*geometry=*/false);
        row.problem = e.what();
      }
      row.state.deleted = s.column_int(2) != 0;
      row.state.reason = s.column_text(reason_col);
      fn(row);
    }
  }

  void add_checkpoint(Checkpoint& c) override {
    write([&] {
      Stmt s(m_db,
             "INSERT INTO checkpoints (id, seq, hash, ts, store_id, public_key, signature) "
             "VALUES ('CP-' || printf('%06d', coalesce((SELECT seq FROM sqlite_sequence "
             "WHERE name = 'checkpoints'), 0) + 1), ?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");
      s.bind_int(1, c.seq).bind_text(2, c.hash).bind_text(3, c.time).bind_text(4, c.store_id);
      s.bind_text(5, c.public_key).bind_text(6, c.signature);
      if (!s.step()) throw core::StorageError(m_path + ": the checkpoint was not stored");
      c.id = s.column_text(0);
      while (s.step()) {
      }
      touch("checkpoints");
    });
  }

  std::vector<Checkpoint> checkpoints() override {
    Stmt s(m_db,
           "SELECT id, seq, hash, ts, store_id, public_key, signature FROM checkpoints "
           "ORDER BY fid");
    std::vector<Checkpoint> out;
    while (s.step())
      out.push_back({s.column_text(0), s.column_int(1), s.column_text(2), s.column_text(3),
                     s.column_text(4), s.column_text(5), s.column_text(6)});
    return out;
  }

  std::string store_id() override {
    Stmt s(m_db, "SELECT value FROM minemap_meta WHERE key = 'store_id'");
    return s.step() ? s.column_text(0) : std::string();
  }

  void set_store_id(const std::string& id) override {
    write([&] {
      Stmt s(m_db, "UPDATE minemap_meta SET value = ?1 WHERE key = 'store_id'");
      s.bind_text(1, id);
      s.step();
    });
  }

  std::vector<std::string> audit_protection_problems() override {
    std::vector<std::string> out;
    Stmt s(m_db, "SELECT sql FROM sqlite_master WHERE type = ?1 AND name = ?2");
    for (const auto& o : protected_objects()) {
      ResetOnExit reset(s);
      s.bind_text(1, o.type).bind_text(2, o.name);
      const std::string what = std::string(o.type) + " " + std::string(o.name);
      if (!s.step())
        out.push_back(what + " is missing");
      else if (core::collapse_spaces(s.column_text(0)) != core::collapse_spaces(o.sql))
        out.push_back(what + " is not the one minemap created: " + s.column_text(0));
    }
    // A trigger of someone else's on the audit could rewrite what minemap appends.
    Stmt extra(m_db,
               "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
               "('audit', 'checkpoints') ORDER BY name");
    while (extra.step()) {
      std::string name = extra.column_text(0);
      bool known = false;
      for (const auto& o : protected_objects()) known |= o.name == name;
      if (!known) out.push_back("trigger " + name + " was added to the audit");
    }
    return out;
  }

  std::int64_t append_status(const std::string& hazard_id, const StatusChange& c) override {
    std::int64_t row = 0;
    write([&] {
      Stmt& s = cached(m_status_insert, [] {
        return std::string(
            "INSERT INTO hazard_status (hazard_id, \"date\", status, reason) "
            "VALUES (?1, ?2, ?3, ?4)");
      });
      ResetOnExit reset(s);
      s.bind_text(1, hazard_id).bind_text(2, c.date).bind_text(3, c.status).bind_text(4, c.reason);
      s.step();
      row = m_db.last_insert_rowid();
      touch("hazard_status");
    });
    return row;
  }

  std::vector<StatusChange> status_history(const std::string& hazard_id) override {
    Stmt s(m_db,
           "SELECT \"date\", status, reason FROM hazard_status WHERE hazard_id = ?1 ORDER BY fid");
    s.bind_text(1, hazard_id);
    std::vector<StatusChange> out;
    while (s.step()) out.push_back({s.column_text(0), s.column_text(1), s.column_text(2)});
    return out;
  }

  // Settings are rows of minemap_meta under "setting.".
  std::optional<std::string> setting(const std::string& key) override {
    Stmt s(m_db, "SELECT value FROM minemap_meta WHERE key = ?1");
    s.bind_text(1, "setting." + key);
    if (!s.step()) return std::nullopt;
    return s.column_text(0);
  }

  void put_setting(const std::string& key, const std::string& value) override {
    write([&] {
      Stmt s(m_db, "INSERT OR REPLACE INTO minemap_meta (key, value) VALUES (?1, ?2)");
      s.bind_text(1, "setting." + key).bind_text(2, value);
      s.step();
    });
  }

  std::vector<std::pair<std::string, std::string>> settings() override {
    std::vector<std::pair<std::string, std::string>> out;
    Stmt s(
        m_db,
        "SELECT substr(key, 9), value FROM minemap_meta WHERE key LIKE 'setting.%' ORDER BY key");
    while (s.step()) out.emplace_back(s.column_text(0), s.column_text(1));
    return out;
  }

  void put_user(const User& u, bool create) override {
    write([&] {
      Stmt s(m_db, std::string(create ? "INSERT" : "INSERT OR REPLACE") +
                       " INTO users (name, role, password_hash, created, disabled) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)");
      s.bind_text(1, u.name)
          .bind_text(2, u.role)
          .bind_text(3, u.password_hash)
          .bind_text(4, u.created)
          .bind_int(5, u.disabled ? 1 : 0);
      try {
        s.step();
      } catch (const core::StorageError& e) {
        if (create && std::string(e.what()).find("UNIQUE") != std::string::npos)
          throw core::Conflict("user \"" + u.name + "\" exists");
        throw;
      }
    });
  }

  std::optional<User> user(const std::string& name) override {
    Stmt s(m_db, "SELECT name, role, password_hash, created, disabled FROM users WHERE name = ?1");
    s.bind_text(1, name);
    if (!s.step()) return std::nullopt;
    return User{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                s.column_int(4) != 0};
  }

  std::vector<User> users() override {
    Stmt s(m_db, "SELECT name, role, password_hash, created, disabled FROM users ORDER BY name");
    std::vector<User> out;
    while (s.step())
      out.push_back({s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                     s.column_int(4) != 0});
    return out;
  }

  std::string location() const override { return m_path; }
  bool read_only() const override { return m_read_only || m_refuse_writes; }
  void set_read_only() override { m_refuse_writes = true; }

  void copy_to(const std::string& path) override {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) throw core::Conflict(path + ": the file exists already");
    // One file, WAL content included, from one read transaction: a snapshot even while
    // `serve` writes, and readable from a read-only store.
    Stmt into(m_db, "VACUUM INTO ?1");
    into.bind_text(1, path);
    into.step();
  }

  void refuse_if_read_only() const {
    if (m_read_only)
      throw core::Forbidden(m_path +
                            ": the store is open read-only (the file or its folder cannot be "
                            "written): reading works, writing does not");
    if (m_refuse_writes)
      throw core::Forbidden(m_path +
                            ": served read-only (serve --read-only): reading works, writing "
                            "does not; write through the server or command that writes");
  }

  // The R-tree insert trigger is dropped for the load and the index packed at the
  // end, all in the same transaction: a failed load leaves trigger and index as
  // they were. When the load is at least as large as what the table (or the
  // audit trail) holds, its plain indexes are dropped too and built again at the
  // end by one sort, which costs less than keeping them row by row.
  //
  // A load that is a transaction of its own, into a file no other connection has
  // open, goes through a rollback journal instead of the write-ahead log: the data
  // is then written to disk once, not to the log and again into the file. The file
  // is back in WAL mode afterwards, whatever happened. Meanwhile a program that
  // opens the file waits for the load (up to the busy timeout).
  void bulk_load(const EntitySpec& spec, std::int64_t expected_rows,
                 const std::function<void()>& fn) override {
    refuse_if_read_only();
    const bool rollback_journal = m_depth == 0 && set_journal_mode("delete", 0);
    try {
      load_in_transaction(spec, expected_rows, fn);
    } catch (...) {
      if (rollback_journal) restore_wal();
      throw;
    }
    if (rollback_journal) restore_wal();
  }

 private:
  // journal_mode is `mode` afterwards; false when it could not be changed (another
  // connection has the file open, or holds a lock for longer than timeout_ms).
  bool set_journal_mode(const std::string& mode, int timeout_ms) {
    sqlite3_busy_timeout(m_db.handle(), timeout_ms);
    bool changed = false;
    try {
      Stmt s(m_db, "PRAGMA journal_mode = " + mode);
      changed = s.step() && s.column_text(0) == mode;
    } catch (const SqliteError&) {  // SQLITE_BUSY: others have it open
    }
    sqlite3_busy_timeout(m_db.handle(), kBusyTimeoutMs);
    return changed;
  }

  void restore_wal() {
    // Readers that came during the load may hold the file a moment: wait for them.
    // Should that fail, the next open of the store sets WAL again.
    set_journal_mode("wal", kBusyTimeoutMs);
  }

  void load_in_transaction(const EntitySpec& spec, std::int64_t expected_rows,
                           const std::function<void()>& fn) {
    transaction([&] {
      std::vector<std::string> drop, rebuild;  // index names; their CREATE statements
      for (const std::string& table :
           std::array<std::string, 2>{std::string(spec.table), "audit"}) {
        if (expected_rows <= 0 || row_count(table) > expected_rows) continue;
        Stmt s(m_db,
               "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 "
               "AND sql IS NOT NULL");
        s.bind_text(1, table);
        while (s.step()) {
          drop.push_back(s.column_text(0));
          rebuild.push_back(s.column_text(1));
        }
      }
      for (const auto& name : drop) m_db.exec("DROP INDEX " + quote_id(name));
      std::string trigger, create;
      if (spec.spatial()) {
        trigger = rtree_name(spec.table, kGeomColumn) + "_insert";
        Stmt s(m_db, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1");
        s.bind_text(1, trigger);
        if (s.step()) create = s.column_text(0);
      }
      if (!create.empty()) m_db.exec("DROP TRIGGER " + quote_id(trigger));
      fn();
      if (!create.empty()) {
        pack_rtree(m_db, spec.table, kGeomColumn, "fid");
        m_db.exec(create);
      }
      for (const auto& sql : rebuild) m_db.exec(sql);
    });
  }

  struct TableStmts {
    std::unique_ptr<Stmt> insert, replace, get, state, set_deleted;
  };

  template <class MakeSql>
  Stmt& cached(std::unique_ptr<Stmt>& slot, MakeSql&& make) {
    if (!slot) slot = std::make_unique<Stmt>(m_db, make());
    return *slot;
  }

  TableStmts& stmts(const EntitySpec& spec) {
    auto it = m_tables.find(spec.table);
    if (it == m_tables.end()) it = m_tables.emplace(std::string(spec.table), TableStmts{}).first;
    return it->second;
  }

  // A write outside transaction() gets its own, so that deferred foreign keys
  // and the gpkg_contents update apply to it as to any other commit.
  template <class F>
  void write(F&& fn) {
    if (m_depth > 0)
      fn();
    else
      transaction(fn);
  }

  // Nested transactions are savepoints: an inner failure the caller catches
  // undoes the inner work only, and the outer transaction goes on.
  void savepoint(const std::function<void()>& fn) {
    std::string name = "minemap_sp" + std::to_string(m_depth);
    m_db.exec("SAVEPOINT " + name);
    ++m_depth;
    try {
      fn();
    } catch (...) {
      --m_depth;
      rollback_quietly("ROLLBACK TO " + name + "; RELEASE " + name);
      throw;
    }
    --m_depth;
    m_db.exec("RELEASE " + name);
  }

  void commit() {
    flush_contents();
    for (const auto& [spec, n] : m_counters) raise_counter(*spec, n);
    m_counters.clear();
    try {
      m_db.exec("COMMIT");
      ++m_commits;
    } catch (const SqliteError& e) {
      // The transaction stays open after a deferred foreign-key failure: the
      // caller's handler rolls it back once the culprit is named.
      if (e.code() == SQLITE_CONSTRAINT_FOREIGNKEY) throw_fk_violation();
      throw;
    }
  }

  void rollback_quietly(const std::string& sql) {
    // SQLite rolls back by itself after some errors (SQLITE_FULL, IOERR ...).
    if (!m_db.in_transaction()) return;
    try {
      m_db.exec(sql);
    } catch (const std::exception&) {  // the original error is the one to report
    }
  }

  // Names the first dangling reference of the transaction.
  [[noreturn]] void throw_fk_violation() {
    Stmt check(m_db, "PRAGMA foreign_key_check");
    if (!check.step()) throw core::StorageError(m_path + ": FOREIGN KEY constraint failed");
    std::string table = check.column_text(0);
    std::int64_t rowid = check.column_int(1);
    std::string parent = check.column_text(2);
    std::int64_t fkid = check.column_int(3);
    Stmt list(m_db, "SELECT \"from\" FROM pragma_foreign_key_list(?1) WHERE id = ?2");
    list.bind_text(1, table).bind_int(2, fkid);
    std::string column = list.step() ? list.column_text(0) : "?";
    Stmt row(m_db, "SELECT CAST(" + quote_id(column) + " AS TEXT) FROM " + quote_id(table) +
                       " WHERE rowid = ?1");
    row.bind_int(1, rowid);
    std::string value = row.step() ? row.column_text(0) : "?";
    std::string target = parent;
    for (const auto& s : core::entities())
      if (s.table == parent) target = std::string(s.name);
    throw core::InputError(column,
                           "no " + target + " with id \"" + value + "\" (in " + table + ")");
  }

  void touch(std::string_view table, const core::Envelope& e = {}) {
    auto it = m_touched.find(table);
    if (it == m_touched.end()) it = m_touched.emplace(std::string(table), core::Envelope{}).first;
    it->second.expand(e);
  }

  // gpkg_contents: last_change of every table written, bounds grown to cover
  // the new geometries (never shrunk: the spec allows a loose extent); the same for
  // the table's view of current records (a subset: the table's extent holds it).
  void flush_contents() {
    if (m_touched.empty()) return;
    Stmt& s = cached(m_contents_update, [] {
      std::string sql = "UPDATE gpkg_contents SET last_change = " + std::string(kNow);
      for (auto [col, fn, p] : {std::tuple{"min_x", "min", 2}, std::tuple{"min_y", "min", 3},
                                std::tuple{"max_x", "max", 4}, std::tuple{"max_y", "max", 5}}) {
        std::string ps = "?" + std::to_string(p);
        sql += std::string(", ") + col + " = CASE WHEN " + ps + " IS NULL THEN " + col + " ELSE " +
               fn + "(coalesce(" + col + ", " + ps + "), " + ps + ") END";
      }
      return sql + " WHERE table_name IN (?1, ?6)";
    });
    for (const auto& [table, e] : m_touched) {
      ResetOnExit reset(s);
      s.bind_text(1, table).bind_text(6, current_view_name(table));
      if (!e.empty()) {
        s.bind_real(2, e.min_x).bind_real(3, e.min_y).bind_real(4, e.max_x).bind_real(5, e.max_y);
      }
      s.step();
    }
    m_touched.clear();
  }

  std::string counter_key(const EntitySpec& spec) const {
    return "id_counter." + std::string(spec.table);
  }

  std::int64_t row_count(const std::string& table) {
    Stmt s(m_db, "SELECT count(*) FROM " + quote_id(table));
    return s.step() ? s.column_int(0) : 0;
  }

  std::int64_t counter(const EntitySpec& spec) {
    Stmt& s = cached(m_counter_get, [] {
      return std::string("SELECT CAST(value AS INTEGER) FROM minemap_meta WHERE key = ?1");
    });
    ResetOnExit reset(s);
    s.bind_text(1, counter_key(spec));
    return s.step() ? s.column_int(0) : 0;
  }

  // The counter only grows: to n when n is above it.
  void raise_counter(const EntitySpec& spec, std::int64_t n) {
    Stmt& s = cached(m_counter_set, [] {
      return std::string(
          "INSERT INTO minemap_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE "
          "SET value = excluded.value "
          "WHERE CAST(minemap_meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)");
    });
    ResetOnExit reset(s);
    s.bind_text(1, counter_key(spec)).bind_text(2, std::to_string(n));
    s.step();
  }

  // What the columns cannot check: a record this table can hold at all.
  void check_record(const EntitySpec& spec, const Record& r) const {
    if (r.id.empty()) throw core::InputError("id", "a record needs an id");
    bool known_state = false;
    for (auto w : core::kWorkflowStates) known_state |= (w == r.workflow);
    if (!known_state)
      throw core::InputError(std::string(core::kWorkflowField),
                             "unknown workflow state \"" + r.workflow + "\"");
    for (const auto& [name, v] : r.fields)
      if (!spec.field(name))
        throw core::InputError(name, "no such field in " + std::string(spec.name));
    const auto& g = r.geometry;
    if (g.type == core::GeomType::None || g.empty()) return;
    if (!spec.spatial())
      throw core::InputError("geometry", std::string(spec.name) + " have no geometry");
    if (g.type != spec.geometry)
      throw core::InputError("geometry", std::string(spec.name) + " store " +
                                             std::string(geometry_type_name(spec.geometry)) +
                                             ", not " + std::string(geometry_type_name(g.type)));
  }

  // r and m_now must outlive the statement's reset: its text is bound without a copy.
  void bind_record(Stmt& s, const EntitySpec& spec, const Record& r) {
    s.bind_text_ref(1, r.id).bind_text_ref(2, r.workflow);
    int i = 3;
    if (spec.spatial()) {
      const auto& g = r.geometry;
      if (g.type == core::GeomType::None || g.empty())
        s.bind_null(i++);
      else
        s.bind_blob(i++, geo::to_gpkg_blob(g, kWgs84));
    }
    for (const auto& f : spec.fields) {
      auto it = r.fields.find(f.name);
      if (it == r.fields.end())
        s.bind_null(i);
      else
        bind_value(s, i, f, it->second);
      ++i;
    }
    s.bind_text_ref(i, m_now);  // created / updated
  }

  Record read_record(const Stmt& s, const EntitySpec& spec, bool geometry = true) const {
    Record r;
    r.id = s.column_text(0);
    r.workflow = s.column_text(1);
    int c = 3;
    if (spec.spatial()) {
      if (geometry && !s.is_null(c)) {
        try {
          r.geometry = geo::from_gpkg_blob(s.column_blob(c));
        } catch (const core::InputError& e) {
          throw core::StorageError(m_path + ": " + entity_label(spec, r.id) +
                                   ": stored geometry is unreadable: " + e.what());
        }
      }
      ++c;
    }
    for (const auto& f : spec.fields) {
      if (!s.is_null(c)) r.fields.emplace(std::string(f.name), read_value(s, c, f.type));
      ++c;
    }
    return r;
  }

  // The condition that the date column `col` (ISO 8601, maybe only a year or a month)
  // overlaps the closed interval [from, to] of full dates (an open end is unbounded); its
  // values are appended to `params`. A date of reduced precision stands for its whole
  // year or month: it overlaps when its last day is on or after `from` and its first day
  // on or before `to` (text comparison, padded with the latest and earliest month and
  // day).
  static std::string overlaps(const std::string& col, const std::optional<std::string>& from,
                              const std::optional<std::string>& to, std::vector<Value>& params) {
    std::string sql = "(" + col + " IS NOT NULL";
    if (from) {
      sql += " AND (" + col + " || substr('-12-31', length(" + col + ") - 3)) >= ?";
      params.emplace_back(*from);
    }
    if (to) {
      sql += " AND (" + col + " || substr('-01-01', length(" + col + ") - 3)) <= ?";
      params.emplace_back(*to);
    }
    return sql + ")";
  }

  // The SELECT of for_each; `params` receives the values of its ?s in order.
  std::string list_sql(const EntitySpec& spec, const ListQuery& q, std::vector<Value>& params,
                       const std::string& columns = "") {
    std::string sql = "SELECT " + (columns.empty() ? select_list(spec, "t.") : columns) + " FROM " +
                      quote_id(spec.table) + " AS t WHERE 1";
    if (!q.include_deleted) sql += " AND t.deleted = 0";
    if (q.approved_only) sql += " AND t.workflow = 'approved'";
    if (q.bbox) {
      if (!spec.spatial())
        throw core::InputError("bbox", std::string(spec.name) + " have no geometry");
      // The R-tree drives the query: candidates by box, then rows by fid.
      sql += " AND t.fid IN (SELECT id FROM " + quote_id(rtree_name(spec.table, kGeomColumn)) +
             " WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?)";
      params.insert(params.end(), {q.bbox->max_x, q.bbox->min_x, q.bbox->max_y, q.bbox->min_y});
    }
    if (q.during) {
      const FieldSpec* f = spec.field(q.during->field);
      if (!f || f->type != FieldType::Date)
        throw core::InputError(q.during->field, "no date field in " + std::string(spec.name));
      sql += " AND " +
             overlaps("t." + quote_id(q.during->field), q.during->from, q.during->to, params);
    }
    for (const auto& [name, values] : q.where) {
      const FieldSpec* f = spec.field(name);
      if (!f && name != "id" && name != core::kWorkflowField)
        throw core::InputError(name, "no such field in " + std::string(spec.name));
      std::string col = "t." + quote_id(name);
      if (values.empty()) {
        sql += " AND 0";
        continue;
      }
      if (f && f->type == FieldType::Date) {
        // A date matches the dates it overlaps: 2024 matches 2024-05-14, and 2024-05
        // matches a date kept as 2024.
        std::string any;
        for (const auto& v : values) {
          auto d = core::Date::try_parse(v);
          if (!d)
            throw core::InputError(name,
                                   "\"" + v + "\" is not a date (YYYY, YYYY-MM or YYYY-MM-DD)");
          any += (any.empty() ? "" : " OR ") +
                 overlaps(col, d->first_day().to_string(), d->last_day().to_string(), params);
        }
        sql += " AND (" + any + ")";
        continue;
      }
      if (f && f->type == FieldType::EnumSet) {
        // An enum set matches when it holds any of the values.
        std::string any;
        for (const auto& v : values) {
          any += (any.empty() ? "" : " OR ") + std::string("instr(',' || ") + col +
                 " || ',', ',' || ? || ',') > 0";
          params.emplace_back(v);
        }
        sql += " AND (" + any + ")";
        continue;
      }
      std::string marks;
      for (const auto& v : values) {
        marks += marks.empty() ? "?" : ", ?";
        if (f && f->type == FieldType::Boolean)
          params.emplace_back(where_boolean(name, v));
        else
          params.emplace_back(v);  // numeric columns convert text by affinity
      }
      sql += " AND " + col + " IN (" + marks + ")";
    }
    return sql + " ORDER BY t.fid";
  }

  static AuditEntry read_audit(const Stmt& s) {
    AuditEntry e;
    e.seq = s.column_int(0);
    e.ts = s.column_text(1);
    e.actor = s.column_text(2);
    e.entity = s.column_text(3);
    e.entity_id = s.column_text(4);
    e.action = s.column_text(5);
    e.reason = s.column_text(6);
    e.before = s.column_text(7);
    e.after = s.column_text(8);
    e.prev_hash = s.column_text(9);
    e.hash = s.column_text(10);
    return e;
  }

  // m_db first: destroyed last, after every statement is finalised.
  Db m_db;
  std::string m_path;
  bool m_read_only = false;
  bool m_refuse_writes = false;  // set_read_only(): the file is writable, writes are refused
  std::string m_now;             // the time of the open transaction
  int m_depth = 0;
  std::map<std::string, core::Envelope, std::less<>> m_touched;
  // Id counters raised in the open transaction, written at commit. A savepoint
  // rolled back may leave one ahead of the ids really used: ids only skip a number.
  std::map<const EntitySpec*, std::int64_t> m_counters;
  std::map<std::string, TableStmts, std::less<>> m_tables;
  std::unique_ptr<Stmt> m_counter_get, m_counter_set, m_audit_insert, m_status_insert,
      m_contents_update, m_data_version;
  std::uint64_t m_commits = 0;  // transactions committed by this connection
};

std::unique_ptr<GpkgBackend> create(const std::string& path, int version) {
  std::unique_ptr<GpkgBackend> b;
  try {
    b = std::make_unique<GpkgBackend>(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    b->configure();
    Db& db = b->db();
    db.exec("PRAGMA journal_mode = WAL");
    // One transaction: a file is a complete store or not there at all.
    db.exec("BEGIN IMMEDIATE");
    db.exec("PRAGMA application_id = " + std::to_string(kGpkgApplicationId) +
            "; PRAGMA user_version = " + std::to_string(kGpkgUserVersion) + ";");
    create_schema(db, version);
    db.exec("COMMIT");
  } catch (...) {
    b.reset();
    remove_store_files(path);
    throw;
  }
  return b;
}

// A path as the path of an SQLite URI ("file:" + this): the characters a URI gives a
// meaning to, percent-encoded.
std::string uri_path(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '?' || c == '#' || c == '%') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::unique_ptr<GpkgBackend> open_existing(const std::string& path,
                                           const std::vector<Migration>& list, int version) {
  // A file this process may not write (a copy on read-only media, a store of another
  // user) is still read: without a -shm file beside a WAL store that cannot be created,
  // SQLite reads it only as immutable.
  const auto folder = std::filesystem::absolute(path).parent_path();
  const bool writable = access(path.c_str(), W_OK) == 0 && access(folder.c_str(), W_OK) == 0;
  std::unique_ptr<GpkgBackend> b;
  if (writable) {
    b = std::make_unique<GpkgBackend>(path, SQLITE_OPEN_READWRITE);
  } else {
    try {
      b = std::make_unique<GpkgBackend>(path, SQLITE_OPEN_READONLY);
      Stmt probe(b->db(), "SELECT count(*) FROM sqlite_master");
      probe.step();
    } catch (const SqliteError&) {
      b = std::make_unique<GpkgBackend>("file:" + uri_path(path) + "?immutable=1",
                                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    }
  }
  Db& db = b->db();
  std::int64_t app_id = 0;
  bool has_meta = false;
  try {
    Stmt id(db, "PRAGMA application_id");
    if (id.step()) app_id = id.column_int(0);
    Stmt meta(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    meta.bind_text(1, kMetaTable);
    has_meta = meta.step();
  } catch (const SqliteError& e) {
    // A file that is no database at all (a text file given as STORE) is bad input;
    // a database that cannot be read (I/O, locked) a failure.
    if ((e.code() & 0xff) == SQLITE_NOTADB)
      throw core::InputError(path, "not a minemap GeoPackage (not an SQLite database)");
    throw core::StorageError(path + ": cannot be read as a GeoPackage: " + e.what());
  }
  if (app_id != kGpkgApplicationId)
    throw core::InputError(path, "not a minemap GeoPackage (application_id is not 'GPKG')");
  if (!has_meta)
    throw core::InputError(
        path, "a GeoPackage, but not a minemap store (no " + std::string(kMetaTable) + " table)");
  b->configure();
  if (b->read_only()) {
    if (read_schema_version(db) != version)
      throw core::StorageError(path + ": the store needs an upgrade to schema " +
                               std::to_string(version) + ", and it cannot be written");
  } else {
    db.exec("PRAGMA journal_mode = WAL");
    migrate(db, list, version);
  }
  check_columns(db);
  return b;
}

}  // namespace

int schema_version() {
  return kSchemaVersion;
}

std::unique_ptr<Backend> open_gpkg_with(const std::string& path, OpenMode mode,
                                        const std::vector<Migration>& list, int target) {
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  if (ec) throw core::StorageError(path + ": " + ec.message());
  if (mode == OpenMode::Create && exists) throw core::Conflict(path + ": the file exists already");
  if (mode == OpenMode::OpenExisting && !exists) throw core::NotFound(path + ": no such file");
  if (!exists) return create(path, target);
  return open_existing(path, list, target);
}

std::unique_ptr<Backend> open_gpkg(const std::string& path, OpenMode mode) {
  return open_gpkg_with(path, mode, migrations(), kSchemaVersion);
}

}  // namespace minemap::store::gpkg
