// The base map under the data (docs/basemap.md): the vector tiles of an archive the user
// gives `serve --basemap` (PMTiles or MBTiles), at /basemap.json (TileJSON 3.0.0) and
// /basemap/{z}/{x}/{y}.mvt, sent as stored (gzip when the archive has them so and the
// client accepts it, else decompressed). A tile the archive lacks is 204 No Content (an
// empty tile, which map clients draw as nothing).
#pragma once

#include <memory>
#include <string>

#include "http/server.hpp"
#include "tiles/archive.hpp"

namespace minemap::http {

struct BasemapOptions {
  std::string public_url;  // serve --public-url: the start of the tile URL when set
};

class BasemapApi {
 public:
  explicit BasemapApi(std::shared_ptr<const tiles::TileArchive> archive, BasemapOptions opt = {});
  void install(Server& s);

  Response tilejson(const Request& r) const;
  Response tile(const Request& r, const std::string& z, const std::string& x,
                const std::string& y) const;

 private:
  std::shared_ptr<const tiles::TileArchive> m_archive;
  BasemapOptions m_opt;
};

}  // namespace minemap::http
