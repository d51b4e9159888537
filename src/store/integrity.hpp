// Tamper evidence: `minemap verify` replays the audit trail and compares every table
// with what the trail says it must hold, row by row and field by field; checks the
// chain's links and the objects that keep it append-only; and, given a public key,
// that the chain still extends every checkpoint signed with it. quick_check() is the
// part cheap enough to run whenever a server starts. docs/store.md describes what is
// covered and what an attacker can and cannot hide.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/backend.hpp"

namespace minemap::store {

// One way the store differs from its audit trail.
struct Difference {
  std::string table;        // "victims", "users", "hazard_status", "checkpoints", "audit"
  std::string id;           // the row's id (a user's name, a status row's hazard, an entry's seq)
  std::string field;        // "outcome", "geometry", "deleted" ...; "" for the row as a whole
  std::string table_value;  // JSON text of what the table holds ("" when not applicable)
  std::string audit_value;  // JSON text of what the audit says ("" when not applicable)
  std::int64_t entry = 0;   // the audit entry that says otherwise (0: none)
  std::int64_t row = 0;     // hazard_status: the row's number
  std::string message;      // the whole line for people
};

struct ChainHead {
  std::int64_t seq = 0;  // 0: an empty trail
  std::string hash;
};

struct CheckpointSummary {
  bool checked = false;              // a public key was given
  int valid = 0;                     // checkpoints signed with the key (in the store or given)
  int other_keys = 0;                // checkpoints signed with other keys: not checked
  std::optional<Checkpoint> latest;  // the valid one with the highest seq
};

struct IntegrityReport {
  bool quick = false;  // quick_check: no replay of the tables
  std::int64_t entries = 0;
  ChainHead head;
  std::vector<Difference> differences;  // the first VerifyOptions::max_differences
  std::int64_t differences_total = 0;
  CheckpointSummary checkpoints;
  bool intact() const { return differences_total == 0; }
};

struct VerifyOptions {
  // Raw Ed25519 public key: when given, every checkpoint signed with it must still hold,
  // and at least one must exist.
  std::optional<std::string> public_key;
  std::vector<Checkpoint> outside_checkpoints;  // kept outside the store (--checkpoint)
  std::size_t max_differences = 10000;
};

// The full check: the chain, the audit's protection, the replay of every table
// (entity tables with their deleted state, a hazard's remaining area recomputed from
// the replayed releases, users, status history, checkpoints), and checkpoints when a
// key is given. Streams the trail once and each table once; memory grows with the
// number of rows (a 16-byte digest each), not with the size of the trail.
IntegrityReport verify_store(Backend& b, const VerifyOptions& opt = {});

// What `serve` checks at start: the chain's links and hashes, the audit's protection,
// every checkpoint stored in the store against the chain (without a key: that its
// entry still has the hash it names), and an empty trail beside tables that hold rows.
// No replay of the tables.
IntegrityReport quick_check(Backend& b);

}  // namespace minemap::store
