// Vector tiles of a grid of cells (lon/lat rectangles, each with a value from 0 to 1 and
// attributes of its own), for every zoom from 0 to the one where a cell is drawn whole:
// the pyramid that `risk predict --tiles` writes (docs/risk.md, "The map's tiles").
//
// - At the cells' zoom (the lowest at which a cell is at least `cell_px` pixels of a
//   256-pixel tile wide), each cell is one feature with its attributes.
// - Below it, cells are gathered into squares of `square_px` pixels aligned on the tile
//   (a tile holds (256 / square_px)^2 of them), by their centres: one feature per square
//   with `value_key` the highest value of its cells, `value_key`_mean their mean and
//   `cells` their number. The highest, so that a high value never fades as the map zooms
//   out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/geometry.hpp"
#include "tiles/archive_writer.hpp"
#include "tiles/mvt.hpp"

namespace minemap::tiles {

struct CellLayer {
  std::string name;       // the MVT layer
  std::string value_key;  // the value's attribute ("risk")
  std::vector<core::Envelope> boxes;
  std::vector<double> values;  // one per box, 0 to 1 (rounded to 4 decimals in the tiles)
  // The attributes of cell i at the cells' zoom, besides its value (appended to `out`,
  // which comes empty), and its MVT feature id.
  std::function<void(std::size_t i, mvt::Attributes& out)> attributes;
  std::function<std::optional<std::uint64_t>(std::size_t i)> id;
};

struct PyramidOptions {
  int cell_px = 8;                // a cell's least width at the cells' zoom (of a 256-pixel tile)
  int square_px = 8;              // 1, 2, 4 ... 256: the squares of the zooms below
  int max_zoom = 18;              // the cells' zoom is at most this
  std::string name, description;  // the archive's metadata
  std::function<void(int zoom, std::size_t tiles)> progress;  // after each zoom
};

struct PyramidSummary {
  int max_zoom = 0;  // the cells' zoom; the pyramid runs from 0 to it
  std::size_t tiles = 0;
  std::size_t bytes = 0;  // of the tiles, as stored (gzip)
  std::size_t features = 0;
  ArchiveMetadata metadata;  // for MbTilesWriter::commit()
};

// The cells' zoom for cells of `width_deg` degrees of longitude.
int cell_zoom(double width_deg, const PyramidOptions& options = {});

// Encodes every tile of the pyramid into `out` and gives the metadata to commit it with
// (the cells' bounds, the layer and its fields): the caller commits, when whatever else it
// writes is written too. No cells: core::InputError. Deterministic: the same cells give
// the same tiles.
PyramidSummary write_cell_pyramid(const CellLayer& layer, MbTilesWriter& out,
                                  const PyramidOptions& options = {});

}  // namespace minemap::tiles
