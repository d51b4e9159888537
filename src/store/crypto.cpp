#include "store/crypto.hpp"

#include <sodium.h>

#include <stdexcept>
#include <vector>

namespace minemap::store::crypto {

namespace {

void init() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::runtime_error("libsodium failed to initialise");
}

std::string to_hex(const unsigned char* data, std::size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, n);
  hex.pop_back();
  return hex;
}

}  // namespace

struct Blake2b::State {
  crypto_generichash_state st;
};

Blake2b::Blake2b() : m(std::make_unique<State>()) {
  init();
  crypto_generichash_init(&m->st, nullptr, 0, crypto_generichash_BYTES);
}

Blake2b::~Blake2b() = default;

void Blake2b::update(std::string_view bytes) {
  crypto_generichash_update(&m->st, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
}

std::string Blake2b::hex() {
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash_final(&m->st, out, sizeof out);
  return to_hex(out, sizeof out);
}

std::string hash_password(std::string_view password) {
  init();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("out of memory hashing a password");
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  init();
  if (hash.rfind("$argon2id$", 0) != 0) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_token(std::size_t bytes) {
  init();
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  return to_hex(buf.data(), buf.size());
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace minemap::store::crypto
