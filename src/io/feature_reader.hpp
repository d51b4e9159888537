// What an import reads features through: GDAL for any format (FeatureSource), or the
// streaming GeoJSON reader (GeoJsonSource) for the FeatureCollections it reads exactly
// as GDAL does, much faster. open_feature_reader() chooses before any feature is read.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/gdal_source.hpp"

namespace minemap::io {

// The part of FeatureSource an import uses; see gdal_source.hpp for the meaning of each.
class FeatureReader {
 public:
  FeatureReader() = default;
  virtual ~FeatureReader() = default;
  FeatureReader(const FeatureReader&) = delete;
  FeatureReader& operator=(const FeatureReader&) = delete;

  virtual const std::vector<std::string>& columns() const = 0;
  virtual std::optional<std::int64_t> count() = 0;
  virtual bool next(SourceFeature& f) = 0;
  virtual std::string layer_name() const = 0;
  virtual std::string driver() const = 0;
  virtual std::vector<std::string> warnings() const = 0;
};

// GeoJsonSource when `path` is a .geojson or .json file it reads as GDAL would and
// `opt` names no layer and no CRS; FeatureSource otherwise, or always when the
// environment has MINEMAP_IMPORT_READER=gdal. Throws what FeatureSource throws.
std::unique_ptr<FeatureReader> open_feature_reader(const std::string& path,
                                                   const SourceOptions& opt = {});

}  // namespace minemap::io
