// MVT 2.1 encoding: tile math, clipping and quantisation of one feature at a time into
// reused scratch buffers, and protobuf output through protozero.
#include "tiles/mvt.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <protozero/pbf_writer.hpp>
#include <protozero/varint.hpp>
#include <type_traits>

#include "core/errors.hpp"

namespace minemap::tiles::mvt {
namespace {

using core::Coord;

constexpr double kDegToRad = std::numbers::pi / 180.0;

// MVT 2.1 geometry types (Tile.GeomType) and drawing commands (section 4.3).
constexpr int kGeomPoint = 1;
constexpr int kGeomLine = 2;
constexpr int kGeomPolygon = 3;
constexpr std::uint32_t kMoveTo = 1;
constexpr std::uint32_t kLineTo = 2;
constexpr std::uint32_t kClosePath = 7;

// Field numbers of vector_tile.proto.
constexpr protozero::pbf_tag_type kTileLayers = 3;
constexpr protozero::pbf_tag_type kLayerName = 1;
constexpr protozero::pbf_tag_type kLayerFeatures = 2;
constexpr protozero::pbf_tag_type kLayerKeys = 3;
constexpr protozero::pbf_tag_type kLayerValues = 4;
constexpr protozero::pbf_tag_type kLayerExtent = 5;
constexpr protozero::pbf_tag_type kLayerVersion = 15;
constexpr protozero::pbf_tag_type kFeatureId = 1;
constexpr protozero::pbf_tag_type kFeatureTags = 2;
constexpr protozero::pbf_tag_type kFeatureType = 3;
constexpr protozero::pbf_tag_type kFeatureGeometry = 4;
constexpr protozero::pbf_tag_type kValueString = 1;
constexpr protozero::pbf_tag_type kValueDouble = 3;
constexpr protozero::pbf_tag_type kValueUint = 5;
constexpr protozero::pbf_tag_type kValueSint = 6;
constexpr protozero::pbf_tag_type kValueBool = 7;

constexpr std::uint32_t command(std::uint32_t id, std::uint32_t count) {
  return (id & 0x7u) | (count << 3);
}

// Tile coordinates of clipped output lie within ±(extent + buffer) <= 2^17, so every
// delta fits the 32-bit zigzag the spec uses.
std::uint32_t zigzag(std::int64_t v) {
  return protozero::encode_zigzag32(static_cast<std::int32_t>(v));
}

// PostGIS's ST_AsMVTGeom snaps to the integer grid with lwgeom_grid_in_place(), which
// calls rint(): round half to even (the default rounding mode), not lround()'s half away
// from zero. We round the same way so that ties (x.5 exactly) give the integers PostGIS
// gives; nearbyint() is rint() without raising the inexact flag.
double round_unit(double v) {
  return std::nearbyint(v);
}

// Exact tile coordinates rounded as TileTransform::quantise() documents.
TilePoint quantise_tile(Coord p) {
  const auto to_int = [](double v) {
    constexpr double kLimit = 1125899906842624.0;  // 2^50
    if (std::isnan(v)) return std::int64_t{0};
    return static_cast<std::int64_t>(round_unit(v < -kLimit ? -kLimit : v > kLimit ? kLimit : v));
  };
  return {to_int(p.x), to_int(p.y)};
}

std::uint32_t checked_extent(std::uint32_t extent) {
  if (extent == 0 || extent > kMaxExtent)
    throw core::InputError(
        "extent", "must be 1.." + std::to_string(kMaxExtent) + ", got " + std::to_string(extent));
  return extent;
}

void check(const TileId& t) {
  (void)tile_id(t.z, t.x, t.y);
}

// Liang-Barsky: narrows [t0, t1] to the part of segment a->b inside the square
// [lo, hi]² (edges included); false when no part is inside.
bool clip_segment(Coord a, Coord b, double lo, double hi, double& t0, double& t1) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.x - lo, hi - a.x, a.y - lo, hi - a.y};
  for (int k = 0; k < 4; ++k) {
    if (p[k] == 0) {
      if (q[k] < 0) return false;  // parallel to this edge and outside it
      continue;
    }
    const double r = q[k] / p[k];
    if (p[k] < 0) {  // entering across this edge
      if (r > t1) return false;
      if (r > t0) t0 = r;
    } else {  // leaving across it
      if (r < t0) return false;
      if (r < t1) t1 = r;
    }
  }
  return true;
}

// The point at parameter t of a->b, kept inside [lo, hi]² against rounding drift.
Coord along(Coord a, Coord b, double t, double lo, double hi) {
  return {std::clamp(a.x + t * (b.x - a.x), lo, hi), std::clamp(a.y + t * (b.y - a.y), lo, hi)};
}

// One Sutherland-Hodgman pass: keeps the part of ring `in` (open, implicitly closed) on
// the inner side of the line `axis` = bound, where `keep_above` says which side that is.
void clip_ring_edge(const std::vector<Coord>& in, std::vector<Coord>& out, bool y_axis,
                    double bound, bool keep_above) {
  out.clear();
  if (in.empty()) return;
  const auto coord = [y_axis](const Coord& c) { return y_axis ? c.y : c.x; };
  const auto inside = [&](const Coord& c) {
    return keep_above ? coord(c) >= bound : coord(c) <= bound;
  };
  // Where segment a->b crosses the line; a and b lie on different sides, so the
  // denominator is not zero. The crossing coordinate is set exactly to the bound.
  const auto cross = [&](const Coord& a, const Coord& b) {
    const double t = (bound - coord(a)) / (coord(b) - coord(a));
    return y_axis ? Coord{a.x + t * (b.x - a.x), bound} : Coord{bound, a.y + t * (b.y - a.y)};
  };
  Coord prev = in.back();
  bool prev_in = inside(prev);
  for (const Coord& cur : in) {
    const bool cur_in = inside(cur);
    if (cur_in) {
      if (!prev_in) out.push_back(cross(prev, cur));
      out.push_back(cur);
    } else if (prev_in) {
      out.push_back(cross(prev, cur));
    }
    prev = cur;
    prev_in = cur_in;
  }
}

struct Box {
  double min_x, min_y, max_x, max_y;
};

Box box_of(const std::vector<Coord>& cs) {
  Box b{cs.front().x, cs.front().y, cs.front().x, cs.front().y};
  for (const Coord& c : cs) {
    b.min_x = std::min(b.min_x, c.x);
    b.max_x = std::max(b.max_x, c.x);
    b.min_y = std::min(b.min_y, c.y);
    b.max_y = std::max(b.max_y, c.y);
  }
  return b;
}

// Twice the signed area of a ring (surveyor's formula); exact in 64 bits for clipped
// coordinates, |x|, |y| <= 2^17.
// Whether b lies on the line through a and c (a straight run, a repeat, or a spike
// where the ring turns straight back at b).
bool collinear(const TilePoint& a, const TilePoint& b, const TilePoint& c) {
  return (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x) == 0;
}

// Removes, from a closed ring of whole units (no closing point), every vertex collinear
// with its neighbours, until none is left: points on straight runs add nothing and
// spikes enclose nothing. PostGIS's ST_AsMVTGeom does the same (a simplification with
// tolerance 0 after snapping), so the two encoders give the same rings. A stack pass,
// then the seam where the ring closes.
void remove_collinear(std::vector<TilePoint>& ring) {
  std::size_t n = 0;  // ring[0, n) is the kept prefix
  for (std::size_t i = 0; i < ring.size(); ++i) {
    ring[n++] = ring[i];
    while (n >= 3 && collinear(ring[n - 3], ring[n - 2], ring[n - 1])) {
      ring[n - 2] = ring[n - 1];
      --n;
    }
  }
  ring.resize(n);
  std::size_t first = 0;
  for (bool changed = true; changed && ring.size() - first >= 3;) {
    changed = false;
    const std::size_t last = ring.size() - 1;
    if (collinear(ring[last - 1], ring[last], ring[first])) {
      ring.pop_back();
      changed = true;
    } else if (collinear(ring[last], ring[first], ring[first + 1])) {
      ++first;
      changed = true;
    }
  }
  if (first > 0) ring.erase(ring.begin(), ring.begin() + static_cast<std::ptrdiff_t>(first));
}

std::int64_t area2(const std::vector<TilePoint>& ring) {
  std::int64_t sum = 0;
  for (std::size_t i = 0, n = ring.size(); i < n; ++i) {
    const TilePoint& a = ring[i];
    const TilePoint& b = ring[i + 1 == n ? 0 : i + 1];
    sum += a.x * b.y - b.x * a.y;
  }
  return sum;
}

}  // namespace

// ---- Tile math ----

TileId tile_id(std::int64_t z, std::int64_t x, std::int64_t y) {
  if (z < 0 || z > kMaxZoom)
    throw core::InputError(
        "z", "zoom must be 0.." + std::to_string(kMaxZoom) + ", got " + std::to_string(z));
  const std::int64_t n = std::int64_t{1} << z;
  const auto range = [&](const char* name, std::int64_t v) {
    if (v < 0 || v >= n)
      throw core::InputError(name, "must be 0.." + std::to_string(n - 1) + " at zoom " +
                                       std::to_string(z) + ", got " + std::to_string(v));
  };
  range("x", x);
  range("y", y);
  return {static_cast<int>(z), static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y)};
}

Coord lonlat_to_mercator(Coord lonlat) {
  const double lat = std::clamp(lonlat.y, -90.0, 90.0) * kDegToRad;
  // asinh(tan(lat)) = ln(tan(pi/4 + lat/2)), finite even at ±90° where tan() of the
  // rounded pi/2 is large but finite.
  return {kEarthRadius * lonlat.x * kDegToRad, kEarthRadius * std::asinh(std::tan(lat))};
}

Coord mercator_to_lonlat(Coord xy) {
  return {xy.x / kEarthRadius / kDegToRad, std::atan(std::sinh(xy.y / kEarthRadius)) / kDegToRad};
}

// As PostGIS's ST_TileEnvelope over the default bounds (the Web Mercator square).
core::Envelope tile_bounds_mercator(const TileId& t) {
  check(t);
  const double size = 2 * kWorldHalf / static_cast<double>(std::uint64_t{1} << t.z);
  core::Envelope e;
  e.min_x = -kWorldHalf + size * t.x;
  e.max_x = -kWorldHalf + size * (t.x + 1.0);
  e.min_y = kWorldHalf - size * (t.y + 1.0);
  e.max_y = kWorldHalf - size * t.y;
  return e;
}

core::Envelope tile_bounds_lonlat(const TileId& t) {
  const core::Envelope m = tile_bounds_mercator(t);
  const Coord lo = mercator_to_lonlat({m.min_x, m.min_y});
  const Coord hi = mercator_to_lonlat({m.max_x, m.max_y});
  core::Envelope e;
  e.min_x = lo.x;
  e.min_y = lo.y;
  e.max_x = hi.x;
  e.max_y = hi.y;
  return e;
}

// The affine map of ST_AsMVTGeom: scale by extent / tile size, flip y, move the
// tile's top-left corner to the origin.
TileTransform::TileTransform(const TileId& tile, std::uint32_t extent)
    : m_tile(tile), m_extent(checked_extent(extent)) {
  const core::Envelope b = tile_bounds_mercator(tile);
  m_fx = extent / (b.max_x - b.min_x);
  m_fy = -(extent / (b.max_y - b.min_y));
  m_xoff = -b.min_x * m_fx;
  m_yoff = -b.max_y * m_fy;
}

Coord TileTransform::project(Coord lonlat) const {
  return project_mercator(lonlat_to_mercator(lonlat));
}

TilePoint TileTransform::quantise(Coord lonlat) const {
  return quantise_tile(project(lonlat));
}

bool too_small(const core::Envelope& lonlat_box, int z, std::uint32_t extent) {
  (void)tile_id(z, 0, 0);
  checked_extent(extent);
  if (lonlat_box.empty()) return true;
  const Coord lo = lonlat_to_mercator({lonlat_box.min_x, lonlat_box.min_y});
  const Coord hi = lonlat_to_mercator({lonlat_box.max_x, lonlat_box.max_y});
  const double units_per_metre =
      extent * static_cast<double>(std::uint64_t{1} << z) / (2 * kWorldHalf);
  return (hi.x - lo.x) * units_per_metre < 1 && (hi.y - lo.y) * units_per_metre < 1;
}

bool too_small(const core::Geometry& lonlat, int z, std::uint32_t extent) {
  if (lonlat.type == core::GeomType::Point || lonlat.type == core::GeomType::MultiPoint) {
    (void)tile_id(z, 0, 0);
    checked_extent(extent);
    return lonlat.points.empty();
  }
  return too_small(lonlat.envelope(), z, extent);
}

// ---- Layer ----

Layer::Layer(std::string name, const TileId& tile, LayerOptions opt)
    : m_name(std::move(name)),
      m_transform(tile, opt.extent),
      m_buffer(opt.buffer),
      m_simplify(opt.simplify) {
  if (m_name.empty()) throw core::InputError("name", "a layer needs a name");
  if (m_buffer > opt.extent)
    throw core::InputError(
        "buffer", "must be 0.." + std::to_string(opt.extent) + ", got " + std::to_string(m_buffer));
  m_min = -static_cast<double>(m_buffer);
  m_max = static_cast<double>(opt.extent) + m_buffer;
  // The buffered tile in lon/lat, grown by one more unit so that a part outside it is
  // surely outside the buffered tile despite rounding in the projection.
  const core::Envelope b = tile_bounds_mercator(tile);
  const double grow = (m_buffer + 1.0) * (b.max_x - b.min_x) / opt.extent;
  const Coord lo = mercator_to_lonlat({b.min_x - grow, b.min_y - grow});
  const Coord hi = mercator_to_lonlat({b.max_x + grow, b.max_y + grow});
  m_lonlat_box.expand(lo);
  m_lonlat_box.expand(hi);
  m_mercator_box.expand(Coord{b.min_x - grow, b.min_y - grow});
  m_mercator_box.expand(Coord{b.max_x + grow, b.max_y + grow});
}

template <class AddTags>
bool Layer::add_built(const core::Geometry& g, std::optional<std::uint64_t> id,
                      AddTags&& add_tags) {
  const int type = build_geometry(g);
  if (type == 0) return false;
  m_tags.clear();
  add_tags();
  write_feature(type, id);
  return true;
}

bool Layer::add_feature(const core::Geometry& lonlat, const Attributes& attributes,
                        std::optional<std::uint64_t> id) {
  m_mercator = false;
  return add_built(lonlat, id, [&] {
    for (const auto& [key, value] : attributes) add_tag(key, value);
  });
}

bool Layer::add_fields(const core::Geometry& lonlat, const FieldMap& attributes,
                       std::optional<std::uint64_t> id) {
  m_mercator = false;
  return add_built(lonlat, id, [&] {
    for (const auto& [key, value] : attributes) add_tag(key, value);
  });
}

// As add_tag() for each pair, with the table's indexes mapped to the layer's once per
// key or value: no hashing of strings for what an earlier feature brought already.
bool Layer::add_indexed(const core::Geometry& mercator, const AttributeTable& table,
                        std::span<const std::uint32_t> tags, std::optional<std::uint64_t> id) {
  if (m_table != &table) {
    m_table = &table;
    m_table_keys.assign(table.keys.size(), kNone);
    m_table_values.clear();
  }
  m_mercator = true;
  return add_built(mercator, id, [&] {
    for (std::size_t t = 0; t + 1 < tags.size(); t += 2) {
      const core::Value& value = table.values[tags[t + 1]];
      if (std::holds_alternative<std::monostate>(value)) continue;
      std::uint32_t& key = m_table_keys[tags[t]];
      if (key == kNone) key = key_index(table.keys[tags[t]]);
      bool repeated = false;
      for (std::size_t i = 0; i < m_tags.size() && !repeated; i += 2) repeated = m_tags[i] == key;
      if (repeated) continue;
      m_tags.push_back(key);
      if (tags[t + 1] < table.unique.size() && table.unique[tags[t + 1]] != 0) {
        // value_index() would find no equal value, this feature's or another's: it
        // would add it.
        m_tags.push_back(write_value(value));
        continue;
      }
      auto [it, fresh] = m_table_values.try_emplace(tags[t + 1], kNone);
      if (fresh) it->second = value_index(value);
      m_tags.push_back(it->second);
    }
  });
}

int Layer::build_geometry(const core::Geometry& g) {
  m_geometry.clear();
  m_cursor = {0, 0};
  int type = 0;
  switch (g.type) {
    case core::GeomType::Point:
    case core::GeomType::MultiPoint:
      add_points(g.points);
      type = kGeomPoint;
      break;
    case core::GeomType::LineString:
    case core::GeomType::MultiLineString:
      for (const auto& line : g.lines) add_line(line);
      type = kGeomLine;
      break;
    case core::GeomType::Polygon:
    case core::GeomType::MultiPolygon:
      for (const auto& polygon : g.polygons) add_polygon(polygon);
      type = kGeomPolygon;
      break;
    case core::GeomType::None: break;
  }
  return m_geometry.empty() ? 0 : type;
}

// Projects the finite positions of one part into m_projected, or none when the part
// lies outside the buffered tile: the box test in lon/lat is cheap next to projecting
// every vertex of an island or hole far away.
void Layer::project(const std::vector<Coord>& in, bool ring) {
  m_projected.clear();
  core::Envelope box;
  for (const Coord& c : in)
    if (std::isfinite(c.x) && std::isfinite(c.y)) box.expand(c);
  if (box.empty() || !box.intersects(m_mercator ? m_mercator_box : m_lonlat_box)) return;
  m_projected.reserve(in.size());
  for (const Coord& c : in)
    if (std::isfinite(c.x) && std::isfinite(c.y)) m_projected.push_back(to_tile(c));
  // Rings are handled open; the closing point comes back as ClosePath.
  if (ring && m_projected.size() > 1 && m_projected.front() == m_projected.back())
    m_projected.pop_back();
}

// MultiPoint: one MoveTo with a count, each point relative to the one before. Points
// are tested after rounding, so a point is kept when it rounds into the buffered tile.
void Layer::add_points(const std::vector<Coord>& points) {
  m_part.clear();
  for (const Coord& c : points) {
    if (!std::isfinite(c.x) || !std::isfinite(c.y)) continue;
    const TilePoint p =
        m_mercator ? quantise_tile(m_transform.project_mercator(c)) : m_transform.quantise(c);
    if (p.x < m_min || p.x > m_max || p.y < m_min || p.y > m_max) continue;
    if (!m_part.empty() && m_part.back() == p) continue;
    m_part.push_back(p);
  }
  if (m_part.empty()) return;
  m_geometry.push_back(command(kMoveTo, static_cast<std::uint32_t>(m_part.size())));
  for (const TilePoint& p : m_part) {
    m_geometry.push_back(zigzag(p.x - m_cursor.x));
    m_geometry.push_back(zigzag(p.y - m_cursor.y));
    m_cursor = p;
  }
}

// The line is cut where it leaves the buffered tile; every piece inside becomes a part
// of its own (emit_part), collected in m_clip_a.
void Layer::add_line(const core::LineString& line) {
  project(line, false);
  if (m_projected.size() < 2) return;
  const Box b = box_of(m_projected);
  if (b.max_x < m_min || b.min_x > m_max || b.max_y < m_min || b.min_y > m_max) return;
  if (b.min_x >= m_min && b.max_x <= m_max && b.min_y >= m_min && b.max_y <= m_max) {
    std::swap(m_clip_a, m_projected);
    emit_part();
    return;
  }
  m_clip_a.clear();
  for (std::size_t i = 0; i + 1 < m_projected.size(); ++i) {
    const Coord a = m_projected[i], b2 = m_projected[i + 1];
    double t0 = 0, t1 = 1;
    if (!clip_segment(a, b2, m_min, m_max, t0, t1)) {
      if (!m_clip_a.empty()) emit_part();
      continue;
    }
    // Entering from outside starts a new part.
    if (t0 > 0 && !m_clip_a.empty()) emit_part();
    if (m_clip_a.empty()) m_clip_a.push_back(t0 > 0 ? along(a, b2, t0, m_min, m_max) : a);
    m_clip_a.push_back(t1 < 1 ? along(a, b2, t1, m_min, m_max) : b2);
    if (t1 < 1) emit_part();  // it leaves: the part ends here
  }
  if (!m_clip_a.empty()) emit_part();
}

// Rounds the part in m_clip_a, drops repeated positions and writes MoveTo + LineTo
// when at least two distinct positions remain.
void Layer::emit_part() {
  quantise_clipped();
  m_clip_a.clear();
  simplify_part(false);
  if (m_part.size() < 2) return;
  write_path();
}

// Douglas-Peucker on m_part with the layer's tolerance (none when 0): the ends of a line
// stay; a ring (open, no closing position) is split at its first vertex and the vertex
// farthest from it, both kept.
void Layer::simplify_part(bool ring) {
  const std::size_t n = m_part.size();
  if (m_simplify == 0 || n < 3) return;
  const double tolerance2 = static_cast<double>(m_simplify) * m_simplify;
  m_keep.assign(n, 0);
  m_keep[0] = 1;
  m_spans.clear();
  if (ring) {
    std::size_t far = 0;
    double best = -1;
    for (std::size_t i = 1; i < n; ++i) {
      double dx = static_cast<double>(m_part[i].x - m_part[0].x);
      double dy = static_cast<double>(m_part[i].y - m_part[0].y);
      if (dx * dx + dy * dy > best) {
        best = dx * dx + dy * dy;
        far = i;
      }
    }
    m_keep[far] = 1;
    m_spans.emplace_back(0, far);
    m_part.push_back(m_part[0]);  // the closing edge, from the far vertex back to the first
    m_keep.push_back(1);
    m_spans.emplace_back(far, n);
  } else {
    m_keep[n - 1] = 1;
    m_spans.emplace_back(0, n - 1);
  }
  while (!m_spans.empty()) {
    auto [a, b] = m_spans.back();
    m_spans.pop_back();
    if (b <= a + 1) continue;
    const double ax = static_cast<double>(m_part[a].x), ay = static_cast<double>(m_part[a].y);
    const double ux = static_cast<double>(m_part[b].x) - ax,
                 uy = static_cast<double>(m_part[b].y) - ay;
    const double uu = ux * ux + uy * uy;
    std::size_t far = a;
    double best = tolerance2;
    for (std::size_t i = a + 1; i < b; ++i) {
      double wx = static_cast<double>(m_part[i].x) - ax, wy = static_cast<double>(m_part[i].y) - ay;
      double t = uu > 0 ? std::clamp((wx * ux + wy * uy) / uu, 0.0, 1.0) : 0.0;
      double dx = wx - t * ux, dy = wy - t * uy;
      if (dx * dx + dy * dy > best) {
        best = dx * dx + dy * dy;
        far = i;
      }
    }
    if (far == a) continue;  // every vertex between within the tolerance: they go
    m_keep[far] = 1;
    m_spans.emplace_back(a, far);
    m_spans.emplace_back(far, b);
  }
  if (ring) {
    m_part.pop_back();
    m_keep.pop_back();
  }
  std::size_t k = 0;
  for (std::size_t i = 0; i < m_part.size(); ++i)
    if (m_keep[i]) m_part[k++] = m_part[i];
  m_part.resize(k);
}

// m_clip_a rounded to whole units into m_part, without consecutive repeats.
void Layer::quantise_clipped() {
  m_part.clear();
  for (const Coord& c : m_clip_a) {
    const TilePoint p{static_cast<std::int64_t>(round_unit(c.x)),
                      static_cast<std::int64_t>(round_unit(c.y))};
    if (m_part.empty() || m_part.back() != p) m_part.push_back(p);
  }
}

// m_part as MoveTo its first position and LineTo the others, relative to the cursor.
void Layer::write_path() {
  m_geometry.push_back(command(kMoveTo, 1));
  m_geometry.push_back(zigzag(m_part[0].x - m_cursor.x));
  m_geometry.push_back(zigzag(m_part[0].y - m_cursor.y));
  m_cursor = m_part[0];
  m_geometry.push_back(command(kLineTo, static_cast<std::uint32_t>(m_part.size() - 1)));
  for (std::size_t i = 1; i < m_part.size(); ++i) {
    m_geometry.push_back(zigzag(m_part[i].x - m_cursor.x));
    m_geometry.push_back(zigzag(m_part[i].y - m_cursor.y));
    m_cursor = m_part[i];
  }
}

void Layer::add_polygon(const core::Polygon& polygon) {
  for (std::size_t r = 0; r < polygon.size(); ++r) {
    project(polygon[r], true);
    m_clip_a.clear();
    if (m_projected.size() >= 3) {
      const Box b = box_of(m_projected);
      if (b.min_x >= m_min && b.max_x <= m_max && b.min_y >= m_min && b.max_y <= m_max) {
        std::swap(m_clip_a, m_projected);
      } else if (!(b.max_x < m_min || b.min_x > m_max || b.max_y < m_min || b.min_y > m_max)) {
        // Sutherland-Hodgman, one side of the buffered tile at a time.
        clip_ring_edge(m_projected, m_clip_b, false, m_min, true);
        clip_ring_edge(m_clip_b, m_clip_a, false, m_max, false);
        clip_ring_edge(m_clip_a, m_clip_b, true, m_min, true);
        clip_ring_edge(m_clip_b, m_clip_a, true, m_max, false);
      }
    }
    quantise_clipped();
    while (m_part.size() > 1 && m_part.back() == m_part.front()) m_part.pop_back();
    simplify_part(true);
    // Without its exterior ring the polygon is gone, holes and all.
    if (!emit_ring(r == 0) && r == 0) return;
  }
}

// Writes the ring in m_part (open, distinct neighbours) as MoveTo, LineTo, ClosePath,
// turned to positive area when exterior and negative when a hole. False when the ring
// is degenerate: under 3 positions or no area.
bool Layer::emit_ring(bool exterior) {
  remove_collinear(m_part);
  if (m_part.size() < 3) return false;
  const std::int64_t a = area2(m_part);
  if (a == 0) return false;
  if ((a > 0) != exterior) std::reverse(m_part.begin(), m_part.end());
  write_path();
  m_geometry.push_back(command(kClosePath, 1));
  return true;
}

// A key/value pair of the feature, as indexes into the layer's tables. Nulls are left
// out, and so is a key the feature already has (MVT 2.1, 4.4: keys are unique within a
// feature); the first value given wins.
void Layer::add_tag(std::string_view key, const core::Value& value) {
  if (std::holds_alternative<std::monostate>(value)) return;
  const std::uint32_t k = key_index(key);
  for (std::size_t i = 0; i < m_tags.size(); i += 2)
    if (m_tags[i] == k) return;
  m_tags.push_back(k);
  m_tags.push_back(value_index(value));
}

// The key's index in the layer's table, added to it on first use.
std::uint32_t Layer::key_index(std::string_view key) {
  if (auto it = m_key_index.find(key); it != m_key_index.end()) return it->second;
  const auto k = static_cast<std::uint32_t>(m_key_store.size());
  const std::string_view stored = m_key_store.emplace_back(key);
  m_key_index.emplace(stored, k);
  protozero::pbf_writer(m_keys).add_string(kLayerKeys, stored.data(), stored.size());
  return k;
}

// The value's index in the layer's table, added to it when no equal value is there.
std::uint32_t Layer::value_index(const core::Value& value) {
  return std::visit(
      [&](const auto& v) -> std::uint32_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (auto it = m_string_index.find(v); it != m_string_index.end()) return it->second;
          const std::string_view stored = m_string_store.emplace_back(v);
          const std::uint32_t i = write_value(value);
          m_string_index.emplace(stored, i);
          return i;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          if (auto it = m_int_index.find(v); it != m_int_index.end()) return it->second;
          const std::uint32_t i = write_value(value);
          m_int_index.emplace(v, i);
          return i;
        } else if constexpr (std::is_same_v<T, double>) {
          const auto bits = std::bit_cast<std::uint64_t>(v);
          if (auto it = m_double_index.find(bits); it != m_double_index.end()) return it->second;
          const std::uint32_t i = write_value(value);
          m_double_index.emplace(bits, i);
          return i;
        } else if constexpr (std::is_same_v<T, bool>) {
          std::uint32_t& slot = m_bool_index[v ? 1 : 0];
          if (slot == kNone) slot = write_value(value);
          return slot;
        } else {
          return kNone;  // std::monostate, filtered out by add_tag()
        }
      },
      value);
}

// Appends the value to the layer's table, equal or not to one there. Integers go out as
// uint_value when not negative and as sint_value (zigzag) when negative, the two compact
// encodings; doubles as double_value, so no precision is lost.
std::uint32_t Layer::write_value(const core::Value& value) {
  m_message.clear();
  protozero::pbf_writer w(m_message);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          w.add_string(kValueString, v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          if (v >= 0)
            w.add_uint64(kValueUint, static_cast<std::uint64_t>(v));
          else
            w.add_sint64(kValueSint, v);
        } else if constexpr (std::is_same_v<T, double>) {
          w.add_double(kValueDouble, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          w.add_bool(kValueBool, v);
        }
      },
      value);
  protozero::pbf_writer(m_values).add_message(kLayerValues, m_message);
  return m_value_count++;
}

// The feature's protobuf bytes are written by hand: protozero's packed fields go through
// a nested writer, which reserves room for the length and moves the field back over
// what it did not need, and its varints grow the string byte by byte. The hot spot of
// big tiles; the bytes are the same.
void Layer::write_feature(int type, std::optional<std::uint64_t> id) {
  constexpr auto key = [](protozero::pbf_tag_type tag, protozero::pbf_wire_type wire) {
    return static_cast<char>((tag << 3U) | static_cast<std::uint32_t>(wire));
  };
  std::size_t tags_size = 0, geometry_size = 0;
  for (std::uint32_t t : m_tags)
    tags_size += static_cast<std::size_t>(protozero::length_of_varint(t));
  for (std::uint32_t g : m_geometry)
    geometry_size += static_cast<std::size_t>(protozero::length_of_varint(g));
  // Keys of one byte, varints of at most 10.
  m_message.resize(4 * 11 + tags_size + geometry_size);
  char* const begin = m_message.data();
  char* p = begin;
  const auto put = [&p](std::uint64_t v) { p += protozero::write_varint(p, v); };
  using protozero::pbf_wire_type;
  if (id) {
    *p++ = key(kFeatureId, pbf_wire_type::varint);
    put(*id);
  }
  if (!m_tags.empty()) {
    *p++ = key(kFeatureTags, pbf_wire_type::length_delimited);
    put(tags_size);
    for (std::uint32_t t : m_tags) put(t);
  }
  *p++ = key(kFeatureType, pbf_wire_type::varint);
  put(static_cast<std::uint64_t>(type));
  *p++ = key(kFeatureGeometry, pbf_wire_type::length_delimited);
  put(geometry_size);
  for (std::uint32_t g : m_geometry) put(g);
  char head[11];
  char* h = head;
  *h++ = key(kLayerFeatures, pbf_wire_type::length_delimited);
  h += protozero::write_varint(h, static_cast<std::uint64_t>(p - begin));
  m_features.append(head, static_cast<std::size_t>(h - head));
  m_features.append(begin, static_cast<std::size_t>(p - begin));
  ++m_count;
}

// ---- Tile ----

std::string encode(std::span<const Layer> layers) {
  std::size_t size = 0;
  for (const Layer& l : layers)
    if (!l.empty())
      size += l.m_name.size() + l.m_features.size() + l.m_keys.size() + l.m_values.size() + 32;
  std::string out;
  out.reserve(size);
  protozero::pbf_writer tile(out);
  std::string header;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    if (l.empty()) continue;
    for (std::size_t j = 0; j < i; ++j)
      if (!layers[j].empty() && layers[j].m_name == l.m_name)
        throw core::InputError("layers", "two layers are named '" + l.m_name + "'");
    header.clear();
    protozero::pbf_writer h(header);
    h.add_uint32(kLayerVersion, 2);
    h.add_string(kLayerName, l.m_name);
    h.add_uint32(kLayerExtent, l.extent());
    // Fields may come in any order: the features, keys and values are already encoded.
    tile.add_bytes_vectored(kTileLayers, header, l.m_features, l.m_keys, l.m_values);
  }
  return out;
}

}  // namespace minemap::tiles::mvt
