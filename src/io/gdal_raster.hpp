// Reading values of a raster (a GeoTIFF, or anything else GDAL opens as a raster) at
// points given in WGS 84 lon/lat: the covariates of `minemap risk grid` (elevation,
// slope, land cover; docs/risk.md). With gdal_source.cpp and gdal_sink.cpp, the only
// file of the project that includes GDAL headers; nothing GDAL leaks through this one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/geometry.hpp"

namespace minemap::io {

class RasterSampler {
 public:
  // Opens `path` and its first band. Throws core::InputError(path, ...) when GDAL cannot
  // open it as a raster, it has no band, no geotransform, or no CRS (or one that cannot
  // be transformed from WGS 84).
  explicit RasterSampler(const std::string& path);
  ~RasterSampler();
  RasterSampler(RasterSampler&&) noexcept;
  RasterSampler& operator=(RasterSampler&&) noexcept;
  RasterSampler(const RasterSampler&) = delete;
  RasterSampler& operator=(const RasterSampler&) = delete;

  // The value of band 1 in the pixel holding each point (lon/lat, WGS 84); nullopt
  // outside the raster, on nodata, or where the point cannot be transformed.
  std::vector<std::optional<double>> sample(const std::vector<core::Coord>& points);

  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace minemap::io
