// Reading vector files through GDAL/OGR; see gdal_source.hpp.
#include "io/gdal_source.hpp"

// GDAL's headers come in as system headers (imported target), so -Werror does not see them.
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_priv.h>
#include <ogr_api.h>
#include <ogr_core.h>
#include <ogr_feature.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>

#include "core/errors.hpp"
#include "geo/wkb.hpp"

namespace minemap::io {

// ---- shared with gdal_sink.cpp ----

namespace detail {

void gdal_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Silence the default handler for every thread; GdalMessages collects what we need.
    CPLSetErrorHandler(CPLQuietErrorHandler);
    // A sheet a programme exports has a header row: GDAL's guess takes the header of a
    // sheet whose cells are all text for data (Field1, Field2 ...). The user's setting wins.
    for (const char* option : {"OGR_XLSX_HEADERS", "OGR_ODS_HEADERS"})
      if (!CPLGetConfigOption(option, nullptr)) CPLSetConfigOption(option, "FORCE");
    GDALAllRegister();
  });
}

namespace {

void CPL_STDCALL collect(CPLErr level, CPLErrorNum /*code*/, const char* message) {
  if (level != CE_Warning && level != CE_Failure && level != CE_Fatal) return;  // debug
  auto* self = static_cast<GdalMessages*>(CPLGetErrorHandlerUserData());
  if (self) self->add(level != CE_Warning, message);
}

}  // namespace

GdalMessages::GdalMessages() {
  CPLErrorReset();
  CPLPushErrorHandlerEx(collect, this);
}

GdalMessages::~GdalMessages() {
  CPLPopErrorHandler();
}

void GdalMessages::add(bool failure, const char* message) {
  std::string msg = message ? message : "";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (failure)
    m_failure = std::move(msg);
  else if (m_warnings.size() < 1000)
    m_warnings.push_back(std::move(msg));
}

std::string GdalMessages::message(const std::string& fallback) const {
  if (!m_failure.empty()) return m_failure;
  if (!m_warnings.empty()) return m_warnings.back();
  return fallback;
}

void add_warning(std::vector<std::string>& list, std::size_t& dropped, const std::string& msg,
                 std::size_t cap) {
  if (std::find(list.begin(), list.end(), msg) != list.end()) return;
  if (list.size() >= cap)
    ++dropped;
  else
    list.push_back(msg);
}

}  // namespace detail

// ---- reading ----

namespace {

struct DatasetCloser {
  void operator()(GDALDataset* ds) const {
    if (ds) GDALClose(GDALDataset::ToHandle(ds));
  }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

struct TransformDeleter {
  void operator()(OGRCoordinateTransformation* ct) const {
    OGRCoordinateTransformation::DestroyCT(ct);
  }
};
using TransformPtr = std::unique_ptr<OGRCoordinateTransformation, TransformDeleter>;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string in_quotes(const std::string& s) {
  return "\"" + s + "\"";
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The index of the first field named (without regard to case) one of `names`, or -1.
int find_field(const OGRFeatureDefn& defn, const std::vector<std::string>& names) {
  for (int i = 0; i < defn.GetFieldCount(); ++i) {
    const std::string n = lower(defn.GetFieldDefn(i)->GetNameRef());
    if (std::find(names.begin(), names.end(), n) != names.end()) return i;
  }
  return -1;
}

// A value for an error message: quoted, and cut when long.
std::string excerpt(const char* text) {
  std::string s = text ? text : "";
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return in_quotes(s);
}

// CSV: points from lon/lat columns or geometries from a WKT column (names matched without
// regard to case), column types guessed from the whole file, quoted values kept as text.
// The geometry columns are kept by GDAL and hidden by us, so that a value GDAL could not
// read becomes a geometry_error rather than a silent "no geometry".
const std::vector<std::string> kLonNames = {"lon", "longitude", "long", "lng", "x"};
const std::vector<std::string> kLatNames = {"lat", "latitude", "y"};
const std::vector<std::string> kWktNames = {"wkt", "geometry", "geom", "the_geom"};

std::string csv_names(const char* option, const std::vector<std::string>& names) {
  std::string out = option;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? "," : "=") + names[i];
  return out;
}

CPLStringList csv_open_options() {
  CPLStringList o;
  o.AddString(csv_names("X_POSSIBLE_NAMES", kLonNames).c_str());
  o.AddString(csv_names("Y_POSSIBLE_NAMES", kLatNames).c_str());
  o.AddString(csv_names("GEOM_POSSIBLE_NAMES", kWktNames).c_str());
  o.AddString("KEEP_GEOM_COLUMNS=YES");
  o.AddString("AUTODETECT_TYPE=YES");
  o.AddString("AUTODETECT_SIZE_LIMIT=0");
  o.AddString("QUOTED_FIELDS_AS_STRING=YES");
  o.AddString("EMPTY_STRING_AS_NULL=YES");
  return o;
}

const char* const kCsvOnly[] = {"CSV", nullptr};

DatasetPtr open_dataset(const std::string& path, const std::string& gdal_path) {
  if (gdal_path.rfind("/vsi", 0) != 0) {
    std::error_code ec;
    if (!std::filesystem::exists(gdal_path, ec)) throw core::InputError(path, "no such file");
  }
  constexpr unsigned kFlags = GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR;
  detail::GdalMessages msgs;
  DatasetPtr ds(GDALDataset::Open(gdal_path.c_str(), kFlags));
  if (!ds)
    throw core::InputError(path,
                           "cannot open: " + msgs.message("not a vector format GDAL can read"));
  GDALDriver* drv = ds->GetDriver();
  if (drv && std::string(drv->GetDescription()) == "CSV" && gdal_path != "/vsistdin/") {
    ds.reset();
    const CPLStringList options = csv_open_options();
    ds.reset(GDALDataset::Open(gdal_path.c_str(), kFlags, kCsvOnly, options.List()));
    if (!ds) throw core::InputError(path, "cannot open: " + msgs.message("not a valid CSV file"));
  }
  return ds;
}

// The authority code ("EPSG:32638") or the name of a CRS, for messages.
std::string describe(const OGRSpatialReference& srs) {
  const char* auth = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (auth && code) return std::string(auth) + ":" + code;
  const char* name = srs.GetName();
  return name && *name ? std::string(name) : std::string("an unnamed CRS");
}

OGRSpatialReference wgs84() {
  OGRSpatialReference srs;
  srs.importFromEPSG(4326);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

// True when coordinates in `srs` (with its data axis mapping) are already WGS 84 lon/lat,
// so that no transformation is needed (and none can round them).
bool is_wgs84_lonlat(const OGRSpatialReference& srs, const OGRSpatialReference& target) {
  const char* const opts[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES",
                              "CRITERION=EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS", nullptr};
  if (!srs.IsSame(&target, opts)) return false;
  const auto& map = srs.GetDataAxisToSRSAxisMapping();
  if (map.size() < 2 || map[0] <= 0 || map[1] <= 0) return false;
  OGRAxisOrientation first = OAO_Other;
  OGRAxisOrientation second = OAO_Other;
  srs.GetAxis(nullptr, map[0] - 1, &first);
  srs.GetAxis(nullptr, map[1] - 1, &second);
  return first == OAO_East && second == OAO_North;
}

std::string format_double(double d) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

std::string iso_date(int y, int m, int d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

std::string iso_datetime(const OGRFeature& f, int i) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, tz = 0;
  float sec = 0;
  f.GetFieldAsDateTime(i, &y, &mo, &d, &h, &mi, &sec, &tz);
  char buf[64];
  if (y == 0 && mo == 0 && d == 0) {  // a time of day alone (GPX hands one back like this)
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", h, mi, static_cast<int>(sec));
    return buf;
  }
  double whole = std::floor(static_cast<double>(sec));
  if (static_cast<double>(sec) == whole)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi,
                  static_cast<int>(whole));
  else
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%06.3f", y, mo, d, h, mi,
                  static_cast<double>(sec));
  std::string out = buf;
  if (tz == 100) {
    out += 'Z';
  } else if (tz > 1) {  // 100 + 15-minute steps from UTC
    int minutes = (tz - 100) * 15;
    char sign = minutes < 0 ? '-' : '+';
    minutes = std::abs(minutes);
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, minutes / 60, minutes % 60);
    out += buf;
  }
  return out;
}

core::Value read_value(const OGRFeature& f, int i) {
  if (!f.IsFieldSetAndNotNull(i)) return std::monostate{};
  const OGRFieldDefn* fd = f.GetFieldDefnRef(i);
  switch (fd->GetType()) {
    case OFTInteger:
      if (fd->GetSubType() == OFSTBoolean) return f.GetFieldAsInteger(i) != 0;
      return static_cast<std::int64_t>(f.GetFieldAsInteger(i));
    case OFTInteger64: return static_cast<std::int64_t>(f.GetFieldAsInteger64(i));
    case OFTReal: return f.GetFieldAsDouble(i);
    case OFTDate: {
      int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, tz = 0;
      f.GetFieldAsDateTime(i, &y, &mo, &d, &h, &mi, &s, &tz);
      return iso_date(y, mo, d);
    }
    case OFTDateTime: return iso_datetime(f, i);
    case OFTIntegerList: {
      int n = 0;
      const int* v = f.GetFieldAsIntegerList(i, &n);
      std::string out;
      for (int k = 0; k < n; ++k) out += (k ? "," : "") + std::to_string(v[k]);
      return out;
    }
    case OFTInteger64List: {
      int n = 0;
      const GIntBig* v = f.GetFieldAsInteger64List(i, &n);
      std::string out;
      for (int k = 0; k < n; ++k) out += (k ? "," : "") + std::to_string(v[k]);
      return out;
    }
    case OFTRealList: {
      int n = 0;
      const double* v = f.GetFieldAsDoubleList(i, &n);
      std::string out;
      for (int k = 0; k < n; ++k) out += (k ? "," : "") + format_double(v[k]);
      return out;
    }
    case OFTStringList: {
      std::string out;
      char** v = f.GetFieldAsStringList(i);
      for (int k = 0; v && v[k]; ++k) out += (k ? "," : "") + std::string(v[k]);
      return out;
    }
    default: return std::string(f.GetFieldAsString(i));
  }
}

std::string type_name(OGRwkbGeometryType t) {
  switch (t) {
    case wkbGeometryCollection: return "GeometryCollection";
    case wkbPolyhedralSurface: return "PolyhedralSurface";
    case wkbTIN: return "TIN";
    case wkbTriangle: return "Triangle";
    default: {
      const char* name = OGRGeometryTypeToName(t);
      return name ? name : "geometry of an unknown type";
    }
  }
}

bool simple_type(OGRwkbGeometryType t) {
  return t == wkbPoint || t == wkbLineString || t == wkbPolygon || t == wkbMultiPoint ||
         t == wkbMultiLineString || t == wkbMultiPolygon;
}

}  // namespace

struct FeatureSource::Impl {
  std::string path;
  DatasetPtr ds;
  OGRLayer* layer = nullptr;
  std::string driver;
  std::vector<std::string> layers;
  std::vector<std::string> columns;
  std::vector<int> fields;  // the OGR field of each column
  bool spatial = false;
  // CSV: the columns GDAL made the geometry from (hidden from columns()), or -1.
  int wkt_field = -1;
  int lon_field = -1;
  int lat_field = -1;
  // --geometry: the geometry is built from those columns, not taken from GDAL.
  bool own_geometry = false;
  std::string crs;
  TransformPtr transform;  // null: coordinates are WGS 84 lon/lat already
  std::int64_t next_index = 0;
  std::vector<std::string> warnings;
  std::size_t dropped = 0;

  void warn(const std::string& msg) { detail::add_warning(warnings, dropped, msg); }
  void choose_layer(const std::string& name);
  void set_up_crs(const std::string& user_crs);
  void set_up_columns(const SourceOptions& opt);
  void own_geometry_of(const OGRFeature& f, SourceFeature& out) const;
  void read_geometry(OGRGeometry* g, SourceFeature& out) const;
  std::string geometry_columns_error(const OGRFeature& f) const;
};

void FeatureSource::Impl::set_up_columns(const SourceOptions& opt) {
  const OGRFeatureDefn& defn = *layer->GetLayerDefn();
  if (own_geometry) {
    auto field = [&](const std::string& name) {
      int i = defn.GetFieldIndex(name.c_str());
      if (i < 0) i = find_field(defn, {lower(name)});
      if (i < 0) {
        std::vector<std::string> all;
        for (int k = 0; k < defn.GetFieldCount(); ++k)
          all.push_back(defn.GetFieldDefn(k)->GetNameRef());
        throw core::InputError(
            "--geometry", "no column " + in_quotes(name) + " in the file; columns: " + join(all));
      }
      return i;
    };
    if (!opt.wkt_column.empty()) {
      wkt_field = field(opt.wkt_column);
    } else {
      lon_field = field(opt.lon_column);
      lat_field = field(opt.lat_column);
    }
  } else if (driver == "CSV" && spatial) {
    // As GDAL does: a lon/lat pair wins over a WKT column.
    lon_field = find_field(defn, kLonNames);
    lat_field = find_field(defn, kLatNames);
    if (lon_field < 0 || lat_field < 0) {
      lon_field = lat_field = -1;
      wkt_field = find_field(defn, kWktNames);
    }
  }
  for (int i = 0; i < defn.GetFieldCount(); ++i) {
    if (i == wkt_field || i == lon_field || i == lat_field) continue;
    fields.push_back(i);
    columns.push_back(defn.GetFieldDefn(i)->GetNameRef());
  }
  if (driver == "GPX") {  // GDAL writes extension fields as <ogr:x>, reads them as "ogr_x"
    for (auto& c : columns) {
      if (c.rfind("ogr_", 0) != 0) continue;
      std::string bare = c.substr(4);
      if (std::find(columns.begin(), columns.end(), bare) == columns.end()) c = bare;
    }
  }
}

// Why a row has no geometry although its geometry columns (CSV, --geometry) are not
// empty; "" if they are.
std::string FeatureSource::Impl::geometry_columns_error(const OGRFeature& f) const {
  const auto set = [&](int i) { return i >= 0 && f.IsFieldSetAndNotNull(i); };
  const auto name = [&](int i) { return std::string(f.GetFieldDefnRef(i)->GetNameRef()); };
  if (set(wkt_field))
    return "cannot read the WKT of column " + name(wkt_field) + ": " +
           excerpt(f.GetFieldAsString(wkt_field));
  if (set(lon_field) || set(lat_field)) {
    std::string out = "cannot read a point from";
    for (int i : {lon_field, lat_field})
      if (i >= 0)
        out += (i == lon_field ? " " : ", ") + name(i) + "=" +
               (set(i) ? excerpt(f.GetFieldAsString(i)) : std::string("(empty or not a number)"));
    return out;
  }
  return "";
}

void FeatureSource::Impl::choose_layer(const std::string& name) {
  for (int i = 0; i < ds->GetLayerCount(); ++i) layers.push_back(ds->GetLayer(i)->GetName());
  if (layers.empty()) throw core::InputError(path, "has no vector layers");
  if (!name.empty()) {
    layer = ds->GetLayerByName(name.c_str());
    if (!layer)
      throw core::InputError(path,
                             "has no layer " + in_quotes(name) + "; its layers: " + join(layers));
    return;
  }
  std::vector<std::string> with_features;
  for (int i = 0; i < ds->GetLayerCount(); ++i) {
    OGRLayer* l = ds->GetLayer(i);
    l->ResetReading();
    OGRFeatureUniquePtr f(l->GetNextFeature());
    l->ResetReading();
    if (f) {
      if (!layer) layer = l;
      with_features.push_back(l->GetName());
    }
  }
  if (!layer) layer = ds->GetLayer(0);
  if (with_features.size() > 1)
    warn(std::to_string(with_features.size()) + " layers have features (" + join(with_features) +
         "); reading " + in_quotes(layer->GetName()) + " (choose another with --layer)");
}

void FeatureSource::Impl::set_up_crs(const std::string& user_crs) {
  OGRSpatialReference user;
  if (!user_crs.empty()) {
    detail::GdalMessages msgs;
    if (user.SetFromUserInput(user_crs.c_str(),
                              OGRSpatialReference::SET_FROM_USER_INPUT_LIMITATIONS_get()) !=
        OGRERR_NONE)
      throw core::InputError("--crs", in_quotes(user_crs) + " is not a CRS PROJ knows (" +
                                          msgs.message("unrecognised") + ")");
    user.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  }
  spatial = own_geometry || layer->GetLayerDefn()->GetGeomFieldCount() > 0;
  if (!spatial) return;

  const OGRSpatialReference target = wgs84();
  // The layer's SRS carries the driver's data axis mapping (traditional lon/lat order for
  // every OGR vector driver), which the transformation must honour: keep it as it is.
  // Coordinates from columns (--geometry) are in --crs, or WGS 84.
  const OGRSpatialReference* file_srs = own_geometry ? nullptr : layer->GetSpatialRef();
  const OGRSpatialReference* source = nullptr;
  if (file_srs) {
    source = file_srs;
    const char* const same[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES",
                                "CRITERION=EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS", nullptr};
    if (!user_crs.empty() && !file_srs->IsSame(&user, same))
      warn("the file declares its CRS (" + describe(*file_srs) + "): --crs " + user_crs +
           " ignored");
  } else if (!user_crs.empty()) {
    source = &user;
  } else if (driver == "CSV" || own_geometry) {
    source = &target;
    warn(std::string(own_geometry ? "the file declares no CRS for the geometry columns"
                                  : "the CSV file declares no CRS") +
         ": coordinates read as WGS 84 longitude/latitude (give --crs if they are not)");
  } else {
    throw core::InputError(path, "has no CRS; give --crs");
  }
  crs = describe(*source);
  if (is_wgs84_lonlat(*source, target)) return;
  detail::GdalMessages msgs;
  transform.reset(OGRCreateCoordinateTransformation(source, &target));
  if (!transform)
    throw core::InputError(path, "cannot transform from " + crs +
                                     " to WGS 84: " + msgs.message("no transformation found"));
}

void FeatureSource::Impl::read_geometry(OGRGeometry* raw, SourceFeature& out) const {
  OGRGeometryUniquePtr g(raw);
  if (!g || g->IsEmpty()) return;
  OGRwkbGeometryType t = OGR_GT_Flatten(g->getGeometryType());
  if (OGR_GT_IsNonLinear(t) || g->hasCurveGeometry(TRUE)) {
    g.reset(g->getLinearGeometry());
    if (!g) {
      out.geometry_error = "cannot linearise a " + type_name(t);
      return;
    }
    t = OGR_GT_Flatten(g->getGeometryType());
  }
  if (!simple_type(t)) {
    out.geometry_error = "a " + type_name(t) + ": not supported";
    return;
  }
  g->flattenTo2D();
  g->setMeasured(FALSE);
  if (transform) {
    detail::GdalMessages msgs;
    if (g->transform(transform.get()) != OGRERR_NONE) {
      out.geometry_error =
          "cannot transform from " + crs + " to WGS 84: " + msgs.message("out of range");
      return;
    }
  }
  std::string wkb(g->WkbSize(), '\0');
  g->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(wkb.data()), wkbVariantIso);
  try {
    out.geometry = geo::from_wkb(wkb);
  } catch (const core::InputError& e) {
    out.geometry = {};
    out.geometry_error = e.what();
  }
}

// The geometry of a row from its columns (--geometry): WKT, or a longitude and a latitude
// as numbers or as text. Empty cells: no geometry; anything unreadable: geometry_error.
void FeatureSource::Impl::own_geometry_of(const OGRFeature& f, SourceFeature& out) const {
  const auto set = [&](int i) { return f.IsFieldSetAndNotNull(i) && *f.GetFieldAsString(i); };
  OGRGeometry* g = nullptr;
  if (wkt_field >= 0) {
    if (!set(wkt_field)) return;
    detail::GdalMessages msgs;
    if (OGRGeometryFactory::createFromWkt(f.GetFieldAsString(wkt_field), nullptr, &g) !=
            OGRERR_NONE ||
        !g) {
      OGRGeometryFactory::destroyGeometry(g);
      out.geometry_error = geometry_columns_error(f);
      return;
    }
  } else {
    if (!set(lon_field) && !set(lat_field)) return;
    const auto number = [&](int i) -> std::optional<double> {
      if (!set(i)) return std::nullopt;
      const OGRFieldType t = f.GetFieldDefnRef(i)->GetType();
      if (t == OFTReal || t == OFTInteger || t == OFTInteger64) return f.GetFieldAsDouble(i);
      const char* text = f.GetFieldAsString(i);
      char* end = nullptr;
      const double v = std::strtod(text, &end);
      if (end == text || *end != '\0' || !std::isfinite(v)) return std::nullopt;
      return v;
    };
    const auto x = number(lon_field), y = number(lat_field);
    if (!x || !y) {
      out.geometry_error = geometry_columns_error(f);
      return;
    }
    g = new OGRPoint(*x, *y);
  }
  read_geometry(g, out);
}

void set_geometry_option(SourceOptions& opt, const std::string& text) {
  const auto eq = text.find('=');
  const std::string kind = text.substr(0, eq),
                    cols = eq == std::string::npos ? "" : text.substr(eq + 1);
  opt.wkt_column.clear();
  opt.lon_column.clear();
  opt.lat_column.clear();
  if (kind == "wkt" && !cols.empty() && cols.find(',') == std::string::npos) {
    opt.wkt_column = cols;
    return;
  }
  const auto comma = cols.find(',');
  if (kind == "lonlat" && comma != std::string::npos && comma > 0 && comma + 1 < cols.size() &&
      cols.find(',', comma + 1) == std::string::npos) {
    opt.lon_column = cols.substr(0, comma);
    opt.lat_column = cols.substr(comma + 1);
    return;
  }
  throw core::InputError("--geometry",
                         in_quotes(text) + " is not wkt=COLUMN or lonlat=LON_COLUMN,LAT_COLUMN");
}

FeatureSource::FeatureSource(const std::string& path, const SourceOptions& opt)
    : m(std::make_unique<Impl>()) {
  detail::gdal_init();
  m->path = path;
  m->ds = open_dataset(path, path == "-" ? std::string("/vsistdin/") : path);
  m->driver = m->ds->GetDriver() ? m->ds->GetDriver()->GetDescription() : "";
  m->choose_layer(opt.layer);
  m->own_geometry = !opt.wkt_column.empty() || !opt.lon_column.empty();
  m->set_up_crs(opt.crs);

  m->set_up_columns(opt);
  m->layer->ResetReading();
}

FeatureSource::~FeatureSource() = default;
FeatureSource::FeatureSource(FeatureSource&&) noexcept = default;
FeatureSource& FeatureSource::operator=(FeatureSource&&) noexcept = default;

const std::vector<std::string>& FeatureSource::columns() const {
  return m->columns;
}

std::optional<std::int64_t> FeatureSource::count() {
  detail::GdalMessages msgs;
  GIntBig n = m->layer->GetFeatureCount(FALSE);
  if (n < 0) return std::nullopt;
  return static_cast<std::int64_t>(n);
}

bool FeatureSource::next(SourceFeature& f) {
  detail::GdalMessages msgs;
  OGRFeatureUniquePtr feat(m->layer->GetNextFeature());
  const std::string where = "feature " + std::to_string(m->next_index);
  if (!feat) {
    if (!msgs.failure().empty()) throw core::InputError(m->path, where + ": " + msgs.failure());
    return false;
  }
  f.index = m->next_index++;
  f.values.resize(m->fields.size());
  for (std::size_t i = 0; i < m->fields.size(); ++i) f.values[i] = read_value(*feat, m->fields[i]);
  f.geometry = {};
  f.geometry_error.clear();
  if (m->own_geometry) {
    m->own_geometry_of(*feat, f);
  } else if (m->spatial) {
    OGRGeometry* g = feat->StealGeometry(0);
    if (!g && !msgs.failure().empty())
      f.geometry_error = "cannot read the geometry: " + msgs.failure();
    else if (!g && m->driver == "CSV")
      f.geometry_error = m->geometry_columns_error(*feat);
    else
      m->read_geometry(g, f);
  }
  for (const auto& w : msgs.warnings()) m->warn(where + ": " + w);
  if (!msgs.failure().empty() && f.geometry_error.empty()) m->warn(where + ": " + msgs.failure());
  return true;
}

std::string FeatureSource::layer_name() const {
  return m->layer->GetName();
}
const std::vector<std::string>& FeatureSource::layers() const {
  return m->layers;
}
std::string FeatureSource::driver() const {
  return m->driver;
}
std::string FeatureSource::crs() const {
  return m->crs;
}

std::vector<std::string> FeatureSource::warnings() const {
  std::vector<std::string> out = m->warnings;
  if (m->dropped) out.push_back("... and " + std::to_string(m->dropped) + " more warnings");
  return out;
}

}  // namespace minemap::io
