#include "ops/signals.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "index/shape_index.hpp"

namespace minemap::ops {

namespace {

using core::Entity;
using core::spec;

// The nearest approved hazard, of any status: an event near a closed hazard is near
// land someone already judged hazardous.
class NearestHazard final : public analysis::HazardDistance {
 public:
  explicit NearestHazard(index::ShapeIndex idx) : m_index(std::move(idx)) {}
  std::optional<double> distance_m(core::Coord p) const override {
    auto hits = m_index.nearest(p, 1);
    if (hits.empty()) return std::nullopt;
    return hits.front().distance_m;
  }
  std::size_t size() const { return m_index.size(); }

 private:
  index::ShapeIndex m_index;
};

struct Evidence {
  SignalInput input;
  std::optional<NearestHazard> hazards;
};

// Land released on a date: an event on or before it was known when it was released.
struct Released {
  core::Geometry area;
  core::Date date;
};

Evidence read_evidence(store::Registry& reg, int until) {
  Evidence ev;
  store::ListQuery q;
  q.approved_only = true;
  std::vector<analysis::SignalEvent> candidates;
  index::ShapeIndex::Builder open, known;
  std::vector<Released> released;
  index::ShapeIndex::Builder released_index;
  reg.read_snapshot([&] {
    core::Geometry g;
    std::int64_t key = 0;
    reg.scan(spec(Entity::Hazard), q, {"status", "geom"}, [&](const store::ScanRow& r) {
      if (!r.geometry(1, g)) return;
      known.add(key, g);
      if (r.text(0).value_or("") == "open") {
        open.add(key, g);
        ++ev.input.open_hazards;
      }
      ++key;
    });
    reg.scan(spec(Entity::Release), q, {"date", "geom"}, [&](const store::ScanRow& r) {
      auto date = core::Date::try_parse(r.text(0).value_or(""));
      if (!date || !r.geometry(1, g)) return;  // undated: when it was released is unknown
      released_index.add(static_cast<std::int64_t>(released.size()), g);
      released.push_back({g, *date});
    });
    std::unordered_map<std::string, int> victims;
    reg.scan(spec(Entity::Victim), q, {"accident_id"}, [&](const store::ScanRow& r) {
      if (auto id = r.text(0)) ++victims[std::string(*id)];
    });
    auto dated = [&](std::optional<std::string_view> text) {
      return text ? core::Date::try_parse(*text) : std::nullopt;
    };
    reg.scan(spec(Entity::Accident), q, {"id", "type", "date", "geom"},
             [&](const store::ScanRow& r) {
               auto at = r.point(3);
               if (!at) return;
               ++ev.input.accidents;
               std::string id(r.text(0).value_or(""));
               auto it = victims.find(id);
               candidates.push_back({id, "accident", std::string(r.text(1).value_or("")),
                                     dated(r.text(2)), *at, it == victims.end() ? 0 : it->second});
             });
    reg.scan(
        spec(Entity::Item), q, {"id", "category", "found", "geom"}, [&](const store::ScanRow& r) {
          auto at = r.point(3);
          if (!at) return;
          ++ev.input.items;
          candidates.push_back({std::string(r.text(0).value_or("")), "item",
                                std::string(r.text(1).value_or("")), dated(r.text(2)), *at, 0});
        });
  });
  ev.input.known_hazards = known.size();
  index::ShapeIndex open_index = std::move(open).build(index::ShapeIndex::Queries::Containment);
  index::ShapeIndex released_areas =
      std::move(released_index).build(index::ShapeIndex::Queries::Containment);
  for (auto& e : candidates) {
    if (until && (!e.date || e.date->year > until)) continue;
    if (open_index.covered(e.at)) {
      ++ev.input.in_hazards;
      continue;
    }
    bool explained = false;
    if (e.date)
      for (std::int64_t k : released_areas.containing(e.at)) {
        const Released& r = released[static_cast<std::size_t>(k)];
        // Released on or after the event, as far as reduced-precision dates tell.
        if (r.date.last_day() >= e.date->first_day() && (!until || r.date.year <= until)) {
          explained = true;
          break;
        }
      }
    if (explained) {
      ++ev.input.released;
      continue;
    }
    ev.input.events.push_back(std::move(e));
  }
  std::sort(ev.input.events.begin(), ev.input.events.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  if (known.size()) ev.hazards.emplace(std::move(known).build());
  return ev;
}

}  // namespace

Signals signals(store::Registry& reg, const analysis::SignalParams& params, int until,
                std::mutex* store_lock) {
  analysis::check_signal_params(params);
  Evidence ev;
  if (store_lock) {
    std::lock_guard lock(*store_lock);
    ev = read_evidence(reg, until);
  } else {
    ev = read_evidence(reg, until);
  }
  Signals s;
  s.areas = analysis::find_signals(ev.input.events, params, ev.hazards ? &*ev.hazards : nullptr);
  s.input = std::move(ev.input);
  return s;
}

analysis::SignalEvaluation evaluate_signals(store::Registry& reg,
                                            const analysis::SignalParams& params, int year,
                                            int horizon) {
  analysis::check_signal_params(params);
  Evidence ev = read_evidence(reg, 0);
  return analysis::evaluate_signals(ev.input.events, year, horizon, params,
                                    ev.hazards ? &*ev.hazards : nullptr);
}

std::string signal_source(const Signals& s, const analysis::SignalArea& a) {
  std::string out = "suggested by minemap signals from " + std::to_string(a.evidence.size()) +
                    (a.evidence.size() == 1 ? " event" : " events") +
                    " outside every open hazard: ";
  for (std::size_t i = 0; i < a.evidence.size(); ++i) {
    const auto& e = s.input.events[a.evidence[i]];
    if (i) out += ", ";
    out += e.id + " (" + e.kind + " " + e.type + (e.date ? ", " + e.date->to_string() : "") + ")";
  }
  return out;
}

std::vector<std::string> create_signal_drafts(store::Registry& reg, const Signals& s,
                                              const store::Actor& who) {
  std::vector<std::string> ids;
  const std::string today = core::Date::today().to_string();
  reg.transaction([&] {
    for (std::size_t n = 0; n < s.areas.size(); ++n) {
      const auto& a = s.areas[n];
      std::set<std::string> kinds, devices;
      for (std::size_t i : a.evidence) {
        const auto& e = s.input.events[i];
        kinds.insert(e.kind == "accident" ? "accident" : "other");
        if (e.kind == "item") devices.insert(e.type);
      }
      auto joined = [](const std::set<std::string>& v) {
        std::string out;
        for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
        return out;
      };
      const auto& first = s.input.events[a.evidence.front()];
      core::Record r;
      r.workflow = "draft";
      r.geometry = a.geometry;
      r.fields["name"] = "Signal near " + first.id + " (" + std::to_string(a.evidence.size()) +
                         (a.evidence.size() == 1 ? " event)" : " events)");
      r.fields["type"] = std::string("SHA");
      r.fields["status"] = std::string("open");
      r.fields["evidence"] = std::string("direct");
      r.fields["evidence_items"] = joined(kinds);
      if (!devices.empty()) r.fields["contamination"] = joined(devices);
      r.fields["reported"] = today;
      r.fields["source"] = signal_source(s, a);
      ids.push_back(reg.add(spec(Entity::Hazard), std::move(r), who).id);
    }
  });
  return ids;
}

}  // namespace minemap::ops
