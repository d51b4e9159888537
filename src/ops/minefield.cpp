#include "ops/minefield.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace minemap::ops {

namespace {

const core::EntitySpec& records() {
  return core::spec(core::Entity::Record);
}
const core::EntitySpec& rows_spec() {
  return core::spec(core::Entity::RecordRow);
}
const core::EntitySpec& mines_spec() {
  return core::spec(core::Entity::RecordMine);
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

// The derivation's fields of the records entity (everything but the raw record,
// the source and the hazard).
void set_derivation(core::Record& rec, const record::Parsed& p, const record::Digitized& d,
                    const record::Corrections& fix, int derivation) {
  auto& f = rec.fields;
  f["derivation"] = std::int64_t{derivation};
  f["corrections"] = fix.empty() ? core::Value{} : core::Value{fix.to_json().dump()};
  f["crs"] = d.crs;
  f["bearing_ref"] = std::string(record::to_string(p.record.bearing_ref));
  f["declination_deg_applied"] = d.declination_deg_applied;
  f["declination_source"] = d.declination_source;
  f["convergence_deg_applied"] = d.convergence_deg_applied;
  f["misclosure_m"] = d.misclosure_m ? core::Value{*d.misclosure_m} : core::Value{};
  f["misclosure_ratio"] = d.misclosure_ratio ? core::Value{*d.misclosure_ratio} : core::Value{};
  f["mine_count"] = static_cast<std::int64_t>(d.mines.size());
  f["warnings"] = d.warnings.empty() ? core::Value{} : core::Value{joined(d.warnings)};
  rec.geometry = core::Geometry{};
  rec.geometry.type = core::GeomType::Polygon;
  rec.geometry.polygons = {{d.perimeter}};
}

// The derived rows and mines of one derivation.
void add_layers(store::Registry& reg, const std::string& id, const record::Record& r,
                const record::Digitized& d, int derivation, const store::Actor& who) {
  for (std::size_t i = 0; i < d.rows.size(); ++i) {
    const auto& row = d.rows[i];
    core::Record rr;
    rr.fields["record_id"] = id;
    rr.fields["row"] = row.id;
    rr.fields["derivation"] = std::int64_t{derivation};
    rr.fields["pattern"] = std::string(record::to_string(r.rows[i].pattern));
    rr.fields["count"] = std::int64_t{row.count};
    rr.fields["spacing_m"] = row.spacing_m;
    rr.fields["bearing_true_deg"] = row.bearing_true_deg;
    rr.geometry.type = core::GeomType::LineString;
    // A row of one mine is a line of length zero: give it its start twice.
    rr.geometry.lines = {{row.start, row.end}};
    reg.add(rows_spec(), std::move(rr), who);
  }
  for (const auto& m : d.mines) {
    const auto& g = r.rows[m.row].mines[m.group];
    core::Record mr;
    mr.fields["record_id"] = id;
    mr.fields["row"] = r.rows[m.row].id;
    mr.fields["index"] = std::int64_t{m.index};
    mr.fields["derivation"] = std::int64_t{derivation};
    mr.fields["category"] = g.category;
    if (!g.model.empty()) mr.fields["model"] = g.model;
    mr.geometry = core::Geometry::point(m.at.x, m.at.y);
    reg.add(mines_spec(), std::move(mr), who);
  }
}

// Soft-deletes the layers of the current derivation: they stay in the store and its
// history, out of lists and analyses.
void retire_layers(store::Registry& reg, const std::string& id, int derivation,
                   const store::Actor& who) {
  store::ListQuery q;
  q.where = {{"record_id", {id}}};
  std::string why = "superseded by derivation " + std::to_string(derivation + 1);
  for (const auto* spec : {&rows_spec(), &mines_spec()}) {
    std::vector<std::string> ids;
    reg.for_each(*spec, q, [&](const core::Record& r) { ids.push_back(r.id); });
    for (const auto& x : ids) reg.remove(*spec, x, why, who);
  }
}

}  // namespace

record::Corrections stored_corrections(const core::Record& rec) {
  record::Corrections c;
  auto text = rec.text("corrections");
  if (!text || text->empty()) return c;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) throw core::StorageError(rec.id + ": corrections is not a JSON object");
  if (j.contains("declination_deg")) c.declination_deg = j["declination_deg"].get<double>();
  if (j.contains("crs")) c.crs = j["crs"].get<std::string>();
  if (j.contains("pace_m")) c.pace_m = j["pace_m"].get<double>();
  return c;
}

StoredRecord add_minefield_record(store::Registry& reg, const std::string& text,
                                  const std::string& name,
                                  const std::optional<std::string>& hazard_id,
                                  const store::Actor& who, const std::string& store_id) {
  StoredRecord out;
  try {
    out.parsed = record::parse(text);
    out.digitized = record::digitize(out.parsed);
  } catch (const core::InputError& e) {
    throw e.located(name);
  }
  const record::Record& r = out.parsed.record;
  if (r.source_name.empty())
    throw core::InputError("source.name", "missing: the store keeps every record with its source")
        .located(name);
  // The same record twice (same source, same id) is a mistake; a correction is
  // `record redigitize`.
  store::ListQuery same;
  same.where = {{"label", {r.id}}, {"source_name", {r.source_name}}};
  for (const auto& dup : reg.list(records(), same))
    throw core::Conflict(
        name + ": record " + r.id + " of " + r.source_name + " is already stored as " + dup.id +
        " (to apply a correction: minemap record redigitize STORE " + dup.id + ")");

  core::Record rec;
  rec.id = store_id;
  rec.fields["source_name"] = r.source_name;
  if (!r.source_received.empty()) rec.fields["received"] = r.source_received;
  if (!r.source_reference.empty()) rec.fields["source_reference"] = r.source_reference;
  if (r.laid) rec.fields["laid"] = r.laid->to_string();
  rec.fields["raw"] = text;
  rec.fields["label"] = r.id;
  if (hazard_id) rec.fields["hazard_id"] = *hazard_id;
  long long declared = 0;
  for (const auto& [c, n] : r.declared) declared += n;
  if (!r.declared.empty()) rec.fields["declared_total"] = static_cast<std::int64_t>(declared);
  set_derivation(rec, out.parsed, out.digitized, {}, 1);

  reg.transaction([&] {
    try {
      auto res = reg.add(records(), std::move(rec), who);
      out.id = res.id;
      out.repairs = res.repairs;
      add_layers(reg, out.id, r, out.digitized, 1, who);
    } catch (const core::InputError& e) {
      throw e.located(name + " (" + r.id + ")");
    }
  });
  out.rows = out.digitized.rows.size();
  out.mines = out.digitized.mines.size();
  return out;
}

StoredRecord redigitize_minefield_record(store::Registry& reg, const std::string& id,
                                         const record::Corrections& fix, const store::Actor& who) {
  StoredRecord out;
  out.id = id;
  core::Record rec = reg.get(records(), id);
  int current = static_cast<int>(rec.integer("derivation").value_or(1));
  record::Corrections merged = stored_corrections(rec);
  if (fix.declination_deg) merged.declination_deg = fix.declination_deg;
  if (fix.crs) merged.crs = fix.crs;
  if (fix.pace_m) merged.pace_m = fix.pace_m;
  auto raw = rec.text("raw");
  if (!raw) throw core::StorageError(id + ": the raw record is missing");
  try {
    out.parsed = record::parse(*raw);
    out.digitized = record::digitize(out.parsed, merged);
  } catch (const core::InputError& e) {
    throw e.located(id);
  }
  out.derivation = current + 1;
  core::Record patch;
  set_derivation(patch, out.parsed, out.digitized, merged, out.derivation);
  // Cleared fields are nulls in a patch.
  std::string reason =
      "derivation " + std::to_string(out.derivation) + ": " + merged.to_json().dump();
  reg.transaction([&] {
    auto res = reg.update(records(), id, patch, who, reason);
    out.repairs = res.repairs;
    retire_layers(reg, id, current, who);
    add_layers(reg, id, out.parsed.record, out.digitized, out.derivation, who);
  });
  out.rows = out.digitized.rows.size();
  out.mines = out.digitized.mines.size();
  return out;
}

}  // namespace minemap::ops
