// The import loop; see importer.hpp.
#include "ops/importer.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "io/feature_reader.hpp"
#include "io/prefetch.hpp"
#include "io/progress.hpp"

namespace minemap::ops {

namespace {

struct DryRunDone {};

constexpr std::int64_t kBulkThreshold = 5000;

// The records earlier imports made, by the key they kept (external_id), and the keys
// this file holds.
class Keyed {
 public:
  Keyed(store::Registry& reg, const core::EntitySpec& spec, std::string column)
      : m_column(std::move(column)) {
    // Two columns, not whole records: first the live rows, then the deleted ones too.
    const std::vector<std::string> columns = {"id", "external_id"};
    reg.scan(spec, {}, columns, [&](const store::ScanRow& r) {
      if (auto k = r.text(1); k && !k->empty())
        m_ids[std::string(*k)].emplace_back(r.text(0).value_or(""));
    });
    store::ListQuery all;
    all.include_deleted = true;
    reg.scan(spec, all, columns, [&](const store::ScanRow& r) {
      auto k = r.text(1);
      if (k && !k->empty() && !m_ids.count(*k)) m_deleted[std::string(*k)] = r.text(0).value_or("");
    });
  }

  // The record keeping `key`, if any. Throws core::Conflict when several do, or when
  // the one that did was deleted here.
  std::optional<std::string> match(const std::string& key) const {
    if (auto d = m_deleted.find(key); d != m_deleted.end())
      throw core::Conflict("--key " + m_column + " \"" + key + "\" was " + d->second +
                           ", deleted here: restore it first (minemap delete --restore)");
    auto it = m_ids.find(key);
    if (it == m_ids.end()) return std::nullopt;
    if (it->second.size() > 1)
      throw core::Conflict("--key " + m_column + " \"" + key + "\" is kept by " + it->second[0] +
                           " and " + it->second[1] + ": the key must name one record");
    return it->second[0];
  }

  // Notes that the file holds `key` at `feature`; a key twice is an error.
  void seen(const std::string& key, std::int64_t feature) {
    auto [it, fresh] = m_seen.emplace(key, feature);
    if (!fresh)
      throw core::InputError(m_column, "\"" + key + "\" is also the key of feature " +
                                           std::to_string(it->second) + ": each row needs its own");
  }

  // Records of earlier imports whose key this file does not hold, in key order.
  std::vector<MissingRecord> missing() const {
    std::vector<MissingRecord> out;
    for (const auto& [key, ids] : m_ids)
      if (!m_seen.count(key))
        for (const auto& id : ids) out.push_back({id, key});
    return out;
  }

 private:
  std::string m_column;
  std::map<std::string, std::vector<std::string>, std::less<>> m_ids;
  std::map<std::string, std::string, std::less<>> m_deleted;
  std::map<std::string, std::int64_t, std::less<>> m_seen;
};

// The fields of `incoming` that differ from `now` among those the file supplies, and
// its geometry when that differs: the patch that makes the record the row.
core::Record changes(const core::Record& now, const core::Record& incoming,
                     const std::vector<std::string>& fields) {
  static const core::Value kNull;
  auto value = [](const core::Record& r, const std::string& f) -> const core::Value& {
    auto it = r.fields.find(f);
    return it == r.fields.end() ? kNull : it->second;
  };
  core::Record patch;
  for (const auto& f : fields)
    if (value(now, f) != value(incoming, f)) patch.fields[f] = value(incoming, f);
  if (incoming.geometry.type != core::GeomType::None && incoming.geometry != now.geometry)
    patch.geometry = incoming.geometry;
  return patch;
}

void check_sync_options(const core::EntitySpec& spec, const ImportOptions& opt) {
  if (opt.mode != ImportMode::Insert && opt.mapping.key.empty())
    throw core::InputError("--mode", "update and upsert match rows on a key: give --key COLUMN");
  if (opt.on_missing == OnMissing::Close) {
    if (opt.mode == ImportMode::Insert)
      throw core::InputError("--on-missing", "close goes with --mode update or upsert");
    const core::FieldSpec* status = spec.field("status");
    if (!status ||
        std::find(status->values.begin(), status->values.end(), "closed") == status->values.end())
      throw core::InputError("--on-missing", std::string(spec.name) +
                                                 " have no status \"closed\"; report lists "
                                                 "the records the file no longer holds");
  }
}

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
  check_sync_options(spec, opt);  // before the file is opened: a wrong option fails at once
  io::SourceOptions so;
  so.layer = opt.mapping.layer;
  so.crs = opt.mapping.crs;
  if (!opt.mapping.geometry.empty()) io::set_geometry_option(so, opt.mapping.geometry);
  const std::unique_ptr<io::FeatureReader> source = io::open_feature_reader(path, so);
  io::FeatureReader& src = *source;
  io::ResolvedMapping mapping(spec, opt.mapping, src.columns());
  const std::vector<std::string> supplied = mapping.fields();
  std::optional<Keyed> keyed;
  if (!opt.mapping.key.empty()) keyed.emplace(reg, spec, opt.mapping.key);
  const std::string sync_reason = "import " + path + " (--key " + opt.mapping.key + ")";

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
    std::string key;                                            // --key's value
  };
  auto stage = [&](Staged& s) {
    io::SourceFeature f;
    if (!src.next(f)) return false;
    s.index = f.index;
    s.kept = mapping.keep(f.values);
    s.key = mapping.key(f.values);
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
        // A row left out by --where is still in the file: its record is not missing.
        if (keyed && !f.key.empty()) keyed->seen(f.key, f.index);
        continue;
      }
      // Only a bad feature needs its place as text.
      const auto where = [&] { return path + ": feature " + std::to_string(f.index); };
      try {
        if (keyed) {
          if (f.key.empty())
            throw core::InputError(opt.mapping.key, "empty: with --key, every row needs its key");
          keyed->seen(f.key, f.index);
        }
        if (f.error) std::rethrow_exception(f.error);
        store::WriteResult res;
        std::int64_t victims = 0;
        enum { Added, Updated, Unchanged } done = Added;
        // A row whose key an earlier import kept changes that record, if it differs.
        const auto sync = [&](const std::string& id) {
          if (opt.mode == ImportMode::Insert)
            throw core::Conflict("--key " + opt.mapping.key + " \"" + f.key + "\" is " + id +
                                 " already: --mode upsert updates it");
          res.id = id;
          core::Record patch = changes(reg.get(spec, id), f.checked.record(), supplied);
          if (patch.fields.empty() && patch.geometry.type == core::GeomType::None) {
            done = Unchanged;
            return;
          }
          reg.update(spec, id, patch, who, sync_reason);
          done = Updated;
        };
        // The accident and the victims it counts, of unknown details but their outcome.
        const auto write = [&] {
          if (keyed) {
            if (auto id = keyed->match(f.key)) return sync(*id);
            if (opt.mode == ImportMode::Update)
              throw core::InputError(opt.mapping.key,
                                     "\"" + f.key +
                                         "\" is the key of no record: --mode update changes "
                                         "only records imported before; --mode upsert adds it");
          }
          res = reg.add(spec, std::move(f.checked), who);
          // A count does not say which victims the children were: they are the first
          // ones made, the killed before the injured (docs/import.md).
          const auto count = [&](std::string_view what) {
            for (const auto& [outcome, n] : f.victims)
              if (outcome == what) return n;
            return std::int64_t{0};
          };
          const std::int64_t children = count(io::ResolvedMapping::kChildren);
          const auto& victim = core::spec(core::Entity::Victim);
          for (std::string_view outcome : victim.field("outcome")->values) {
            const std::int64_t n = count(outcome);
            for (std::int64_t i = 0; i < n; ++i, ++victims) {
              core::Record v;
              v.workflow = f.workflow;
              v.fields["accident_id"] = res.id;
              v.fields["outcome"] = std::string(outcome);
              v.fields["group"] = std::string("unknown");
              if (victims < children) v.fields["age_group"] = std::string("child");
              reg.add(victim, std::move(v), who);
            }
          }
        };
        if (opt.skip_errors)  // a savepoint per feature, so a bad one is undone alone
          reg.transaction(write);
        else
          write();
        sum.victims += victims;
        if (opt.check && done != Unchanged) written.emplace(res.id, f.index);
        ++(done == Added ? sum.imported : done == Updated ? sum.updated : sum.unchanged);
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
    if (keyed && opt.mode != ImportMode::Insert) {
      sum.missing = keyed->missing();
      if (opt.on_missing == OnMissing::Close)
        for (auto& m : sum.missing) {
          if (reg.get(spec, m.id).text("status") == "closed") continue;
          core::Record patch;
          patch.fields["status"] = std::string("closed");
          patch.fields["status_date"] = core::Date::today().to_string();
          patch.fields["status_reason"] = "not in " + path + " (import --on-missing close)";
          reg.update(spec, m.id, patch, who, sync_reason);
          m.closed = true;
        }
    }
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
                      {"updated", s.updated},
                      {"unchanged", s.unchanged},
                      {"layer", s.layer},
                      {"driver", s.driver},
                      {"unused_columns", s.unused_columns},
                      {"warnings", s.warnings},
                      {"seconds", s.seconds}};
  j["missing"] = nlohmann::json::array();
  for (const auto& m : s.missing)
    j["missing"].push_back({{"id", m.id}, {"key", m.key}, {"closed", m.closed}});
  j["rejects_file"] =
      s.rejects_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.rejects_file);
  if (s.quality) j["quality"] = quality_json(*s.quality);
  return j.dump(2);
}

std::string summary_text(const ImportSummary& s, bool dry_run) {
  std::string out = std::string(dry_run ? "dry run, nothing written: " : "") + "imported " +
                    std::to_string(s.imported) + ", repaired " + std::to_string(s.repaired) +
                    ", rejected " + std::to_string(s.rejected);
  if (s.updated || s.unchanged)
    out += ", updated " + std::to_string(s.updated) + ", unchanged " + std::to_string(s.unchanged);
  if (s.filtered_out) out += ", left out by --where " + std::to_string(s.filtered_out);
  if (s.victims) out += ", victims counted " + std::to_string(s.victims);
  out += " (of " + std::to_string(s.read) + " features read from layer \"" + s.layer + "\")\n";
  if (!s.rejects_file.empty()) out += "rejected features and why: " + s.rejects_file + "\n";
  if (!s.missing.empty()) {
    out += "no longer in the file (" + std::to_string(s.missing.size()) + "):";
    for (const auto& m : s.missing)
      out += " " + m.id + " (" + m.key + (m.closed ? ", closed" : "") + ")";
    out += "\n";
  }
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
