#include "record/digitize.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/errors.hpp"
#include "geo/crs.hpp"
#include "geo/geodesy.hpp"
#include "geo/geomag.hpp"

namespace minemap::record {

using core::InputError;

nlohmann::json Corrections::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  if (declination_deg) j["declination_deg"] = *declination_deg;
  if (crs) j["crs"] = *crs;
  if (pace_m) j["pace_m"] = *pace_m;
  return j;
}

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// A leg longer than this is almost certainly a mistake in a minefield record.
constexpr double kLongLegM = 20'000;

struct Digitizer {
  const Record& r;
  const Corrections& fix;
  Digitized d;
  const geo::Crs& crs;
  const geo::Crs* grid = nullptr;  // the CRS grid bearings refer to, when not `crs`
  double to_deg = 1;               // record angle unit -> degrees
  double to_m = 1;                 // record distance unit -> metres
  std::unordered_map<std::string, core::Coord> at;

  Digitizer(const Parsed& p, const Corrections& f)
      : r(p.record),
        fix(f),
        crs(geo::Crs::shared(f.crs ? *f.crs : p.record.crs, f.crs ? "correction.crs" : "crs")) {
    d.warnings = p.warnings;
    d.crs = crs.definition();
    to_deg = 360.0 / full_circle(r.angle_unit);
    if (r.distance_unit == DistanceUnit::Pace) {
      if (fix.pace_m && (*fix.pace_m <= 0 || *fix.pace_m > 2))
        throw InputError("correction.pace_m",
                         "a pace of " + fixed(*fix.pace_m, 3) + " m is not plausible (0..2 m)");
      d.pace_m = fix.pace_m ? *fix.pace_m : r.pace_m;
      to_m = d.pace_m;
    } else if (fix.pace_m) {
      d.warnings.push_back("correction.pace_m: the record's distances are in metres: ignored");
    }
  }

  // The position bearings' corrections are taken at: the first landmark with
  // coordinates, else the first point (which always has them).
  core::Coord anchor() {
    for (const auto& p : r.points)
      if (p.kind == PointKind::Landmark && p.xy) return crs.to_wgs84(*p.xy, p.path);
    return crs.to_wgs84(*r.points.front().xy, r.points.front().path);
  }

  void setup_references() {
    core::Coord a = anchor();
    if (r.bearing_ref == BearingRef::Grid) {
      if (crs.is_projected()) {
        d.grid_crs = crs.definition();
      } else {
        d.grid_crs = geo::Crs::utm_zone_of(a);
        grid = &geo::Crs::shared(d.grid_crs, "bearing_ref");
      }
      d.convergence_deg_applied = convergence(a);
    }
    if (r.bearing_ref != BearingRef::Magnetic) {
      d.declination_source = "none";
      if (fix.declination_deg)
        d.warnings.push_back(
            "correction.declination_deg: the record's bearings are not magnetic: ignored");
      return;
    }
    if (fix.declination_deg) {
      d.declination_deg_applied = *fix.declination_deg;
      d.declination_source = "correction";
    } else if (r.declination_deg) {
      d.declination_deg_applied = *r.declination_deg;
      d.declination_source = "record";
    } else if (!r.laid) {
      d.declination_source = "none";
      d.warnings.push_back(
          "declination_deg: missing, and no date laid to compute it from: "
          "magnetic bearings digitised with a declination of 0");
    } else {
      auto model = geo::igrf_info();
      double year = geo::decimal_year(*r.laid);
      if (year < model.first_year || year > model.last_year) {
        d.declination_source = "none";
        d.warnings.push_back("declination_deg: missing, and the date laid is outside " +
                             model.name + " (" + fixed(model.first_year, 0) + "-" +
                             fixed(model.last_year, 0) +
                             "): magnetic bearings digitised with a declination of 0");
      } else {
        d.declination_deg_applied = geo::declination_deg(a.x, a.y, year);
        d.declination_source = model.name + " at " + fixed(year, 2);
        d.warnings.push_back("declination_deg: missing: " + fixed(d.declination_deg_applied, 2) +
                             " deg computed from " + model.name + " at " + fixed(year, 2) +
                             " and the anchor point (" + fixed(a.x, 5) + ", " + fixed(a.y, 5) +
                             ")");
      }
    }
  }

  double convergence(core::Coord lonlat) {
    const geo::Crs& g = grid ? *grid : crs;
    return g.convergence_deg(lonlat);
  }

  // A recorded bearing as a true azimuth in degrees, at `from`.
  double azimuth(double bearing, core::Coord from) {
    double az = bearing * to_deg;
    switch (r.bearing_ref) {
      case BearingRef::True: break;
      case BearingRef::Grid: az += convergence(from); break;
      case BearingRef::Magnetic: az += d.declination_deg_applied; break;
    }
    return az;
  }

  core::Coord walk(core::Coord from, const Step& s) {
    double m = s.distance * to_m;
    if (m > kLongLegM)
      d.warnings.push_back(s.path + ".distance: a leg of " + fixed(m / 1000, 1) + " km");
    return geo::destination(from, azimuth(s.bearing, from), m);
  }

  core::Coord walk(const Leg& l) {
    core::Coord p = walk(at.at(l.from), l.step);
    for (const auto& s : l.then) p = walk(p, s);
    return p;
  }

  void points() {
    for (const auto& p : r.points) {
      core::Coord c = p.xy ? crs.to_wgs84(*p.xy, p.path) : walk(*p.leg);
      if (!(std::abs(c.y) <= 90) || !(std::abs(c.x) <= 180))
        throw InputError(p.path, "the point lies outside the earth (longitude " + fixed(c.x, 6) +
                                     ", latitude " + fixed(c.y, 6) + " in WGS 84)");
      at.emplace(p.id, c);
      d.points.push_back({p.id, p.kind, c});
    }
  }

  void perimeter() {
    for (const auto& id : r.perimeter) d.perimeter.push_back(at.at(id));
    for (std::size_t i = 0; i + 1 < d.perimeter.size(); ++i)
      d.traverse_length_m += geo::distance_m(d.perimeter[i], d.perimeter[i + 1]);
    d.perimeter.push_back(d.perimeter.front());
    d.area_m2 = geo::polygon_area_m2({d.perimeter});
    if (r.closure) {
      core::Coord end = walk(*r.closure);
      d.traverse_length_m += r.closure->step.distance * to_m;
      for (const auto& s : r.closure->then) d.traverse_length_m += s.distance * to_m;
      d.misclosure_m = geo::distance_m(end, d.perimeter.front());
      if (d.traverse_length_m > 0) {
        d.misclosure_ratio = *d.misclosure_m / d.traverse_length_m;
        if (*d.misclosure_ratio > 0.01)
          d.warnings.push_back("closure: misclosure " + fixed(*d.misclosure_m, 2) + " m over " +
                               fixed(d.traverse_length_m, 1) + " m (1:" +
                               fixed(1 / *d.misclosure_ratio, 0) + ", worse than 1:100)");
      }
    }
    if (d.area_m2 == 0) d.warnings.push_back("perimeter: encloses no area");
  }

  void rows() {
    std::size_t total = 0;
    for (const auto& row : r.rows) total += static_cast<std::size_t>(row.count());
    d.mines.reserve(total);
    for (std::uint32_t ri = 0; ri < r.rows.size(); ++ri) {
      const Row& row = r.rows[ri];
      core::Coord start = row.start_leg ? walk(*row.start_leg) : at.at(row.start_point);
      double az = azimuth(row.bearing, start);
      double spacing = row.spacing * to_m;
      double half = row.stagger * to_m / 2;
      bool staggered = row.pattern == Pattern::Staggered && half > 0;
      geo::GeodesicPath line(start, az);
      std::uint32_t i = 0;
      for (std::uint32_t g = 0; g < row.mines.size(); ++g) {
        for (int k = 0; k < row.mines[g].count; ++k, ++i) {
          auto p = line.at(i * spacing);
          core::Coord c = p.at;
          // Even (0-based) mines to the right of the row line, odd ones to the left.
          if (staggered) c = geo::destination(c, p.azimuth_deg + (i % 2 == 0 ? 90.0 : -90.0), half);
          d.mines.push_back({ri, g, i, c});
        }
      }
      // The row line runs from the first mine to the last (a row of one mine: one
      // spacing long, so that it is still a line).
      core::Coord end = line.at((i > 1 ? i - 1 : 1) * spacing).at;
      d.rows.push_back({row.id, start, end, az, spacing, static_cast<int>(i)});
    }
  }
};

}  // namespace

Digitized digitize(const Parsed& parsed, const Corrections& fix) {
  Digitizer z(parsed, fix);
  z.setup_references();
  z.points();
  z.perimeter();
  z.rows();
  return std::move(z.d);
}

namespace {

// The collection's members but its features.
nlohmann::json collection_members(const Record& r, const Digitized& d) {
  using nlohmann::json;
  json out = {{"type", "FeatureCollection"},
              {"record", r.id},
              {"crs_in", d.crs},
              {"traverse_length_m", d.traverse_length_m},
              {"misclosure_m", d.misclosure_m ? json(*d.misclosure_m) : json(nullptr)},
              {"misclosure_ratio", d.misclosure_ratio ? json(*d.misclosure_ratio) : json(nullptr)},
              {"declination_deg_applied", d.declination_deg_applied},
              {"declination_source", d.declination_source},
              {"convergence_deg_applied", d.convergence_deg_applied},
              {"mines", d.mines.size()},
              {"warnings", d.warnings}};
  if (!d.grid_crs.empty()) out["grid_crs"] = d.grid_crs;
  if (d.pace_m > 0) out["pace_m_applied"] = d.pace_m;
  return out;
}

nlohmann::json perimeter_feature(const Record& r, const Digitized& d) {
  using nlohmann::json;
  json ring = json::array();
  for (const auto& c : d.perimeter) ring.push_back(json::array({c.x, c.y}));
  return {{"type", "Feature"},
          {"properties", {{"kind", "perimeter"}, {"record", r.id}, {"area_m2", d.area_m2}}},
          {"geometry", {{"type", "Polygon"}, {"coordinates", json::array({ring})}}}};
}

// The features other than the mines, in order: perimeter, rows, named points.
nlohmann::json head_features(const Record& r, const Digitized& d) {
  using nlohmann::json;
  auto pos = [](core::Coord c) { return json::array({c.x, c.y}); };
  json features = json::array();
  features.push_back(perimeter_feature(r, d));
  for (std::size_t i = 0; i < d.rows.size(); ++i) {
    const auto& row = d.rows[i];
    const Row& rr = r.rows[i];
    features.push_back(
        {{"type", "Feature"},
         {"properties",
          {{"kind", "row"},
           {"record", r.id},
           {"row", row.id},
           {"pattern", to_string(rr.pattern)},
           {"count", row.count},
           {"spacing_m", row.spacing_m},
           {"bearing_true_deg", row.bearing_true_deg}}},
         {"geometry", {{"type", "LineString"}, {"coordinates", {pos(row.start), pos(row.end)}}}}});
  }
  for (std::size_t i = 0; i < d.points.size(); ++i) {
    const auto& p = d.points[i];
    json props = {
        {"kind", "point"}, {"record", r.id}, {"id", p.id}, {"point_kind", to_string(p.kind)}};
    if (!r.points[i].description.empty()) props["description"] = r.points[i].description;
    features.push_back({{"type", "Feature"},
                        {"properties", props},
                        {"geometry", {{"type", "Point"}, {"coordinates", pos(p.at)}}}});
  }
  return features;
}

}  // namespace

nlohmann::json to_geojson(const Record& r, const Digitized& d) {
  using nlohmann::json;
  auto pos = [](core::Coord c) { return json::array({c.x, c.y}); };
  json features = head_features(r, d);
  for (const auto& m : d.mines) {
    const auto& g = r.rows[m.row].mines[m.group];
    features.push_back({{"type", "Feature"},
                        {"properties",
                         {{"kind", "mine"},
                          {"record", r.id},
                          {"row", r.rows[m.row].id},
                          {"index", m.index},
                          {"category", g.category},
                          {"model", g.model}}},
                        {"geometry", {{"type", "Point"}, {"coordinates", pos(m.at)}}}});
  }
  json out = collection_members(r, d);
  out["features"] = std::move(features);
  return out;
}

namespace {

// Shortest text that reads back as the same double (as nlohmann::json writes).
void put(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void put(std::string& out, std::uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void put_pos(std::string& out, core::Coord c) {
  out += '[';
  put(out, c.x);
  out += ',';
  put(out, c.y);
  out += ']';
}

}  // namespace

std::string to_geojson_text(const Record& r, const Digitized& d) {
  // The members around "features" and the features other than the mines come from
  // the JSON tree (small); the mines, which can be millions, are written here, in the
  // same order as to_geojson.
  std::string out;
  out.reserve(256 + d.mines.size() * 190);
  std::string t = collection_members(r, d).dump();
  out.append(t, 0, t.size() - 1);  // without the closing brace
  out += ",\"features\":";
  // The perimeter, rows and points (few) from the JSON tree, without its closing bracket.
  std::string head = head_features(r, d).dump();
  out.append(head, 0, head.size() - 1);
  const std::string rec = nlohmann::json(r.id).dump();
  // Per row and model, the properties before "index" and after it, escaped once.
  std::vector<std::vector<std::pair<std::string, std::string>>> parts(r.rows.size());
  for (std::size_t i = 0; i < r.rows.size(); ++i)
    for (const auto& g : r.rows[i].mines)
      parts[i].emplace_back(
          ",{\"type\":\"Feature\",\"properties\":{\"kind\":\"mine\",\"record\":" + rec +
              ",\"row\":" + nlohmann::json(r.rows[i].id).dump() + ",\"index\":",
          ",\"category\":" + nlohmann::json(g.category).dump() +
              ",\"model\":" + nlohmann::json(g.model).dump() +
              "},\"geometry\":{\"type\":\"Point\",\"coordinates\":");
  for (const auto& m : d.mines) {
    const auto& [before, after] = parts[m.row][m.group];
    out += before;
    put(out, static_cast<std::uint64_t>(m.index));
    out += after;
    put_pos(out, m.at);
    out += "}}";
  }
  out += "]}";
  return out;
}

}  // namespace minemap::record
