#include "geo/crs.hpp"

#include <proj.h>

#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "core/errors.hpp"

namespace minemap::geo {

namespace {

constexpr double kDegToRad = 3.14159265358979323846 / 180.0;

struct ContextDeleter {
  void operator()(PJ_CONTEXT* c) const { proj_context_destroy(c); }
};
struct PjDeleter {
  void operator()(PJ* p) const { proj_destroy(p); }
};
using ContextPtr = std::unique_ptr<PJ_CONTEXT, ContextDeleter>;
using PjPtr = std::unique_ptr<PJ, PjDeleter>;

std::string last_error(PJ_CONTEXT* ctx) {
  int e = proj_context_errno(ctx);
  const char* s = e ? proj_context_errno_string(ctx, e) : nullptr;
  return s ? s : "unknown error";
}

// A transformation from `from` to `to` with x = lon/easting, y = lat/northing on
// both sides.
PjPtr transformation(PJ_CONTEXT* ctx, const PJ* from, const PJ* to) {
  PjPtr raw(proj_create_crs_to_crs_from_pj(ctx, from, to, nullptr, nullptr));
  if (!raw) return nullptr;
  return PjPtr(proj_normalize_for_visualization(ctx, raw.get()));
}

bool finite(const PJ_COORD& c) {
  return std::isfinite(c.xy.x) && std::isfinite(c.xy.y) && c.xy.x != HUGE_VAL && c.xy.y != HUGE_VAL;
}

}  // namespace

struct Crs::Impl {
  std::string definition;
  std::string name;
  ContextPtr ctx;
  PjPtr crs;
  PjPtr wgs84;
  PjPtr to_wgs84;       // null when the CRS is WGS 84 itself
  PjPtr from_wgs84;     // null when the CRS is WGS 84 itself
  PjPtr wgs84_to_base;  // projected CRSs: WGS 84 to the CRS's own geographic datum
  PjPtr base_to_crs;    // projected CRSs: that datum's lon/lat to the projection
  PJ_TYPE type = PJ_TYPE_UNKNOWN;
  bool identity = false;
};

Crs::Crs(const std::string& definition, const std::string& field) : m(std::make_unique<Impl>()) {
  m->definition = definition;
  m->ctx.reset(proj_context_create());
  if (!m->ctx) throw core::Error("cannot create a PROJ context");
  // Messages go into our errors, not to stderr.
  proj_log_level(m->ctx.get(), PJ_LOG_NONE);
  if (definition.empty()) throw core::InputError(field, "empty CRS");
  m->crs.reset(proj_create(m->ctx.get(), definition.c_str()));
  if (!m->crs || !proj_is_crs(m->crs.get()))
    throw core::InputError(
        field, "\"" + definition + "\" is not a coordinate reference system PROJ knows");
  m->type = proj_get_type(m->crs.get());
  if (m->type != PJ_TYPE_GEOGRAPHIC_2D_CRS && m->type != PJ_TYPE_GEOGRAPHIC_3D_CRS &&
      m->type != PJ_TYPE_PROJECTED_CRS)
    throw core::InputError(field, "\"" + definition +
                                      "\" is not a geographic or projected CRS (x/y must be "
                                      "longitude/latitude or easting/northing)");
  const char* n = proj_get_name(m->crs.get());
  m->name = n ? n : definition;

  m->wgs84.reset(proj_create(m->ctx.get(), "EPSG:4326"));
  if (!m->wgs84) throw core::Error("PROJ does not know EPSG:4326: " + last_error(m->ctx.get()));
  m->identity = proj_is_equivalent_to(m->crs.get(), m->wgs84.get(),
                                      PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS) != 0;
  if (!m->identity) {
    m->to_wgs84 = transformation(m->ctx.get(), m->crs.get(), m->wgs84.get());
    m->from_wgs84 = transformation(m->ctx.get(), m->wgs84.get(), m->crs.get());
    if (!m->to_wgs84 || !m->from_wgs84)
      throw core::InputError(field, "no transformation from \"" + definition +
                                        "\" to WGS 84: " + last_error(m->ctx.get()));
  }
  if (m->type == PJ_TYPE_PROJECTED_CRS) {
    PjPtr base(proj_crs_get_geodetic_crs(m->ctx.get(), m->crs.get()));
    if (base) {
      m->wgs84_to_base = transformation(m->ctx.get(), m->wgs84.get(), base.get());
      m->base_to_crs = transformation(m->ctx.get(), base.get(), m->crs.get());
    }
    if (!m->wgs84_to_base || !m->base_to_crs)
      throw core::InputError(field, "no transformation from WGS 84 to the datum of \"" +
                                        definition + "\": " + last_error(m->ctx.get()));
  }
}

Crs::~Crs() = default;
Crs::Crs(Crs&&) noexcept = default;
Crs& Crs::operator=(Crs&&) noexcept = default;

const Crs& Crs::shared(const std::string& definition, const std::string& field) {
  // Records name few CRSs; the bound only keeps a stream of odd definitions (a
  // fuzzer's) from growing the cache without end.
  constexpr std::size_t kMaxCached = 64;
  thread_local std::unordered_map<std::string, std::unique_ptr<Crs>> cache;
  auto it = cache.find(definition);
  if (it != cache.end()) return *it->second;
  auto crs = std::make_unique<Crs>(definition, field);
  if (cache.size() >= kMaxCached) cache.clear();
  return *cache.emplace(definition, std::move(crs)).first->second;
}

const std::string& Crs::definition() const {
  return m->definition;
}
const std::string& Crs::name() const {
  return m->name;
}
bool Crs::is_geographic() const {
  return m->type != PJ_TYPE_PROJECTED_CRS;
}
bool Crs::is_projected() const {
  return m->type == PJ_TYPE_PROJECTED_CRS;
}
bool Crs::is_wgs84() const {
  return m->identity;
}

namespace {

core::Coord apply(PJ* p, PJ_CONTEXT* ctx, core::Coord in, const std::string& field,
                  const std::string& what) {
  proj_errno_reset(p);
  PJ_COORD out = proj_trans(p, PJ_FWD, proj_coord(in.x, in.y, 0, HUGE_VAL));
  if (!finite(out) || proj_errno(p) != 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "(%.9g, %.9g)", in.x, in.y);
    std::string why = proj_errno(p) ? proj_errno_string(proj_errno(p)) : "no result";
    (void)ctx;
    throw core::InputError(field, std::string("cannot transform ") + buf + " " + what + ": " + why);
  }
  return {out.xy.x, out.xy.y};
}

}  // namespace

core::Coord Crs::to_wgs84(core::Coord xy, const std::string& field) const {
  if (m->identity) return xy;
  return apply(m->to_wgs84.get(), m->ctx.get(), xy, field, "from " + m->definition + " to WGS 84");
}

core::Coord Crs::from_wgs84(core::Coord lonlat, const std::string& field) const {
  if (m->identity) return lonlat;
  return apply(m->from_wgs84.get(), m->ctx.get(), lonlat, field, "from WGS 84 to " + m->definition);
}

double Crs::convergence_deg(core::Coord lonlat) const {
  if (!is_projected())
    throw core::Error("meridian convergence of a CRS that is not projected: " + m->definition);
  core::Coord base = apply(m->wgs84_to_base.get(), m->ctx.get(), lonlat, "convergence",
                           "to the datum of " + m->definition);
  // The angle of the meridian's image in the projected plane, from PROJ's own
  // projection of two points 1e-5 degree (about a metre) either side along the
  // meridian. proj_factors() would give it analytically, but PROJ 9.1 fails on
  // projected CRSs with northing-first axes (EPSG:28408 among them); the central
  // difference is exact to about 1e-9 degree at this step.
  constexpr double kStep = 1e-5;
  const std::string what = "from the datum of " + m->definition + " to its projection";
  core::Coord s =
      apply(m->base_to_crs.get(), m->ctx.get(), {base.x, base.y - kStep}, "convergence", what);
  core::Coord n =
      apply(m->base_to_crs.get(), m->ctx.get(), {base.x, base.y + kStep}, "convergence", what);
  // Grid north is clockwise from true north by minus the grid bearing of true north.
  return -std::atan2(n.x - s.x, n.y - s.y) / kDegToRad;
}

std::string Crs::utm_zone_of(core::Coord lonlat) {
  double lon = std::fmod(lonlat.x + 180.0, 360.0);
  if (lon < 0) lon += 360.0;
  int zone = static_cast<int>(lon / 6.0) + 1;
  if (zone > 60) zone = 60;
  return "EPSG:" + std::to_string(lonlat.y >= 0 ? 32600 + zone : 32700 + zone);
}

}  // namespace minemap::geo
