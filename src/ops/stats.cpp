#include "ops/stats.hpp"

#include <unordered_map>

#include "core/errors.hpp"
#include "core/memory.hpp"

namespace minemap::ops {

namespace {

// Feeds b the few columns of the approved rows each figure needs, in the builder's order;
// the hazards' geometries only when b has no index of them yet.
void scan_stats_input(store::Registry& reg, analysis::StatsBuilder& b, bool hazard_geometry) {
  using core::Entity;
  using core::spec;
  store::ListQuery q;
  q.approved_only = true;
  core::Geometry g;
  std::vector<std::string> hazard_columns{"type", "status", "area_m2", "remaining_m2"};
  if (hazard_geometry) hazard_columns.emplace_back("geom");
  reg.scan(spec(Entity::Hazard), q, hazard_columns, [&](const store::ScanRow& r) {
    bool has = hazard_geometry && r.geometry(4, g);
    b.add_hazard({r.text(0).value_or(""), r.text(1).value_or(""), r.real(2), r.real(3)},
                 has ? &g : nullptr);
  });
  reg.scan(spec(Entity::Victim), q, {"accident_id", "outcome", "age_group", "group", "sex", "age"},
           [&](const store::ScanRow& r) {
             b.add_victim({r.text(0).value_or(""), r.text(1).value_or(""), r.text(2).value_or(""),
                           r.text(3).value_or(""), r.text(4), r.integer(5)});
           });
  // The ids only to find the accidents of victims.
  if (b.needs_accident_ids())
    reg.scan(
        spec(Entity::Accident), q, {"type", "date", "geom", "id"}, [&](const store::ScanRow& r) {
          b.add_accident({r.text(3).value_or(""), r.text(0).value_or(""), r.text(1), r.point(2)});
        });
  else
    reg.scan(spec(Entity::Accident), q, {"type", "date", "geom"}, [&](const store::ScanRow& r) {
      b.add_accident({"", r.text(0).value_or(""), r.text(1), r.point(2)});
    });
  reg.scan(spec(Entity::Activity), q, {"id", "deminer_days"},
           [&](const store::ScanRow& r) { b.add_activity(r.text(0).value_or(""), r.real(1)); });
  reg.scan(spec(Entity::Item), q, {"found", "activity_id", "category", "quantity"},
           [&](const store::ScanRow& r) {
             b.add_item({r.text(0), r.text(1), r.text(2).value_or(""), r.integer(3)});
           });
  reg.scan(spec(Entity::Release), q, {"date", "outcome", "activity_id", "area_m2"},
           [&](const store::ScanRow& r) {
             b.add_release({r.text(0), r.text(1).value_or(""), r.text(2).value_or(""), r.real(3)});
           });
}

}  // namespace

analysis::Stats stats(store::Registry& reg, const analysis::StatsPeriod& period) {
  analysis::Stats s;
  {
    analysis::StatsBuilder b(period);
    reg.read_snapshot([&] { scan_stats_input(reg, b, true); });
    s = b.finish();
  }
  // What the rows, their pages and the join took, back to the system: a server runs on.
  reg.release_memory();
  core::return_freed_memory();
  return s;
}

StatsByAdmin stats_by_admin(store::Registry& reg, const analysis::StatsPeriod& period) {
  using core::Entity;
  using core::spec;
  std::map<std::string, std::string> names;
  for (const auto& a : reg.list(spec(Entity::AdminArea))) names[a.id] = a.text("name").value_or("");
  // One builder per area, fed the rows of its area in the builder's order: hazards,
  // accidents and items by their own area, activities and releases by their hazard's,
  // victims by their accident's; "" for none known. One thread each: the areas are many.
  std::map<std::string, analysis::StatsBuilder, std::less<>> parts;
  auto part = [&](std::string_view admin) -> analysis::StatsBuilder& {
    auto it = parts.find(admin);
    if (it == parts.end())
      it = parts.emplace(std::string(admin), analysis::StatsBuilder(period, 1)).first;
    return it->second;
  };
  std::unordered_map<std::string, std::string> hazard_admin, accident_admin;
  auto admin_of = [](const auto& map, std::optional<std::string_view> id) -> std::string_view {
    auto it = id ? map.find(std::string(*id)) : map.end();
    return it == map.end() ? std::string_view() : std::string_view(it->second);
  };
  store::ListQuery q;
  q.approved_only = true;
  reg.read_snapshot([&] {
    core::Geometry g;
    reg.scan(spec(Entity::Hazard), q,
             {"id", "admin_area_id", "type", "status", "area_m2", "remaining_m2", "geom"},
             [&](const store::ScanRow& r) {
               std::string admin(r.text(1).value_or(""));
               bool has = r.geometry(6, g);
               part(admin).add_hazard(
                   {r.text(2).value_or(""), r.text(3).value_or(""), r.real(4), r.real(5)},
                   has ? &g : nullptr);
               hazard_admin[std::string(r.text(0).value_or(""))] = std::move(admin);
             });
    reg.scan(spec(Entity::Accident), q, {"id", "admin_area_id"}, [&](const store::ScanRow& r) {
      accident_admin[std::string(r.text(0).value_or(""))] = r.text(1).value_or("");
    });
    reg.scan(
        spec(Entity::Victim), q, {"accident_id", "outcome", "age_group", "group", "sex", "age"},
        [&](const store::ScanRow& r) {
          part(admin_of(accident_admin, r.text(0)))
              .add_victim({r.text(0).value_or(""), r.text(1).value_or(""), r.text(2).value_or(""),
                           r.text(3).value_or(""), r.text(4), r.integer(5)});
        });
    accident_admin = {};
    reg.scan(spec(Entity::Accident), q, {"id", "admin_area_id", "type", "date", "geom"},
             [&](const store::ScanRow& r) {
               part(r.text(1).value_or(""))
                   .add_accident(
                       {r.text(0).value_or(""), r.text(2).value_or(""), r.text(3), r.point(4)});
             });
    reg.scan(
        spec(Entity::Activity), q, {"id", "hazard_id", "deminer_days"},
        [&](const store::ScanRow& r) {
          part(admin_of(hazard_admin, r.text(1))).add_activity(r.text(0).value_or(""), r.real(2));
        });
    reg.scan(spec(Entity::Item), q,
             {"admin_area_id", "found", "activity_id", "category", "quantity"},
             [&](const store::ScanRow& r) {
               part(r.text(0).value_or(""))
                   .add_item({r.text(1), r.text(2), r.text(3).value_or(""), r.integer(4)});
             });
    reg.scan(
        spec(Entity::Release), q, {"hazard_id", "date", "outcome", "activity_id", "area_m2"},
        [&](const store::ScanRow& r) {
          part(admin_of(hazard_admin, r.text(0)))
              .add_release({r.text(1), r.text(2).value_or(""), r.text(3).value_or(""), r.real(4)});
        });
  });
  StatsByAdmin out;
  for (auto& [id, b] : parts) out[id] = {names[id], b.finish()};
  return out;
}

analysis::Dashboard dashboard(store::Registry& reg, const DashboardQuery& query) {
  using core::Entity;
  using core::spec;
  analysis::DashboardFilter filter;
  filter.period = query.period;
  if (!query.admin_area.empty()) {
    if (!reg.find(spec(Entity::AdminArea), query.admin_area))
      throw core::InputError("admin_area",
                             "no administrative area \"" + query.admin_area + "\" in the store");
    std::vector<analysis::AdminAreaRow> areas;
    reg.scan(spec(Entity::AdminArea), {}, {"id", "parent", "name"}, [&](const store::ScanRow& r) {
      areas.push_back({std::string(r.text(0).value_or("")), std::string(r.text(1).value_or("")),
                       std::string(r.text(2).value_or(""))});
    });
    filter.admin_areas = analysis::areas_within(query.admin_area, areas);
  }
  if (!query.organisation.empty()) {
    if (!reg.find(spec(Entity::Organisation), query.organisation))
      throw core::InputError("organisation",
                             "no organisation \"" + query.organisation + "\" in the store");
    filter.organisation = query.organisation;
  }
  store::ListQuery q;
  q.approved_only = true;
  analysis::DashboardBuilder b(std::move(filter));
  reg.read_snapshot([&] {
    if (b.by_organisation())
      reg.scan(spec(Entity::Activity), q, {"id", "organisation_id"},
               [&](const store::ScanRow& r) { b.add_activity(r.text(0).value_or(""), r.text(1)); });
    reg.scan(
        spec(Entity::Hazard), q,
        {"id", "type", "status", "area_m2", "remaining_m2", "admin_area_id", "organisation_id"},
        [&](const store::ScanRow& r) {
          b.add_hazard(r.text(0).value_or(""), r.text(1), r.text(2), r.real(3), r.real(4),
                       r.text(5), r.text(6));
        });
    reg.scan(spec(Entity::Victim), q, {"accident_id", "group", "outcome"},
             [&](const store::ScanRow& r) { b.add_victim(r.text(0), r.text(1), r.text(2)); });
    reg.scan(spec(Entity::Accident), q, {"id", "date", "admin_area_id"},
             [&](const store::ScanRow& r) {
               b.add_accident(r.text(0).value_or(""), r.text(1), r.text(2));
             });
    reg.scan(spec(Entity::Release), q, {"date", "outcome", "area_m2", "hazard_id", "activity_id"},
             [&](const store::ScanRow& r) {
               b.add_release(r.text(0), r.text(1), r.real(2), r.text(3), r.text(4));
             });
    reg.scan(spec(Entity::Item), q,
             {"category", "quantity", "disposal", "found", "admin_area_id", "activity_id"},
             [&](const store::ScanRow& r) {
               b.add_item(r.text(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.text(5));
             });
  });
  return b.finish();
}

}  // namespace minemap::ops
