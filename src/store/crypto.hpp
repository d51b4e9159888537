// Cryptography, on libsodium (the only module that includes it): BLAKE2b for the audit
// chain, argon2id password hashes, random tokens for sessions and forms.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace minemap::store::crypto {

// BLAKE2b with a 256-bit digest, fed in pieces.
class Blake2b {
 public:
  Blake2b();
  ~Blake2b();
  Blake2b(const Blake2b&) = delete;
  Blake2b& operator=(const Blake2b&) = delete;
  void update(std::string_view bytes);
  std::string hex();  // the digest, lower-case hex; ends the hash

 private:
  struct State;
  std::unique_ptr<State> m;
};

// An argon2id hash of a password in the PHC string format ("$argon2id$v=19$m=...")
// with a random salt and libsodium's interactive limits (64 MiB, 2 passes).
std::string hash_password(std::string_view password);
// Whether `password` matches a hash of hash_password (false for anything else).
bool verify_password(const std::string& hash, std::string_view password);

// `bytes` random bytes from the system's generator, as hex.
std::string random_token(std::size_t bytes = 32);

// Compares in time independent of where they differ (tokens, never passwords).
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace minemap::store::crypto
