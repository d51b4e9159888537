// `minemap risk` on a store; see risk_grid.hpp and docs/risk.md.
#include "ops/risk_grid.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "core/errors.hpp"
#include "core/schema.hpp"
#include "geo/geodesy.hpp"
#include "index/point_index.hpp"
#include "index/shape_index.hpp"
#include "io/gdal_raster.hpp"
#include "io/gdal_sink.hpp"
#include "io/gdal_source.hpp"
#include "store/registry.hpp"
#include "store/spatial.hpp"
#include "tiles/archive_writer.hpp"
#include "tiles/cell_pyramid.hpp"

namespace minemap::ops {

namespace {

using core::Entity;
using core::spec;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMarginM = 1000;  // around the features' extent when the store has no admin areas

// The grid: cells of step_lon x step_lat degrees from (west, south), row 0 the southmost.
struct Grid {
  double west = 0, south = 0, step_lon = 0, step_lat = 0;
  std::int64_t columns = 0, rows = 0;

  std::int64_t size() const { return columns * rows; }
  core::Coord centre(std::int64_t cell) const {
    return {west + (static_cast<double>(cell % columns) + 0.5) * step_lon,
            south + (static_cast<double>(cell / columns) + 0.5) * step_lat};
  }
  // The cell holding p (west and south edges in, east and north edges out), if any.
  std::optional<std::int64_t> cell_of(core::Coord p) const {
    const double c = std::floor((p.x - west) / step_lon), r = std::floor((p.y - south) / step_lat);
    if (!(c >= 0 && r >= 0 && c < static_cast<double>(columns) && r < static_cast<double>(rows)))
      return std::nullopt;
    return static_cast<std::int64_t>(r) * columns + static_cast<std::int64_t>(c);
  }
  core::Geometry polygon(std::int64_t cell) const {
    const double x0 = west + static_cast<double>(cell % columns) * step_lon;
    const double y0 = south + static_cast<double>(cell / columns) * step_lat;
    const double x1 = x0 + step_lon, y1 = y0 + step_lat;
    core::Geometry g;
    g.type = core::GeomType::Polygon;
    g.polygons.push_back({{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}});
    return g;
  }
};

// Metres per degree of longitude and of latitude at latitude `lat` (geodesic, WGS 84,
// measured over a hundredth of a degree).
std::pair<double, double> metres_per_degree(double lat) {
  const double d = 0.01;
  const double y = std::clamp(lat, -89.0, 89.0);
  return {geo::distance_m({0, y}, {d, y}) / d, geo::distance_m({0, y - d / 2}, {0, y + d / 2}) / d};
}

Grid make_grid(const core::Envelope& area, double cell_m, std::size_t max_cells) {
  const auto [lon_m, lat_m] = metres_per_degree((area.min_y + area.max_y) / 2);
  Grid g;
  g.west = area.min_x;
  g.south = area.min_y;
  g.step_lon = cell_m / lon_m;
  g.step_lat = cell_m / lat_m;
  const double cols = std::max(1.0, std::ceil((area.max_x - area.min_x) / g.step_lon - 1e-9));
  const double rows = std::max(1.0, std::ceil((area.max_y - area.min_y) / g.step_lat - 1e-9));
  const double n = cols * rows;
  if (!std::isfinite(n) || n > static_cast<double>(max_cells)) {
    char what[200];
    std::snprintf(what, sizeof what,
                  "%g m makes %.3g cells, more than %zu: give a larger --cell or a smaller "
                  "--bbox",
                  cell_m, n, max_cells);
    throw core::InputError("--cell", what);
  }
  g.columns = static_cast<std::int64_t>(cols);
  g.rows = static_cast<std::int64_t>(rows);
  return g;
}

// A point layer's events bucketed by the cell holding them.
struct Events {
  store::SpatialLayer layer;
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> in_cell;  // cell -> keys

  Events(store::SpatialLayer l, const Grid& g) : layer(std::move(l)) {
    for (std::size_t i = 0; i < layer.points.size(); ++i)
      if (const auto c = g.cell_of(layer.points.coord(i)))
        in_cell[*c].push_back(layer.points.key(i));
  }
  bool any_in(std::int64_t cell) const { return in_cell.count(cell) > 0; }

  // The leakage rule: the events inside the cell are ignored.
  double nearest_outside_m(std::int64_t cell, core::Coord c) const {
    static const std::vector<std::int64_t> none;
    const auto it = in_cell.find(cell);
    const auto& inside = it == in_cell.end() ? none : it->second;
    for (const auto& h : layer.points.nearest(c, inside.size() + 1))
      if (std::find(inside.begin(), inside.end(), h.key) == inside.end()) return h.distance_m;
    return kNaN;
  }
  std::int64_t count_outside(std::int64_t cell, core::Coord c, double metres) const {
    const auto it = in_cell.find(cell);
    std::int64_t n = 0;
    for (std::int64_t k : layer.points.within_keys(c, metres))
      if (it == in_cell.end() ||
          std::find(it->second.begin(), it->second.end(), k) == it->second.end())
        ++n;
    return n;
  }
};

double nearest_m(const store::SpatialLayer& l, core::Coord c) {
  const auto hits = l.points_only ? l.points.nearest(c, 1) : l.shapes.nearest(c, 1);
  return hits.empty() ? kNaN : hits.front().distance_m;
}

core::Value real_or_null(double v) {
  return std::isfinite(v) ? core::Value(v) : core::Value(std::monostate{});
}

std::string text_of(const core::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "1" : "0";
  if (const auto* d = std::get_if<double>(&v)) {
    char s[32];
    const auto r = std::to_chars(s, s + sizeof s, *d);
    return std::string(s, r.ptr);
  }
  return "";
}

void check_store(const std::string& store) {
  const bool database = store.rfind("postgres", 0) == 0;
  if (!database && !std::filesystem::exists(store)) throw core::InputError(store, "no such store");
}

}  // namespace

RiskGridSummary risk_grid(const RiskGridOptions& o) {
  if (!(o.cell_m > 0) || !std::isfinite(o.cell_m))
    throw core::InputError("--cell", "must be a number of metres above 0");
  // Everything that can be refused is checked before the store is read.
  io::check_sink_target(o.out, io::SinkFormat::Gpkg, core::GeomType::Polygon, o.overwrite);
  std::vector<io::RasterSampler> rasters;
  std::vector<std::string> raster_names;
  const std::vector<std::string> base = {"dist_accident_m",   "dist_item_m",        "dist_hazard_m",
                                         "dist_cleared_m",    "dist_record_mine_m", "dist_road_m",
                                         "dist_settlement_m", "accidents_1km",      "accidents_5km",
                                         "items_1km",         "items_5km"};
  std::set<std::string> names(base.begin(), base.end());
  names.insert({"cell", "admin_area_id", "label"});
  for (const auto& path : o.rasters) {
    const std::string stem = std::filesystem::path(path).stem().string();
    if (stem.empty() || !names.insert(stem).second)
      throw core::InputError("--raster", path + ": its column \"" + stem +
                                             "\" is taken (by another raster or a feature)");
    rasters.emplace_back(path);
    raster_names.push_back(stem);
  }
  check_store(o.store);
  auto reg = store::Registry::open(o.store, false);

  // The area of interest.
  RiskGridSummary s;
  core::Envelope area;
  store::ListQuery approved;
  approved.approved_only = true;
  struct Admin {
    std::string id;
    std::int64_t level = 0;
  };
  std::vector<Admin> admins;
  index::ShapeIndex::Builder admin_builder;
  index::ShapeIndex::Builder cleared_builder;
  reg.read_snapshot([&] {
    core::Geometry g;
    reg.scan(spec(Entity::AdminArea), approved, {"id", "level", "geom"},
             [&](const store::ScanRow& r) {
               if (!r.geometry(2, g)) return;
               admin_builder.add(static_cast<std::int64_t>(admins.size()), g);
               admins.push_back({std::string(r.text(0).value_or("")), r.integer(1).value_or(0)});
               if (!o.bbox) area.expand(g.envelope());
             });
    std::int64_t key = 0;
    reg.scan(spec(Entity::Release), approved, {"outcome", "geom"}, [&](const store::ScanRow& r) {
      const auto outcome = r.text(0).value_or("");
      if ((outcome == "cleared" || outcome == "reduced") && r.geometry(1, g))
        cleared_builder.add(key++, g);
    });
  });
  if (o.bbox) {
    area = *o.bbox;
    s.area_from = "--bbox";
  } else if (!area.empty()) {
    s.area_from = "admin areas";
  } else {
    for (Entity e : {Entity::Accident, Entity::Item, Entity::Hazard, Entity::Release,
                     Entity::RecordMine, Entity::Road, Entity::Settlement})
      reg.for_each_geometry(spec(e), approved, [&](const std::string&, const core::Geometry& g) {
        area.expand(g.envelope());
      });
    if (area.empty())
      throw core::InputError(o.store, "has no admin areas and no features: give --bbox");
    const auto [lon_m, lat_m] = metres_per_degree((area.min_y + area.max_y) / 2);
    area.min_x -= kMarginM / lon_m;
    area.max_x += kMarginM / lon_m;
    area.min_y = std::max(-90.0, area.min_y - kMarginM / lat_m);
    area.max_y = std::min(90.0, area.max_y + kMarginM / lat_m);
    s.area_from = "features";
  }
  const Grid grid = make_grid(area, o.cell_m, o.max_cells);
  s.columns = static_cast<std::size_t>(grid.columns);
  s.rows = static_cast<std::size_t>(grid.rows);
  s.step_lon = grid.step_lon;
  s.step_lat = grid.step_lat;
  s.area = {grid.west, grid.south, grid.west + static_cast<double>(grid.columns) * grid.step_lon,
            grid.south + static_cast<double>(grid.rows) * grid.step_lat};

  // The layers.
  const Events accidents(store::load_layer(reg, spec(Entity::Accident), true), grid);
  const Events items(store::load_layer(reg, spec(Entity::Item), true), grid);
  const auto hazards = store::load_layer(reg, spec(Entity::Hazard), true);
  const auto mines = store::load_layer(reg, spec(Entity::RecordMine), true);
  const auto roads = store::load_layer(reg, spec(Entity::Road), true);
  const auto settlements = store::load_layer(reg, spec(Entity::Settlement), true);
  const auto cleared = std::move(cleared_builder).build();
  const auto admin_index = std::move(admin_builder).build(index::ShapeIndex::Queries::Containment);

  // Rasters first, for every centre at once.
  const auto n = static_cast<std::size_t>(grid.size());
  std::vector<std::vector<std::optional<double>>> raster_values;
  {
    std::vector<core::Coord> centres(n);
    for (std::size_t i = 0; i < n; ++i) centres[i] = grid.centre(static_cast<std::int64_t>(i));
    for (auto& r : rasters) raster_values.push_back(r.sample(centres));
  }

  std::vector<io::SinkColumn> columns;
  columns.emplace_back("cell", core::FieldType::Integer);
  for (std::size_t k = 0; k < base.size(); ++k)
    columns.emplace_back(base[k], k < 7 ? core::FieldType::Real : core::FieldType::Integer);
  for (const auto& r : raster_names) columns.emplace_back(r, core::FieldType::Real);
  columns.emplace_back("admin_area_id", core::FieldType::Text);
  columns.emplace_back("label", core::FieldType::Integer);
  s.features = base;
  s.features.insert(s.features.end(), raster_names.begin(), raster_names.end());

  io::FeatureSink sink(o.out, io::SinkFormat::Gpkg, kRiskGridLayer, core::GeomType::Polygon,
                       columns, o.overwrite);
  std::vector<core::Value> row;
  for (std::size_t i = 0; i < n; ++i) {
    const auto cell = static_cast<std::int64_t>(i);
    const core::Coord c = grid.centre(cell);
    row.clear();
    row.emplace_back(cell);
    row.push_back(real_or_null(accidents.nearest_outside_m(cell, c)));
    row.push_back(real_or_null(items.nearest_outside_m(cell, c)));
    row.push_back(real_or_null(nearest_m(hazards, c)));
    // Land released around the centre is ignored, as the events in the cell are: it is
    // what makes the cell a negative.
    double to_cleared = kNaN;
    {
      const auto inside = cleared.containing(c);
      for (const auto& h : cleared.nearest(c, inside.size() + 1))
        if (std::find(inside.begin(), inside.end(), h.key) == inside.end()) {
          to_cleared = h.distance_m;
          break;
        }
    }
    row.push_back(real_or_null(to_cleared));
    row.push_back(real_or_null(nearest_m(mines, c)));
    row.push_back(real_or_null(nearest_m(roads, c)));
    row.push_back(real_or_null(nearest_m(settlements, c)));
    row.emplace_back(accidents.count_outside(cell, c, 1000));
    row.emplace_back(accidents.count_outside(cell, c, 5000));
    row.emplace_back(items.count_outside(cell, c, 1000));
    row.emplace_back(items.count_outside(cell, c, 5000));
    for (const auto& values : raster_values)
      row.push_back(values[i] ? core::Value(*values[i]) : core::Value(std::monostate{}));
    // The most detailed admin area holding the centre (highest level, then lowest id).
    const Admin* admin = nullptr;
    for (std::int64_t k : admin_index.containing(c)) {
      const Admin& a = admins[static_cast<std::size_t>(k)];
      if (!admin || a.level > admin->level || (a.level == admin->level && a.id < admin->id))
        admin = &a;
    }
    row.push_back(admin ? core::Value(admin->id) : core::Value(std::monostate{}));
    if (accidents.any_in(cell) || items.any_in(cell)) {
      row.emplace_back(std::int64_t{1});
      ++s.positives;
    } else if (cleared.covered(c)) {
      row.emplace_back(std::int64_t{0});
      ++s.negatives;
    } else {
      row.emplace_back(std::monostate{});
    }
    sink.write(row, grid.polygon(cell));
  }
  sink.close();
  return s;
}

GridTable read_risk_grid(const std::string& path) {
  if (!std::filesystem::exists(path)) throw core::InputError(path, "no such file");
  io::SourceOptions so;
  so.layer = kRiskGridLayer;
  io::FeatureSource src(path, so);
  GridTable g;
  g.table.columns = src.columns();
  if (g.table.columns.empty() || g.table.columns.front() != "cell")
    throw core::InputError(path, "is not a grid of minemap risk grid (no column \"cell\")");
  io::SourceFeature f;
  while (src.next(f)) {
    std::vector<std::string> cells;
    cells.reserve(f.values.size());
    for (const auto& v : f.values) cells.push_back(text_of(v));
    g.table.rows.push_back(std::move(cells));
    g.table.line.push_back(static_cast<std::size_t>(f.index) + 1);
    g.geometry.push_back(f.geometry);
  }
  return g;
}

RiskTrained risk_train_grid(RiskTrainOptions o) {
  auto g = read_risk_grid(o.table);
  if (o.label.empty()) o.label = "label";
  if (o.group.empty()) o.group = "admin_area_id";
  const auto label = g.table.column(o.label);
  if (!label) throw core::InputError("--label", "the grid has no column \"" + o.label + "\"");
  const auto admin = g.table.column("admin_area_id");
  if (admin && o.group != "admin_area_id") o.exclude.push_back("admin_area_id");
  io::Table t;
  t.columns = g.table.columns;
  for (std::size_t i = 0; i < g.table.rows.size(); ++i) {
    auto& row = g.table.rows[i];
    if (row[*label].empty()) continue;
    if (admin && row[*admin].empty()) row[*admin] = "(no admin area)";
    t.rows.push_back(std::move(row));
    t.line.push_back(g.table.line[i]);
  }
  if (t.rows.empty()) throw core::InputError(o.table, "no cell is labelled: nothing to learn");
  return risk_train_table(std::move(t), o);
}

RiskPredictedGrid risk_predict_grid(const RiskPredictGridOptions& o) {
  io::check_sink_target(o.out, io::SinkFormat::Gpkg, core::GeomType::Polygon, o.overwrite);
  if (!o.tiles.empty()) {
    tiles::check_archive_target(o.tiles, o.overwrite);
    if (std::filesystem::absolute(o.tiles) == std::filesystem::absolute(o.out))
      throw core::InputError("--tiles", "names the same file as --output");
  }
  const auto g = read_risk_grid(o.grid);
  const auto s = risk_score_table(o.model, g.table, o.grid, true);
  const auto admin = g.table.column("admin_area_id");
  const auto label = g.table.column("label");
  std::vector<io::SinkColumn> columns{{"cell", core::FieldType::Integer},
                                      {"admin_area_id", core::FieldType::Text},
                                      {"label", core::FieldType::Integer},
                                      {"risk", core::FieldType::Real},
                                      {"why", core::FieldType::Text}};
  io::FeatureSink sink(o.out, io::SinkFormat::Gpkg, kRiskPredictLayer, core::GeomType::Polygon,
                       columns, o.overwrite);
  auto text_or_null = [](const std::string& v) {
    return v.empty() ? core::Value(std::monostate{}) : core::Value(v);
  };
  std::vector<std::string> why(g.table.rows.size());
  std::vector<core::Value> row;
  for (std::size_t i = 0; i < g.table.rows.size(); ++i) {
    const auto& cells = g.table.rows[i];
    why[i] = risk_why(s, i);
    row.clear();
    row.push_back(text_or_null(cells[0]));
    row.push_back(admin ? text_or_null(cells[*admin]) : core::Value(std::monostate{}));
    row.push_back(label ? text_or_null(cells[*label]) : core::Value(std::monostate{}));
    row.emplace_back(static_cast<double>(s.risk[i]));
    row.emplace_back(why[i]);
    sink.write(row, g.geometry[i]);
  }
  RiskPredictedGrid r;
  r.rows = g.table.rows.size();
  r.missing_features = s.missing_features;
  // Both files are moved into place at the end, once everything is written: a failure
  // before leaves neither.
  std::optional<tiles::MbTilesWriter> archive;
  tiles::ArchiveMetadata tiles_meta;
  if (!o.tiles.empty() && r.rows > 0) {
    const auto start = std::chrono::steady_clock::now();
    archive.emplace(o.tiles, o.overwrite);
    tiles::CellLayer layer;
    layer.name = kRiskPredictLayer;
    layer.value_key = "risk";
    layer.boxes.reserve(r.rows);
    for (const auto& geom : g.geometry) layer.boxes.push_back(geom.envelope());
    layer.values.assign(s.risk.begin(), s.risk.end());
    auto int_or_null = [](const std::string& v) -> core::Value {
      std::int64_t x = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return std::monostate{};
      return x;
    };
    layer.attributes = [&](std::size_t i, tiles::mvt::Attributes& a) {
      const auto& cells = g.table.rows[i];
      a.emplace_back("cell", int_or_null(cells[0]));
      if (label) a.emplace_back("label", int_or_null(cells[*label]));
      if (admin) a.emplace_back("admin_area_id", text_or_null(cells[*admin]));
      a.emplace_back("why", why[i]);
    };
    layer.id = [&](std::size_t i) -> std::optional<std::uint64_t> {
      const auto v = int_or_null(g.table.rows[i][0]);
      if (const auto* x = std::get_if<std::int64_t>(&v); x && *x >= 0)
        return static_cast<std::uint64_t>(*x);
      return std::nullopt;
    };
    tiles::PyramidOptions po;
    po.name = "minemap risk";
    po.description =
        "Contamination risk (0 to 1) predicted by minemap risk predict with the "
        "model " +
        std::filesystem::path(o.model).filename().string();
    po.progress = [&](int z, std::size_t n) {
      if (o.progress)
        o.progress("tiles: zoom " + std::to_string(z) + " done, " + std::to_string(n) +
                   " tiles so far");
    };
    const auto t = tiles::write_cell_pyramid(layer, *archive, po);
    r.tiles_max_zoom = t.max_zoom;
    r.tiles = t.tiles;
    r.tile_bytes = t.bytes;
    tiles_meta = t.metadata;
    r.tile_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  sink.close();
  if (archive) archive->commit(tiles_meta);
  return r;
}

}  // namespace minemap::ops
