#include "http/auth.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "store/crypto.hpp"

namespace minemap::http {

namespace {

constexpr const char* kCookie = "minemap_session";

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A value of an application/x-www-form-urlencoded body.
std::string form_value(const std::string& body, const std::string& key) {
  std::size_t at = 0;
  while (at <= body.size()) {
    std::size_t end = body.find('&', at);
    if (end == std::string::npos) end = body.size();
    std::string pair = body.substr(at, end - at);
    std::size_t eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == key) {
      std::string v, raw = pair.substr(eq + 1);
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '+') {
          v += ' ';
        } else if (raw[i] == '%' && i + 2 < raw.size() && hex(raw[i + 1]) >= 0 &&
                   hex(raw[i + 2]) >= 0) {
          v += static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
          i += 2;
        } else {
          v += raw[i];
        }
      }
      return v;
    }
    at = end + 1;
  }
  return "";
}

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

Response json_ok(const nlohmann::json& j, int status = 200) {
  Response r;
  r.status = status;
  r.body = j.dump();
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

int role_rank(std::string_view role) {
  for (int i = 0; i < 4; ++i)
    if (store::kRoles[i] == role) return i;
  return -1;
}

Auth::Auth(store::Registry& store, std::mutex& store_mutex, AuthOptions opt)
    : m_store(store), m_store_mutex(store_mutex), m_opt(opt) {}

void Auth::install(Server& s) {
  s.route("POST", "/login", [this](const Request& r) { return login(r); });
  s.route("POST", "/logout", [this](const Request& r) { return logout(r); });
  s.route("GET", "/session", [this](const Request& r) { return whoami(r); });
}

std::optional<Session> Auth::session(const Request& r) {
  std::string token = cookie_token(r);
  if (token.empty()) return std::nullopt;
  std::lock_guard lock(m_mutex);
  auto it = m_sessions.find(token);
  if (it == m_sessions.end()) return std::nullopt;
  auto now = Clock::now();
  if (now - it->second.last_used > m_opt.session_idle) {
    m_sessions.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
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

void Auth::failed(const std::string& key, Clock::time_point now) {
  m_failures[key].push_back(now);
}

Response Auth::login(const Request& r) {
  std::string name, password;
  if (r.header("Content-Type").rfind("application/json", 0) == 0) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      throw core::InputError("body", "a JSON object {\"name\", \"password\"} expected");
    name = j.value("name", "");
    password = j.value("password", "");
  } else {
    name = form_value(r.body, "name");
    password = form_value(r.body, "password");
  }
  if (name.empty() || password.empty()) throw core::InputError("name", "name and password needed");

  const std::string by_addr = "addr:" + r.remote_addr, by_name = "name:" + name;
  {
    std::lock_guard lock(m_mutex);
    auto now = Clock::now();
    if (limited(by_addr, now) || limited(by_name, now)) {
      Response p =
          problem(429, "Too Many Requests", "too many failed sign-ins; try again in a few minutes");
      p.headers.emplace_back("Retry-After", std::to_string(m_opt.failure_window.count()));
      return p;
    }
  }
  std::optional<store::User> user;
  {
    std::lock_guard lock(m_store_mutex);
    user = m_store.authenticate(name, password);
  }
  if (!user) {
    std::lock_guard lock(m_mutex);
    auto now = Clock::now();
    failed(by_addr, now);
    failed(by_name, now);
    throw core::AuthError("wrong name or password");
  }
  Session s{user->name, user->role, store::crypto::random_token(32)};
  std::string token = store::crypto::random_token(32);
  {
    std::lock_guard lock(m_mutex);
    auto now = Clock::now();
    m_failures.erase(by_name);
    // Sessions left idle and failures out of the window are forgotten here, so that
    // neither map grows without end.
    std::erase_if(m_sessions,
                  [&](const auto& kv) { return now - kv.second.last_used > m_opt.session_idle; });
    std::erase_if(m_failures, [&](const auto& kv) {
      return kv.second.empty() || now - kv.second.back() > m_opt.failure_window;
    });
    m_sessions[token] = {s, now};
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
