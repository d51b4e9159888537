// A layer of the store (hazards, items, accidents, ...) held in a spatial index, and a
// cache of such layers that readers share: each reader gets an immutable snapshot, and
// the next reader after a write gets a fresh one (the store's data version changed).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "index/point_index.hpp"
#include "index/shape_index.hpp"
#include "store/registry.hpp"

namespace minemap::store {

struct SpatialLayer {
  std::string entity;
  std::int64_t data_version = 0;  // of the store when it was read
  // Index keys are positions in `ids`.
  std::vector<std::string> ids;
  // Points (items, accidents) go to a point index, everything else to a shape index.
  bool points_only = true;
  index::PointIndex points;
  index::ShapeIndex shapes;

  const std::string& id(std::int64_t key) const { return ids[static_cast<std::size_t>(key)]; }
  std::size_t memory_bytes() const;
};

// Reads the layer (not deleted; approved only when `approved_only`) and builds its index.
SpatialLayer load_layer(Registry& reg, const core::EntitySpec& spec, bool approved_only);

class SpatialCache {
 public:
  explicit SpatialCache(Registry& reg, bool approved_only = true)
      : m_reg(reg), m_approved_only(approved_only) {}
  // The current snapshot of the layer, rebuilt first when the store changed since.
  std::shared_ptr<const SpatialLayer> layer(const core::EntitySpec& spec);

 private:
  Registry& m_reg;
  bool m_approved_only;
  std::mutex m_mutex;
  std::map<std::string, std::shared_ptr<const SpatialLayer>> m_layers;
};

}  // namespace minemap::store
