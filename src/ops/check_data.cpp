// The data-quality checks; see check_data.hpp and docs/cli.md#check-data.
#include "ops/check_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "core/errors.hpp"
#include "geo/geometry_ops.hpp"
#include "index/point_index.hpp"
#include "io/gdal_sink.hpp"

namespace minemap::ops {

namespace {

using core::Entity;
using core::Record;

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Days since 1970-01-01 of a full date (H. Hinnant's days_from_civil).
std::int64_t day_number(const core::Date& d) {
  const std::int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (d.month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<core::Date> date_of(const Record& r, std::string_view field) {
  auto t = r.text(field);
  return t ? core::Date::try_parse(*t) : std::nullopt;
}

// A point on the feature: the point itself, else a point on the line or inside the area.
std::optional<core::Coord> point_on(const core::Geometry& g) {
  if (g.type == core::GeomType::None || g.empty()) return std::nullopt;
  if (!g.points.empty()) return g.points.front();
  return geo::representative_point(g);
}

// The records of one entity, with a point on each and their place in a shape index.
struct Layer {
  const core::EntitySpec* spec = nullptr;
  std::vector<Record> records;
  std::vector<std::optional<core::Coord>> points;
  std::map<std::string, std::size_t> by_id;  // id -> position in records

  const Record* find(const std::string& id) const {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : &records[it->second];
  }
};

// Positions in a ShapeIndex by key (ShapeIndex answers keys; distances want positions).
std::map<std::int64_t, std::size_t> positions(const index::ShapeIndex& s) {
  std::map<std::int64_t, std::size_t> out;
  for (std::size_t i = 0; i < s.size(); ++i) out[s.key(i)] = i;
  return out;
}

index::ShapeIndex shapes_of(const Layer& l) {
  index::ShapeIndex::Builder b;
  for (std::size_t i = 0; i < l.records.size(); ++i)
    b.add(static_cast<std::int64_t>(i), l.records[i].geometry);
  return std::move(b).build();
}

class Checker {
 public:
  Checker(store::Registry& reg, const QualityOptions& opt) : m_opt(opt) {
    for (const auto& spec : core::entities()) {
      if (spec.kind == Entity::RecordRow || spec.kind == Entity::RecordMine) continue;
      Layer& l = m_layers[spec.kind];
      l.spec = &spec;
      l.records = reg.list(spec);
      l.points.reserve(l.records.size());
      for (std::size_t i = 0; i < l.records.size(); ++i) {
        l.by_id[l.records[i].id] = i;
        l.points.push_back(point_on(l.records[i].geometry));
      }
    }
  }

  std::vector<QualityFlag> run() {
    placement();
    duplicates();
    far_links();
    closed_with_area();
    before_report();
    future_dates();
    std::map<Entity, std::size_t> order;
    for (const auto& s : core::entities()) order.emplace(s.kind, order.size());
    std::stable_sort(m_flags.begin(), m_flags.end(), [&](const auto& a, const auto& b) {
      auto ka = std::tie(order[a.first], a.second.id, a.second.check);
      auto kb = std::tie(order[b.first], b.second.id, b.second.check);
      return ka < kb;
    });
    std::vector<QualityFlag> out;
    out.reserve(m_flags.size());
    for (auto& [kind, f] : m_flags) out.push_back(std::move(f));
    return out;
  }

 private:
  bool in_scope(const Record& r) const { return !m_opt.only || m_opt.only->count(r.id); }

  void flag(const Layer& l, std::size_t i, std::string check, std::string reason,
            nlohmann::json details) {
    QualityFlag f;
    f.entity = l.spec->name;
    f.id = l.records[i].id;
    f.check = std::move(check);
    f.reason = std::move(reason);
    f.details = std::move(details);
    if (l.points[i]) f.where = core::Geometry::point(l.points[i]->x, l.points[i]->y);
    m_flags.emplace_back(l.spec->kind, std::move(f));
  }

  // Outside the administrative areas loaded, or inside them only with lon/lat swapped.
  void placement() {
    const Layer& admin = m_layers.at(Entity::AdminArea);
    if (admin.records.empty()) return;  // nothing to place the features in
    const index::ShapeIndex areas = shapes_of(admin);
    // The most specific area: the highest level, then the smallest.
    const auto most_specific = [&](const std::vector<std::int64_t>& keys) {
      const Record* best = nullptr;
      for (auto k : keys) {
        const Record& a = admin.records[static_cast<std::size_t>(k)];
        auto level = a.integer("level").value_or(0);
        auto best_level = best ? best->integer("level").value_or(0) : -1;
        if (!best || level > best_level ||
            (level == best_level &&
             a.real("area_m2").value_or(0) < best->real("area_m2").value_or(0)))
          best = &a;
      }
      return best;
    };
    for (auto& [kind, l] : m_layers) {
      if (kind == Entity::AdminArea || !l.spec->spatial()) continue;
      for (std::size_t i = 0; i < l.records.size(); ++i) {
        if (!in_scope(l.records[i]) || !l.points[i]) continue;
        const core::Coord p = *l.points[i];
        if (!areas.containing(p).empty()) continue;
        nlohmann::json details = {{"lon", p.x}, {"lat", p.y}};
        const std::string at = fixed(p.x, 6) + ", " + fixed(p.y, 6);
        if (const Record* a = most_specific(swapped_into(p, areas))) {
          const std::string name = a->text("name").value_or("");
          details["swapped_into"] = a->id;
          details["swapped_into_name"] = name;
          flag(l, i, "swapped",
               "lon/lat swapped? outside every administrative area at " + at +
                   "; swapped, it falls inside " + a->id + " " + name,
               std::move(details));
        } else {
          flag(l, i, "outside", "outside every administrative area loaded, at " + at,
               std::move(details));
        }
      }
    }
  }

  // The same place and the same date, within the tolerances, in one entity.
  void duplicates() {
    const std::pair<Entity, std::string_view> dated[] = {{Entity::Hazard, "reported"},
                                                         {Entity::Release, "date"},
                                                         {Entity::Item, "found"},
                                                         {Entity::Accident, "date"}};
    const double metres = m_opt.duplicate_m;
    for (const auto& [kind, field] : dated) {
      const Layer& l = m_layers.at(kind);
      std::vector<std::optional<core::Date>> dates;
      for (const auto& r : l.records) dates.push_back(date_of(r, field));
      const bool points = l.spec->geometry == core::GeomType::Point;
      // Items: two finds of different kinds at one place are two finds.
      const auto same_kind = [&](const Record& a, const Record& b) {
        return kind != Entity::Item ||
               (a.text("category") == b.text("category") && a.text("model") == b.text("model"));
      };
      index::PointIndex::Builder pb;
      for (std::size_t i = 0; i < l.records.size(); ++i)
        if (l.points[i] && dates[i]) pb.add(static_cast<std::int64_t>(i), *l.points[i]);
      const index::PointIndex pindex = std::move(pb).build();
      const index::ShapeIndex shapes = points ? index::ShapeIndex{} : shapes_of(l);
      const auto pos = points ? std::map<std::int64_t, std::size_t>{} : positions(shapes);
      for (std::size_t i = 0; i < l.records.size(); ++i) {
        const Record& r = l.records[i];
        if (!in_scope(r) || !l.points[i] || !dates[i]) continue;
        // Candidates: the others whose point lies near this one's (points), or whose
        // shape lies near this one's point (areas).
        std::vector<index::Hit> near =
            points ? pindex.within(*l.points[i], metres) : shapes.within(*l.points[i], metres);
        std::optional<std::pair<std::size_t, double>> best;
        for (const auto& h : near) {
          const auto j = static_cast<std::size_t>(h.key);
          if (j == i || !dates[j] || !same_kind(r, l.records[j])) continue;
          // A pair is flagged once: on the later id when both are reported.
          if (in_scope(l.records[j]) && l.records[j].id > r.id) continue;
          double d = h.distance_m;
          if (!points) {  // and this one's shape near the other's point
            if (!l.points[j]) continue;
            d = std::max(d, shapes.distance_m(pos.at(static_cast<std::int64_t>(i)), *l.points[j]));
            if (d > metres) continue;
          }
          if (days_apart(*dates[i], *dates[j]) > m_opt.duplicate_days) continue;
          if (!best || d < best->second) best = {{j, d}};
        }
        if (!best) continue;
        const Record& other = l.records[best->first];
        const std::string other_date = other.text(field).value_or("");
        flag(l, i, "duplicate",
             "duplicate of " + other.id + "? " + fixed(best->second, 1) + " m apart, " +
                 std::string(field) + " " + r.text(field).value_or("") +
                 (other_date == r.text(field).value_or("") ? " both" : " and " + other_date),
             {{"other_id", other.id},
              {"distance_m", best->second},
              {"days_apart", days_apart(*dates[i], *dates[best->first])},
              {"field", field},
              {"tolerance_m", metres},
              {"tolerance_days", m_opt.duplicate_days}});
      }
    }
  }

  // Records whose hazard_id names a hazard farther than link_km.
  void far_links() {
    const Layer& hz = m_layers.at(Entity::Hazard);
    const index::ShapeIndex shapes = shapes_of(hz);
    const auto pos = positions(shapes);
    const double limit_m = m_opt.link_km * 1000;
    for (Entity kind : {Entity::Release, Entity::Item, Entity::Record}) {
      const Layer& l = m_layers.at(kind);
      for (std::size_t i = 0; i < l.records.size(); ++i) {
        const Record& r = l.records[i];
        auto hid = r.text("hazard_id");
        if (!in_scope(r) || !hid || !l.points[i]) continue;
        auto h = hz.by_id.find(*hid);
        if (h == hz.by_id.end()) continue;
        auto at = pos.find(static_cast<std::int64_t>(h->second));
        if (at == pos.end()) continue;  // a hazard without geometry
        const double d = distance_to_shape(shapes, at->second, r.geometry, hz.points[h->second]);
        if (d <= limit_m) continue;
        flag(l, i, "far_link",
             "its hazard_id " + *hid + " lies " + fixed(d / 1000, 1) + " km away (more than " +
                 fixed(m_opt.link_km, 1) + " km)",
             {{"hazard_id", *hid}, {"distance_km", d / 1000}, {"limit_km", m_opt.link_km}});
      }
    }
  }

  // The least distance from the vertices of g to shape `s` (0 when they meet), or 0 when
  // g is an area holding the hazard's point.
  static double distance_to_shape(const index::ShapeIndex& shapes, std::size_t s,
                                  const core::Geometry& g,
                                  std::optional<core::Coord> hazard_point) {
    if (!g.polygons.empty() && hazard_point && geo::covers(g, *hazard_point)) return 0;
    double best = std::numeric_limits<double>::infinity();
    const auto visit = [&](core::Coord c) {
      if (best > 0) best = std::min(best, shapes.distance_m(s, c));
    };
    for (const auto& c : g.points) visit(c);
    for (const auto& line : g.lines)
      for (const auto& c : line) visit(c);
    for (const auto& poly : g.polygons)
      for (const auto& ring : poly)
        for (const auto& c : ring) visit(c);
    return best;
  }

  // Closed (or handed over) hazards whose land released leaves area.
  void closed_with_area() {
    const Layer& hz = m_layers.at(Entity::Hazard);
    for (std::size_t i = 0; i < hz.records.size(); ++i) {
      const Record& h = hz.records[i];
      const std::string status = h.text("status").value_or("");
      if (!in_scope(h) || (status != "closed" && status != "handed_over")) continue;
      const double left = h.real("remaining_m2").value_or(0);
      if (left <= m_opt.closed_area_m2) continue;
      const double area = h.real("area_m2").value_or(0);
      flag(hz, i, "closed_with_area",
           "status " + status + " but " + fixed(left, 1) + " m2 of its " + fixed(area, 1) +
               " m2 is not covered by land released",
           {{"status", status}, {"remaining_m2", left}, {"area_m2", area}});
    }
  }

  // Records dated before their hazard was first reported: accidents inside the hazard
  // (they carry no hazard reference), activities and land released by their hazard_id.
  void before_report() {
    const Layer& hz = m_layers.at(Entity::Hazard);
    std::vector<std::optional<core::Date>> reported;
    for (const auto& h : hz.records) reported.push_back(date_of(h, "reported"));
    const auto check = [&](const Layer& l, std::size_t i, std::string_view field,
                           std::size_t hazard, const std::string& how) {
      auto d = date_of(l.records[i], field);
      if (!d || !reported[hazard] || !(d->last_day() < reported[hazard]->first_day())) return false;
      const Record& h = hz.records[hazard];
      const std::string value = l.records[i].text(field).value_or("");
      const std::string rep = h.text("reported").value_or("");
      flag(l, i, "before_report",
           std::string(field) + " " + value + " is before " + h.id + how + " was first reported, " +
               rep,
           {{"hazard_id", h.id},
            {"field", field},
            {"value", value},
            {"reported", rep},
            {"days_before", days_apart(*d, *reported[hazard])}});
      return true;
    };
    const Layer& acc = m_layers.at(Entity::Accident);
    if (!acc.records.empty() && !hz.records.empty()) {
      const index::ShapeIndex shapes = shapes_of(hz);
      for (std::size_t i = 0; i < acc.records.size(); ++i) {
        if (!in_scope(acc.records[i]) || !acc.points[i]) continue;
        auto keys = shapes.containing(*acc.points[i]);
        std::sort(keys.begin(), keys.end(), [&](auto a, auto b) {
          return hz.records[static_cast<std::size_t>(a)].id <
                 hz.records[static_cast<std::size_t>(b)].id;
        });
        for (auto k : keys)
          if (check(acc, i, "date", static_cast<std::size_t>(k), " (in which it lies)")) break;
      }
    }
    for (const auto& [kind, field] : {std::pair{Entity::Activity, std::string_view("start")},
                                      std::pair{Entity::Release, std::string_view("date")}}) {
      const Layer& l = m_layers.at(kind);
      for (std::size_t i = 0; i < l.records.size(); ++i) {
        auto hid = l.records[i].text("hazard_id");
        if (!in_scope(l.records[i]) || !hid) continue;
        auto h = hz.by_id.find(*hid);
        if (h != hz.by_id.end()) check(l, i, field, h->second, " (its hazard_id)");
      }
    }
  }

  // Dates after today (a store written with a wrong clock, or by another program).
  void future_dates() {
    for (auto& [kind, l] : m_layers) {
      for (std::size_t i = 0; i < l.records.size(); ++i) {
        const Record& r = l.records[i];
        if (!in_scope(r)) continue;
        for (const auto& f : l.spec->fields) {
          if (f.type != core::FieldType::Date) continue;
          auto d = date_of(r, f.name);
          if (!d || !(d->first_day() > m_opt.today)) continue;
          const std::string value = r.text(f.name).value_or("");
          flag(l, i, "future_date",
               std::string(f.name) + " " + value + " is in the future (today is " +
                   m_opt.today.to_string() + ")",
               {{"field", f.name},
                {"value", value},
                {"today", m_opt.today.to_string()},
                {"days_ahead", days_apart(*d, m_opt.today)}});
        }
      }
    }
  }

  const QualityOptions& m_opt;
  std::map<Entity, Layer> m_layers;
  std::vector<std::pair<Entity, QualityFlag>> m_flags;
};

}  // namespace

std::vector<std::int64_t> swapped_into(core::Coord p, const index::ShapeIndex& areas) {
  const core::Coord swapped{p.y, p.x};
  if (std::abs(swapped.y) > 90 || !areas.containing(p).empty()) return {};
  return areas.containing(swapped);
}

std::int64_t days_apart(const core::Date& a, const core::Date& b) {
  const std::int64_t a0 = day_number(a.first_day()), a1 = day_number(a.last_day());
  const std::int64_t b0 = day_number(b.first_day()), b1 = day_number(b.last_day());
  return std::max<std::int64_t>({0, b0 - a1, a0 - b1});
}

std::vector<QualityFlag> check_data(store::Registry& reg, const QualityOptions& opt) {
  if (!std::isfinite(opt.duplicate_m) || opt.duplicate_m < 0)
    throw core::InputError("--distance", "must be a number of metres, 0 or more");
  if (opt.duplicate_days < 0) throw core::InputError("--days", "must be 0 or more");
  if (!std::isfinite(opt.link_km) || opt.link_km <= 0)
    throw core::InputError("--link-km", "must be a number of kilometres above 0");
  return Checker(reg, opt).run();
}

nlohmann::json quality_json(const std::vector<QualityFlag>& flags) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : flags)
    out.push_back({{"entity", f.entity},
                   {"id", f.id},
                   {"check", f.check},
                   {"reason", f.reason},
                   {"details", f.details}});
  return out;
}

std::string quality_table(const std::vector<QualityFlag>& flags) {
  if (flags.empty()) return "no problems found\n";
  std::size_t w[3] = {6, 2, 5};  // "entity", "id", "check"
  for (const auto& f : flags) {
    w[0] = std::max(w[0], f.entity.size());
    w[1] = std::max(w[1], f.id.size());
    w[2] = std::max(w[2], f.check.size());
  }
  const auto row = [&](const std::string& a, const std::string& b, const std::string& c,
                       const std::string& reason) {
    return a + std::string(w[0] + 2 - a.size(), ' ') + b + std::string(w[1] + 2 - b.size(), ' ') +
           c + std::string(w[2] + 2 - c.size(), ' ') + reason + '\n';
  };
  std::string out = row("entity", "id", "check", "reason");
  for (const auto& f : flags) out += row(f.entity, f.id, f.check, f.reason);
  out += std::to_string(flags.size()) + " flagged\n";
  return out;
}

void write_quality_gpkg(const std::vector<QualityFlag>& flags, const std::string& path,
                        bool overwrite) {
  using core::FieldType;
  io::FeatureSink sink(path, io::SinkFormat::Gpkg, "flagged", core::GeomType::Point,
                       {{"entity", FieldType::Text},
                        {"id", FieldType::Text},
                        {"check", FieldType::Text},
                        {"reason", FieldType::Text}},
                       overwrite);
  for (const auto& f : flags) sink.write({f.entity, f.id, f.check, f.reason}, f.where);
  sink.close();
}

}  // namespace minemap::ops
