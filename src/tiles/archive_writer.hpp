// Writing an archive of vector tiles: MBTiles 1.3 (a SQLite file of tables `metadata` and
// `tiles`, format pbf, rows counted from the bottom as TMS does), the kind the base map
// reader (tiles/archive.hpp), GDAL and QGIS open. Written whole or not at all: the tiles
// go into a temporary file beside the target, which commit() renames over it; a writer
// destroyed before commit() removes it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tiles/archive.hpp"

namespace minemap::tiles {

class MbTilesWriter {
 public:
  // Checks the target first: core::Conflict when it exists and !overwrite,
  // core::StorageError when its folder is missing or it is a folder.
  MbTilesWriter(std::string path, bool overwrite);
  ~MbTilesWriter();
  MbTilesWriter(const MbTilesWriter&) = delete;
  MbTilesWriter& operator=(const MbTilesWriter&) = delete;

  // The tile at z/x/y (XYZ scheme, y from the top), its bytes as they are to be served
  // (gzip-compressed MVT, as MBTiles readers expect). A tile given twice: the last kept.
  void add(int z, std::uint32_t x, std::uint32_t y, std::string_view bytes);
  // Writes the metadata (format "pbf"; name, description, attribution, bounds, center,
  // minzoom, maxzoom and the vector_layers JSON from `m`) and moves the file into place.
  void commit(const ArchiveMetadata& m);

  const std::string& path() const { return m_path; }

 private:
  struct Impl;
  std::string m_path;
  std::unique_ptr<Impl> m;
};

// Checks that `path` may be written (as MbTilesWriter's constructor does), before a
// long computation whose result goes there.
void check_archive_target(const std::string& path, bool overwrite);

}  // namespace minemap::tiles
