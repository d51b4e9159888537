// The store's SQL schema, derived from the EntitySpecs: the GeoPackage core
// tables, one table per entity, the audit, status history and minemap_meta
// tables, and the migrations that bring an older file up to this build.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.hpp"
#include "store/backend.hpp"
#include "store/gpkg/gpkg_backend.hpp"
#include "store/gpkg/sqlite.hpp"

namespace minemap::store::gpkg {

inline constexpr int kGpkgApplicationId = 0x47504B47;  // "GPKG"
inline constexpr int kGpkgUserVersion = 10300;         // GeoPackage 1.3.0
inline constexpr int kWgs84 = 4326;
inline constexpr std::string_view kGeomColumn = "geom";
inline constexpr std::string_view kMetaTable = "minemap_meta";

// One schema step: `sql` brings a file at version - 1 to `version`.
struct Migration {
  int version;
  std::string sql;
  // Run after `sql`, in the same transaction, for changes SQL text cannot express
  // alone (new entity tables with their GeoPackage registrations and R-trees).
  std::function<void(Db&)> apply = {};
};
// This build's migrations, in version order.
const std::vector<Migration>& migrations();

// "MULTIPOLYGON" ... as gpkg_geometry_columns and the column type want it.
std::string_view geometry_type_name(core::GeomType t);
// The declared SQL type of a field's column.
std::string_view sql_type(core::FieldType t);

// Creates every table of a new store at `version` (inside the caller's
// transaction): the GeoPackage core tables, the entity tables with their
// R-trees, audit, hazard_status and minemap_meta, and (from version 5) the views of
// current records with the date fields' day columns.
void create_schema(Db& db, int version);

// The view of a spatial table's current records (approved, not deleted), a layer of
// its own for QGIS (schema 5): "hazards" -> "hazards_current" (docs/store.md).
std::string current_view_name(std::string_view table);

// What keeps the audit trustworthy (the audit and checkpoints tables and their
// append-only triggers), with the statement that creates each: `verify` compares the
// file's statements with these.
struct ProtectedObject {
  std::string_view type;  // table | trigger
  std::string_view name;
  std::string_view sql;
};
const std::vector<ProtectedObject>& protected_objects();

// The schema version recorded in minemap_meta.
int read_schema_version(Db& db);
// Applies, in one transaction, every migration above the file's version up to
// `target`. Throws core::StorageError when the file is newer than `target`.
void migrate(Db& db, const std::vector<Migration>& list, int target);
// Throws core::StorageError when an entity table lacks a column this build
// needs (a schema change without its migration).
void check_columns(Db& db);

// open_gpkg with another migration list and target version: how tests exercise
// the migration path of open_gpkg.
std::unique_ptr<Backend> open_gpkg_with(const std::string& path, OpenMode mode,
                                        const std::vector<Migration>& list, int target);

}  // namespace minemap::store::gpkg
