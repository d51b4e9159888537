// The `minemap` command line: subcommands as in docs/cli.md, each in a file of its own
// (app/cmd_*.cpp). Exit codes: 0 done, 1 failed (I/O, storage, internal), 2 bad input,
// usage, or refused by a rule of the store.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/cli_util.hpp"
#include "app/cmd_check.hpp"
#include "app/cmd_demo.hpp"
#include "app/cmd_record.hpp"
#include "app/cmd_reliability.hpp"
#include "app/cmd_risk.hpp"
#include "app/cmd_serve.hpp"
#include "app/cmd_signals.hpp"
#include "app/cmd_simulate.hpp"
#include "app/cmd_stats.hpp"
#include "app/cmd_store.hpp"
#include "app/cmd_transfer.hpp"
#include "app/cmd_user.hpp"
#include "app/cmd_verify.hpp"
#include "app/cmd_workflow.hpp"
#include "core/errors.hpp"

using namespace minemap;

namespace {

// What STORE is, said in every command that takes it and has no more particular words
// for it (docs/cli.md: "STORE is a GeoPackage file").
void describe_store(CLI::App& parent) {
  for (CLI::App* sub : parent.get_subcommands([](CLI::App*) { return true; })) {
    if (auto* store = sub->get_option_no_throw("STORE"); store && store->get_description().empty())
      store->description(app::kStoreHelp);
    describe_store(*sub);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "minemap: an information system for humanitarian mine action.\n"
      "Hazardous areas and land release, minefield records, items found, accidents and victims,\n"
      "in one GeoPackage file (STORE) that QGIS and GDAL open as it is, or in a PostgreSQL +\n"
      "PostGIS database (STORE: postgresql://...) for many users and servers.",
      // The usage lines say `minemap`, not the path the binary was run by.
      "minemap"};
  app.require_subcommand(1);
  app.set_version_flag("--version", app::kVersion);
  app.footer(
      "Exit codes: 0 done, 1 failed (I/O, storage; verify, verify-export: tampering found),\n"
      "2 bad input (a STORE that is not a minemap store too), usage, or refused by a\n"
      "rule of the store (a workflow step, four eyes).\n"
      "Example, to start with:  minemap demo   (a synthetic store to explore)\n"
      "Run `minemap COMMAND --help` for a command's options and examples.");

  std::function<int()> run;
  app::add_store_commands(app, run);
  app::add_demo_command(app, run);
  app::add_stats_commands(app, run);
  app::add_transfer_commands(app, run, argc, argv);
  app::add_check_command(app, run);
  app::add_record_commands(app, run);
  app::add_reliability_command(app, run);
  app::add_signals_command(app, run);
  app::add_risk_commands(app, run);
  app::add_simulate_command(app, run);
  app::add_serve_command(app, run);
  app::add_user_command(app, run);
  app::add_verify_commands(app, run);
  app::add_workflow_commands(app, run);
  describe_store(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Point at the help of the command that was being parsed ("minemap add --help").
    std::string command = "minemap";
    for (const CLI::App* sub = &app; !sub->get_subcommands().empty();) {
      sub = sub->get_subcommands().front();
      command += " " + sub->get_name();
    }
    std::cerr << "minemap: " << e.what() << " (see " << command << " --help)\n";
    return 2;
  }
  try {
    return run ? run() : 2;
  } catch (const core::Error& e) {
    // Input refused (bad, unknown, in conflict, not allowed): exit 2; anything else failed.
    const bool refused =
        dynamic_cast<const core::InputError*>(&e) || dynamic_cast<const core::NotFound*>(&e) ||
        dynamic_cast<const core::Conflict*>(&e) || dynamic_cast<const core::Forbidden*>(&e);
    std::cerr << "minemap: " << (refused ? "error: " : "failed: ") << e.what() << '\n';
    return refused ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "minemap: failed: " << e.what() << '\n';
    return 1;
  }
}
