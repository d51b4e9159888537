#include "app/cmd_store.hpp"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "analysis/period.hpp"
#include "app/cli_util.hpp"
#include "core/bbox.hpp"
#include "core/errors.hpp"
#include "core/filter.hpp"
#include "io/read_input.hpp"
#include "io/records_input.hpp"
#include "render/render.hpp"
#include "store/registry.hpp"

namespace minemap::app {

namespace fs = std::filesystem;

namespace {

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
  // The version a later change may be made from (update/approve --if-version).
  const std::string version = reg.version(spec, id);
  if (json) {
    std::cout << render::feature_json(spec, r, personal, version) << '\n';
  } else {
    render::print_record(spec, r, std::cout, personal);
    std::cout << "version: " << version << '\n';
  }
  return 0;
}

struct ListArgs {
  std::string bbox, format = "table", from, to;
  std::vector<std::string> where, columns;
  bool personal = false, deleted = false;
};

int cmd_list(const std::string& path, const std::string& entity, const ListArgs& a) {
  const auto& spec = core::spec_by_name(entity);
  store::ListQuery q;
  if (!a.bbox.empty()) q.bbox = core::parse_bbox(a.bbox, core::BboxSyntax::CommandLine);
  q.where = app::parse_where(a.where, spec);
  q.include_deleted = a.deleted;
  if (!a.from.empty() || !a.to.empty()) {
    // The period as stats reads it; the records whose date overlaps it, as the API's
    // `datetime` selects them.
    const auto period = analysis::parse_period(a.from, a.to);
    std::string field = core::temporal_field(spec);
    if (field.empty())
      throw core::InputError(a.from.empty() ? "--to" : "--from",
                             std::string(spec.name) + " have no date to select by");
    store::ListQuery::DateRange during;
    during.field = field;
    if (period.from) during.from = period.from->first_day().to_string();
    if (period.to) during.to = period.to->last_day().to_string();
    q.during = during;
  }
  auto fmt = render::parse_format(a.format);
  auto reg = store::Registry::open(path, false);
  auto writer = render::make_writer(fmt, spec, std::cout, a.personal, a.columns);
  reg.for_each(spec, q, [&](const core::Record& r) { writer->write(r); });
  writer->finish();
  return 0;
}

int cmd_update(const std::string& path, const std::string& entity, const std::string& id,
               const std::string& file, const std::string& reason, const std::string& if_version) {
  const auto& spec = core::spec_by_name(entity);
  const std::string name = file == "-" ? "<stdin>" : file;
  const nlohmann::json body = io::parse_json(io::read_input(file), file);
  // The workflow moves by submit, approve and reject only, with their rules.
  const auto props = body.is_object() ? body.find("properties") : body.end();
  if (body.is_object() &&
      (body.contains(core::kWorkflowField) ||
       (props != body.end() && props->is_object() && props->contains(core::kWorkflowField))))
    throw core::InputError(name + ": workflow",
                           "not changed by update: minemap submit, approve or reject");
  auto records = io::records_from_json(body, file);
  if (records.size() != 1) throw core::InputError(name, "update takes exactly one record");
  auto reg = store::Registry::open(path, false);
  store::WriteResult res;
  try {
    res = reg.update(spec, id, records[0].record, app::current_actor(), reason, if_version);
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

}  // namespace

void add_store_commands(CLI::App& app, std::function<int()>& run) {
  static std::string store_path, entity, file, id, reason, backup_out;
  static ListArgs la;
  static bool json = false, personal = false, restore = false;
  const std::string entity_names = entity_help();

  auto* init = app.add_subcommand("init", "Create an empty store (a GeoPackage file)");
  init->add_option("STORE", store_path,
                   "the new store: the path of the minemap GeoPackage (.gpkg) file to create")
      ->required();
  init->footer("Example: minemap init field.gpkg");
  init->callback([&] { run = [&] { return cmd_init(store_path); }; });

  auto* add = app.add_subcommand("add", "Add records from a JSON object, an array or GeoJSON");
  add->add_option("STORE", store_path)->required();
  add->add_option("ENTITY", entity, entity_names)->required();
  // FILE|-: the usage line says, as docs/cli.md, that - reads standard input.
  add->add_option("FILE|-", file, "JSON file, or - for standard input")->required();
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
  get->add_option("ENTITY", entity, entity_names)->required();
  get->add_option("ID", id, "public id, e.g. HZ-000001")->required();
  get->add_flag("--json", json, "as a GeoJSON Feature");
  get->add_flag("--include-personal", personal, "victims' names, addresses, birth dates");
  get->footer("Example: minemap get field.gpkg hazards HZ-000001 --json");
  get->callback([&] { run = [&] { return cmd_get(store_path, entity, id, json, personal); }; });

  auto* list = app.add_subcommand("list", "List records, filtered");
  list->add_option("STORE", store_path)->required();
  list->add_option("ENTITY", entity, entity_names)->required();
  list->add_option("--bbox", la.bbox, "W,S,E,N in degrees (WGS 84)");
  list->add_option("--where", la.where,
                   "FIELD=V1,V2: keep records whose FIELD is one of the values (enums in any "
                   "case; a date matches the dates it overlaps: date=2024)")
      ->take_all()
      ->allow_extra_args(false);
  list->add_option("--from", la.from,
                   "first date (YYYY, YYYY-MM or YYYY-MM-DD): records whose date overlaps the "
                   "period (found, date, reported, laid, start)");
  list->add_option("--to", la.to, "last date, inclusive");
  list->add_option("--columns", la.columns, "A,B,C: the columns of a table or CSV")->delimiter(',');
  list->add_option("--format", la.format, "table, json, geojson or csv")->capture_default_str();
  list->add_flag("--include-personal", la.personal, "victims' names, addresses, birth dates");
  list->add_flag("--include-deleted", la.deleted, "also soft-deleted records");
  list->footer(
      "Examples:\n"
      "  minemap list field.gpkg hazards --where type=CHA --where status=open\n"
      "  minemap list field.gpkg items --from 2020 --to 2021-06 --columns id,found,category");
  list->callback([&] { run = [&] { return cmd_list(store_path, entity, la); }; });

  auto* update = app.add_subcommand("update", "Change fields of one record");
  update->add_option("STORE", store_path)->required();
  update->add_option("ENTITY", entity, entity_names)->required();
  update->add_option("ID", id)->required();
  update->add_option("FILE|-", file, "JSON object of the fields to change (null clears), or -")
      ->required();
  update->add_option("--reason", reason, "why, kept in the audit trail");
  static std::string if_version;
  update->add_option("--if-version", if_version,
                     "only if the record is still at this version (`minemap get` shows it): "
                     "else exit 2, nothing written (someone changed it since)");
  update->footer(
      "Example: echo '{\"status\":\"closed\"}' | minemap update field.gpkg hazards "
      "HZ-000001 - --reason 'cleared'");
  update->callback(
      [&] { run = [&] { return cmd_update(store_path, entity, id, file, reason, if_version); }; });

  auto* del = app.add_subcommand("delete", "Delete a record (soft: it stays in history)");
  del->add_option("STORE", store_path)->required();
  del->add_option("ENTITY", entity, entity_names)->required();
  del->add_option("ID", id)->required();
  del->add_option("--reason", reason, "why (required)")->required();
  del->add_flag("--restore", restore, "undo an earlier delete");
  del->footer(
      "Examples:\n"
      "  minemap delete field.gpkg items IT-000042 --reason 'entered twice'\n"
      "  minemap delete field.gpkg items IT-000042 --reason 'not a duplicate' --restore");
  del->callback([&] { run = [&] { return cmd_delete(store_path, entity, id, reason, restore); }; });

  auto* hist = app.add_subcommand("history", "Audit trail of one record (and a hazard's status)");
  hist->add_option("STORE", store_path)->required();
  hist->add_option("ENTITY", entity, entity_names)->required();
  hist->add_option("ID", id)->required();
  hist->add_flag("--json", json, "as JSON");
  hist->add_flag("--include-personal", personal,
                 "victims' names, addresses, birth dates in the values before and after");
  hist->footer("Example: minemap history field.gpkg hazards HZ-000001 --json");
  hist->callback(
      [&] { run = [&] { return cmd_history(store_path, entity, id, json, personal); }; });

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

  auto* schema = app.add_subcommand("schema", "Print the data model: entities, fields, values");
  schema->add_flag("--json", json, "as JSON (for forms and scripts)");
  schema->footer("Example: minemap schema --json > schema.json");
  schema->callback([&] {
    run = [&] {
      std::cout << (json ? render::schema_json() : render::schema_markdown()) << (json ? "\n" : "");
      return 0;
    };
  });
}

}  // namespace minemap::app
