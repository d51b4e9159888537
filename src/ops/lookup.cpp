#include "ops/lookup.hpp"

#include "index/shape_index.hpp"

namespace minemap::ops {

const core::EntitySpec* entity_of_id(std::string_view id) {
  const auto dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0) return nullptr;
  const std::string_view prefix = id.substr(0, dash);
  for (const auto& s : core::entities())
    if (s.id_prefix == prefix) return &s;
  return nullptr;
}

std::map<std::string, std::string> names_of(store::Registry& reg,
                                            const std::vector<std::string>& ids,
                                            bool approved_only) {
  std::map<std::string, std::string> out;
  for (const auto& id : ids) {
    if (out.contains(id)) continue;
    const core::EntitySpec* spec = entity_of_id(id);
    if (!spec || (!spec->field("name") && !spec->field("label"))) continue;
    auto rec = reg.find(*spec, id);
    if (!rec || (approved_only && rec->workflow != "approved")) continue;
    auto name = rec->text("name");
    if (!name || name->empty()) name = rec->text("label");
    if (name && !name->empty()) out.emplace(id, std::move(*name));
  }
  return out;
}

std::optional<std::vector<core::Record>> accidents_in_hazard(store::Registry& reg,
                                                             const std::string& hazard_id) {
  auto hazard = reg.find(core::spec(core::Entity::Hazard), hazard_id);
  if (!hazard) return std::nullopt;
  std::vector<core::Record> out;
  if (hazard->geometry.empty()) return out;
  // Candidates by the hazard's box in the store, then the exact test against its area.
  index::ShapeIndex::Builder b;
  b.add(0, hazard->geometry);
  const index::ShapeIndex area = std::move(b).build(index::ShapeIndex::Queries::Containment);
  store::ListQuery q;
  q.bbox = hazard->geometry.envelope();
  reg.for_each(core::spec(core::Entity::Accident), q, [&](const core::Record& a) {
    if (!a.geometry.points.empty() && area.covered(a.geometry.points.front())) out.push_back(a);
  });
  return out;
}

}  // namespace minemap::ops
