// Signed exports: beside an exported OUT, a manifest (OUT.manifest.json: the store's
// audit head, the command, the time, the tool, the SHA-256 of every file written) and
// a detached Ed25519 signature of it (OUT.manifest.sig), so that whoever receives the
// files can tell they are what minemap wrote from that store (`minemap verify-export`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/integrity.hpp"

namespace minemap::ops {

struct ManifestInput {
  std::string output;                // OUT as given to export
  std::vector<std::string> files;    // every file written (paths), OUT among them
  std::vector<std::string> command;  // the command line, word by word
  std::string tool;                  // "minemap 0.1.0"
  std::string store;                 // the store's path
  std::string store_id;
  store::ChainHead head;  // the audit head the export was read at
  std::string entity;
  std::int64_t features = 0;
};

struct SignedManifest {
  std::string manifest_path, signature_path;
};

// Writes OUT.manifest.json and OUT.manifest.sig (replacing older ones).
SignedManifest write_signed_manifest(const ManifestInput& in, const std::string& secret_key);

struct ExportCheck {
  bool signature_valid = false;
  std::vector<std::string> problems;  // one line each: what differs
  std::vector<std::string> files;     // the files the manifest names
  std::string time, store, store_id, entity;
  store::ChainHead head;
  bool ok() const { return signature_valid && problems.empty(); }
};

// Checks OUT.manifest.sig against OUT.manifest.json with `public_key` (raw), then the
// size and SHA-256 of every file the manifest names. core::InputError when the
// manifest or its signature cannot be read at all.
ExportCheck verify_export(const std::string& output, const std::string& public_key);

}  // namespace minemap::ops
