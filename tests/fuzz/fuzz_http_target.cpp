// Fuzz target for the request target parser (the path and query of every request the
// server reads). A core::InputError is the intended refusal of a bad escape; whatever
// is accepted must make sense: a path that starts with '/' and is no longer than the
// target, and every byte string survives percent-encoding and decoding unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "http/target.hpp"

namespace {

[[noreturn]] void invariant_failed() {
  __builtin_trap();
}

std::string encode_all(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minemap;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto t = http::parse_target(text);
    if (t.path.empty() || t.path[0] != '/' || t.path.size() > text.size()) invariant_failed();
    for (const auto& [k, v] : t.query)
      if (k.size() + v.size() > text.size()) invariant_failed();
  } catch (const core::InputError&) {
    // refused, with the part named
  }
  if (http::percent_decode(encode_all(text), false, "fuzz") != text) invariant_failed();
  return 0;
}
