// Export manifests and their signatures; see signed_export.hpp. Files are fingerprinted
// with SHA-256 rather than BLAKE2b so that a recipient without minemap can still check
// them (sha256sum).
#include "ops/signed_export.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "core/date.hpp"
#include "core/errors.hpp"
#include "io/read_input.hpp"
#include "store/crypto.hpp"

namespace minemap::ops {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kManifestFormat = "minemap-export-manifest/1";
constexpr std::string_view kSignatureFormat = "minemap-signature/1";

struct Fingerprint {
  std::uintmax_t bytes = 0;
  std::string sha256;
};

// Streams the file: an export may be larger than memory allows twice.
std::optional<Fingerprint> fingerprint(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  store::crypto::Sha256 h;
  Fingerprint f;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    h.update({buf.data(), n});
    f.bytes += n;
  }
  if (in.bad()) return std::nullopt;
  f.sha256 = h.hex();
  return f;
}

std::string manifest_path(const std::string& output) {
  return output + ".manifest.json";
}
std::string signature_path(const std::string& output) {
  return output + ".manifest.sig";
}

}  // namespace

SignedManifest write_signed_manifest(const ManifestInput& in, const std::string& secret_key) {
  json files = json::array();
  for (const auto& f : in.files) {
    auto fp = fingerprint(f);
    if (!fp) throw core::StorageError("cannot read " + f + " to fingerprint it");
    // Names, not paths: the files travel together with their manifest, wherever to.
    files.push_back(
        {{"name", fs::path(f).filename().string()}, {"bytes", fp->bytes}, {"sha256", fp->sha256}});
  }
  json m = {{"format", kManifestFormat},
            {"tool", in.tool},
            {"time", core::utc_timestamp()},
            {"command", in.command},
            {"store",
             {{"path", in.store},
              {"id", in.store_id},
              {"audit_head", {{"seq", in.head.seq}, {"hash", in.head.hash}}}}},
            {"entity", in.entity},
            {"features", in.features},
            {"files", files},
            {"public_key", store::crypto::to_hex(store::crypto::public_key_of(secret_key))}};
  const std::string text = m.dump(2) + "\n";
  json sig = {{"format", kSignatureFormat},
              {"algorithm", "ed25519"},
              {"signed", fs::path(manifest_path(in.output)).filename().string()},
              {"public_key", m["public_key"]},
              {"signature", store::crypto::to_hex(store::crypto::sign(text, secret_key))}};
  SignedManifest out{manifest_path(in.output), signature_path(in.output)};
  io::write_output(out.manifest_path, text);
  io::write_output(out.signature_path, sig.dump(2) + "\n");
  return out;
}

ExportCheck verify_export(const std::string& output, const std::string& public_key) {
  const std::string mpath = manifest_path(output), spath = signature_path(output);
  const std::string text = io::read_input(mpath);
  auto sig = json::parse(io::read_input(spath), nullptr, false);
  if (!sig.is_object() || sig.value("format", "") != kSignatureFormat)
    throw core::InputError(spath, "not a minemap signature");
  auto m = json::parse(text, nullptr, false);
  if (!m.is_object() || m.value("format", "") != kManifestFormat)
    throw core::InputError(mpath, "not a minemap export manifest");

  ExportCheck out;
  auto raw = store::crypto::from_hex(sig.value("signature", ""));
  out.signature_valid = raw && store::crypto::signature_valid(text, *raw, public_key);
  if (!out.signature_valid) {
    const bool other = sig.value("public_key", "") != store::crypto::to_hex(public_key);
    out.problems.push_back(
        fs::path(mpath).filename().string() + ": the signature does not verify with this key (" +
        (other ? "signed with another key" : "the manifest or its signature was changed") + ")");
  }
  out.time = m.value("time", "");
  out.entity = m.value("entity", "");
  if (m.contains("store") && m["store"].is_object()) {
    const auto& s = m["store"];
    out.store = s.value("path", "");
    out.store_id = s.value("id", "");
    if (s.contains("audit_head") && s["audit_head"].is_object())
      out.head = {s["audit_head"].value("seq", std::int64_t{0}), s["audit_head"].value("hash", "")};
  }
  const fs::path dir = fs::path(output).parent_path();
  if (!m.contains("files") || !m["files"].is_array() || m["files"].empty())
    out.problems.push_back(fs::path(mpath).filename().string() + ": names no file");
  else
    for (const auto& f : m["files"]) {
      const std::string name = f.value("name", "");
      // A manifest names files beside it, never elsewhere.
      if (name.empty() || fs::path(name).filename().string() != name) {
        out.problems.push_back("the manifest names \"" + name + "\", which is not a file name");
        continue;
      }
      out.files.push_back(name);
      auto fp = fingerprint(dir / name);
      if (!fp) {
        out.problems.push_back(name + ": missing");
        continue;
      }
      const std::uintmax_t bytes = f.value("bytes", std::uintmax_t{0});
      if (fp->sha256 != f.value("sha256", ""))
        out.problems.push_back(name +
                               ": SHA-256 differs from the manifest's (changed after the "
                               "export" +
                               (fp->bytes != bytes ? ": " + std::to_string(fp->bytes) + " bytes, " +
                                                         std::to_string(bytes) + " when exported)"
                                                   : ")"));
    }
  return out;
}

}  // namespace minemap::ops
