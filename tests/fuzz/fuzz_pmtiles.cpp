// Fuzz target for the PMTiles reader of base maps (src/tiles/archive.hpp): a header,
// directories (root and leaves, gzip or not), metadata and tile data from anywhere.
// Whatever opens must answer tile look-ups without crashing: tiles at every zoom of the
// archive's range, at the corners and the middle of the grid.
//
// Only minemap::core::Error is an intended rejection. Anything else (a library
// exception escaping, a crash, a sanitizer report, a broken invariant) fails.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "tiles/archive.hpp"

namespace {

[[noreturn]] void invariant_failed() {
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minemap;
  std::unique_ptr<tiles::TileArchive> a;
  try {
    a = tiles::open_pmtiles_bytes(std::string(reinterpret_cast<const char*>(data), size),
                                  "fuzz.pmtiles");
  } catch (const core::Error&) {
    return 0;
  }
  const auto& m = a->metadata();
  if (m.min_zoom < 0 || m.min_zoom > m.max_zoom || m.max_zoom > tiles::kArchiveMaxZoom)
    invariant_failed();
  for (int z = m.min_zoom; z <= m.max_zoom && z <= m.min_zoom + 16; ++z) {
    const std::uint32_t last = (std::uint32_t{1} << z) - 1;
    for (auto [x, y] : {std::pair{0u, 0u}, {last, last}, {last / 2, last / 2}, {0u, last}}) {
      try {
        auto t = a->tile(z, x, y);
        if (t && t->bytes.size() > tiles::kMaxArchiveTileBytes) invariant_failed();
      } catch (const core::Error&) {
      }
    }
  }
  return 0;
}
