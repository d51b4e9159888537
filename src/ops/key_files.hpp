// Signing key files on disk: `minemap keygen` writes a pair, the commands that sign or
// check read one. The text forms are store/signing's.
#pragma once

#include <string>

namespace minemap::ops {

struct KeyFiles {
  std::string secret_path;  // NAME.key, mode 0600
  std::string public_path;  // NAME.pub
  std::string public_key;   // raw
};

// Makes a new Ed25519 key pair and writes NAME.key (created exclusively, readable by
// its owner only) and NAME.pub. core::Conflict when either exists: a key is never
// overwritten, since whatever it signed could no longer be checked.
KeyFiles write_new_key_pair(const std::string& name);

// The raw secret key of a NAME.key; core::InputError when the file is not one, or
// when others than its owner may read it (as ssh refuses such a key).
std::string read_secret_key(const std::string& path);
// The raw public key of a NAME.pub; core::InputError when the file is not one.
std::string read_public_key(const std::string& path);

}  // namespace minemap::ops
