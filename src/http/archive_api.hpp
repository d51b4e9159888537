// The vector tiles of an archive the user gives `serve` (PMTiles or MBTiles), at
// /{route}.json (TileJSON 3.0.0) and /{route}/{z}/{x}/{y}.mvt, sent as stored (gzip when
// the archive has them so and the client accepts it, else decompressed). A tile the
// archive lacks is 204 No Content (an empty tile, which map clients draw as nothing).
// Two are served: the base map under the data (`--basemap`, route "basemap":
// docs/basemap.md) and the tiles of the risk model's scores (`--risk`, route "risk":
// docs/risk.md).
#pragma once

#include <memory>
#include <string>

#include "http/server.hpp"
#include "tiles/archive.hpp"

namespace minemap::http {

struct ArchiveApiOptions {
  std::string route = "basemap";   // the paths' first part: letters, digits and '-' only
  std::string title = "base map";  // in TileJSON's name when the archive has none, and errors
  std::string public_url;          // serve --public-url: the start of the tile URL when set
};

class ArchiveApi {
 public:
  explicit ArchiveApi(std::shared_ptr<const tiles::TileArchive> archive,
                      ArchiveApiOptions opt = {});
  void install(Server& s);

  Response tilejson(const Request& r) const;
  Response tile(const Request& r, const std::string& z, const std::string& x,
                const std::string& y) const;

 private:
  std::shared_ptr<const tiles::TileArchive> m_archive;
  ArchiveApiOptions m_opt;
};

}  // namespace minemap::http
