// Cryptography, on libsodium (the only module that includes it): BLAKE2b for the audit
// chain, SHA-256 for exported files, Ed25519 signatures for checkpoints and exports,
// argon2id password hashes, random tokens for sessions and forms.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
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

// The first 16 bytes of BLAKE2b-128 of `bytes`: a compact fingerprint for comparing
// texts without keeping them (verify's replay holds one per row).
using Digest16 = std::array<unsigned char, 16>;
Digest16 blake2b_128(std::string_view bytes);

// Hex BLAKE2b-256 of one text.
std::string blake2b_hex(std::string_view bytes);

// SHA-256, fed in pieces: what exported files are fingerprinted with, because anyone
// can check it with `sha256sum`.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  std::string hex();  // the digest, lower-case hex; ends the hash

 private:
  struct State;
  std::unique_ptr<State> m;
};

// Ed25519 keys as raw bytes (public 32, secret 64: libsodium's seed + public key).
struct SigningKeys {
  std::string public_key;
  std::string secret_key;
};
SigningKeys new_signing_keys();
// The public half of a secret key; std::invalid_argument when it is not 64 bytes.
std::string public_key_of(const std::string& secret_key);
// A detached signature (64 raw bytes) of `message`.
std::string sign(std::string_view message, const std::string& secret_key);
// Whether `signature` is `public_key`'s over `message` (false for malformed input).
bool signature_valid(std::string_view message, const std::string& signature,
                     const std::string& public_key);

// Lower-case hex of bytes, and back (nullopt for anything but an even run of hex digits).
std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

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
