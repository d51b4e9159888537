// ISO WKB and GeoPackage geometry blobs (GP header + ISO WKB), both directions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/geometry.hpp"

namespace minemap::geo {

// ISO WKB, little endian, 2D.
std::string to_wkb(const core::Geometry& g);
// Reads ISO WKB of either byte order (2D; Z/M ordinates are dropped).
// Throws core::InputError("geometry", ...) on malformed input.
core::Geometry from_wkb(std::string_view wkb);

struct GpkgHeader {
  std::int32_t srs_id = 0;
  bool empty = false;
  core::Envelope envelope;      // as stored; empty when the header has none
  std::size_t header_size = 0;  // bytes before the WKB
};

// GeoPackage blob: "GP", version 0, flags (little endian, envelope [minx,maxx,miny,maxy]
// for non-points, none for points, empty flag for empty geometries), srs_id, ISO WKB.
std::string to_gpkg_blob(const core::Geometry& g, std::int32_t srs_id = 4326);
GpkgHeader read_gpkg_header(std::string_view blob);
core::Geometry from_gpkg_blob(std::string_view blob);
// The first point of a GeoPackage blob (a Point's, a MultiPoint's first), nullopt when
// it has none; a 2D Point is read without building a geometry (millions of them).
std::optional<core::Coord> first_point_of_gpkg_blob(std::string_view blob);

}  // namespace minemap::geo
