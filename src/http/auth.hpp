// Signing in to the server: sessions in HttpOnly, SameSite=Strict cookies, a CSRF
// token per session that every write must echo in the X-CSRF-Token header, roles
// checked per route, and failed sign-ins limited per client address and per name.
// A session follows its account: disabled, or given a new password, it ends at the next
// request; given a new role, the next request carries it (even when another process,
// `minemap user set`, made the change).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

#include "http/server.hpp"
#include "store/registry.hpp"

namespace minemap::http {

struct Session {
  std::string user;
  std::string role;
  std::string csrf;
};

struct AuthOptions {
  std::chrono::seconds session_idle{8 * 3600};  // a session ends after this long unused
  int max_failures = 5;                         // failed sign-ins allowed per window ...
  std::chrono::seconds failure_window{300};     // ... per client address and per name
  bool secure_cookie = false;     // Secure over plain HTTP too (behind a TLS proxy; TLS: always)
  unsigned parallel_hashing = 2;  // password checks at once (each takes ~0.1 s and 64 MiB)
  // The address users reach the server at (serve --public-url): a sign-in from a page
  // of that origin is one of ours, whatever Host a proxy passes on.
  std::string public_url;
};

using store::role_rank;

class Auth {
 public:
  Auth(store::Registry& store, std::mutex& store_mutex, AuthOptions opt = {});

  // POST /login {"name", "password"} (JSON or a form): sets the session cookie and
  // answers {"user", "role", "csrf_token"}; POST /logout; GET /session.
  void install(Server& s);

  // The request's session, when its cookie names a live one.
  std::optional<Session> session(const Request& r);
  // The session, or core::AuthError (401) when there is none, core::Forbidden (403)
  // when its role ranks below `min_role` or, for a write, when the X-CSRF-Token
  // header does not match the session's token.
  Session require(const Request& r, std::string_view min_role, bool write);

  Response login(const Request& r);
  Response logout(const Request& r);
  Response whoami(const Request& r);

 private:
  using Clock = std::chrono::steady_clock;
  struct Live {
    Session s;
    std::string credential;  // the account's password hash when the session began
    Clock::time_point last_used;
  };
  bool limited(const std::string& key, Clock::time_point now);
  // The account as the store has it now (read again whenever the store has changed).
  std::optional<store::User> account(const std::string& name);

  store::Registry& m_store;
  std::mutex& m_store_mutex;
  AuthOptions m_opt;
  std::mutex m_mutex;                                               // guards the two maps below
  std::map<std::string, Live> m_sessions;                           // by token
  std::map<std::string, std::deque<Clock::time_point>> m_failures;  // by "addr:" / "name:"
  // Guarded by m_store_mutex: the users table as of the store's m_accounts_version.
  std::map<std::string, store::User> m_accounts;
  std::int64_t m_accounts_version = -1;
  std::counting_semaphore<64> m_hashing;
};

}  // namespace minemap::http
