#include "http/auth.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "geo/geojson.hpp"
#include "io/records_input.hpp"
#include "store/crypto.hpp"

namespace minemap::http {

namespace {

constexpr const char* kCookie = "minemap_session";

// The session token of the request's Cookie header.
std::string cookie_token(const Request& r) {
  std::string cookies = r.header("Cookie");
  std::string key = std::string(kCookie) + "=";
  std::size_t at = 0;
  while ((at = cookies.find(key, at)) != std::string::npos) {
    if (at == 0 || cookies[at - 1] == ' ' || cookies[at - 1] == ';') {
      std::size_t start = at + key.size();
      std::size_t end = cookies.find(';', start);
      return cookies.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    at += key.size();
  }
  return "";
}

// Whether a browser's Origin header, when there is one, names this server: the public
// address it was given, or the Host the request was sent to.
bool same_origin(const Request& r, std::string_view public_url) {
  const std::string origin = r.header("Origin");
  if (origin.empty()) return true;  // not a browser, or a same-origin navigation
  while (!public_url.empty() && public_url.back() == '/') public_url.remove_suffix(1);
  if (!public_url.empty() && origin == public_url) return true;
  auto scheme = origin.find("://");
  if (scheme == std::string::npos) return false;  // "null" and the like
  return origin.substr(scheme + 3) == r.header("Host");
}

Response json_ok(const nlohmann::json& j, int status = 200) {
  Response r;
  r.status = status;
  r.body = geo::to_text(j);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

Auth::Auth(store::Registry& store, std::mutex& store_mutex, AuthOptions opt)
    : m_store(store),
      m_store_mutex(store_mutex),
      m_opt(opt),
      m_hashing(static_cast<std::ptrdiff_t>(std::clamp(opt.parallel_hashing, 1u, 64u))) {}

void Auth::install(Server& s) {
  s.route("POST", "/login", [this](const Request& r) { return login(r); });
  s.route("POST", "/logout", [this](const Request& r) { return logout(r); });
  s.route("GET", "/session", [this](const Request& r) { return whoami(r); });
}

std::optional<store::User> Auth::account(const std::string& name) {
  std::lock_guard lock(m_store_mutex);
  const auto version = m_store.data_version();
  if (version != m_accounts_version) {
    m_accounts.clear();
    for (auto& u : m_store.users()) m_accounts.emplace(u.name, std::move(u));
    m_accounts_version = version;
  }
  auto it = m_accounts.find(name);
  if (it == m_accounts.end()) return std::nullopt;
  return it->second;
}

std::optional<Session> Auth::session(const Request& r) {
  std::string token = cookie_token(r);
  if (token.empty()) return std::nullopt;
  Live live;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_sessions.find(token);
    if (it == m_sessions.end()) return std::nullopt;
    auto now = Clock::now();
    if (now - it->second.last_used > m_opt.session_idle) {
      m_sessions.erase(it);
      return std::nullopt;
    }
    it->second.last_used = now;
    live = it->second;
  }
  // The account as it is now: the store lock is taken without the sessions' one held.
  const auto user = account(live.s.user);
  const bool valid = user && !user->disabled && user->password_hash == live.credential;
  std::lock_guard lock(m_mutex);
  auto it = m_sessions.find(token);
  if (it == m_sessions.end()) return std::nullopt;
  if (!valid) {
    m_sessions.erase(it);
    return std::nullopt;
  }
  it->second.s.role = user->role;
  return it->second.s;
}

Session Auth::require(const Request& r, std::string_view min_role, bool write) {
  auto s = session(r);
  if (!s) throw core::AuthError("sign in first (POST /login)");
  if (role_rank(s->role) < role_rank(min_role))
    throw core::Forbidden("the role " + s->role + " may not do this (" + std::string(min_role) +
                          " or above)");
  if (write && !store::crypto::equal_constant_time(r.header("X-CSRF-Token"), s->csrf))
    throw core::Forbidden("missing or wrong X-CSRF-Token (GET /session gives it)");
  return *s;
}

bool Auth::limited(const std::string& key, Clock::time_point now) {
  auto& q = m_failures[key];
  while (!q.empty() && now - q.front() > m_opt.failure_window) q.pop_front();
  return static_cast<int>(q.size()) >= m_opt.max_failures;
}

Response Auth::login(const Request& r) {
  // JSON only: an HTML form of another site can post a form encoding, not JSON (that
  // needs a CORS preflight this server never grants), so no page elsewhere signs a
  // visitor in behind their back.
  if (r.header("Content-Type").rfind("application/json", 0) != 0)
    throw core::InputError("Content-Type",
                           "sign in with a JSON body {\"name\", \"password\"} (application/json)");
  if (!same_origin(r, m_opt.public_url))
    throw core::Forbidden("a sign-in from another site (Origin) is refused");
  auto j = io::parse_json(r.body, "body", 4);
  if (!j.is_object())
    throw core::InputError("body", "a JSON object {\"name\", \"password\"} expected");
  const auto text = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null() ||
        (it->is_string() && it->get_ref<const std::string&>().empty()))
      throw core::InputError(key, "needed to sign in");
    if (!it->is_string()) throw core::InputError(key, "a string expected");
    return it->get<std::string>();
  };
  const std::string name = text("name"), password = text("password");
  // Before the name becomes a key of the failure counts: a user name is short.
  if (name.size() > store::kMaxUserName)
    throw core::InputError(
        "name", "a user name has at most " + std::to_string(store::kMaxUserName) + " characters");
  if (password.size() > store::kMaxPassword)
    throw core::InputError("password",
                           "at most " + std::to_string(store::kMaxPassword) + " characters");

  const std::string by_addr = "addr:" + r.remote_addr, by_name = "name:" + name;
  const auto started = Clock::now();
  {
    std::lock_guard lock(m_mutex);
    if (limited(by_addr, started) || limited(by_name, started)) {
      Response p =
          problem(429, "Too Many Requests", "too many failed sign-ins; try again in a few minutes");
      p.headers.emplace_back("Retry-After", std::to_string(m_opt.failure_window.count()));
      return p;
    }
    // Counted as failed until it succeeds: parallel tries cannot get past the limit.
    m_failures[by_addr].push_back(started);
    m_failures[by_name].push_back(started);
  }
  std::optional<store::User> user;
  {
    std::lock_guard lock(m_store_mutex);
    user = m_store.user(name);
  }
  // The slow part, outside the store lock and bounded (each check takes 64 MiB).
  m_hashing.acquire();
  user = store::signs_in(std::move(user), password);
  m_hashing.release();
  if (!user) throw core::AuthError("wrong name or password");

  Session s{user->name, user->role, store::crypto::random_token(32)};
  std::string token = store::crypto::random_token(32);
  {
    std::lock_guard lock(m_mutex);
    auto now = Clock::now();
    m_failures.erase(by_name);
    if (auto it = m_failures.find(by_addr); it != m_failures.end()) {
      auto mine = std::find(it->second.begin(), it->second.end(), started);
      if (mine != it->second.end()) it->second.erase(mine);
    }
    // Sessions left idle and failures out of the window are forgotten here, so that
    // neither map grows without end.
    std::erase_if(m_sessions,
                  [&](const auto& kv) { return now - kv.second.last_used > m_opt.session_idle; });
    std::erase_if(m_failures, [&](const auto& kv) {
      return kv.second.empty() || now - kv.second.back() > m_opt.failure_window;
    });
    m_sessions[token] = {s, user->password_hash, now};
  }
  Response out = json_ok({{"user", s.user}, {"role", s.role}, {"csrf_token", s.csrf}});
  out.headers.emplace_back("Set-Cookie", std::string(kCookie) + "=" + token +
                                             "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                             std::to_string(m_opt.session_idle.count()) +
                                             (m_opt.secure_cookie || r.secure ? "; Secure" : ""));
  return out;
}

Response Auth::logout(const Request& r) {
  require(r, "viewer", true);
  {
    std::lock_guard lock(m_mutex);
    m_sessions.erase(cookie_token(r));
  }
  Response out = json_ok({{"signed_out", true}});
  out.headers.emplace_back(
      "Set-Cookie", std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return out;
}

Response Auth::whoami(const Request& r) {
  auto s = session(r);
  if (!s) throw core::AuthError("not signed in");
  return json_ok({{"user", s->user}, {"role", s->role}, {"csrf_token", s->csrf}});
}

}  // namespace minemap::http
