// GeoJSON (RFC 7946) codec for geometries and records. Errors carry the JSON
// path of the offending value so a user can find it in a large file.
#include "geo/geojson.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace minemap::geo {
namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;
using nlohmann::json;

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}
std::string member(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw core::InputError(path, what);
}

const json& array_at(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, "expected an array");
  return j;
}

Coord position(const json& j, const std::string& path) {
  if (!j.is_array() || j.size() < 2) fail(path, "expected [x, y]");
  for (const auto& v : j)
    if (!v.is_number()) fail(path, "expected [x, y]");
  Coord c{j[0].get<double>(), j[1].get<double>()};
  if (!std::isfinite(c.x) || !std::isfinite(c.y)) fail(path, "coordinates must be finite numbers");
  return c;
}

core::LineString positions(const json& j, const std::string& path) {
  core::LineString out;
  for (std::size_t i = 0; i < array_at(j, path).size(); ++i)
    out.push_back(position(j[i], index(path, i)));
  return out;
}

core::Polygon rings(const json& j, const std::string& path) {
  core::Polygon out;
  for (std::size_t i = 0; i < array_at(j, path).size(); ++i)
    out.push_back(positions(j[i], index(path, i)));
  return out;
}

json to_position(const Coord& c) {
  return json::array({c.x, c.y});
}

json to_positions(const core::LineString& l) {
  json out = json::array();
  for (const auto& c : l) out.push_back(to_position(c));
  return out;
}

json to_rings(const core::Polygon& p) {
  json out = json::array();
  for (const auto& r : p) out.push_back(to_positions(r));
  return out;
}

const char* type_name(GeomType t) {
  switch (t) {
    case GeomType::Point: return "Point";
    case GeomType::LineString: return "LineString";
    case GeomType::Polygon: return "Polygon";
    case GeomType::MultiPoint: return "MultiPoint";
    case GeomType::MultiLineString: return "MultiLineString";
    case GeomType::MultiPolygon: return "MultiPolygon";
    case GeomType::None: break;
  }
  return "";
}

std::string record_id(const json& j, const std::string& path) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return j.dump();  // signed and unsigned alike
  if (j.is_null()) return {};
  fail(path, "expected a string or an integer");
}

std::string workflow(const json& j, const std::string& path) {
  if (!j.is_string()) fail(path, "expected a string");
  return j.get<std::string>();
}

// Keys that are Record members rather than fields.
void take_property(core::Record& r, const std::string& key, const json& v, const std::string& path,
                   bool& has_id) {
  if (key == "id") {
    std::string id = record_id(v, path);
    if (has_id && id != r.id) fail(path, "differs from the feature id \"" + r.id + "\"");
    r.id = std::move(id);
    has_id = true;
  } else if (key == core::kWorkflowField) {
    r.workflow = workflow(v, path);
  } else {
    r.fields[key] = value_from_json(v, path);
  }
}

core::Record feature_from_json(const json& j, const std::string& path) {
  core::Record r;
  bool has_id = false;
  if (auto it = j.find("id"); it != j.end() && !it->is_null()) {
    r.id = record_id(*it, member(path, "id"));
    has_id = true;
  }
  if (auto it = j.find(core::kWorkflowField); it != j.end())
    r.workflow = workflow(*it, member(path, std::string(core::kWorkflowField)));
  if (auto it = j.find("properties"); it != j.end() && !it->is_null()) {
    std::string props = member(path, "properties");
    if (!it->is_object()) fail(props, "expected an object");
    for (const auto& [key, v] : it->items()) take_property(r, key, v, member(props, key), has_id);
  }
  if (auto it = j.find("geometry"); it != j.end())
    r.geometry = geometry_from_geojson(*it, member(path, "geometry"));
  return r;
}

void put_fields(json& out, const core::EntitySpec& spec, const core::Record& r,
                bool include_personal) {
  for (const auto& [name, v] : r.fields) {
    const core::FieldSpec* f = spec.field(name);
    if (f && f->personal && !include_personal) continue;
    out[name] = value_to_json(v);
  }
}

}  // namespace

Geometry geometry_from_geojson(const json& j, const std::string& path) {
  if (j.is_null()) return {};  // a Feature without geometry
  if (!j.is_object()) fail(path, "expected a GeoJSON geometry object");
  auto t = j.find("type");
  if (t == j.end() || !t->is_string()) fail(member(path, "type"), "expected a geometry type");
  const std::string type = t->get<std::string>();
  if (type == "GeometryCollection")
    fail(member(path, "type"), "GeometryCollection is not supported");
  auto c = j.find("coordinates");
  if (c == j.end()) fail(member(path, "coordinates"), "missing");
  const std::string at = member(path, "coordinates");

  Geometry g;
  if (type == "Point") {
    g.type = GeomType::Point;
    // RFC 7946 has no empty point; [] is the common spelling of one.
    if (!(c->is_array() && c->empty())) g.points.push_back(position(*c, at));
  } else if (type == "LineString") {
    g.type = GeomType::LineString;
    if (!array_at(*c, at).empty()) g.lines.push_back(positions(*c, at));
  } else if (type == "Polygon") {
    g.type = GeomType::Polygon;
    if (!array_at(*c, at).empty()) g.polygons.push_back(rings(*c, at));
  } else if (type == "MultiPoint") {
    g.type = GeomType::MultiPoint;
    g.points = positions(*c, at);
  } else if (type == "MultiLineString") {
    g.type = GeomType::MultiLineString;
    g.lines = rings(*c, at);
  } else if (type == "MultiPolygon") {
    g.type = GeomType::MultiPolygon;
    for (std::size_t i = 0; i < array_at(*c, at).size(); ++i)
      g.polygons.push_back(rings((*c)[i], index(at, i)));
  } else {
    fail(member(path, "type"), "unknown geometry type \"" + type + "\"");
  }
  return g;
}

json geometry_to_geojson(const Geometry& g) {
  json out = json::object();
  switch (g.type) {
    case GeomType::None: return nullptr;
    case GeomType::Point:
      out["coordinates"] = g.points.empty() ? json::array() : to_position(g.points[0]);
      break;
    case GeomType::LineString:
      out["coordinates"] = g.lines.empty() ? json::array() : to_positions(g.lines[0]);
      break;
    case GeomType::Polygon:
      out["coordinates"] = g.polygons.empty() ? json::array() : to_rings(g.polygons[0]);
      break;
    case GeomType::MultiPoint: out["coordinates"] = to_positions(g.points); break;
    case GeomType::MultiLineString: out["coordinates"] = to_rings(g.lines); break;
    case GeomType::MultiPolygon: {
      json polys = json::array();
      for (const auto& p : g.polygons) polys.push_back(to_rings(p));
      out["coordinates"] = std::move(polys);
      break;
    }
  }
  out["type"] = type_name(g.type);
  return out;
}

core::Value value_from_json(const json& j, const std::string& path) {
  switch (j.type()) {
    case json::value_t::null: return std::monostate{};
    case json::value_t::string: return j.get<std::string>();
    case json::value_t::boolean: return j.get<bool>();
    case json::value_t::number_integer: return j.get<std::int64_t>();
    case json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail(path, j.dump() + " is too large for an integer");
      return static_cast<std::int64_t>(u);
    }
    case json::value_t::number_float: {
      double d = j.get<double>();
      if (!std::isfinite(d)) fail(path, "not a finite number");
      return d;
    }
    case json::value_t::array: {
      // An enum set: ["mine_signs", "accident"] -> "mine_signs,accident".
      std::string out;
      for (std::size_t i = 0; i < j.size(); ++i) {
        if (!j[i].is_string())
          fail(path, "expected a string, number, boolean, null or an array of strings");
        if (i > 0) out += ',';
        out += j[i].get<std::string>();
      }
      return out;
    }
    default: fail(path, "expected a string, number, boolean, null or an array of strings");
  }
}

json value_to_json(const core::Value& v) {
  struct {
    json operator()(std::monostate) const { return nullptr; }
    json operator()(const std::string& s) const { return s; }
    json operator()(std::int64_t i) const { return i; }
    json operator()(double d) const { return std::isfinite(d) ? json(d) : json(nullptr); }
    json operator()(bool b) const { return b; }
  } visit;
  return std::visit(visit, v);
}

core::Record record_from_json(const json& j, const std::string& path) {
  if (!j.is_object()) fail(path.empty() ? "record" : path, "expected a JSON object");
  if (auto t = j.find("type"); t != j.end() && *t == "Feature") return feature_from_json(j, path);
  core::Record r;
  bool has_id = false;
  for (const auto& [key, v] : j.items()) {
    if (key == "geometry")
      r.geometry = geometry_from_geojson(v, member(path, key));
    else
      take_property(r, key, v, member(path, key), has_id);
  }
  return r;
}

json record_to_feature(const core::EntitySpec& spec, const core::Record& r, bool include_personal) {
  json props = json::object();
  put_fields(props, spec, r, include_personal);
  props[std::string(core::kWorkflowField)] = r.workflow;
  json out = {{"type", "Feature"}};
  if (!r.id.empty()) out["id"] = r.id;
  out["properties"] = std::move(props);
  out["geometry"] = geometry_to_geojson(r.geometry);
  return out;
}

json record_to_json(const core::EntitySpec& spec, const core::Record& r, bool include_personal) {
  json out = json::object();
  out["id"] = r.id;
  out[std::string(core::kWorkflowField)] = r.workflow;
  put_fields(out, spec, r, include_personal);
  if (spec.spatial() || r.geometry.type != GeomType::None)
    out["geometry"] = geometry_to_geojson(r.geometry);
  return out;
}

std::string to_text(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace minemap::geo
