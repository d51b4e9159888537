// The server's event-driven core on Boost.Beast/Asio: the acceptor, plain connections
// and the threads (server_tls.cpp has TLS connections; with their private header
// server_session.hpp, the only files that include Boost or OpenSSL). One or two I/O
// threads accept connections and read requests without blocking; only a complete
// request goes to a worker, which runs its handler; the response is written from the
// I/O side again. So an idle keep-alive connection or a client trickling its headers
// costs a socket and a small buffer, never a thread, and every phase of a connection
// has a deadline (ServerOptions).
#include "http/server.hpp"

#include <sys/resource.h>

#include <iostream>

#include "http/server_session.hpp"

namespace minemap::http {

using namespace server_detail;

void server_detail::start_plain_session(Shared& shared, tcp::socket&& socket, bool refuse) {
  std::make_shared<Session<beast::tcp_stream>>(shared, std::move(socket), refuse)->start();
}

struct Server::Impl {
  explicit Impl(ServerOptions o) { shared.opt = std::move(o); }
  ~Impl() { shared.pool.stop(); }  // before the io_context: queued tasks hold sessions

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Out of file descriptors (or another passing failure): wait instead of spinning.
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](error_code) { accept(); });
        return;
      }
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // small answers go out at once
      bool refuse = false;
      if (shared.connections.fetch_add(1) >= shared.opt.max_connections) {
        shared.connections.fetch_sub(1);
        if (shared.refusing.fetch_add(1) >= kMaxRefusing) {
          shared.refusing.fetch_sub(1);
          socket.close(ignored);
          return accept();
        }
        refuse = true;
      }
      if (shared.tls)
        start_tls_session(shared, std::move(socket), refuse);
      else
        start_plain_session(shared, std::move(socket), refuse);
      accept();
    });
  }

  // Room for every connection allowed, when the hard limit permits.
  void raise_file_limit() const {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    rlim_t want = shared.opt.max_connections + kMaxRefusing + 64;
    if (lim.rlim_cur >= want) return;
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? want : std::min(want, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < want)
      std::cerr << "minemap serve: warning: only " << lim.rlim_cur
                << " open files allowed (ulimit -n); fewer connections than --max-connections "
                << shared.opt.max_connections << " may be served\n";
  }

  Shared shared;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry{ioc};
};

Server::Server(ServerOptions options) : m(std::make_unique<Impl>(std::move(options))) {
  ServerOptions& o = m->shared.opt;
  if (o.threads == 0) o.threads = std::max(4u, std::thread::hardware_concurrency());
  if (o.io_threads == 0) o.io_threads = std::thread::hardware_concurrency() >= 4 ? 2 : 1;
  if (o.tls_cert.empty() != o.tls_key.empty())
    throw core::Error("TLS needs both a certificate and its key (--tls-cert and --tls-key)");
  if (o.tls_cert.empty()) return;
  m->shared.tls = make_tls_context(o.tls_cert, o.tls_key);
}

Server::~Server() {
  stop();
}

void Server::route(const std::string& method, const std::string& pattern, Handler h) {
  m->shared.router.add(method, pattern, std::move(h));
}

void Server::mount(const std::string& prefix, const std::string& dir) {
  m->shared.router.mount(prefix, dir);
}

Response Server::answer(Request& r) const {
  return m->shared.router.answer(r);
}

bool Server::secure() const {
  return m->shared.tls != nullptr;
}

int Server::bind(const std::string& host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  error_code ec;
  tcp::endpoint ep;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) {
    ep = tcp::endpoint(addr, static_cast<unsigned short>(port));
  } else {
    tcp::resolver resolver(m->ioc);
    auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty()) throw core::Error("cannot bind to " + where + ": unknown host");
    ep = *found.begin();
  }
  auto& a = m->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    a.close(ignored);
    throw core::Error("cannot bind to " + (port == 0 ? host + " on any port" : where) + " (" +
                      ec.message() + "; in use, or not an address of this machine)");
  }
  return a.local_endpoint().port();
}

void Server::run() {
  if (!m->acceptor.is_open()) throw core::Error("the server is not bound to an address");
  m->raise_file_limit();
  m->shared.pool.start(m->shared.opt.threads);
  m->accept();
  auto loop = [this] {
    for (;;) {
      try {
        m->ioc.run();
        return;
      } catch (const std::exception& e) {
        std::cerr << std::string("minemap serve: ") + e.what() + "\n" << std::flush;
      }
    }
  };
  std::vector<std::thread> io;
  for (unsigned i = 1; i < m->shared.opt.io_threads; ++i) io.emplace_back(loop);
  loop();
  for (auto& t : io) t.join();
  m->shared.pool.stop();
  error_code ignored;
  m->acceptor.close(ignored);
}

void Server::stop() {
  if (m) m->ioc.stop();
}

}  // namespace minemap::http
