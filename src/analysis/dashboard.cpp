#include "analysis/dashboard.hpp"

#include <unordered_map>

namespace minemap::analysis {

Dashboard dashboard(const StatsInput& in) {
  Dashboard d;
  std::unordered_map<std::string, std::string> year_of;  // accident id -> year
  for (const auto& a : in.accidents)
    if (auto date = a.text("date"); date && date->size() >= 4) year_of[a.id] = date->substr(0, 4);
  for (const auto& v : in.victims) {
    auto acc = v.text("accident_id");
    auto it = acc ? year_of.find(*acc) : year_of.end();
    std::string year = it == year_of.end() ? "unknown" : it->second;
    ++d.casualties[year][v.text("group").value_or("unknown")]
                  [v.text("outcome").value_or("unknown")];
  }
  for (const auto& r : in.releases) {
    std::string when = "undated";
    if (auto date = r.text("date"); date && date->size() >= 4) {
      auto parsed = core::Date::try_parse(*date);
      when = parsed && parsed->quarter() > 0
                 ? date->substr(0, 4) + "-Q" + std::to_string(parsed->quarter())
                 : date->substr(0, 4);
    }
    d.released[when][r.text("outcome").value_or("unknown")] += r.real("area_m2").value_or(0);
  }
  for (const auto& i : in.items)
    d.items_by_category[i.text("category").value_or("unknown")] +=
        i.integer("quantity").value_or(1);
  for (const auto& h : in.hazards) {
    d.hazard_area_m2 += h.real("area_m2").value_or(0);
    double left = h.real("remaining_m2").value_or(0);
    d.remaining_m2 += left;
    d.remaining_by_status_m2[h.text("status").value_or("unknown")] += left;
  }
  return d;
}

}  // namespace minemap::analysis
