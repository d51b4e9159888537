// Which handler answers a request, and how its errors become problem details: the
// routes (method + pattern), the static folders, HEAD, 404 and 405. No sockets here,
// so that every rule is tested in-process (tests/unit/http/test_router.cpp).
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "http/server.hpp"
#include "http/static_files.hpp"

namespace minemap::http {

class Router {
 public:
  // The longest path matched against the routes: libstdc++'s std::regex recurses once
  // per character, and a path of ~8,000 characters overflowed a thread's stack.
  static constexpr std::size_t kMaxPath = 2048;

  // Throws core::Error for a method other than GET, POST, PUT, PATCH or DELETE.
  void add(const std::string& method, const std::string& pattern, Handler h);
  void mount(const std::string& prefix, const std::string& dir);

  // The answer to `r` (its method, path and the rest filled in): the handler's
  // response, or a problem. Never throws: an unexpected exception is a 500 whose
  // detail says nothing of it (its message goes to stderr). For HEAD, the GET answer
  // (the server sends its headers only). Compressed when the request accepts gzip and
  // the response is eligible (http/encoding.hpp, negotiate_encoding).
  Response answer(Request& r) const;

 private:
  struct Route {
    std::string method;
    std::regex pattern;
    Handler handler;
  };
  Response dispatch(Request& r) const;
  Response answer_plain(Request& r) const;  // answer() before the encoding

  std::vector<Route> m_routes;
  std::vector<StaticFiles> m_mounts;
};

}  // namespace minemap::http
