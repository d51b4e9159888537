#include "analysis/dashboard.hpp"

#include <charconv>

namespace minemap::analysis {

namespace {

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

std::optional<int> number(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Keys "YYYY" (casualties) or "YYYY-Qn" (releases) from the first to the last, so that
// a chart's time axis has no gap; other keys are left as they are.
template <class Map>
void fill_years(Map& m) {
  std::optional<int> first, last;
  for (const auto& [k, v] : m)
    if (auto y = k.size() == 4 ? number(k) : std::nullopt) {
      if (!first || *y < *first) first = y;
      if (!last || *y > *last) last = y;
    }
  if (first)
    for (int y = *first; y <= *last; ++y) m[std::to_string(y)];
}

template <class Map>
void fill_quarters(Map& m) {
  std::optional<int> first, last;  // year * 4 + quarter - 1
  for (const auto& [k, v] : m) {
    if (k.size() != 7 || k.substr(4, 2) != "-Q") continue;
    auto y = number(std::string_view(k).substr(0, 4));
    auto q = number(std::string_view(k).substr(6, 1));
    if (!y || !q || *q < 1 || *q > 4) continue;
    int n = *y * 4 + *q - 1;
    if (!first || n < *first) first = n;
    if (!last || n > *last) last = n;
  }
  if (first)
    for (int n = *first; n <= *last; ++n)
      m[std::to_string(n / 4) + "-Q" + std::to_string(n % 4 + 1)];
}

}  // namespace

std::set<std::string, std::less<>> areas_within(const std::string& root,
                                                const std::vector<AdminAreaRow>& areas) {
  std::set<std::string, std::less<>> out{root};
  // Parents name their area by id or by name: each found area's id and name open the
  // next round, until no new area comes.
  std::set<std::string, std::less<>> names;
  for (const auto& a : areas)
    if (a.id == root) names = {a.id, a.name};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& a : areas)
      if (!a.parent.empty() && names.contains(a.parent) && out.insert(a.id).second) {
        names.insert(a.id);
        if (!a.name.empty()) names.insert(a.name);
        grew = true;
      }
  }
  return out;
}

DashboardBuilder::DashboardBuilder(DashboardFilter filter) : m_filter(std::move(filter)) {}

bool DashboardBuilder::in_areas(std::optional<std::string_view> admin) const {
  return !m_filter.admin_areas || (admin && m_filter.admin_areas->contains(*admin));
}

bool DashboardBuilder::of_organisation_activity(std::optional<std::string_view> activity) const {
  return !m_filter.organisation || (activity && m_org_activities.contains(std::string(*activity)));
}

void DashboardBuilder::add_activity(std::string_view id,
                                    std::optional<std::string_view> organisation_id) {
  if (m_filter.organisation && organisation_id == *m_filter.organisation)
    m_org_activities.emplace(id);
}

void DashboardBuilder::add_hazard(std::string_view id, std::optional<std::string_view> type,
                                  std::optional<std::string_view> status,
                                  std::optional<double> area_m2, std::optional<double> remaining_m2,
                                  std::optional<std::string_view> admin_area_id,
                                  std::optional<std::string_view> organisation_id) {
  if (m_filter.admin_areas) m_hazard_admin.emplace(id, admin_area_id.value_or(""));
  if (!in_areas(admin_area_id)) return;
  if (m_filter.organisation && organisation_id != *m_filter.organisation) return;
  const std::string st(status.value_or("unknown"));
  ++m_d.hazards_by_status[st];
  m_d.hazard_area_m2 += area_m2.value_or(0);
  if (st != "open") return;
  const double left = remaining_m2.value_or(0);
  ++m_d.figures.hazards_open;
  m_d.figures.remaining_m2 += left;
  m_d.remaining_by_type_m2[std::string(type.value_or("unknown"))] += left;
}

void DashboardBuilder::add_victim(std::optional<std::string_view> accident_id,
                                  std::optional<std::string_view> group,
                                  std::optional<std::string_view> outcome) {
  if (!accident_id) return;  // a victim counts with its accident
  std::string acc(*accident_id);
  m_accident_year.try_emplace(acc);
  m_victims.push_back({std::move(acc), std::string(group.value_or("unknown")),
                       std::string(outcome.value_or("unknown"))});
}

void DashboardBuilder::add_accident(std::string_view id, std::optional<std::string_view> date,
                                    std::optional<std::string_view> admin_area_id) {
  if (!in_areas(admin_area_id)) return;
  if (!in_period(date, m_filter.period)) return;
  ++m_d.figures.accidents;
  auto it = m_accident_year.find(std::string(id));
  if (it == m_accident_year.end()) return;
  it->second = date && date->size() >= 4 && number(date->substr(0, 4))
                   ? std::string(date->substr(0, 4))
                   : std::string("unknown");
}

void DashboardBuilder::add_release(std::optional<std::string_view> date,
                                   std::optional<std::string_view> outcome,
                                   std::optional<double> area_m2,
                                   std::optional<std::string_view> hazard_id,
                                   std::optional<std::string_view> activity_id) {
  if (m_filter.admin_areas) {
    auto it = hazard_id ? m_hazard_admin.find(std::string(*hazard_id)) : m_hazard_admin.end();
    if (it == m_hazard_admin.end() || !in_areas(it->second)) return;
  }
  if (!of_organisation_activity(activity_id)) return;
  if (!in_period(date, m_filter.period)) return;
  std::string when = "undated";
  if (date && date->size() >= 4) {
    auto parsed = core::Date::try_parse(*date);
    when = parsed && parsed->quarter() > 0
               ? std::string(date->substr(0, 4)) + "-Q" + std::to_string(parsed->quarter())
               : std::string(date->substr(0, 4));
  }
  m_d.released[when][std::string(outcome.value_or("unknown"))] += area_m2.value_or(0);
}

void DashboardBuilder::add_item(std::optional<std::string_view> category,
                                std::optional<std::int64_t> quantity,
                                std::optional<std::string_view> disposal,
                                std::optional<std::string_view> found,
                                std::optional<std::string_view> admin_area_id,
                                std::optional<std::string_view> activity_id) {
  if (!in_areas(admin_area_id) || !of_organisation_activity(activity_id)) return;
  if (!in_period(found, m_filter.period)) return;
  const std::int64_t n = quantity.value_or(1);
  auto& c = m_d.items_by_category[std::string(category.value_or("unknown"))];
  c.found += n;
  m_d.figures.items_found += n;
  if (disposal == "destroyed_in_situ") {
    c.destroyed += n;
    m_d.figures.items_destroyed += n;
  }
}

Dashboard DashboardBuilder::finish() {
  for (const auto& v : m_victims) {
    auto it = m_accident_year.find(v.accident);
    if (it == m_accident_year.end() || it->second.empty()) continue;  // its accident not counted
    ++m_d.casualties[it->second][v.group][v.outcome];
    if (v.outcome == "killed") ++m_d.figures.killed;
    if (v.outcome == "injured") ++m_d.figures.injured;
  }
  fill_years(m_d.casualties);
  fill_quarters(m_d.released);
  return std::move(m_d);
}

Dashboard dashboard(const StatsInput& in, const DashboardFilter& filter) {
  DashboardBuilder b(filter);
  if (b.by_organisation())
    for (const auto& a : in.activities) b.add_activity(a.id, view(a.text("organisation_id")));
  for (const auto& h : in.hazards)
    b.add_hazard(h.id, view(h.text("type")), view(h.text("status")), h.real("area_m2"),
                 h.real("remaining_m2"), view(h.text("admin_area_id")),
                 view(h.text("organisation_id")));
  for (const auto& v : in.victims)
    b.add_victim(view(v.text("accident_id")), view(v.text("group")), view(v.text("outcome")));
  for (const auto& a : in.accidents)
    b.add_accident(a.id, view(a.text("date")), view(a.text("admin_area_id")));
  for (const auto& r : in.releases)
    b.add_release(view(r.text("date")), view(r.text("outcome")), r.real("area_m2"),
                  view(r.text("hazard_id")), view(r.text("activity_id")));
  for (const auto& i : in.items)
    b.add_item(view(i.text("category")), i.integer("quantity"), view(i.text("disposal")),
               view(i.text("found")), view(i.text("admin_area_id")), view(i.text("activity_id")));
  return b.finish();
}

}  // namespace minemap::analysis
