// The HTTP server: routes of plain request/response values, served by an event-driven
// core (Boost.Beast/Asio, only in server.cpp and server_tls.cpp) that reads requests on
// one or two I/O threads and hands each complete request to a pool of workers. Handlers
// throw core errors; the server turns them into application/problem+json responses.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace minemap::http {

struct Request {
  std::string method;
  std::string path;  // percent-decoded, without the query string
  std::string body;
  std::string remote_addr;            // the client's address
  bool secure = false;                // came over TLS
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
// A JSON answer of the API (`status`, not cached).
Response json_response(const nlohmann::json& j, int status = 200);

// What one client may cost the server. Idle and slow connections hold no worker (only a
// socket and a small buffer), so the limits bound memory and file descriptors, and the
// timeouts free what a client left behind. Each refusal names its option (`serve --...`).
struct ServerOptions {
  unsigned threads = 0;              // workers running handlers (0: one per core, at least 4)
  unsigned io_threads = 0;           // threads reading and writing sockets (0: 1, or 2 on 4+ cores)
  std::size_t max_body = 32u << 20;  // request body bytes; more: 413
  std::size_t max_header = 16u << 10;       // request line and headers; more: 431
  std::size_t max_connections = 1024;       // open at once; more: 503 and closed
  std::size_t max_in_flight = 64;           // requests at the workers; more: 503, Retry-After
  std::chrono::seconds header_timeout{10};  // from a request's first byte to its last header
  std::chrono::seconds body_timeout{60};    // for the whole body, once the head is read
  std::chrono::seconds idle_timeout{60};    // a keep-alive connection without a request
  std::chrono::seconds write_timeout{30};   // for a whole response
  std::string tls_cert;                     // PEM certificate chain file: HTTPS when set
  std::string tls_key;                      // PEM private key file
};

class Server {
 public:
  // Throws core::Error when the TLS certificate or key cannot be loaded.
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // `method` is GET, POST, PUT, PATCH or DELETE (a GET route answers HEAD too).
  // `pattern` is an ECMAScript regular expression matched against the whole
  // percent-decoded path; its groups become Request::captures.
  void route(const std::string& method, const std::string& pattern, Handler h);

  // Serves the files under `dir` at `prefix` ("/app/" -> dir/index.html for "/app/").
  // Throws core::Error when dir is not a directory.
  void mount(const std::string& prefix, const std::string& dir);

  // Binds to host:port (port 0: any free port) and returns the port; throws
  // core::Error when the address cannot be bound.
  int bind(const std::string& host, int port);
  // Serves until stop() (from another thread or a signal handler's thread). The
  // threads start here, so that they inherit the caller's signal mask.
  void run();
  void stop();

  bool secure() const;  // serving HTTPS

  // The answer to a request, as a connection would get it, without a socket (in-process
  // tests and the handlers' fuzzer).
  Response answer(Request& r) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace minemap::http
