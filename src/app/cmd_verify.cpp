// `minemap verify | keygen | checkpoint | verify-export`: arguments in, store/ and io/
// do the work, the report out. Exit codes: 0 intact, 1 tampering found (or a failure,
// as everywhere: the --json output tells them apart), 2 bad input.
#include "app/cmd_verify.hpp"

#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/cli_util.hpp"
#include "core/errors.hpp"
#include "io/read_input.hpp"
#include "ops/key_files.hpp"
#include "ops/signed_export.hpp"
#include "render/integrity_report.hpp"
#include "store/crypto.hpp"
#include "store/signing.hpp"

namespace minemap::app {
namespace {

struct VerifyArgs {
  std::string store, key, out, name;
  std::vector<std::string> checkpoints;
  bool json = false;
};

int cmd_verify(const VerifyArgs& a) {
  store::VerifyOptions opt;
  if (!a.key.empty()) opt.public_key = ops::read_public_key(a.key);
  for (const auto& f : a.checkpoints) {
    if (a.key.empty())
      throw core::InputError("--checkpoint", "needs --key NAME.pub to check its signature");
    opt.outside_checkpoints.push_back(store::checkpoint_from_json(io::read_input(f), f));
  }
  auto reg = store::Registry::open(a.store, false);
  auto report = reg.verify(opt);
  if (a.json) {
    std::cout << render::integrity_json(report) << '\n';
  } else {
    std::cout << render::integrity_text(report);
  }
  if (!report.intact())
    std::cerr << "minemap: " << a.store << " differs from its audit trail ("
              << report.differences_total << ")\n";
  return report.intact() ? 0 : 1;
}

int cmd_keygen(const VerifyArgs& a) {
  auto k = ops::write_new_key_pair(a.out);
  std::cout << "secret key: " << k.secret_path << " (keep it away from the store's machine)\n"
            << "public key: " << k.public_path << " (" << store::crypto::to_hex(k.public_key)
            << ")\n";
  return 0;
}

int cmd_checkpoint(const VerifyArgs& a) {
  const std::string secret = ops::read_secret_key(a.key);
  auto reg = store::Registry::open(a.store, false);
  // A checkpoint vouches for the chain: it signs no broken one.
  if (auto problem = reg.verify_audit())
    throw core::StorageError(a.store + ": the audit chain is broken, nothing signed: " + *problem);
  auto c = reg.checkpoint(secret, current_actor());
  const std::string text = store::checkpoint_json(c);
  if (!a.out.empty()) io::write_output(a.out, text + "\n");
  std::cout << text << '\n';
  std::cerr << "checkpoint " << c.id << ": entry " << c.seq << ", hash "
            << (c.hash.empty() ? "-" : c.hash) << (a.out.empty() ? "" : "; written to " + a.out)
            << '\n';
  return 0;
}

int cmd_verify_export(const VerifyArgs& a) {
  auto check = ops::verify_export(a.out, ops::read_public_key(a.key));
  if (a.json) {
    nlohmann::json j = {{"ok", check.ok()},
                        {"signature_valid", check.signature_valid},
                        {"problems", check.problems},
                        {"files", check.files},
                        {"time", check.time},
                        {"store", check.store},
                        {"store_id", check.store_id},
                        {"entity", check.entity},
                        {"audit_head", {{"seq", check.head.seq}, {"hash", check.head.hash}}}};
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << (check.ok() ? "intact: " : "TAMPERED: ") << a.out << " (" << check.files.size()
              << (check.files.size() == 1 ? " file" : " files") << ", exported " << check.time
              << " from " << check.store << " at audit entry " << check.head.seq << ", hash "
              << check.head.hash << ")\n";
    for (const auto& p : check.problems) std::cout << p << '\n';
  }
  return check.ok() ? 0 : 1;
}

}  // namespace

bool fit_to_serve(store::Registry& reg, bool allow_unverified) {
  const auto t0 = std::chrono::steady_clock::now();
  auto report = reg.quick_check();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  if (report.intact()) {
    std::cout << "minemap: audit chain checked: " << report.entries << " entries, head "
              << report.head.seq << " " << (report.head.hash.empty() ? "-" : report.head.hash)
              << " (" << ms << " ms)" << std::endl;
    return true;
  }
  std::cerr << render::integrity_text(report, 20);
  if (!allow_unverified) {
    std::cerr << "minemap: refusing to serve " << reg.location()
              << ": its audit trail is broken (run minemap verify; --allow-unverified serves it "
                 "anyway)\n";
    return false;
  }
  std::cerr << "minemap: WARNING: SERVING A STORE WHOSE AUDIT TRAIL IS BROKEN ("
            << report.differences_total
            << " problems, --allow-unverified): its data may have been changed behind minemap's "
               "back\n";
  return true;
}

void add_verify_commands(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<VerifyArgs>();

  auto* verify = app.add_subcommand(
      "verify", "Replay the audit trail and compare every table with it (tamper evidence)");
  verify->add_option("STORE", a->store)->required();
  verify->add_option("--key", a->key,
                     "NAME.pub: check that the chain extends every checkpoint signed with it");
  verify->add_option("--checkpoint", a->checkpoints,
                     "a checkpoint file kept outside the store (minemap checkpoint -o); "
                     "repeatable; needs --key");
  verify->add_flag("--json", a->json, "the report as JSON (keys: docs/cli.md)");
  verify->footer(
      "Prints a summary, the chain's head (note it: a later head must extend it) and one line\n"
      "per difference. Exit 0 intact, 1 tampering found.\n"
      "Examples:\n"
      "  minemap verify field.gpkg\n"
      "  minemap verify field.gpkg --key office.pub --checkpoint field-2026-05.checkpoint");
  verify->callback([a, &run] { run = [a] { return cmd_verify(*a); }; });

  auto* keygen =
      app.add_subcommand("keygen", "Make an Ed25519 key pair for checkpoints and exports");
  keygen->add_option("--out", a->out, "NAME: writes NAME.key (secret, mode 0600) and NAME.pub")
      ->required();
  keygen->footer(
      "Keep NAME.key off the machine that holds the store (whoever can write the store and\n"
      "read the key can forge checkpoints). Example: minemap keygen --out office");
  keygen->callback([a, &run] { run = [a] { return cmd_keygen(*a); }; });

  auto* cp =
      app.add_subcommand("checkpoint", "Sign the audit chain's head and keep it in the store");
  cp->add_option("STORE", a->store)->required();
  cp->add_option("--key", a->key, "NAME.key, the secret key")->required();
  cp->add_option("-o,--output", a->out, "also write the checkpoint to this file (keep it apart)");
  cp->footer(
      "Prints the signed checkpoint (JSON). A checkpoint file kept outside the store still\n"
      "catches a cut or rewritten trail when the checkpoints in the store were deleted too.\n"
      "Example: minemap checkpoint field.gpkg --key office.key -o field-2026-05.checkpoint");
  cp->callback([a, &run] { run = [a] { return cmd_checkpoint(*a); }; });

  auto* ve = app.add_subcommand("verify-export",
                                "Check a signed export: its manifest's signature and every file");
  ve->add_option("OUT", a->out, "the exported file (its OUT.manifest.json and .sig beside it)")
      ->required();
  ve->add_option("--key", a->key, "NAME.pub, the public key of whoever signed it")->required();
  ve->add_flag("--json", a->json, "as JSON");
  ve->footer(
      "Exit 0 intact, 1 a file or the manifest differs. Example:\n"
      "  minemap verify-export hazards.shp --key office.pub");
  ve->callback([a, &run] { run = [a] { return cmd_verify_export(*a); }; });
}

}  // namespace minemap::app
