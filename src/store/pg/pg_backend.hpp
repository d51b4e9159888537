// The server store: a Backend over a PostgreSQL 15 + PostGIS 3 database, through libpq
// (docs/postgresql.md). It behaves as the GeoPackage backend does, for many writers at
// once: each write transaction first takes one advisory lock, so writers take turns.
#pragma once

#include <memory>
#include <string>

#include "store/backend.hpp"

namespace minemap::store::pg {

enum class OpenMode { Create, OpenExisting };

// `target`: postgresql://[user@]host[:port]/database[?...], postgres://..., or
// postgres:SERVICE (a service of pg_service.conf).
// Create: makes the store's tables in the database (PostGIS too, when missing), all in one
// transaction; core::Conflict when a minemap store is there already, core::InputError when
// tables of the same names are. OpenExisting: core::InputError when the database holds no
// minemap store. A server that cannot be reached, a user it refuses or a database it does
// not have: core::InputError naming which. Whatever fails, nothing is written.
std::unique_ptr<Backend> open_pg(const std::string& target, OpenMode mode);

}  // namespace minemap::store::pg
