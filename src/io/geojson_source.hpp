// A GeoJSON FeatureCollection (RFC 7946, WGS 84 lon/lat) read in one streaming pass,
// giving exactly the SourceFeature values FeatureSource (GDAL) gives for the same file.
// A first, fast pass over the file finds the columns as GDAL orders them and their
// types, and refuses (open() returns null) anything it is not sure to read as GDAL
// does: another CRS, nested or mixed-type properties, texts GDAL would read as dates
// or times in another spelling, GeometryCollections, malformed JSON, ... The importer
// then reads the file through GDAL, so the outcome never depends on the reader.
#pragma once

#include <memory>
#include <string>

#include "io/feature_reader.hpp"

namespace minemap::io {

class GeoJsonSource final : public FeatureReader {
 public:
  // Null when the file cannot be opened or is not one this reader is sure about; then
  // `why` (if given) says why. Throws nothing for a bad file: GDAL reports those.
  static std::unique_ptr<GeoJsonSource> open(const std::string& path, std::string* why = nullptr);
  // The same over bytes in memory (tests, fuzzing); `path` names them in messages and
  // gives the layer name.
  static std::unique_ptr<GeoJsonSource> from_bytes(std::string bytes, const std::string& path,
                                                   std::string* why = nullptr);
  ~GeoJsonSource() override;

  const std::vector<std::string>& columns() const override;
  std::optional<std::int64_t> count() override;
  // Throws core::InputError(path, "feature N: ...") when the file no longer reads as
  // it did in the first pass (changed meanwhile, or unreadable).
  bool next(SourceFeature& f) override;
  std::string layer_name() const override;
  std::string driver() const override { return "GeoJSON"; }
  std::vector<std::string> warnings() const override { return {}; }

  struct Impl;

 private:
  explicit GeoJsonSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m;
};

}  // namespace minemap::io
