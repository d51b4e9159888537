// The embedded store: one GeoPackage 1.2/1.3 file written with SQLite directly.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "store/backend.hpp"

namespace minemap::store::gpkg {

enum class OpenMode { Create, OpenExisting, CreateOrOpen };

// Create: fails with core::Conflict when the file exists. OpenExisting: fails with
// core::NotFound when it does not, core::StorageError when it is not a minemap
// GeoPackage. Migrates an older schema version in place (one transaction).
std::unique_ptr<Backend> open_gpkg(const std::string& path, OpenMode mode);

// The schema version this build writes (kept in table minemap_meta; PRAGMA
// user_version holds the GeoPackage version 10300 as the standard requires).
int schema_version();

}  // namespace minemap::store::gpkg
