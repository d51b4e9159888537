// ISO WKB and GeoPackage blob codec. The reader is fed untrusted bytes (files,
// databases, fuzzers): every read is bounds-checked and every count is checked
// against the bytes left before anything is allocated.
#include "geo/wkb.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/errors.hpp"

namespace minemap::geo {
namespace {

using core::Coord;
using core::Geometry;
using core::GeomType;

constexpr std::uint32_t kGeometryCollection = 7;
constexpr bool kHostLittle = std::endian::native == std::endian::little;

[[noreturn]] void fail(const std::string& what) {
  throw core::InputError("geometry", what);
}

// ---- writing (always little endian) ----

class Writer {
 public:
  void u8(std::uint8_t v) { m_out.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void i32(std::int32_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void coord(const Coord& c) {
    f64(c.x);
    f64(c.y);
  }
  void count(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max()) fail("too many elements for WKB");
    u32(static_cast<std::uint32_t>(n));
  }
  void header(std::uint32_t type) {
    u8(1);
    u32(type);
  }
  std::string take() { return std::move(m_out); }

 private:
  void raw(const void* p, std::size_t n) {
    char b[8];
    std::memcpy(b, p, n);
    if (!kHostLittle) std::reverse(b, b + n);
    m_out.append(b, n);
  }
  std::string m_out;
};

void write_line(Writer& w, const core::LineString& l) {
  w.count(l.size());
  for (const auto& c : l) w.coord(c);
}

void write_polygon(Writer& w, const core::Polygon& p) {
  w.count(p.size());
  for (const auto& ring : p) write_line(w, ring);
}

void write_point_geom(Writer& w, const Coord& c) {
  w.header(1);
  w.coord(c);
}
void write_line_geom(Writer& w, const core::LineString& l) {
  w.header(2);
  write_line(w, l);
}
void write_polygon_geom(Writer& w, const core::Polygon& p) {
  w.header(3);
  write_polygon(w, p);
}

// A single-part type holds at most one member; more would be silently lost.
template <typename T>
const T& single(const std::vector<T>& parts, const char* type) {
  static const T kEmpty{};
  if (parts.size() > 1)
    fail(std::string("a ") + type + " holds " + std::to_string(parts.size()) + " parts");
  return parts.empty() ? kEmpty : parts[0];
}

template <typename T, typename WriteOne>
void write_multi(Writer& w, std::uint32_t type, const std::vector<T>& parts, WriteOne write_one) {
  w.header(type);
  w.count(parts.size());
  for (const auto& p : parts) write_one(w, p);
}

void write_geometry(Writer& w, const Geometry& g) {
  switch (g.type) {
    case GeomType::None:
      // No geometry: GEOMETRYCOLLECTION EMPTY, the only collection we accept back.
      w.header(kGeometryCollection);
      w.u32(0);
      return;
    case GeomType::Point: {
      // GeoPackage and ISO agree: an empty point is POINT(NaN NaN).
      const double nan = std::numeric_limits<double>::quiet_NaN();
      write_point_geom(w, g.points.empty() ? Coord{nan, nan} : single(g.points, "Point"));
      return;
    }
    case GeomType::LineString: write_line_geom(w, single(g.lines, "LineString")); return;
    case GeomType::Polygon: write_polygon_geom(w, single(g.polygons, "Polygon")); return;
    case GeomType::MultiPoint: write_multi(w, 4, g.points, write_point_geom); return;
    case GeomType::MultiLineString: write_multi(w, 5, g.lines, write_line_geom); return;
    case GeomType::MultiPolygon: write_multi(w, 6, g.polygons, write_polygon_geom); return;
  }
  fail("unknown geometry type " + std::to_string(static_cast<int>(g.type)));
}

// ---- reading (either byte order) ----

class Reader {
 public:
  explicit Reader(std::string_view b) : m_b(b) {}

  std::size_t pos() const { return m_pos; }
  std::size_t left() const { return m_b.size() - m_pos; }

  std::uint8_t u8() {
    need(1);
    return static_cast<std::uint8_t>(m_b[m_pos++]);
  }
  std::uint32_t u32(bool le) {
    std::uint32_t v;
    raw(&v, sizeof v, le);
    return v;
  }
  std::int32_t i32(bool le) {
    std::int32_t v;
    raw(&v, sizeof v, le);
    return v;
  }
  double f64(bool le) {
    double v;
    raw(&v, sizeof v, le);
    return v;
  }
  // A count of elements each at least `min_bytes` long: larger than what is
  // left means a corrupt or hostile blob, caught before any allocation.
  std::uint32_t count(bool le, std::size_t min_bytes) {
    std::size_t at = m_pos;
    std::uint32_t n = u32(le);
    if (n > left() / min_bytes)
      fail("count " + std::to_string(n) + " at byte " + std::to_string(at) +
           " exceeds the data left");
    return n;
  }

  // n bytes as they are, for a bulk copy.
  const char* bytes(std::size_t n) {
    need(n);
    const char* p = m_b.data() + m_pos;
    m_pos += n;
    return p;
  }

 private:
  void need(std::size_t n) const {
    if (left() < n) fail("truncated WKB at byte " + std::to_string(m_pos));
  }
  void raw(void* out, std::size_t n, bool le) {
    need(n);
    char b[8];
    std::memcpy(b, m_b.data() + m_pos, n);
    if (le != kHostLittle) std::reverse(b, b + n);
    std::memcpy(out, b, n);
    m_pos += n;
  }

  std::string_view m_b;
  std::size_t m_pos = 0;
};

struct Header {
  bool le = true;
  std::uint32_t base = 0;  // 1..7
  int dims = 2;            // ordinates per coordinate; Z and M are read and dropped
};

Header read_header(Reader& r) {
  Header h;
  std::size_t at = r.pos();
  std::uint8_t order = r.u8();
  if (order > 1)
    fail("invalid byte order " + std::to_string(order) + " at byte " + std::to_string(at));
  h.le = order == 1;
  std::uint32_t type = r.u32(h.le);
  if (type & 0xE0000000u) fail("EWKB (PostGIS extended WKB) is not supported; use ISO WKB");
  h.base = type % 1000;
  std::uint32_t dim = type / 1000;  // 0: XY, 1: XYZ, 2: XYM, 3: XYZM
  if (h.base < 1 || h.base > kGeometryCollection || dim > 3)
    fail("unsupported WKB geometry type " + std::to_string(type));
  h.dims = 2 + (dim == 1 || dim == 2 ? 1 : 0) + (dim == 3 ? 2 : 0);
  return h;
}

Coord read_coord_raw(Reader& r, const Header& h) {
  Coord c{r.f64(h.le), r.f64(h.le)};
  for (int i = 2; i < h.dims; ++i) r.f64(h.le);
  return c;
}

Coord read_coord(Reader& r, const Header& h) {
  std::size_t at = r.pos();
  Coord c = read_coord_raw(r, h);
  if (!std::isfinite(c.x) || !std::isfinite(c.y))
    fail("non-finite coordinate at byte " + std::to_string(at));
  return c;
}

std::size_t coord_bytes(const Header& h) {
  return 8 * static_cast<std::size_t>(h.dims);
}

core::LineString read_line(Reader& r, const Header& h) {
  std::uint32_t n = r.count(h.le, coord_bytes(h));
  core::LineString l;
  if (h.le == kHostLittle && h.dims == 2) {
    // The common case (X Y in the host's byte order) copied whole, then checked.
    std::size_t at = r.pos();
    l.resize(n);
    static_assert(sizeof(Coord) == 16);
    const char* bytes = r.bytes(16 * static_cast<std::size_t>(n));
    if (n > 0) std::memcpy(l.data(), bytes, 16 * static_cast<std::size_t>(n));
    for (std::uint32_t i = 0; i < n; ++i)
      if (!std::isfinite(l[i].x) || !std::isfinite(l[i].y))
        fail("non-finite coordinate at byte " + std::to_string(at + 16 * std::size_t{i}));
    return l;
  }
  l.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) l.push_back(read_coord(r, h));
  return l;
}

core::Polygon read_polygon(Reader& r, const Header& h) {
  std::uint32_t n = r.count(h.le, 4);
  core::Polygon p;
  p.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) p.push_back(read_line(r, h));
  return p;
}

// Returns false for an empty point (both ordinates NaN).
bool read_point(Reader& r, const Header& h, Coord& out) {
  std::size_t at = r.pos();
  Coord c = read_coord_raw(r, h);
  if (std::isnan(c.x) && std::isnan(c.y)) return false;
  if (!std::isfinite(c.x) || !std::isfinite(c.y))
    fail("non-finite coordinate at byte " + std::to_string(at));
  out = c;
  return true;
}

Header read_member_header(Reader& r, std::uint32_t expected) {
  std::size_t at = r.pos();
  Header h = read_header(r);
  if (h.base != expected)
    fail("member of type " + std::to_string(h.base) + " at byte " + std::to_string(at) +
         " in a collection of type " + std::to_string(expected + 3));
  return h;
}

// The members of a Multi* geometry, each with its own header (and byte order).
template <typename ReadOne>
void read_members(Reader& r, const Header& h, std::uint32_t member_type, ReadOne read_one) {
  constexpr std::size_t kMinMember = 9;  // byte order + type + one count or more
  std::uint32_t n = r.count(h.le, kMinMember);
  for (std::uint32_t i = 0; i < n; ++i) read_one(read_member_header(r, member_type));
}

Geometry read_geometry(Reader& r) {
  Header h = read_header(r);
  Geometry g;
  g.type = static_cast<GeomType>(h.base);
  switch (h.base) {
    case 1: {
      Coord c;
      if (read_point(r, h, c)) g.points.push_back(c);
      break;
    }
    // LINESTRING EMPTY and POLYGON EMPTY hold no member, like the core values they mean.
    case 2:
      if (auto l = read_line(r, h); !l.empty()) g.lines.push_back(std::move(l));
      break;
    case 3:
      if (auto p = read_polygon(r, h); !p.empty()) g.polygons.push_back(std::move(p));
      break;
    case 4:
      read_members(r, h, 1, [&](const Header& m) {
        // Core geometries have no empty member points; an empty one adds nothing.
        if (Coord c; read_point(r, m, c)) g.points.push_back(c);
      });
      break;
    case 5:
      read_members(r, h, 2, [&](const Header& m) { g.lines.push_back(read_line(r, m)); });
      break;
    case 6:
      read_members(r, h, 3, [&](const Header& m) { g.polygons.push_back(read_polygon(r, m)); });
      break;
    default: {
      // GEOMETRYCOLLECTION EMPTY stands for "no geometry" (see write_geometry).
      if (r.u32(h.le) != 0) fail("GeometryCollection is not supported");
      g.type = GeomType::None;
      break;
    }
  }
  return g;
}

// ---- GeoPackage header ----

constexpr std::uint8_t kFlagLittleEndian = 0x01;
constexpr std::uint8_t kFlagEmpty = 0x10;
constexpr std::uint8_t kFlagExtended = 0x20;
constexpr int kEnvelopeXY = 1;

}  // namespace

std::string to_wkb(const Geometry& g) {
  Writer w;
  write_geometry(w, g);
  return w.take();
}

Geometry from_wkb(std::string_view wkb) {
  if (wkb.empty()) fail("empty WKB");
  Reader r(wkb);
  Geometry g = read_geometry(r);
  if (r.left() != 0)
    fail(std::to_string(r.left()) + " trailing bytes after WKB at byte " + std::to_string(r.pos()));
  return g;
}

std::string to_gpkg_blob(const Geometry& g, std::int32_t srs_id) {
  Writer w;
  w.u8('G');
  w.u8('P');
  w.u8(0);  // version 1 of the blob format is encoded as 0
  bool empty = g.empty();
  bool with_envelope = !empty && g.type != GeomType::Point;
  std::uint8_t flags = kFlagLittleEndian;
  if (empty) flags |= kFlagEmpty;
  if (with_envelope) flags |= kEnvelopeXY << 1;
  w.u8(flags);
  w.i32(srs_id);
  if (with_envelope) {
    core::Envelope e = g.envelope();
    w.f64(e.min_x);
    w.f64(e.max_x);
    w.f64(e.min_y);
    w.f64(e.max_y);
  }
  std::string out = w.take();
  out += to_wkb(g);
  return out;
}

GpkgHeader read_gpkg_header(std::string_view blob) {
  Reader r(blob);
  if (blob.size() < 8 || blob[0] != 'G' || blob[1] != 'P')
    fail("not a GeoPackage geometry blob (no \"GP\" magic)");
  r.u8();
  r.u8();
  std::uint8_t version = r.u8();
  if (version != 0) fail("unsupported GeoPackage blob version " + std::to_string(version));
  std::uint8_t flags = r.u8();
  if (flags & kFlagExtended) fail("extended GeoPackage geometry blobs are not supported");
  bool le = flags & kFlagLittleEndian;
  int envelope = (flags >> 1) & 0x07;
  if (envelope > 4) fail("invalid GeoPackage envelope indicator " + std::to_string(envelope));

  GpkgHeader h;
  h.empty = flags & kFlagEmpty;
  h.srs_id = r.i32(le);
  if (envelope != 0) {
    double v[8];
    int n = envelope == 1 ? 4 : envelope == 4 ? 8 : 6;
    for (int i = 0; i < n; ++i) v[i] = r.f64(le);
    // Empty geometries may carry a NaN envelope; keep the header's envelope empty then.
    if (!std::isnan(v[0])) {
      h.envelope.min_x = v[0];
      h.envelope.max_x = v[1];
      h.envelope.min_y = v[2];
      h.envelope.max_y = v[3];
    }
  }
  h.header_size = r.pos();
  return h;
}

Geometry from_gpkg_blob(std::string_view blob) {
  GpkgHeader h = read_gpkg_header(blob);
  return from_wkb(blob.substr(h.header_size));
}

std::optional<Coord> first_point_of_gpkg_blob(std::string_view blob) {
  GpkgHeader h = read_gpkg_header(blob);
  std::string_view wkb = blob.substr(h.header_size);
  // byte order, type 1 (Point, 2D), x, y: 21 bytes.
  if (wkb.size() == 21 && (wkb[0] == 0 || wkb[0] == 1)) {
    Reader r(wkb);
    bool le = r.u8() == 1;
    if (r.u32(le) == 1) {
      Coord c;
      c.x = r.f64(le);
      c.y = r.f64(le);
      if (!std::isnan(c.x) && !std::isnan(c.y)) return c;
    }
  }
  Geometry g = from_wkb(wkb);
  if (g.points.empty()) return std::nullopt;
  return g.points[0];
}

}  // namespace minemap::geo
