// Fuzz target for the HTTP API as a whole: a request of any method, target, headers and
// body, as a signed-in user of any role (or none), answered by every route of `minemap
// serve` over a demo store, without a socket. Whatever is sent, the answer is never a 5xx,
// and every refusal is problem+json.
//
// Input: the first byte picks the role (its value mod 5: anonymous, viewer, data_entry,
// verifier, admin) and whether the session's CSRF token is sent (bit 3); then
// "METHOD TARGET\n", header lines "Name: value\n", an empty line, and the body.
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "http/server.hpp"
#include "http/service.hpp"
#include "http/target.hpp"
#include "ops/demo.hpp"
#include "store/registry.hpp"

namespace {

using namespace minemap;

[[noreturn]] void invariant_failed() {
  __builtin_trap();
}

struct Signed {
  std::string cookie, csrf;
};

// The demo store, its users and the routes, made once per process.
struct World {
  std::filesystem::path dir;
  store::Registry store;
  http::Service service;
  http::Server server;
  std::array<Signed, 5> users;  // [0] signs in no one

  World() : dir(make_dir()), store(open(dir)), service(store) {
    service.install(server);
    const char* names[] = {"", "guest", "ops1", "amina", "root1"};
    for (int i = 1; i < 5; ++i) {
      store.add_user(names[i], std::string(store::kRoles[i - 1]), "a long password", {});
      http::Request r;
      r.method = "POST";
      r.path = "/login";
      r.remote_addr = "127.0.0.1";
      r.headers.emplace("Content-Type", "application/json");
      r.body = nlohmann::json{{"name", names[i]}, {"password", "a long password"}}.dump();
      auto out = service.auth().login(r);
      for (const auto& [k, v] : out.headers)
        if (k == "Set-Cookie") users[i].cookie = v.substr(0, v.find(';'));
      users[i].csrf = nlohmann::json::parse(out.body).value("csrf_token", "");
    }
  }
  ~World() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  static std::filesystem::path make_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "minemap-fuzz-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    return tmpl;
  }
  static store::Registry open(const std::filesystem::path& dir) {
    auto reg = store::Registry::open((dir / "fuzz.gpkg").string(), true);
    ops::build_demo(reg, {"fuzz"});
    return reg;
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  World& w = world();
  const Signed& who = w.users[data[0] % 5];
  const bool with_csrf = (data[0] & 8) != 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  http::Request r;
  r.remote_addr = "127.0.0.1";
  auto line_end = text.find('\n');
  std::string_view line = text.substr(0, line_end);
  text = line_end == std::string_view::npos ? std::string_view() : text.substr(line_end + 1);
  auto space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  r.method = std::string(line.substr(0, space));
  try {
    auto target = http::parse_target(line.substr(space + 1));
    r.path = std::move(target.path);
    r.query = std::move(target.query);
  } catch (const core::InputError&) {
    return 0;  // the server answers 400 before any route (fuzz_http_target)
  }
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view header = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (header.empty()) break;
    auto colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    auto value = header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.emplace(std::string(header.substr(0, colon)), std::string(value));
  }
  r.body = std::string(text);
  if (!who.cookie.empty()) r.headers.emplace("Cookie", who.cookie);
  if (with_csrf && !who.csrf.empty()) r.headers.emplace("X-CSRF-Token", who.csrf);

  http::Response out = w.server.answer(r);
  if (out.status < 100 || out.status >= 500) invariant_failed();
  if (out.status >= 400 && out.content_type != "application/problem+json") invariant_failed();
  return 0;
}
