// Writing vector files through GDAL/OGR; see gdal_sink.hpp.
#include "io/gdal_sink.hpp"

// GDAL's headers come in as system headers (imported target), so -Werror does not see them.
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_priv.h>
#include <ogr_core.h>
#include <ogr_feature.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <stdexcept>
#include <system_error>

#include "core/errors.hpp"
#include "geo/wkb.hpp"
#include "io/gdal_source.hpp"  // detail::gdal_init, GdalMessages

namespace minemap::io {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string in_quotes(const std::string& s) {
  return "\"" + s + "\"";
}

struct FormatInfo {
  SinkFormat format;
  const char* name;    // --format value
  const char* driver;  // GDAL short name
  const char* ext;     // canonical extension
};

constexpr FormatInfo kFormats[] = {
    {SinkFormat::GeoJson, "geojson", "GeoJSON", ".geojson"},
    {SinkFormat::Gpkg, "gpkg", "GPKG", ".gpkg"},
    {SinkFormat::Shp, "shp", "ESRI Shapefile", ".shp"},
    {SinkFormat::Kml, "kml", "KML", ".kml"},
    {SinkFormat::Csv, "csv", "CSV", ".csv"},
    {SinkFormat::Fgb, "fgb", "FlatGeobuf", ".fgb"},
    {SinkFormat::Gpx, "gpx", "GPX", ".gpx"},
};

const FormatInfo& info(SinkFormat f) {
  for (const auto& i : kFormats)
    if (i.format == f) return i;
  throw std::invalid_argument("unknown SinkFormat");
}

const char* const kFormatList = "geojson, gpkg, shp, kml, csv, fgb, gpx";

OGRwkbGeometryType wkb_type(core::GeomType g) {
  switch (g) {
    case core::GeomType::None: return wkbNone;
    case core::GeomType::Point: return wkbPoint;
    case core::GeomType::LineString: return wkbLineString;
    case core::GeomType::Polygon: return wkbPolygon;
    case core::GeomType::MultiPoint: return wkbMultiPoint;
    case core::GeomType::MultiLineString: return wkbMultiLineString;
    case core::GeomType::MultiPolygon: return wkbMultiPolygon;
  }
  return wkbUnknown;
}

const char* geom_name(core::GeomType g) {
  switch (g) {
    case core::GeomType::None: return "no geometry";
    case core::GeomType::Point: return "Point";
    case core::GeomType::LineString: return "LineString";
    case core::GeomType::Polygon: return "Polygon";
    case core::GeomType::MultiPoint: return "MultiPoint";
    case core::GeomType::MultiLineString: return "MultiLineString";
    case core::GeomType::MultiPolygon: return "MultiPolygon";
  }
  return "geometry";
}

bool has_word(const char* list, const char* word) {
  if (!list) return false;
  const CPLStringList words(CSLTokenizeString(list));
  return words.FindString(word) >= 0;
}

// `g` in the layer's type: single -> Multi* with one part, one-part Multi* -> single.
core::Geometry fit(const core::Geometry& g, core::GeomType layer) {
  using core::GeomType;
  if (g.type == layer) return g;
  core::Geometry out = g;
  out.type = layer;
  const auto single = [](GeomType t) {
    return t == GeomType::Point || t == GeomType::LineString || t == GeomType::Polygon;
  };
  const auto multi_of = [](GeomType t) { return static_cast<GeomType>(static_cast<int>(t) + 3); };
  bool one_part = g.points.size() + g.lines.size() + g.polygons.size() == 1;
  if ((single(g.type) && multi_of(g.type) == layer) ||
      (single(layer) && multi_of(layer) == g.type && one_part))
    return out;
  throw core::InputError("geometry", std::string("a ") + geom_name(g.type) + " does not fit a " +
                                         geom_name(layer) + " layer");
}

template <typename T>
bool parse_number(const std::string& s, T& out) {
  const char* end = s.data() + s.size();
  auto res = std::from_chars(s.data(), end, out);
  return res.ec == std::errc() && res.ptr == end && !s.empty();
}

// An integer column's value as write() converts it: false when it is not one.
bool integer_of(const core::Value& v, std::int64_t& n) {
  if (const auto* p = std::get_if<std::int64_t>(&v)) {
    n = *p;
    return true;
  }
  if (const auto* d = std::get_if<double>(&v)) {
    if (!(std::trunc(*d) == *d && std::fabs(*d) < 9.2e18)) return false;
    n = static_cast<std::int64_t>(*d);
    return true;
  }
  const auto* s = std::get_if<std::string>(&v);
  return s && parse_number(*s, n);
}

// The widths GDAL gives shapefile columns: text at most 254 bytes, 64-bit integers 18
// digits; resizing on close never widens a column, and never below 1.
constexpr std::size_t kShpTextWidth = 254;
constexpr std::size_t kShpIntegerWidth = 18;

}  // namespace

SinkFormat sink_format(const std::string& name, const std::string& path) {
  if (!name.empty()) {
    const std::string n = lower(name);
    for (const auto& i : kFormats)
      if (n == i.name) return i.format;
    throw core::InputError("--format", in_quotes(name) + " is not one of " + kFormatList);
  }
  const std::string ext = lower(fs::path(path).extension().string());
  if (ext == ".json") return SinkFormat::GeoJson;
  if (ext == ".kmz") return SinkFormat::Kml;
  for (const auto& i : kFormats)
    if (ext == i.ext) return i.format;
  throw core::InputError("--format", "cannot tell the format from " + in_quotes(path) +
                                         ": give one of " + kFormatList);
}

std::string_view to_string(SinkFormat f) {
  return info(f).name;
}

std::size_t sink_width(const core::Value& v, core::FieldType type) {
  using core::FieldType;
  if (std::holds_alternative<std::monostate>(v)) return 0;
  switch (type) {
    case FieldType::Real:
    case FieldType::Boolean: return 0;
    case FieldType::Integer: {
      std::int64_t n = 0;
      if (!integer_of(v, n)) return 0;  // write() refuses it
      char digits[24];
      return static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, n).ptr -
                                      digits);
    }
    default:
      if (const auto* s = std::get_if<std::string>(&v)) return s->size();
      return core::value_to_text(v).size();
  }
}

struct FeatureSink::Impl {
  struct Column {
    std::string name;
    core::FieldType type;
    int index = -1;  // field index in the layer
    OGRFieldType ogr = OFTString;
    bool boolean = false;  // Boolean column (OFSTBoolean or 0/1 integer)
  };

  fs::path final_path;
  fs::path tmp_dir;
  fs::path tmp_main;  // the main file inside tmp_dir
  SinkFormat format = SinkFormat::GeoJson;
  core::GeomType geom = core::GeomType::None;
  bool overwrite = false;
  GDALDataset* ds = nullptr;
  OGRLayer* layer = nullptr;
  // One feature, filled anew for every write (each column and the geometry are set).
  std::unique_ptr<OGRFeature> feature;
  std::vector<Column> columns;
  std::int64_t written = 0;
  bool failed = false;
  bool closed = false;
  bool in_transaction = false;  // the features' transaction, committed by close()
  std::vector<std::string> warnings;
  std::size_t dropped = 0;
  std::vector<std::string> published;  // the files close() moved into place

  std::string where() const { return final_path.string(); }
  void warn(const std::string& msg) { detail::add_warning(warnings, dropped, msg); }
  void take_warnings(const detail::GdalMessages& msgs) {
    for (const auto& w : msgs.warnings()) warn(w);
  }
  void close_dataset() {
    feature.reset();
    if (ds) GDALClose(GDALDataset::ToHandle(ds));
    ds = nullptr;
    layer = nullptr;
  }
  void discard() {
    detail::GdalMessages quiet;
    close_dataset();
    if (!tmp_dir.empty()) {
      std::error_code ec;
      fs::remove_all(tmp_dir, ec);
      tmp_dir.clear();
    }
  }
  [[noreturn]] void fail_storage(const std::string& what) {
    discard();
    throw core::StorageError(where() + ": " + what);
  }
  void create(const std::string& layer_name, const std::vector<SinkColumn>& cols);
  void set_value(OGRFeature& f, const Column& c, const core::Value& v) const;
  void publish();
};

void FeatureSink::Impl::create(const std::string& layer_name, const std::vector<SinkColumn>& cols) {
  const FormatInfo& fi = info(format);
  const std::string ext = lower(final_path.extension().string());
  const bool kmz = format == SinkFormat::Kml && ext == ".kmz";
  const char* driver_name = kmz ? "LIBKML" : fi.driver;
  GDALDriver* drv = GetGDALDriverManager()->GetDriverByName(driver_name);
  if (!drv) throw core::StorageError(std::string("GDAL has no ") + driver_name + " driver");

  // The temporary directory, beside the output so that the final rename stays on one
  // file system.
  fs::path parent = final_path.parent_path();
  if (parent.empty()) parent = ".";
  std::string tmpl = (parent / ("." + final_path.filename().string() + ".tmp-XXXXXX")).string();
  if (!mkdtemp(tmpl.data()))
    throw core::StorageError(
        where() + ": cannot create a temporary directory beside it: " + std::strerror(errno));
  tmp_dir = tmpl;
  // Drivers that decide between a file and a directory by the extension need theirs.
  std::string main_name = final_path.filename().string();
  const bool ext_ok = ext == fi.ext || (format == SinkFormat::GeoJson && ext == ".json") || kmz;
  if (!ext_ok) main_name += fi.ext;
  tmp_main = tmp_dir / main_name;

  const bool sized = std::all_of(cols.begin(), cols.end(),
                                 [](const SinkColumn& c) { return c.width.has_value(); });
  CPLStringList dsco;
  CPLStringList lco;
  switch (format) {
    case SinkFormat::GeoJson:
      lco.SetNameValue("RFC7946", "NO");  // full precision (15 decimals), "crs" member
      lco.SetNameValue("WRITE_BBOX", "NO");
      break;
    case SinkFormat::Gpkg: break;
    case SinkFormat::Shp:
      lco.SetNameValue("ENCODING", "UTF-8");
      // Without the widths, text columns are created 254 wide and shrunk on close.
      if (!sized) lco.SetNameValue("RESIZE", "YES");
      break;
    case SinkFormat::Kml: break;
    case SinkFormat::Csv:
      if (geom != core::GeomType::None) lco.SetNameValue("GEOMETRY", "AS_WKT");
      // GDAL 3.6 quotes integer values too, so quoting alone cannot carry the types: a .csvt
      // sidecar does (GDAL and QGIS read it); strings that look like numbers stay quoted
      // for the tools that do not.
      lco.SetNameValue("CREATE_CSVT", "YES");
      lco.SetNameValue("STRING_QUOTING", "IF_AMBIGUOUS");
      break;
    case SinkFormat::Fgb: lco.SetNameValue("SPATIAL_INDEX", "YES"); break;
    case SinkFormat::Gpx:
      dsco.SetNameValue("GPX_USE_EXTENSIONS", "YES");
      if (geom == core::GeomType::LineString) lco.SetNameValue("FORCE_GPX_TRACK", "YES");
      break;
  }

  detail::GdalMessages msgs;
  ds = drv->Create(tmp_main.c_str(), 0, 0, 0, GDT_Unknown, dsco.List());
  if (!ds) fail_storage("cannot create: " + msgs.message("GDAL refused"));
  // The spatial index is built on close, an R-tree insert per feature reading its nodes
  // back: SQLite's default cache (2 MiB) sends most of those reads to the file.
  if (format == SinkFormat::Gpkg)
    ds->ReleaseResultSet(ds->ExecuteSQL("PRAGMA cache_size = -65536", nullptr, nullptr));
  OGRSpatialReference srs;
  srs.importFromEPSG(4326);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const std::string name = layer_name.empty() ? final_path.stem().string() : layer_name;
  layer = ds->CreateLayer(name.c_str(), geom == core::GeomType::None ? nullptr : &srs,
                          wkb_type(geom), lco.List());
  if (!layer) fail_storage("cannot create layer " + in_quotes(name) + ": " + msgs.message("?"));

  const char* types = drv->GetMetadataItem(GDAL_DMD_CREATIONFIELDDATATYPES);
  const char* subtypes = drv->GetMetadataItem(GDAL_DMD_CREATIONFIELDDATASUBTYPES);
  // No list (GPX): extensions are text, read back as 32-bit integers when they look so.
  const bool int64 = has_word(types, "Integer64");
  const bool booleans = has_word(subtypes, "Boolean");
  for (const auto& sc : cols) {
    Column c{sc.name, sc.type};
    switch (sc.type) {
      case core::FieldType::Integer: c.ogr = int64 ? OFTInteger64 : OFTInteger; break;
      case core::FieldType::Real: c.ogr = OFTReal; break;
      case core::FieldType::Boolean:
        c.ogr = OFTInteger;
        c.boolean = true;
        break;
      default: c.ogr = OFTString; break;
    }
    OGRFieldDefn fd(sc.name.c_str(), c.ogr);
    if (c.boolean && booleans) fd.SetSubType(OFSTBoolean);
    if (format == SinkFormat::Shp) {
      // The widths RESIZE would leave: the widest value, at least 1.
      const auto fitted = [&](std::size_t most) {
        return static_cast<int>(sized ? std::clamp<std::size_t>(*sc.width, 1, most) : most);
      };
      if (c.ogr == OFTString) fd.SetWidth(fitted(kShpTextWidth));
      if (c.boolean) fd.SetWidth(1);
      if (c.ogr == OFTInteger64 && sized) fd.SetWidth(fitted(kShpIntegerWidth));
    }
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    const int before = defn->GetFieldCount();
    if (layer->CreateField(&fd, TRUE) != OGRERR_NONE)
      fail_storage("cannot create column " + in_quotes(sc.name) + ": " + msgs.message("?"));
    defn = layer->GetLayerDefn();
    // GPX maps names of its own elements (name, desc, ele, ...) onto existing fields.
    c.index = defn->GetFieldCount() == before + 1 ? before : defn->GetFieldIndex(sc.name.c_str());
    if (c.index < 0) fail_storage("cannot create column " + in_quotes(sc.name));
    const std::string actual = defn->GetFieldDefn(c.index)->GetNameRef();
    if (actual != sc.name)
      warn("column " + in_quotes(sc.name) + " written as " + in_quotes(actual) + " (" +
           std::string(driver_name) + ")");
    columns.push_back(std::move(c));
  }
  // One transaction for all the features where the driver has them (GeoPackage):
  // otherwise SQLite commits, and syncs the file, after every feature.
  if (ds->TestCapability(ODsCTransactions) && ds->StartTransaction(FALSE) == OGRERR_NONE)
    in_transaction = true;
  take_warnings(msgs);
}

void FeatureSink::Impl::set_value(OGRFeature& f, const Column& c, const core::Value& v) const {
  const int i = c.index;
  if (std::holds_alternative<std::monostate>(v)) {
    f.SetFieldNull(i);
    return;
  }
  const auto bad = [&](const std::string& why) { throw core::InputError(c.name, why); };
  if (c.ogr == OFTString) {
    f.SetField(i, core::value_to_text(v).c_str());
    return;
  }
  if (c.boolean) {
    bool b = false;
    if (const auto* p = std::get_if<bool>(&v)) {
      b = *p;
    } else if (const auto* n = std::get_if<std::int64_t>(&v); n && (*n == 0 || *n == 1)) {
      b = *n == 1;
    } else if (const auto* s = std::get_if<std::string>(&v); s && (*s == "true" || *s == "1")) {
      b = true;
    } else if (s && (*s == "false" || *s == "0")) {
      b = false;
    } else {
      bad(in_quotes(core::value_to_text(v)) + " is not a boolean");
    }
    f.SetField(i, b ? 1 : 0);
    return;
  }
  if (c.ogr == OFTReal) {
    double d = 0;
    if (const auto* p = std::get_if<double>(&v))
      d = *p;
    else if (const auto* n = std::get_if<std::int64_t>(&v))
      d = static_cast<double>(*n);
    else if (const auto* s = std::get_if<std::string>(&v); !(s && parse_number(*s, d)))
      bad(in_quotes(core::value_to_text(v)) + " is not a number");
    f.SetField(i, d);
    return;
  }
  // Integer columns (64-bit, or 32-bit where the format has no 64-bit integers).
  std::int64_t n = 0;
  if (!integer_of(v, n)) {
    const std::string text = core::value_to_text(v);
    bad((std::holds_alternative<double>(v) ? text : in_quotes(text)) + " is not an integer");
  }
  if (c.ogr == OFTInteger64) {
    f.SetField(i, static_cast<GIntBig>(n));
    return;
  }
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max())
    bad(std::to_string(n) + " is too large for the 32-bit integers of " +
        std::string(to_string(format)));
  f.SetField(i, static_cast<int>(n));
}

void check_sink_target(const std::string& path, SinkFormat format, core::GeomType geom,
                       bool overwrite) {
  using core::GeomType;
  if (format == SinkFormat::Gpx) {
    if (geom == GeomType::Polygon || geom == GeomType::MultiPolygon)
      throw core::InputError("--format", "GPX holds points and lines, not polygons");
    if (geom == GeomType::MultiPoint)
      throw core::InputError("--format", "GPX holds points and lines, not multipoints");
    if (geom == GeomType::None)
      throw core::InputError("--format", "GPX holds points and lines, not bare attributes");
  }
  if (format == SinkFormat::Fgb && geom == GeomType::None)
    throw core::InputError("--format", "FlatGeobuf holds geometries, not bare attributes");
  const fs::path target = path;
  if (format == SinkFormat::Shp && lower(target.extension().string()) != ".shp")
    throw core::InputError("--format", "a shapefile's name ends in .shp, not " + in_quotes(path));
  std::error_code ec;
  if (fs::is_directory(target, ec)) throw core::StorageError(path + ": is a directory");
  if (!overwrite && fs::exists(target, ec))
    throw core::Conflict(path + ": already exists (use --overwrite to replace it)");
  fs::path parent = target.parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw core::StorageError(path + ": cannot create it: no directory " +
                             in_quotes(parent.string()));
}

FeatureSink::FeatureSink(const std::string& path, SinkFormat format, const std::string& layer,
                         core::GeomType geom, const std::vector<SinkColumn>& columns,
                         bool overwrite)
    : m(std::make_unique<Impl>()) {
  detail::gdal_init();
  m->final_path = path;
  m->format = format;
  m->geom = geom;
  m->overwrite = overwrite;
  check_sink_target(path, format, geom, overwrite);
  m->create(layer, columns);
}

FeatureSink::~FeatureSink() {
  if (!m->closed) m->discard();
}

void FeatureSink::write(const std::vector<core::Value>& values, const core::Geometry& g) {
  if (m->closed || !m->layer) throw std::logic_error("FeatureSink::write after close");
  if (values.size() != m->columns.size())
    throw std::invalid_argument("FeatureSink::write: " + std::to_string(values.size()) +
                                " values for " + std::to_string(m->columns.size()) + " columns");
  if (!m->feature) m->feature = std::make_unique<OGRFeature>(m->layer->GetLayerDefn());
  OGRFeature& f = *m->feature;
  f.SetFID(OGRNullFID);  // CreateFeature set the last one's
  f.SetGeometryDirectly(nullptr);
  for (std::size_t i = 0; i < values.size(); ++i) m->set_value(f, m->columns[i], values[i]);

  if (g.type != core::GeomType::None && !g.empty()) {
    if (m->geom == core::GeomType::None)
      throw core::InputError("geometry", "this output holds no geometries");
    const std::string wkb = geo::to_wkb(fit(g, m->geom));
    OGRGeometry* og = nullptr;
    if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &og, wkb.size(), wkbVariantIso) !=
            OGRERR_NONE ||
        !og)
      throw core::InputError("geometry", "GDAL cannot read it back");
    f.SetGeometryDirectly(og);
  } else if (m->format == SinkFormat::Gpx) {
    throw core::InputError("geometry", "GPX cannot hold a feature without geometry");
  } else if (m->format == SinkFormat::Fgb) {  // GDAL 3.6 would skip it without a word
    throw core::InputError("geometry", "FlatGeobuf cannot hold a feature without geometry");
  }

  detail::GdalMessages msgs;
  if (m->layer->CreateFeature(&f) != OGRERR_NONE) {
    m->failed = true;
    throw core::StorageError(m->where() + ": cannot write feature " + std::to_string(m->written) +
                             ": " + msgs.message("GDAL refused"));
  }
  m->take_warnings(msgs);
  ++m->written;
}

void FeatureSink::Impl::publish() {
  // Every file the driver made (the main one, and for shapefiles .shx/.dbf/.prj/.cpg);
  // the main file goes last so that no reader sees it without its sidecars.
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(tmp_dir, ec)) {
    if (!e.is_regular_file()) fail_storage("GDAL wrote more than files: " + e.path().string());
    if (e.path() != tmp_main) files.push_back(e.path());
  }
  if (ec) fail_storage("cannot list " + tmp_dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (fs::exists(tmp_main)) files.push_back(tmp_main);
  if (files.empty()) fail_storage("GDAL wrote nothing");

  const fs::path parent =
      final_path.parent_path().empty() ? fs::path(".") : final_path.parent_path();
  std::vector<fs::path> targets;
  for (const auto& f : files) targets.push_back(f == tmp_main ? final_path : parent / f.filename());
  if (!overwrite) {
    for (const auto& t : targets) {
      if (fs::exists(t, ec)) {
        discard();
        throw core::Conflict(t.string() + ": already exists (use --overwrite to replace it)");
      }
    }
  } else {
    // Sidecars of an older output that this one does not replace would not match it.
    std::vector<const char*> sidecars;
    if (format == SinkFormat::Shp)
      sidecars = {".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qpj"};
    if (format == SinkFormat::Csv) sidecars = {".csvt", ".prj"};
    for (const char* ext : sidecars) {
      fs::path old = final_path;
      old.replace_extension(ext);
      if (std::find(targets.begin(), targets.end(), old) == targets.end()) fs::remove(old, ec);
    }
  }
  if (!fs::exists(tmp_main)) {
    if (format != SinkFormat::Shp) fail_storage("GDAL did not write " + tmp_main.string());
    warn("a shapefile without geometries is its .dbf alone: wrote " +
         in_quotes(targets.back().string()));
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    fs::rename(files[i], targets[i], ec);
    if (ec) {
      std::error_code ignored;
      for (std::size_t k = 0; k < i; ++k) fs::remove(targets[k], ignored);  // no stray sidecar
      fail_storage("cannot move " + files[i].string() + " into place: " + ec.message());
    }
  }
  for (const auto& t : targets) published.push_back(t.string());
  fs::remove_all(tmp_dir, ec);
  tmp_dir.clear();
}

void FeatureSink::close() {
  if (m->closed) return;
  if (m->failed) {
    m->discard();
    m->closed = true;
    throw core::StorageError(m->where() + ": not written, an earlier write failed");
  }
  {
    detail::GdalMessages msgs;
    if (m->in_transaction && m->ds->CommitTransaction() != OGRERR_NONE) {
      m->closed = true;
      m->fail_storage("cannot commit: " + msgs.message("GDAL refused"));
    }
    m->in_transaction = false;
    m->close_dataset();  // flushes: GeoPackages and FlatGeobuf build their spatial index, ...
    m->take_warnings(msgs);
    if (!msgs.failure().empty()) {
      m->closed = true;
      m->fail_storage("cannot finish writing: " + msgs.failure());
    }
  }
  m->closed = true;
  m->publish();
}

std::int64_t FeatureSink::written() const {
  return m->written;
}

const std::vector<std::string>& FeatureSink::files() const {
  return m->published;
}

std::vector<std::string> FeatureSink::warnings() const {
  std::vector<std::string> out = m->warnings;
  if (m->dropped) out.push_back("... and " + std::to_string(m->dropped) + " more warnings");
  return out;
}

}  // namespace minemap::io
