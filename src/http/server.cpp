#include "http/server.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/errors.hpp"

namespace minemap::http {

namespace {

bool iequal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 429: return "Too Many Requests";
    default: return status >= 500 ? "Internal Server Error" : "Error";
  }
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
  r.body = j.dump();
  return r;
}

struct Server::Impl {
  httplib::Server svr;
};

Server::Server(unsigned threads) : m(std::make_unique<Impl>()) {
  if (threads == 0) threads = std::max(4u, std::thread::hardware_concurrency());
  // Debian's cpp-httplib is a shared library built with its own pool size: the pool
  // is set here instead.
  m->svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Small answers (a tile, a JSON page) go out at once: with Nagle's algorithm and
  // delayed ACKs a keep-alive response waited ~40 ms.
  m->svr.set_tcp_nodelay(true);
  m->svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    Response p =
        problem(res.status, reason(res.status), res.status == 404 ? "no such resource" : "");
    res.set_content(p.body, p.content_type);
  });
}

Server::~Server() {
  stop();
}

void Server::route(const std::string& method, const std::string& pattern, Handler h) {
  auto adapter = [h = std::move(h), method](const httplib::Request& req, httplib::Response& res) {
    Request r;
    r.method = method;
    r.path = req.path;
    r.body = req.body;
    r.remote_addr = req.remote_addr;
    for (std::size_t i = 1; i < req.matches.size(); ++i) r.captures.push_back(req.matches[i]);
    for (const auto& [k, v] : req.params) r.query.emplace(k, v);
    for (const auto& [k, v] : req.headers) r.headers.emplace(k, v);
    Response out;
    try {
      out = h(r);
    } catch (const core::NotFound& e) {
      out = problem(404, "Not Found", e.what());
    } catch (const core::InputError& e) {
      out = problem(400, "Bad Request", e.what());
    } catch (const core::Conflict& e) {
      out = problem(409, "Conflict", e.what());
    } catch (const core::AuthError& e) {
      out = problem(401, "Unauthorized", e.what());
    } catch (const core::Forbidden& e) {
      out = problem(403, "Forbidden", e.what());
    } catch (const std::exception& e) {
      out = problem(500, "Internal Server Error", e.what());
    }
    res.status = out.status;
    for (const auto& [k, v] : out.headers) res.set_header(k, v);
    res.set_content(out.body, out.content_type);
  };
  if (method == "GET")
    m->svr.Get(pattern, adapter);
  else if (method == "POST")
    m->svr.Post(pattern, adapter);
  else if (method == "PUT")
    m->svr.Put(pattern, adapter);
  else if (method == "DELETE")
    m->svr.Delete(pattern, adapter);
  else
    throw core::Error("unsupported HTTP method " + method);
}

void Server::mount(const std::string& prefix, const std::string& dir) {
  if (!m->svr.set_mount_point(prefix, dir))
    throw core::Error("cannot serve " + dir + ": not a directory");
  // ES modules must come with a JavaScript type; JSON data files with theirs.
  m->svr.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
  m->svr.set_file_extension_and_mimetype_mapping("js", "text/javascript");
  m->svr.set_file_extension_and_mimetype_mapping("json", "application/json");
}

int Server::bind(const std::string& host, int port) {
  if (port == 0) {
    int p = m->svr.bind_to_any_port(host);
    if (p < 0) throw core::Error("cannot bind to " + host + " on any port");
    return p;
  }
  if (!m->svr.bind_to_port(host, port))
    throw core::Error("cannot bind to " + host + ":" + std::to_string(port) +
                      " (in use, or not an address of this machine)");
  return port;
}

void Server::run() {
  m->svr.listen_after_bind();
}

void Server::stop() {
  if (m && m->svr.is_running()) m->svr.stop();
}

}  // namespace minemap::http
