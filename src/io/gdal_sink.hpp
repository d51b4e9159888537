// Writing features to a vector file through GDAL/OGR: GeoJSON, GeoPackage, shapefile,
// KML/KMZ, CSV, FlatGeobuf, GPX. All or nothing: the output appears under its final name
// only when close() succeeds. See gdal_source.hpp for reading.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/geometry.hpp"
#include "core/schema.hpp"

namespace minemap::io {

enum class SinkFormat { GeoJson, Gpkg, Shp, Kml, Csv, Fgb, Gpx };

// `name`: "geojson", "gpkg", "shp", "kml", "csv", "fgb" or "gpx" (any case); when empty,
// from the extension of `path` (.geojson/.json, .gpkg, .shp, .kml/.kmz, .csv, .fgb, .gpx).
// Throws core::InputError("--format", ...) otherwise.
SinkFormat sink_format(const std::string& name, const std::string& path);
std::string_view to_string(SinkFormat f);  // "geojson", "gpkg", ...

struct SinkColumn {
  SinkColumn(std::string n, core::FieldType t, std::optional<std::size_t> w = std::nullopt)
      : name(std::move(n)), type(t), width(w) {}

  std::string name;  // shapefiles keep 10 bytes of it: give short names
  core::FieldType type = core::FieldType::Text;
  // Shapefiles: the widest value the column will receive, by sink_width (0 when every
  // value is null), when the caller knows them all beforehand. Given for every column,
  // the .dbf is written at its final widths; otherwise text columns are written 254
  // wide and every column is shrunk to its widest value on close(), a rewrite of the
  // whole .dbf per column (seconds for tens of thousands of features). The .dbf is the
  // same either way, but for text with spaces at either end, which resizing (measuring
  // it trimmed) cut short. Other formats ignore it.
  std::optional<std::size_t> width;
};

// The width of `v` in a shapefile column of `type`: the bytes of its text in a text
// column, of its decimal digits in an integer column (as write() converts it); 0 for
// null, and for real and boolean columns, whose width is fixed.
std::size_t sink_width(const core::Value& v, core::FieldType type);

// The checks FeatureSink's constructor makes before it writes anything, with its
// exceptions: a caller with work to do first (measuring the columns) fails early.
void check_sink_target(const std::string& path, SinkFormat format, core::GeomType geom,
                       bool overwrite);

class FeatureSink {
 public:
  // Creates the output in a temporary directory beside `path` (so that a failed export
  // leaves nothing, and for shapefiles no stray sidecar); close() moves it into place.
  // `layer`: the layer name where the format has one (empty: the file's stem). `geom`: the
  // layer's geometry type (None: attributes only). Columns: Integer -> 64-bit integer
  // (32-bit in KML and GPX), Real -> real, Boolean -> boolean (0/1 integer where the format has no
  // boolean), every other type -> text. EPSG:4326 on every layer.
  // Throws core::Conflict when `path` exists and !overwrite, core::InputError("--format",
  // ...) for what the format cannot hold (GPX: polygons, multipoints, no geometry;
  // FlatGeobuf: no geometry; a shapefile whose name does not end in .shp),
  // core::StorageError when it cannot write.
  FeatureSink(const std::string& path, SinkFormat format, const std::string& layer,
              core::GeomType geom, const std::vector<SinkColumn>& columns, bool overwrite);
  // Without a successful close(): removes the temporary output, leaves `path` untouched.
  ~FeatureSink();
  FeatureSink(const FeatureSink&) = delete;
  FeatureSink& operator=(const FeatureSink&) = delete;

  // One feature: `values` aligned with the columns (std::invalid_argument otherwise);
  // std::monostate is null. Values of another type are converted where that loses nothing
  // (int64 into a Real column, anything into a Text column, "12" into an Integer column);
  // otherwise core::InputError(column name, ...) and nothing is written. A geometry of
  // the single type of a Multi* layer is promoted (Polygon -> MultiPolygon), a one-part
  // Multi* is demoted the other way; another type is core::InputError("geometry", ...).
  // GeomType::None (or an empty geometry) writes a null geometry (GPX and FlatGeobuf, which
  // cannot hold one: InputError).
  // core::StorageError when GDAL fails to write; close() then refuses to publish.
  void write(const std::vector<core::Value>& values, const core::Geometry& g);
  // Finishes the file and moves it (for shapefiles: every sidecar) to `path`, replacing
  // an existing one only when `overwrite` was given. core::StorageError when GDAL cannot
  // finish or the move fails (then nothing is left behind); core::Conflict when !overwrite
  // and the output appeared meanwhile. Calling it twice is a no-op.
  void close();

  std::int64_t written() const;
  // The files close() put in place (a shapefile's sidecars too), main file last.
  const std::vector<std::string>& files() const;
  // GDAL's warnings (field names changed, values truncated, ...) and ours, deduplicated.
  std::vector<std::string> warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace minemap::io
