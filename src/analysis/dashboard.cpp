#include "analysis/dashboard.hpp"

namespace minemap::analysis {

void DashboardBuilder::add_hazard(std::optional<std::string_view> status,
                                  std::optional<double> area_m2,
                                  std::optional<double> remaining_m2) {
  m_d.hazard_area_m2 += area_m2.value_or(0);
  double left = remaining_m2.value_or(0);
  m_d.remaining_m2 += left;
  m_d.remaining_by_status_m2[std::string(status.value_or("unknown"))] += left;
}

void DashboardBuilder::add_victim(std::optional<std::string_view> accident_id,
                                  std::optional<std::string_view> group,
                                  std::optional<std::string_view> outcome) {
  std::string acc(accident_id.value_or(""));
  if (accident_id) m_accident_year.try_emplace(acc, "unknown");
  m_victims.push_back({std::move(acc), std::string(group.value_or("unknown")),
                       std::string(outcome.value_or("unknown"))});
}

void DashboardBuilder::add_accident(std::string_view id, std::optional<std::string_view> date) {
  if (!date || date->size() < 4) return;
  auto it = m_accident_year.find(std::string(id));
  if (it != m_accident_year.end()) it->second = std::string(date->substr(0, 4));
}

void DashboardBuilder::add_release(std::optional<std::string_view> date,
                                   std::optional<std::string_view> outcome,
                                   std::optional<double> area_m2) {
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
                                std::optional<std::int64_t> quantity) {
  m_d.items_by_category[std::string(category.value_or("unknown"))] += quantity.value_or(1);
}

Dashboard DashboardBuilder::finish() {
  for (const auto& v : m_victims) {
    auto it = v.accident.empty() ? m_accident_year.end() : m_accident_year.find(v.accident);
    const std::string& year = it == m_accident_year.end() ? std::string("unknown") : it->second;
    ++m_d.casualties[year][v.group][v.outcome];
  }
  return std::move(m_d);
}

namespace {
std::optional<std::string_view> view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}
}  // namespace

Dashboard dashboard(const StatsInput& in) {
  DashboardBuilder b;
  for (const auto& h : in.hazards)
    b.add_hazard(view(h.text("status")), h.real("area_m2"), h.real("remaining_m2"));
  for (const auto& v : in.victims)
    b.add_victim(view(v.text("accident_id")), view(v.text("group")), view(v.text("outcome")));
  for (const auto& a : in.accidents) b.add_accident(a.id, view(a.text("date")));
  for (const auto& r : in.releases)
    b.add_release(view(r.text("date")), view(r.text("outcome")), r.real("area_m2"));
  for (const auto& i : in.items) b.add_item(view(i.text("category")), i.integer("quantity"));
  return b.finish();
}

}  // namespace minemap::analysis
