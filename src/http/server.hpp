// The HTTP server: routes of plain request/response values, on cpp-httplib (the only
// file that includes it is server.cpp). Handlers throw core errors; the server turns
// them into application/problem+json responses with the matching status.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace minemap::http {

struct Request {
  std::string method;
  std::string path;
  std::string body;
  std::string remote_addr;            // the client's address
  std::vector<std::string> captures;  // the route pattern's groups, in order
  std::multimap<std::string, std::string> query;
  std::multimap<std::string, std::string> headers;

  // The first value of a query parameter.
  std::optional<std::string> param(const std::string& name) const;
  // A header's value ("" when absent); names compare without case.
  std::string header(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Response(const Request&)>;

// RFC 9457 problem details: {"type", "title", "status", "detail"}.
Response problem(int status, const std::string& title, const std::string& detail = "");

class Server {
 public:
  // `threads` workers answer requests (0: one per core, at least 4).
  explicit Server(unsigned threads = 0);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // `pattern` is an ECMAScript regular expression matched against the whole path;
  // its groups become Request::captures.
  void route(const std::string& method, const std::string& pattern, Handler h);

  // Serves the files under `dir` at `prefix` ("/app/" -> dir/index.html for "/app/").
  // Throws core::Error when dir is not a directory.
  void mount(const std::string& prefix, const std::string& dir);

  // Binds to host:port (port 0: any free port) and returns the port; throws
  // core::Error when the address cannot be bound.
  int bind(const std::string& host, int port);
  // Serves until stop() (from another thread or a signal handler's thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace minemap::http
