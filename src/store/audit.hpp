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

// Checks seq order, the prev_hash links and every hash. Returns the first
// problem found ("entry 17: hash does not match its content"), or nullopt.
std::optional<std::string> verify_audit_chain(const std::vector<AuditEntry>& entries);

}  // namespace minemap::store
