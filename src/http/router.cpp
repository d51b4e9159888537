// Routing and the mapping of core errors to HTTP statuses, once for every handler.
#include "http/router.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/errors.hpp"
#include "geo/geojson.hpp"
#include "http/encoding.hpp"

namespace minemap::http {

namespace {

bool iequal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The methods a route may have, in the order an Allow header lists them.
constexpr std::array<const char*, 6> kMethods{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};

Response method_not_allowed(const std::vector<std::string>& allowed, const std::string& method) {
  std::string allow;
  for (const char* m : kMethods)
    if (std::find(allowed.begin(), allowed.end(), m) != allowed.end())
      allow += (allow.empty() ? "" : ", ") + std::string(m);
  Response p =
      problem(405, "Method Not Allowed", method + " is not allowed here (allowed: " + allow + ")");
  p.headers.emplace_back("Allow", allow);
  return p;
}

}  // namespace

std::optional<std::string> Request::param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string Request::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (iequal(k, name)) return v;
  return "";
}

Response problem(int status, const std::string& title, const std::string& detail) {
  nlohmann::json j = {{"type", "about:blank"}, {"title", title}, {"status", status}};
  if (!detail.empty()) j["detail"] = detail;
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = geo::to_text(j);  // a detail may quote bytes of the request
  return r;
}

Response json_response(const nlohmann::json& j, int status) {
  Response r;
  r.status = status;
  r.body = geo::to_text(j);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

void Router::add(const std::string& method, const std::string& pattern, Handler h) {
  if (method == "HEAD" || std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end())
    throw core::Error("unsupported HTTP method " + method);
  m_routes.push_back({method, std::regex(pattern, std::regex::ECMAScript), std::move(h)});
}

void Router::mount(const std::string& prefix, const std::string& dir) {
  m_mounts.emplace_back(prefix, dir);
}

Response Router::dispatch(Request& r) const {
  const std::string& method = r.method == "HEAD" ? std::string("GET") : r.method;
  for (const auto& m : m_mounts) {
    const std::string& prefix = m.prefix();
    if (r.path + "/" == prefix) {  // "/app" -> "/app/", where its relative links work
      Response moved;
      moved.status = 301;
      moved.content_type = "text/plain; charset=utf-8";
      moved.body = "moved to " + prefix + "\n";
      moved.headers.emplace_back("Location", prefix);
      return moved;
    }
    if (r.path.compare(0, prefix.size(), prefix) != 0) continue;
    if (method != "GET") return method_not_allowed({"GET", "HEAD"}, r.method);
    return m.get(r.path);
  }
  if (r.path.size() > kMaxPath)
    return problem(414, "URI Too Long",
                   "path longer than the limit of " + std::to_string(kMaxPath) + " bytes");
  std::smatch match;
  for (const auto& route : m_routes) {
    if (route.method != method || !std::regex_match(r.path, match, route.pattern)) continue;
    r.captures.clear();
    for (std::size_t i = 1; i < match.size(); ++i) r.captures.push_back(match[i].str());
    return route.handler(r);
  }
  std::vector<std::string> allowed;
  for (const auto& route : m_routes)
    if (std::regex_match(r.path, route.pattern)) {
      allowed.push_back(route.method);
      if (route.method == "GET") allowed.emplace_back("HEAD");
    }
  if (!allowed.empty()) return method_not_allowed(allowed, r.method);
  return problem(404, "Not Found", "no such resource");
}

Response Router::answer(Request& r) const {
  Response out = answer_plain(r);
  try {
    negotiate_encoding(r, out);
  } catch (const std::exception&) {
    // (out of memory while compressing: the body goes out as it was)
  }
  return out;
}

Response Router::answer_plain(Request& r) const {
  try {
    return dispatch(r);
  } catch (const core::NotFound& e) {
    return problem(404, "Not Found", e.what());
  } catch (const core::InputError& e) {
    return problem(400, "Bad Request", e.what());
  } catch (const core::StaleVersion& e) {
    return problem(412, "Precondition Failed", e.what());
  } catch (const core::Conflict& e) {
    return problem(409, "Conflict", e.what());
  } catch (const core::AuthError& e) {
    return problem(401, "Unauthorized", e.what());
  } catch (const core::Forbidden& e) {
    return problem(403, "Forbidden", e.what());
  } catch (const std::exception& e) {
    // What went wrong inside (a path, an SQL message) is for the operator, not the
    // client.
    std::ostringstream line;
    line << "minemap serve: " << r.method << " " << r.path << ": " << e.what() << "\n";
    std::cerr << line.str() << std::flush;
  } catch (...) {
    std::cerr << "minemap serve: " + r.method + " " + r.path + ": unknown exception\n"
              << std::flush;
  }
  return problem(500, "Internal Server Error", "internal error; see the server log");
}

}  // namespace minemap::http
