// Digitisation: the geometry a minefield record describes, derived again whenever a
// correction is learned. Legs are geodesics on WGS 84; coordinates in any CRS are
// transformed to WGS 84 first; bearings are turned into true azimuths (grid: plus the
// meridian convergence; magnetic: plus the declination, given or computed from the
// IGRF at the date laid).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/geometry.hpp"
#include "record/record.hpp"

namespace minemap::record {

// Corrections learned after the record was received; each replaces what the record says.
struct Corrections {
  std::optional<double> declination_deg;  // east positive
  std::optional<std::string> crs;
  std::optional<double> pace_m;

  bool empty() const { return !declination_deg && !crs && !pace_m; }
  nlohmann::json to_json() const;
};

struct DigitizedPoint {
  std::string id;
  PointKind kind = PointKind::Other;
  core::Coord at;  // WGS 84 lon/lat
};

struct DigitizedRow {
  std::string id;
  core::Coord start;
  core::Coord end;  // the last mine on the row line (one spacing on, for a row of one mine)
  double bearing_true_deg = 0;
  double spacing_m = 0;
  int count = 0;
};

struct Mine {
  std::uint32_t row = 0;    // index into Record::rows / Digitized::rows
  std::uint32_t group = 0;  // index into that row's `mines`
  std::uint32_t index = 0;  // 0-based along the row
  core::Coord at;
};

struct Digitized {
  std::vector<DigitizedPoint> points;
  core::LineString perimeter;  // closed ring in perimeter order
  std::vector<DigitizedRow> rows;
  std::vector<Mine> mines;
  double traverse_length_m = 0;  // perimeter legs plus the closure
  std::optional<double> misclosure_m;
  std::optional<double> misclosure_ratio;  // misclosure / traverse length
  double area_m2 = 0;
  double declination_deg_applied = 0;
  std::string declination_source;      // "record", "correction", "IGRF-14 at 1994.36", "none"
  double convergence_deg_applied = 0;  // at the anchor point (each leg uses its own start's)
  std::string grid_crs;                // the CRS grid bearings refer to, when bearing_ref is grid
  std::string crs;                     // the CRS the coordinates were read in
  double pace_m = 0;                   // the pace length applied (distance_unit pace)
  std::vector<std::string> warnings;   // the parser's, then digitisation's
};

// Throws core::InputError naming the key path (a CRS PROJ does not know: `crs`; a
// point outside the CRS's domain: `points[2]`).
Digitized digitize(const Parsed& parsed, const Corrections& fix = {});

// The GeoJSON FeatureCollection of docs/minefield-records.md: the perimeter Polygon, one
// LineString per row, one Point per named point and per recorded mine, and as
// foreign members record, misclosure_m, misclosure_ratio, declination_deg_applied,
// convergence_deg_applied, warnings (and a few more).
nlohmann::json to_geojson(const Record& r, const Digitized& d);
// The same FeatureCollection as compact JSON text, written directly (a record of a
// million mines in about a second, where building the JSON tree takes twenty).
std::string to_geojson_text(const Record& r, const Digitized& d);

}  // namespace minemap::record
