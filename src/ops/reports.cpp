#include "ops/reports.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "geo/geojson.hpp"

namespace minemap::ops {

namespace {

// Compares values as stored: an integer and the same real are the same value.
bool same(const core::Value& a, const core::Value& b) {
  if (a == b) return true;
  const auto num = [](const core::Value& v) -> std::optional<double> {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    if (const auto* d = std::get_if<double>(&v)) return *d;
    return std::nullopt;
  };
  auto x = num(a), y = num(b);
  return x && y && *x == *y;
}

core::Value field_of(const core::Record& r, const std::string& name) {
  auto it = r.fields.find(name);
  return it == r.fields.end() ? core::Value{} : it->second;
}

}  // namespace

std::vector<Report> reports_of(store::Registry& reg, const std::string& user) {
  std::vector<Report> out;
  store::ListQuery q;
  q.where = {{std::string(core::kWorkflowField), {"draft", "submitted", "rejected"}}};
  for (const auto& spec : core::entities()) {
    if (!spec.field_report) continue;
    for (auto& rec : reg.list(spec, q)) {
      const auto entries = reg.history(spec, rec.id);
      if (entries.empty() || entries.front().actor != user) continue;
      Report r;
      r.spec = &spec;
      r.filed = entries.front().ts;
      r.changed = entries.back().ts;
      r.version = entries.back().hash;
      if (rec.workflow == "rejected")
        for (auto e = entries.rbegin(); e != entries.rend(); ++e)
          if (e->action == "reject") {
            r.reason = e->reason;
            break;
          }
      r.record = std::move(rec);
      out.push_back(std::move(r));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Report& a, const Report& b) { return a.changed > b.changed; });
  return out;
}

std::optional<SinceRejection> since_rejection(const core::EntitySpec& spec, const core::Record& now,
                                              const std::vector<store::AuditEntry>& history) {
  auto rejection = std::find_if(history.rbegin(), history.rend(),
                                [](const store::AuditEntry& e) { return e.action == "reject"; });
  if (rejection == history.rend() || rejection->after.empty()) return std::nullopt;
  SinceRejection s;
  s.rejected = rejection->ts;
  s.by = rejection->actor;
  s.reason = rejection->reason;
  const auto then_json = nlohmann::json::parse(rejection->after, nullptr, false);
  if (then_json.is_discarded() || !then_json.is_object()) return s;
  const core::Record then = geo::record_from_json(then_json, "audit");
  for (const auto& f : spec.fields) {
    if (f.computed) continue;
    const std::string name(f.name);
    auto a = field_of(then, name), b = field_of(now, name);
    if (!same(a, b)) s.changes.push_back({name, std::move(a), std::move(b)});
  }
  // As the audit wrote both: the same text means the same geometry.
  const auto geometry_now = geo::record_to_json(spec, now)["geometry"];
  s.geometry_changed = then_json.value("geometry", nlohmann::json()).dump() != geometry_now.dump();
  return s;
}

}  // namespace minemap::ops
