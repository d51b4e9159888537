// The SQLite RAII wrapper; see sqlite.hpp.
#include "store/gpkg/sqlite.hpp"

#include <sqlite3.h>

#include <limits>

namespace minemap::store::gpkg {

static_assert(kOpenReadOnly == SQLITE_OPEN_READONLY);
static_assert(kOpenCreate == (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));

namespace {

// Long DDL would drown the message; its start is enough to find it.
std::string excerpt(std::string_view sql) {
  constexpr std::size_t kMax = 240;
  if (sql.size() <= kMax) return std::string(sql);
  return std::string(sql.substr(0, kMax)) + "...";
}

int checked_size(std::string_view v) {
  if (v.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw core::StorageError("value too large for SQLite (" + std::to_string(v.size()) + " bytes)");
  return static_cast<int>(v.size());
}

}  // namespace

Db::Db(const std::string& path, int flags) : m_path(path) {
  // A connection is used by one thread at a time (the store is not shared across threads
  // without a lock of its own), so SQLite's own per-call mutex is not needed.
  int rc = sqlite3_open_v2(path.c_str(), &m_db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    sqlite3_close_v2(m_db);
    m_db = nullptr;
    throw SqliteError(rc, path + ": cannot open: " + msg);
  }
  sqlite3_extended_result_codes(m_db, 1);
}

Db::~Db() {
  // close_v2 defers the close until every statement is finalised.
  sqlite3_close_v2(m_db);
}

void Db::exec(const std::string& sql) {
  m_step_used = 0;
  char* err = nullptr;
  int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(sqlite3_extended_errcode(m_db),
                      m_path + ": " + msg + " (in SQL: " + excerpt(sql) + ")");
  }
}

void Db::fail(int rc, std::string_view sql) const {
  int code = sqlite3_extended_errcode(m_db);
  throw SqliteError(code ? code : rc,
                    m_path + ": " + sqlite3_errmsg(m_db) + " (in SQL: " + excerpt(sql) + ")");
}

std::int64_t Db::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(m_db);
}
int Db::changes() const {
  return sqlite3_changes(m_db);
}
bool Db::in_transaction() const {
  return sqlite3_get_autocommit(m_db) == 0;
}

namespace {
constexpr int kProgressEvery = 1000;  // instructions between calls of the progress handler
}  // namespace

void Db::limit_steps(std::int64_t instructions) {
  m_step_limit = instructions;
  if (instructions <= 0) {
    sqlite3_progress_handler(m_db, 0, nullptr, nullptr);
    return;
  }
  sqlite3_progress_handler(
      m_db, kProgressEvery,
      [](void* self) {
        auto* db = static_cast<Db*>(self);
        db->m_step_used += kProgressEvery;
        return db->m_step_used > db->m_step_limit ? 1 : 0;
      },
      this);
}

Stmt::Stmt(Db& db, std::string sql) : m_db(&db), m_sql(std::move(sql)) {
  int rc = sqlite3_prepare_v3(db.handle(), m_sql.c_str(), checked_size(m_sql),
                              SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, m_sql);
}

Stmt::~Stmt() {
  sqlite3_finalize(m_stmt);
}

Stmt& Stmt::bind_int(int i, std::int64_t v) {
  int rc = sqlite3_bind_int64(m_stmt, i, v);
  if (rc != SQLITE_OK) m_db->fail(rc, m_sql);
  return *this;
}

Stmt& Stmt::bind_real(int i, double v) {
  int rc = sqlite3_bind_double(m_stmt, i, v);
  if (rc != SQLITE_OK) m_db->fail(rc, m_sql);
  return *this;
}

Stmt& Stmt::bind_text(int i, std::string_view v) {
  int rc = sqlite3_bind_text(m_stmt, i, v.data(), checked_size(v), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) m_db->fail(rc, m_sql);
  return *this;
}

Stmt& Stmt::bind_text_ref(int i, std::string_view v) {
  int rc = sqlite3_bind_text(m_stmt, i, v.data(), checked_size(v), SQLITE_STATIC);
  if (rc != SQLITE_OK) m_db->fail(rc, m_sql);
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view v) {
  int rc = sqlite3_bind_blob(m_stmt, i, v.data(), checked_size(v), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) m_db->fail(rc, m_sql);
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  int rc = sqlite3_bind_null(m_stmt, i);
  if (rc != SQLITE_OK) m_db->fail(rc, m_sql);
  return *this;
}

bool Stmt::step() {
  m_db->m_step_used = 0;
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  m_db->fail(rc, m_sql);
}

void Stmt::reset() {
  // sqlite3_reset repeats the last step's error, which was reported already.
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

int Stmt::column_count() const {
  return sqlite3_column_count(m_stmt);
}
bool Stmt::is_null(int i) const {
  return sqlite3_column_type(m_stmt, i) == SQLITE_NULL;
}
std::int64_t Stmt::column_int(int i) const {
  return sqlite3_column_int64(m_stmt, i);
}
double Stmt::column_real(int i) const {
  return sqlite3_column_double(m_stmt, i);
}

std::string Stmt::column_text(int i) const {
  const unsigned char* p = sqlite3_column_text(m_stmt, i);
  if (!p) return {};
  int n = sqlite3_column_bytes(m_stmt, i);
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::string_view Stmt::column_text_view(int i) const {
  const unsigned char* p = sqlite3_column_text(m_stmt, i);
  if (!p) return {};
  int n = sqlite3_column_bytes(m_stmt, i);
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
}

std::string_view Stmt::column_blob(int i) const {
  const void* p = sqlite3_column_blob(m_stmt, i);
  if (!p) return {};
  int n = sqlite3_column_bytes(m_stmt, i);
  return {static_cast<const char*>(p), static_cast<std::size_t>(n)};
}

std::string quote_id(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string quote_text(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + '\'';
}

}  // namespace minemap::store::gpkg
