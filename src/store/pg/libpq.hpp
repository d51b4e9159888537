// A thin RAII wrapper over libpq, PostgreSQL's C client (the only module that includes
// <libpq-fe.h>): one connection, statements with text parameters, their results, and
// reads of many rows through a cursor. A failed statement becomes a PgError (a
// core::StorageError) of one line that carries the server's SQLSTATE; a connection that
// cannot be made, a core::InputError naming why (server unreachable, authentication
// failed, no such database), never the password.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/errors.hpp"

struct pg_conn;
struct pg_result;

namespace minemap::store::pg {

class PgError : public core::StorageError {
 public:
  struct Fields {
    std::string sqlstate;    // "23505" ...; "" when libpq itself failed
    std::string detail;      // the server's DETAIL line
    std::string table;       // the table an integrity error is about
    std::string constraint;  // the constraint it broke
  };
  PgError(const std::string& message, Fields f) : core::StorageError(message), m_f(std::move(f)) {}
  const std::string& sqlstate() const noexcept { return m_f.sqlstate; }
  const std::string& detail() const noexcept { return m_f.detail; }
  const std::string& table() const noexcept { return m_f.table; }
  const std::string& constraint() const noexcept { return m_f.constraint; }

 private:
  Fields m_f;
};

// A statement's parameter as text; nullopt is SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

// The rows a statement returned, all in memory (a cursor's FETCH returns a batch).
class Result {
 public:
  Result() = default;
  explicit Result(pg_result* r) : m_res(r) {}
  ~Result();
  Result(Result&& o) noexcept : m_res(o.m_res) { o.m_res = nullptr; }
  Result& operator=(Result&& o) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  int rows() const;
  int columns() const;
  bool is_null(int row, int col) const;
  // The value's text (valid while the Result lives); "" for null.
  std::string_view view(int row, int col) const;
  std::string text(int row, int col) const { return std::string(view(row, col)); }
  // The value as a number; a value of another form throws core::StorageError.
  std::int64_t integer(int row, int col) const;
  double real(int row, int col) const;
  bool boolean(int row, int col) const { return view(row, col) == "t"; }
  // Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;
  // Gives up the result, to its new owner.
  pg_result* release() {
    pg_result* r = m_res;
    m_res = nullptr;
    return r;
  }

 private:
  pg_result* m_res = nullptr;
};

// Whether `target` names a PostgreSQL database: a URI postgresql://... or postgres://...,
// or postgres:SERVICE (a service of pg_service.conf).
bool is_pg_target(std::string_view target);
// The target as people may see it: a URI without its password (user:password@, or a
// password= parameter).
std::string redacted(const std::string& target);
// Text of a number that the server reads back to the same value (shortest exact form).
std::string number_text(double v);
// Appends v to out as a value of COPY's text format: backslash, tab, newline and carriage
// return escaped (a null is written \N by the caller).
void copy_text(std::string& out, std::string_view v);
// Parses a whole number text as PostgreSQL writes it (nullopt for any other text).
std::optional<std::int64_t> parse_integer(std::string_view s);
std::optional<double> parse_real(std::string_view s);

class Connection {
 public:
  // Connects; throws core::InputError (one line, naming the problem, never the password)
  // when the server cannot be reached, refuses the user or has no such database.
  explicit Connection(const std::string& target);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with its parameters. `cache`: prepared once per connection and
  // run again by name (statements a write runs per row).
  Result exec(const std::string& sql, const Params& params = {}, bool cache = false);
  // Runs several statements without parameters (DDL, BEGIN, ROLLBACK TO ...).
  void script(const std::string& sql);
  // Runs each `COPY table (columns) FROM STDIN` (sql) with its data (rows in COPY's text
  // format: copy_text() escapes a value for it), in turn, on a thread of its own: returns
  // at once, so that the caller makes the next rows while the server takes these. Every
  // other call on the connection first waits for them (wait()); the first that does
  // throws their error (a bad row fails its COPY, which then aborts the open transaction
  // as any failed statement does).
  void copy_in_background(std::vector<std::pair<std::string, std::string>> copies);
  // Waits for what copy_in_background sends; throws its error, once.
  void wait();
  // Runs a query through a cursor, `batch` rows per round trip, calling fn for each row
  // until it returns false: a read of a million rows never holds more than one batch.
  // Needs an open transaction (a cursor lives in one); fn may run other statements.
  void stream(const std::string& sql, const Params& params,
              const std::function<bool(const Result&, int row)>& fn, int batch = 10000);

  // The notifications of `channel` (LISTEN) that reached this connection since the last
  // call, counted without waiting: what arrived with earlier answers and what the
  // socket holds now.
  std::int64_t take_notifications(std::string_view channel);

  // A transaction block is open (maybe failed, waiting for its ROLLBACK).
  bool in_transaction() const;
  // The open transaction failed: every statement is refused until it is rolled back.
  bool transaction_failed() const;
  // The database's name, and where it is, without the password.
  std::string database() const;
  const std::string& location() const { return m_location; }

 private:
  [[noreturn]] void fail(pg_result* r, std::string_view sql) const;
  // One COPY, in one round trip: the rows the server took.
  std::int64_t send_copy(const std::string& sql, std::string_view data);
  void join() const {
    if (m_sender.joinable()) m_sender.join();
  }
  Result check(pg_result* r, std::string_view sql) const;

  pg_conn* m_conn = nullptr;
  // copy_in_background's thread, and its error until wait() throws it. What only reads
  // the connection's state joins the thread and leaves the error to the next statement.
  mutable std::thread m_sender;
  std::exception_ptr m_sent;
  std::string m_location;
  std::map<std::string, std::string, std::less<>> m_prepared;  // SQL -> statement name
  int m_cursors = 0;
};

}  // namespace minemap::store::pg
