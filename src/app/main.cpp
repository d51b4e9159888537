// The `minemap` command line: subcommands as in docs/cli.md. Exit codes: 0 done,
// 1 failed (I/O, storage, internal), 2 bad input or usage.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "app/cli_util.hpp"
#include "app/cmd_record.hpp"
#include "app/cmd_reliability.hpp"
#include "app/cmd_serve.hpp"
#include "app/cmd_simulate.hpp"
#include "app/cmd_user.hpp"
#include "app/cmd_verify.hpp"
#include "core/bbox.hpp"
#include "core/errors.hpp"
#include "io/read_input.hpp"
#include "io/records_input.hpp"
#include "ops/demo.hpp"
#include "ops/exporter.hpp"
#include "ops/importer.hpp"
#include "ops/key_files.hpp"
#include "ops/signed_export.hpp"
#include "ops/stats.hpp"
#include "render/render.hpp"
#include "store/registry.hpp"
#include "store/spatial.hpp"

namespace fs = std::filesystem;
using namespace minemap;

namespace {

const char* kEntityHelp =
    "hazards, activities, releases, items, accidents, victims, records, record-rows, "
    "record-mines, organisations, "
    "admin-areas, settlements, roads";

void print_repairs(const std::string& where, const std::vector<std::string>& repairs) {
  for (const auto& r : repairs) std::cerr << "repaired: " << where << r << '\n';
}

int cmd_init(const std::string& path) {
  auto reg = store::Registry::open(path, true);
  std::cout << "created " << reg.location() << '\n';
  return 0;
}

int cmd_backup(const std::string& path, const std::string& out) {
  auto reg = store::Registry::open(path, false);
  reg.copy_to(out);
  std::cout << "backed up " << reg.location() << " to " << out << " (" << fs::file_size(out) / 1024
            << " KiB, one file)\n";
  return 0;
}

int cmd_add(const std::string& path, const std::string& entity, const std::string& file) {
  const auto& spec = core::spec_by_name(entity);
  auto records = io::parse_records(io::read_input(file), file);
  auto reg = store::Registry::open(path, false);
  const std::string name = file == "-" ? "<stdin>" : file;
  std::vector<std::string> ids;
  auto who = app::current_actor();
  reg.transaction([&] {
    for (auto& lr : records) {
      std::string where = name + (lr.where.empty() ? "" : ": " + lr.where);
      try {
        auto res = reg.add(spec, std::move(lr.record), who);
        print_repairs(where + ": ", res.repairs);
        ids.push_back(res.id);
      } catch (const core::InputError& e) {
        throw e.located(where);
      } catch (const core::Conflict& e) {
        throw core::Conflict(where + ": " + e.what());
      }
    }
  });
  for (const auto& id : ids) std::cout << id << '\n';
  return 0;
}

int cmd_get(const std::string& path, const std::string& entity, const std::string& id, bool json,
            bool personal) {
  const auto& spec = core::spec_by_name(entity);
  auto reg = store::Registry::open(path, false);
  auto r = reg.get(spec, id);
  if (json)
    std::cout << render::feature_json(spec, r, personal) << '\n';
  else
    render::print_record(spec, r, std::cout, personal);
  return 0;
}

int cmd_list(const std::string& path, const std::string& entity, const std::string& bbox,
             const std::vector<std::string>& where, const std::string& format, bool personal,
             bool deleted) {
  const auto& spec = core::spec_by_name(entity);
  store::ListQuery q;
  if (!bbox.empty()) q.bbox = core::parse_bbox(bbox, core::BboxSyntax::CommandLine);
  q.where = app::parse_where(where, spec);
  q.include_deleted = deleted;
  auto fmt = render::parse_format(format);
  auto reg = store::Registry::open(path, false);
  auto writer = render::make_writer(fmt, spec, std::cout, personal);
  reg.for_each(spec, q, [&](const core::Record& r) { writer->write(r); });
  writer->finish();
  return 0;
}

int cmd_update(const std::string& path, const std::string& entity, const std::string& id,
               const std::string& file, const std::string& reason) {
  const auto& spec = core::spec_by_name(entity);
  auto records = io::parse_records(io::read_input(file), file);
  const std::string name = file == "-" ? "<stdin>" : file;
  if (records.size() != 1) throw core::InputError(name, "update takes exactly one record");
  auto reg = store::Registry::open(path, false);
  store::WriteResult res;
  try {
    res = reg.update(spec, id, records[0].record, app::current_actor(), reason);
  } catch (const core::InputError& e) {
    throw e.located(name);
  }
  print_repairs(name + ": ", res.repairs);
  std::cout << res.id << '\n';
  return 0;
}

int cmd_delete(const std::string& path, const std::string& entity, const std::string& id,
               const std::string& reason, bool restore) {
  const auto& spec = core::spec_by_name(entity);
  auto reg = store::Registry::open(path, false);
  if (restore)
    reg.restore(spec, id, reason, app::current_actor());
  else
    reg.remove(spec, id, reason, app::current_actor());
  std::cout << (restore ? "restored " : "deleted ") << id << '\n';
  return 0;
}

int cmd_history(const std::string& path, const std::string& entity, const std::string& id,
                bool json, bool personal) {
  const auto& spec = core::spec_by_name(entity);
  auto reg = store::Registry::open(path, false);
  auto entries = reg.history(spec, id);
  std::vector<store::StatusChange> status;
  if (spec.kind == core::Entity::Hazard) status = reg.status_history(id);
  if (json)
    std::cout << render::history_json(spec, entries, status, personal) << '\n';
  else
    render::print_history(spec, entries, status, personal, std::cout);
  return 0;
}

int cmd_stats(const std::string& path, const std::string& from, const std::string& to, bool json,
              const std::string& by) {
  analysis::StatsPeriod period;
  if (!from.empty()) period.from = core::Date::parse(from, "--from");
  if (!to.empty()) period.to = core::Date::parse(to, "--to");
  if (!by.empty() && by != "admin") throw core::InputError("--by", "\"" + by + "\" is not admin");
  auto reg = store::Registry::open(path, false);
  if (by == "admin") {
    const auto out = ops::stats_by_admin(reg, period);
    if (json)
      std::cout << render::stats_by_admin_json(out) << '\n';
    else
      render::print_stats_by_admin(out, std::cout);
    return 0;
  }
  auto s = ops::stats(reg, period);
  if (json)
    std::cout << render::stats_json(s) << '\n';
  else
    render::print_stats(s, std::cout);
  return 0;
}

struct ImportArgs {
  std::string file, as, layer, crs, map_file, on_error = "stop", rejects;
  std::vector<std::string> where, map, set;
  bool dry_run = false, json = false;
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
  io::merge(opt.mapping, cli);
  if (a.on_error != "stop" && a.on_error != "skip")
    throw core::InputError("--on-error", "\"" + a.on_error + "\" is not stop or skip");
  opt.skip_errors = a.on_error == "skip";
  opt.dry_run = a.dry_run;
  opt.rejects_path = a.rejects;
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

constexpr const char* kVersion = "minemap 0.1.0";

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

int cmd_demo(const std::string& dir, bool no_serve) {
  fs::create_directories(dir);
  fs::path file = fs::path(dir) / "demo.gpkg";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix);
  auto reg = store::Registry::open(file.string(), true);
  ops::build_demo(reg, app::current_actor());
  auto s = ops::stats(reg);
  std::cout << "minemap demo: SYNTHETIC data, generated for demonstration only\n\n";
  render::print_stats(s, std::cout);
  std::cout << "\nstore: " << fs::absolute(file).string() << '\n'
            << "open it in QGIS, or try:  minemap list " << file.string() << " hazards\n\n";
  if (no_serve) return 0;
  return app::serve_store(file.string(), "127.0.0.1", 8080, {}, /*fallback_any_port=*/true);
}

struct NearArgs {
  double lon = 0, lat = 0;
  double within = -1;
  std::size_t nearest = 0;
  std::vector<std::string> layers{"hazards", "items", "accidents"};
  bool json = false;
};

int cmd_near(const std::string& path, const NearArgs& a) {
  if (!(a.lon >= -180 && a.lon <= 180)) throw core::InputError("LON", "must be in -180..180");
  if (!(a.lat >= -90 && a.lat <= 90)) throw core::InputError("LAT", "must be in -90..90");
  if (a.nearest == 0 && a.within < 0)
    throw core::InputError("--within", "give --within or --nearest");
  core::Coord p{a.lon, a.lat};
  auto reg = store::Registry::open(path, false);
  struct Row {
    std::string entity, id;
    double distance;
  };
  std::vector<Row> rows;
  for (const auto& name : a.layers) {
    const auto& spec = core::spec_by_name(name);
    if (!spec.spatial()) throw core::InputError("--layers", name + " have no geometry");
    // Drafts count too: a hazard reported but not yet approved is still a hazard.
    auto layer = store::load_layer(reg, spec, false);
    double cap = a.within >= 0 ? a.within : std::numeric_limits<double>::infinity();
    std::vector<index::Hit> hits;
    if (layer.points_only)
      hits = a.nearest ? layer.points.nearest(p, a.nearest, cap) : layer.points.within(p, cap);
    else
      hits = a.nearest ? layer.shapes.nearest(p, a.nearest, cap) : layer.shapes.within(p, cap);
    for (const auto& h : hits) rows.push_back({name, layer.id(h.key), h.distance_m});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& x, const Row& y) { return x.distance < y.distance; });
  if (a.json) {
    nlohmann::json out;
    out["point"] = {a.lon, a.lat};
    if (a.within >= 0) out["within_m"] = a.within;
    if (a.nearest) out["nearest"] = a.nearest;
    out["features"] = nlohmann::json::array();
    for (const auto& r : rows)
      out["features"].push_back({{"entity", r.entity},
                                 {"id", r.id},
                                 {"distance_m", r.distance},
                                 {"inside", r.distance == 0}});
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  if (rows.empty()) {
    std::cout << "nothing found";
    if (a.within >= 0) std::cout << " within " << a.within << " m";
    std::cout << '\n';
    return 0;
  }
  for (const auto& r : rows) {
    std::cout << r.entity << '\t' << r.id << '\t';
    if (r.distance == 0)
      std::cout << "inside\n";
    else
      std::cout << std::fixed << std::setprecision(1) << r.distance << " m\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "minemap: an information system for humanitarian mine action.\n"
      "Hazardous areas and land release, minefield records, items found, accidents and victims,\n"
      "in one GeoPackage file (STORE) that QGIS and GDAL open as it is."};
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);
  app.footer(
      "Exit codes: 0 done, 1 failed (I/O, storage; verify, verify-export: tampering found),\n"
      "2 bad input or usage.\n"
      "Start with:  minemap demo   (a synthetic store to explore)\n"
      "Run `minemap COMMAND --help` for a command's options and examples.");

  std::string store_path, entity, file, id, reason, bbox, format = "table", from, to, by,
                                                          dir = "minemap-demo";
  std::vector<std::string> where;
  bool json = false, personal = false, deleted = false, no_serve = false, restore = false;
  std::function<int()> run;

  auto* init = app.add_subcommand("init", "Create an empty store (a GeoPackage file)");
  init->add_option("STORE", store_path, "path of the new .gpkg file")->required();
  init->footer("Example: minemap init field.gpkg");
  init->callback([&] { run = [&] { return cmd_init(store_path); }; });

  auto* demo = app.add_subcommand(
      "demo", "Build a demo store of synthetic data, summarise it and serve it over HTTP");
  demo->add_option("--dir", dir, "folder for demo.gpkg (replaced if present)")
      ->capture_default_str();
  demo->add_flag("--no-serve", no_serve, "only build the store (default: serve it on port 8080)");
  demo->callback([&] { run = [&] { return cmd_demo(dir, no_serve); }; });

  auto* add = app.add_subcommand("add", "Add records from a JSON object, an array or GeoJSON");
  add->add_option("STORE", store_path, "the store (.gpkg)")->required();
  add->add_option("ENTITY", entity, kEntityHelp)->required();
  add->add_option("FILE", file, "JSON file, or - for standard input")->required();
  add->footer(
      "All records are added in one transaction: one bad record and nothing is written.\n"
      "Example:\n"
      "  echo '{\"name\":\"North field\",\"type\":\"SHA\",\"geometry\":{\"type\":\"Polygon\",\n"
      "        \"coordinates\":[[[20,45],[20.01,45],[20.01,45.01],[20,45]]]}}' |\n"
      "    minemap add field.gpkg hazards -\n"
      "Prints the new ids, one per line. `minemap list STORE ENTITY --format json` shows fields.");
  add->callback([&] { run = [&] { return cmd_add(store_path, entity, file); }; });

  auto* get = app.add_subcommand("get", "Show one record");
  get->add_option("STORE", store_path)->required();
  get->add_option("ENTITY", entity, kEntityHelp)->required();
  get->add_option("ID", id, "public id, e.g. HZ-000001")->required();
  get->add_flag("--json", json, "as a GeoJSON Feature");
  get->add_flag("--include-personal", personal, "victims' names, addresses, birth dates");
  get->callback([&] { run = [&] { return cmd_get(store_path, entity, id, json, personal); }; });

  auto* list = app.add_subcommand("list", "List records, filtered");
  list->add_option("STORE", store_path)->required();
  list->add_option("ENTITY", entity, kEntityHelp)->required();
  list->add_option("--bbox", bbox, "W,S,E,N in degrees (WGS 84)");
  list->add_option("--where", where, "FIELD=V1,V2: keep records whose FIELD is one of the values")
      ->take_all()
      ->allow_extra_args(false);
  list->add_option("--format", format, "table, json, geojson or csv")->capture_default_str();
  list->add_flag("--include-personal", personal, "victims' names, addresses, birth dates");
  list->add_flag("--include-deleted", deleted, "also soft-deleted records");
  list->footer("Example: minemap list field.gpkg hazards --where type=CHA --where status=open");
  list->callback([&] {
    run = [&] { return cmd_list(store_path, entity, bbox, where, format, personal, deleted); };
  });

  auto* update = app.add_subcommand("update", "Change fields of one record");
  update->add_option("STORE", store_path)->required();
  update->add_option("ENTITY", entity, kEntityHelp)->required();
  update->add_option("ID", id)->required();
  update->add_option("FILE", file, "JSON object of the fields to change (null clears), or -")
      ->required();
  update->add_option("--reason", reason, "why, kept in the audit trail");
  update->footer(
      "Example: echo '{\"status\":\"closed\"}' | minemap update field.gpkg hazards "
      "HZ-000001 - --reason 'cleared'");
  update->callback([&] { run = [&] { return cmd_update(store_path, entity, id, file, reason); }; });

  auto* del = app.add_subcommand("delete", "Delete a record (soft: it stays in history)");
  del->add_option("STORE", store_path)->required();
  del->add_option("ENTITY", entity, kEntityHelp)->required();
  del->add_option("ID", id)->required();
  del->add_option("--reason", reason, "why (required)")->required();
  del->add_flag("--restore", restore, "undo an earlier delete");
  del->callback([&] { run = [&] { return cmd_delete(store_path, entity, id, reason, restore); }; });

  auto* hist = app.add_subcommand("history", "Audit trail of one record (and a hazard's status)");
  hist->add_option("STORE", store_path)->required();
  hist->add_option("ENTITY", entity, kEntityHelp)->required();
  hist->add_option("ID", id)->required();
  hist->add_flag("--json", json, "as JSON");
  hist->add_flag("--include-personal", personal,
                 "victims' names, addresses, birth dates in the values before and after");
  hist->callback(
      [&] { run = [&] { return cmd_history(store_path, entity, id, json, personal); }; });

  auto* stats =
      app.add_subcommand("stats", "Summary figures: areas, land release, finds, casualties");
  stats->add_option("STORE", store_path)->required();
  stats->add_option("--from", from, "first date (YYYY, YYYY-MM or YYYY-MM-DD)");
  stats->add_option("--to", to, "last date, inclusive");
  stats->add_flag("--json", json, "as JSON (keys: docs/cli.md)");
  stats->add_option("--by", by, "admin: the figures per administrative area");
  stats->footer("Only approved, non-deleted records count.");
  stats->callback([&] { run = [&] { return cmd_stats(store_path, from, to, json, by); }; });

  std::string backup_out;
  auto* backup = app.add_subcommand(
      "backup", "A consistent copy of the store in one new file, even while it is served");
  backup->add_option("STORE", store_path)->required();
  backup->add_option("OUT", backup_out, "the new file (.gpkg); never overwritten")->required();
  backup->footer(
      "\nThe copy holds every commit, those still in the store's -wal file too, so it is\n"
      "safe to take while `minemap serve` runs. Copying the .gpkg alone is not: commits\n"
      "may sit in STORE-wal until a checkpoint. Example:\n"
      "  minemap backup field.gpkg /mnt/usb/field-$(date +%F).gpkg\n");
  backup->callback([&] { run = [&] { return cmd_backup(store_path, backup_out); }; });

  ImportArgs ia;
  auto* imp = app.add_subcommand("import", "Import features from any GIS file (GDAL)");
  imp->add_option("STORE", store_path)->required();
  imp->add_option("FILE", ia.file,
                  "GeoJSON, GeoPackage, Shapefile, KML/KMZ, GPX, CSV (lon/lat or WKT), FlatGeobuf")
      ->required();
  imp->add_option("--as", ia.as, std::string("the entity: ") + kEntityHelp)->required();
  imp->add_option("--layer", ia.layer, "the layer to read (default: the first with features)");
  imp->add_option("--crs", ia.crs, "CRS of the file when it declares none (EPSG:32638, ...)");
  imp->add_option("--where", ia.where, "COLUMN=V1,V2: only features whose COLUMN is one of these");
  imp->add_option("--map", ia.map, "FIELD=COLUMN, or FIELD=COLUMN:SRC=DST,... translating values");
  imp->add_option("--set", ia.set, "FIELD=VALUE: the same value for every feature");
  imp->add_option("--map-file", ia.map_file, "a JSON mapping (docs/import.md)");
  imp->add_option("--on-error", ia.on_error,
                  "stop: the first bad feature stops it all, nothing written; skip: write the "
                  "good ones, list the bad ones in a rejects file")
      ->capture_default_str();
  imp->add_option("--rejects", ia.rejects, "rejects file (default: FILE.rejects.csv)");
  imp->add_flag("--dry-run", ia.dry_run, "check everything, write nothing");
  imp->add_flag("--json", ia.json, "print the summary as JSON on stdout");
  imp->footer(
      "Fields not mapped take the column of the same name. Coordinates are reprojected to WGS 84.\n"
      "Example:\n"
      "  minemap import field.gpkg events.geojson --as accidents --where TIPO=1,2 \\\n"
      "    --map date=YEAR --map type=TIPO:1=mine,2=erw --set device_category=AP_MINE");
  imp->callback([&] { run = [&] { return cmd_import(store_path, ia); }; });

  ExportArgs ea;
  ea.command.assign(argv, argv + argc);
  auto* exp = app.add_subcommand("export", "Export an entity to a GIS file");
  exp->add_option("STORE", store_path)->required();
  exp->add_option("--as", ea.as, std::string("the entity: ") + kEntityHelp)->required();
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

  NearArgs na;
  auto* near = app.add_subcommand("near", "What lies near a place: hazards, finds, accidents");
  near->add_option("STORE", store_path, "the store (.gpkg)")->required();
  near->add_option("LON", na.lon, "longitude, WGS 84 degrees")->required();
  near->add_option("LAT", na.lat, "latitude, WGS 84 degrees")->required();
  near->add_option("--within", na.within, "metres: everything within this distance (default 500)");
  near->add_option("--nearest", na.nearest,
                   "the K nearest of each layer (with --within: no farther)");
  near->add_option("--layers", na.layers, "entities to search (default hazards,items,accidents)")
      ->delimiter(',');
  near->add_flag("--json", na.json, "JSON for scripts");
  near->footer(
      "Distances are geodesic on WGS 84, in metres, to the feature itself: 0 (\"inside\") in a\n"
      "polygon or on its edge, else to its nearest edge. Deleted records are left out; drafts\n"
      "are included (a reported hazard is a hazard).\n"
      "Examples:\n"
      "  minemap near field.gpkg 134.1 -25.2                 # within 500 m\n"
      "  minemap near field.gpkg 134.1 -25.2 --within 2000 --layers hazards\n"
      "  minemap near field.gpkg 134.1 -25.2 --nearest 3 --json");
  near->callback([&] {
    run = [&] {
      if (na.within < 0 && na.nearest == 0) na.within = 500;
      return cmd_near(store_path, na);
    };
  });

  app::add_record_commands(app, run);
  app::add_reliability_command(app, run);
  app::add_simulate_command(app, run);
  app::add_serve_command(app, run);
  app::add_user_command(app, run);
  app::add_verify_commands(app, run);

  auto* schema = app.add_subcommand("schema", "Print the data model: entities, fields, values");
  schema->add_flag("--json", json, "as JSON (for forms and scripts)");
  schema->callback([&] {
    run = [&] {
      std::cout << (json ? render::schema_json() : render::schema_markdown()) << (json ? "\n" : "");
      return 0;
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "minemap: " << e.what() << " (see minemap --help)\n";
    return 2;
  }
  try {
    return run ? run() : 2;
  } catch (const core::InputError& e) {
    std::cerr << "minemap: error: " << e.what() << '\n';
    return 2;
  } catch (const core::NotFound& e) {
    std::cerr << "minemap: error: " << e.what() << '\n';
    return 2;
  } catch (const core::Conflict& e) {
    std::cerr << "minemap: error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "minemap: failed: " << e.what() << '\n';
    return 1;
  }
}
