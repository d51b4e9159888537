// Report figures; see stats.hpp.
#include "analysis/stats.hpp"

#include <set>

#include "index/shape_index.hpp"

namespace minemap::analysis {
namespace {

using core::Record;

std::map<std::string, std::int64_t> zeros(core::Entity e, std::string_view field) {
  std::map<std::string, std::int64_t> m;
  for (auto v : core::spec(e).field(field)->values) m[std::string(v)] = 0;
  return m;
}

std::string year_of(const std::optional<std::string>& date) {
  return date && date->size() >= 4 ? date->substr(0, 4) : "unknown";
}

}  // namespace

bool in_period(const std::optional<std::string>& date, const StatsPeriod& p) {
  if (!p.from && !p.to) return true;
  auto d = date ? core::Date::try_parse(*date) : std::nullopt;
  if (!d) return false;
  if (p.from && d->last_day() < p.from->first_day()) return false;
  if (p.to && d->first_day() > p.to->last_day()) return false;
  return true;
}

std::map<std::string, StatsInput> split_by_admin(const StatsInput& in) {
  std::map<std::string, StatsInput> out;
  auto admin = [](const Record& r) { return r.text("admin_area_id").value_or(""); };
  std::map<std::string, std::string> hazard_admin, accident_admin;
  for (const Record& h : in.hazards) {
    hazard_admin[h.id] = admin(h);
    out[admin(h)].hazards.push_back(h);
  }
  auto via_hazard = [&](const Record& r) {
    auto it = hazard_admin.find(r.text("hazard_id").value_or(""));
    return it == hazard_admin.end() ? std::string() : it->second;
  };
  for (const Record& a : in.activities) out[via_hazard(a)].activities.push_back(a);
  for (const Record& r : in.releases) out[via_hazard(r)].releases.push_back(r);
  for (const Record& it : in.items) out[admin(it)].items.push_back(it);
  for (const Record& a : in.accidents) {
    accident_admin[a.id] = admin(a);
    out[admin(a)].accidents.push_back(a);
  }
  for (const Record& v : in.victims) {
    auto it = accident_admin.find(v.text("accident_id").value_or(""));
    out[it == accident_admin.end() ? std::string() : it->second].victims.push_back(v);
  }
  return out;
}

Stats compute_stats(const StatsInput& in, const StatsPeriod& period) {
  Stats s;
  s.hazards.by_type = zeros(core::Entity::Hazard, "type");
  s.hazards.by_status = zeros(core::Entity::Hazard, "status");
  for (const Record& h : in.hazards) {
    ++s.hazards.count;
    ++s.hazards.by_type[h.text("type").value_or("")];
    ++s.hazards.by_status[h.text("status").value_or("")];
    s.hazards.area_m2 += h.real("area_m2").value_or(0);
    s.hazards.remaining_m2 += h.real("remaining_m2").value_or(0);
  }

  // Items per activity, to find cleared ground in which nothing was found.
  std::set<std::string> activities_with_finds;
  s.items.by_category = zeros(core::Entity::Item, "category");
  for (const Record& it : in.items) {
    if (!in_period(it.text("found"), period)) continue;
    std::int64_t q = it.integer("quantity").value_or(1);
    s.items.count += q;
    s.items.by_category[it.text("category").value_or("")] += q;
    s.items.by_year[year_of(it.text("found"))] += q;
    if (auto a = it.text("activity_id")) activities_with_finds.insert(*a);
  }

  std::map<std::string, const Record*> activity_by_id;
  for (const Record& a : in.activities) activity_by_id[a.id] = &a;
  std::set<std::string> counted_activities;
  for (const Record& r : in.releases) {
    if (!in_period(r.text("date"), period)) continue;
    double a = r.real("area_m2").value_or(0);
    auto outcome = r.text("outcome").value_or("");
    if (outcome == "cancelled") s.land_release.cancelled_m2 += a;
    if (outcome == "reduced") s.land_release.reduced_m2 += a;
    if (outcome != "cleared") continue;
    s.land_release.cleared_m2 += a;
    auto act_id = r.text("activity_id").value_or("");
    if (!activities_with_finds.count(act_id)) s.land_release.cleared_nothing_found_m2 += a;
    auto act = activity_by_id.find(act_id);
    if (act == activity_by_id.end()) continue;
    auto days = act->second->real("deminer_days");
    if (!days || *days <= 0) continue;
    s.land_release.cleared_by_deminer_days_m2 += a;
    if (counted_activities.insert(act_id).second) s.land_release.deminer_days += *days;
  }

  // Accidents inside vs outside every known hazard (any status). An accident
  // outside all of them is evidence of unknown contamination.
  index::ShapeIndex::Builder hazard_shapes;
  for (std::size_t i = 0; i < in.hazards.size(); ++i)
    hazard_shapes.add(static_cast<std::int64_t>(i), in.hazards[i].geometry);
  const index::ShapeIndex hazards = std::move(hazard_shapes).build();
  std::map<std::string, std::string> accident_year;
  s.accidents.by_type = zeros(core::Entity::Accident, "type");
  for (const Record& a : in.accidents) {
    if (!in_period(a.text("date"), period)) continue;
    accident_year[a.id] = year_of(a.text("date"));
    ++s.accidents.count;
    ++s.accidents.by_year[year_of(a.text("date"))];
    ++s.accidents.by_type[a.text("type").value_or("")];
    bool inside = !a.geometry.points.empty() && !hazards.containing(a.geometry.points[0]).empty();
    ++(inside ? s.accidents.inside_hazards : s.accidents.outside_hazards);
  }

  s.victims.by_group = zeros(core::Entity::Victim, "group");
  s.victims.by_sex = zeros(core::Entity::Victim, "sex");
  for (const Record& v : in.victims) {
    auto acc = accident_year.find(v.text("accident_id").value_or(""));
    if (acc == accident_year.end()) continue;  // accident outside the period, or not approved
    ++s.victims.count;
    ++(v.text("outcome") == "killed" ? s.victims.killed : s.victims.injured);
    // The age when known, else the age group (a count of children in an import).
    if (auto age = v.integer("age"); age ? *age < 18 : v.text("age_group") == "child")
      ++s.victims.children;
    ++s.victims.by_group[v.text("group").value_or("")];
    ++s.victims.by_sex[v.text("sex").value_or("unknown")];
    ++s.victims.by_year[acc->second];
  }
  return s;
}

}  // namespace minemap::analysis
