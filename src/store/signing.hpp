// Signing keys and checkpoints: the text forms of Ed25519 key files, and checkpoints of
// the audit chain's head (what is signed, how it is checked). The keys themselves are
// made and used in store/crypto.
#pragma once

#include <string>
#include <string_view>

#include "store/backend.hpp"

namespace minemap::store {

// Key files are one JSON object each: {"format": "minemap-secret-key/1", "algorithm":
// "ed25519", "secret_key": hex, "public_key": hex} and the same without the secret as
// "minemap-public-key/1". A key file of the wrong kind is refused by name.
std::string secret_key_text(const std::string& secret_key);
std::string public_key_text(const std::string& public_key);
// The raw key in `text`; core::InputError naming `where` when it is not such a file.
std::string secret_key_from_text(std::string_view text, const std::string& where);
std::string public_key_from_text(std::string_view text, const std::string& where);

// What a checkpoint's signature covers: the store's id, the head's seq and hash, and
// the time, one per line after a line naming the format (so that a signature over
// anything else, an export manifest say, is never taken for a checkpoint's).
std::string checkpoint_message(const Checkpoint& c);
// A checkpoint of the head (seq, hash) of store `store_id`, signed now with `secret_key`.
Checkpoint sign_checkpoint(std::int64_t seq, const std::string& hash, const std::string& store_id,
                           const std::string& secret_key);
// Whether `c` carries a valid signature by `public_key` (raw bytes).
bool checkpoint_signed_by(const Checkpoint& c, const std::string& public_key);

// The checkpoint as JSON (sorted keys, one line): what the audit and a checkpoint file
// (`minemap checkpoint -o`) hold.
std::string checkpoint_json(const Checkpoint& c);
// core::InputError naming `where` when `text` is not a checkpoint.
Checkpoint checkpoint_from_json(std::string_view text, const std::string& where);

}  // namespace minemap::store
