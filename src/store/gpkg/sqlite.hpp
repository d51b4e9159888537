// A thin RAII wrapper over the SQLite C API: one connection (Db) and its
// prepared statements (Stmt). Every failure becomes a SqliteError (a
// core::StorageError) carrying sqlite3_errmsg and the SQL that failed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/errors.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace minemap::store::gpkg {

class SqliteError : public core::StorageError {
 public:
  SqliteError(int code, const std::string& message) : core::StorageError(message), m_code(code) {}
  // The extended result code (SQLITE_CONSTRAINT_UNIQUE ...).
  int code() const noexcept { return m_code; }

 private:
  int m_code;
};

// The flag of a connection that only reads an existing file (SQLITE_OPEN_READONLY), for
// the layers that may not include SQLite's header.
inline constexpr int kOpenReadOnly = 0x00000001;
// The flags of a connection that creates a new file, or opens one to read and write
// (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE).
inline constexpr int kOpenCreate = 0x00000006;

class Db {
 public:
  // flags: SQLITE_OPEN_* bits. Extended result codes are switched on.
  Db(const std::string& path, int flags);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return m_db; }
  const std::string& path() const { return m_path; }

  // Runs one or more statements that return no rows needed.
  void exec(const std::string& sql);
  // Throws the SqliteError for the connection's last error, naming `sql`.
  [[noreturn]] void fail(int rc, std::string_view sql) const;

  std::int64_t last_insert_rowid() const;
  int changes() const;
  // False in autocommit mode (no transaction open).
  bool in_transaction() const;

  // For files from outside, whose schema may hide costly views: one Stmt::step() that
  // runs more than about `instructions` of SQLite's virtual machine is interrupted (a
  // SqliteError, SQLITE_INTERRUPT). 0: no limit (the default).
  void limit_steps(std::int64_t instructions);

 private:
  friend class Stmt;
  sqlite3* m_db = nullptr;
  std::string m_path;
  std::int64_t m_step_limit = 0;
  std::int64_t m_step_used = 0;  // in this step(), counted by the progress handler
};

class Stmt {
 public:
  Stmt(Db& db, std::string sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Parameters are 1-based, as in SQLite.
  Stmt& bind_int(int i, std::int64_t v);
  Stmt& bind_real(int i, double v);
  Stmt& bind_text(int i, std::string_view v);
  // Without a copy: v must stay valid until the statement is reset (ResetOnExit).
  Stmt& bind_text_ref(int i, std::string_view v);
  Stmt& bind_blob(int i, std::string_view v);
  Stmt& bind_null(int i);

  // True when a row is ready; false when done. Throws SqliteError.
  bool step();
  // Rewinds and clears the bindings (cached statements are reused).
  void reset();

  // Columns are 0-based, as in SQLite.
  int column_count() const;
  bool is_null(int i) const;
  std::int64_t column_int(int i) const;
  double column_real(int i) const;
  std::string column_text(int i) const;
  // Without a copy: valid until the next step() or reset().
  std::string_view column_text_view(int i) const;
  // Valid until the next step() or reset().
  std::string_view column_blob(int i) const;

  const std::string& sql() const { return m_sql; }

 private:
  Db* m_db;
  sqlite3_stmt* m_stmt = nullptr;
  std::string m_sql;
};

// Resets a statement when the scope ends, however it ends, so that a cached
// statement never stays busy (holding a read lock) after an exception.
class ResetOnExit {
 public:
  explicit ResetOnExit(Stmt& s) : m_stmt(s) {}
  ~ResetOnExit() { m_stmt.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Stmt& m_stmt;
};

// A quoted SQL identifier ("end", "group" ... are keywords).
std::string quote_id(std::string_view name);
// A quoted SQL string literal, for the few statements that cannot bind (DDL).
std::string quote_text(std::string_view text);

}  // namespace minemap::store::gpkg
