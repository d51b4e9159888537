// The server's rules without a socket: request targets decoded strictly, routes with
// their captures, HEAD, 404 and 405, core errors mapped to statuses (and a 500 that
// tells the client nothing), and static files that never leave their folder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "http/router.hpp"
#include "http/target.hpp"

namespace {

using namespace minemap;
using minemap::http::Request;
using minemap::http::Response;
namespace fs = std::filesystem;

Request req(const std::string& method, const std::string& path) {
  Request r;
  r.method = method;
  r.path = path;
  return r;
}

std::string detail(const Response& r) {
  return nlohmann::json::parse(r.body).value("detail", "");
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

TEST(Target, PathAndQueryArePercentDecoded) {
  auto t = http::parse_target("/a%20b/c+d%2Fe?x=1&y=a+b%26c&flag&&z=%2B");
  EXPECT_EQ(t.path, "/a b/c+d/e");  // '+' is a plus in a path
  ASSERT_EQ(t.query.size(), 4u);
  EXPECT_EQ(t.query.find("x")->second, "1");
  EXPECT_EQ(t.query.find("y")->second, "a b&c");
  EXPECT_EQ(t.query.find("flag")->second, "");
  EXPECT_EQ(t.query.find("z")->second, "+");
  auto repeated = http::parse_query("k=1&k=2");
  EXPECT_EQ(repeated.count("k"), 2u);
}

TEST(Target, InvalidEscapesAreRefused) {
  for (const char* bad : {"/a%", "/a%4", "/a%zz", "/a%4g", "/?q=%", "/?q=%G1", "/?%=1"})
    EXPECT_THROW(http::parse_target(bad), core::InputError) << bad;
  EXPECT_THROW(http::parse_target("http://example.org/"), core::InputError);
  EXPECT_THROW(http::parse_target("*"), core::InputError);
  EXPECT_THROW(http::parse_target(""), core::InputError);
  // A NUL decodes as a byte like any other; the static files refuse it.
  EXPECT_EQ(http::parse_target("/a%00b").path, std::string("/a\0b", 4));
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add("GET", "/items/([0-9]+)", [](const Request& r) {
      Response out;
      out.body = "item " + r.captures.at(0);
      return out;
    });
    router.add("POST", "/items", [](const Request& r) {
      Response out;
      out.status = 201;
      out.body = r.body;
      return out;
    });
    router.add("GET", "/items", [](const Request&) { return Response{}; });
    router.add("GET", "/fail/([a-z]+)", [](const Request& r) -> Response {
      const std::string& k = r.captures.at(0);
      if (k == "notfound") throw core::NotFound("no such item");
      if (k == "input") throw core::InputError("limit", "not a number");
      if (k == "conflict") throw core::Conflict("already approved");
      if (k == "auth") throw core::AuthError("sign in first");
      if (k == "forbidden") throw core::Forbidden("not your role");
      if (k == "int") throw 42;
      throw std::runtime_error("sqlite: disk I/O error at /secret/store.gpkg");
    });
  }
  http::Router router;
};

TEST_F(RouterTest, RoutesMatchTheWholePathWithCaptures) {
  auto r = req("GET", "/items/42");
  auto out = router.answer(r);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, "item 42");
  auto partial = req("GET", "/items/42/more");
  EXPECT_EQ(router.answer(partial).status, 404);
  auto post = req("POST", "/items");
  post.body = "{}";
  EXPECT_EQ(router.answer(post).status, 201);
}

TEST_F(RouterTest, HeadAnswersAsGet) {
  auto r = req("HEAD", "/items/7");
  auto out = router.answer(r);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, "item 7");  // the server sends only its headers
}

TEST_F(RouterTest, UnknownPathIsProblem404) {
  auto r = req("GET", "/nowhere");
  auto out = router.answer(r);
  EXPECT_EQ(out.status, 404);
  EXPECT_EQ(out.content_type, "application/problem+json");
  auto j = nlohmann::json::parse(out.body);
  EXPECT_EQ(j["type"], "about:blank");
  EXPECT_EQ(j["title"], "Not Found");
  EXPECT_EQ(j["status"], 404);
}

TEST_F(RouterTest, OtherMethodIs405WithAllow) {
  auto del = req("DELETE", "/items");
  auto out = router.answer(del);
  EXPECT_EQ(out.status, 405);
  EXPECT_EQ(header(out, "Allow"), "GET, HEAD, POST");
  auto put = req("PUT", "/items/3");
  EXPECT_EQ(header(router.answer(put), "Allow"), "GET, HEAD");
  auto options = req("OPTIONS", "/items/3");
  EXPECT_EQ(router.answer(options).status, 405);
}

TEST_F(RouterTest, CoreErrorsBecomeTheirStatuses) {
  const std::pair<const char*, int> cases[] = {
      {"notfound", 404}, {"input", 400}, {"conflict", 409}, {"auth", 401}, {"forbidden", 403}};
  for (auto [k, status] : cases) {
    auto r = req("GET", std::string("/fail/") + k);
    auto out = router.answer(r);
    EXPECT_EQ(out.status, status) << k;
    EXPECT_EQ(out.content_type, "application/problem+json");
  }
  auto input = req("GET", "/fail/input");
  EXPECT_EQ(detail(router.answer(input)), "limit: not a number");
}

TEST_F(RouterTest, UnexpectedErrorsTellTheClientNothing) {
  for (const char* k : {"other", "int"}) {
    auto r = req("GET", std::string("/fail/") + k);
    testing::internal::CaptureStderr();
    auto out = router.answer(r);
    std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(out.status, 500);
    EXPECT_EQ(detail(out), "internal error; see the server log");
    EXPECT_EQ(out.body.find("secret"), std::string::npos) << out.body;
    if (std::string(k) == "other") {
      EXPECT_NE(log.find("/secret/store.gpkg"), std::string::npos) << log;
    }
  }
}

TEST_F(RouterTest, OverlongPathIsRefusedBeforeTheRegexes) {
  // std::regex recursed once per character and overflowed the stack on ~8,000.
  auto r = req("GET", "/items/" + std::string(100000, '1'));
  auto out = router.answer(r);
  EXPECT_EQ(out.status, 414);
  EXPECT_NE(detail(out).find("2048"), std::string::npos);
}

TEST_F(RouterTest, OnlyKnownMethodsMayBeRouted) {
  EXPECT_THROW(router.add("OPTIONS", "/x", [](const Request&) { return Response{}; }), core::Error);
  EXPECT_THROW(router.add("HEAD", "/x", [](const Request&) { return Response{}; }), core::Error);
  router.add("PATCH", "/x", [](const Request&) { return Response{}; });
  auto r = req("PATCH", "/x");
  EXPECT_EQ(router.answer(r).status, 200);
}

TEST(ContentType, ByExtension) {
  EXPECT_EQ(http::content_type_of("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(http::content_type_of("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(http::content_type_of("mod.MJS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(http::content_type_of("s.css"), "text/css; charset=utf-8");
  EXPECT_EQ(http::content_type_of("d.json"), "application/json");
  EXPECT_EQ(http::content_type_of("x.js.map"), "application/json");
  EXPECT_EQ(http::content_type_of("i.png"), "image/png");
  EXPECT_EQ(http::content_type_of("i.svg"), "image/svg+xml");
  EXPECT_EQ(http::content_type_of("favicon.ico"), "image/x-icon");
  EXPECT_EQ(http::content_type_of("f.woff2"), "font/woff2");
  EXPECT_EQ(http::content_type_of("a.exe"), "application/octet-stream");
  EXPECT_EQ(http::content_type_of("dir.d/README"), "application/octet-stream");
}

class StaticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "web" / "sub");
    std::ofstream(dir / "web" / "index.html") << "<html>home</html>";
    std::ofstream(dir / "web" / "app.js") << "export {};";
    std::ofstream(dir / "web" / "sub" / "b.css") << "body{}";
    std::ofstream(dir / "secret.txt") << "secret";
    fs::create_symlink(dir / "secret.txt", dir / "web" / "leak.txt");
    fs::create_symlink("app.js", dir / "web" / "alias.js");  // stays inside: served
    router.mount("/app/", (dir / "web").string());
  }
  Response get(const std::string& path, const std::string& method = "GET") {
    auto r = req(method, path);
    return router.answer(r);
  }
  testing_support::TempDir dir;
  http::Router router;
};

TEST_F(StaticTest, FilesWithTheirTypes) {
  auto home = get("/app/");
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(home.body, "<html>home</html>");
  EXPECT_EQ(home.content_type, "text/html; charset=utf-8");
  auto js = get("/app/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/app/sub/b.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(get("/app/alias.js").body, "export {};");
  EXPECT_EQ(get("/app/index.html", "HEAD").status, 200);
  auto moved = get("/app");
  EXPECT_EQ(moved.status, 301);
  EXPECT_EQ(header(moved, "Location"), "/app/");
}

TEST_F(StaticTest, NothingOutsideTheFolderNorDisguised) {
  for (std::string path :
       {std::string("/app/index.html\0.js", 19), std::string("/app/../secret.txt"),
        std::string("/app/sub/../app.js"), std::string("/app/./app.js"),
        std::string("/app/leak.txt"), std::string("/app/sub"), std::string("/app/sub\\b.css"),
        std::string("/app//app.js"), std::string("/app/missing.js"),
        std::string("/app/../web/app.js")}) {
    auto out = get(path);
    EXPECT_EQ(out.status, 404) << path;
    EXPECT_EQ(out.content_type, "application/problem+json") << path;
    EXPECT_EQ(out.body.find("secret"), std::string::npos) << path;
  }
}

TEST_F(StaticTest, OnlyGetAndHead) {
  auto out = get("/app/app.js", "POST");
  EXPECT_EQ(out.status, 405);
  EXPECT_EQ(header(out, "Allow"), "GET, HEAD");
}

TEST(Static, MountOfAMissingFolderFails) {
  http::Router router;
  EXPECT_THROW(router.mount("/app/", "/no/such/folder"), core::Error);
}

}  // namespace
