// Reading raster values through GDAL; see gdal_raster.hpp.
#include "io/gdal_raster.hpp"

// GDAL's headers come in as system headers (imported target), so -Werror does not see them.
#include <gdal.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <cmath>

#include "core/errors.hpp"
#include "io/gdal_source.hpp"

namespace minemap::io {

struct RasterSampler::Impl {
  std::string path;
  GDALDataset* dataset = nullptr;
  GDALRasterBand* band = nullptr;
  double transform[6] = {0, 1, 0, 0, 0, 1};
  double inverse[6] = {0, 1, 0, 0, 0, 1};
  std::unique_ptr<OGRCoordinateTransformation> to_raster;
  std::optional<double> nodata;

  ~Impl() {
    if (dataset) GDALClose(dataset);
  }
};

RasterSampler::RasterSampler(const std::string& path) : m(std::make_unique<Impl>()) {
  detail::gdal_init();
  detail::GdalMessages messages;
  m->path = path;
  m->dataset = static_cast<GDALDataset*>(
      GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!m->dataset)
    throw core::InputError(
        path, "cannot be read as a raster: " + messages.message("GDAL cannot open it"));
  if (m->dataset->GetRasterCount() < 1) throw core::InputError(path, "has no raster band");
  m->band = m->dataset->GetRasterBand(1);
  if (m->dataset->GetGeoTransform(m->transform) != CE_None ||
      !GDALInvGeoTransform(m->transform, m->inverse))
    throw core::InputError(path, "has no geotransform: where its pixels lie is unknown");
  const OGRSpatialReference* crs = m->dataset->GetSpatialRef();
  if (!crs || crs->IsEmpty())
    throw core::InputError(path,
                           "has no CRS: where its pixels lie is unknown (give it one, "
                           "e.g. gdal_edit.py -a_srs EPSG:4326)");
  OGRSpatialReference wgs84;
  wgs84.importFromEPSG(4326);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRSpatialReference target(*crs);
  target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  m->to_raster.reset(OGRCreateCoordinateTransformation(&wgs84, &target));
  if (!m->to_raster)
    throw core::InputError(
        path, "its CRS cannot be transformed from WGS 84: " + messages.message("unknown CRS"));
  int has_nodata = 0;
  const double nodata = m->band->GetNoDataValue(&has_nodata);
  if (has_nodata) m->nodata = nodata;
}

RasterSampler::~RasterSampler() = default;
RasterSampler::RasterSampler(RasterSampler&&) noexcept = default;
RasterSampler& RasterSampler::operator=(RasterSampler&&) noexcept = default;

const std::string& RasterSampler::path() const {
  return m->path;
}

std::vector<std::optional<double>> RasterSampler::sample(const std::vector<core::Coord>& points) {
  detail::GdalMessages messages;
  std::vector<std::optional<double>> out(points.size());
  const int width = m->band->GetXSize(), height = m->band->GetYSize();
  for (std::size_t i = 0; i < points.size(); ++i) {
    double x = points[i].x, y = points[i].y;
    if (!m->to_raster->Transform(1, &x, &y) || !std::isfinite(x) || !std::isfinite(y)) continue;
    const double px = m->inverse[0] + x * m->inverse[1] + y * m->inverse[2];
    const double py = m->inverse[3] + x * m->inverse[4] + y * m->inverse[5];
    if (!(px >= 0 && py >= 0 && px < width && py < height)) continue;
    double v = 0;
    if (m->band->RasterIO(GF_Read, static_cast<int>(px), static_cast<int>(py), 1, 1, &v, 1, 1,
                          GDT_Float64, 0, 0, nullptr) != CE_None)
      throw core::InputError(m->path, "cannot be read: " + messages.message("a read failed"));
    if (!std::isfinite(v) || (m->nodata && v == *m->nodata)) continue;
    out[i] = v;
  }
  return out;
}

}  // namespace minemap::io
