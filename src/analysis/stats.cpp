// Report figures; see stats.hpp.
#include "analysis/stats.hpp"

#include <cstring>
#include <exception>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "analysis/period.hpp"
#include "core/errors.hpp"
#include "index/join.hpp"
#include "index/shape_index.hpp"

namespace minemap::analysis {
namespace {

using core::Record;

std::map<std::string, std::int64_t> zeros(core::Entity e, std::string_view field) {
  std::map<std::string, std::int64_t> m;
  for (auto v : core::spec(e).field(field)->values) m[std::string(v)] = 0;
  return m;
}

bool in_period_view(std::optional<std::string_view> date, const StatsPeriod& p) {
  if (!p.from && !p.to) return true;
  auto d = date ? core::Date::try_parse(*date) : std::nullopt;
  if (!d) return false;
  if (p.from && d->last_day() < p.from->first_day()) return false;
  if (p.to && d->first_day() > p.to->last_day()) return false;
  return true;
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

// The year of a date ("unknown" without one), counted in m without a string per row.
std::string_view year_of(std::optional<std::string_view> date) {
  return date && date->size() >= 4 ? date->substr(0, 4) : "unknown";
}

void count_year(std::map<std::string, std::int64_t>& m, std::optional<std::string_view> date,
                std::int64_t n) {
  m[std::string(year_of(date))] += n;  // a short key: no allocation
}

void count(std::map<std::string, std::int64_t>& m, std::string_view key, std::int64_t n = 1) {
  m[std::string(key)] += n;
}

// Counts by a key of few values (a type, a year), row after row of a million: keys of up
// to 8 bytes packed in a word with their length, in a small open-addressed table (a
// multiply, a shift and a compare per row); longer keys in a map. Merged into the
// figures at the end.
class Tally {
 public:
  void add(std::string_view key) {
    if (key.size() > 8) {
      ++m_long[std::string(key)];
      return;
    }
    std::uint64_t bytes = 0;
    std::memcpy(&bytes, key.data(), key.size());
    const auto size = static_cast<std::uint8_t>(key.size());
    for (std::size_t i = slot(bytes, size);; i = (i + 1) & (m_slots.size() - 1)) {
      Slot& s = m_slots[i];
      if (s.count > 0 && s.bytes == bytes && s.size == size) {
        ++s.count;
        return;
      }
      if (s.count == 0) {
        s = {bytes, size, 1};
        if (++m_used * 2 > m_slots.size()) grow();
        return;
      }
    }
  }
  void merge_into(std::map<std::string, std::int64_t>& m) const {
    for (const Slot& s : m_slots)
      if (s.count > 0) m[std::string(reinterpret_cast<const char*>(&s.bytes), s.size)] += s.count;
    for (const auto& [key, n] : m_long) m[key] += n;
  }

 private:
  struct Slot {
    std::uint64_t bytes = 0;
    std::uint8_t size = 0;
    std::int64_t count = 0;
  };
  std::size_t slot(std::uint64_t bytes, std::uint8_t size) const {
    std::uint64_t h = (bytes ^ size) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(h >> 32) & (m_slots.size() - 1);
  }
  void grow() {
    std::vector<Slot> old(m_slots.size() * 2);
    old.swap(m_slots);
    for (const Slot& s : old)
      if (s.count > 0)
        for (std::size_t i = slot(s.bytes, s.size);; i = (i + 1) & (m_slots.size() - 1))
          if (m_slots[i].count == 0) {
            m_slots[i] = s;
            break;
          }
  }
  std::vector<Slot> m_slots = std::vector<Slot>(64);
  std::size_t m_used = 0;
  std::map<std::string, std::int64_t> m_long;
};

}  // namespace

StatsPeriod parse_period(const std::string& from, const std::string& to,
                         const std::string& from_name, const std::string& to_name) {
  StatsPeriod p;
  if (!from.empty()) p.from = core::Date::parse(from, from_name);
  if (!to.empty()) p.to = core::Date::parse(to, to_name);
  if (p.from && p.to && p.from->first_day() > p.to->last_day())
    throw core::InputError(
        from_name + "/" + to_name,
        "the period " + from + " to " + to + " ends before it starts: it holds no date");
  return p;
}

bool in_period(const std::optional<std::string>& date, const StatsPeriod& p) {
  return in_period_view(view(date), p);
}

bool in_period(std::optional<std::string_view> date, const StatsPeriod& p) {
  return in_period_view(date, p);
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

struct StatsBuilder::State {
  StatsPeriod period;
  unsigned threads = 1;
  Stats s;
  index::ShapeIndex::Builder hazard_shapes;
  std::int64_t hazard_count = 0;
  std::shared_ptr<const index::ShapeIndex> hazards;
  // Victims wait for their accidents: each points to a slot that gets the accident's
  // year when the accident is counted.
  struct Victim {
    std::size_t accident = 0;
    bool killed = false, child = false;
    std::string group, sex;
  };
  std::vector<Victim> victims;
  std::unordered_map<std::string, std::size_t> victim_accident;         // accident id -> slot
  std::vector<std::optional<std::string>> accident_year;                // per slot
  std::unordered_map<std::string, std::optional<double>> deminer_days;  // activity -> days
  std::unordered_set<std::string> activities_with_finds, counted_activities;

  Tally accident_types, accident_years;

  // The accidents' points, joined to the hazards at the end (index/join count_covered,
  // over every core). The hazards' index is built meanwhile on another thread, from the
  // first accident on (the hazards are complete then), for containment only.
  std::vector<core::Coord> accident_points;
  std::thread builder;
  std::exception_ptr failure;

  void start_build() {
    if (builder.joinable() || hazards || threads <= 1) return;
    builder = std::thread([this] {
      try {
        build_index();
      } catch (...) {
        failure = std::current_exception();
      }
    });
  }
  void build_index() {
    if (!hazards)
      hazards = std::make_shared<const index::ShapeIndex>(
          std::move(hazard_shapes).build(index::ShapeIndex::Queries::Containment));
  }
  void end_build() {
    if (builder.joinable()) builder.join();
    if (failure) std::rethrow_exception(failure);
    build_index();
  }
  ~State() {
    if (builder.joinable()) builder.join();
  }

  // How many of the points lie in or on a hazard.
  std::int64_t count_inside() {
    end_build();
    auto n = static_cast<std::int64_t>(index::count_covered(accident_points, *hazards, {threads}));
    accident_points = {};
    return n;
  }
};

StatsBuilder::StatsBuilder(const StatsPeriod& period, unsigned threads)
    : m(std::make_unique<State>()) {
  m->period = period;
  m->threads = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  m->s.hazards.by_type = zeros(core::Entity::Hazard, "type");
  m->s.hazards.by_status = zeros(core::Entity::Hazard, "status");
  m->s.items.by_category = zeros(core::Entity::Item, "category");
  m->s.accidents.by_type = zeros(core::Entity::Accident, "type");
  m->s.victims.by_group = zeros(core::Entity::Victim, "group");
  m->s.victims.by_sex = zeros(core::Entity::Victim, "sex");
}
StatsBuilder::~StatsBuilder() = default;
StatsBuilder::StatsBuilder(StatsBuilder&&) noexcept = default;
StatsBuilder& StatsBuilder::operator=(StatsBuilder&&) noexcept = default;

void StatsBuilder::use_hazard_index(std::shared_ptr<const index::ShapeIndex> hazards) {
  m->hazards = std::move(hazards);
}

void StatsBuilder::add_hazard(const Hazard& h, const core::Geometry* geometry) {
  auto& s = m->s.hazards;
  ++s.count;
  count(s.by_type, h.type);
  count(s.by_status, h.status);
  s.area_m2 += h.area_m2.value_or(0);
  s.remaining_m2 += h.remaining_m2.value_or(0);
  if (geometry && !m->hazards) m->hazard_shapes.add(m->hazard_count, *geometry);
  ++m->hazard_count;
}

void StatsBuilder::add_victim(const Victim& v) {
  auto [it, added] = m->victim_accident.try_emplace(std::string(v.accident_id), 0);
  if (added) {
    it->second = m->accident_year.size();
    m->accident_year.emplace_back();
  }
  // The age when known, else the age group (a count of children in an import).
  bool child = v.age ? *v.age < 18 : v.age_group == "child";
  m->victims.push_back({it->second, v.outcome == "killed", child, std::string(v.group),
                        std::string(v.sex.value_or("unknown"))});
}

bool StatsBuilder::needs_accident_ids() const {
  return !m->victim_accident.empty();
}

void StatsBuilder::add_accident(const Accident& a) {
  if (!in_period_view(a.date, m->period)) return;
  ++m->s.accidents.count;
  m->accident_years.add(year_of(a.date));
  m->accident_types.add(a.type);
  if (a.point) {
    m->start_build();
    m->accident_points.push_back(*a.point);
  }
  if (m->victim_accident.empty()) return;
  auto it = m->victim_accident.find(std::string(a.id));
  if (it == m->victim_accident.end()) return;
  m->accident_year[it->second] = std::string(year_of(a.date));
}

void StatsBuilder::add_activity(std::string_view id, std::optional<double> deminer_days) {
  m->deminer_days[std::string(id)] = deminer_days;
}

void StatsBuilder::add_item(const Item& it) {
  if (!in_period_view(it.found, m->period)) return;
  auto& s = m->s.items;
  std::int64_t q = it.quantity.value_or(1);
  s.count += q;
  count(s.by_category, it.category, q);
  count_year(s.by_year, it.found, q);
  // Items per activity, to find cleared ground in which nothing was found.
  if (it.activity_id) m->activities_with_finds.insert(std::string(*it.activity_id));
}

void StatsBuilder::add_release(const Release& r) {
  if (!in_period_view(r.date, m->period)) return;
  auto& s = m->s.land_release;
  double a = r.area_m2.value_or(0);
  if (r.outcome == "cancelled") s.cancelled_m2 += a;
  if (r.outcome == "reduced") s.reduced_m2 += a;
  if (r.outcome != "cleared") return;
  s.cleared_m2 += a;
  std::string act_id(r.activity_id);
  if (!m->activities_with_finds.count(act_id)) s.cleared_nothing_found_m2 += a;
  auto act = m->deminer_days.find(act_id);
  if (act == m->deminer_days.end()) return;
  auto days = act->second;
  if (!days || *days <= 0) return;
  s.cleared_by_deminer_days_m2 += a;
  if (m->counted_activities.insert(act_id).second) s.deminer_days += *days;
}

Stats StatsBuilder::finish() {
  // Accidents inside vs outside every known hazard (any status). An accident
  // outside all of them is evidence of unknown contamination.
  auto& acc = m->s.accidents;
  acc.inside_hazards = m->count_inside();
  acc.outside_hazards = acc.count - acc.inside_hazards;
  m->accident_years.merge_into(acc.by_year);
  m->accident_types.merge_into(acc.by_type);

  auto& v = m->s.victims;
  for (const auto& victim : m->victims) {
    const auto& year = m->accident_year[victim.accident];
    if (!year) continue;  // accident outside the period, or not approved
    ++v.count;
    ++(victim.killed ? v.killed : v.injured);
    if (victim.child) ++v.children;
    count(v.by_group, victim.group);
    count(v.by_sex, victim.sex);
    count(v.by_year, *year);
  }
  return std::move(m->s);
}

std::shared_ptr<const index::ShapeIndex> StatsBuilder::hazard_index() const {
  return m->hazards;
}

Stats compute_stats(const StatsInput& in, const StatsPeriod& period) {
  StatsBuilder b(period);
  for (const Record& h : in.hazards)
    b.add_hazard({h.text("type").value_or(""), h.text("status").value_or(""), h.real("area_m2"),
                  h.real("remaining_m2")},
                 &h.geometry);
  // The builder keeps views only as long as each call: the temporaries are enough.
  for (const Record& v : in.victims) {
    auto acc = v.text("accident_id").value_or(""), outcome = v.text("outcome").value_or("");
    auto age_group = v.text("age_group").value_or(""), group = v.text("group").value_or("");
    auto sex = v.text("sex");
    b.add_victim({acc, outcome, age_group, group, view(sex), v.integer("age")});
  }
  for (const Record& a : in.accidents) {
    auto type = a.text("type").value_or("");
    auto date = a.text("date");
    std::optional<core::Coord> point;
    if (!a.geometry.points.empty()) point = a.geometry.points[0];
    b.add_accident({a.id, type, view(date), point});
  }
  for (const Record& a : in.activities) b.add_activity(a.id, a.real("deminer_days"));
  for (const Record& it : in.items) {
    auto found = it.text("found"), activity = it.text("activity_id");
    auto category = it.text("category").value_or("");
    b.add_item({view(found), view(activity), category, it.integer("quantity")});
  }
  for (const Record& r : in.releases) {
    auto date = r.text("date");
    auto outcome = r.text("outcome").value_or("");
    auto activity = r.text("activity_id").value_or("");
    b.add_release({view(date), outcome, activity, r.real("area_m2")});
  }
  return b.finish();
}

}  // namespace minemap::analysis
