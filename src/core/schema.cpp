// The entity table. Names follow DATA_MODEL; each field's doc names the MDR /
// IMSMA concept it maps to so that imports and exports can map fields both ways.
#include "core/schema.hpp"

#include <algorithm>
#include <cstdio>

#include "core/errors.hpp"

namespace minemap::core {
namespace {

using F = FieldSpec;
using T = FieldType;

F text(std::string_view name, bool required = false, std::string_view doc = {}) {
  return F{.name = name, .type = T::Text, .required = required, .doc = doc};
}
F date(std::string_view name, bool required = false, std::string_view doc = {}) {
  return F{.name = name, .type = T::Date, .required = required, .doc = doc};
}
F boolean(std::string_view name, std::string_view doc = {}) {
  return F{.name = name, .type = T::Boolean, .doc = doc};
}
F integer(std::string_view name, double min, double max, std::string_view doc = {}) {
  return F{.name = name, .type = T::Integer, .min = min, .max = max, .doc = doc};
}
F real(std::string_view name, double min, double max, std::string_view doc = {}) {
  return F{.name = name, .type = T::Real, .min = min, .max = max, .doc = doc};
}
F enumeration(std::string_view name, std::vector<std::string_view> values, bool required,
              std::string_view def = {}, std::string_view doc = {}) {
  return F{.name = name,
           .type = T::Enum,
           .required = required,
           .values = std::move(values),
           .default_value = def,
           .doc = doc};
}
F ref(std::string_view name, std::string_view entity, bool required = false,
      std::string_view doc = {}) {
  return F{.name = name, .type = T::Ref, .required = required, .ref = entity, .doc = doc};
}
F computed_real(std::string_view name, std::string_view doc) {
  return F{.name = name, .type = T::Real, .computed = true, .doc = doc};
}
F computed_ref(std::string_view name, std::string_view entity, std::string_view doc) {
  return F{.name = name, .type = T::Ref, .ref = entity, .computed = true, .doc = doc};
}
F personal(F f) {
  f.personal = true;
  return f;
}

std::vector<EntitySpec> build() {
  const auto& dev = kDeviceCategories;
  std::vector<EntitySpec> v;

  v.push_back({Entity::Hazard,
               "hazards",
               "hazards",
               "HZ",
               "Hazardous areas",
               GeomType::MultiPolygon,
               true,
               {
                   text("name", true, "IMSMA Land name"),
                   text("local_ref", false, "local reference"),
                   enumeration("type", {"SHA", "CHA"}, true, {},
                               "suspected / confirmed hazardous area (MDR contaminated area)"),
                   enumeration("status", {"open", "closed", "handed_over"}, true, "open"),
                   date("status_date", false, "date of the current status"),
                   text("status_reason", false, "why the status was set"),
                   enumeration("evidence", {"direct", "indirect", "none"}, false),
                   F{.name = "evidence_items",
                     .type = T::EnumSet,
                     .values = {"accident", "detonation", "mine_signs", "visual_observation",
                                "record_high_reliability", "record_low_reliability",
                                "verbal_report", "other"},
                     .doc = "evidence items seen (IMSMA evidence)"},
                   F{.name = "contamination",
                     .type = T::EnumSet,
                     .values = dev,
                     .doc = "device categories believed present"},
                   text("minefield_type", false, "type of minefield (protective, nuisance ...)"),
                   boolean("blocks_agriculture"),
                   boolean("blocks_housing"),
                   boolean("blocks_roads"),
                   boolean("blocks_water"),
                   boolean("blocks_infrastructure"),
                   integer("beneficiaries", 0, 1e9, "beneficiaries expected"),
                   integer("returnees", 0, 1e9, "returnees expected"),
                   real("benchmark_lon", -180, 180, "benchmark point longitude"),
                   real("benchmark_lat", -90, 90, "benchmark point latitude"),
                   real("reference_lon", -180, 180, "reference point longitude"),
                   real("reference_lat", -90, 90, "reference point latitude"),
                   date("reported", false, "date first reported"),
                   text("source", false,
                        "where the area came from: a survey, a report, or a suggestion of "
                        "minemap signals with its evidence"),
                   ref("organisation_id", "organisations"),
                   ref("admin_area_id", "admin-areas", false,
                       "found from a point inside the polygon when not given"),
                   computed_real("area_m2", "geodesic area on WGS 84"),
                   computed_real("remaining_m2", "area less the land released by its activities"),
               }});

  v.push_back({Entity::Activity,
               "activities",
               "activities",
               "ACT",
               "Land-release activities",
               GeomType::None,
               false,
               {
                   ref("hazard_id", "hazards", true),
                   enumeration("type", {"NTS", "TS", "CLEARANCE", "EOD_SPOT", "BAC"}, true),
                   ref("organisation_id", "organisations"),
                   enumeration("method", {"manual", "mechanical", "mdd", "mixed"}, false),
                   text("asset", false, "team or machine"),
                   date("start", false),
                   date("end", false),
                   enumeration("status", {"planned", "ongoing", "suspended", "completed"}, true,
                               "completed"),
                   integer("depth_cm", 0, 1000, "clearance depth"),
                   real("deminer_days", 0, 1e9, "for productivity, m2 per deminer-day"),
               }});

  v.push_back({Entity::Release,
               "releases",
               "releases",
               "LR",
               "Land released",
               GeomType::MultiPolygon,
               true,
               {
                   ref("activity_id", "activities", true),
                   enumeration("outcome", {"cancelled", "reduced", "cleared"}, true, {},
                               "NTS cancels, TS reduces, clearance clears"),
                   date("date", false, "date released"),
                   computed_ref("hazard_id", "hazards", "the activity's hazard"),
                   computed_real("area_m2", "geodesic area on WGS 84"),
               }});

  v.push_back(
      {Entity::Item,
       "items",
       "items",
       "IT",
       "Explosive items found",
       GeomType::Point,
       true,
       {
           enumeration("category", dev, true),
           text("model", false, "e.g. PMN-2, TM-62M"),
           integer("quantity", 1, 1e6),
           text("condition"),
           text("fuze_state"),
           integer("depth_cm", 0, 1000),
           enumeration("disposal", {"destroyed_in_situ", "removed", "rendered_safe"}, false),
           date("found", false, "date found"),
           real("accuracy_m", 0, 1e5, "positional accuracy"),
           text("accuracy_method", false, "how the position was measured"),
           text("markings"),
           text("lot"),
           integer("year_made", 1900, 2100, "year of manufacture"),
           ref("activity_id", "activities"),
           ref("hazard_id", "hazards"),
           ref("record_id", "records", false, "minefield record, when matched"),
           ref("admin_area_id", "admin-areas", false, "found by point-in-polygon when not given"),
       }});
  v.back().fields[2].default_value = "1";

  v.push_back(
      {Entity::Accident,
       "accidents",
       "accidents",
       "ACC",
       "Accidents",
       GeomType::Point,
       true,
       {
           date("date", true, "IMAS 10.60 date of accident"),
           text("time", false, "HH:MM local time"),
           enumeration("type", {"mine", "erw", "cluster", "ied", "demining", "other"}, true),
           enumeration("device_category", dev, false),
           text("device_model"),
           text("activation", false, "how the device was activated"),
           boolean("area_marked"),
           boolean("clearance_in_progress"),
           text("description"),
           ref("admin_area_id", "admin-areas", false, "found by point-in-polygon when not given"),
       }});

  v.push_back(
      {Entity::Victim,
       "victims",
       "victims",
       "VIC",
       "Victims",
       GeomType::None,
       false,
       {
           ref("accident_id", "accidents", true),
           enumeration("sex", {"female", "male", "unknown"}, false),
           integer("age", 0, 120),
           enumeration("age_group", {"child", "adult"}, false, {},
                       "child: under 18 (IMAS 10.60), where the age is not known"),
           enumeration("group", {"civilian", "deminer", "military", "police", "unknown"}, true),
           enumeration("outcome", {"killed", "injured"}, true),
           text("activity_at_time", false, "activity at time of accident"),
           boolean("knew_dangerous", "knew the area was dangerous"),
           boolean("risk_education", "had risk education"),
           text("injuries"),
           personal(text("name")),
           personal(text("address")),
           personal(date("birth_date")),
       }});

  v.push_back({Entity::Record,
               "records",
               "records",
               "MR",
               "Minefield records",
               GeomType::Polygon,
               false,
               {
                   text("source_name", true, "who handed the record over"),
                   date("received", false, "when it was handed over"),
                   text("source_reference"),
                   date("laid", false, "date the mines were laid"),
                   text("crs", false, "CRS of the record's coordinates"),
                   enumeration("bearing_ref", {"true", "grid", "magnetic"}, false),
                   text("raw", true, "the record exactly as received (JSON text)"),
                   ref("hazard_id", "hazards"),
                   integer("declared_total", 0, 1e9, "mines declared by the record"),
                   computed_real("area_m2", "geodesic area of the perimeter"),
                   text("label", false, "the record's own id, as written on it (e.g. MR-0042)"),
                   integer("derivation", 1, 1e9,
                           "version of the derived geometry: 1 as received, +1 per correction"),
                   text("corrections", false,
                        "corrections the derivation applies (JSON: declination_deg, crs, pace_m)"),
                   real("declination_deg_applied", -180, 180,
                        "magnetic declination applied to the bearings, east positive"),
                   text("declination_source", false, "record, correction, IGRF-14 at YEAR, none"),
                   real("convergence_deg_applied", -180, 180,
                        "meridian convergence applied to grid bearings"),
                   real("misclosure_m", 0, 1e9, "traverse misclosure"),
                   real("misclosure_ratio", 0, 1e9, "misclosure / traverse length"),
                   integer("mine_count", 0, 1e9, "recorded mines (rows x counts)"),
                   text("warnings", false, "what digitisation found suspicious, one per line"),
               }});

  v.push_back({Entity::RecordRow,
               "record-rows",
               "record_rows",
               "MRR",
               "Minefield record rows (derived)",
               GeomType::LineString,
               true,
               {
                   ref("record_id", "records", true),
                   text("row", true, "the row's id in the record"),
                   integer("derivation", 1, 1e9, "the record's derivation this row belongs to"),
                   enumeration("pattern", {"single", "staggered"}, false),
                   integer("count", 0, 1e9, "mines in the row"),
                   real("spacing_m", 0, 1e6, "distance between mines along the row"),
                   real("bearing_true_deg", -360, 720, "the row's direction from true north"),
               }});

  v.push_back(
      {Entity::RecordMine,
       "record-mines",
       "record_mines",
       "MRM",
       "Recorded mines (derived)",
       GeomType::Point,
       true,
       {
           ref("record_id", "records", true),
           text("row", true, "the row's id in the record"),
           integer("index", 0, 1e9, "0-based position along the row"),
           integer("derivation", 1, 1e9, "the record's derivation this position belongs to"),
           enumeration("category", dev, true),
           text("model"),
       }});

  v.push_back(
      {Entity::Organisation,
       "organisations",
       "organisations",
       "ORG",
       "Organisations",
       GeomType::None,
       false,
       {
           text("name", true),
           enumeration("kind",
                       {"national_authority", "ngo", "commercial", "military", "un", "other"},
                       false),
           text("country"),
       }});

  v.push_back({Entity::AdminArea,
               "admin-areas",
               "admin_areas",
               "ADM",
               "Administrative areas",
               GeomType::MultiPolygon,
               true,
               {
                   text("name", true),
                   text("code", false, "ISO or national code"),
                   integer("level", 0, 10, "administrative level"),
                   text("parent"),
                   computed_real("area_m2", "geodesic area on WGS 84"),
               }});

  v.push_back(
      {Entity::Settlement,
       "settlements",
       "settlements",
       "SET",
       "Settlements",
       GeomType::Point,
       true,
       {
           text("name", true),
           integer("population", 0, 1e9),
           ref("admin_area_id", "admin-areas", false, "found by point-in-polygon when not given"),
       }});

  v.push_back({Entity::Road,
               "roads",
               "roads",
               "RD",
               "Roads",
               GeomType::MultiLineString,
               true,
               {
                   text("name"),
                   text("class", false, "primary, secondary, track ..."),
               }});
  // What derives from the entity besides its fields (schema.hpp).
  auto set = [&](Entity kind, auto&& fn) {
    for (auto& e : v)
      if (e.kind == kind) fn(e);
  };
  for (Entity k : {Entity::Hazard, Entity::Activity, Entity::Release, Entity::Item,
                   Entity::Accident, Entity::Victim, Entity::Organisation})
    set(k, [](EntitySpec& e) { e.field_report = true; });
  // The id a record has in the system it came from (`import --key`): a monthly export
  // loaded again updates the records it made (docs/import.md). Derived layers have none.
  for (auto& e : v)
    if (e.kind != Entity::RecordRow && e.kind != Entity::RecordMine)
      e.fields.push_back(text("external_id", false, "its id in the system it was imported from"));
  set(Entity::Victim, [](EntitySpec& e) { e.parent_ref = "accident_id"; });
  set(Entity::Accident, [](EntitySpec& e) { e.children_key = "victims"; });
  set(Entity::Release, [](EntitySpec& e) { e.parent_ref = "activity_id"; });
  set(Entity::Activity, [](EntitySpec& e) { e.children_key = "releases"; });
  const std::pair<Entity, std::string_view> singular[] = {
      {Entity::Hazard, "Hazardous area"},
      {Entity::Activity, "Land-release activity"},
      {Entity::Release, "Land released"},
      {Entity::Item, "Item found"},
      {Entity::Accident, "Accident"},
      {Entity::Victim, "Victim"},
      {Entity::Record, "Minefield record"},
      {Entity::RecordRow, "Minefield record row"},
      {Entity::RecordMine, "Recorded mine"},
      {Entity::Organisation, "Organisation"},
      {Entity::AdminArea, "Administrative area"},
      {Entity::Settlement, "Settlement"},
      {Entity::Road, "Road"}};
  for (const auto& [kind, one] : singular) set(kind, [&](EntitySpec& e) { e.singular = one; });
  // Tiles, bottom to top: the base of admin areas and roads, then hazards and released
  // land, records and their mines, settlements, items and accidents.
  int order = 0;
  for (Entity k : {Entity::AdminArea, Entity::Road, Entity::Hazard, Entity::Release, Entity::Record,
                   Entity::RecordMine, Entity::Settlement, Entity::Item, Entity::Accident})
    set(k, [&](EntitySpec& e) { e.tile_order = order++; });
  return v;
}

}  // namespace

const std::vector<std::string_view> kDeviceCategories = {"AP_MINE",     "AT_MINE", "UXO",  "AXO",
                                                         "SUBMUNITION", "IED",     "OTHER"};
const std::vector<std::string_view> kWorkflowStates = {"draft", "submitted", "approved",
                                                       "rejected"};

namespace {

// Words with no underscores, the first letter capitalised: "blocks_water" -> "Blocks water".
std::string in_words(std::string_view code) {
  std::string out(code);
  for (char& c : out)
    if (c == '_') c = ' ';
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

// Labels that words alone would not give (units, abbreviations, references).
constexpr std::pair<std::string_view, std::string_view> kFieldLabels[] = {
    {"local_ref", "Local reference"},
    {"admin_area_id", "Administrative area"},
    {"area_m2", "Area (m²)"},
    {"remaining_m2", "Area left (m²)"},
    {"depth_cm", "Depth (cm)"},
    {"accuracy_m", "Accuracy (m)"},
    {"spacing_m", "Spacing (m)"},
    {"misclosure_m", "Misclosure (m)"},
    {"misclosure_ratio", "Misclosure ratio"},
    {"benchmark_lon", "Benchmark longitude"},
    {"benchmark_lat", "Benchmark latitude"},
    {"reference_lon", "Reference point longitude"},
    {"reference_lat", "Reference point latitude"},
    {"bearing_true_deg", "Bearing from true north (°)"},
    {"declination_deg_applied", "Declination applied (°)"},
    {"convergence_deg_applied", "Grid convergence applied (°)"},
    {"bearing_ref", "Bearings measured from"},
    {"deminer_days", "Deminer-days"},
    {"knew_dangerous", "Knew the area was dangerous"},
    {"risk_education", "Had risk education"},
    {"activity_at_time", "Activity at the time"},
    {"external_id", "Id in the source system"},
    {"evidence_items", "Evidence seen"},
    {"contamination", "Devices believed present"},
    {"status_date", "Status since"},
    {"status_reason", "Status reason"},
    {"declared_total", "Mines declared"},
    {"mine_count", "Mines recorded"},
    {"source_name", "Handed over by"},
    {"received", "Received on"},
    {"laid", "Laid on"},
    {"raw", "Record as received"},
    {"crs", "Coordinate reference system"},
    {"time", "Time (local)"},
    {"index", "Position in the row"},
    {"year_made", "Year of manufacture"},
};

constexpr std::pair<std::string_view, std::string_view> kValueLabels[] = {
    {"AP_MINE", "Anti-personnel mine"},
    {"AT_MINE", "Anti-tank mine"},
    {"UXO", "Unexploded ordnance"},
    {"AXO", "Abandoned explosive ordnance"},
    {"SUBMUNITION", "Submunition"},
    {"IED", "Improvised explosive device"},
    {"OTHER", "Other"},
    {"SHA", "Suspected hazardous area"},
    {"CHA", "Confirmed hazardous area"},
    {"NTS", "Non-technical survey"},
    {"TS", "Technical survey"},
    {"CLEARANCE", "Clearance"},
    {"EOD_SPOT", "EOD spot task"},
    {"BAC", "Battle area clearance"},
    {"erw", "Explosive remnants of war"},
    {"cluster", "Cluster munition"},
    {"ied", "Improvised explosive device"},
    {"demining", "Demining accident"},
    {"mdd", "Mine detection dogs"},
    {"ngo", "NGO"},
    {"un", "United Nations"},
    {"national_authority", "National authority"},
    {"destroyed_in_situ", "Destroyed in situ"},
    {"record_high_reliability", "Minefield record, high reliability"},
    {"record_low_reliability", "Minefield record, low reliability"},
    {"true", "True north"},
    {"grid", "Grid north"},
    {"magnetic", "Magnetic north"},
    {"child", "Child (under 18)"},
};

}  // namespace

std::string field_label(const FieldSpec& f) {
  for (const auto& [name, label] : kFieldLabels)
    if (name == f.name) return std::string(label);
  // A reference reads as what it names: organisation_id -> "Organisation".
  if (f.type == FieldType::Ref && f.name.ends_with("_id"))
    return in_words(f.name.substr(0, f.name.size() - 3));
  return in_words(f.name);
}

std::string value_label(std::string_view value) {
  for (const auto& [code, label] : kValueLabels)
    if (code == value) return std::string(label);
  return in_words(value);
}

std::string_view to_string(FieldType t) {
  switch (t) {
    case T::Text: return "text";
    case T::Integer: return "integer";
    case T::Real: return "real";
    case T::Boolean: return "boolean";
    case T::Date: return "date";
    case T::Enum: return "enum";
    case T::EnumSet: return "enum set";
    case T::Ref: return "reference";
  }
  return "?";
}

const std::vector<EntitySpec>& entities() {
  static const std::vector<EntitySpec> all = build();
  return all;
}

const EntitySpec& spec(Entity kind) {
  for (const auto& s : entities())
    if (s.kind == kind) return s;
  throw std::logic_error("unknown entity kind");
}

const EntitySpec& spec_by_name(std::string_view name) {
  for (const auto& s : entities())
    if (s.name == name || s.table == name) return s;
  std::string known;
  for (const auto& s : entities()) known += (known.empty() ? "" : ", ") + std::string(s.name);
  throw InputError("ENTITY", "unknown entity \"" + std::string(name) + "\"; one of: " + known);
}

const EntitySpec* children_of(const EntitySpec& parent) {
  if (parent.children_key.empty()) return nullptr;
  for (const auto& s : entities())
    if (!s.parent_ref.empty() && s.field(s.parent_ref)->ref == parent.name) return &s;
  return nullptr;
}

const EntitySpec& parent_of(const EntitySpec& child) {
  return spec_by_name(child.field(child.parent_ref)->ref);
}

const FieldSpec* EntitySpec::field(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

bool Record::has(std::string_view f) const {
  auto it = fields.find(f);
  return it != fields.end() && !std::holds_alternative<std::monostate>(it->second);
}

std::optional<std::string> Record::text(std::string_view f) const {
  auto it = fields.find(f);
  if (it == fields.end()) return std::nullopt;
  if (auto* s = std::get_if<std::string>(&it->second)) return *s;
  return std::nullopt;
}

std::optional<std::int64_t> Record::integer(std::string_view f) const {
  auto it = fields.find(f);
  if (it == fields.end()) return std::nullopt;
  if (auto* i = std::get_if<std::int64_t>(&it->second)) return *i;
  return std::nullopt;
}

std::optional<double> Record::real(std::string_view f) const {
  auto it = fields.find(f);
  if (it == fields.end()) return std::nullopt;
  if (auto* d = std::get_if<double>(&it->second)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<bool> Record::boolean(std::string_view f) const {
  auto it = fields.find(f);
  if (it == fields.end()) return std::nullopt;
  if (auto* b = std::get_if<bool>(&it->second)) return *b;
  return std::nullopt;
}

std::string value_to_text(const Value& v) {
  struct {
    std::string operator()(std::monostate) const { return {}; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
  } visit;
  return std::visit(visit, v);
}

}  // namespace minemap::core
