// Signing in to the server: sessions in HttpOnly, SameSite=Strict cookies, a CSRF
// token per session that every write must echo in the X-CSRF-Token header, roles
// checked per route, and failed sign-ins limited per client address and per name.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
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
  bool secure_cookie = false;                   // Secure over plain HTTP too (TLS: always)
};

// The rank of a role: viewer 0, data_entry 1, verifier 2, admin 3; -1 for others.
int role_rank(std::string_view role);

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
    Clock::time_point last_used;
  };
  bool limited(const std::string& key, Clock::time_point now);
  void failed(const std::string& key, Clock::time_point now);

  store::Registry& m_store;
  std::mutex& m_store_mutex;
  AuthOptions m_opt;
  std::mutex m_mutex;                                               // guards the two maps below
  std::map<std::string, Live> m_sessions;                           // by token
  std::map<std::string, std::deque<Clock::time_point>> m_failures;  // by "addr:" / "name:"
};

}  // namespace minemap::http
