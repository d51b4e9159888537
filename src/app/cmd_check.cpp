#include "app/cmd_check.hpp"

#include <iostream>

#include "ops/check_data.hpp"
#include "store/registry.hpp"

namespace minemap::app {

namespace {

struct CheckArgs {
  std::string store, out;
  bool json = false, overwrite = false;
  ops::QualityOptions opt;
};

// Exit 0 when nothing is flagged, 1 when something is (docs/cli.md#check-data).
int cmd_check(const CheckArgs& a) {
  auto reg = store::Registry::open(a.store, false);
  const auto flags = ops::check_data(reg, a.opt);
  if (!a.out.empty()) ops::write_quality_gpkg(flags, a.out, a.overwrite);
  if (a.json)
    std::cout << ops::quality_json(flags).dump(2) << '\n';
  else
    std::cout << ops::quality_table(flags);
  return flags.empty() ? 0 : 1;
}

}  // namespace

void add_check_command(CLI::App& app, std::function<int()>& run) {
  static CheckArgs a;
  auto* c = app.add_subcommand(
      "check-data",
      "Data-quality report: features outside the admin areas or with lon/lat swapped, "
      "duplicates, far hazard links, closed hazards with area left, dates before the "
      "hazard's report or in the future");
  c->add_option("STORE", a.store)->required();
  c->add_option("--distance", a.opt.duplicate_m, "duplicates: the same place within M metres")
      ->capture_default_str();
  c->add_option("--days", a.opt.duplicate_days,
                "duplicates: the same date within N days (0: the same day)")
      ->capture_default_str();
  c->add_option("--link-km", a.opt.link_km,
                "a record (item, minefield record, land released) farther than KM from the "
                "hazard its hazard_id names")
      ->capture_default_str();
  c->add_flag("--json", a.json, "an array of {entity, id, check, reason, details} on stdout");
  c->add_option("-o,--output", a.out,
                "FLAGGED.gpkg: the flagged features (a point on each, with entity, id, check, "
                "reason) for QGIS");
  c->add_flag("--overwrite", a.overwrite, "replace the -o file if it exists");
  c->footer(
      "Exit codes: 0 nothing flagged, 1 something flagged (or a failure), 2 bad input.\n"
      "Example:\n"
      "  minemap check-data field.gpkg --distance 50 -o flagged.gpkg");
  c->callback([&] { run = [&] { return cmd_check(a); }; });
}

}  // namespace minemap::app
