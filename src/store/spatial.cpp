#include "store/spatial.hpp"

namespace minemap::store {

std::size_t SpatialLayer::memory_bytes() const {
  std::size_t n = points.memory_bytes() + shapes.memory_bytes();
  for (const auto& id : ids) n += sizeof(std::string) + (id.size() > 15 ? id.capacity() : 0);
  return n;
}

SpatialLayer load_layer(Registry& reg, const core::EntitySpec& spec, bool approved_only) {
  SpatialLayer layer;
  layer.entity = spec.name;
  layer.data_version = reg.data_version();
  ListQuery q;
  q.approved_only = approved_only;
  // One pass: points go to the point builder until a non-point turns up, then everything
  // read so far moves to the shape builder.
  index::PointIndex::Builder points;
  index::ShapeIndex::Builder shapes;
  std::vector<core::Coord> coords;
  reg.for_each_geometry(spec, q, [&](const std::string& id, const core::Geometry& g) {
    if (g.empty()) return;
    auto key = static_cast<std::int64_t>(layer.ids.size());
    layer.ids.push_back(id);
    if (layer.points_only && g.type == core::GeomType::Point) {
      coords.push_back(g.points[0]);
      return;
    }
    if (layer.points_only) {
      layer.points_only = false;
      for (std::size_t k = 0; k < coords.size(); ++k)
        shapes.add(static_cast<std::int64_t>(k), core::Geometry::point(coords[k].x, coords[k].y));
      coords = {};
    }
    shapes.add(key, g);
  });
  if (layer.points_only) {
    points.reserve(coords.size());
    for (std::size_t k = 0; k < coords.size(); ++k)
      points.add(static_cast<std::int64_t>(k), coords[k]);
    coords = {};
    layer.points = std::move(points).build();
  } else {
    layer.shapes = std::move(shapes).build();
  }
  layer.ids.shrink_to_fit();
  return layer;
}

std::shared_ptr<const SpatialLayer> SpatialCache::layer(const core::EntitySpec& spec) {
  std::lock_guard lock(m_mutex);
  std::int64_t version = m_reg.data_version();
  auto& slot = m_layers[std::string(spec.name)];
  if (!slot || slot->data_version != version)
    slot = std::make_shared<const SpatialLayer>(load_layer(m_reg, spec, m_approved_only));
  return slot;
}

}  // namespace minemap::store
