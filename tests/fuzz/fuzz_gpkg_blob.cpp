// Fuzz target for the geometry blob readers: GeoPackage blobs (GP header + ISO
// WKB) and bare ISO WKB, as read from GeoPackage files and databases. Whatever
// decodes must re-encode and decode to the same geometry.
//
// Only minemap::core::Error is an intended rejection. Anything else (a library
// exception escaping, a crash, a sanitizer report, a broken round trip) fails.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "core/geometry.hpp"
#include "geo/wkb.hpp"

namespace {

using namespace minemap;

[[noreturn]] void invariant_failed() {
  __builtin_trap();
}

// Encoding a decoded geometry must not throw, and must read back the same.
void round_trip_wkb(const core::Geometry& g) {
  const std::string wkb = geo::to_wkb(g);
  const core::Geometry back = geo::from_wkb(wkb);
  if (!(back == g)) invariant_failed();
  if (geo::to_wkb(back) != wkb) invariant_failed();
}

void round_trip_blob(const core::Geometry& g, std::int32_t srs_id) {
  const std::string blob = geo::to_gpkg_blob(g, srs_id);
  const geo::GpkgHeader h = geo::read_gpkg_header(blob);
  if (h.srs_id != srs_id || h.empty != g.empty()) invariant_failed();
  const core::Envelope e = g.envelope();
  if (!h.envelope.empty() && (h.envelope.min_x != e.min_x || h.envelope.max_x != e.max_x ||
                              h.envelope.min_y != e.min_y || h.envelope.max_y != e.max_y))
    invariant_failed();
  const core::Geometry back = geo::from_gpkg_blob(blob);
  if (!(back == g)) invariant_failed();
  if (geo::to_gpkg_blob(back, srs_id) != blob) invariant_failed();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // As a GeoPackage blob.
  core::Geometry from_blob;
  std::int32_t srs_id = 0;
  bool blob_ok = false;
  try {
    const geo::GpkgHeader h = geo::read_gpkg_header(bytes);
    if (h.header_size > bytes.size()) invariant_failed();
    srs_id = h.srs_id;
    from_blob = geo::from_gpkg_blob(bytes);
    blob_ok = true;
  } catch (const core::Error&) {
  }
  // Outside the try: an exception from re-encoding is a failure, not a rejection.
  if (blob_ok) {
    round_trip_blob(from_blob, srs_id);
    round_trip_wkb(from_blob);
  }

  // As bare ISO WKB.
  core::Geometry from_wkb;
  bool wkb_ok = false;
  try {
    from_wkb = geo::from_wkb(bytes);
    wkb_ok = true;
  } catch (const core::Error&) {
  }
  if (wkb_ok) {
    round_trip_wkb(from_wkb);
    round_trip_blob(from_wkb, 4326);
  }
  return 0;
}
