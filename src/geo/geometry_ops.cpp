// Validity, repair and overlay through the GEOS C API (reentrant `_r` functions,
// one context per thread), plus an exact point-in-polygon test in plain C++.
#include "geo/geometry_ops.hpp"

#define GEOS_USE_ONLY_R_API
#include <geos_c.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <new>
#include <utility>

#include "core/errors.hpp"
#include "geo/geodesy.hpp"

namespace minemap::geo {
namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;

// ---- GEOS context and ownership ----

// GEOS handles are not thread-safe: one per thread, created on first use and
// finished when the thread ends.
class Context {
 public:
  Context() : m_handle(GEOS_init_r()) {
    if (!m_handle) throw std::bad_alloc();
    GEOSContext_setErrorMessageHandler_r(m_handle, &Context::on_error, this);
  }
  ~Context() { GEOS_finish_r(m_handle); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  GEOSContextHandle_t handle() const { return m_handle; }
  std::string take_error() { return std::exchange(m_error, std::string()); }

 private:
  static void on_error(const char* message, void* self) {
    static_cast<Context*>(self)->m_error = message ? message : "unknown GEOS error";
  }
  GEOSContextHandle_t m_handle;
  std::string m_error;
};

Context& context() {
  thread_local Context c;
  return c;
}
GEOSContextHandle_t ctx() {
  return context().handle();
}

struct GeomDeleter {
  void operator()(GEOSGeometry* g) const noexcept { GEOSGeom_destroy_r(ctx(), g); }
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;

// Wraps a GEOS result; NULL means GEOS failed and reported why to the handler.
GeomPtr check(GEOSGeometry* g, const char* op) {
  if (!g)
    throw core::InputError("geometry", std::string(op) + " failed: " + context().take_error());
  return GeomPtr(g);
}

// ---- core::Geometry -> GEOS ----

GEOSCoordSequence* make_seq(const core::LineString& coords) {
  std::vector<double> buf;
  buf.reserve(coords.size() * 2);
  for (const auto& c : coords) {
    buf.push_back(c.x);
    buf.push_back(c.y);
  }
  GEOSCoordSequence* seq =
      GEOSCoordSeq_copyFromBuffer_r(ctx(), buf.data(), static_cast<unsigned>(coords.size()), 0, 0);
  if (!seq) throw core::InputError("geometry", "GEOS coordinates: " + context().take_error());
  return seq;
}

GeomPtr make_point(const Coord* c) {
  if (!c) return check(GEOSGeom_createEmptyPoint_r(ctx()), "empty point");
  return check(GEOSGeom_createPointFromXY_r(ctx(), c->x, c->y), "point");
}

GeomPtr make_line(const core::LineString& l) {
  if (l.empty()) return check(GEOSGeom_createEmptyLineString_r(ctx()), "empty line");
  // The sequence belongs to GEOS from here on, even when creation fails.
  return check(GEOSGeom_createLineString_r(ctx(), make_seq(l)), "line");
}

GeomPtr make_polygon(const core::Polygon& p) {
  if (p.empty()) return check(GEOSGeom_createEmptyPolygon_r(ctx()), "empty polygon");
  std::vector<GeomPtr> rings;
  for (const auto& r : p)
    rings.push_back(check(GEOSGeom_createLinearRing_r(ctx(), make_seq(r)), "ring"));
  // GEOS takes ownership of shell and holes even when it fails (GEOS ticket #1111).
  std::vector<GEOSGeometry*> holes;
  holes.reserve(rings.size() - 1);
  for (std::size_t i = 1; i < rings.size(); ++i) holes.push_back(rings[i].release());
  GEOSGeometry* poly = GEOSGeom_createPolygon_r(ctx(), rings[0].release(), holes.data(),
                                                static_cast<unsigned>(holes.size()));
  return check(poly, "polygon");
}

GeomPtr make_collection(int type, std::vector<GeomPtr> parts) {
  if (parts.empty()) return check(GEOSGeom_createEmptyCollection_r(ctx(), type), "collection");
  // GEOS takes ownership of the parts even when it fails.
  std::vector<GEOSGeometry*> raw;
  raw.reserve(parts.size());
  for (auto& p : parts) raw.push_back(p.release());
  GEOSGeometry* c =
      GEOSGeom_createCollection_r(ctx(), type, raw.data(), static_cast<unsigned>(raw.size()));
  return check(c, "collection");
}

GeomPtr to_geos(const Geometry& g) {
  std::vector<GeomPtr> parts;
  switch (g.type) {
    case GeomType::None: return make_collection(GEOS_GEOMETRYCOLLECTION, {});
    case GeomType::Point: return make_point(g.points.empty() ? nullptr : &g.points[0]);
    case GeomType::LineString: return make_line(g.lines.empty() ? core::LineString{} : g.lines[0]);
    case GeomType::Polygon:
      return make_polygon(g.polygons.empty() ? core::Polygon{} : g.polygons[0]);
    case GeomType::MultiPoint:
      for (const auto& c : g.points) parts.push_back(make_point(&c));
      return make_collection(GEOS_MULTIPOINT, std::move(parts));
    case GeomType::MultiLineString:
      for (const auto& l : g.lines) parts.push_back(make_line(l));
      return make_collection(GEOS_MULTILINESTRING, std::move(parts));
    case GeomType::MultiPolygon:
      for (const auto& p : g.polygons) parts.push_back(make_polygon(p));
      return make_collection(GEOS_MULTIPOLYGON, std::move(parts));
  }
  throw core::InputError("geometry", "unknown geometry type");
}

// ---- GEOS -> core::Geometry ----

core::LineString coords_of(const GEOSGeometry* g) {
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx(), g);
  unsigned n = 0;
  if (!seq || !GEOSCoordSeq_getSize_r(ctx(), seq, &n))
    throw core::InputError("geometry", "GEOS coordinates: " + context().take_error());
  std::vector<double> buf(2 * static_cast<std::size_t>(n));
  if (n > 0 && !GEOSCoordSeq_copyToBuffer_r(ctx(), seq, buf.data(), 0, 0))
    throw core::InputError("geometry", "GEOS coordinates: " + context().take_error());
  core::LineString out(n);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = {buf[2 * i], buf[2 * i + 1]};
  return out;
}

struct Parts {
  std::vector<Coord> points;
  std::vector<core::LineString> lines;
  std::vector<core::Polygon> polygons;
};

// Flattens any GEOS geometry (collections included) into its non-empty parts.
void collect(const GEOSGeometry* g, Parts& out) {
  if (GEOSisEmpty_r(ctx(), g) == 1) return;
  switch (GEOSGeomTypeId_r(ctx(), g)) {
    case GEOS_POINT: out.points.push_back(coords_of(g).at(0)); return;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING: out.lines.push_back(coords_of(g)); return;
    case GEOS_POLYGON: {
      core::Polygon p;
      p.push_back(coords_of(GEOSGetExteriorRing_r(ctx(), g)));
      int holes = GEOSGetNumInteriorRings_r(ctx(), g);
      for (int i = 0; i < holes; ++i) p.push_back(coords_of(GEOSGetInteriorRingN_r(ctx(), g, i)));
      out.polygons.push_back(std::move(p));
      return;
    }
    default: {
      int n = GEOSGetNumGeometries_r(ctx(), g);
      for (int i = 0; i < n; ++i) collect(GEOSGetGeometryN_r(ctx(), g, i), out);
    }
  }
}

// GEOS type ids match the WKB codes minus one for the six simple types. A mixed
// collection keeps only its parts of the highest dimension.
Geometry from_geos(const GEOSGeometry* g) {
  Parts p;
  collect(g, p);
  Geometry out;
  int type = GEOSGeomTypeId_r(ctx(), g);
  switch (type) {
    case GEOS_POINT: out.type = GeomType::Point; break;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING: out.type = GeomType::LineString; break;
    case GEOS_POLYGON: out.type = GeomType::Polygon; break;
    case GEOS_MULTIPOINT: out.type = GeomType::MultiPoint; break;
    case GEOS_MULTILINESTRING: out.type = GeomType::MultiLineString; break;
    case GEOS_MULTIPOLYGON: out.type = GeomType::MultiPolygon; break;
    default:
      out.type = !p.polygons.empty() ? GeomType::MultiPolygon
                 : !p.lines.empty()  ? GeomType::MultiLineString
                 : !p.points.empty() ? GeomType::MultiPoint
                                     : GeomType::None;
  }
  switch (out.type) {
    case GeomType::Point:
    case GeomType::MultiPoint: out.points = std::move(p.points); break;
    case GeomType::LineString:
    case GeomType::MultiLineString: out.lines = std::move(p.lines); break;
    case GeomType::Polygon:
    case GeomType::MultiPolygon: out.polygons = std::move(p.polygons); break;
    case GeomType::None: break;
  }
  return out;
}

Geometry polygonal_part(const GEOSGeometry* g) {
  Parts p;
  collect(g, p);
  return Geometry::multipolygon(std::move(p.polygons));
}

bool is_polygonal(const Geometry& g) {
  return g.type == GeomType::Polygon || g.type == GeomType::MultiPolygon;
}

// ---- exact orientation (Shewchuk's adaptive predicate, simplified) ----

void two_sum(double a, double b, double& s, double& e) {
  s = a + b;
  double bv = s - a;
  double av = s - bv;
  e = (a - av) + (b - bv);
}

void two_product(double a, double b, double& p, double& e) {
  p = a * b;
  e = std::fma(a, b, -p);
}

// A nonoverlapping expansion in increasing magnitude: its exact value is the sum
// of its components and its sign that of its largest component.
class Expansion {
 public:
  void add(double b) {
    std::array<double, kMax> h{};
    std::size_t k = 0;
    double q = b;
    for (std::size_t i = 0; i < m_n; ++i) {
      double s = 0;
      double e = 0;
      two_sum(q, m_c[i], s, e);
      if (e != 0) h[k++] = e;
      q = s;
    }
    if (q != 0) h[k++] = q;
    m_c = h;
    m_n = k;
  }
  int sign() const { return m_n == 0 ? 0 : (m_c[m_n - 1] > 0 ? 1 : -1); }

 private:
  static constexpr std::size_t kMax = 16;  // 16 terms added, each adds at most one component
  std::array<double, kMax> m_c{};
  std::size_t m_n = 0;
};

// Sign of the cross product (b - a) x (p - a): > 0 when p is left of a->b.
int orient(Coord a, Coord b, Coord p) {
  double left = (a.x - p.x) * (b.y - p.y);
  double right = (a.y - p.y) * (b.x - p.x);
  double det = left - right;
  double bound = 3.3306690738754716e-16 * (std::abs(left) + std::abs(right));
  if (det > bound) return 1;
  if (-det > bound) return -1;
  if (left == 0 && right == 0) return 0;
  // Close to zero: evaluate exactly from error-free differences and products.
  double d[4][2];
  two_sum(a.x, -p.x, d[0][0], d[0][1]);
  two_sum(b.y, -p.y, d[1][0], d[1][1]);
  two_sum(a.y, -p.y, d[2][0], d[2][1]);
  two_sum(b.x, -p.x, d[3][0], d[3][1]);
  Expansion e;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      double hi = 0;
      double lo = 0;
      two_product(d[0][i], d[1][j], hi, lo);
      e.add(lo);
      e.add(hi);
      two_product(d[2][i], d[3][j], hi, lo);
      e.add(-lo);
      e.add(-hi);
    }
  return e.sign();
}

enum class Location { Outside, Inside, Boundary };

// Crossing-number test with exact boundary detection; the ring is treated as
// closed whether or not its last vertex repeats the first.
Location locate(const core::LineString& ring, Coord p) {
  std::size_t n = ring.size();
  bool inside = false;
  for (std::size_t i = 0; i < n; ++i) {
    const Coord& a = ring[i];
    const Coord& b = ring[(i + 1) % n];
    bool in_box = p.x >= std::min(a.x, b.x) && p.x <= std::max(a.x, b.x) &&
                  p.y >= std::min(a.y, b.y) && p.y <= std::max(a.y, b.y);
    bool straddles = (a.y > p.y) != (b.y > p.y);
    if (!in_box && !straddles) continue;
    int o = orient(a, b, p);
    if (in_box && o == 0) return Location::Boundary;
    // Upward edge: the ray to the right of p crosses it iff p is left of it.
    if (straddles && (b.y > p.y ? o > 0 : o < 0)) inside = !inside;
  }
  return inside ? Location::Inside : Location::Outside;
}

bool polygon_covers(const core::Polygon& poly, Coord p) {
  if (poly.empty() || locate(poly[0], p) == Location::Outside) return false;
  for (std::size_t i = 1; i < poly.size(); ++i)
    if (locate(poly[i], p) == Location::Inside) return false;
  return true;
}

}  // namespace

bool is_valid(const Geometry& g, std::string* reason) {
  if (reason) reason->clear();
  GeomPtr gg;
  try {
    gg = to_geos(g);
  } catch (const core::InputError& e) {
    if (reason) *reason = e.what();
    return false;
  }
  char valid = GEOSisValid_r(ctx(), gg.get());
  if (valid == 1) return true;
  if (reason) {
    if (valid == 2) {
      *reason = context().take_error();
    } else if (char* text = GEOSisValidReason_r(ctx(), gg.get())) {
      *reason = text;
      GEOSFree_r(ctx(), text);
    }
  }
  return false;
}

Geometry make_valid(const Geometry& g) {
  GeomPtr gg = to_geos(g);
  GeomPtr fixed = check(GEOSMakeValid_r(ctx(), gg.get()), "make-valid");
  return is_polygonal(g) ? polygonal_part(fixed.get()) : from_geos(fixed.get());
}

Geometry union_all(const std::vector<Geometry>& gs) {
  std::vector<GeomPtr> parts;
  for (const auto& g : gs) {
    if (!is_polygonal(g)) continue;
    for (const auto& p : g.polygons) parts.push_back(make_polygon(p));
  }
  if (parts.empty()) return Geometry::multipolygon({});
  GeomPtr all = make_collection(GEOS_GEOMETRYCOLLECTION, std::move(parts));
  GEOSGeometry* u = GEOSUnaryUnion_r(ctx(), all.get());
  if (!u) {
    // A topology error from an invalid input: union the repaired inputs instead.
    context().take_error();
    GeomPtr fixed = check(GEOSMakeValid_r(ctx(), all.get()), "make-valid");
    u = GEOSUnaryUnion_r(ctx(), fixed.get());
  }
  GeomPtr result = check(u, "union");
  return polygonal_part(result.get());
}

Geometry intersection(const Geometry& a, const Geometry& b) {
  GeomPtr ga = to_geos(a);
  GeomPtr gb = to_geos(b);
  GEOSGeometry* r = GEOSIntersection_r(ctx(), ga.get(), gb.get());
  if (!r) {
    context().take_error();
    GeomPtr fa = check(GEOSMakeValid_r(ctx(), ga.get()), "make-valid");
    GeomPtr fb = check(GEOSMakeValid_r(ctx(), gb.get()), "make-valid");
    r = GEOSIntersection_r(ctx(), fa.get(), fb.get());
  }
  GeomPtr result = check(r, "intersection");
  return is_polygonal(a) && is_polygonal(b) ? polygonal_part(result.get())
                                            : from_geos(result.get());
}

double remaining_area_m2(const Geometry& hazard, const std::vector<Geometry>& released) {
  double total = area_m2(hazard);
  if (total == 0) return 0;
  Geometry cover = union_all(released);
  if (cover.empty()) return total;
  return std::max(0.0, total - area_m2(intersection(hazard, cover)));
}

bool covers(const Geometry& polygonal, Coord p) {
  if (!is_polygonal(polygonal)) return false;
  return std::any_of(polygonal.polygons.begin(), polygonal.polygons.end(),
                     [&](const core::Polygon& poly) { return polygon_covers(poly, p); });
}

}  // namespace minemap::geo

namespace minemap::geo {

core::Coord representative_point(const core::Geometry& g) {
  if (!g.points.empty()) return g.points[0];
  if (g.empty()) throw core::InputError("geometry", "empty: no representative point");
  GeomPtr gg = to_geos(g);
  GeomPtr p = check(GEOSPointOnSurface_r(ctx(), gg.get()), "point-on-surface");
  double x = 0, y = 0;
  GEOSGeomGetX_r(ctx(), p.get(), &x);
  GEOSGeomGetY_r(ctx(), p.get(), &y);
  return {x, y};
}

}  // namespace minemap::geo

namespace minemap::geo {

namespace {

double signed_area2(const core::LineString& ring) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < ring.size(); ++i)
    s += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
  return s;
}

}  // namespace

void normalize_orientation(core::Geometry& g) {
  for (auto& poly : g.polygons)
    for (std::size_t r = 0; r < poly.size(); ++r) {
      double a = signed_area2(poly[r]);
      bool ccw = a > 0;
      if ((r == 0) != ccw && a != 0) std::reverse(poly[r].begin(), poly[r].end());
    }
}

int orientation(core::Coord a, core::Coord b, core::Coord c) {
  return orient(a, b, c);
}

}  // namespace minemap::geo
