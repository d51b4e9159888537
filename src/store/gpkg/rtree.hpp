// GeoPackage R-tree spatial index extension (gpkg_rtree_index): the SQL
// functions its triggers call and the per-column index with its triggers.
#pragma once

#include <string>
#include <string_view>

#include "store/gpkg/sqlite.hpp"

namespace minemap::store::gpkg {

// ST_IsEmpty, ST_MinX, ST_MaxX, ST_MinY, ST_MaxY over GeoPackage geometry
// blobs. Needed on every connection that writes a feature table: the R-tree
// triggers call them.
void register_st_functions(Db& db);

// Creates rtree_<table>_<column>, fills it from the table, adds the GeoPackage
// 1.2/1.3 triggers (_insert, _update1 .. _update4, _delete) and registers the
// extension in gpkg_extensions. `pk` is the table's integer primary key.
void create_rtree(Db& db, std::string_view table, std::string_view column, std::string_view pk);

// Rebuilds the whole R-tree of a feature table as a packed tree (sort-tile-
// recursive, full nodes), writing SQLite's rtree shadow tables directly: many
// times faster than a trigger inserting one feature at a time. Run it inside the
// transaction that loaded the rows, with the insert trigger dropped meanwhile.
void pack_rtree(Db& db, std::string_view table, std::string_view column, std::string_view pk);

// The R-tree table's name for a feature table's geometry column.
std::string rtree_name(std::string_view table, std::string_view column);

}  // namespace minemap::store::gpkg
