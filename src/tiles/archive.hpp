// Reading a base map: an archive of vector tiles the user supplies (docs/basemap.md),
// PMTiles version 3 or MBTiles 1.3 with `format` pbf. The file is outside input: every
// part of it is checked before use (header, directories, offsets and lengths inside the
// file, varints, directory depth, decompressed sizes), and a bad file is refused with a
// core::InputError naming the file and what is wrong.
//
// Reads are thread-safe: a PMTiles archive is read with pread(2) on one descriptor (no
// shared file position), its root directory held in memory and the leaf directories
// read again when needed (a few recent ones cached under a mutex); an MBTiles archive has
// one read-only SQLite connection whose statements a mutex serialises (a tile read is a
// primary-key look-up, so the wait is short).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace minemap::tiles {

enum class TileCompression { None, Gzip };

struct ArchiveMetadata {
  std::string format;  // "pmtiles" or "mbtiles"
  int min_zoom = 0;
  int max_zoom = 0;
  bool has_bounds = false;
  double west = -180, south = -85.0511287798066, east = 180, north = 85.0511287798066;
  bool has_center = false;
  double center_lon = 0, center_lat = 0;
  int center_zoom = 0;
  std::string name, attribution, description;  // "" when the archive has none
  // The JSON array of the tiles' layers ({"id", "fields", "minzoom", "maxzoom"}) as the
  // archive gives it, checked to be a JSON array; "" when it has none.
  std::string vector_layers;
};

struct ArchiveTile {
  std::string bytes;  // as stored
  TileCompression compression = TileCompression::None;
};

// The deepest tile zoom an archive may address (PMTiles tile ids fit 64 bits up to 31).
inline constexpr int kArchiveMaxZoom = 30;
// The largest tile an archive may hold, stored and decompressed.
inline constexpr std::size_t kMaxArchiveTileBytes = 16u << 20;

class TileArchive {
 public:
  virtual ~TileArchive() = default;
  const ArchiveMetadata& metadata() const { return m_meta; }
  const std::string& path() const { return m_path; }

  // The tile at z/x/y (XYZ scheme, y from the top), nullopt when the archive has none
  // there. z, x and y must be in range (0 <= x, y < 2^z, z <= kArchiveMaxZoom): the
  // caller checks them. Throws core::InputError when the part of the file read for it
  // is bad, core::StorageError when it cannot be read.
  virtual std::optional<ArchiveTile> tile(int z, std::uint32_t x, std::uint32_t y) const = 0;

 protected:
  ArchiveMetadata m_meta;
  std::string m_path;
};

// Opens a .pmtiles or .mbtiles file (told apart by their first bytes, not their name).
// Throws core::InputError naming the file when it is missing, unreadable, of another
// kind, or invalid.
std::unique_ptr<TileArchive> open_tile_archive(const std::string& path);

// A PMTiles archive held in memory (the fuzz target); `name` stands for the file in
// messages.
std::unique_ptr<TileArchive> open_pmtiles_bytes(std::string bytes, const std::string& name);

// The PMTiles tile id of z/x/y: the tiles of lower zooms, then the Hilbert curve's index.
std::uint64_t pmtiles_tile_id(int z, std::uint32_t x, std::uint32_t y);

}  // namespace minemap::tiles
