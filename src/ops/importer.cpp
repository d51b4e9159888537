// The import loop; see importer.hpp.
#include "ops/importer.hpp"

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "io/feature_reader.hpp"
#include "io/prefetch.hpp"
#include "io/progress.hpp"

namespace minemap::ops {

namespace {

struct DryRunDone {};

constexpr std::int64_t kBulkThreshold = 5000;

// --check and --strict: the report on the records just written (id -> feature index),
// inside the import's transaction, so that --strict's refusal rolls it all back.
void check_imported(store::Registry& reg, const ImportOptions& opt, const std::string& path,
                    const std::map<std::string, std::int64_t>& written, ImportSummary& sum) {
  QualityOptions q = *opt.check;
  q.only.emplace();
  for (const auto& [id, index] : written) q.only->insert(id);
  sum.quality = check_data(reg, q);
  if (!opt.strict || sum.quality->empty()) return;
  std::string msg;
  for (std::size_t i = 0; i < sum.quality->size() && i < 3; ++i) {
    const auto& f = (*sum.quality)[i];
    auto at = written.find(f.id);
    msg += (i ? "; " : "") + path + ": feature " +
           (at == written.end() ? std::string("?") : std::to_string(at->second)) + " (" + f.id +
           "): " + f.check + ": " + f.reason;
  }
  if (sum.quality->size() > 3) msg += "; and " + std::to_string(sum.quality->size() - 3) + " more";
  throw core::InputError("--strict",
                         std::to_string(sum.quality->size()) +
                             " flagged by the data-quality checks, nothing imported: " + msg);
}

}  // namespace

ImportSummary import_file(store::Registry& reg, const std::string& path, const ImportOptions& opt,
                          const store::Actor& who) {
  const auto t0 = std::chrono::steady_clock::now();
  const core::EntitySpec& spec = *opt.spec;
  io::SourceOptions so;
  so.layer = opt.mapping.layer;
  so.crs = opt.mapping.crs;
  if (!opt.mapping.geometry.empty()) io::set_geometry_option(so, opt.mapping.geometry);
  const std::unique_ptr<io::FeatureReader> source = io::open_feature_reader(path, so);
  io::FeatureReader& src = *source;
  io::ResolvedMapping mapping(spec, opt.mapping, src.columns());

  ImportSummary sum;
  sum.layer = src.layer_name();
  sum.driver = src.driver();
  sum.unused_columns = mapping.unused_columns();
  std::vector<std::pair<std::int64_t, std::string>> rejects;
  std::map<std::string, std::int64_t> written;  // id -> feature index, for --check
  io::Progress progress = opt.progress ? io::Progress::for_terminal("features", src.count())
                                       : io::Progress("features", src.count(), false);

  // The second thread reads, maps and checks each feature (everything that needs no
  // store); this one writes. A feature's error travels with it, to be reported in
  // file order as if found here.
  struct Staged {
    std::int64_t index = 0;
    bool kept = true;
    store::CheckedRecord checked;
    std::exception_ptr error;
    std::vector<std::pair<std::string, std::int64_t>> victims;  // counted by outcome
    std::string workflow;                                       // the accident's
  };
  auto stage = [&](Staged& s) {
    io::SourceFeature f;
    if (!src.next(f)) return false;
    s.index = f.index;
    s.kept = mapping.keep(f.values);
    s.error = nullptr;
    if (!s.kept) return true;
    try {
      core::Record r = mapping.record(f.values);
      s.victims = mapping.victims(f.values);
      s.workflow = r.workflow.empty() ? "approved" : r.workflow;
      if (spec.spatial()) {
        if (!f.geometry_error.empty()) throw core::InputError("geometry", f.geometry_error);
        if (f.geometry.type == core::GeomType::None)
          throw core::InputError("geometry", "null or empty: the feature has no location");
        r.geometry = std::move(f.geometry);
      }
      s.checked = reg.check(spec, std::move(r));
    } catch (const core::InputError&) {
      s.error = std::current_exception();
    }
    return true;
  };

  auto run = [&] {
    Staged f;
    io::Prefetch<Staged> reader(stage);
    while (reader.next(f)) {
      ++sum.read;
      progress.tick(sum.read);
      if (!f.kept) {
        ++sum.filtered_out;
        continue;
      }
      // Only a bad feature needs its place as text.
      const auto where = [&] { return path + ": feature " + std::to_string(f.index); };
      try {
        if (f.error) std::rethrow_exception(f.error);
        store::WriteResult res;
        std::int64_t victims = 0;
        // The accident and the victims it counts, of unknown details but their outcome.
        const auto write = [&] {
          res = reg.add(spec, std::move(f.checked), who);
          for (const auto& [outcome, n] : f.victims)
            for (std::int64_t i = 0; i < n; ++i, ++victims) {
              core::Record v;
              v.workflow = f.workflow;
              v.fields["accident_id"] = res.id;
              v.fields["outcome"] = outcome;
              v.fields["group"] = std::string("unknown");
              reg.add(core::spec(core::Entity::Victim), std::move(v), who);
            }
        };
        if (opt.skip_errors)  // a savepoint per feature, so a bad one is undone alone
          reg.transaction(write);
        else
          write();
        sum.victims += victims;
        if (opt.check) written.emplace(res.id, f.index);
        ++sum.imported;
        if (!res.repairs.empty()) ++sum.repaired;
      } catch (const core::InputError& e) {
        if (!opt.skip_errors) throw e.located(where());
        rejects.push_back({f.index, e.what()});
      } catch (const core::Conflict& e) {
        if (!opt.skip_errors) throw core::Conflict(where() + ": " + e.what());
        rejects.push_back({f.index, e.what()});
      }
    }
    progress.finish(sum.read);
    if (opt.check) check_imported(reg, opt, path, written, sum);
    if (opt.dry_run) throw DryRunDone{};
  };
  try {
    // Large loads build the spatial index once at the end; a few features go in
    // through the index's triggers (rebuilding a big index for them would cost more).
    auto expected = src.count();
    if (!expected || *expected >= kBulkThreshold)
      reg.bulk_load(spec, expected.value_or(0), run);
    else
      reg.transaction(run);
  } catch (const DryRunDone&) {
    // Everything was checked inside the transaction, which rolled back.
  }
  sum.warnings = src.warnings();  // after the loop: GDAL warns about features as it reads them
  sum.rejected = static_cast<std::int64_t>(rejects.size());
  if (!rejects.empty()) {
    sum.rejects_file = opt.rejects_path.empty() ? path + ".rejects.csv" : opt.rejects_path;
    std::ofstream out(sum.rejects_file);
    if (!out)
      throw core::StorageError("cannot write the rejects file " + sum.rejects_file +
                               " (give another place with --rejects)");
    out << "feature,reason\n";
    for (const auto& [index, reason] : rejects)
      out << index << ',' << core::csv_cell(reason, core::CsvQuote::Always) << '\n';
  }
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

std::string summary_json(const ImportSummary& s) {
  nlohmann::json j = {{"read", s.read},
                      {"filtered_out", s.filtered_out},
                      {"imported", s.imported},
                      {"repaired", s.repaired},
                      {"rejected", s.rejected},
                      {"victims", s.victims},
                      {"layer", s.layer},
                      {"driver", s.driver},
                      {"unused_columns", s.unused_columns},
                      {"warnings", s.warnings},
                      {"seconds", s.seconds}};
  j["rejects_file"] =
      s.rejects_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.rejects_file);
  if (s.quality) j["quality"] = quality_json(*s.quality);
  return j.dump(2);
}

std::string summary_text(const ImportSummary& s, bool dry_run) {
  std::string out = std::string(dry_run ? "dry run, nothing written: " : "") + "imported " +
                    std::to_string(s.imported) + ", repaired " + std::to_string(s.repaired) +
                    ", rejected " + std::to_string(s.rejected);
  if (s.filtered_out) out += ", left out by --where " + std::to_string(s.filtered_out);
  if (s.victims) out += ", victims counted " + std::to_string(s.victims);
  out += " (of " + std::to_string(s.read) + " features read from layer \"" + s.layer + "\")\n";
  if (!s.rejects_file.empty()) out += "rejected features and why: " + s.rejects_file + "\n";
  if (!s.unused_columns.empty()) {
    out += "columns not used:";
    for (const auto& c : s.unused_columns) out += " " + c;
    out += "\n";
  }
  for (const auto& w : s.warnings) out += "warning: " + w + "\n";
  if (s.quality) out += "data quality of the features imported:\n" + quality_table(*s.quality);
  return out;
}

}  // namespace minemap::ops
