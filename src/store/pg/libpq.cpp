// libpq behind a small RAII wrapper; see libpq.hpp.
#include "store/pg/libpq.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

namespace minemap::store::pg {
namespace {

// SQL shortened for messages.
std::string excerpt(std::string_view sql) {
  std::string out;
  for (char c : sql) {
    if (out.size() >= 160) return out + "...";
    const bool space = c == '\n' || c == '\t' || c == '\r' || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

// The lines of a libpq message made one, without the severity's prefix.
std::string one_line(std::string_view msg) {
  std::string out;
  std::size_t start = 0;
  while (start < msg.size()) {
    std::size_t end = msg.find('\n', start);
    if (end == std::string_view::npos) end = msg.size();
    std::string_view line = msg.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    out += (out.empty() ? "" : "; ") + std::string(line);
  }
  for (std::string_view prefix : {"FATAL:  ", "ERROR:  "}) {
    for (auto at = out.find(prefix); at != std::string::npos; at = out.find(prefix))
      out.erase(at, prefix.size());
  }
  return out;
}

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

void replace_all(std::string& text, const std::string& what, std::string_view with) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

// The bounds of a URI's parts: scheme://[userinfo@]hosts[/dbname][?query].
struct UriParts {
  std::size_t authority = 0, authority_end = 0, query = std::string::npos;
};

std::optional<UriParts> uri_parts(const std::string& target) {
  auto scheme = target.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  UriParts p;
  p.authority = scheme + 3;
  p.authority_end = target.find_first_of("/?", p.authority);
  if (p.authority_end == std::string::npos) p.authority_end = target.size();
  p.query = target.find('?', p.authority);
  return p;
}

// The passwords a target holds (user:password@ and password=), to keep out of messages.
std::vector<std::string> passwords_of(const std::string& target) {
  std::vector<std::string> out;
  auto p = uri_parts(target);
  if (!p) return out;
  std::string_view authority(target.data() + p->authority, p->authority_end - p->authority);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto colon = authority.substr(0, at).find(':');
    if (colon != std::string_view::npos)
      out.emplace_back(authority.substr(colon + 1, at - colon - 1));
  }
  if (p->query != std::string::npos) {
    std::string_view q(target.data() + p->query + 1, target.size() - p->query - 1);
    while (!q.empty()) {
      auto amp = q.find('&');
      std::string_view kv = q.substr(0, amp);
      if (kv.substr(0, 9) == "password=") out.emplace_back(kv.substr(9));
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
    }
  }
  return out;
}

// Why a connection failed, in a few words a user acts on.
std::string why_not_connected(const std::string& message) {
  if (contains(message, "password authentication failed") ||
      contains(message, "no password supplied") || contains(message, "authentication failed") ||
      contains(message, "SCRAM authentication") || contains(message, "no pg_hba.conf entry"))
    return "authentication failed";
  if (contains(message, "database \"") && contains(message, "does not exist"))
    return "no such database";
  if (contains(message, "role \"") && contains(message, "does not exist")) return "no such user";
  if (contains(message, "Connection refused") || contains(message, "No such file or directory") ||
      contains(message, "could not translate host name") || contains(message, "timeout expired") ||
      contains(message, "Network is unreachable") || contains(message, "No route to host") ||
      contains(message, "could not connect") || contains(message, "server closed the connection"))
    return "the server cannot be reached";
  if (contains(message, "invalid URI") || contains(message, "invalid connection option") ||
      contains(message, "definition of service") || contains(message, "missing \"=\"") ||
      contains(message, "invalid integer value") || contains(message, "invalid percent-encoded"))
    return "not a valid PostgreSQL address";
  if (contains(message, "too many connections") || contains(message, "the database system is"))
    return "the server does not accept connections now";
  return "the connection failed";
}

void ignore_notice(void*, const char*) {}

}  // namespace

// ---- Result ----

Result::~Result() {
  if (m_res) PQclear(m_res);
}

Result& Result::operator=(Result&& o) noexcept {
  if (this != &o) {
    if (m_res) PQclear(m_res);
    m_res = std::exchange(o.m_res, nullptr);
  }
  return *this;
}

int Result::rows() const {
  return m_res ? PQntuples(m_res) : 0;
}

int Result::columns() const {
  return m_res ? PQnfields(m_res) : 0;
}

bool Result::is_null(int row, int col) const {
  return PQgetisnull(m_res, row, col) != 0;
}

std::string_view Result::view(int row, int col) const {
  return {PQgetvalue(m_res, row, col), static_cast<std::size_t>(PQgetlength(m_res, row, col))};
}

std::int64_t Result::integer(int row, int col) const {
  if (is_null(row, col)) return 0;
  auto v = parse_integer(view(row, col));
  if (!v) throw core::StorageError("the server sent \"" + text(row, col) + "\" for a whole number");
  return *v;
}

double Result::real(int row, int col) const {
  if (is_null(row, col)) return 0;
  auto v = parse_real(view(row, col));
  if (!v) throw core::StorageError("the server sent \"" + text(row, col) + "\" for a number");
  return *v;
}

std::int64_t Result::affected() const {
  const char* n = m_res ? PQcmdTuples(m_res) : "";
  return parse_integer(n).value_or(0);
}

// ---- targets and numbers ----

bool is_pg_target(std::string_view target) {
  return target.substr(0, 13) == "postgresql://" || target.substr(0, 11) == "postgres://" ||
         (target.substr(0, 9) == "postgres:" && target.size() > 9);
}

std::string redacted(const std::string& target) {
  auto p = uri_parts(target);
  if (!p) return target;
  std::string out = target.substr(0, p->authority);
  std::string_view authority(target.data() + p->authority, p->authority_end - p->authority);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view user = authority.substr(0, at);
    out += std::string(user.substr(0, user.find(':'))) + std::string(authority.substr(at));
  } else {
    out += std::string(authority);
  }
  if (p->query == std::string::npos) return out + target.substr(p->authority_end);
  out += target.substr(p->authority_end, p->query - p->authority_end);
  std::string_view q(target.data() + p->query + 1, target.size() - p->query - 1);
  std::string kept;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    if (kv.substr(0, 9) != "password=" && !kv.empty())
      kept += (kept.empty() ? "" : "&") + std::string(kv);
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return kept.empty() ? out : out + "?" + kept;
}

std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::optional<std::int64_t> parse_integer(std::string_view s) {
  std::int64_t v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_real(std::string_view s) {
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "Infinity") return std::numeric_limits<double>::infinity();
  if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  double v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// ---- Connection ----

Connection::Connection(const std::string& target) : m_location(redacted(target)) {
  // A service name is a connection string of one key; a URI is one of its own. Values
  // before it are defaults the target may override, values after it are imposed.
  const std::string conninfo =
      target.rfind("postgres:", 0) == 0 && target.rfind("postgres://", 0) != 0
          ? "service=" + target.substr(9)
          : target;
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", "client_encoding",
                        nullptr};
  const char* values[] = {"10", "minemap", conninfo.c_str(), "UTF8", nullptr};
  m_conn = PQconnectdbParams(keys, values, 1);
  if (!m_conn) throw core::StorageError(m_location + ": cannot connect: out of memory");
  if (PQstatus(m_conn) != CONNECTION_OK) {
    std::string message = one_line(PQerrorMessage(m_conn));
    PQfinish(m_conn);
    m_conn = nullptr;
    for (const auto& p : passwords_of(target)) replace_all(message, p, "***");
    const std::string why = why_not_connected(message);
    // What the server said needs no "connection to server on ... failed: " before it.
    const auto failed = message.find(" failed: ");
    if (why != "the server cannot be reached" && message.rfind("connection to server", 0) == 0 &&
        failed != std::string::npos)
      message.erase(0, failed + 9);
    throw core::InputError(m_location, "cannot connect: " + why + " (" + message + ")");
  }
  PQsetNoticeProcessor(m_conn, ignore_notice, nullptr);
  // Numbers as text that reads back exactly; warnings and notices are not for users.
  script("SET extra_float_digits = 3; SET client_min_messages = warning");
}

Connection::~Connection() {
  join();
  if (m_conn) PQfinish(m_conn);
}

void Connection::wait() {
  join();
  if (auto e = std::exchange(m_sent, nullptr)) std::rethrow_exception(e);
}

void Connection::copy_in_background(std::vector<std::pair<std::string, std::string>> copies) {
  wait();
  m_sender = std::thread([this, copies = std::move(copies)] {
    try {
      for (const auto& [sql, data] : copies) send_copy(sql, data);
    } catch (...) {
      m_sent = std::current_exception();
    }
  });
}

void Connection::fail(pg_result* r, std::string_view sql) const {
  PgError::Fields f;
  std::string message;
  if (r) {
    auto field = [&](int code) {
      const char* v = PQresultErrorField(r, code);
      return v ? std::string(v) : std::string();
    };
    f.sqlstate = field(PG_DIAG_SQLSTATE);
    f.detail = field(PG_DIAG_MESSAGE_DETAIL);
    f.table = field(PG_DIAG_TABLE_NAME);
    f.constraint = field(PG_DIAG_CONSTRAINT_NAME);
    message = field(PG_DIAG_MESSAGE_PRIMARY);
    if (message.empty()) message = one_line(PQresultErrorMessage(r));
    PQclear(r);
  }
  if (message.empty()) message = one_line(PQerrorMessage(m_conn));
  if (PQstatus(m_conn) == CONNECTION_BAD) message = "lost the connection to the server: " + message;
  std::string line = m_location + ": " + one_line(message);
  if (!f.detail.empty()) line += " (" + one_line(f.detail) + ")";
  throw PgError(line + " (in SQL: " + excerpt(sql) + ")", std::move(f));
}

Result Connection::check(pg_result* r, std::string_view sql) const {
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r, sql);
  return Result(r);
}

Result Connection::exec(const std::string& sql, const Params& params, bool cache) {
  wait();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const int n = static_cast<int>(values.size());
  if (!cache)
    return check(PQexecParams(m_conn, sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0),
                 sql);
  auto it = m_prepared.find(sql);
  if (it == m_prepared.end()) {
    std::string name = "minemap_" + std::to_string(m_prepared.size() + 1);
    check(PQprepare(m_conn, name.c_str(), sql.c_str(), n, nullptr), sql);
    it = m_prepared.emplace(sql, std::move(name)).first;
  }
  return check(PQexecPrepared(m_conn, it->second.c_str(), n, values.data(), nullptr, nullptr, 0),
               sql);
}

void Connection::script(const std::string& sql) {
  wait();
  check(PQexec(m_conn, sql.c_str()), sql);
}

std::int64_t Connection::send_copy(const std::string& sql, std::string_view data) {
  pg_result* start = PQexec(m_conn, sql.c_str());
  if (!start || PQresultStatus(start) != PGRES_COPY_IN) fail(start, sql);
  PQclear(start);
  // libpq takes at most INT_MAX bytes a call; a chunk of 1 MiB keeps each call short.
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  for (std::size_t at = 0; at < data.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, data.size() - at);
    if (PQputCopyData(m_conn, data.data() + at, static_cast<int>(n)) != 1) break;
  }
  // On a failed send PQputCopyEnd fails too, and the result below carries the error.
  PQputCopyEnd(m_conn, nullptr);
  std::int64_t rows = 0;
  std::optional<Result> failed;
  for (pg_result* r; (r = PQgetResult(m_conn)) != nullptr;) {
    if (PQresultStatus(r) == PGRES_COMMAND_OK && !failed) {
      Result ok(r);
      rows = ok.affected();
    } else if (!failed) {
      failed.emplace(r);  // read on after it: the connection is ready only when all are
    } else {
      PQclear(r);
    }
  }
  if (failed) fail(failed->release(), sql);
  return rows;
}

void copy_text(std::string& out, std::string_view v) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c != '\\' && c != '\t' && c != '\n' && c != '\r') continue;
    out.append(v.data() + start, i - start);
    out += '\\';
    out += c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
    start = i + 1;
  }
  out.append(v.data() + start, v.size() - start);
}

void Connection::stream(const std::string& sql, const Params& params,
                        const std::function<bool(const Result&, int)>& fn, int batch) {
  const std::string cursor = "minemap_cursor_" + std::to_string(++m_cursors);
  exec("DECLARE " + cursor + " NO SCROLL CURSOR FOR " + sql, params);
  const std::string fetch = "FETCH " + std::to_string(batch) + " FROM " + cursor;
  try {
    for (bool more = true; more;) {
      Result r = exec(fetch);
      const int n = r.rows();
      for (int i = 0; i < n && more; ++i) more = fn(r, i);
      if (n < batch) more = false;
    }
  } catch (...) {
    --m_cursors;
    if (!transaction_failed()) {
      try {
        script("CLOSE " + cursor);
      } catch (const std::exception&) {  // the first error is the one to report
      }
    }
    throw;
  }
  --m_cursors;
  script("CLOSE " + cursor);
}

std::int64_t Connection::take_notifications(std::string_view channel) {
  join();
  // Reads what the socket holds, without blocking; a broken connection shows at the
  // next statement, with its message.
  PQconsumeInput(m_conn);
  std::int64_t n = 0;
  while (PGnotify* note = PQnotifies(m_conn)) {
    if (note->relname && channel == note->relname) ++n;
    PQfreemem(note);
  }
  return n;
}

bool Connection::in_transaction() const {
  join();
  const auto s = PQtransactionStatus(m_conn);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool Connection::transaction_failed() const {
  join();
  return PQtransactionStatus(m_conn) == PQTRANS_INERROR;
}

std::string Connection::database() const {
  join();
  const char* db = PQdb(m_conn);
  return db ? db : "";
}

}  // namespace minemap::store::pg
