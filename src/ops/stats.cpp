#include "ops/stats.hpp"

namespace minemap::ops {

namespace {

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

}  // namespace

analysis::Stats stats(store::Registry& reg, const analysis::StatsPeriod& period) {
  return analysis::compute_stats(load_stats_input(reg), period);
}

StatsByAdmin stats_by_admin(store::Registry& reg, const analysis::StatsPeriod& period) {
  std::map<std::string, std::string> names;
  for (const auto& a : reg.list(core::spec(core::Entity::AdminArea)))
    names[a.id] = a.text("name").value_or("");
  StatsByAdmin out;
  for (const auto& [id, part] : analysis::split_by_admin(load_stats_input(reg)))
    out[id] = {names[id], analysis::compute_stats(part, period)};
  return out;
}

analysis::Dashboard dashboard(store::Registry& reg) {
  return analysis::dashboard(load_stats_input(reg));
}

}  // namespace minemap::ops
