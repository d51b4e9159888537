// libsodium behind the functions of store/crypto.hpp.
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

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
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

Digest16 blake2b_128(std::string_view bytes) {
  init();
  Digest16 out{};
  crypto_generichash(out.data(), out.size(), bytes_of(bytes), bytes.size(), nullptr, 0);
  return out;
}

std::string blake2b_hex(std::string_view bytes) {
  Blake2b h;
  h.update(bytes);
  return h.hex();
}

struct Sha256::State {
  crypto_hash_sha256_state st;
};

Sha256::Sha256() : m(std::make_unique<State>()) {
  init();
  crypto_hash_sha256_init(&m->st);
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes) {
  crypto_hash_sha256_update(&m->st, bytes_of(bytes), bytes.size());
}

std::string Sha256::hex() {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&m->st, out);
  return to_hex(out, sizeof out);
}

SigningKeys new_signing_keys() {
  init();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  SigningKeys k{std::string(reinterpret_cast<char*>(pk), sizeof pk),
                std::string(reinterpret_cast<char*>(sk), sizeof sk)};
  sodium_memzero(sk, sizeof sk);
  return k;
}

std::string public_key_of(const std::string& secret_key) {
  init();
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES)
    throw std::invalid_argument("an Ed25519 secret key has 64 bytes");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(pk, bytes_of(secret_key));
  return std::string(reinterpret_cast<char*>(pk), sizeof pk);
}

std::string sign(std::string_view message, const std::string& secret_key) {
  init();
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES)
    throw std::invalid_argument("an Ed25519 secret key has 64 bytes");
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, bytes_of(message), message.size(), bytes_of(secret_key));
  return std::string(reinterpret_cast<char*>(sig), sizeof sig);
}

bool signature_valid(std::string_view message, const std::string& signature,
                     const std::string& public_key) {
  init();
  if (signature.size() != crypto_sign_BYTES || public_key.size() != crypto_sign_PUBLICKEYBYTES)
    return false;
  return crypto_sign_verify_detached(bytes_of(signature), bytes_of(message), message.size(),
                                     bytes_of(public_key)) == 0;
}

std::string to_hex(std::string_view bytes) {
  return to_hex(bytes_of(bytes), bytes.size());
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  std::size_t n = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &n, &end) != 0 ||
      n != out.size() || end != hex.data() + hex.size())
    return std::nullopt;
  return out;
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
