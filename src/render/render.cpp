// Text, JSON, GeoJSON and CSV renderings; see render.hpp.
#include "render/render.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "geo/geojson.hpp"

namespace minemap::render {

using nlohmann::json;

Format parse_format(const std::string& s) {
  if (s == "table") return Format::Table;
  if (s == "json") return Format::Json;
  if (s == "geojson") return Format::GeoJson;
  if (s == "csv") return Format::Csv;
  throw core::InputError("--format", "\"" + s + "\" is not one of table, json, geojson, csv");
}

namespace {

std::string num(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", d);
  return buf;
}

void coords(std::ostringstream& o, const core::LineString& l) {
  o << '(';
  for (std::size_t i = 0; i < l.size(); ++i)
    o << (i ? ", " : "") << num(l[i].x) << ' ' << num(l[i].y);
  o << ')';
}

void polygon(std::ostringstream& o, const core::Polygon& p) {
  o << '(';
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i) o << ", ";
    coords(o, p[i]);
  }
  o << ')';
}

bool shown(const core::FieldSpec& f, bool include_personal) {
  return include_personal || !f.personal;
}

class JsonWriter : public RecordWriter {
 public:
  JsonWriter(const core::EntitySpec& spec, std::ostream& out, bool personal, bool geojson)
      : m_spec(spec), m_out(out), m_personal(personal), m_geojson(geojson) {
    m_out << (m_geojson ? "{\"type\":\"FeatureCollection\",\"features\":[" : "[");
  }
  void write(const core::Record& r) override {
    json j = m_geojson ? geo::record_to_feature(m_spec, r, m_personal)
                       : geo::record_to_json(m_spec, r, m_personal);
    m_out << (m_first ? "\n" : ",\n") << geo::to_text(j);
    m_first = false;
  }
  void finish() override { m_out << (m_geojson ? "\n]}\n" : "\n]\n"); }

 private:
  const core::EntitySpec& m_spec;
  std::ostream& m_out;
  bool m_personal, m_geojson, m_first = true;
};

// The text of one column of a record: "id", "workflow", "wkt" or a field.
std::string cell(const core::Record& r, const std::string& column) {
  if (column == "id") return r.id;
  if (column == core::kWorkflowField) return r.workflow;
  if (column == "wkt") return to_wkt(r.geometry);
  auto it = r.fields.find(column);
  if (it == r.fields.end()) return "";
  if (auto* d = std::get_if<double>(&it->second)) return num(*d);
  return core::value_to_text(it->second);
}

// The columns asked for, checked; or, when none were, the default ones.
std::vector<std::string> columns_of(const core::EntitySpec& spec, bool personal, bool csv,
                                    const std::vector<std::string>& asked) {
  std::vector<std::string> out;
  if (asked.empty()) {
    out.push_back("id");
    if (csv) {
      out.push_back(std::string(core::kWorkflowField));
      for (const auto& f : spec.fields)
        if (shown(f, personal)) out.push_back(std::string(f.name));
      if (spec.spatial()) out.push_back("wkt");
      return out;
    }
    // A table: the first fields, then what minemap computes (area_m2, remaining_m2).
    for (const auto& f : spec.fields)
      if (shown(f, personal) && out.size() < 7) out.push_back(std::string(f.name));
    for (const auto& f : spec.fields)
      if (f.computed && f.type == core::FieldType::Real && shown(f, personal) &&
          std::find(out.begin(), out.end(), f.name) == out.end())
        out.push_back(std::string(f.name));
    return out;
  }
  for (const auto& c : asked) {
    const core::FieldSpec* f = spec.field(c);
    if (f && !shown(*f, personal))
      throw core::InputError("--columns", "\"" + c + "\" is personal data: add --include-personal");
    if (!f && c != "id" && c != core::kWorkflowField && !(csv && spec.spatial() && c == "wkt")) {
      std::string valid = "id, workflow";
      for (const auto& g : spec.fields)
        if (shown(g, personal)) valid += ", " + std::string(g.name);
      if (csv && spec.spatial()) valid += ", wkt";
      throw core::InputError(
          "--columns", "no column \"" + c + "\" in " + std::string(spec.name) + " (" + valid + ")");
    }
    out.push_back(c);
  }
  return out;
}

class CsvWriter : public RecordWriter {
 public:
  CsvWriter(std::ostream& out, std::vector<std::string> columns)
      : m_out(out), m_columns(std::move(columns)) {
    for (std::size_t i = 0; i < m_columns.size(); ++i) m_out << (i ? "," : "") << m_columns[i];
    m_out << '\n';
  }
  void write(const core::Record& r) override {
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
      const auto& c = m_columns[i];
      // The workflow is one of a few words; every other cell is quoted when it needs it.
      m_out << (i ? "," : "")
            << (c == core::kWorkflowField ? r.workflow : core::csv_cell(cell(r, c)));
    }
    m_out << '\n';
  }
  void finish() override {}

 private:
  std::ostream& m_out;
  std::vector<std::string> m_columns;
};

// An aligned table for a person at a terminal: the id and the first few fields, or the
// columns asked for.
class TableWriter : public RecordWriter {
 public:
  TableWriter(const core::EntitySpec& spec, std::ostream& out, std::vector<std::string> columns)
      : m_spec(spec), m_out(out), m_columns(std::move(columns)) {}
  void write(const core::Record& r) override {
    std::vector<std::string> row;
    for (const auto& c : m_columns) {
      std::string v = cell(r, c);
      if (v.size() > 40) v = v.substr(0, 37) + "...";
      row.push_back(v);
    }
    m_rows.push_back(std::move(row));
  }
  void finish() override {
    std::vector<std::size_t> width(m_columns.size());
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
      width[c] = m_columns[c].size();
      for (const auto& row : m_rows) width[c] = std::max(width[c], row[c].size());
    }
    auto line = [&](const std::vector<std::string>& cells) {
      for (std::size_t c = 0; c < cells.size(); ++c)
        m_out << std::left << std::setw(static_cast<int>(width[c]) + 2) << cells[c];
      m_out << '\n';
    };
    line(m_columns);
    for (const auto& row : m_rows) line(row);
    m_out << m_rows.size() << ' ' << m_spec.name << '\n';
  }

 private:
  const core::EntitySpec& m_spec;
  std::ostream& m_out;
  std::vector<std::string> m_columns;
  std::vector<std::vector<std::string>> m_rows;
};

json counts(const std::map<std::string, std::int64_t>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

double round_m2(double a) {
  return std::round(a * 100) / 100;
}

}  // namespace

std::unique_ptr<RecordWriter> make_writer(Format f, const core::EntitySpec& spec, std::ostream& out,
                                          bool include_personal,
                                          const std::vector<std::string>& columns) {
  if (!columns.empty() && (f == Format::Json || f == Format::GeoJson))
    throw core::InputError("--columns", "for --format table or csv only");
  switch (f) {
    case Format::Json: return std::make_unique<JsonWriter>(spec, out, include_personal, false);
    case Format::GeoJson: return std::make_unique<JsonWriter>(spec, out, include_personal, true);
    case Format::Csv:
      return std::make_unique<CsvWriter>(out, columns_of(spec, include_personal, true, columns));
    case Format::Table: break;
  }
  return std::make_unique<TableWriter>(spec, out,
                                       columns_of(spec, include_personal, false, columns));
}

std::string feature_json(const core::EntitySpec& spec, const core::Record& r, bool include_personal,
                         const std::string& version) {
  auto j = geo::record_to_feature(spec, r, include_personal);
  if (!version.empty()) j["version"] = version;
  return geo::to_text(j, 2);
}

void print_record(const core::EntitySpec& spec, const core::Record& r, std::ostream& out,
                  bool include_personal) {
  out << std::left << std::setw(24) << "id" << r.id << '\n';
  out << std::setw(24) << "workflow" << r.workflow << '\n';
  for (const auto& f : spec.fields) {
    if (!shown(f, include_personal)) continue;
    auto it = r.fields.find(f.name);
    if (it == r.fields.end()) continue;
    std::string v = core::value_to_text(it->second);
    if (auto* d = std::get_if<double>(&it->second)) v = num(*d);
    if (v.size() > 200) v = v.substr(0, 197) + "...";
    out << std::setw(24) << f.name << v << '\n';
  }
  if (spec.spatial() && r.geometry.type != core::GeomType::None) {
    std::string wkt = to_wkt(r.geometry);
    if (wkt.size() > 200) wkt = wkt.substr(0, 197) + "...";
    out << std::setw(24) << "geometry" << wkt << '\n';
  }
}

std::string to_wkt(const core::Geometry& g) {
  using core::GeomType;
  std::ostringstream o;
  switch (g.type) {
    case GeomType::None: return "";
    case GeomType::Point:
      if (g.points.empty()) return "POINT EMPTY";
      o << "POINT (" << num(g.points[0].x) << ' ' << num(g.points[0].y) << ')';
      break;
    case GeomType::MultiPoint:
      o << "MULTIPOINT ";
      coords(o, g.points);
      break;
    case GeomType::LineString:
      o << "LINESTRING ";
      if (g.lines.empty()) return "LINESTRING EMPTY";
      coords(o, g.lines[0]);
      break;
    case GeomType::MultiLineString:
      o << "MULTILINESTRING (";
      for (std::size_t i = 0; i < g.lines.size(); ++i) {
        if (i) o << ", ";
        coords(o, g.lines[i]);
      }
      o << ')';
      break;
    case GeomType::Polygon:
      if (g.polygons.empty()) return "POLYGON EMPTY";
      o << "POLYGON ";
      polygon(o, g.polygons[0]);
      break;
    case GeomType::MultiPolygon:
      o << "MULTIPOLYGON (";
      for (std::size_t i = 0; i < g.polygons.size(); ++i) {
        if (i) o << ", ";
        polygon(o, g.polygons[i]);
      }
      o << ')';
      break;
  }
  return o.str();
}

namespace {

std::string describe_type(const core::FieldSpec& f) {
  std::string t(core::to_string(f.type));
  if (f.type == core::FieldType::Enum || f.type == core::FieldType::EnumSet) {
    t += ": ";
    for (std::size_t i = 0; i < f.values.size(); ++i)
      t += (i ? ", " : "") + std::string("`") + std::string(f.values[i]) + "` (" +
           core::value_label(f.values[i]) + ")";
  }
  if (f.type == core::FieldType::Ref) t += " to " + std::string(f.ref);
  if (std::isfinite(f.min) || std::isfinite(f.max)) t += ", " + num(f.min) + " to " + num(f.max);
  return t;
}

}  // namespace

std::string schema_markdown() {
  std::ostringstream o;
  o << "# Data model\n\n"
       "Generated by `minemap schema`; do not edit by hand.\n\n"
       "Every entity also has `id` (a readable public id such as `HZ-000123`, generated when "
       "absent) and `workflow` (`draft`, `submitted`, `approved`, `rejected`; default "
       "`approved`; only approved records count in figures; the steps between them and their "
       "rules: [workflow.md](workflow.md)). Deletes are soft. Dates are ISO "
       "8601 and may have reduced precision (`2012`, `2012-05`); a date-time gives its date; "
       "none may lie in the future. "
       "Computed fields are set by minemap and ignored on input. Personal fields are left out "
       "of output unless `--include-personal` is given. In the store (a GeoPackage), each "
       "entity with a geometry also has a view of its current records (approved, not "
       "deleted), `<layer>_current`, and each of its date fields two GeoPackage DATE columns "
       "beside the text, `<field>_first` and `<field>_last`: the first and the last day the "
       "date may mean (`2012-05` gives `2012-05-01` and `2012-05-31`), for QGIS's temporal "
       "controller ([store.md](store.md)).\n";
  for (const auto& s : core::entities()) {
    o << "\n## " << s.name << ": " << s.title << "\n\n"
      << "Layer `" << s.table << "`, ids `" << s.id_prefix << "-000001`, geometry "
      << core::to_string(s.geometry)
      << (s.spatial() ? (s.geometry_required ? " (required)" : " (optional)") : "") << ".";
    if (s.field_report) o << " A field report: filed, submitted and approved through the review.";
    if (!s.parent_ref.empty()) o << " Follows its `" << s.parent_ref << "` through the review.";
    if (!s.children_key.empty())
      o << " Filed with its " << core::children_of(s)->name << " in `" << s.children_key << "`.";
    o << "\n\n| field | label | type | required | notes |\n|---|---|---|---|---|\n";
    for (const auto& f : s.fields) {
      std::string notes(f.doc);
      if (!f.default_value.empty())
        notes += std::string(notes.empty() ? "" : "; ") + "default `" +
                 std::string(f.default_value) + "`";
      if (f.computed) notes += std::string(notes.empty() ? "" : "; ") + "computed";
      if (f.personal) notes += std::string(notes.empty() ? "" : "; ") + "personal";
      o << "| `" << f.name << "` | " << core::field_label(f) << " | " << describe_type(f) << " | "
        << (f.required ? "yes" : "") << " | " << notes << " |\n";
    }
  }
  return o.str();
}

std::string schema_json() {
  json j = json::array();
  for (const auto& s : core::entities()) {
    json e = {{"name", s.name},
              {"layer", s.table},
              {"id_prefix", s.id_prefix},
              {"title", s.title},
              {"singular", s.singular},
              {"geometry", core::to_string(s.geometry)},
              {"geometry_required", s.geometry_required},
              {"field_report", s.field_report}};
    if (!s.parent_ref.empty()) e["parent_ref"] = s.parent_ref;
    if (!s.children_key.empty()) e["children_key"] = s.children_key;
    if (s.tile_order >= 0) e["tile_order"] = s.tile_order;
    e["fields"] = json::array();
    for (const auto& f : s.fields) {
      json fj = {{"name", f.name},
                 {"label", core::field_label(f)},
                 {"type", core::to_string(f.type)},
                 {"required", f.required},
                 {"computed", f.computed},
                 {"personal", f.personal},
                 {"doc", f.doc}};
      if (!f.values.empty()) {
        fj["values"] = f.values;
        json labels = json::object();
        for (auto v : f.values) labels[std::string(v)] = core::value_label(v);
        fj["labels"] = std::move(labels);
      }
      if (!f.ref.empty()) fj["ref"] = f.ref;
      if (std::isfinite(f.min)) fj["min"] = f.min;
      if (std::isfinite(f.max)) fj["max"] = f.max;
      if (!f.default_value.empty()) fj["default"] = f.default_value;
      e["fields"].push_back(fj);
    }
    j.push_back(e);
  }
  return geo::to_text(j, 2);
}

std::string stats_json(const analysis::Stats& s, int indent) {
  json j;
  j["hazards"] = {{"count", s.hazards.count},
                  {"by_type", counts(s.hazards.by_type)},
                  {"by_status", counts(s.hazards.by_status)},
                  {"area_m2", round_m2(s.hazards.area_m2)},
                  {"remaining_m2", round_m2(s.hazards.remaining_m2)}};
  const auto& lr = s.land_release;
  j["land_release"] = {
      {"cancelled_m2", round_m2(lr.cancelled_m2)},
      {"reduced_m2", round_m2(lr.reduced_m2)},
      {"cleared_m2", round_m2(lr.cleared_m2)},
      {"cleared_nothing_found_m2", round_m2(lr.cleared_nothing_found_m2)},
      {"cleared_nothing_found_share",
       lr.cleared_m2 > 0 ? lr.cleared_nothing_found_m2 / lr.cleared_m2 : 0.0},
      {"m2_per_deminer_day",
       lr.deminer_days > 0 ? round_m2(lr.cleared_by_deminer_days_m2 / lr.deminer_days) : 0.0}};
  j["items"] = {{"count", s.items.count},
                {"by_category", counts(s.items.by_category)},
                {"by_year", counts(s.items.by_year)}};
  j["accidents"] = {{"count", s.accidents.count},
                    {"inside_hazards", s.accidents.inside_hazards},
                    {"outside_hazards", s.accidents.outside_hazards},
                    {"by_year", counts(s.accidents.by_year)},
                    {"by_type", counts(s.accidents.by_type)}};
  j["victims"] = {{"count", s.victims.count},
                  {"killed", s.victims.killed},
                  {"injured", s.victims.injured},
                  {"children", s.victims.children},
                  {"by_group", counts(s.victims.by_group)},
                  {"by_sex", counts(s.victims.by_sex)},
                  {"by_year", counts(s.victims.by_year)}};
  return geo::to_text(j, indent);
}

std::string stats_by_admin_json(
    const std::map<std::string, std::pair<std::string, analysis::Stats>>& by_admin) {
  json j = json::object();
  for (const auto& [id, named] : by_admin) {
    json one = json::parse(stats_json(named.second, -1));
    one["name"] = named.first;
    j[id.empty() ? "none" : id] = one;
  }
  return geo::to_text(json{{"by_admin", j}}, 2);
}

void print_stats_by_admin(
    const std::map<std::string, std::pair<std::string, analysis::Stats>>& by_admin,
    std::ostream& out) {
  out << std::left << std::setw(14) << "admin area" << std::setw(28) << "name" << std::right
      << std::setw(8) << "hazards" << std::setw(16) << "remaining m2" << std::setw(10) << "items"
      << std::setw(11) << "accidents" << std::setw(9) << "victims" << '\n';
  for (const auto& [id, named] : by_admin) {
    const auto& s = named.second;
    std::string name = named.first.size() > 26 ? named.first.substr(0, 25) + "~" : named.first;
    out << std::left << std::setw(14) << (id.empty() ? "(none)" : id) << std::setw(28) << name
        << std::right << std::setw(8) << s.hazards.count << std::setw(16) << std::fixed
        << std::setprecision(0) << s.hazards.remaining_m2 << std::setw(10) << s.items.count
        << std::setw(11) << s.accidents.count << std::setw(9) << s.victims.count << '\n';
  }
}

void print_stats(const analysis::Stats& s, std::ostream& out) {
  auto area = [](double m2) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(0) << m2 << " m²";
    return o.str();
  };
  auto list = [](const std::map<std::string, std::int64_t>& m) {
    std::string o;
    for (const auto& [k, v] : m) o += (o.empty() ? "" : ", ") + k + " " + std::to_string(v);
    return o.empty() ? std::string("-") : o;
  };
  const auto& lr = s.land_release;
  out << "Hazardous areas   " << s.hazards.count << " (" << list(s.hazards.by_type) << "; "
      << list(s.hazards.by_status) << ")\n"
      << "  area            " << area(s.hazards.area_m2) << ", remaining "
      << area(s.hazards.remaining_m2) << "\n"
      << "Land released     cancelled " << area(lr.cancelled_m2) << ", reduced "
      << area(lr.reduced_m2) << ", cleared " << area(lr.cleared_m2) << "\n";
  if (lr.cleared_m2 > 0)
    out << "  cleared with nothing found " << std::fixed << std::setprecision(1)
        << 100.0 * lr.cleared_nothing_found_m2 / lr.cleared_m2 << "%\n";
  out << "Items found       " << s.items.count << " (" << list(s.items.by_category) << ")\n"
      << "Accidents         " << s.accidents.count << ": " << s.accidents.inside_hazards
      << " inside known hazards, " << s.accidents.outside_hazards << " outside\n"
      << "Victims           " << s.victims.count << ": " << s.victims.killed << " killed, "
      << s.victims.injured << " injured, " << s.victims.children << " children\n"
      << "  by group        " << list(s.victims.by_group) << "\n";
}

namespace {

// A record's JSON as the audit keeps it (null when there is none).
json audited(const std::string& text) {
  return text.empty() ? json(nullptr) : json::parse(text);
}

bool is_personal(const core::EntitySpec& spec, const std::string& key) {
  const core::FieldSpec* f = spec.field(key);
  return f && f->personal;
}

void withhold_personal(const core::EntitySpec& spec, json& record) {
  if (!record.is_object()) return;
  for (auto it = record.begin(); it != record.end();)
    it = is_personal(spec, it.key()) ? record.erase(it) : std::next(it);
}

}  // namespace

std::string history_json(const core::EntitySpec& spec,
                         const std::vector<store::AuditEntry>& entries,
                         const std::vector<store::StatusChange>& status, bool personal) {
  json j;
  j["audit"] = json::array();
  for (const auto& e : entries) {
    json a = {{"seq", e.seq},       {"ts", e.ts},         {"actor", e.actor},
              {"action", e.action}, {"reason", e.reason}, {"hash", e.hash}};
    a["before"] = audited(e.before);
    a["after"] = audited(e.after);
    if (!personal) {
      withhold_personal(spec, a["before"]);
      withhold_personal(spec, a["after"]);
    }
    j["audit"].push_back(a);
  }
  if (!status.empty()) {
    j["status_history"] = json::array();
    for (const auto& c : status)
      j["status_history"].push_back({{"date", c.date}, {"status", c.status}, {"reason", c.reason}});
  }
  return geo::to_text(j, 2);
}

void print_history(const core::EntitySpec& spec, const std::vector<store::AuditEntry>& entries,
                   const std::vector<store::StatusChange>& status, bool personal,
                   std::ostream& out) {
  for (const auto& e : entries) {
    out << e.ts << "  " << std::left << std::setw(8) << e.action << ' ' << e.actor;
    if (!e.reason.empty()) out << "  (" << e.reason << ")";
    if (e.action == "update" && !e.before.empty() && !e.after.empty()) {
      json b = audited(e.before), a = audited(e.after);
      for (auto it = a.begin(); it != a.end(); ++it) {
        if (b.contains(it.key()) && b[it.key()] == it.value()) continue;
        out << "\n    " << it.key() << ": ";
        if (!personal && is_personal(spec, it.key()))
          out << "changed (personal data: --include-personal shows it)";
        else
          out << (b.contains(it.key()) ? geo::to_text(b[it.key()]) : "(none)") << " -> "
              << (it.key() == "geometry" ? "(new geometry)" : geo::to_text(it.value()));
      }
      for (auto it = b.begin(); it != b.end(); ++it)
        if (!a.contains(it.key())) out << "\n    " << it.key() << ": cleared";
    }
    out << '\n';
  }
  if (!status.empty()) {
    out << "status history:\n";
    for (const auto& c : status)
      out << "  " << c.date << "  " << c.status << (c.reason.empty() ? "" : "  (" + c.reason + ")")
          << '\n';
  }
}

}  // namespace minemap::render
