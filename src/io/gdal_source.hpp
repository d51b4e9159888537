// Reading features from any vector file GDAL/OGR opens (GeoJSON, GeoPackage, shapefile,
// KML/KMZ, CSV, FlatGeobuf, GPX, ...), with attributes as core::Value and geometries
// reprojected to WGS 84 lon/lat. gdal_source.cpp, gdal_sink.cpp and gdal_raster.cpp are
// the only files of the project that include GDAL headers; nothing GDAL leaks through
// these headers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/geometry.hpp"
#include "core/schema.hpp"

namespace minemap::io {

struct SourceOptions {
  // The layer to read; empty: the first layer that has features (GPX: waypoints, then
  // routes, tracks, route_points, track_points). warnings() says when others had some too.
  std::string layer;
  // The CRS of the coordinates when the file declares none: "EPSG:32638", a PROJ string,
  // WKT. When the file declares one, the file wins and warnings() says that --crs was
  // ignored (unless both are the same CRS). Always checked: a bad one is an InputError.
  std::string crs;
  // The geometry from columns, whatever GDAL guesses (any format, spreadsheets too): a
  // WKT column, or a longitude and a latitude column. Read in `crs`, else WGS 84.
  std::string wkt_column = {};
  std::string lon_column = {}, lat_column = {};
};

// `wkt=COLUMN` or `lonlat=LON,LAT` (--geometry) into `opt`; throws InputError("--geometry").
void set_geometry_option(SourceOptions& opt, const std::string& text);

struct SourceFeature {
  std::int64_t index = 0;  // 0-based position in the layer, for messages ("feature 17")
  // One per column: std::monostate for null/unset; integers -> int64, reals -> double,
  // booleans (OFSTBoolean) -> bool, dates -> "YYYY-MM-DD", date-times ->
  // "YYYY-MM-DDTHH:MM:SS[.sss][Z|+HH:MM]", lists -> comma-joined text, anything else ->
  // GDAL's text. Formats without types (GPX extensions, CSV) come back with the types
  // GDAL guesses from the values: a text "12" may come back as int64 12.
  std::vector<core::Value> values;
  // WGS 84 lon/lat, 2D (Z and M dropped, curves linearised). GeomType::None when the
  // feature has no geometry, an empty one, or one that could not be read (then
  // geometry_error says why, e.g. "a GeometryCollection: not supported").
  core::Geometry geometry;
  std::string geometry_error;
};

class FeatureSource {
 public:
  // Opens `path` ("-" reads standard input). Throws core::InputError(path, ...) when
  // GDAL cannot open it, it has no vector layer, the layer does not exist (the message
  // lists the layers) or the layer has geometries but no CRS and opt.crs is empty
  // ("has no CRS; give --crs"); core::InputError("--crs", ...) when opt.crs is not a CRS.
  // A CSV without CRS is read as WGS 84 lon/lat (with a warning unless opt.crs is given).
  FeatureSource(const std::string& path, const SourceOptions& opt = {});
  ~FeatureSource();
  FeatureSource(FeatureSource&&) noexcept;
  FeatureSource& operator=(FeatureSource&&) noexcept;
  FeatureSource(const FeatureSource&) = delete;
  FeatureSource& operator=(const FeatureSource&) = delete;

  // Attribute column names, in file order (SourceFeature::values follows them). For GPX
  // the "ogr_" prefix GDAL puts on extension fields is removed.
  const std::vector<std::string>& columns() const;
  // The number of features when GDAL knows it cheaply, else nullopt.
  std::optional<std::int64_t> count();
  // Reads the next feature into `f` (reusing its buffers); false at the end. Throws
  // core::InputError(path, ...) when the file turns out to be unreadable part-way.
  bool next(SourceFeature& f);

  std::string layer_name() const;
  const std::vector<std::string>& layers() const;  // every layer of the file
  std::string driver() const;                      // GDAL short name: "GeoJSON", "CSV", ...
  // The CRS the coordinates were read in ("EPSG:32638", or its name when it has no
  // code); "" when the layer has no geometry column.
  std::string crs() const;
  // What the caller may want to tell the user: CRS assumptions, ignored --crs, other
  // non-empty layers, GDAL warnings (prefixed "feature N: " when about one feature).
  // Deduplicated and capped.
  std::vector<std::string> warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

namespace detail {

// For gdal_source.cpp, gdal_sink.cpp and gdal_raster.cpp only.

// GDALAllRegister() once per process, with GDAL's own printing to stderr silenced.
void gdal_init();

// While alive, collects the messages GDAL raises on this thread instead of printing
// them (GDAL keeps a per-thread handler stack).
class GdalMessages {
 public:
  GdalMessages();
  ~GdalMessages();
  GdalMessages(const GdalMessages&) = delete;
  GdalMessages& operator=(const GdalMessages&) = delete;

  void add(bool failure, const char* message);
  // The last error (CE_Failure/CE_Fatal) raised, or "".
  const std::string& failure() const { return m_failure; }
  const std::vector<std::string>& warnings() const { return m_warnings; }
  // The last error, else the last warning, else `fallback`.
  std::string message(const std::string& fallback) const;

 private:
  std::string m_failure;
  std::vector<std::string> m_warnings;
};

// Appends `msg` to `list` unless already there; past `cap` entries counts the rest in
// one last line.
void add_warning(std::vector<std::string>& list, std::size_t& dropped, const std::string& msg,
                 std::size_t cap = 100);

}  // namespace detail

}  // namespace minemap::io
