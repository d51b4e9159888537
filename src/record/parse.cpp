#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "core/errors.hpp"
#include "core/schema.hpp"
#include "core/text.hpp"
#include "record/record.hpp"

namespace minemap::record {

using core::InputError;
using nlohmann::json;

std::string_view to_string(AngleUnit u) {
  switch (u) {
    case AngleUnit::Deg: return "deg";
    case AngleUnit::Mil6400: return "mil6400";
    case AngleUnit::Mil6000: return "mil6000";
  }
  return "?";
}
std::string_view to_string(DistanceUnit u) {
  return u == DistanceUnit::Metre ? "m" : "pace";
}
std::string_view to_string(BearingRef r) {
  switch (r) {
    case BearingRef::True: return "true";
    case BearingRef::Grid: return "grid";
    case BearingRef::Magnetic: return "magnetic";
  }
  return "?";
}
std::string_view to_string(PointKind k) {
  switch (k) {
    case PointKind::Landmark: return "landmark";
    case PointKind::Reference: return "reference";
    case PointKind::Benchmark: return "benchmark";
    case PointKind::Turning: return "turning";
    case PointKind::Intermediate: return "intermediate";
    case PointKind::Other: return "other";
  }
  return "?";
}
std::string_view to_string(Pattern p) {
  return p == Pattern::Single ? "single" : "staggered";
}

double full_circle(AngleUnit u) {
  switch (u) {
    case AngleUnit::Deg: return 360.0;
    case AngleUnit::Mil6400: return 6400.0;
    case AngleUnit::Mil6000: return 6000.0;
  }
  return 360.0;
}

int Row::count() const {
  int n = 0;
  for (const auto& g : mines) n += g.count;
  return n;
}

const Point* Record::point(std::string_view pid) const {
  for (const auto& p : points)
    if (p.id == pid) return &p;
  return nullptr;
}

const Point& Record::anchor() const {
  for (const auto& p : points)
    if (p.kind == PointKind::Landmark) return p;
  return points.front();
}

int Record::mine_count() const {
  int n = 0;
  for (const auto& r : rows) n += r.count();
  return n;
}

namespace {

// A value as a message quotes it (text that is not UTF-8 shown with U+FFFD).
std::string shown(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string dq(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// A number as people write it: 400, 12.5, 0.0001.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string key(const std::string& path, std::string_view k) {
  return path.empty() ? std::string(k) : path + "." + std::string(k);
}

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const char* type_name(const json& v) {
  return v.type_name();
}

const json* member(const json& obj, std::string_view k) {
  auto it = obj.find(k);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

void expect_object(const json& v, const std::string& path) {
  if (!v.is_object())
    throw InputError(path.empty() ? "record" : path,
                     std::string("expected an object, found ") + type_name(v));
}

std::string text(const json& obj, std::string_view k, const std::string& path, bool required) {
  const json* v = member(obj, k);
  if (!v) {
    if (required) throw InputError(key(path, k), "missing");
    return {};
  }
  if (!v->is_string())
    throw InputError(key(path, k), std::string("expected a string, found ") + type_name(*v));
  std::string s = v->get<std::string>();
  if (required && s.empty()) throw InputError(key(path, k), "empty");
  return s;
}

std::optional<double> number(const json& obj, std::string_view k, const std::string& path,
                             bool required) {
  const json* v = member(obj, k);
  if (!v) {
    if (required) throw InputError(key(path, k), "missing");
    return std::nullopt;
  }
  if (!v->is_number())
    throw InputError(key(path, k), std::string("expected a number, found ") + type_name(*v));
  double d = v->get<double>();
  if (!std::isfinite(d)) throw InputError(key(path, k), "not a finite number");
  return d;
}

template <typename E>
E choice(const json& obj, std::string_view k, const std::string& path,
         const std::vector<std::pair<std::string_view, E>>& options, E fallback) {
  const json* v = member(obj, k);
  if (!v) return fallback;
  if (v->is_string()) {
    std::string s = v->get<std::string>();
    for (const auto& [name, e] : options)
      if (s == name) return e;
  }
  std::string list;
  for (const auto& o : options) list += (list.empty() ? "" : ", ") + std::string(o.first);
  throw InputError(key(path, k), "unknown value " + shown(*v) + " (one of: " + list + ")");
}

struct Parser {
  Parsed out;
  Record& r = out.record;
  std::unordered_map<std::string, std::size_t> point_index;  // id -> position in points

  void warn(const std::string& path, const std::string& msg) {
    out.warnings.push_back(path + ": " + msg);
  }

  double bearing(const json& obj, const std::string& path) {
    double b = *number(obj, "bearing", path, true);
    double full = full_circle(r.angle_unit);
    if (b < 0 || b > full)
      throw InputError(key(path, "bearing"), "bearing " + num(b) + " is outside 0.." + num(full) +
                                                 " " + std::string(to_string(r.angle_unit)));
    return b;
  }

  double distance(const json& obj, std::string_view k, const std::string& path, bool required,
                  bool positive) {
    auto d = number(obj, k, path, required);
    if (!d) return 0;
    if (*d < 0) throw InputError(key(path, k), "negative distance " + num(*d));
    if (positive && *d == 0) throw InputError(key(path, k), "must be greater than 0");
    return *d;
  }

  Step step(const json& obj, const std::string& path) {
    expect_object(obj, path);
    Step s;
    s.path = path;
    s.bearing = bearing(obj, path);
    s.distance = distance(obj, "distance", path, true, false);
    return s;
  }

  // `from` must name a point defined before `limit` points (all of them when limit
  // is npos). `what` ends the message: "this point", "this row".
  void check_from(const std::string& from, const std::string& path, std::size_t limit,
                  const std::string& what) {
    auto it = point_index.find(from);
    if (it != point_index.end() && it->second < limit) return;
    throw InputError(path, "no point " + dq(from) + " defined before " + what);
  }

  Leg leg(const json& obj, const std::string& path, std::size_t limit, const std::string& what,
          bool allow_then) {
    Leg l;
    l.from = text(obj, "from", path, true);
    check_from(l.from, key(path, "from"), limit, what);
    l.step = step(obj, path);
    if (const json* then = member(obj, "then")) {
      if (!allow_then)
        throw InputError(key(path, "then"), "further legs are allowed only in a row's start");
      if (!then->is_array())
        throw InputError(key(path, "then"),
                         std::string("expected an array, found ") + type_name(*then));
      for (std::size_t i = 0; i < then->size(); ++i)
        l.then.push_back(step((*then)[i], index(key(path, "then"), i)));
    }
    return l;
  }

  void header(const json& j) {
    const json* f = member(j, "format");
    if (!f) throw InputError("format", "missing (expected " + dq(kFormat) + ")");
    if (!f->is_string() || f->get<std::string>() != kFormat)
      throw InputError("format", "unknown format " + shown(*f) + " (expected " + dq(kFormat) + ")");
    r.id = text(j, "id", "", true);
    if (const json* s = member(j, "source")) {
      expect_object(*s, "source");
      r.source_name = text(*s, "name", "source", false);
      r.source_received = text(*s, "received", "source", false);
      if (!r.source_received.empty()) core::Date::parse(r.source_received, "source.received");
      r.source_reference = text(*s, "reference", "source", false);
    }
    if (r.source_name.empty())
      warn("source.name", "missing: the record cannot be judged with the others of its source");
    std::string laid = text(j, "laid", "", false);
    if (!laid.empty()) r.laid = core::Date::parse(laid, "laid");
    std::string crs = text(j, "crs", "", false);
    if (member(j, "crs") && crs.empty()) throw InputError("crs", "empty");
    if (!crs.empty()) r.crs = crs;
    r.angle_unit = choice<AngleUnit>(
        j, "angle_unit", "",
        {{"deg", AngleUnit::Deg}, {"mil6400", AngleUnit::Mil6400}, {"mil6000", AngleUnit::Mil6000}},
        AngleUnit::Deg);
    r.distance_unit = choice<DistanceUnit>(
        j, "distance_unit", "", {{"m", DistanceUnit::Metre}, {"pace", DistanceUnit::Pace}},
        DistanceUnit::Metre);
    if (auto p = number(j, "pace_m", "", false)) {
      if (*p <= 0 || *p > 2)
        throw InputError("pace_m", "a pace of " + num(*p) + " m is not plausible (0..2 m)");
      r.pace_m = *p;
      if (r.distance_unit != DistanceUnit::Pace)
        warn("pace_m", "given, but distance_unit is not \"pace\": ignored");
    }
    r.bearing_ref = choice<BearingRef>(j, "bearing_ref", "",
                                       {{"true", BearingRef::True},
                                        {"grid", BearingRef::Grid},
                                        {"magnetic", BearingRef::Magnetic}},
                                       BearingRef::True);
    if (auto d = number(j, "declination_deg", "", false)) {
      if (std::abs(*d) > 180) throw InputError("declination_deg", "outside -180..180");
      r.declination_deg = d;
      if (r.bearing_ref != BearingRef::Magnetic)
        warn("declination_deg", "given, but bearing_ref is not \"magnetic\": ignored");
    }
  }

  void points(const json& j) {
    const json* ps = member(j, "points");
    if (!ps) throw InputError("points", "missing");
    if (!ps->is_array())
      throw InputError("points", std::string("expected an array, found ") + type_name(*ps));
    if (ps->empty()) throw InputError("points", "no points");
    // Every id first, so that a `from` naming a later point can be told apart from
    // one naming no point at all (and a cycle named as one).
    std::unordered_map<std::string, std::size_t> all;
    for (std::size_t i = 0; i < ps->size(); ++i) {
      const json& p = (*ps)[i];
      std::string path = index("points", i);
      expect_object(p, path);
      std::string pid = text(p, "id", path, true);
      if (!all.emplace(pid, i).second)
        throw InputError(key(path, "id"), "duplicate point id " + dq(pid));
    }
    for (std::size_t i = 0; i < ps->size(); ++i) {
      const json& p = (*ps)[i];
      Point pt;
      pt.path = index("points", i);
      pt.id = text(p, "id", pt.path, true);
      pt.kind = choice<PointKind>(p, "kind", pt.path,
                                  {{"landmark", PointKind::Landmark},
                                   {"reference", PointKind::Reference},
                                   {"benchmark", PointKind::Benchmark},
                                   {"turning", PointKind::Turning},
                                   {"intermediate", PointKind::Intermediate},
                                   {"other", PointKind::Other}},
                                  PointKind::Other);
      pt.description = text(p, "description", pt.path, false);
      bool has_xy = member(p, "x") || member(p, "y");
      bool has_leg = member(p, "from") || member(p, "bearing") || member(p, "distance");
      if (has_xy && has_leg)
        throw InputError(pt.path,
                         "both coordinates (x, y) and a leg (from, bearing, distance): give one");
      if (!has_xy && !has_leg)
        throw InputError(pt.path,
                         "missing coordinate: give x and y, or a leg (from, bearing, distance)");
      if (has_xy) {
        double x = *number(p, "x", pt.path, true);
        double y = *number(p, "y", pt.path, true);
        pt.xy = core::Coord{x, y};
      } else {
        std::string from = text(p, "from", pt.path, true);
        auto it = all.find(from);
        if (it != all.end() && it->second >= i) cycle_or_order(*ps, all, i, from);
        pt.leg = leg(p, pt.path, i, "this point", false);
      }
      point_index.emplace(pt.id, i);
      r.points.push_back(std::move(pt));
    }
    bool landmark = std::any_of(r.points.begin(), r.points.end(),
                                [](const Point& p) { return p.kind == PointKind::Landmark; });
    if (!landmark) warn("points", "no landmark: the first point anchors the record");
    if (!r.points.front().xy)
      throw InputError("points[0]",
                       "the first point needs coordinates (x, y): every leg starts from one");
  }

  // points[i] names a point defined at or after it: a cycle when following the
  // `from`s comes back to it, else an ordering error.
  [[noreturn]] void cycle_or_order(const json& ps,
                                   const std::unordered_map<std::string, std::size_t>& all,
                                   std::size_t i, const std::string& from) {
    std::string path = key(index("points", i), "from");
    std::string chain = (ps[i])["id"].get<std::string>();
    std::set<std::size_t> seen{i};
    std::string cur = from;
    for (;;) {
      chain += " -> " + cur;
      auto it = all.find(cur);
      if (it == all.end()) break;
      if (it->second == i) throw InputError(path, "cycle: " + chain);
      if (!seen.insert(it->second).second) break;
      const json& next = ps[it->second];
      const json* f = member(next, "from");
      if (!f || !f->is_string()) break;
      cur = f->get<std::string>();
    }
    throw InputError(path, "point " + dq(from) +
                               " is defined after this one: points must come in order, each "
                               "after the point it is measured from");
  }

  void perimeter(const json& j) {
    const json* p = member(j, "perimeter");
    if (!p) throw InputError("perimeter", "missing");
    if (!p->is_array())
      throw InputError("perimeter", std::string("expected an array, found ") + type_name(*p));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < p->size(); ++i) {
      std::string path = index("perimeter", i);
      const json& v = (*p)[i];
      if (!v.is_string())
        throw InputError(path, std::string("expected a point id, found ") + type_name(v));
      std::string pid = v.get<std::string>();
      if (!point_index.count(pid)) throw InputError(path, "no point " + dq(pid));
      if (!seen.insert(pid).second)
        throw InputError(path, "point " + dq(pid) + " is already in the perimeter");
      r.perimeter.push_back(pid);
    }
    if (r.perimeter.size() < 3) throw InputError("perimeter", "needs at least 3 points");
    if (const json* c = member(j, "closure")) {
      expect_object(*c, "closure");
      r.closure = leg(*c, "closure", r.points.size(), "the closure", false);
      if (r.closure->from != r.perimeter.back())
        warn("closure.from", "the closing leg starts at " + dq(r.closure->from) +
                                 ", not at the last perimeter point " + dq(r.perimeter.back()));
    }
  }

  void rows(const json& j) {
    const json* rs = member(j, "rows");
    if (!rs) {
      warn("rows", "missing: a record with no rows of mines");
      return;
    }
    if (!rs->is_array())
      throw InputError("rows", std::string("expected an array, found ") + type_name(*rs));
    std::set<std::string> ids;
    for (std::size_t i = 0; i < rs->size(); ++i) {
      const json& rj = (*rs)[i];
      Row row;
      row.path = index("rows", i);
      expect_object(rj, row.path);
      row.id = text(rj, "id", row.path, true);
      if (!ids.insert(row.id).second)
        throw InputError(key(row.path, "id"), "duplicate row id " + dq(row.id));
      const json* start = member(rj, "start");
      std::string spath = key(row.path, "start");
      if (!start) throw InputError(spath, "missing");
      if (start->is_string()) {
        row.start_point = start->get<std::string>();
        check_from(row.start_point, spath, r.points.size(), "this row");
      } else if (start->is_object()) {
        row.start_leg = leg(*start, spath, r.points.size(), "this row", true);
      } else {
        throw InputError(spath,
                         std::string("expected a point id or a leg, found ") + type_name(*start));
      }
      row.bearing = bearing(rj, row.path);
      row.spacing = distance(rj, "spacing", row.path, true, true);
      row.pattern = choice<Pattern>(
          rj, "pattern", row.path, {{"single", Pattern::Single}, {"staggered", Pattern::Staggered}},
          Pattern::Single);
      row.stagger = distance(rj, "stagger", row.path, false, false);
      if (row.pattern == Pattern::Staggered && !member(rj, "stagger"))
        throw InputError(key(row.path, "stagger"),
                         "missing: a staggered row needs the distance between its two lines");
      if (row.pattern == Pattern::Single && row.stagger > 0)
        warn(key(row.path, "stagger"), "given, but the row is single: ignored");
      if (member(rj, "length")) row.length = distance(rj, "length", row.path, false, false);
      const json* ms = member(rj, "mines");
      std::string mpath = key(row.path, "mines");
      if (!ms) throw InputError(mpath, "missing");
      if (!ms->is_array())
        throw InputError(mpath, std::string("expected an array, found ") + type_name(*ms));
      if (ms->empty()) throw InputError(mpath, "no mines");
      for (std::size_t k = 0; k < ms->size(); ++k) {
        std::string gpath = index(mpath, k);
        const json& g = (*ms)[k];
        expect_object(g, gpath);
        MineGroup mg;
        mg.category = text(g, "category", gpath, true);
        check_category(mg.category, key(gpath, "category"));
        mg.model = text(g, "model", gpath, false);
        double c = *number(g, "count", gpath, true);
        if (c < 1 || c != std::floor(c) || c > 1e6)
          throw InputError(key(gpath, "count"),
                           "expected a whole number of mines from 1 to 1000000, found " + num(c));
        mg.count = static_cast<int>(c);
        row.mines.push_back(std::move(mg));
      }
      if (row.length) {
        // The recorded length may be taken from the first mine to the last, or as
        // count x spacing: only a length that fits neither is suspicious.
        double n = row.count();
        double a = n * row.spacing;
        double b = (n - 1) * row.spacing;
        if (std::min(std::abs(*row.length - a), std::abs(*row.length - b)) > row.spacing / 2)
          warn(key(row.path, "length"), "recorded length " + num(*row.length) + " does not match " +
                                            std::to_string(row.count()) + " mines x spacing " +
                                            num(row.spacing) + " = " + num(a));
      }
      r.rows.push_back(std::move(row));
    }
    if (r.mine_count() > 50'000'000) throw InputError("rows", "more than 50,000,000 mines");
  }

  void check_category(const std::string& c, const std::string& path) {
    for (auto k : core::kDeviceCategories)
      if (c == k) return;
    std::string list;
    for (auto k : core::kDeviceCategories) list += (list.empty() ? "" : ", ") + std::string(k);
    throw InputError(path, "unknown category " + dq(c) + " (one of: " + list + ")");
  }

  void declared(const json& j) {
    std::map<std::string, long long> rows_total;
    for (const auto& row : r.rows)
      for (const auto& g : row.mines) rows_total[g.category] += g.count;
    const json* d = member(j, "declared");
    if (!d) return;
    expect_object(*d, "declared");
    for (const auto& [cat, v] : d->items()) {
      std::string path = "declared." + cat;
      check_category(cat, path);
      if (!v.is_number_integer() &&
          !(v.is_number() && v.get<double>() == std::floor(v.get<double>())))
        throw InputError(path, "expected a whole number, found " + shown(v));
      double n = v.get<double>();
      if (n < 0 || n > 1e12) throw InputError(path, "expected a count from 0, found " + shown(v));
      r.declared[cat] = static_cast<long long>(n);
    }
    std::set<std::string> cats;
    for (const auto& [c, n] : r.declared) cats.insert(c);
    for (const auto& [c, n] : rows_total) cats.insert(c);
    for (const auto& c : cats) {
      long long dec = r.declared.count(c) ? r.declared[c] : 0;
      long long rows_n = rows_total.count(c) ? rows_total[c] : 0;
      if (dec != rows_n)
        warn("declared." + c, "the record declares " + std::to_string(dec) + ", its rows hold " +
                                  std::to_string(rows_n));
    }
  }
};

}  // namespace

Parsed parse_json(const nlohmann::json& j) {
  expect_object(j, "");
  Parser p;
  p.header(j);
  p.points(j);
  p.perimeter(j);
  p.rows(j);
  p.declared(j);
  return std::move(p.out);
}

Parsed parse(std::string_view json_text) {
  // Error messages quote values (dump), which recurses: a hostile nesting stops here.
  if (core::json_depth(json_text, core::kMaxJsonDepth + 1) > core::kMaxJsonDepth)
    throw InputError("record", "JSON nested deeper than " + std::to_string(core::kMaxJsonDepth) +
                                   " levels (the limit)");
  json j;
  try {
    j = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    // nlohmann's message: "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    std::string m = e.what();
    auto at = m.find("parse error");
    throw InputError("record", "not JSON: " + (at == std::string::npos ? m : m.substr(at)));
  } catch (const json::exception& e) {  // a number beyond a double's range
    std::string m = e.what();
    auto at = m.find("] ");
    throw InputError("record", "not JSON: " + (at == std::string::npos ? m : m.substr(at + 2)));
  }
  return parse_json(j);
}

}  // namespace minemap::record
