#include "tiles/cell_pyramid.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <tuple>

#include "codec/gzip.hpp"
#include "core/errors.hpp"

namespace minemap::tiles {

namespace {

// Web Mercator stops short of the poles.
constexpr double kMaxLat = 85.0511287798066;

double round4(double v) {
  return std::round(v * 1e4) / 1e4;
}

core::Geometry box_polygon(const core::Envelope& b) {
  core::Geometry g;
  g.type = core::GeomType::Polygon;
  g.polygons.push_back({{{b.min_x, b.min_y},
                         {b.max_x, b.min_y},
                         {b.max_x, b.max_y},
                         {b.min_x, b.max_y},
                         {b.min_x, b.min_y}}});
  return g;
}

// The column and row of the world grid of n × n squares (XYZ: rows from the top) that
// hold a lon/lat position, clamped to the grid.
std::uint32_t grid_x(double lon, std::uint64_t n) {
  const double f = (lon + 180.0) / 360.0 * static_cast<double>(n);
  return static_cast<std::uint32_t>(std::clamp(std::floor(f), 0.0, static_cast<double>(n - 1)));
}
std::uint32_t grid_y(double lat, std::uint64_t n) {
  const core::Coord m = mvt::lonlat_to_mercator({0, std::clamp(lat, -kMaxLat, kMaxLat)});
  const double f = (mvt::kWorldHalf - m.y) / (2 * mvt::kWorldHalf) * static_cast<double>(n);
  return static_cast<std::uint32_t>(std::clamp(std::floor(f), 0.0, static_cast<double>(n - 1)));
}

// A square of the zooms below the cells': its place on the world grid of the zoom's
// squares, and its cells' highest value, sum and number.
struct Square {
  std::uint32_t x = 0, y = 0;
  double max = 0, sum = 0;
  std::uint64_t cells = 0;
};

// Squares ordered by their tile (x >> shift, y >> shift), then row and column: a tile's
// squares are then one run, in a fixed order.
void sort_squares(std::vector<Square>& v, int shift) {
  std::sort(v.begin(), v.end(), [shift](const Square& a, const Square& b) {
    const auto ta = std::make_tuple(a.x >> shift, a.y >> shift, a.y, a.x);
    const auto tb = std::make_tuple(b.x >> shift, b.y >> shift, b.y, b.x);
    return ta < tb;
  });
}

// Equal squares (same x and y, adjacent after sort_squares) merged into one.
void merge_squares(std::vector<Square>& v) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (out > 0 && v[out - 1].x == v[i].x && v[out - 1].y == v[i].y) {
      Square& s = v[out - 1];
      s.max = std::max(s.max, v[i].max);
      s.sum += v[i].sum;
      s.cells += v[i].cells;
    } else {
      v[out++] = v[i];
    }
  }
  v.resize(out);
}

const char* json_type(const core::Value& v) {
  if (std::holds_alternative<std::string>(v)) return "String";
  if (std::holds_alternative<bool>(v)) return "Boolean";
  return "Number";
}

}  // namespace

int cell_zoom(double width_deg, const PyramidOptions& o) {
  if (!(width_deg > 0)) return o.max_zoom;
  // A cell spans width_deg / 360 * 2^z * 256 pixels at zoom z.
  const double need = static_cast<double>(o.cell_px) * 360.0 / (256.0 * width_deg);
  const int z = need <= 1 ? 0 : static_cast<int>(std::ceil(std::log2(need) - 1e-12));
  return std::clamp(z, 0, o.max_zoom);
}

PyramidSummary write_cell_pyramid(const CellLayer& layer, MbTilesWriter& out,
                                  const PyramidOptions& o) {
  const std::size_t n = layer.boxes.size();
  if (n == 0) throw core::InputError("cells", "no cell to draw");
  if (layer.values.size() != n) throw std::invalid_argument("write_cell_pyramid: values");
  if (o.square_px < 1 || o.square_px > 256 || (o.square_px & (o.square_px - 1)) != 0)
    throw std::invalid_argument("write_cell_pyramid: square_px");
  PyramidSummary summary;
  core::Envelope bounds;
  double width = std::numeric_limits<double>::infinity();
  for (const auto& b : layer.boxes) {
    bounds.expand(b);
    width = std::min(width, b.max_x - b.min_x);
  }
  const int zc = cell_zoom(width, o);
  summary.max_zoom = zc;
  std::map<std::string, std::string> fields;  // name -> JSON type, for the metadata

  auto emit = [&](const mvt::Layer& l) {
    if (l.empty()) return;
    const std::string bytes = codec::gzip(mvt::encode(std::span(&l, 1)));
    out.add(l.tile().z, l.tile().x, l.tile().y, bytes);
    ++summary.tiles;
    summary.bytes += bytes.size();
    summary.features += l.size();
  };

  // The cells' zoom: each cell in every tile its box meets (clipped there with the buffer).
  {
    const std::uint64_t tiles_per_side = std::uint64_t{1} << zc;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> placed;  // (x << 32 | y, cell)
    placed.reserve(n + n / 8);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& b = layer.boxes[i];
      const std::uint32_t x0 = grid_x(b.min_x, tiles_per_side),
                          x1 = grid_x(b.max_x, tiles_per_side);
      const std::uint32_t y0 = grid_y(b.max_y, tiles_per_side),
                          y1 = grid_y(b.min_y, tiles_per_side);
      for (std::uint64_t x = x0; x <= x1; ++x)
        for (std::uint64_t y = y0; y <= y1; ++y)
          placed.emplace_back(x << 32 | y, static_cast<std::uint32_t>(i));
    }
    std::sort(placed.begin(), placed.end());
    mvt::Attributes a;
    for (std::size_t k = 0; k < placed.size();) {
      const std::uint64_t key = placed[k].first;
      mvt::Layer l(layer.name, mvt::TileId{zc, static_cast<std::uint32_t>(key >> 32),
                                           static_cast<std::uint32_t>(key & 0xffffffffu)});
      for (; k < placed.size() && placed[k].first == key; ++k) {
        const std::size_t i = placed[k].second;
        a.clear();
        a.emplace_back(layer.value_key, round4(layer.values[i]));
        if (layer.attributes) layer.attributes(i, a);
        for (const auto& [name, v] : a)
          if (!std::holds_alternative<std::monostate>(v)) fields.emplace(name, json_type(v));
        l.add_feature(box_polygon(layer.boxes[i]), a,
                      layer.id ? layer.id(i) : std::optional<std::uint64_t>());
      }
      emit(l);
    }
    if (o.progress) o.progress(zc, summary.tiles);
  }

  // The zooms below: squares of square_px pixels, each zoom's from the one above it.
  const int shift = static_cast<int>(std::log2(256 / o.square_px));  // squares per tile: 2^shift
  std::vector<Square> squares;
  if (zc > 0) {
    const std::uint64_t side = std::uint64_t{1} << (zc - 1 + shift);
    squares.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& b = layer.boxes[i];
      const double v = layer.values[i];
      squares.push_back(
          {grid_x((b.min_x + b.max_x) / 2, side), grid_y((b.min_y + b.max_y) / 2, side), v, v, 1});
    }
  }
  mvt::Attributes a;
  const std::string mean_key = layer.value_key + "_mean";
  for (int z = zc - 1; z >= 0; --z) {
    if (z < zc - 1)
      for (auto& s : squares) {
        s.x >>= 1;
        s.y >>= 1;
      }
    sort_squares(squares, shift);
    merge_squares(squares);
    const double side = static_cast<double>(std::uint64_t{1} << (z + shift));
    const double step = 2 * mvt::kWorldHalf / side;
    for (std::size_t k = 0; k < squares.size();) {
      const std::uint32_t tx = squares[k].x >> shift, ty = squares[k].y >> shift;
      mvt::Layer l(layer.name, mvt::TileId{z, tx, ty});
      for (; k < squares.size() && squares[k].x >> shift == tx && squares[k].y >> shift == ty;
           ++k) {
        const Square& s = squares[k];
        const core::Coord nw =
            mvt::mercator_to_lonlat({-mvt::kWorldHalf + s.x * step, mvt::kWorldHalf - s.y * step});
        const core::Coord se = mvt::mercator_to_lonlat(
            {-mvt::kWorldHalf + (s.x + 1) * step, mvt::kWorldHalf - (s.y + 1) * step});
        a.clear();
        a.emplace_back(layer.value_key, round4(s.max));
        a.emplace_back(mean_key, round4(s.sum / static_cast<double>(s.cells)));
        a.emplace_back("cells", static_cast<std::int64_t>(s.cells));
        l.add_feature(box_polygon({nw.x, se.y, se.x, nw.y}), a);
      }
      emit(l);
    }
    if (o.progress) o.progress(z, summary.tiles);
  }
  if (zc > 0) {
    fields.emplace(mean_key, "Number");
    fields.emplace("cells", "Number");
  }

  ArchiveMetadata& m = summary.metadata;
  m.format = "mbtiles";
  m.min_zoom = 0;
  m.max_zoom = zc;
  m.name = o.name;
  m.description = o.description;
  m.has_bounds = true;
  m.west = std::max(bounds.min_x, -180.0);
  m.south = std::max(bounds.min_y, -kMaxLat);
  m.east = std::min(bounds.max_x, 180.0);
  m.north = std::min(bounds.max_y, kMaxLat);
  m.has_center = true;
  m.center_lon = (m.west + m.east) / 2;
  m.center_lat = (m.south + m.north) / 2;
  m.center_zoom = std::max(0, zc - 3);
  nlohmann::json f = nlohmann::json::object();
  for (const auto& [k, t] : fields) f[k] = t;
  m.vector_layers =
      nlohmann::json::array({{{"id", layer.name}, {"minzoom", 0}, {"maxzoom", zc}, {"fields", f}}})
          .dump();
  return summary;
}

}  // namespace minemap::tiles
