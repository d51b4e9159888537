// The domain model as data: every entity of the data model, its fields, their
// types, allowed values and ranges. Validation, the store's tables, JSON and CSV
// output and the docs are all driven by this one table (schema.cpp).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/geometry.hpp"

namespace minemap::core {

enum class FieldType {
  Text,
  Integer,
  Real,
  Boolean,
  Date,     // ISO 8601, reduced precision allowed
  Enum,     // one of `values`
  EnumSet,  // a set of `values`, stored sorted and comma-separated
  Ref,      // the public id of an entity of kind `ref`
};

std::string_view to_string(FieldType t);

struct FieldSpec {
  std::string_view name;
  FieldType type = FieldType::Text;
  bool required = false;
  std::vector<std::string_view> values = {};  // Enum / EnumSet
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::string_view ref = {};            // Ref: entity name ("hazards")
  std::string_view default_value = {};  // applied when the field is absent
  bool personal = false;                // personal data (victims): hidden unless asked for
  bool computed = false;                // set by minemap; ignored on input
  std::string_view doc = {};            // MDR / IMSMA concept, for docs and help
};

enum class Entity {
  Hazard,
  Activity,
  Release,
  Item,
  Accident,
  Victim,
  Record,
  RecordRow,
  RecordMine,
  Organisation,
  AdminArea,
  Settlement,
  Road,
};

struct EntitySpec {
  Entity kind;
  std::string_view name;               // CLI name: "hazards", "admin-areas"
  std::string_view table;              // store table / layer: "hazards", "admin_areas"
  std::string_view id_prefix;          // "HZ" -> "HZ-000123"
  std::string_view title;              // "Hazardous areas"
  GeomType geometry = GeomType::None;  // the stored type (always Multi* for areas and roads)
  bool geometry_required = false;
  std::vector<FieldSpec> fields;
  // What the rest of minemap derives from the entity (the CLI help, the API's writable
  // set, the workflow's cascade, the tile layers, the web app's lists):
  bool field_report = false;           // a report filed through the API and reviewed (workflow)
  std::string_view parent_ref = {};    // a child: the Ref field naming the report it belongs to
                                       // ("accident_id"); it follows its parent's workflow
  std::string_view children_key = {};  // a parent: the array its children arrive in ("victims")
  int tile_order = -1;                 // a layer of the vector tiles, drawn lowest first (-1: none)
  std::string_view singular = {};      // one of them, for people: "Hazardous area"

  const FieldSpec* field(std::string_view name) const;
  bool spatial() const { return geometry != GeomType::None; }
};

// Fields every entity has, kept by the store; not part of EntitySpec::fields.
inline constexpr std::string_view kWorkflowField = "workflow";  // draft|submitted|approved|rejected
extern const std::vector<std::string_view> kWorkflowStates;

const std::vector<EntitySpec>& entities();
const EntitySpec& spec(Entity kind);
// By CLI name; throws InputError listing the valid names.
const EntitySpec& spec_by_name(std::string_view name);
// The entity whose records are `parent`'s children (victims of accidents), if any.
const EntitySpec* children_of(const EntitySpec& parent);
// The entity a child's `parent_ref` names (accidents for victims).
const EntitySpec& parent_of(const EntitySpec& child);

// What people read instead of names and codes (the web app, through GET /api/schema):
// a field's label ("Device category", "Area (m²)", "Organisation" for organisation_id)
// and an enum value's ("AP_MINE" -> "Anti-personnel mine", "handed_over" -> "Handed
// over"). Codes the table does not name read as words: underscores as spaces, the first
// letter capitalised.
std::string field_label(const FieldSpec& f);
std::string value_label(std::string_view value);

// Value categories shared by enums across entities.
extern const std::vector<std::string_view> kDeviceCategories;

using Value = std::variant<std::monostate, std::string, std::int64_t, double, bool>;

// One entity instance: its public id, its attribute values by field name and its
// geometry (type None when it has none).
struct Record {
  std::string id;
  std::string workflow = "approved";
  std::map<std::string, Value, std::less<>> fields;
  Geometry geometry;

  bool has(std::string_view f) const;
  std::optional<std::string> text(std::string_view f) const;  // Text/Date/Enum/EnumSet/Ref
  std::optional<std::int64_t> integer(std::string_view f) const;
  std::optional<double> real(std::string_view f) const;  // Real or Integer
  std::optional<bool> boolean(std::string_view f) const;

  friend bool operator==(const Record&, const Record&) = default;
};

// Renders a value as text (for CSV, SQL text columns, messages); "" for null.
std::string value_to_text(const Value& v);

}  // namespace minemap::core
