// `minemap serve` against clients that are idle, slow, oversized or hostile, over real
// sockets (curl and a bare client): idle keep-alive connections hold no worker, a
// slow-header client is closed, bodies and headers over the limits are refused before
// they are read, static files never leave their folder, and HTTPS marks the session
// cookie Secure. Waits are bounded and generous; nothing asserts time.
#include <memory>

#include "common/raw_http.hpp"
#include "harness.hpp"

namespace {

using namespace harness;
using testing_support::RawConnection;
using namespace std::chrono_literals;

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

std::string detail(const testing_support::RawReply& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_object() ? j.value("detail", "") : "";
}

// curl's status code and headers ("-D -") for a URL with extra arguments.
struct CurlAnswer {
  int status = 0;
  std::string headers, body;
};
CurlAnswer curl(const std::string& args, const std::string& url) {
  TempDir io;
  auto r = shell("curl -s -g --max-time 20 -D " + quote((io / "h").string()) + " -o " +
                 quote((io / "b").string()) + " -w '%{http_code}' " + args + " " + quote(url));
  CurlAnswer a;
  a.status = r.out.empty() ? 0 : std::atoi(r.out.c_str());
  a.headers = slurp(io / "h");
  a.body = slurp(io / "b");
  return a;
}

class ServeLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = m_dir.file("field.gpkg");
    ASSERT_EQ(minemap({"init", m_store}).code, 0);
    auto r = minemap({"user", "add", m_store, "ops1", "--role", "data_entry"}, "a long password\n");
    ASSERT_EQ(r.code, 0) << r.err;
    // A web folder of its own, with a file beside it and a symbolic link out of it.
    fs::create_directories(m_dir / "site" / "web");
    write_file(m_dir / "site" / "web" / "index.html", "<html>the app</html>");
    write_file(m_dir / "site" / "web" / "app.js", "export const app = 1;");
    write_file(m_dir / "site" / "CMakeLists.txt", "project(secret)");
    write_file(m_dir / "secret.txt", "the secret");
    fs::create_symlink(m_dir / "secret.txt", m_dir / "site" / "web" / "leak.txt");
  }
  void serve(std::vector<std::string> extra = {}) {
    extra.push_back("--web");
    extra.push_back((m_dir / "site" / "web").string());
    m_server = std::make_unique<ServeProcess>(m_store, m_dir / "serve.log", extra);
    ASSERT_FALSE(m_server->url().empty()) << slurp(m_dir / "serve.log");
  }
  std::string url(const std::string& path) { return m_server->url() + path; }

  TempDir m_dir;
  std::string m_store;
  std::unique_ptr<ServeProcess> m_server;
};

TEST_F(ServeLimits, FiftyIdleKeepAliveConnectionsDoNotStopARequest) {
  serve();
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 50; ++i) {
    idle.push_back(std::make_unique<RawConnection>(m_server->port()));
    ASSERT_TRUE(idle.back()->send(get("/conformance")));
    ASSERT_EQ(idle.back()->read_response().status, 200) << i;  // then left open, idle
  }
  auto a = curl("--max-time 5", url("collections"));
  EXPECT_EQ(a.status, 200);
  // And each idle connection still answers.
  ASSERT_TRUE(idle.front()->send(get("/conformance")));
  EXPECT_EQ(idle.front()->read_response().status, 200);
}

TEST_F(ServeLimits, SlowHeaderClientIsClosed) {
  serve({"--header-timeout", "1"});
  RawConnection slow(m_server->port());
  slow.send("GET /collections HTTP/1.1\r\n");
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i)
    closed = !slow.send("X-Slow: 1\r\n") || slow.closed_within(200ms);
  EXPECT_TRUE(closed);
  EXPECT_EQ(curl("", url("collections")).status, 200);
}

TEST_F(ServeLimits, OversizedContentLengthIs413BeforeTheBody) {
  serve();
  RawConnection c(m_server->port());
  // 100 MB announced on an anonymous sign-in, not one byte of it sent.
  c.send(
      "POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 104857600\r\n\r\n");
  auto r = c.read_response();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  EXPECT_EQ(detail(r), "body larger than the limit of 33554432 bytes (serve --max-body)");
  EXPECT_TRUE(c.closed_within(10s));
  // curl's way (Expect: 100-continue for a large body) is refused the same way, before
  // the body is sent.
  const std::size_t big = 40u << 20;
  write_file(m_dir / "big.json", std::string(big, ' '));
  auto up = shell(
      "curl -s -o /dev/null -w '%{http_code} %{size_upload}' --max-time 60 "
      "-H 'Content-Type: application/json' --data-binary @" +
      quote((m_dir / "big.json").string()) + " " + quote(url("login")));
  int status = 0;
  double sent = -1;
  ASSERT_EQ(std::sscanf(up.out.c_str(), "%d %lf", &status, &sent), 2) << up.out;
  EXPECT_EQ(status, 413);
  EXPECT_LT(sent, static_cast<double>(big));
}

TEST_F(ServeLimits, ChunkedBodyOverTheLimitIs413) {
  serve({"--max-body", "1048576"});
  RawConnection c(m_server->port());
  c.send(
      "POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "10000\r\n" + std::string(65536, ' ') + "\r\n";
  for (int i = 0; i < 200 && !c.readable(); ++i)
    if (!c.send(chunk)) break;
  auto r = c.read_response();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(detail(r), "body larger than the limit of 1048576 bytes (serve --max-body)");
}

TEST_F(ServeLimits, TooLargeHeadersAre431) {
  serve();
  auto a = curl("-H " + quote("X-Big: " + std::string(20000, 'b')), url("collections"));
  EXPECT_EQ(a.status, 431);
  EXPECT_NE(a.headers.find("application/problem+json"), std::string::npos) << a.headers;
  EXPECT_NE(a.body.find("16384 bytes (serve --max-header)"), std::string::npos) << a.body;
}

TEST_F(ServeLimits, StaticFilesNeverLeaveTheirFolder) {
  serve();
  auto js = curl("", url("app/app.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_NE(js.headers.find("Content-Type: text/javascript"), std::string::npos) << js.headers;
  EXPECT_NE(js.headers.find("X-Content-Type-Options: nosniff"), std::string::npos);
  EXPECT_EQ(curl("", url("app/")).body, "<html>the app</html>");
  for (const char* path :
       {"app/index.html%00.js", "app/../CMakeLists.txt", "app/%2e%2e/CMakeLists.txt",
        "app/%2E%2E/%2E%2E/secret.txt", "app/leak.txt", "app/..%2fCMakeLists.txt",
        "app/.%2e/CMakeLists.txt", "app/..%5cCMakeLists.txt"}) {
    auto a = curl("--path-as-is", url(path));
    EXPECT_NE(a.status, 200) << path;
    EXPECT_TRUE(a.status == 404 || a.status == 400) << path << ": " << a.status;
    EXPECT_EQ(a.body.find("the app"), std::string::npos) << path;
    EXPECT_EQ(a.body.find("secret"), std::string::npos) << path;
    EXPECT_EQ(a.headers.find("javascript"), std::string::npos) << path;
  }
}

TEST_F(ServeLimits, KeepAliveHeadAnd405) {
  serve();
  RawConnection c(m_server->port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(get("/collections"))) << i;
    EXPECT_EQ(c.read_response().status, 200) << i;
  }
  auto full = curl("", url("collections"));
  auto head = curl("-I", url("collections"));
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.headers.find("Content-Length: " + std::to_string(full.body.size())),
            std::string::npos)
      << head.headers;
  // No body follows the headers: the next answer on the connection is the next
  // request's. (The links in the page are made from the Host header: the same here.)
  ASSERT_TRUE(c.send("HEAD /collections HTTP/1.1\r\nHost: test\r\n\r\n" + get("/collections")));
  auto h = c.read_response(10s, true);
  EXPECT_EQ(h.status, 200);
  auto next = c.read_response();
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(h.header("content-length"), std::to_string(next.body.size()));
  EXPECT_NE(next.body.find("\"collections\""), std::string::npos) << next.body;
  auto del = curl("-X DELETE", url("collections"));
  EXPECT_EQ(del.status, 405);
  EXPECT_NE(del.headers.find("Allow: GET, HEAD"), std::string::npos) << del.headers;
  auto put = curl("-X PUT", url("login"));
  EXPECT_EQ(put.status, 405);
  EXPECT_NE(put.headers.find("Allow: POST"), std::string::npos) << put.headers;
}

TEST_F(ServeLimits, HttpsWithASecureSessionCookie) {
  auto gen =
      shell("openssl req -x509 -newkey rsa:2048 -nodes -keyout " +
            quote((m_dir / "key.pem").string()) + " -out " + quote((m_dir / "cert.pem").string()) +
            " -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1");
  ASSERT_EQ(gen.code, 0) << gen.err;
  serve({"--tls-cert", (m_dir / "cert.pem").string(), "--tls-key", (m_dir / "key.pem").string(),
         "--header-timeout", "1"});
  ASSERT_EQ(m_server->url().rfind("https://", 0), 0u) << m_server->url();
  std::string ca = "--cacert " + quote((m_dir / "cert.pem").string());
  auto landing = curl(ca, url(""));
  EXPECT_EQ(landing.status, 200) << landing.body;
  EXPECT_NE(landing.body.find("\"links\""), std::string::npos);

  auto login = curl(ca + " -H 'Content-Type: application/json' --data " +
                        quote(R"({"name":"ops1","password":"a long password"})"),
                    url("login"));
  EXPECT_EQ(login.status, 200) << login.body;
  auto cookie = login.headers.find("Set-Cookie: minemap_session=");
  ASSERT_NE(cookie, std::string::npos) << login.headers;
  std::string line = login.headers.substr(cookie, login.headers.find('\n', cookie) - cookie);
  EXPECT_NE(line.find("; Secure"), std::string::npos) << line;
  EXPECT_NE(line.find("HttpOnly"), std::string::npos) << line;
  // Keep-alive over TLS: several requests on one connection.
  auto two = shell("curl -s -o /dev/null -o /dev/null -w '%{http_code}%{num_connects}\\n' " + ca +
                   " " + quote(url("conformance")) + " " + quote(url("collections")));
  EXPECT_EQ(two.out, "2001\n2000\n") << two.err;
  // A client that never starts its handshake is closed as a slow header is.
  RawConnection silent(m_server->port());
  EXPECT_TRUE(silent.closed_within(10s));
  // Plain HTTP to the HTTPS port gets nothing.
  std::string plain = m_server->url();
  plain.replace(0, 5, "http");
  EXPECT_NE(curl("", plain).status, 200);
}

TEST_F(ServeLimits, PlainHttpOnAPublicAddressWarns) {
  m_server = std::make_unique<ServeProcess>(m_store, m_dir / "serve.log",
                                            std::vector<std::string>{"--bind", "0.0.0.0"},
                                            m_dir / "serve.err");
  ASSERT_FALSE(m_server->url().empty()) << slurp(m_dir / "serve.log");
  std::string err = slurp(m_dir / "serve.err");
  EXPECT_NE(err.find("sign-ins would travel in clear text"), std::string::npos) << err;
  EXPECT_NE(err.find("--tls-cert/--tls-key or a reverse proxy with TLS"), std::string::npos);
  // On loopback, no warning.
  auto local = std::make_unique<ServeProcess>(m_store, m_dir / "local.log",
                                              std::vector<std::string>{}, m_dir / "local.err");
  ASSERT_FALSE(local->url().empty());
  EXPECT_EQ(slurp(m_dir / "local.err").find("clear text"), std::string::npos);
}

TEST(ServeHelp, TeachesTheLimitsWithTheirDefaults) {
  auto r = minemap({"serve", "--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* s : {"--max-body", "33554432", "--max-header", "16384", "--max-connections",
                        "1024", "--max-in-flight", "64", "--header-timeout", "--idle-timeout",
                        "--tls-cert", "--tls-key", "openssl req -x509"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  auto bad = minemap({"serve", "x.gpkg", "--tls-cert", "/etc/hostname"});
  EXPECT_NE(bad.code, 0);
}

}  // namespace
