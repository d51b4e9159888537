// The audit chain: every entry's hash covers the previous entry's hash, so that
// any change to a stored entry, or a removed one, shows (tamper evidence).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "store/backend.hpp"

namespace minemap::store {

// The JSON of a record in an audit entry (before/after): byte for byte
// geo::record_to_json(spec, r).dump(), which the hash chain of existing stores covers,
// written directly (several times faster: no JSON tree is built). Throws what dump()
// throws (text that is not UTF-8).
std::string audit_json(const core::EntitySpec& spec, const core::Record& r);

// Hex BLAKE2b-256 over e.prev_hash and every other field of e (length-prefixed).
std::string audit_hash(const AuditEntry& e);

// What the audit keeps of a user: name, role, disabled, created and the BLAKE2b-256 of
// the password hash, never the hash itself (docs/store.md says why a plain digest).
std::string user_audit_json(const User& u);
// What the audit keeps of one row of a hazard's status history (`row` is its fid).
std::string status_audit_json(std::int64_t row, const std::string& hazard_id,
                              const StatusChange& c);

// What the audit keeps of a store setting: {"key": ..., "value": ...}.
std::string setting_audit_json(const std::string& key, const std::string& value);

// Checks the chain entry by entry, as it streams by: seq order, prev_hash links and
// every hash. After a problem it goes on from the entry it was given, so that each
// break is reported once.
class ChainChecker {
 public:
  // The problem with `e` ("audit entry 17: hash does not match its content"), or nullopt.
  std::optional<std::string> feed(const AuditEntry& e);
  std::int64_t entries() const { return m_entries; }
  std::int64_t head_seq() const { return m_seq; }
  const std::string& head_hash() const { return m_prev; }

 private:
  std::string m_prev;
  std::int64_t m_seq = 0;
  std::int64_t m_entries = 0;
};

// Checks seq order, the prev_hash links and every hash. Returns the first
// problem found ("entry 17: hash does not match its content"), or nullopt.
std::optional<std::string> verify_audit_chain(const std::vector<AuditEntry>& entries);

}  // namespace minemap::store
