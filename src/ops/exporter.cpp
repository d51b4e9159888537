// The export loop; see exporter.hpp. Columns are `id`, `workflow` and every field
// of the entity (personal ones only on request), with shapefile short names where
// a shapefile needs them (the importer maps them back).
#include "ops/exporter.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "core/errors.hpp"
#include "io/field_mapping.hpp"
#include "io/gdal_sink.hpp"
#include "io/progress.hpp"
#include "render/render.hpp"

namespace minemap::ops {

namespace {

// GeoJSON is written by minemap itself: GDAL 3.6 writes text that looks like JSON
// (a minefield record's raw text) as a JSON object, which would not come back verbatim.
ExportSummary export_geojson(store::Registry& reg, const ExportOptions& opt) {
  namespace fs = std::filesystem;
  fs::path target(opt.path);
  if (fs::exists(target) && !opt.overwrite)
    throw core::Conflict(opt.path + " exists (give --overwrite to replace it)");
  fs::path tmp = target;
  tmp += ".tmp-" + std::to_string(::getpid());
  std::int64_t n = 0;
  try {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw core::StorageError("cannot write " + tmp.string());
    auto writer =
        render::make_writer(render::Format::GeoJson, *opt.spec, out, opt.include_personal);
    io::Progress progress = opt.progress ? io::Progress::for_terminal("features", std::nullopt)
                                         : io::Progress("features", std::nullopt, false);
    reg.for_each(*opt.spec, opt.query, [&](const core::Record& r) {
      writer->write(r);
      progress.tick(++n);
    });
    writer->finish();
    out.close();
    if (!out) throw core::StorageError("cannot write " + tmp.string());
    progress.finish(n);
    fs::rename(tmp, target);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  return {n, "geojson", {}, {target.string()}};
}

}  // namespace

ExportSummary export_file(store::Registry& reg, const ExportOptions& opt) {
  const core::EntitySpec& spec = *opt.spec;
  io::SinkFormat format = io::sink_format(opt.format, opt.path);
  if (format == io::SinkFormat::GeoJson) return export_geojson(reg, opt);
  auto names = format == io::SinkFormat::Shp ? io::shapefile_names(spec, opt.include_personal)
                                             : std::map<std::string, std::string>{};
  auto name_of = [&](std::string_view field) {
    auto it = names.find(std::string(field));
    return it == names.end() ? std::string(field) : it->second;
  };
  std::vector<io::SinkColumn> columns = {{"id", core::FieldType::Text},
                                         {"workflow", core::FieldType::Text}};
  std::vector<const core::FieldSpec*> fields;
  for (const auto& f : spec.fields) {
    if (f.personal && !opt.include_personal) continue;
    columns.emplace_back(name_of(f.name), f.type);
    fields.push_back(&f);
  }
  std::vector<core::Value> values(columns.size());
  auto fill = [&](const core::Record& r) {
    values[0] = r.id;
    values[1] = r.workflow;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      auto it = r.fields.find(fields[i]->name);
      values[i + 2] = it == r.fields.end() ? core::Value{} : it->second;
    }
  };
  auto make_progress = [&](const std::string& what, std::optional<std::int64_t> total) {
    return opt.progress ? io::Progress::for_terminal(what, total)
                        : io::Progress(what, total, false);
  };

  std::optional<io::FeatureSink> sink;
  std::int64_t n = 0;
  // Both passes read one snapshot: the widths measured are those of the rows written.
  reg.backend().read_snapshot([&] {
    std::optional<std::int64_t> total;
    if (format == io::SinkFormat::Shp) {
      io::check_sink_target(opt.path, format, spec.geometry, opt.overwrite);
      // The columns are measured first, so that the .dbf is written at its final widths
      // rather than rewritten once per column when closed (docs/import.md): the store
      // measures its text columns in one query; integers and reals take GDAL's widths.
      std::vector<std::string> measure = {"id", std::string(core::kWorkflowField)};
      for (const auto* f : fields) measure.emplace_back(f->name);
      const auto measured = reg.backend().text_widths(spec, opt.query, measure);
      for (std::size_t i = 0; i < columns.size(); ++i) {
        const auto type = columns[i].type;
        const bool text = type != core::FieldType::Real && type != core::FieldType::Boolean;
        columns[i].width = text ? measured.bytes[i] : 0;
      }
      total = measured.rows;
    }
    sink.emplace(opt.path, format, std::string(spec.table), spec.geometry, columns, opt.overwrite);
    io::Progress progress = make_progress("features", total);
    reg.for_each(spec, opt.query, [&](const core::Record& r) {
      fill(r);
      try {
        sink->write(values, r.geometry);
      } catch (const core::InputError& e) {
        throw e.located(std::string(spec.name) + " " + r.id);
      }
      progress.tick(++n);
    });
    // Closing is a step of its own: a GeoPackage commits and builds its spatial index.
    const bool indexed = format == io::SinkFormat::Gpkg || format == io::SinkFormat::Fgb;
    progress.final_step(n, "finishing " + std::filesystem::path(opt.path).filename().string() +
                               (indexed ? " (spatial index)" : ""));
    sink->close();
    progress.finish(n);
  });
  return {sink->written(), std::string(io::to_string(format)), sink->warnings(), sink->files()};
}

}  // namespace minemap::ops
