// The minefield record format `minemap-record/1` (docs/minefield-records.md): the record
// as received, parsed and validated. Every error names the key path of what is
// wrong (`rows[1].start.from: no point "T9" defined before this row`); what is
// suspicious but usable becomes a warning carried with the result.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/geometry.hpp"

namespace minemap::record {

inline constexpr std::string_view kFormat = "minemap-record/1";

enum class AngleUnit { Deg, Mil6400, Mil6000 };
enum class DistanceUnit { Metre, Pace };
enum class BearingRef { True, Grid, Magnetic };
enum class PointKind { Landmark, Reference, Benchmark, Turning, Intermediate, Other };
enum class Pattern { Single, Staggered };

std::string_view to_string(AngleUnit u);
std::string_view to_string(DistanceUnit u);
std::string_view to_string(BearingRef r);
std::string_view to_string(PointKind k);
std::string_view to_string(Pattern p);

// Units in a full turn: 360, 6400 or 6000.
double full_circle(AngleUnit u);

// A bearing and a distance, in the record's units and reference.
struct Step {
  double bearing = 0;
  double distance = 0;
  std::string path;  // key path, for messages ("rows[0].start.then[1]")
};

// A leg from a point defined earlier, optionally continued by further steps.
struct Leg {
  std::string from;
  Step step;
  std::vector<Step> then;
};

struct Point {
  std::string id;
  PointKind kind = PointKind::Other;
  std::optional<core::Coord> xy;  // in the record's CRS: x longitude/easting, y latitude/northing
  std::optional<Leg> leg;         // exactly one of xy and leg
  std::string description;
  std::string path;  // "points[3]"
};

struct MineGroup {
  std::string category;  // AP_MINE, AT_MINE, ... (core::kDeviceCategories)
  std::string model;
  int count = 0;
};

struct Row {
  std::string id;
  // The start: a point (start_point) or a leg from one.
  std::string start_point;
  std::optional<Leg> start_leg;
  double bearing = 0;
  double spacing = 0;
  Pattern pattern = Pattern::Single;
  double stagger = 0;
  std::vector<MineGroup> mines;
  std::optional<double> length;
  std::string path;  // "rows[1]"

  int count() const;
};

struct Record {
  std::string id;
  std::string source_name;
  std::string source_received;
  std::string source_reference;
  std::optional<core::Date> laid;
  std::string crs = "EPSG:4326";
  AngleUnit angle_unit = AngleUnit::Deg;
  DistanceUnit distance_unit = DistanceUnit::Metre;
  double pace_m = 0.75;
  BearingRef bearing_ref = BearingRef::True;
  std::optional<double> declination_deg;
  std::vector<Point> points;
  std::vector<std::string> perimeter;
  std::optional<Leg> closure;
  std::vector<Row> rows;
  std::map<std::string, long long> declared;

  const Point* point(std::string_view id) const;
  // The point declinations and grid zones are taken at: the first landmark, else the
  // first point.
  const Point& anchor() const;
  int mine_count() const;
};

struct Parsed {
  Record record;
  std::vector<std::string> warnings;
};

// Parses and validates. Throws core::InputError whose field is the key path.
Parsed parse(std::string_view json_text);
Parsed parse_json(const nlohmann::json& j);

}  // namespace minemap::record
