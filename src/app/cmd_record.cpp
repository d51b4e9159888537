#include "app/cmd_record.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "app/cli_util.hpp"
#include "core/errors.hpp"
#include "io/read_input.hpp"
#include "io/record_csv.hpp"
#include "ops/minefield.hpp"
#include "record/digitize.hpp"

namespace minemap::app {

namespace {

struct RecordArgs {
  std::string store;
  std::string file;
  std::string out = "-";
  std::string id;
  std::string hazard;
  std::optional<double> declination;
  std::optional<std::string> crs;
  std::optional<double> pace_m;
  bool json = false;
};

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void print_warnings(const std::string& where, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::cerr << "warning: " << where << ": " << w << '\n';
}

record::Corrections corrections(const RecordArgs& a) {
  record::Corrections c;
  c.declination_deg = a.declination;
  c.crs = a.crs;
  c.pace_m = a.pace_m;
  return c;
}

// One line a person reads: rows, mines, misclosure, the corrections applied.
std::string summary(const record::Digitized& d) {
  std::string s =
      std::to_string(d.rows.size()) + " rows, " + std::to_string(d.mines.size()) + " mines";
  if (d.misclosure_m) {
    s += "; misclosure " + fixed(*d.misclosure_m, 3) + " m";
    if (d.misclosure_ratio && *d.misclosure_ratio > 0)
      s += " (1:" + fixed(1 / *d.misclosure_ratio, 0) + ")";
  }
  if (d.declination_source != "none")
    s += "; declination " + fixed(d.declination_deg_applied, 2) + " deg (" + d.declination_source +
         ")";
  if (!d.grid_crs.empty())
    s += "; convergence " + fixed(d.convergence_deg_applied, 3) + " deg (" + d.grid_crs + ")";
  return s;
}

nlohmann::json stored_json(const ops::StoredRecord& s) {
  const auto& d = s.digitized;
  nlohmann::json j = {
      {"id", s.id},
      {"record", s.parsed.record.id},
      {"derivation", s.derivation},
      {"rows", s.rows},
      {"mines", s.mines},
      {"misclosure_m", d.misclosure_m ? nlohmann::json(*d.misclosure_m) : nlohmann::json()},
      {"misclosure_ratio",
       d.misclosure_ratio ? nlohmann::json(*d.misclosure_ratio) : nlohmann::json()},
      {"declination_deg_applied", d.declination_deg_applied},
      {"declination_source", d.declination_source},
      {"convergence_deg_applied", d.convergence_deg_applied},
      {"area_m2", d.area_m2},
      {"warnings", d.warnings}};
  return j;
}

int cmd_digitize(const RecordArgs& a) {
  std::string name = a.file == "-" ? "<stdin>" : a.file;
  std::string text = io::read_input(a.file);
  record::Parsed p;
  record::Digitized d;
  try {
    p = record::parse(text);
    d = record::digitize(p, corrections(a));
  } catch (const core::InputError& e) {
    throw e.located(name);
  }
  print_warnings(name, d.warnings);
  io::write_output(a.out, record::to_geojson_text(p.record, d) + "\n");
  if (a.out != "-")
    std::cerr << name << ": " << p.record.id << ": " << summary(d) << " -> " << a.out << '\n';
  return 0;
}

int cmd_add(const RecordArgs& a) {
  std::string name = a.file == "-" ? "<stdin>" : a.file;
  std::string text = io::read_input(a.file);
  auto reg = store::Registry::open(a.store, false);
  std::optional<std::string> hazard;
  if (!a.hazard.empty()) hazard = a.hazard;
  auto s = ops::add_minefield_record(reg, text, name, hazard, current_actor());
  print_warnings(name, s.digitized.warnings);
  for (const auto& r : s.repairs) std::cerr << "repaired: " << name << ": perimeter" << r << '\n';
  if (a.json) {
    std::cout << stored_json(s).dump(2) << '\n';
  } else {
    std::cout << "added " << s.id << " (" << s.parsed.record.id << "): " << summary(s.digitized)
              << '\n';
  }
  return 0;
}

int cmd_redigitize(const RecordArgs& a) {
  auto fix = corrections(a);
  if (fix.empty())
    throw core::InputError("redigitize", "give a correction: --declination, --crs or --pace-m");
  auto reg = store::Registry::open(a.store, false);
  auto s = ops::redigitize_minefield_record(reg, a.id, fix, current_actor());
  print_warnings(a.id, s.digitized.warnings);
  if (a.json) {
    std::cout << stored_json(s).dump(2) << '\n';
  } else {
    std::cout << a.id << ": derivation " << s.derivation << ": " << summary(s.digitized)
              << " (earlier derivations kept in history)\n";
  }
  return 0;
}

int cmd_from_csv(const RecordArgs& a) {
  std::string name = a.file == "-" ? "<stdin>" : a.file;
  std::istringstream in(io::read_input(a.file));
  auto j = io::minefield_record_from_csv_ordered(in, name);
  std::string text = j.dump(2) + "\n";
  // The same rules as a record typed in JSON: a CSV that converts but does not make
  // a valid record fails here, not later.
  try {
    auto p = record::parse(text);
    print_warnings(name, p.warnings);
  } catch (const core::InputError& e) {
    throw e.located(name);
  }
  io::write_output(a.out, text);
  return 0;
}

void correction_options(CLI::App* c, RecordArgs& a) {
  c->add_option(
      "--declination", a.declination,
      "magnetic declination in degrees, east positive, replacing the record's (or the model's)");
  c->add_option("--crs", a.crs, "the CRS the record's coordinates are really in (e.g. EPSG:4284)");
  c->add_option("--pace-m", a.pace_m, "the length of a pace in metres, for records in paces")
      ->check(CLI::Range(0.1, 2.0));
}

}  // namespace

void add_record_commands(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<RecordArgs>();
  auto* rec = app.add_subcommand("record", "Minefield records: digitise, store, correct, convert");
  rec->require_subcommand(1);
  rec->footer(
      "A minefield record (mine map) is kept exactly as received (JSON, format minemap-record/1;\n"
      "docs/minefield-records.md) and its geometry derived from it: landmark, legs by bearing\n"
      "and distance (geodesics on WGS 84), perimeter, rows of mines.\n"
      "Examples:\n"
      "  minemap record digitize mr-0042.json -o mr-0042.geojson\n"
      "  minemap record add demo.gpkg mr-0042.json --hazard HZ-000001\n"
      "  minemap record redigitize demo.gpkg MR-000001 --declination 6.1\n"
      "  minemap record from-csv paper-record.csv -o mr-0042.json");

  auto* dig = rec->add_subcommand("digitize", "Print the geometry a record describes, as GeoJSON");
  dig->add_option("FILE", args->file, "the record (JSON), or - for standard input")->required();
  dig->add_option("-o,--output", args->out, "write the GeoJSON here instead of standard output");
  correction_options(dig, *args);
  dig->footer(
      "Output: a FeatureCollection (WGS 84) with the perimeter polygon, one line per row, one\n"
      "point per named point and per recorded mine, and the misclosure, the declination and\n"
      "convergence applied and the warnings as top-level members. Warnings also go to stderr.\n"
      "Example: minemap record digitize mr-0042.json -o mr-0042.geojson");
  dig->callback([&run, args] { run = [args] { return cmd_digitize(*args); }; });

  auto* add = rec->add_subcommand("add", "Store a record: raw, with its perimeter, rows and mines");
  add->add_option("STORE", args->store)->required();
  add->add_option("FILE", args->file, "the record (JSON), or - for standard input")->required();
  add->add_option("--hazard", args->hazard, "the hazardous area the record belongs to (HZ-...)");
  add->add_flag("--json", args->json, "print the result as JSON");
  add->footer(
      "The raw record goes into `records` (with the perimeter as its geometry); the rows and\n"
      "recorded mines into the layers `record-rows` and `record-mines`, all in one transaction.\n"
      "Example: minemap record add field.gpkg mr-0042.json --hazard HZ-000001");
  add->callback([&run, args] { run = [args] { return cmd_add(*args); }; });

  auto* re = rec->add_subcommand("redigitize",
                                 "Derive a stored record's geometry again, with a correction");
  re->add_option("STORE", args->store)->required();
  re->add_option("ID", args->id, "the record's id in the store (MR-...)")->required();
  correction_options(re, *args);
  re->add_flag("--json", args->json, "print the result as JSON");
  re->footer(
      "The new derivation replaces the rows and mines in the layers; the earlier ones stay in\n"
      "the store, deleted, and in `minemap history STORE records ID`. Corrections add up:\n"
      "a later --pace-m keeps an earlier --declination.\n"
      "Example: minemap record redigitize field.gpkg MR-000001 --declination 6.1");
  re->callback([&run, args] { run = [args] { return cmd_redigitize(*args); }; });

  auto* csv =
      rec->add_subcommand("from-csv", "Convert a record typed into the CSV template to JSON");
  csv->add_option("FILE", args->file, "the CSV (docs/minefield-record-template.csv), or -")
      ->required();
  csv->add_option("-o,--output", args->out, "write the JSON here instead of standard output");
  csv->footer("Example: minemap record from-csv paper-record.csv -o mr-0042.json");
  csv->callback([&run, args] { run = [args] { return cmd_from_csv(*args); }; });
}

}  // namespace minemap::app
