// BLAKE2b hashing of audit entries (libsodium, used only here in store/).
#include "store/audit.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace minemap::store {
namespace {

void feed(crypto_generichash_state& st, const std::string& s) {
  // Length prefix so that ("ab","c") and ("a","bc") hash differently.
  unsigned long long n = s.size();
  std::array<unsigned char, 8> len{};
  for (int i = 0; i < 8; ++i)
    len[static_cast<std::size_t>(i)] = static_cast<unsigned char>(n >> (8 * i));
  crypto_generichash_update(&st, len.data(), len.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

}  // namespace

std::string audit_hash(const AuditEntry& e) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, crypto_generichash_BYTES);
  for (const std::string* s : {&e.prev_hash, &e.ts, &e.actor, &e.entity, &e.entity_id, &e.action,
                               &e.reason, &e.before, &e.after})
    feed(st, *s);
  feed(st, std::to_string(e.seq));
  std::array<unsigned char, crypto_generichash_BYTES> out{};
  crypto_generichash_final(&st, out.data(), out.size());
  std::string hex(out.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), out.data(), out.size());
  hex.pop_back();
  return hex;
}

std::optional<std::string> verify_audit_chain(const std::vector<AuditEntry>& entries) {
  std::string prev;
  std::int64_t seq = 0;
  for (const auto& e : entries) {
    const std::string at = "audit entry " + std::to_string(e.seq);
    if (e.seq != seq + 1) return at + ": expected entry " + std::to_string(seq + 1) + " here";
    if (e.prev_hash != prev) return at + ": does not link to the entry before it";
    if (audit_hash(e) != e.hash) return at + ": hash does not match its content";
    prev = e.hash;
    seq = e.seq;
  }
  return std::nullopt;
}

}  // namespace minemap::store
