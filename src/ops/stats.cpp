#include "ops/stats.hpp"

namespace minemap::ops {

analysis::StatsInput load_stats_input(store::Registry& reg) {
  store::ListQuery q;
  q.approved_only = true;
  analysis::StatsInput in;
  using core::Entity;
  in.hazards = reg.list(core::spec(Entity::Hazard), q);
  in.releases = reg.list(core::spec(Entity::Release), q);
  in.items = reg.list(core::spec(Entity::Item), q);
  in.accidents = reg.list(core::spec(Entity::Accident), q);
  in.victims = reg.list(core::spec(Entity::Victim), q);
  in.activities = reg.list(core::spec(Entity::Activity), q);
  return in;
}

}  // namespace minemap::ops
