// The server store: a Backend over PostgreSQL + PostGIS, through the libpq wrapper
// (libpq.hpp). Schema in schema.cpp. It mirrors the GeoPackage backend
// (gpkg/gpkg_backend.cpp) call for call; where PostgreSQL differs (a failed statement
// aborts the whole transaction, sequences are not rolled back), the comments say how.
#include "store/pg/pg_backend.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <thread>
#include <unordered_set>
#include <variant>

#include "core/date.hpp"
#include "core/errors.hpp"
#include "geo/wkb.hpp"
#include "store/crypto.hpp"
#include "store/pg/libpq.hpp"
#include "store/pg/schema.hpp"

namespace minemap::store::pg {
namespace {

using core::EntitySpec;
using core::FieldSpec;
using core::FieldType;
using core::Record;
using core::Value;

constexpr int kBatch = 10000;  // rows per FETCH of a cursor
constexpr std::string_view kAuditColumns =
    "seq, ts, actor, entity, entity_id, action, reason, \"before\", \"after\", prev_hash, hash";

std::string entity_label(const EntitySpec& spec, const std::string& id) {
  return std::string(spec.name) + " \"" + id + "\"";
}

// A parameter's placeholder: the value appended to `params`, its $n returned.
std::string param(Params& params, Param v) {
  params.push_back(std::move(v));
  return "$" + std::to_string(params.size());
}

std::string geometry_select(std::string_view alias) {
  return "encode(ST_AsBinary(" + std::string(alias) + quote_id(kGeomColumn) + "), 'hex')";
}

// Record columns of a SELECT, in the order read_record expects:
// id, workflow, deleted, [geom as hex WKB], then one per field.
std::string select_list(const EntitySpec& spec, std::string_view alias) {
  std::string a(alias);
  std::string out = a + "id, " + a + "workflow, " + a + "deleted";
  if (spec.spatial()) out += ", " + geometry_select(alias);
  for (const auto& f : spec.fields) out += ", " + a + quote_id(f.name);
  return out;
}

// The placeholder of a field's value, typed as its column.
std::string typed(const FieldSpec& f, int n) {
  std::string p = "$" + std::to_string(n);
  switch (f.type) {
    case FieldType::Integer: return p + "::bigint";
    case FieldType::Real: return p + "::double precision";
    case FieldType::Boolean: return p + "::boolean";
    default: return p + "::text";
  }
}

std::string geometry_param(int n) {
  return "ST_GeomFromWKB(decode($" + std::to_string(n) + ", 'hex'), " + std::to_string(kWgs84) +
         ")";
}

// Parameters shared by INSERT and UPDATE: $1 id, $2 workflow, [$3 geom], fields.
std::string insert_sql(const EntitySpec& spec) {
  std::string cols = "id, workflow";
  std::string vals = "$1, $2";
  int n = 2;
  if (spec.spatial()) {
    cols += ", " + quote_id(kGeomColumn);
    vals += ", " + geometry_param(++n);
  }
  for (const auto& f : spec.fields) {
    cols += ", " + quote_id(f.name);
    vals += ", " + typed(f, ++n);
  }
  // A duplicate id inserts nothing rather than failing: a failed statement would abort
  // the whole transaction, where the registry goes on with the next id.
  return "INSERT INTO " + quote_id(spec.table) + " (" + cols + ", created, updated) VALUES (" +
         vals + ", now(), now()) ON CONFLICT (id) DO NOTHING";
}

std::string update_sql(const EntitySpec& spec) {
  std::string set = "workflow = $2";
  int n = 2;
  if (spec.spatial()) set += ", " + quote_id(kGeomColumn) + " = " + geometry_param(++n);
  for (const auto& f : spec.fields) set += ", " + quote_id(f.name) + " = " + typed(f, ++n);
  return "UPDATE " + quote_id(spec.table) + " SET " + set + ", updated = now() WHERE id = $1";
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

// A value as its field's column reads it; a value of another type is a bug upstream
// (validate() normalises types), so it is refused, not guessed at.
Param value_param(const FieldSpec& f, const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  switch (f.type) {
    case FieldType::Integer:
      if (auto p = std::get_if<std::int64_t>(&v)) return std::to_string(*p);
      break;
    case FieldType::Real:
      if (auto p = std::get_if<double>(&v)) return number_text(*p);
      if (auto p = std::get_if<std::int64_t>(&v)) return number_text(static_cast<double>(*p));
      break;
    case FieldType::Boolean:
      if (auto p = std::get_if<bool>(&v)) return std::string(*p ? "true" : "false");
      break;
    case FieldType::Text:
    case FieldType::Date:
    case FieldType::Enum:
    case FieldType::EnumSet:
    case FieldType::Ref:
      if (auto p = std::get_if<std::string>(&v)) return *p;
      break;
  }
  wrong_type(f, kind_of(v));
}

Value read_value(const Result& r, int row, int col, FieldType t) {
  switch (t) {
    case FieldType::Integer: return r.integer(row, col);
    case FieldType::Real: return r.real(row, col);
    case FieldType::Boolean: return r.boolean(row, col);
    default: return r.text(row, col);
  }
}

std::string wkb_of_hex(std::string_view hex) {
  auto bytes = crypto::from_hex(hex);
  if (!bytes) throw core::InputError("geometry", "the server sent no hex WKB");
  return *bytes;
}

// The first point of ISO WKB (a Point's, a MultiPoint's first; nullopt for other types), a
// 2D Point read without building a geometry: geo::first_point_of_gpkg_blob's reading.
std::optional<core::Coord> first_point_of_wkb(std::string_view wkb) {
  if (wkb.size() == 21 && (wkb[0] == 0 || wkb[0] == 1)) {
    const bool little = wkb[0] == 1;
    std::uint32_t type = 0;
    for (int i = 0; i < 4; ++i) {
      const auto byte = static_cast<std::uint32_t>(static_cast<unsigned char>(wkb[1 + i]));
      type |= little ? byte << (8 * i) : byte << (8 * (3 - i));
    }
    if (type == 1) {
      auto read = [&](std::size_t at) {
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) {
          const auto byte = static_cast<std::uint64_t>(static_cast<unsigned char>(wkb[at + i]));
          bits |= little ? byte << (8 * i) : byte << (8 * (7 - i));
        }
        double d = 0;
        static_assert(sizeof d == sizeof bits);
        std::memcpy(&d, &bits, sizeof d);
        return d;
      };
      const core::Coord c{read(5), read(13)};
      if (!std::isnan(c.x) && !std::isnan(c.y)) return c;
    }
  }
  core::Geometry g = geo::from_wkb(wkb);
  if (g.points.empty()) return std::nullopt;
  return g.points[0];
}

// The accepted spellings of a boolean in a `where` filter.
bool where_boolean(const std::string& field, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  throw core::InputError(field, "\"" + v + "\" is not a boolean (true or false)");
}

// A number typed as `where` text, as SQLite's numeric affinity reads it (spaces around
// allowed); nullopt when it is no number, which then matches no row.
std::optional<std::string> where_number(const std::string& v) {
  std::size_t b = v.find_first_not_of(" \t\n\r"), e = v.find_last_not_of(" \t\n\r");
  if (b == std::string::npos) return std::nullopt;
  std::string t = v.substr(b, e - b + 1);
  auto d = parse_real(t);
  if (!d || !std::isfinite(*d)) return std::nullopt;
  return t;
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

std::string format_id(std::string_view prefix, std::int64_t n) {
  std::string digits = std::to_string(n);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return std::string(prefix) + "-" + digits;
}

// A row of Backend::scan read straight from a FETCH's result.
class ResultRow : public ScanRow {
 public:
  ResultRow(const EntitySpec& spec, const std::string& location)
      : m_spec(spec), m_location(location) {}
  void set(const Result& r, int row) {
    m_res = &r;
    m_row = row;
  }
  std::optional<std::string_view> text(int i) const override {
    if (m_res->is_null(m_row, i)) return std::nullopt;
    return m_res->view(m_row, i);
  }
  // A column of another type reads as SQLite's would: a real truncated, text as 0.
  std::optional<double> real(int i) const override {
    if (m_res->is_null(m_row, i)) return std::nullopt;
    return parse_real(m_res->view(m_row, i)).value_or(0);
  }
  std::optional<std::int64_t> integer(int i) const override {
    if (m_res->is_null(m_row, i)) return std::nullopt;
    const auto v = m_res->view(m_row, i);
    if (auto n = parse_integer(v)) return n;
    auto d = parse_real(v);
    return d && std::isfinite(*d) ? static_cast<std::int64_t>(*d) : 0;
  }
  bool geometry(int i, core::Geometry& g) const override {
    if (m_res->is_null(m_row, i)) {
      g = {};
      return false;
    }
    try {
      g = geo::from_wkb(wkb_of_hex(m_res->view(m_row, i)));
    } catch (const core::InputError& e) {
      throw unreadable(e);
    }
    return !g.empty();
  }
  std::optional<core::Coord> point(int i) const override {
    if (m_res->is_null(m_row, i)) return std::nullopt;
    try {
      return first_point_of_wkb(wkb_of_hex(m_res->view(m_row, i)));
    } catch (const core::InputError& e) {
      throw unreadable(e);
    }
  }

 private:
  core::StorageError unreadable(const core::InputError& e) const {
    return core::StorageError(m_location + ": a row of " + std::string(m_spec.name) +
                              ": stored geometry is unreadable: " + e.what());
  }
  const EntitySpec& m_spec;
  const std::string& m_location;
  const Result* m_res = nullptr;
  int m_row = 0;
};

class PgBackend final : public Backend {
 public:
  explicit PgBackend(const std::string& target) : m_db(target), m_location(m_db.location()) {}

  // Every commit that wrote sends a notification on kChangesChannel, delivered to every
  // connection that listens (this one too): other processes' writes (another `serve`, an
  // import) are known here without asking the database at each request.
  // A standby cannot listen; it follows the replay position instead (data_version).
  void listen() {
    if (!m_in_recovery) m_db.script("LISTEN " + std::string(kChangesChannel));
  }

  std::optional<std::int64_t> data_version() override {
    if (m_db.in_transaction()) return m_version;
    if (m_in_recovery) {
      // A standby: notifications are not replicated, but every commit replayed moves the
      // replay position (one short query).
      Result r = m_db.exec("SELECT pg_last_wal_replay_lsn()::text", {}, true);
      const std::int64_t at = static_cast<std::int64_t>(std::hash<std::string>{}(r.text(0, 0)));
      if (at != m_replayed) {
        m_replayed = at;
        ++m_version;
      }
      return m_version;
    }
    m_version += m_db.take_notifications(kChangesChannel);
    return m_version;
  }

  void set_read_only() override { m_read_only = true; }

  Connection& db() { return m_db; }

  // A replica in recovery, a session that may not write, or a role without INSERT on
  // the audit: every write is refused up front, as for a GeoPackage that cannot be
  // written.
  void detect_read_only() {
    Result r = m_db.exec(
        "SELECT pg_is_in_recovery() OR current_setting('default_transaction_read_only') = 'on' "
        "OR NOT has_table_privilege('audit', 'INSERT'), pg_is_in_recovery()");
    m_read_only = r.boolean(0, 0);
    m_in_recovery = r.boolean(0, 1);
  }

  void transaction(const std::function<void()>& fn) override {
    if (m_depth > 0) return savepoint(fn);
    refuse_if_read_only();
    if (m_db.in_transaction()) {
      // Inside a read of this connection (a callback of a scan, run in a transaction of
      // its own): the writes are a savepoint of it, committed when the read ends.
      m_db.script("SAVEPOINT minemap_write");
      ++m_depth;
      try {
        lock();
        fn();
      } catch (...) {
        --m_depth;
        rollback_quietly("ROLLBACK TO SAVEPOINT minemap_write; RELEASE SAVEPOINT minemap_write");
        throw;
      }
      --m_depth;
      m_db.script("RELEASE SAVEPOINT minemap_write; NOTIFY " + std::string(kChangesChannel));
      return;
    }
    // The work runs in a savepoint of the transaction, so that a failure (a statement
    // that failed leaves the transaction refusing all others) is undone with the lock
    // still held: the id sequences are then set back as they were, and ids are given
    // again as the GeoPackage's counters give them after a rollback.
    m_sequences.clear();
    m_db.script("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) +
                "); SAVEPOINT minemap_tx");
    m_depth = 1;
    try {
      fn();
      commit();
    } catch (...) {
      m_depth = 0;
      undo();
      throw;
    }
    m_depth = 0;
    m_sequences.clear();
  }

  // One snapshot for every statement of fn; writers go on, unseen.
  void read_snapshot(const std::function<void()>& fn) override {
    if (m_depth > 0 || m_db.in_transaction()) return fn();
    m_db.script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      fn();
    } catch (...) {
      rollback_quietly("ROLLBACK");
      throw;
    }
    m_db.script("COMMIT");
  }

  // A sequence per entity: ids never collide between connections. A transaction that
  // fails sets it back (undo()), as the GeoPackage's counter is rolled back; a savepoint
  // rolled back leaves it ahead, as there: ids only skip a number.
  std::string next_id(const EntitySpec& spec) override {
    if (loading(spec)) {
      if (m_bulk->next == m_bulk->end) reserve_ids(spec);
      return format_id(spec.id_prefix, m_bulk->next++);
    }
    std::string id;
    write([&] {
      const std::string seq = quote_id(counter_name(spec));
      remember(seq);
      Result r = m_db.exec("SELECT nextval(" + quote_text(seq) + ")", {}, true);
      id = format_id(spec.id_prefix, r.integer(0, 0));
    });
    return id;
  }

  std::optional<Record> get(const EntitySpec& spec, const std::string& id,
                            bool include_deleted) override {
    settle(&spec);
    Result r = m_db.exec(
        "SELECT " + select_list(spec, "") + " FROM " + quote_id(spec.table) + " WHERE id = $1",
        {id}, true);
    if (r.rows() == 0) return std::nullopt;
    if (!include_deleted && r.boolean(0, 2)) return std::nullopt;
    return read_record(r, 0, spec);
  }

  std::optional<DeletedState> deleted_state(const EntitySpec& spec,
                                            const std::string& id) override {
    // An id the load holds for its next COPY is taken; any other is asked of the table,
    // which the pending rows do not change.
    if (loading(spec) && m_bulk->ids.count(id)) return DeletedState{};
    Result r =
        m_db.exec("SELECT deleted, deleted_reason FROM " + quote_id(spec.table) + " WHERE id = $1",
                  {id}, true);
    if (r.rows() == 0) return std::nullopt;
    return DeletedState{r.boolean(0, 0), r.text(0, 1)};
  }

  void insert(const EntitySpec& spec, const Record& r) override {
    check_record(spec, r);
    if (loading(spec)) return load_row(spec, r);
    write([&] {
      Result res = m_db.exec(insert_sql(spec), record_params(spec, r), true);
      if (res.affected() == 0)
        throw core::Conflict("id: " + entity_label(spec, r.id) + " exists already");
      if (auto n = id_number(spec, r.id); n && *n > 0) raise_counter(spec, *n);
    });
  }

  void replace(const EntitySpec& spec, const Record& r) override {
    settle(&spec);
    check_record(spec, r);
    write([&] {
      Result res = m_db.exec(update_sql(spec), record_params(spec, r), true);
      if (res.affected() == 0) throw core::NotFound(entity_label(spec, r.id) + " not found");
    });
  }

  void set_deleted(const EntitySpec& spec, const std::string& id, bool deleted,
                   const std::string& reason) override {
    settle(&spec);
    write([&] {
      Result res = m_db.exec(
          "UPDATE " + quote_id(spec.table) +
              " SET deleted = $2::boolean, deleted_reason = $3, updated = "
              "now() WHERE id = $1",
          {id, std::string(deleted ? "true" : "false"), deleted ? Param(reason) : std::nullopt},
          true);
      if (res.affected() == 0) throw core::NotFound(entity_label(spec, id) + " not found");
    });
  }

  void for_each(const EntitySpec& spec, const ListQuery& q,
                const std::function<void(const Record&)>& fn) override {
    settle(&spec);
    Params params;
    std::string sql = list_sql(spec, q, params, select_list(spec, "t."), true);
    rows(sql, params, q, spec, 3, [&](const Result& r, int i, core::Geometry* g) {
      Record rec = read_record(r, i, spec, /*geometry=*/g == nullptr);
      if (g) rec.geometry = std::move(*g);
      fn(rec);
    });
  }

  void for_each_geometry(
      const EntitySpec& spec, const ListQuery& q,
      const std::function<void(const std::string&, const core::Geometry&)>& fn) override {
    settle(&spec);
    if (!spec.spatial())
      throw core::InputError("entity", std::string(spec.name) + " have no geometry");
    Params params;
    std::string sql = list_sql(spec, q, params, "t.id, " + geometry_select("t."), true);
    core::Geometry geom;
    rows(sql, params, q, spec, 1, [&](const Result& r, int i, core::Geometry* g) {
      std::string id = r.text(i, 0);
      if (g)
        geom = std::move(*g);
      else
        geom = r.is_null(i, 1) ? core::Geometry{} : read_geometry(r.view(i, 1), spec, id);
      fn(id, geom);
    });
  }

  TextWidths text_widths(const EntitySpec& spec, const ListQuery& q,
                         const std::vector<std::string>& columns) override {
    settle(&spec);
    // One aggregate over the rows for_each would read (a bbox's near misses counted):
    // the bytes of each value's text, as read_record gives it (a boolean as SQLite's 0 or 1;
    // a real as PostgreSQL writes it, which may differ from SQLite's text in its last
    // digits).
    std::string select = "count(*)";
    for (const auto& c : columns) {
      const FieldSpec* f = spec.field(c);
      if (c != "id" && c != core::kWorkflowField && !f)
        throw core::InputError(c, "no such field in " + std::string(spec.name));
      const std::string col = "t." + quote_id(c);
      if (f && f->type == FieldType::Boolean)
        select += ", coalesce(max(CASE WHEN " + col + " IS NULL THEN NULL ELSE 1 END), 0)";
      else
        select += ", coalesce(max(octet_length(" + col + "::text)), 0)";
    }
    Params params;
    Result r = m_db.exec(list_sql(spec, q, params, select, false, false), params);
    TextWidths w;
    if (r.rows() == 0) return w;
    w.rows = r.integer(0, 0);
    for (std::size_t i = 0; i < columns.size(); ++i)
      w.bytes.push_back(static_cast<std::size_t>(r.integer(0, static_cast<int>(i) + 1)));
    return w;
  }

  void scan(const EntitySpec& spec, const ListQuery& q, const std::vector<std::string>& columns,
            const std::function<void(const ScanRow&)>& fn) override {
    settle(&spec);
    if (columns.empty()) throw core::InputError("columns", "no column to read");
    std::string cols;
    for (const auto& c : columns) {
      const FieldSpec* f = spec.field(c);
      if (c != "id" && c != "workflow" && !(c == kGeomColumn && spec.spatial()) && !f)
        throw core::InputError(c, "no such column in " + std::string(spec.name));
      cols += cols.empty() ? "" : ", ";
      if (c == kGeomColumn)
        cols += geometry_select("t.");
      else if (f && f->type == FieldType::Boolean)  // 0 or 1, as SQLite keeps it
        cols += "t." + quote_id(c) + "::int";
      else
        cols += "t." + quote_id(c);
    }
    // The exact box test needs the geometry: a bbox query reads it too, last.
    int geom = -1;
    if (q.bbox) {
      geom = static_cast<int>(columns.size());
      cols += ", " + geometry_select("t.");
    }
    Params params;
    std::string sql = list_sql(spec, q, params, cols, true);
    ResultRow row(spec, m_location);
    rows(sql, params, q, spec, geom, [&](const Result& r, int i, core::Geometry*) {
      row.set(r, i);
      fn(row);
    });
  }

  std::int64_t count(const EntitySpec& spec, bool include_deleted) override {
    settle(&spec);
    Result r = m_db.exec("SELECT count(*) FROM " + quote_id(spec.table) +
                         (include_deleted ? "" : " WHERE NOT deleted"));
    return r.integer(0, 0);
  }

  std::optional<AuditEntry> last_audit() override {
    settle(nullptr);
    Result r = m_db.exec(
        "SELECT " + std::string(kAuditColumns) + " FROM audit ORDER BY seq DESC LIMIT 1", {}, true);
    if (r.rows() == 0) return std::nullopt;
    return read_audit(r, 0);
  }

  // An entry without seq (0) is numbered after the last, as SQLite numbers an INTEGER
  // PRIMARY KEY left null; one with a seq keeps it.
  void append_audit(const AuditEntry& e) override {
    if (m_bulk && e.seq > 0) return load_audit(e);
    settle(nullptr);
    write([&] {
      Result r = m_db.exec(
          "INSERT INTO audit (" + std::string(kAuditColumns) +
              ") VALUES (coalesce($1::bigint, (SELECT coalesce(max(seq), 0) + 1 FROM audit)), $2, "
              "$3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (seq) DO NOTHING",
          {e.seq > 0 ? Param(std::to_string(e.seq)) : std::nullopt, e.ts, e.actor, e.entity,
           e.entity_id, e.action, e.reason, e.before, e.after, e.prev_hash, e.hash},
          true);
      if (r.affected() == 0)
        throw core::Conflict("audit entry " + std::to_string(e.seq) +
                             " exists already (another writer?)");
    });
  }

  std::vector<AuditEntry> audit(const std::string& entity, const std::string& id) override {
    settle(nullptr);
    std::string sql = "SELECT " + std::string(kAuditColumns) + " FROM audit";
    Params params;
    if (!entity.empty()) {
      sql += " WHERE entity = $1";
      params.emplace_back(entity);
      if (!id.empty()) {
        sql += " AND entity_id = $2";
        params.emplace_back(id);
      }
    }
    Result r = m_db.exec(sql + " ORDER BY seq", params, true);
    std::vector<AuditEntry> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_audit(r, i));
    return out;
  }

  void for_each_audit(const std::function<void(const AuditEntry&)>& fn) override {
    settle(nullptr);
    streamed("SELECT " + std::string(kAuditColumns) + " FROM audit ORDER BY seq", {},
             [&](const Result& r, int i) {
               fn(read_audit(r, i));
               return true;
             });
  }

  std::optional<AuditEntry> audit_entry(std::int64_t seq) override {
    settle(nullptr);
    Result r =
        m_db.exec("SELECT " + std::string(kAuditColumns) + " FROM audit WHERE seq = $1::bigint",
                  {std::to_string(seq)}, true);
    if (r.rows() == 0) return std::nullopt;
    return read_audit(r, 0);
  }

  std::int64_t audit_count() override {
    settle(nullptr);
    return m_db.exec("SELECT count(*) FROM audit").integer(0, 0);
  }

  // Rows are numbered after the last, under the write lock, as SQLite's AUTOINCREMENT
  // numbers them: a rolled-back row's number is used again, so the numbers (which the
  // audit records) have no gaps.
  std::int64_t append_status(const std::string& hazard_id, const StatusChange& c) override {
    std::int64_t row = 0;
    write([&] {
      Result r = m_db.exec(
          "INSERT INTO hazard_status (fid, hazard_id, \"date\", status, reason) VALUES ((SELECT "
          "coalesce(max(fid), 0) + 1 FROM hazard_status), $1, $2, $3, $4) RETURNING fid",
          {hazard_id, c.date, c.status, c.reason}, true);
      row = r.integer(0, 0);
    });
    return row;
  }

  std::vector<StatusChange> status_history(const std::string& hazard_id) override {
    Result r = m_db.exec(
        "SELECT \"date\", status, reason FROM hazard_status WHERE hazard_id = $1 ORDER BY fid",
        {hazard_id}, true);
    std::vector<StatusChange> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2)});
    return out;
  }

  void for_each_status(const std::function<void(std::int64_t, const std::string&,
                                                const StatusChange&)>& fn) override {
    streamed(
        "SELECT fid, hazard_id, \"date\", status, reason FROM hazard_status ORDER BY fid", {},
        [&](const Result& r, int i) {
          fn(r.integer(i, 0), r.text(i, 1), StatusChange{r.text(i, 2), r.text(i, 3), r.text(i, 4)});
          return true;
        });
  }

  void for_each_row(const EntitySpec& spec,
                    const std::function<void(const StoredRow&)>& fn) override {
    settle(&spec);
    const int reason_col = 3 + (spec.spatial() ? 1 : 0) + static_cast<int>(spec.fields.size());
    StoredRow row;
    streamed("SELECT " + select_list(spec, "") + ", deleted_reason FROM " + quote_id(spec.table) +
                 " ORDER BY fid",
             {}, [&](const Result& r, int i) {
               row.problem.clear();
               try {
                 row.record = read_record(r, i, spec);
               } catch (const core::StorageError& e) {
                 // Read it again without the geometry, so that the rest is still compared.
                 row.record = read_record(r, i, spec, /*geometry=*/false);
                 row.problem = e.what();
               }
               row.state.deleted = r.boolean(i, 2);
               row.state.reason = r.text(i, reason_col);
               fn(row);
               return true;
             });
  }

  // Numbered CP-000001 ... in the order added, as the GeoPackage numbers them.
  void add_checkpoint(Checkpoint& c) override {
    settle(nullptr);
    write([&] {
      const std::int64_t n =
          m_db.exec("SELECT coalesce(max(fid), 0) + 1 FROM checkpoints").integer(0, 0);
      const std::string id = format_id("CP", n);
      m_db.exec(
          "INSERT INTO checkpoints (fid, id, seq, hash, ts, store_id, public_key, signature) "
          "VALUES ($1::bigint, $2, $3::bigint, $4, $5, $6, $7, $8)",
          {std::to_string(n), id, std::to_string(c.seq), c.hash, c.time, c.store_id, c.public_key,
           c.signature});
      c.id = id;
    });
  }

  std::vector<Checkpoint> checkpoints() override {
    settle(nullptr);
    Result r = m_db.exec(
        "SELECT id, seq, hash, ts, store_id, public_key, signature FROM checkpoints ORDER BY fid");
    std::vector<Checkpoint> out;
    for (int i = 0; i < r.rows(); ++i)
      out.push_back({r.text(i, 0), r.integer(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4),
                     r.text(i, 5), r.text(i, 6)});
    return out;
  }

  std::string store_id() override {
    Result r = m_db.exec("SELECT value FROM minemap_meta WHERE key = 'store_id'");
    return r.rows() ? r.text(0, 0) : std::string();
  }

  void set_store_id(const std::string& id) override {
    write([&] { m_db.exec("UPDATE minemap_meta SET value = $1 WHERE key = 'store_id'", {id}); });
  }

  std::vector<std::string> audit_protection_problems() override {
    return protection_problems(m_db);
  }

  // Settings are rows of minemap_meta under "setting.".
  std::optional<std::string> setting(const std::string& key) override {
    Result r = m_db.exec("SELECT value FROM minemap_meta WHERE key = $1", {"setting." + key}, true);
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
  }

  void put_setting(const std::string& key, const std::string& value) override {
    write([&] {
      m_db.exec(
          "INSERT INTO minemap_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET "
          "value = excluded.value",
          {"setting." + key, value});
    });
  }

  std::vector<std::pair<std::string, std::string>> settings() override {
    // Byte order (COLLATE "C"), as SQLite sorts text.
    Result r = m_db.exec(
        "SELECT substr(key, 9), value FROM minemap_meta WHERE key LIKE 'setting.%' ORDER BY key "
        "COLLATE \"C\"");
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), r.text(i, 1));
    return out;
  }

  void put_user(const User& u, bool create) override {
    write([&] {
      Params p = {u.name, u.role, u.password_hash, u.created,
                  std::string(u.disabled ? "true" : "false")};
      const std::string sql =
          "INSERT INTO users (name, role, password_hash, created, disabled) VALUES ($1, $2, $3, "
          "$4, $5::boolean) ON CONFLICT (name) DO ";
      if (create) {
        if (m_db.exec(sql + "NOTHING", p).affected() == 0)
          throw core::Conflict("user \"" + u.name + "\" exists");
      } else {
        m_db.exec(sql +
                      "UPDATE SET role = excluded.role, password_hash = excluded.password_hash, "
                      "created = excluded.created, disabled = excluded.disabled",
                  p);
      }
    });
  }

  std::optional<User> user(const std::string& name) override {
    Result r =
        m_db.exec("SELECT name, role, password_hash, created, disabled FROM users WHERE name = $1",
                  {name}, true);
    if (r.rows() == 0) return std::nullopt;
    return read_user(r, 0);
  }

  std::vector<User> users() override {
    Result r = m_db.exec(
        "SELECT name, role, password_hash, created, disabled FROM users ORDER BY name COLLATE "
        "\"C\"");
    std::vector<User> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r, i));
    return out;
  }

  std::string location() const override { return m_location; }
  bool read_only() const override { return m_read_only; }

  // The rows of the entity loaded, and their audit entries, go to the server by COPY,
  // some thousands at a time (kCopyBytes), rather than a statement each; ids come from
  // blocks reserved from the entity's sequence. A statement that reads the rows held (a
  // lookup of the same table, the audit) sends them first, so every read sees them.
  //
  // A load at least as large as the table (or the audit) already is, made while no other
  // session is connected to the database, drops the table's spatial and plain indexes and
  // its references first and makes them again at the end: one sort and one check of all rows cost
  // less than keeping them row by row (as pg_restore loads). The drop locks the table until the
  // load commits, which is why another session (a `serve`) keeps them in place.
  void bulk_load(const EntitySpec& spec, std::int64_t expected_rows,
                 const std::function<void()>& fn) override {
    refuse_if_read_only();
    if (m_depth > 0 || m_bulk) return transaction(fn);
    transaction([&] {
      m_bulk.emplace();
      m_bulk->spec = &spec;
      // Ids for the whole load at once where its size is known: a reservation is a
      // statement, which would wait for the rows on their way (Connection::wait).
      m_bulk->block = std::clamp<std::int64_t>(expected_rows, 1000, 100'000'000);
      // now() as a timestamptz travels in binary COPY: microseconds since 2000-01-01 UTC.
      m_bulk->now_us = m_db.exec(
                               "SELECT ((extract(epoch FROM now()) - 946684800) * 1000000)"
                               "::bigint")
                           .integer(0, 0);
      try {
        std::vector<std::string> remake;
        if (expected_rows > 0 && alone())
          for (const std::string& table : {std::string(spec.table), std::string("audit")})
            if (table == "audit" ? audit_count() <= expected_rows
                                 : count(spec, true) <= expected_rows)
              drop_derived(table, remake);
        fn();
        flush();
        m_db.wait();
        for (const auto& sql : remake) m_db.script(sql);
        if (m_bulk->next < m_bulk->end) {  // ids reserved, not given: back to the sequence
          const std::string seq = quote_id(counter_name(spec));
          m_db.exec("SELECT setval(" + quote_text(seq) + ", $1::bigint, $2::boolean)",
                    {std::to_string(std::max<std::int64_t>(m_bulk->next - 1, 1)),
                     std::string(m_bulk->next > 1 ? "true" : "false")});
        }
      } catch (...) {
        m_bulk.reset();
        throw;
      }
      m_bulk.reset();
    });
  }

  void copy_to(const std::string& /*path*/) override {
    throw core::InputError("STORE",
                           "a PostgreSQL store is not backed up to a file by minemap: use pg_dump, "
                           "or minemap copy STORE FILE.gpkg");
  }

 private:
  void refuse_if_read_only() const {
    if (m_read_only)
      throw core::Forbidden(m_location +
                            ": the store is open read-only (a replica, or a user that may not "
                            "write the audit): reading works, writing does not");
  }

  // A bulk load's rows of `spec` (the entity loaded) and audit entries, held in COPY's
  // binary format until there are kCopyBytes of them or a read needs them sent. Binary
  // spares the server the parsing of text: numbers, hex geometry, escapes.
  struct Pending {
    const EntitySpec* spec = nullptr;
    std::int64_t now_us = 0;              // the transaction's now(): created, updated
    std::string rows, audit;              // COPY's binary tuples, without header and trailer
    std::unordered_set<std::string> ids;  // of the rows held
    std::int64_t next = 0, end = 0;       // ids reserved from the sequence: [next, end)
    std::int64_t block = 0;               // how many ids a reservation takes
    void clear() {
      rows.clear();
      audit.clear();
      ids.clear();
    }
  };
  static constexpr std::size_t kCopyBytes = std::size_t{8} << 20;

  bool loading(const EntitySpec& spec) const { return m_bulk && m_bulk->spec->kind == spec.kind; }

  // Sends what a load holds, before a statement that reads `spec`'s table (nullptr: any
  // table, the audit).
  void settle(const EntitySpec* spec) {
    if (m_bulk && (!spec || loading(*spec))) flush();
  }

  // Hands what the load holds to the connection's sender, which COPYs it while the next
  // rows are made; a statement after it waits for it (Connection::wait).
  void flush() {
    Pending& b = *m_bulk;
    std::vector<std::pair<std::string, std::string>> copies;
    if (!b.rows.empty()) {
      std::string cols = "id, workflow";
      if (b.spec->spatial()) cols += ", " + quote_id(kGeomColumn);
      for (const auto& f : b.spec->fields) cols += ", " + quote_id(f.name);
      copies.emplace_back("COPY " + quote_id(b.spec->table) + " (" + cols +
                              ", created, updated) FROM STDIN (FORMAT binary)",
                          binary_copy(b.rows));
    }
    if (!b.audit.empty())
      copies.emplace_back(
          "COPY audit (" + std::string(kAuditColumns) + ") FROM STDIN (FORMAT binary)",
          binary_copy(b.audit));
    b.clear();
    if (!copies.empty()) m_db.copy_in_background(std::move(copies));
  }

  // COPY's binary format (PostgreSQL's COPY, "Binary Format"): a signature, flags and
  // an empty header extension; tuples of a 16-bit field count, then each field as a
  // 32-bit length (-1: null) and its bytes in the type's binary form; -1 to end. Every
  // integer in network byte order.
  static std::string binary_copy(const std::string& tuples) {
    static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // and its closing 0 byte
    std::string out(kSignature, sizeof kSignature);
    put32(out, 0);  // flags
    put32(out, 0);  // header extension length
    out += tuples;
    put16(out, 0xffff);
    return out;
  }
  static void put16(std::string& out, std::uint16_t v) {
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v & 0xff);
  }
  static void put32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
  }
  static void put64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
  }
  static void put_null(std::string& out) { put32(out, 0xffffffffu); }
  static void put_bytes(std::string& out, std::string_view bytes) {
    if (bytes.size() > 0x7fffffffu) throw core::InputError("value", "longer than 2 GiB");
    put32(out, static_cast<std::uint32_t>(bytes.size()));
    out += bytes;
  }
  static void put_int8(std::string& out, std::int64_t v) {
    put32(out, 8);
    put64(out, static_cast<std::uint64_t>(v));
  }
  // A geometry's binary form is PostGIS's EWKB: ISO WKB with the SRID flag in its type
  // and the SRID after it (WKB little endian: the flag is in the type's last byte).
  static void put_geometry(std::string& out, const core::Geometry& g) {
    static_assert(kWgs84 == 4326);
    std::string wkb = geo::to_wkb(g);
    if (wkb.size() < 5 || wkb[0] != 1) throw std::logic_error("WKB not little endian");
    wkb[4] = static_cast<char>(static_cast<unsigned char>(wkb[4]) | 0x20);
    wkb.insert(5, std::string("\xe6\x10\x00\x00", 4));  // 4326
    put_bytes(out, wkb);
  }
  // A value in its field's column type (value_param's types: another is refused).
  static void put_value(std::string& out, const FieldSpec& f, const Value& v) {
    switch (f.type) {
      case FieldType::Integer:
        if (auto p = std::get_if<std::int64_t>(&v)) return put_int8(out, *p);
        break;
      case FieldType::Real: {
        const auto* d = std::get_if<double>(&v);
        const auto* i = std::get_if<std::int64_t>(&v);
        if (!d && !i) break;
        put32(out, 8);
        put64(out, std::bit_cast<std::uint64_t>(d ? *d : static_cast<double>(*i)));
        return;
      }
      case FieldType::Boolean:
        if (auto p = std::get_if<bool>(&v)) {
          put32(out, 1);
          out += static_cast<char>(*p ? 1 : 0);
          return;
        }
        break;
      case FieldType::Text:
      case FieldType::Date:
      case FieldType::Enum:
      case FieldType::EnumSet:
      case FieldType::Ref:
        if (auto p = std::get_if<std::string>(&v)) return put_bytes(out, *p);
        break;
    }
    value_param(f, v);  // throws, naming the field and the value's type
    throw std::logic_error("value_param took a value put_value did not");
  }

  void load_row(const EntitySpec& spec, const Record& r) {
    Pending& b = *m_bulk;
    if (!b.ids.insert(r.id).second)
      throw core::Conflict("id: " + entity_label(spec, r.id) + " exists already");
    // An id given by the caller past those handed out: the sequence moves past it, as
    // insert() moves it, and the ids reserved up to it are skipped (all of them when it
    // lies past the block, which would otherwise be given back below it at the end).
    if (auto n = id_number(spec, r.id); n && *n >= b.next && *n > 0) {
      raise_counter(spec, *n);
      b.next = std::min(*n + 1, b.end);
    }
    std::string& out = b.rows;
    put16(out, static_cast<std::uint16_t>(2 + (spec.spatial() ? 1 : 0) + spec.fields.size() + 2));
    put_bytes(out, r.id);
    put_bytes(out, r.workflow);
    if (spec.spatial()) {
      const auto& g = r.geometry;
      if (g.type == core::GeomType::None || g.empty())
        put_null(out);
      else
        put_geometry(out, g);
    }
    for (const auto& f : spec.fields) {
      auto it = r.fields.find(f.name);
      if (it == r.fields.end() || std::holds_alternative<std::monostate>(it->second))
        put_null(out);
      else
        put_value(out, f, it->second);
    }
    put_int8(out, b.now_us);  // created
    put_int8(out, b.now_us);  // updated
    if (out.size() >= kCopyBytes) flush();
  }

  void load_audit(const AuditEntry& e) {
    std::string& out = m_bulk->audit;
    put16(out, 11);
    put_int8(out, e.seq);
    for (const std::string* v : {&e.ts, &e.actor, &e.entity, &e.entity_id, &e.action, &e.reason,
                                 &e.before, &e.after, &e.prev_hash, &e.hash})
      put_bytes(out, *v);
    if (out.size() >= kCopyBytes) flush();
  }

  // No other client is connected to this database (the server's own workers, such as
  // autovacuum, give way to the load's locks). A client that has just closed its
  // connection (the `minemap init` before an import) may still be listed for a moment:
  // it is given 250 ms to go.
  bool alone() {
    for (int i = 0;; ++i) {
      if (m_db.exec("SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
              .boolean(0, 0))
        return true;
      if (i == 25) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // Drops the plain indexes and the references of `table`, adding to `remake` the
  // statements that make them again. A partial index (of references) stays: a row
  // outside it (referring to nothing) costs it nothing.
  void drop_derived(const std::string& table, std::vector<std::string>& remake) {
    Result ix = m_db.exec(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index WHERE "
        "indrelid = to_regclass($1) AND NOT indisunique AND NOT indisprimary AND indpred IS NULL",
        {quote_id(table)});
    for (int i = 0; i < ix.rows(); ++i) {
      m_db.script("DROP INDEX " + ix.text(i, 0));
      remake.push_back(ix.text(i, 1));
    }
    Result fk = m_db.exec(
        "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint WHERE "
        "conrelid = to_regclass($1) AND contype = 'f'",
        {quote_id(table)});
    for (int i = 0; i < fk.rows(); ++i) {
      m_db.script("ALTER TABLE " + quote_id(table) + " DROP CONSTRAINT " + fk.text(i, 0));
      remake.push_back("ALTER TABLE " + quote_id(table) + " ADD CONSTRAINT " + fk.text(i, 0) + " " +
                       fk.text(i, 1));
    }
  }

  // The entity sequence's next ids (m_bulk->block of them), for the load to give.
  void reserve_ids(const EntitySpec& spec) {
    const std::string seq = quote_id(counter_name(spec));
    remember(seq);
    Result r = m_db.exec(
        "SELECT setval(" + quote_text(seq) + ", nextval(" + quote_text(seq) + ") + $1::bigint - 1)",
        {std::to_string(m_bulk->block)}, true);
    m_bulk->end = r.integer(0, 0) + 1;
    m_bulk->next = m_bulk->end - m_bulk->block;
  }

  // Writers take turns: the lock is held until the transaction ends.
  void lock() {
    m_db.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")", {}, true);
  }

  // A write outside transaction() gets its own.
  template <class F>
  void write(F&& fn) {
    if (m_depth > 0)
      fn();
    else
      transaction(fn);
  }

  // Nested transactions are savepoints: an inner failure the caller catches undoes the
  // inner work only, and the outer transaction goes on (in PostgreSQL the rollback to the
  // savepoint is also what makes a failed statement's transaction usable again).
  void savepoint(const std::function<void()>& fn) {
    // Rows a load holds are sent first: a rollback to the savepoint undoes what was sent
    // within it, and only that.
    settle(nullptr);
    std::string name = "minemap_sp" + std::to_string(m_depth);
    m_db.script("SAVEPOINT " + name);
    ++m_depth;
    try {
      fn();
    } catch (...) {
      --m_depth;
      rollback_quietly("ROLLBACK TO SAVEPOINT " + name + "; RELEASE SAVEPOINT " + name);
      if (m_bulk) m_bulk->clear();  // held since the savepoint began: undone with it
      throw;
    }
    --m_depth;
    m_db.script("RELEASE SAVEPOINT " + name);
  }

  // Deferred references are checked before the savepoint is released, so that a dangling
  // one is undone as any other failure.
  void commit() {
    try {
      m_db.script("SET CONSTRAINTS ALL IMMEDIATE; RELEASE SAVEPOINT minemap_tx; NOTIFY " +
                  std::string(kChangesChannel) + "; COMMIT");
    } catch (const PgError& e) {
      if (e.sqlstate() == "23503") throw_fk_violation(e);
      throw;
    }
  }

  // Rolls the outermost transaction back, and the sequences it moved with it.
  void undo() {
    if (m_db.in_transaction()) {
      try {
        m_db.script("ROLLBACK TO SAVEPOINT minemap_tx");
        for (const auto& [seq, start] : m_sequences)
          m_db.exec("SELECT setval(" + quote_text(seq) + ", $1::bigint, $2::boolean)",
                    {std::to_string(start.first), std::string(start.second ? "true" : "false")});
      } catch (const std::exception&) {  // the original error is the one to report
      }
    }
    m_sequences.clear();
    rollback_quietly("ROLLBACK");
  }

  // Notes where an entity's sequence stood before the transaction first moved it.
  void remember(const std::string& seq) {
    if (m_sequences.count(seq)) return;
    Result r = m_db.exec("SELECT last_value, is_called FROM " + seq);
    m_sequences.emplace(seq, std::pair{r.integer(0, 0), r.boolean(0, 1)});
  }

  void rollback_quietly(const std::string& sql) {
    if (!m_db.in_transaction()) return;
    try {
      m_db.script(sql);
    } catch (const std::exception&) {  // the original error is the one to report
    }
  }

  // Names the dangling reference, as the GeoPackage backend does: the server's detail
  // reads `Key (hazard_id)=(HZ-000009) is not present in table "hazards".`
  [[noreturn]] void throw_fk_violation(const PgError& e) {
    const std::string& d = e.detail();
    auto open = d.find("Key ("), mid = d.find(")=("), close = d.find(") is not present");
    if (open == std::string::npos || mid == std::string::npos || close == std::string::npos ||
        mid < open || close < mid)
      throw core::StorageError(e.what());
    std::string column = d.substr(open + 5, mid - open - 5);
    std::string value = d.substr(mid + 3, close - mid - 3);
    std::string target;
    if (auto q = d.find("table \"", close); q != std::string::npos)
      target = d.substr(q + 7, d.find('"', q + 7) - q - 7);
    for (const auto& s : core::entities())
      if (s.table == target) target = std::string(s.name);
    throw core::InputError(column, "no " + target + " with id \"" + value + "\" (in " +
                                       (e.table().empty() ? "?" : e.table()) + ")");
  }

  // Runs fn in a transaction: the one open, or one of its own for the read (a cursor
  // lives in a transaction).
  template <class F>
  void reading(F&& fn) {
    if (m_db.in_transaction()) return fn();
    m_db.script("BEGIN");
    try {
      fn();
    } catch (...) {
      rollback_quietly("ROLLBACK");
      throw;
    }
    if (m_db.in_transaction()) m_db.script("COMMIT");
  }

  // Every row of `sql` through a cursor; fn returns false to stop.
  void streamed(const std::string& sql, const Params& params,
                const std::function<bool(const Result&, int)>& fn) {
    reading([&] { m_db.stream(sql, params, fn, kBatch); });
  }

  // The rows of a list query after its paging. With a bbox, the box test is exact here
  // (the index's boxes are float32, rounded outwards: its near misses are dropped) and
  // paging counts the rows that pass it; fn gets the geometry (column `geom_col`) decoded.
  // Without one, paging is the query's own (OFFSET, LIMIT), fn gets no geometry, and a
  // small page is read without a cursor.
  void rows(const std::string& sql, const Params& params, const ListQuery& q,
            const EntitySpec& spec, int geom_col,
            const std::function<void(const Result&, int, core::Geometry*)>& fn) {
    if (!q.bbox) {
      if (q.limit && *q.limit == 0) return;
      if (q.limit && *q.limit > 0 && *q.limit <= kBatch) {
        Result r = m_db.exec(sql, params);
        for (int i = 0; i < r.rows(); ++i) fn(r, i, nullptr);
        return;
      }
      streamed(sql, params, [&](const Result& r, int i) {
        fn(r, i, nullptr);
        return true;
      });
      return;
    }
    std::int64_t skip = q.offset, left = q.limit.value_or(-1);
    if (left == 0) return;
    core::Geometry g;
    streamed(sql, params, [&](const Result& r, int i) {
      g = r.is_null(i, geom_col) ? core::Geometry{}
                                 : read_geometry(r.view(i, geom_col), spec, r.text(i, 0));
      if (!g.envelope().intersects(*q.bbox)) return true;
      if (skip > 0) {
        --skip;
        return true;
      }
      fn(r, i, &g);
      if (left > 0) --left;
      return left != 0;
    });
  }

  // The condition that the date column `col` (ISO 8601, maybe only a year or a month)
  // overlaps the closed interval [from, to] of full dates, as the GeoPackage backend
  // writes it (text comparison in byte order, padded with the latest and earliest month
  // and day).
  static std::string overlaps(const std::string& col, const std::optional<std::string>& from,
                              const std::optional<std::string>& to, Params& params) {
    std::string sql = "(" + col + " IS NOT NULL";
    if (from)
      sql += " AND (" + col + " || substr('-12-31', length(" + col +
             ") - 3)) COLLATE \"C\" >= " + param(params, *from);
    if (to)
      sql += " AND (" + col + " || substr('-01-01', length(" + col +
             ") - 3)) COLLATE \"C\" <= " + param(params, *to);
    return sql + ")";
  }

  // The SELECT of a list; `params` receives its values. `paging`: OFFSET and LIMIT in
  // SQL (without a bbox; with one, rows() pages).
  std::string list_sql(const EntitySpec& spec, const ListQuery& q, Params& params,
                       const std::string& columns, bool paging, bool ordered = true) {
    std::string sql = "SELECT " + columns + " FROM " + quote_id(spec.table) + " AS t WHERE true";
    if (!q.include_deleted) sql += " AND NOT t.deleted";
    if (q.approved_only) sql += " AND t.workflow = 'approved'";
    if (q.bbox) {
      if (!spec.spatial())
        throw core::InputError("bbox", std::string(spec.name) + " have no geometry");
      // The GiST index drives the query; its boxes are rounded outwards, never missing.
      sql += " AND t." + quote_id(kGeomColumn) + " && ST_MakeEnvelope(" +
             param(params, number_text(q.bbox->min_x)) + "::float8, " +
             param(params, number_text(q.bbox->min_y)) + "::float8, " +
             param(params, number_text(q.bbox->max_x)) + "::float8, " +
             param(params, number_text(q.bbox->max_y)) + "::float8, " + std::to_string(kWgs84) +
             ")";
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
        sql += " AND false";
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
        for (const auto& v : values)
          any += (any.empty() ? "" : " OR ") + std::string("strpos(',' || ") + col +
                 " || ',', ',' || " + param(params, v) + "::text || ',') > 0";
        sql += " AND (" + any + ")";
        continue;
      }
      // Numbers compare as numbers (text that is no number matches nothing, as in
      // SQLite), an integer column exactly (numeric), a real one as a double.
      std::string marks;
      for (const auto& v : values) {
        std::string mark;
        if (f && f->type == FieldType::Boolean) {
          mark =
              param(params, std::string(where_boolean(name, v) ? "true" : "false")) + "::boolean";
        } else if (f && (f->type == FieldType::Integer || f->type == FieldType::Real)) {
          auto n = where_number(v);
          if (!n) continue;
          mark = param(params, *n) +
                 (f->type == FieldType::Integer ? "::numeric" : "::double precision");
        } else {
          mark = param(params, v) + "::text";
        }
        marks += (marks.empty() ? "" : ", ") + mark;
      }
      sql += marks.empty() ? " AND false" : " AND " + col + " IN (" + marks + ")";
    }
    if (ordered) sql += " ORDER BY t.fid";
    if (paging && !q.bbox) {
      if (q.offset > 0) sql += " OFFSET " + std::to_string(q.offset);
      if (q.limit && *q.limit >= 0) sql += " LIMIT " + std::to_string(*q.limit);
    }
    return sql;
  }

  // The sequence only grows: to n when n is at or past the next value it would give.
  void raise_counter(const EntitySpec& spec, std::int64_t n) {
    const std::string seq = quote_id(counter_name(spec));
    remember(seq);
    m_db.exec("SELECT setval(" + quote_text(seq) + ", $1::bigint) FROM " + seq +
                  " WHERE CASE WHEN is_called THEN $1::bigint > last_value ELSE $1::bigint >= "
                  "last_value END",
              {std::to_string(n)}, true);
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
                                             upper(geometry_type_name(spec.geometry)) + ", not " +
                                             upper(geometry_type_name(g.type)));
  }

  static std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
  }

  Params record_params(const EntitySpec& spec, const Record& r) const {
    Params p;
    p.reserve(spec.fields.size() + 3);
    p.emplace_back(r.id);
    p.emplace_back(r.workflow);
    if (spec.spatial()) {
      const auto& g = r.geometry;
      if (g.type == core::GeomType::None || g.empty())
        p.emplace_back(std::nullopt);
      else
        p.emplace_back(crypto::to_hex(geo::to_wkb(g)));
    }
    for (const auto& f : spec.fields) {
      auto it = r.fields.find(f.name);
      p.push_back(it == r.fields.end() ? std::nullopt : value_param(f, it->second));
    }
    return p;
  }

  core::Geometry read_geometry(std::string_view hex, const EntitySpec& spec,
                               const std::string& id) const {
    try {
      return geo::from_wkb(wkb_of_hex(hex));
    } catch (const core::InputError& e) {
      throw core::StorageError(m_location + ": " + entity_label(spec, id) +
                               ": stored geometry is unreadable: " + e.what());
    }
  }

  Record read_record(const Result& r, int row, const EntitySpec& spec, bool geometry = true) const {
    Record rec;
    rec.id = r.text(row, 0);
    rec.workflow = r.text(row, 1);
    int c = 3;
    if (spec.spatial()) {
      if (geometry && !r.is_null(row, c))
        rec.geometry = read_geometry(r.view(row, c), spec, rec.id);
      ++c;
    }
    for (const auto& f : spec.fields) {
      if (!r.is_null(row, c))
        rec.fields.emplace(std::string(f.name), read_value(r, row, c, f.type));
      ++c;
    }
    return rec;
  }

  static AuditEntry read_audit(const Result& r, int i) {
    AuditEntry e;
    e.seq = r.integer(i, 0);
    e.ts = r.text(i, 1);
    e.actor = r.text(i, 2);
    e.entity = r.text(i, 3);
    e.entity_id = r.text(i, 4);
    e.action = r.text(i, 5);
    e.reason = r.text(i, 6);
    e.before = r.text(i, 7);
    e.after = r.text(i, 8);
    e.prev_hash = r.text(i, 9);
    e.hash = r.text(i, 10);
    return e;
  }

  static User read_user(const Result& r, int i) {
    return User{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.boolean(i, 4)};
  }

  Connection m_db;
  std::string m_location;
  std::int64_t m_version = 1;   // data_version(): 1 + the notifications of changes seen
  std::int64_t m_replayed = 0;  // on a standby, the hash of the last replay position seen
  bool m_read_only = false;
  bool m_in_recovery = false;  // a standby
  int m_depth = 0;             // nesting of transaction(): 1 in the outermost
  // The sequences the open transaction moved: where each stood before (last_value,
  // is_called), to set them back when it fails.
  std::map<std::string, std::pair<std::int64_t, bool>> m_sequences;
  std::optional<Pending> m_bulk;  // during bulk_load()
};

// The objects of a new store, in one transaction: all of them, or none.
void create(PgBackend& b) {
  Connection& db = b.db();
  db.script("BEGIN");
  try {
    db.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")");
    std::string taken;
    for (const auto& name : table_names()) {
      Result r = db.exec("SELECT to_regclass($1) IS NOT NULL", {quote_id(name)});
      if (r.boolean(0, 0)) taken += (taken.empty() ? "" : ", ") + name;
    }
    if (!taken.empty()) {
      if (taken.find(std::string(kMetaTable)) != std::string::npos)
        throw core::Conflict(db.location() + ": a minemap store exists already in this database");
      throw core::InputError(db.location(),
                             "not a minemap store, yet it holds tables of the names minemap "
                             "uses (" +
                                 taken + "): create the store in a database of its own (createdb)");
    }
    try {
      db.exec("CREATE EXTENSION IF NOT EXISTS postgis");
    } catch (const PgError& e) {
      if (e.sqlstate() == "42501")
        throw core::InputError(db.location(),
                               "the database has no PostGIS, and this user may not add it: a "
                               "superuser runs CREATE EXTENSION postgis in it first");
      if (e.sqlstate() == "58P01" || e.sqlstate() == "0A000" || e.sqlstate() == "42704")
        throw core::InputError(db.location(),
                               "the server has no PostGIS extension to install (Debian: "
                               "postgresql-15-postgis-3)");
      throw;
    }
    create_schema(db, crypto::random_token(16));
    db.script("COMMIT");
  } catch (...) {
    if (db.in_transaction()) {
      try {
        db.script("ROLLBACK");
      } catch (const std::exception&) {  // the first error is the one to report
      }
    }
    throw;
  }
}

}  // namespace

std::unique_ptr<Backend> open_pg(const std::string& target, OpenMode mode) {
  auto b = std::make_unique<PgBackend>(target);
  Connection& db = b->db();
  const bool has_meta =
      db.exec("SELECT to_regclass($1) IS NOT NULL", {quote_id(kMetaTable)}).boolean(0, 0);
  if (mode == OpenMode::Create) {
    if (has_meta)
      throw core::Conflict(db.location() + ": a minemap store exists already in this database");
    create(*b);
  } else {
    if (!has_meta)
      throw core::InputError(db.location(), "not a minemap store (no minemap_meta table)");
  }
  b->detect_read_only();
  if (mode != OpenMode::Create) {
    migrate(db, b->read_only());
    check_columns(db);
  }
  b->listen();
  return b;
}

}  // namespace minemap::store::pg
