#include "app/cmd_transfer.hpp"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/cli_util.hpp"
#include "core/bbox.hpp"
#include "core/errors.hpp"
#include "io/read_input.hpp"
#include "ops/copy.hpp"
#include "ops/exporter.hpp"
#include "ops/importer.hpp"
#include "ops/key_files.hpp"
#include "ops/signed_export.hpp"
#include "store/registry.hpp"

namespace minemap::app {

namespace {

struct ImportArgs {
  std::string file, as, layer, crs, map_file, on_error = "stop", rejects, victims, split, geometry,
                                              key, mode = "insert", on_missing = "report";
  std::vector<std::string> where, map, set, date_formats;
  bool dry_run = false, json = false, check = false, strict = false;
};

int cmd_import(const std::string& path, const ImportArgs& a) {
  ops::ImportOptions opt;
  opt.spec = &core::spec_by_name(a.as);
  if (!a.map_file.empty()) opt.mapping = io::read_map_file(a.map_file, io::read_input(a.map_file));
  io::Mapping cli;
  cli.layer = a.layer;
  cli.crs = a.crs;
  for (const auto& m : a.map) io::add_map_option(cli, m);
  for (const auto& s : a.set) io::add_set_option(cli, s);
  for (const auto& w : a.where) io::add_where_option(cli, w);
  cli.date_formats = a.date_formats;
  cli.split = a.split;
  cli.geometry = a.geometry;
  cli.key = a.key;
  if (!a.victims.empty()) io::add_victims_option(cli, a.victims);
  io::merge(opt.mapping, cli);
  if (a.on_error != "stop" && a.on_error != "skip")
    throw core::InputError("--on-error", "\"" + a.on_error + "\" is not stop or skip");
  opt.skip_errors = a.on_error == "skip";
  if (a.mode != "insert" && a.mode != "update" && a.mode != "upsert")
    throw core::InputError("--mode", "\"" + a.mode + "\" is not insert, update or upsert");
  opt.mode = a.mode == "insert"   ? ops::ImportMode::Insert
             : a.mode == "update" ? ops::ImportMode::Update
                                  : ops::ImportMode::Upsert;
  if (a.on_missing != "report" && a.on_missing != "close")
    throw core::InputError("--on-missing", "\"" + a.on_missing + "\" is not report or close");
  opt.on_missing = a.on_missing == "close" ? ops::OnMissing::Close : ops::OnMissing::Report;
  opt.dry_run = a.dry_run;
  opt.rejects_path = a.rejects;
  if (a.check || a.strict) opt.check.emplace();
  opt.strict = a.strict;
  auto reg = store::Registry::open(path, false);
  auto sum = ops::import_file(reg, a.file, opt, app::current_actor());
  if (a.json)
    std::cout << ops::summary_json(sum) << '\n';
  else
    std::cerr << ops::summary_text(sum, a.dry_run);
  return 0;
}

struct ExportArgs {
  std::string as, out, format, bbox, sign;
  std::vector<std::string> where, command;
  bool personal = false, overwrite = false;
};

int cmd_export(const std::string& path, const ExportArgs& a) {
  ops::ExportOptions opt;
  opt.spec = &core::spec_by_name(a.as);
  opt.path = a.out;
  opt.format = a.format;
  if (!a.bbox.empty()) opt.query.bbox = core::parse_bbox(a.bbox, core::BboxSyntax::CommandLine);
  opt.query.where = app::parse_where(a.where, *opt.spec);
  opt.include_personal = a.personal;
  opt.overwrite = a.overwrite;
  // The key is read first: a bad one fails before anything is written.
  const std::string secret = a.sign.empty() ? std::string() : ops::read_secret_key(a.sign);
  auto reg = store::Registry::open(path, false);
  const auto head = reg.head();
  auto sum = ops::export_file(reg, opt);
  for (const auto& w : sum.warnings) std::cerr << "warning: " << w << '\n';
  std::cerr << "exported " << sum.written << " " << opt.spec->name << " to " << a.out << " ("
            << sum.format << ")\n";
  if (secret.empty()) return 0;
  // The manifest names the audit head the data were read at: a write meanwhile would
  // make that a lie.
  if (reg.head().seq != head.seq)
    throw core::StorageError(path + " was written to during the export: not signed; export again");
  ops::ManifestInput m;
  m.output = a.out;
  m.files = sum.files;
  m.command = a.command;
  m.tool = kVersion;
  m.store = path;
  m.store_id = reg.backend().store_id();
  m.head = head;
  m.entity = opt.spec->name;
  m.features = sum.written;
  auto signed_files = ops::write_signed_manifest(m, secret);
  std::cerr << "signed: " << signed_files.manifest_path << ", " << signed_files.signature_path
            << '\n';
  return 0;
}

int cmd_copy(const std::string& from, const std::string& to, bool json) {
  auto src = store::Registry::open(from, false);
  // A GeoPackage made here and left unfinished is removed: nothing half-written.
  const bool file = to.find("://") == std::string::npos && to.rfind("postgres:", 0) != 0;
  std::optional<store::Registry> dst;
  dst.emplace(store::Registry::open(to, true));
  ops::CopySummary sum;
  try {
    sum = ops::copy_store(src, *dst, !json);
  } catch (...) {
    if (file) {
      dst.reset();
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        std::filesystem::remove(to + suffix, ec);
    }
    throw;
  }
  std::int64_t rows = 0;
  for (const auto& [entity, n] : sum.rows) rows += n;
  if (json) {
    nlohmann::json j = {{"rows", sum.rows},         {"audit", sum.audit},
                        {"statuses", sum.statuses}, {"checkpoints", sum.checkpoints},
                        {"users", sum.users},       {"settings", sum.settings},
                        {"head", sum.head}};
    std::cout << j.dump(2) << '\n';
  } else {
    std::cerr << "copied " << rows << " records, " << sum.audit << " audit entries (head "
              << sum.head.substr(0, 16) << "...), " << sum.statuses << " statuses, "
              << sum.checkpoints << " checkpoints, " << sum.users << " users, " << sum.settings
              << " settings into " << to << '\n';
  }
  return 0;
}

}  // namespace

void add_transfer_commands(CLI::App& app, std::function<int()>& run, int argc, char** argv) {
  static std::string store_path;
  const std::string entity_names = entity_help();

  static ImportArgs ia;
  auto* imp = app.add_subcommand("import", "Import features from any GIS file (GDAL)");
  imp->add_option("STORE", store_path)->required();
  imp->add_option("FILE", ia.file,
                  "GeoJSON, GeoPackage, Shapefile, KML/KMZ, GPX, CSV (lon/lat or WKT), FlatGeobuf")
      ->required();
  imp->add_option("--as", ia.as, std::string("the entity: ") + entity_names)->required();
  imp->add_option("--layer", ia.layer, "the layer to read (default: the first with features)");
  imp->add_option("--crs", ia.crs, "CRS of the file when it declares none (EPSG:32638, ...)");
  imp->add_option("--where", ia.where, "COLUMN=V1,V2: only features whose COLUMN is one of these");
  imp->add_option("--map", ia.map, "FIELD=COLUMN, or FIELD=COLUMN:SRC=DST,... translating values");
  imp->add_option("--set", ia.set, "FIELD=VALUE: the same value for every feature");
  imp->add_option("--map-file", ia.map_file, "a JSON mapping (docs/import.md)");
  imp->add_option("--geometry", ia.geometry,
                  "wkt=COLUMN or lonlat=LON,LAT: the geometry from these columns, in any format "
                  "(spreadsheets too), whatever GDAL guesses");
  imp->add_option("--split", ia.split,
                  "SEP: lists in one cell feed enum sets, each part translated by --map: "
                  "--map contamination=TYPES:AP=AP_MINE,AT=AT_MINE --split ';'");
  imp->add_option("--victims", ia.victims,
                  "killed=COLUMN,injured=COLUMN[,children=COLUMN]: accidents only; each gets as "
                  "many victims of unknown details as the columns count (children among "
                  "them), so that figures count them");
  imp->add_option("--date-format", ia.date_formats,
                  "how dates that are not ISO 8601 are written: %d/%m/%Y, %m/%d/%Y %H:%M, ... "
                  "(%Y %m %d %H %M %S); several are tried in order");
  imp->add_option("--key", ia.key,
                  "COLUMN: each row's id in the system the file comes from, kept as the "
                  "record's external_id; a later import matches rows on it (--mode)");
  imp->add_option("--mode", ia.mode,
                  "insert: add rows (a key already kept is refused); update: change the "
                  "records of known keys; upsert: both. Only what differs is written, audited")
      ->capture_default_str();
  imp->add_option("--on-missing", ia.on_missing,
                  "records of an earlier import that the file no longer holds: report lists "
                  "them; close also closes them (hazards)")
      ->capture_default_str();
  imp->add_option("--on-error", ia.on_error,
                  "stop: the first bad feature stops it all, nothing written; skip: write the "
                  "good ones, list the bad ones in a rejects file")
      ->capture_default_str();
  imp->add_option("--rejects", ia.rejects, "rejects file (default: FILE.rejects.csv)");
  imp->add_flag("--dry-run", ia.dry_run, "check everything, write nothing");
  imp->add_flag("--json", ia.json, "print the summary as JSON on stdout");
  imp->add_flag("--check", ia.check,
                "the data-quality report of the features imported, after the summary "
                "(see check-data)");
  imp->add_flag("--strict", ia.strict,
                "refuse the whole import (exit 2, nothing written) if the data-quality report "
                "flags anything");
  imp->footer(
      "Fields not mapped take the column of the same name. Coordinates are reprojected to WGS 84.\n"
      "Example:\n"
      "  minemap import field.gpkg events.geojson --as accidents --where TIPO=1,2 \\\n"
      "    --map date=YEAR --map type=TIPO:1=mine,2=erw --set device_category=AP_MINE\n"
      "  minemap import field.gpkg accidents.csv --as accidents --date-format %d/%m/%Y\n"
      "  minemap import field.gpkg hazards-2026-11.csv --as hazards --map-file imsma.map.json \\\n"
      "    --key Hazard_LocalID --mode upsert        # the monthly export, again");
  imp->callback([&] { run = [&] { return cmd_import(store_path, ia); }; });

  static ExportArgs ea;
  ea.command.assign(argv, argv + argc);
  auto* exp = app.add_subcommand("export", "Export an entity to a GIS file");
  exp->add_option("STORE", store_path)->required();
  exp->add_option("--as", ea.as, std::string("the entity: ") + entity_names)->required();
  exp->add_option("-o,--output", ea.out, "the file to write")->required();
  exp->add_option("--format", ea.format,
                  "geojson, gpkg, shp, kml, csv, fgb or gpx (default: from the file name)");
  exp->add_option("--bbox", ea.bbox, "W,S,E,N in degrees");
  exp->add_option("--where", ea.where, "FIELD=V1,V2");
  exp->add_flag("--include-personal", ea.personal, "victims' names, addresses, birth dates");
  exp->add_flag("--overwrite", ea.overwrite, "replace the file if it exists");
  exp->add_option("--sign", ea.sign,
                  "NAME.key: write OUT.manifest.json (audit head, command, time, SHA-256 of every "
                  "file) and its signature OUT.manifest.sig");
  exp->footer("Example: minemap export field.gpkg --as hazards -o hazards.shp");
  exp->callback([&] { run = [&] { return cmd_export(store_path, ea); }; });

  static std::string copy_to;
  static bool copy_json = false;
  auto* cp = app.add_subcommand(
      "copy", "Copy a whole store into a new one: records, history, audit chain, users");
  cp->add_option("SRC", store_path, kStoreHelp)->required();
  cp->add_option("DST", copy_to,
                 "the new store: a .gpkg file that does not exist yet, or an empty PostgreSQL "
                 "database (postgresql://...)")
      ->required();
  cp->add_flag("--json", copy_json, "print what was copied as JSON on stdout");
  cp->footer(
      "Every record as stored (deleted ones too), every version in its history, the audit\n"
      "chain entry for entry (the copy verifies with the same head hash), the hazards' status\n"
      "history, the checkpoints, the users and the settings. One transaction: all or nothing.\n"
      "Example:\n"
      "  minemap copy field.gpkg backup-2026-12.gpkg\n"
      "  minemap verify backup-2026-12.gpkg\n"
      "  minemap copy field.gpkg postgresql://minemap@db.example.org/programme");
  cp->callback([&] { run = [&] { return cmd_copy(store_path, copy_to, copy_json); }; });
}

}  // namespace minemap::app
