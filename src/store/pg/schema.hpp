// The store's tables on PostgreSQL + PostGIS, derived from the EntitySpecs as the
// GeoPackage's are (docs/postgresql.md): one table per entity with a typed column per
// field and a geometry(<type>, 4326) column with a GiST index, the audit and checkpoints
// kept append-only by triggers, hazard_status, users, minemap_meta, and for QGIS the
// views of current records and comments from the schema's titles and docs.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.hpp"
#include "store/pg/libpq.hpp"

namespace minemap::store::pg {

inline constexpr int kWgs84 = 4326;
inline constexpr std::string_view kGeomColumn = "geom";
inline constexpr std::string_view kMetaTable = "minemap_meta";
// The channel every commit that wrote notifies (NOTIFY), which every open store listens
// to: how one process learns of another's writes (Backend::data_version).
inline constexpr std::string_view kChangesChannel = "minemap_changes";
// The version of this layout, kept in minemap_meta (schema_version); its own series,
// not the GeoPackage's.
inline constexpr int kSchemaVersion = 3;
// The key of the advisory lock every write transaction takes first, so that writers
// (other processes, other servers) take turns as SQLite's BEGIN IMMEDIATE makes them:
// the audit chain's last entry is read after it.
inline constexpr long long kWriteLockKey = 0x6d696e656d6170;  // "minemap"

std::string quote_id(std::string_view name);
std::string quote_text(std::string_view text);

// "MultiPolygon" ... as PostGIS's typmod names them.
std::string_view geometry_type_name(core::GeomType t);
// The column type of a field: text, bigint, double precision or boolean.
std::string_view column_type(core::FieldType t);
// The sequence that numbers an entity's ids ("hazards_id_seq").
std::string counter_name(const core::EntitySpec& spec);
// The view of a spatial table's current records: "hazards" -> "hazards_current".
std::string current_view_name(std::string_view table);

// The tables (and views) a new store creates: what must not exist before.
std::vector<std::string> table_names();

// Creates every object of a new store at kSchemaVersion, inside the caller's transaction
// (PostGIS must be there already).
void create_schema(Connection& db, const std::string& store_id);

// How the objects that keep the audit append-only differ from what create_schema makes,
// one line each; empty when intact.
std::vector<std::string> protection_problems(Connection& db);

// One step of the layout: `apply` brings a store at version - 1 to `version`, inside the
// caller's transaction.
struct Migration {
  int version;
  std::function<void(Connection&)> apply;
};
// This build's migrations, in version order.
const std::vector<Migration>& migrations();
// The schema_version of minemap_meta.
int schema_version(Connection& db);
// Brings the store to kSchemaVersion, every step in one transaction under the writers'
// lock. Throws core::StorageError for a store newer than this build, or an older one that
// `read_only` (a replica) cannot upgrade.
void migrate(Connection& db, bool read_only);

// Throws core::StorageError when an entity table lacks a column this build needs.
void check_columns(Connection& db);

}  // namespace minemap::store::pg
