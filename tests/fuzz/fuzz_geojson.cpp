// Fuzz target for the streaming GeoJSON reader (GeoJsonSource), differential: whatever
// it accepts must read exactly as GDAL (FeatureSource) reads the same bytes from a
// file (columns, layer, count, every value and type, every coordinate bit for bit, no
// warnings), and its second pass must never fail on bytes the first pass accepted.
//
// A refusal (null from from_bytes) is the intended way out. Anything else (a
// difference from GDAL, an exception escaping, a crash, a sanitizer report) fails.
#include <stdlib.h>  // mkdtemp

#include <bit>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "core/errors.hpp"
#include "io/gdal_source.hpp"
#include "io/geojson_source.hpp"

namespace {

using namespace minemap;

[[noreturn]] void invariant_failed() {
  __builtin_trap();
}

// One directory per process, holding the bytes as a file for GDAL. The name gives
// the layer name: the same for both readers.
const std::string& input_path() {
  static const std::string path = [] {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "minemap-fuzz-geojson-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) invariant_failed();
    return tmpl + "/fuzz.geojson";
  }();
  return path;
}

bool same(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

bool same(const core::Value& a, const core::Value& b) {
  if (a.index() != b.index()) return false;
  if (const auto* d = std::get_if<double>(&a)) return same(*d, std::get<double>(b));
  return a == b;
}

bool same(const std::vector<core::Coord>& a, const std::vector<core::Coord>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same(a[i].x, b[i].x) || !same(a[i].y, b[i].y)) return false;
  return true;
}

template <typename T, typename Same>
bool all_same(const std::vector<T>& a, const std::vector<T>& b, Same s) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!s(a[i], b[i])) return false;
  return true;
}

bool same(const io::SourceFeature& a, const io::SourceFeature& b) {
  const auto& ga = a.geometry;
  const auto& gb = b.geometry;
  const auto same_coords = [](const auto& x, const auto& y) { return same(x, y); };
  const auto same_polygon = [&](const core::Polygon& x, const core::Polygon& y) {
    return all_same(x, y, same_coords);
  };
  return a.index == b.index && a.geometry_error == b.geometry_error && ga.type == gb.type &&
         all_same(a.values, b.values, [](const auto& x, const auto& y) { return same(x, y); }) &&
         same(ga.points, gb.points) && all_same(ga.lines, gb.lines, same_coords) &&
         all_same(ga.polygons, gb.polygons, same_polygon);
}

std::vector<io::SourceFeature> read_fast(io::GeoJsonSource& src) {
  std::vector<io::SourceFeature> out;
  io::SourceFeature f;
  try {
    while (src.next(f)) out.push_back(f);
  } catch (const core::Error&) {
    invariant_failed();  // the first pass accepted these very bytes
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string& path = input_path();
  auto fast = io::GeoJsonSource::from_bytes(text, path);
  if (!fast) return 0;
  const std::vector<io::SourceFeature> mine = read_fast(*fast);
  if (fast->count() != static_cast<std::int64_t>(mine.size())) invariant_failed();

  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  try {
    io::FeatureSource gdal(path);
    if (gdal.columns() != fast->columns() || gdal.layer_name() != fast->layer_name() ||
        gdal.driver() != fast->driver() || gdal.count() != fast->count())
      invariant_failed();
    io::SourceFeature f;
    for (const auto& m : mine)
      if (!gdal.next(f) || !same(f, m)) invariant_failed();
    if (gdal.next(f) || !gdal.warnings().empty()) invariant_failed();
  } catch (const core::Error&) {
    invariant_failed();  // GDAL refuses what the fast reader read
  }
  return 0;
}
