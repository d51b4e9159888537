// The connection of the HTTP server, on Boost.Beast/Asio: a private header of
// server.cpp (plain connections, the acceptor) and server_tls.cpp (TLS connections),
// included by nothing else. Its template is instantiated once for each kind of stream,
// in its own file, so that the two heavy halves compile side by side.
#pragma once

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

// GCC 12 at -O3 finds a "potential null pointer dereference" in Asio's scheduler once
// it is inlined into this code: a false positive inside the library.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#pragma GCC diagnostic pop

#include "core/errors.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/target.hpp"

namespace minemap::http::server_detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// Connections beyond --max-connections are answered 503 by at most this many sessions
// at once; past them a connection is closed unanswered.
inline constexpr std::size_t kMaxRefusing = 64;
// After a refusal the client may still be sending (a body we will not read): its bytes
// are read and dropped for this long, so that closing does not reset the connection
// and destroy the answer before the client has read it.
inline constexpr std::chrono::seconds kLinger{3};

// Runs handlers on a fixed set of threads. Tasks left in the queue at stop() are
// dropped unrun.
class WorkerPool {
 public:
  void start(unsigned n) {
    for (unsigned i = 0; i < n; ++i) m_threads.emplace_back([this] { work(); });
  }
  void post(std::function<void()> task) {
    {
      std::lock_guard lock(m_mutex);
      m_queue.push_back(std::move(task));
    }
    m_cv.notify_one();
  }
  void stop() {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_cv.notify_all();
    for (auto& t : m_threads) t.join();
    m_threads.clear();
    std::deque<std::function<void()>> dropped;
    std::lock_guard lock(m_mutex);
    dropped.swap(m_queue);
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_stopping) return;
        task = std::move(m_queue.front());
        m_queue.pop_front();
      }
      task();
    }
  }
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<std::function<void()>> m_queue;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

// What every connection shares; it outlives them all (Server::Impl holds it).
struct Shared {
  ServerOptions opt;
  Router router;
  WorkerPool pool;
  std::unique_ptr<ssl::context> tls;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> refusing{0};
  std::atomic<std::size_t> in_flight{0};
};

inline std::string str(beast::string_view s) {
  return std::string(s.data(), s.size());
}

// The Date header (RFC 9110 5.6.7).
inline std::string http_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

inline std::string bytes(std::size_t n) {
  return std::to_string(n) + " bytes";
}

// One connection, plain (beast::tcp_stream) or TLS (beast::ssl_stream over one). Its
// handlers run on its strand; a worker touches it only through asio::post.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(Shared& shared, tcp::socket&& socket, bool refuse)
      : m_shared(shared), m_opt(shared.opt), m_refuse(refuse), m_stream(make(socket, shared)) {
    error_code ec;
    auto ep = lowest().socket().remote_endpoint(ec);
    if (!ec) m_remote = ep.address().to_string();
    m_exec = m_stream.get_executor();
  }
  ~Session() { (m_refuse ? m_shared.refusing : m_shared.connections).fetch_sub(1); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    asio::dispatch(m_exec, [self = this->shared_from_this()] { self->begin(); });
  }

 private:
  static Stream make(tcp::socket& socket, Shared& shared) {
    if constexpr (kTls)
      return Stream(std::move(socket), *shared.tls);
    else
      return Stream(std::move(socket));
  }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }
  std::shared_ptr<Session> self() { return this->shared_from_this(); }

  void begin() {
    if constexpr (kTls) {
      // The handshake is part of the request head: a client that stalls in it is
      // closed as one that stalls in its headers.
      lowest().expires_after(m_opt.header_timeout);
      m_stream.async_handshake(ssl::stream_base::server, [self = self()](error_code ec) {
        if (ec) return self->close_now();
        self->wait_request();
      });
    } else {
      wait_request();
    }
  }

  // Between requests: nothing is asked of the client until its next request's first
  // byte, for up to the idle timeout.
  void wait_request() {
    m_parser.emplace();
    m_parser->header_limit(static_cast<std::uint32_t>(m_opt.max_header));
    m_parser->body_limit(m_opt.max_body);
    if (m_buffer.size() > 0) return read_head();  // pipelined
    lowest().expires_after(m_refuse ? m_opt.header_timeout : m_opt.idle_timeout);
    m_stream.async_read_some(m_buffer.prepare(1024), [self = self()](error_code ec, std::size_t n) {
      if (ec) return self->close_now();
      self->m_buffer.commit(n);
      self->read_head();
    });
  }

  void read_head() {
    lowest().expires_after(m_opt.header_timeout);
    bhttp::async_read_header(m_stream, m_buffer, *m_parser,
                             [self = self()](error_code ec, std::size_t) { self->on_head(ec); });
  }

  // A failed read: a refusal the client can still read, or a silent close (the client
  // left, or a deadline passed, which has closed the socket already).
  void on_read_error(error_code ec) {
    if (ec == bhttp::error::header_limit)
      return refuse(431, "Request Header Fields Too Large",
                    "request line and headers larger than the limit of " + bytes(m_opt.max_header) +
                        " (serve --max-header)");
    if (ec == bhttp::error::body_limit)
      return refuse(
          413, "Content Too Large",
          "body larger than the limit of " + bytes(m_opt.max_body) + " (serve --max-body)");
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
      return refuse(400, "Bad Request", "malformed request: " + ec.message());
    close_now();
  }

  void on_head(error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& req = m_parser->get();
    if (m_refuse)
      return refuse(503, "Service Unavailable",
                    "more than " + std::to_string(m_opt.max_connections) +
                        " connections open at once (serve --max-connections); try again shortly",
                    true);
    if (req.version() != 10 && req.version() != 11)
      return refuse(505, "HTTP Version Not Supported", "HTTP/1.1 or HTTP/1.0 expected");
    if (m_parser->is_done()) return on_request();
    // A chunked body's size is unknown: room for the largest allowed is reserved at
    // once, so that the string never doubles past the limit (pages are only resident
    // once written). A Content-Length body gets exactly its length.
    if (m_parser->chunked()) m_parser->get().body().reserve(m_opt.max_body);
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      // The client waits for this before sending its body (curl does for a body over
      // 1 MiB); a body over the limit was answered 413 above instead.
      m_continue = bhttp::response<bhttp::empty_body>(bhttp::status::continue_, 11);
      lowest().expires_after(m_opt.write_timeout);
      return bhttp::async_write(m_stream, m_continue, [self = self()](error_code wec, std::size_t) {
        if (wec) return self->close_now();
        self->read_body();
      });
    }
    read_body();
  }

  void read_body() {
    lowest().expires_after(m_opt.body_timeout);
    bhttp::async_read(m_stream, m_buffer, *m_parser, [self = self()](error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->on_request();
    });
  }

  void on_request() {
    auto msg = m_parser->release();
    const bool keep = msg.keep_alive(), head = msg.method() == bhttp::verb::head;
    m_version = msg.version();
    Request r;
    r.method = str(msg.method_string());
    r.remote_addr = m_remote;
    r.secure = kTls;
    for (const auto& f : msg) r.headers.emplace(str(f.name_string()), str(f.value()));
    try {
      Target t = parse_target(str(msg.target()));
      r.path = std::move(t.path);
      r.query = std::move(t.query);
    } catch (const core::InputError& e) {
      return respond(problem(400, "Bad Request", e.what()), keep, head);
    }
    r.body = std::move(msg.body());
    if (m_shared.in_flight.fetch_add(1) >= m_opt.max_in_flight) {
      m_shared.in_flight.fetch_sub(1);
      Response busy = problem(503, "Service Unavailable",
                              "more than " + std::to_string(m_opt.max_in_flight) +
                                  " requests in progress at once (serve --max-in-flight); "
                                  "try again shortly");
      busy.headers.emplace_back("Retry-After", "1");
      return respond(std::move(busy), keep, head);
    }
    m_shared.pool.post([self = self(), r = std::move(r), keep, head]() mutable {
      Response out = self->m_shared.router.answer(r);
      self->m_shared.in_flight.fetch_sub(1);
      asio::post(self->m_exec, [self, out = std::move(out), keep, head]() mutable {
        self->respond(std::move(out), keep, head);
      });
    });
  }

  // Answers and closes: the request (or what came of it) is not read further.
  void refuse(int status, const std::string& title, const std::string& detail, bool retry = false) {
    Response p = problem(status, title, detail);
    if (retry) p.headers.emplace_back("Retry-After", "1");
    respond(std::move(p), false, false);
  }

  void respond(Response out, bool keep, bool head) {
    m_res = {};
    m_res.version(m_version == 10 ? 10 : 11);
    m_res.result(static_cast<unsigned>(out.status));
    m_res.set(bhttp::field::date, http_date());
    m_res.set(bhttp::field::content_type, out.content_type);
    m_res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : out.headers) m_res.insert(k, v);
    m_res.keep_alive(keep && !m_refuse);
    const bool bodiless = out.status == 204 || out.status == 304 || out.status < 200;
    if (!bodiless) {
      m_res.content_length(out.body.size());
      if (!head) m_res.body() = std::move(out.body);
    }
    lowest().expires_after(m_opt.write_timeout);
    bhttp::async_write(m_stream, m_res, [self = self()](error_code ec, std::size_t) {
      if (ec) return self->close_now();
      if (!self->m_res.keep_alive()) return self->close_gracefully();
      self->m_res = {};
      // An idle connection keeps no buffer of its last request.
      if (self->m_buffer.size() == 0) self->m_buffer.shrink_to_fit();
      self->wait_request();
    });
  }

  void close_gracefully() {
    if constexpr (kTls) {
      lowest().expires_after(kLinger);
      m_stream.async_shutdown([self = self()](error_code) { self->close_now(); });
    } else {
      error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      m_buffer.consume(m_buffer.size());
      m_buffer.shrink_to_fit();
      lowest().expires_after(kLinger);
      drain();
    }
  }

  void drain() {
    m_stream.async_read_some(m_buffer.prepare(16384), [self = self()](error_code ec, std::size_t) {
      if (ec) return self->close_now();
      self->drain();  // prepare() reuses the same bytes: nothing is kept
    });
  }

  void close_now() {
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }

  Shared& m_shared;
  const ServerOptions& m_opt;
  const bool m_refuse;
  Stream m_stream;
  asio::any_io_executor m_exec;
  std::string m_remote;
  beast::flat_buffer m_buffer;
  std::optional<bhttp::request_parser<bhttp::string_body>> m_parser;
  bhttp::response<bhttp::string_body> m_res;
  bhttp::response<bhttp::empty_body> m_continue;
  unsigned m_version = 11;
};

// One connection served from now on: plain (server.cpp) or TLS (server_tls.cpp).
void start_plain_session(Shared& shared, tcp::socket&& socket, bool refuse);
void start_tls_session(Shared& shared, tcp::socket&& socket, bool refuse);
// The TLS context of a certificate chain and its key (PEM files); throws core::Error.
std::unique_ptr<ssl::context> make_tls_context(const std::string& cert, const std::string& key);

}  // namespace minemap::http::server_detail
