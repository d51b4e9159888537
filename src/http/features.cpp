#include "http/features.hpp"

#include <stdlib.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <vector>

#include "core/bbox.hpp"
#include "core/date.hpp"
#include "core/errors.hpp"
#include "core/filter.hpp"
#include "geo/geojson.hpp"
#include "http/params.hpp"
#include "ops/exporter.hpp"

namespace minemap::http {

namespace {

using nlohmann::json;

constexpr const char* kGeoJson = "application/geo+json";
constexpr const char* kOpenApi = "application/vnd.oai.openapi+json;version=3.0";
constexpr const char* kSchemaJson = "application/schema+json";
constexpr const char* kCrs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
// The most features one GeoPackage download holds (f=gpkg without a limit).
constexpr std::int64_t kMostExported = 1'000'000;
namespace fs = std::filesystem;

// Whether a Host header is a host name, an IPv4 or a bracketed IPv6 address, with an
// optional port: nothing else goes into the links (no path, no markup, no spaces).
bool well_formed_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  std::size_t end = host.size();
  if (auto colon = host.rfind(':');
      colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    auto port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    end = colon;
  }
  auto name = host.substr(0, end);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']')
    return name.substr(1, name.size() - 2).find_first_not_of("0123456789abcdefABCDEF:.") ==
           std::string_view::npos;
  return !name.empty() && name.find_first_not_of(
                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
                              std::string_view::npos;
}

// The address of the links of every response: the public address when serve was given
// one (behind a proxy), else the one the client used when it is a plain host[:port],
// else none (links relative to the server).
std::string base_url(const Request& r, const std::string& public_url) {
  if (!public_url.empty())
    return public_url.back() == '/' ? public_url.substr(0, public_url.size() - 1) : public_url;
  std::string host = r.header("Host");
  return well_formed_host(host) ? (r.secure ? "https://" : "http://") + host : "";
}

json link(const std::string& href, const std::string& rel, const std::string& type,
          const std::string& title = "") {
  json l = {{"href", href}, {"rel", rel}, {"type", type}};
  if (!title.empty()) l["title"] = title;
  return l;
}

// Percent-encoding of a query value (RFC 3986: unreserved characters and the
// separators of bbox and datetime values stay as they are).
std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',' || c == '/' ||
        c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// An OGC API answer: cacheable (unlike the application API's), of its own content type.
Response ogc_response(const json& j, const char* type = "application/json") {
  Response r;
  r.content_type = type;
  r.body = geo::to_text(j);
  return r;
}

const core::EntitySpec& collection_spec(const std::string& id) {
  if (!is_feature_collection(id)) throw core::NotFound("no collection \"" + id + "\"");
  return core::spec_by_name(id);
}

// The fields a collection's items filter on as query parameters (/queryables): every
// field of the entity but personal ones.
bool queryable(const core::FieldSpec& f) {
  return !f.personal;
}

// The parameters of items that are not a field.
bool standard_param(const std::string& name) {
  for (const char* p : {"limit", "offset", "bbox", "bbox-crs", "datetime", "f"})
    if (name == p) return true;
  return false;
}

// A queryable as JSON Schema (OGC API - Features - Part 3).
json queryable_schema(const core::FieldSpec& f) {
  json p = {{"title", std::string(f.name)}};
  if (!f.doc.empty()) p["description"] = std::string(f.doc);
  json values = json::array();
  for (auto v : f.values) values.push_back(std::string(v));
  switch (f.type) {
    case core::FieldType::Text:
    case core::FieldType::Ref: p["type"] = "string"; break;
    case core::FieldType::Integer: p["type"] = "integer"; break;
    case core::FieldType::Real: p["type"] = "number"; break;
    case core::FieldType::Boolean: p["type"] = "boolean"; break;
    case core::FieldType::Date:
      // Reduced precision allowed: a year or a month matches the dates in it.
      p["type"] = "string";
      p["pattern"] = "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$";
      break;
    case core::FieldType::Enum:
    case core::FieldType::EnumSet:
      // An enum set is kept as a comma-separated set: a value matches the sets holding it.
      p["type"] = "string";
      p["enum"] = values;
      break;
  }
  return p;
}

}  // namespace

bool is_feature_collection(const std::string& entity_name) {
  for (const auto& s : core::entities())
    if (s.name == entity_name) return s.spatial();
  return false;
}

FeaturesApi::FeaturesApi(store::Registry& store, std::mutex& store_mutex, FeaturesOptions opt,
                         Auth* auth)
    : m_store(store), m_mutex(store_mutex), m_opt(std::move(opt)), m_auth(auth) {}

bool FeaturesApi::sees_personal(const Request& r) const {
  if (!m_auth) return false;
  auto s = m_auth->session(r);
  return s && role_rank(s->role) >= role_rank("data_entry");
}

json FeaturesApi::victims_of(const std::string& accident_id, bool personal) const {
  const auto& vs = core::spec(core::Entity::Victim);
  store::ListQuery q;
  q.approved_only = true;
  q.where = {{"accident_id", {accident_id}}};
  json out = json::array();
  m_store.for_each(vs, q, [&](const core::Record& v) {
    json j = geo::record_to_json(vs, v, personal);
    j.erase("accident_id");  // it is the feature's own id
    j.erase("workflow");
    out.push_back(std::move(j));
  });
  return out;
}

json FeaturesApi::feature(const core::EntitySpec& spec, const core::Record& rec,
                          bool personal) const {
  json f = geo::record_to_feature(spec, rec, false);
  if (spec.kind == core::Entity::Accident)
    f["properties"]["victims"] = victims_of(rec.id, personal);
  return f;
}

void FeaturesApi::install(Server& s) {
  s.route("GET", "/", [this](const Request& r) { return landing(r); });
  s.route("GET", "/conformance", [this](const Request& r) { return conformance(r); });
  s.route("GET", "/api/?", [this](const Request& r) { return api(r); });
  s.route("GET", "/collections/?", [this](const Request& r) { return collections(r); });
  s.route("GET", "/collections/([^/]+)/?",
          [this](const Request& r) { return collection(r, r.captures.at(0)); });
  s.route("GET", "/collections/([^/]+)/queryables/?",
          [this](const Request& r) { return queryables(r, r.captures.at(0)); });
  s.route("GET", "/collections/([^/]+)/items/?",
          [this](const Request& r) { return items(r, r.captures.at(0)); });
  s.route("GET", "/collections/([^/]+)/items/([^/]+)",
          [this](const Request& r) { return item(r, r.captures.at(0), r.captures.at(1)); });
}

Response FeaturesApi::landing(const Request& r) const {
  std::string base = base_url(r, m_opt.public_url);
  json j = {{"title", m_opt.title},
            {"description",
             "Humanitarian mine action data: hazardous areas, land release, items found, "
             "accidents, minefield records. OGC API - Features."},
            {"links",
             json::array(
                 {link(base + "/", "self", "application/json", "this page"),
                  link(base + "/api", "service-desc", kOpenApi, "the API definition (OpenAPI 3.0)"),
                  link(base + "/conformance", "conformance", "application/json",
                       "the standards this API conforms to"),
                  link(base + "/collections", "data", "application/json", "the collections")})}};
  return ogc_response(j);
}

// The API definition: every path with its parameters and responses, the collection
// ids as an enumeration.
Response FeaturesApi::api(const Request& r) const {
  json ids = json::array();
  for (const auto& s : core::entities())
    if (s.spatial()) ids.push_back(std::string(s.name));
  auto ok = [](const std::string& what, const char* type) {
    return json{{"200", {{"description", what}, {"content", {{type, json::object()}}}}},
                {"default",
                 {{"description", "an error (RFC 9457 problem details)"},
                  {"content", {{"application/problem+json", json::object()}}}}}};
  };
  json collection_id = {{"name", "collectionId"},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}, {"enum", ids}}}};
  json params = json::array(
      {collection_id,
       {{"name", "limit"},
        {"in", "query"},
        {"description", "the most features in one page"},
        {"schema",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", m_opt.max_limit},
          {"default", m_opt.default_limit}}}},
       {{"name", "offset"},
        {"in", "query"},
        {"description", "features to skip (the next link carries it)"},
        {"schema", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}}},
       {{"name", "bbox"},
        {"in", "query"},
        {"description", "minx,miny,maxx,maxy in degrees (CRS84)"},
        {"style", "form"},
        {"explode", false},
        {"schema",
         {{"type", "array"}, {"minItems", 4}, {"maxItems", 6}, {"items", {{"type", "number"}}}}}},
       {{"name", "datetime"},
        {"in", "query"},
        {"description",
         "a date or an interval (2012-05-14, 2010/2012, ../2012-05): features whose date "
         "(found, happened, reported, released, laid) overlaps it"},
        {"schema", {{"type", "string"}}}}});
  json j = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", m_opt.title + " OGC API - Features"},
        {"version", "1.0.0"},
        {"description",
         "Read-only access to approved records. Accidents carry their victims; their personal "
         "data only for a signed-in session of role data_entry or above."}}},
      {"servers", json::array({{{"url", base_url(r, m_opt.public_url)}}})},
      {"paths",
       {{"/",
         {{"get", {{"summary", "landing page"}, {"responses", ok("links", "application/json")}}}}},
        {"/conformance",
         {{"get",
           {{"summary", "conformance classes"},
            {"responses", ok("classes", "application/json")}}}}},
        {"/collections",
         {{"get",
           {{"summary", "the collections"},
            {"responses", ok("collections", "application/json")}}}}},
        {"/collections/{collectionId}",
         {{"get",
           {{"summary", "one collection"},
            {"parameters", json::array({collection_id})},
            {"responses", ok("the collection", "application/json")}}}}},
        {"/collections/{collectionId}/queryables",
         {{"get",
           {{"summary", "the properties items filter on, as query parameters (JSON Schema)"},
            {"parameters", json::array({collection_id})},
            {"responses", ok("the queryables", kSchemaJson)}}}}},
        {"/collections/{collectionId}/items",
         {{"get",
           {{"summary", "the features of a collection, a page at a time"},
            {"description",
             "Any queryable of the collection (/collections/{collectionId}/queryables) is a "
             "parameter too: status=closed; values separated by commas (or the parameter "
             "repeated): any matches; enum values in any case; a date matches the dates it "
             "overlaps. Any other parameter is an error (400)."},
            {"parameters", params},
            {"responses", ok("a FeatureCollection", kGeoJson)}}}}},
        {"/collections/{collectionId}/items/{featureId}",
         {{"get",
           {{"summary", "one feature"},
            {"parameters", json::array({collection_id,
                                        {{"name", "featureId"},
                                         {"in", "path"},
                                         {"required", true},
                                         {"schema", {{"type", "string"}}}}})},
            {"responses", ok("a Feature", kGeoJson)}}}}}}}};
  return ogc_response(j, kOpenApi);
}

Response FeaturesApi::conformance(const Request&) const {
  json j = {
      {"conformsTo",
       {"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters"}}};
  return ogc_response(j);
}

namespace {

json collection_json(const std::string& base, const core::EntitySpec& spec) {
  std::string name(spec.name);
  std::string href = base + "/collections/" + name;
  json c = {{"id", name},
            {"title", std::string(spec.title)},
            {"itemType", "feature"},
            {"crs", json::array({kCrs84})},
            {"links", json::array({link(href, "self", "application/json"),
                                   link(href + "/items", "items", kGeoJson, "the features"),
                                   link(href + "/queryables",
                                        "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                                        kSchemaJson, "the properties items filter on")})}};
  return c;
}

}  // namespace

Response FeaturesApi::collections(const Request& r) const {
  std::string base = base_url(r, m_opt.public_url);
  json list = json::array();
  for (const auto& s : core::entities())
    if (s.spatial()) list.push_back(collection_json(base, s));
  json j = {{"links", json::array({link(base + "/collections", "self", "application/json")})},
            {"collections", std::move(list)}};
  return ogc_response(j);
}

Response FeaturesApi::collection(const Request& r, const std::string& id) const {
  return ogc_response(collection_json(base_url(r, m_opt.public_url), collection_spec(id)));
}

Response FeaturesApi::queryables(const Request& r, const std::string& id) const {
  const core::EntitySpec& spec = collection_spec(id);
  json props = json::object();
  for (const auto& f : spec.fields)
    if (queryable(f)) props[std::string(f.name)] = queryable_schema(f);
  json j = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
            {"$id", base_url(r, m_opt.public_url) + "/collections/" + std::string(spec.name) +
                        "/queryables"},
            {"type", "object"},
            {"title", std::string(spec.title)},
            {"properties", std::move(props)},
            {"additionalProperties", false}};
  return ogc_response(j, kSchemaJson);
}

Response FeaturesApi::items(const Request& r, const std::string& id) const {
  const core::EntitySpec& spec = collection_spec(id);
  store::ListQuery q;
  q.approved_only = true;
  q.limit = m_opt.default_limit;
  // Every parameter is a standard one or a queryable: `status=closed`, `type=cha,sha`
  // (an enum in any case; a comma or a repeated parameter: any of the values); anything
  // else is an error naming it, never a filter silently left out.
  std::map<std::string, std::vector<std::string>> where;
  for (const auto& [name, value] : r.query) {
    if (standard_param(name)) continue;
    const core::FieldSpec* f = spec.field(name);
    if (!f || !queryable(*f))
      throw core::InputError(name, "not a parameter of " + std::string(spec.name) +
                                       " items: limit, offset, bbox, datetime, f, or a field of "
                                       "/collections/" +
                                       std::string(spec.name) + "/queryables");
    auto& values = where[name];
    if (f->type == core::FieldType::Text) {
      values.push_back(value);
    } else {
      std::size_t start = 0;
      for (std::size_t comma; (comma = value.find(',', start)) != std::string::npos;
           start = comma + 1)
        values.push_back(value.substr(start, comma - start));
      values.push_back(value.substr(start));
    }
  }
  for (auto& [name, values] : where)
    q.where.push_back({name, core::filter_values(*spec.field(name), values, name)});
  const auto format = r.param("f");
  if (format && *format != "json" && *format != "geojson" && *format != "gpkg")
    throw core::InputError("f",
                           "\"" + *format + "\" is not a format offered: json, geojson or gpkg");
  const bool gpkg = format == "gpkg";
  // A GeoPackage holds every feature the filters keep, unless a limit is given.
  if (gpkg) q.limit = kMostExported;
  if (auto v = r.param("limit")) {
    std::int64_t n = parse_int("limit", *v);
    if (n < 1) throw core::InputError("limit", "at least 1");
    q.limit = std::min(n, m_opt.max_limit);
  }
  if (auto v = r.param("offset")) q.offset = parse_int("offset", *v);
  if (auto v = r.param("bbox")) q.bbox = core::parse_bbox(*v, core::BboxSyntax::OgcApi);
  if (auto v = r.param("bbox-crs"); v && *v != kCrs84)
    throw core::InputError("bbox-crs", "only " + std::string(kCrs84) + " is offered");
  if (auto v = r.param("datetime")) {
    std::string field = core::temporal_field(spec);
    if (field.empty())
      throw core::InputError("datetime", std::string(spec.name) + " have no date to filter on");
    q.during = parse_datetime(field, *v);
  }

  const bool personal = sees_personal(r);
  if (gpkg) return geopackage(spec, q, personal);
  std::string features;
  std::int64_t returned = 0;
  {
    std::lock_guard lock(m_mutex);
    m_store.for_each(spec, q, [&](const core::Record& rec) {
      if (returned++) features += ',';
      features += geo::to_text(feature(spec, rec, personal));
    });
  }

  // Links carry the request's own parameters, with the offset moved on.
  std::string base = base_url(r, m_opt.public_url);
  std::string href = base + "/collections/" + std::string(spec.name) + "/items";
  auto with_offset = [&](std::int64_t offset) {
    std::string qs;
    for (const auto& [k, v] : r.query) {
      if (k == "offset" || k == "limit") continue;
      qs += (qs.empty() ? "?" : "&") + k + "=" + url_encode(v);
    }
    qs += std::string(qs.empty() ? "?" : "&") + "limit=" + std::to_string(*q.limit) +
          "&offset=" + std::to_string(offset);
    return href + qs;
  };
  json links = json::array({link(with_offset(q.offset), "self", kGeoJson, "this page")});
  if (returned == *q.limit)
    links.push_back(link(with_offset(q.offset + returned), "next", kGeoJson, "the next page"));
  if (q.offset > 0)
    links.push_back(link(with_offset(std::max<std::int64_t>(0, q.offset - *q.limit)), "prev",
                         kGeoJson, "the previous page"));
  links.push_back(link(base + "/collections/" + std::string(spec.name), "collection",
                       "application/json", "the collection"));

  Response out;
  out.content_type = kGeoJson;
  out.body = "{\"type\":\"FeatureCollection\",\"features\":[" + features +
             "],\"numberReturned\":" + std::to_string(returned) +
             ",\"timeStamp\":" + json(core::utc_timestamp()).dump() +
             ",\"links\":" + geo::to_text(links) + "}";
  return out;
}

// The features as a GeoPackage, written by the export (`minemap export`) to a file of its
// own in a fresh temporary directory, read back and removed.
Response FeaturesApi::geopackage(const core::EntitySpec& spec, const store::ListQuery& q,
                                 bool personal) const {
  std::string tmpl = (fs::temp_directory_path() / "minemap-export-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw core::StorageError("no temporary directory for the export");
  const fs::path dir = tmpl;
  struct Remove {
    fs::path dir;
    ~Remove() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } remove{dir};
  const fs::path file = dir / (std::string(spec.name) + ".gpkg");
  ops::ExportOptions opt;
  opt.spec = &spec;
  opt.path = file.string();
  opt.format = "gpkg";
  opt.query = q;
  opt.include_personal = personal;
  opt.progress = false;
  {
    std::lock_guard lock(m_mutex);
    ops::export_file(m_store, opt);
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  Response out;
  out.content_type = "application/geopackage+sqlite3";
  out.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"minemap-" + std::string(spec.name) + ".gpkg\"");
  out.body = std::move(body).str();
  return out;
}

Response FeaturesApi::item(const Request& r, const std::string& id, const std::string& fid) const {
  const core::EntitySpec& spec = collection_spec(id);
  const bool personal = sees_personal(r);
  json f;
  {
    std::lock_guard lock(m_mutex);
    auto rec = m_store.find(spec, fid);
    if (!rec || rec->workflow != "approved")
      throw core::NotFound("no feature \"" + fid + "\" in " + std::string(spec.name));
    f = feature(spec, *rec, personal);
  }
  std::string base = base_url(r, m_opt.public_url);
  std::string href = base + "/collections/" + std::string(spec.name);
  f["links"] = json::array({link(href + "/items/" + fid, "self", kGeoJson),
                            link(href, "collection", "application/json", "the collection")});
  return ogc_response(f, kGeoJson);
}

}  // namespace minemap::http
