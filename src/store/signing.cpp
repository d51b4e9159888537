// Key files and checkpoints; see signing.hpp.
#include "store/signing.hpp"

#include <nlohmann/json.hpp>

#include "core/date.hpp"
#include "core/errors.hpp"
#include "store/crypto.hpp"

namespace minemap::store {
namespace {

constexpr std::string_view kSecretFormat = "minemap-secret-key/1";
constexpr std::string_view kPublicFormat = "minemap-public-key/1";
constexpr std::string_view kCheckpointFormat = "minemap-checkpoint/1";
constexpr std::size_t kPublicKeyBytes = 32, kSecretKeyBytes = 64;

nlohmann::json parse_object(std::string_view text, const std::string& where,
                            std::string_view what) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) throw core::InputError(where, "not a " + std::string(what) + " (JSON)");
  return j;
}

std::string hex_member(const nlohmann::json& j, const char* key, std::size_t bytes,
                       const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw core::InputError(where, std::string("no \"") + key + "\"");
  auto raw = crypto::from_hex(it->get<std::string>());
  if (!raw || raw->size() != bytes)
    throw core::InputError(
        where, std::string("\"") + key + "\" is not " + std::to_string(bytes) + " bytes of hex");
  return *raw;
}

std::string format_of(const nlohmann::json& j) {
  auto it = j.find("format");
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string secret_key_text(const std::string& secret_key) {
  return nlohmann::json{{"format", kSecretFormat},
                        {"algorithm", "ed25519"},
                        {"secret_key", crypto::to_hex(secret_key)},
                        {"public_key", crypto::to_hex(crypto::public_key_of(secret_key))}}
             .dump(2) +
         "\n";
}

std::string public_key_text(const std::string& public_key) {
  return nlohmann::json{{"format", kPublicFormat},
                        {"algorithm", "ed25519"},
                        {"public_key", crypto::to_hex(public_key)}}
             .dump(2) +
         "\n";
}

std::string secret_key_from_text(std::string_view text, const std::string& where) {
  auto j = parse_object(text, where, "secret key file");
  const std::string format = format_of(j);
  if (format == kPublicFormat)
    throw core::InputError(where, "a public key: signing needs the secret key (NAME.key)");
  if (format != kSecretFormat)
    throw core::InputError(where, "not a minemap secret key (made by `minemap keygen`)");
  auto key = hex_member(j, "secret_key", kSecretKeyBytes, where);
  // The file's public key must be the secret's own: a file stitched from two keys
  // would sign what it does not claim to.
  if (j.contains("public_key") &&
      hex_member(j, "public_key", kPublicKeyBytes, where) != crypto::public_key_of(key))
    throw core::InputError(where, "the public key does not belong to the secret key");
  return key;
}

std::string public_key_from_text(std::string_view text, const std::string& where) {
  auto j = parse_object(text, where, "public key file");
  const std::string format = format_of(j);
  if (format == kSecretFormat)
    throw core::InputError(where,
                           "a secret key: give the public key (NAME.pub); keep the secret one "
                           "away from the store");
  if (format != kPublicFormat)
    throw core::InputError(where, "not a minemap public key (made by `minemap keygen`)");
  return hex_member(j, "public_key", kPublicKeyBytes, where);
}

std::string checkpoint_message(const Checkpoint& c) {
  return std::string(kCheckpointFormat) + "\nstore " + c.store_id + "\nseq " +
         std::to_string(c.seq) + "\nhash " + c.hash + "\ntime " + c.time + "\n";
}

Checkpoint sign_checkpoint(std::int64_t seq, const std::string& hash, const std::string& store_id,
                           const std::string& secret_key) {
  Checkpoint c;
  c.seq = seq;
  c.hash = hash;
  c.time = core::utc_timestamp();
  c.store_id = store_id;
  c.public_key = crypto::to_hex(crypto::public_key_of(secret_key));
  c.signature = crypto::to_hex(crypto::sign(checkpoint_message(c), secret_key));
  return c;
}

bool checkpoint_signed_by(const Checkpoint& c, const std::string& public_key) {
  auto sig = crypto::from_hex(c.signature);
  return sig && crypto::signature_valid(checkpoint_message(c), *sig, public_key);
}

std::string checkpoint_json(const Checkpoint& c) {
  return nlohmann::json{{"format", kCheckpointFormat},
                        {"id", c.id},
                        {"seq", c.seq},
                        {"hash", c.hash},
                        {"time", c.time},
                        {"store_id", c.store_id},
                        {"public_key", c.public_key},
                        {"signature", c.signature}}
      .dump();
}

Checkpoint checkpoint_from_json(std::string_view text, const std::string& where) {
  auto j = parse_object(text, where, "checkpoint");
  if (format_of(j) != kCheckpointFormat)
    throw core::InputError(where, "not a minemap checkpoint (made by `minemap checkpoint -o`)");
  Checkpoint c;
  try {
    c.id = j.value("id", "");
    c.seq = j.at("seq").get<std::int64_t>();
    c.hash = j.at("hash").get<std::string>();
    c.time = j.at("time").get<std::string>();
    c.store_id = j.at("store_id").get<std::string>();
    c.public_key = j.at("public_key").get<std::string>();
    c.signature = j.at("signature").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    throw core::InputError(where,
                           "a checkpoint needs seq, hash, time, store_id, public_key "
                           "and signature");
  }
  return c;
}

}  // namespace minemap::store
