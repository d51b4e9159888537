// The event-driven server in-process, over real sockets on 127.0.0.1: keep-alive and
// pipelining, Connection: close, HEAD, 100-continue, and each limit answered as
// documented (413 before the body, 431, 503 for connections and for requests in
// flight, slow headers closed). Waits are bounded and generous; nothing asserts time.
#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "common/raw_http.hpp"
#include "http/server.hpp"

namespace {

using minemap::http::Request;
using minemap::http::Response;
using minemap::http::Server;
using minemap::http::ServerOptions;
using testing_support::RawConnection;
using testing_support::RawReply;
using namespace std::chrono_literals;

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

std::string detail(const RawReply& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_object() ? j.value("detail", "") : "";
}

// A handler that holds its worker until released: requests "in flight".
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  int entered = 0;
  bool open = false;
  void pass() {
    std::unique_lock lock(mutex);
    ++entered;
    cv.notify_all();
    cv.wait_for(lock, 30s, [this] { return open; });
  }
  bool wait_entered(int n) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, 10s, [&] { return entered >= n; });
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    cv.notify_all();
  }
};

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions opt = {}) {
    m_server = std::make_unique<Server>(opt);
    m_server->route("GET", "/hello", [](const Request&) {
      Response r;
      r.content_type = "text/plain";
      r.body = "hello";
      return r;
    });
    m_server->route("GET", "/n/([0-9]+)", [](const Request& r) {
      Response out;
      out.body = r.captures.at(0);
      return out;
    });
    m_server->route("POST", "/echo", [](const Request& r) {
      Response out;
      out.body = r.body;
      return out;
    });
    m_server->route("GET", "/whoami", [](const Request& r) {
      Response out;
      out.body = nlohmann::json{
          {"addr", r.remote_addr},
          {"secure", r.secure},
          {"q", r.param("q").value_or("")},
          {"path",
           r.path}}.dump();
      return out;
    });
    m_server->route("GET", "/block", [this](const Request&) {
      m_gate.pass();
      return Response{};
    });
    m_server->route("GET", "/boom", [](const Request&) -> Response {
      throw std::runtime_error("cannot open /var/secret/store.gpkg");
    });
    m_port = m_server->bind("127.0.0.1", 0);
    m_thread = std::thread([this] { m_server->run(); });
  }
  void TearDown() override {
    m_gate.release();
    if (m_server) m_server->stop();
    if (m_thread.joinable()) m_thread.join();
  }
  RawReply ask(const std::string& bytes, bool head = false) {
    RawConnection c(m_port);
    c.send(bytes);
    return c.read_response(10s, head);
  }

  std::unique_ptr<Server> m_server;
  std::thread m_thread;
  int m_port = 0;
  Gate m_gate;
};

TEST_F(ServerTest, KeepAliveAndPipelinedRequestsInOrder) {
  start();
  RawConnection c(m_port);
  ASSERT_TRUE(c.send(get("/n/1") + get("/n/2") + get("/n/3")));
  for (const char* n : {"1", "2", "3"}) {
    auto r = c.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, n);
  }
  // The same connection again, later.
  ASSERT_TRUE(c.send(get("/hello")));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_FALSE(r.header("date").empty());
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  start();
  RawConnection c(m_port);
  c.send(get("/hello", "Connection: close\r\n"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(c.closed_within(10s));
  // HTTP/1.0 without keep-alive closes too.
  RawConnection old(m_port);
  old.send("GET /hello HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.read_response().status, 200);
  EXPECT_TRUE(old.closed_within(10s));
}

TEST_F(ServerTest, HeadSendsTheHeadersOnly) {
  start();
  RawConnection c(m_port);
  c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" + get("/n/9"));
  auto head = c.read_response(10s, true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "5");
  // No body followed: the next answer on the connection is the next request's.
  auto next = c.read_response();
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "9");
}

TEST_F(ServerTest, MethodsAndPaths) {
  start();
  auto r = ask("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET, HEAD");
  auto missing = ask(get("/no/such"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("content-type"), "application/problem+json");
  auto bad = ask(get("/hello%zz"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(detail(bad).find("percent-encoding"), std::string::npos);
  EXPECT_EQ(ask(get("/whoami?q=%G0")).status, 400);
  auto who = nlohmann::json::parse(ask(get("/who%61mi?q=a+b%21")).body);
  EXPECT_EQ(who["path"], "/whoami");
  EXPECT_EQ(who["q"], "a b!");
  EXPECT_EQ(who["addr"], "127.0.0.1");
  EXPECT_EQ(who["secure"], false);
  EXPECT_EQ(ask("NOT HTTP AT ALL\r\n\r\n").status, 400);
}

TEST_F(ServerTest, BodiesAndContinue) {
  start();
  auto r = ask("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde");
  EXPECT_EQ(r.body, "abcde");
  auto chunked =
      ask("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.body, "abcde");
  // Expect: 100-continue: the body is sent once the server said so.
  RawConnection c(m_port);
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.read_response(10s, true).status, 100);
  c.send("xyz");
  EXPECT_EQ(c.read_response().body, "xyz");
}

TEST_F(ServerTest, HandlerFailureIs500WithoutItsMessage) {
  start();
  testing::internal::CaptureStderr();
  auto r = ask(get("/boom"));
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(detail(r), "internal error; see the server log");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_NE(log.find("cannot open /var/secret/store.gpkg"), std::string::npos) << log;
}

TEST_F(ServerTest, BodyOverTheLimitIs413BeforeItIsSent) {
  ServerOptions opt;
  opt.max_body = 1000;
  start(opt);
  RawConnection c(m_port);
  // The head only: the answer comes without a byte of the body.
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n");
  auto r = c.read_response();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  EXPECT_EQ(detail(r), "body larger than the limit of 1000 bytes (serve --max-body)");
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(c.closed_within(10s));
  // At the limit it is accepted.
  auto ok = ask("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" +
                std::string(1000, 'x'));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.size(), 1000u);
}

TEST_F(ServerTest, ChunkedBodyIsCutAtTheLimit) {
  ServerOptions opt;
  opt.max_body = 1000;
  start(opt);
  RawConnection c(m_port);
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "258\r\n" + std::string(600, 'x') + "\r\n";
  for (int i = 0; i < 100 && !c.readable(); ++i)
    if (!c.send(chunk)) break;
  auto r = c.read_response();
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(detail(r).find("--max-body"), std::string::npos);
}

TEST_F(ServerTest, HeadersOverTheLimitAre431) {
  ServerOptions opt;
  opt.max_header = 2048;
  start(opt);
  auto r = ask(get("/hello", "X-Big: " + std::string(4000, 'b') + "\r\n"));
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(detail(r),
            "request line and headers larger than the limit of 2048 bytes (serve --max-header)");
  EXPECT_EQ(ask(get("/hello", "X-Small: " + std::string(1000, 's') + "\r\n")).status, 200);
}

TEST_F(ServerTest, SlowHeadersAreClosed) {
  ServerOptions opt;
  opt.header_timeout = 1s;
  start(opt);
  RawConnection c(m_port);
  c.send("GET /hello HTTP/1.1\r\n");
  // A header line every 200 ms would never end; the server closes it.
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) closed = !c.send("X-A: 1\r\n") || c.closed_within(200ms);
  EXPECT_TRUE(closed);
  // Others are served meanwhile and after.
  EXPECT_EQ(ask(get("/hello")).status, 200);
}

TEST_F(ServerTest, IdleAndSlowBodyConnectionsAreClosedAtTheirTimeouts) {
  ServerOptions opt;
  opt.idle_timeout = 1s;
  opt.body_timeout = 1s;
  start(opt);
  RawConnection idle(m_port);
  idle.send(get("/hello"));
  EXPECT_EQ(idle.read_response().status, 200);
  EXPECT_TRUE(idle.closed_within(10s));
  RawConnection slow(m_port);
  slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_TRUE(slow.closed_within(10s));
}

TEST_F(ServerTest, IdleConnectionsHoldNoWorker) {
  ServerOptions opt;
  opt.threads = 1;
  start(opt);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<RawConnection>(m_port));
    ASSERT_TRUE(idle.back()->send(get("/hello")));
    ASSERT_EQ(idle.back()->read_response().status, 200);  // then left open, idle
  }
  // Half a request, too: a header line without its end.
  RawConnection half(m_port);
  half.send("GET /hello HTTP/1.1\r\nHost: t\r\n");
  auto r = ask(get("/n/5"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "5");
}

TEST_F(ServerTest, RequestsInFlightBeyondTheLimitAre503) {
  ServerOptions opt;
  opt.threads = 4;
  opt.max_in_flight = 2;
  start(opt);
  RawConnection a(m_port), b(m_port);
  a.send(get("/block"));
  b.send(get("/block"));
  ASSERT_TRUE(m_gate.wait_entered(2));
  auto busy = ask(get("/hello"));
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.header("retry-after"), "1");
  EXPECT_EQ(detail(busy),
            "more than 2 requests in progress at once (serve --max-in-flight); try again shortly");
  m_gate.release();
  EXPECT_EQ(a.read_response().status, 200);
  EXPECT_EQ(b.read_response().status, 200);
  EXPECT_EQ(ask(get("/hello")).status, 200);
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAre503AndClosed) {
  ServerOptions opt;
  opt.max_connections = 2;
  start(opt);
  auto a = std::make_unique<RawConnection>(m_port);
  RawConnection b(m_port);
  for (RawConnection* c : {a.get(), &b}) {
    c->send(get("/hello"));
    ASSERT_EQ(c->read_response().status, 200);
  }
  RawConnection third(m_port);
  third.send(get("/hello"));
  auto r = third.read_response();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(detail(r).find("more than 2 connections open at once (serve --max-connections)"),
            std::string::npos);
  EXPECT_TRUE(third.closed_within(10s));
  // Once one leaves, a new connection is served (the server sees the close soon after).
  a.reset();
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = ask(get("/hello")).status;
    if (status != 200) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 200);
}

TEST_F(ServerTest, StopEndsRunWithConnectionsOpen) {
  start();
  RawConnection idle(m_port);
  idle.send(get("/hello"));
  EXPECT_EQ(idle.read_response().status, 200);
  m_server->stop();
  m_thread.join();
  m_server.reset();  // the connections close with the server
  EXPECT_TRUE(idle.closed_within(10s));
}

}  // namespace
