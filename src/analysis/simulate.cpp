// Synthetic reliability scenarios; see simulate.hpp. The record is written first, in
// the record's own terms (legs by bearing and distance, rows by spacing), and
// digitised by record::digitize, so the recorded positions are exactly what the
// analysis will see. The true mines are those positions moved by the truth's
// transform in the local frame, plus noise.
#include "analysis/simulate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>

#include "analysis/record_input.hpp"
#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"
#include "record/digitize.hpp"
#include "record/record.hpp"

namespace minemap::analysis {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kDeg = kPi / 180;

// Uniform, normal and Poisson draws from the engine's raw bits. The engine is
// specified bit for bit by the standard; std::uniform_real_distribution and friends are
// not, and would make a seed give other scenarios with another standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_engine(seed) {}

  // [0, 1), from the top 53 bits.
  double uniform() { return static_cast<double>(m_engine() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // lo..hi inclusive.
  int integer(int lo, int hi) {
    return std::min(hi, lo + static_cast<int>(uniform() * (hi - lo + 1)));
  }
  bool chance(double p) { return uniform() < p; }
  // Box-Muller; 1 - uniform() lies in (0, 1], so the logarithm is finite.
  double normal() {
    double u = 1 - uniform();
    double v = uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(2 * kPi * v);
  }
  // Knuth's product of uniforms, exact and quick for the handful of clutter items a
  // field has; the normal approximation beyond, where the product would underflow.
  int poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 50)
      return std::max(0, static_cast<int>(std::lround(mean + std::sqrt(mean) * normal())));
    double limit = std::exp(-mean), p = 1;
    int k = 0;
    while ((p *= uniform()) > limit) ++k;
    return k;
  }
  // Fisher-Yates: std::shuffle's sequence is left to the implementation.
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      auto j = static_cast<std::size_t>(integer(0, static_cast<int>(i) - 1));
      std::swap(v[i - 1], v[j]);
    }
  }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& a) {
    return a[static_cast<std::size_t>(integer(0, static_cast<int>(N) - 1))];
  }

 private:
  std::mt19937_64 m_engine;
};

// SplitMix64's finaliser: neighbouring (seed, number) pairs give unrelated engine
// states, so scenario 7 does not depend on how many scenarios come before it.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

struct Vec2 {
  double e = 0, n = 0;
  Vec2 operator+(Vec2 o) const { return {e + o.e, n + o.n}; }
  Vec2 operator-(Vec2 o) const { return {e - o.e, n - o.n}; }
  Vec2 operator*(double k) const { return {e * k, n * k}; }
};

// The unit vector of a bearing (degrees clockwise from north) in east/north.
Vec2 dir(double bearing_deg) {
  return {std::sin(bearing_deg * kDeg), std::cos(bearing_deg * kDeg)};
}

double wrap360(double deg) {
  double d = std::fmod(deg, 360.0);
  if (d < 0) d += 360;
  return d >= 360 ? d - 360 : d;
}

// To a step of 1/k (0.1, 0.5, 1e-6): dividing by k, not multiplying by the step, gives
// the double nearest the decimal, which prints short ("62.9", not "62.900000000000006").
double round_to(double v, double step) {
  double k = std::round(1 / step);
  return std::round(v * k) / k;
}

// Bearings and distances as a record writes them: a tenth of a degree, a decimetre.
double record_bearing(double deg) {
  return wrap360(round_to(wrap360(deg), 0.1));
}
double record_distance(double m) {
  return round_to(m, 0.1);
}

// The analysis's local frame (azimuthal equidistant at the reference point), with
// vector arithmetic on its east/north metres.
class LocalFrame {
 public:
  explicit LocalFrame(core::Coord about) : m_frame(about) {}
  Vec2 to_local(core::Coord p) const {
    auto l = m_frame.to_local(p);
    return {l.x, l.y};
  }
  core::Coord to_geo(Vec2 v) const { return m_frame.to_lonlat({v.e, v.n}); }

 private:
  geo::LocalFrame m_frame;
};

// The truth's transform on a local position: rotate clockwise and scale about the
// origin, then shift (the analysis's Correction).
Vec2 transform(const Truth& t, Vec2 r) {
  double c = std::cos(t.rotation_deg * kDeg), s = std::sin(t.rotation_deg * kDeg);
  return {t.scale * (r.e * c + r.n * s) + t.shift_east_m,
          t.scale * (r.n * c - r.e * s) + t.shift_north_m};
}

// A field as the party that laid it planned it: metres along the rows' bearing and
// across it (to the right), from the first turning point T1.
struct RowPlan {
  std::string id;
  double across = 0, along = 0;  // the start
  double stagger = 0;            // 0: a single line
  std::vector<record::MineGroup> groups;
  enum Status { Recorded, Missing, Unrecorded } status = Recorded;

  int count() const {
    int n = 0;
    for (const auto& g : groups) n += g.count;
    return n;
  }
};

struct FieldPlan {
  double bearing = 0;  // of the rows, true
  double spacing = 0;
  double length = 0, width = 0;                  // of the perimeter's rectangle
  Vec2 t1;                                       // T1 from the reference point, east/north
  std::vector<std::array<double, 2>> perimeter;  // along/across from T1, T1 first
  std::vector<RowPlan> rows;

  // along/across -> east/north, from T1.
  Vec2 offset(double along, double across) const {
    return dir(bearing) * along + dir(bearing + 90) * across;
  }
  Vec2 centre() const { return t1 + offset(length / 2, width / 2); }
};

constexpr std::array<const char*, 5> kApModels{"PMN-2", "PMA-2", "PMA-3", "VS-50", "M14"};
constexpr std::array<const char*, 3> kAtModels{"TM-62M", "TMA-3", "VS-2.2"};
constexpr std::array<const char*, 6> kLandmarks{"ruined well", "stone bridge",  "crossroads",
                                                "water tower", "survey marker", "culvert"};

// 4 to 12 rows of 10 to 60 mines, 2 to 6 m apart, 5 to 25 m between rows, some
// staggered, anti-tank mines among the anti-personnel ones in some fields; the
// perimeter a rectangle round them with a margin, with a bend or two on its long sides.
FieldPlan make_plan(Rng& r) {
  FieldPlan f;
  f.bearing = wrap360(round_to(r.uniform(0, 360), 0.5));
  f.spacing = round_to(r.uniform(2, 6), 0.5);
  double gap = round_to(r.uniform(5, 25), 1);
  int rows = r.integer(4, 12);
  int base = r.integer(10, 60);
  bool with_at = r.chance(0.4);
  std::string ap_model = r.pick(kApModels), at_model = r.pick(kAtModels);
  double start_across = round_to(r.uniform(5, 15), 1);
  double start_along = round_to(r.uniform(5, 15), 1);
  double end = 0, max_stagger = 0;
  for (int i = 0; i < rows; ++i) {
    RowPlan row;
    row.across = start_across + i * gap;
    row.along = start_along;
    if (r.chance(0.4)) row.along = round_to(start_along + r.uniform(0, 1.5 * f.spacing), 0.1);
    int count =
        std::clamp(base + static_cast<int>(std::lround(base * r.uniform(-0.2, 0.2))), 10, 60);
    if (r.chance(0.3)) row.stagger = round_to(r.uniform(0.5, 2), 0.1);
    if (with_at && r.chance(0.6)) {
      int n_at = r.integer(2, std::min(8, count / 3));
      int before = r.integer(0, count - n_at);
      if (before > 0) row.groups.push_back({"AP_MINE", ap_model, before});
      row.groups.push_back({"AT_MINE", at_model, n_at});
      if (count - n_at - before > 0)
        row.groups.push_back({"AP_MINE", ap_model, count - n_at - before});
    } else {
      row.groups.push_back({"AP_MINE", ap_model, count});
    }
    end = std::max(end, row.along + (count - 1) * f.spacing);
    max_stagger = std::max(max_stagger, row.stagger);
    f.rows.push_back(std::move(row));
  }
  f.length = std::round(end + r.uniform(5, 15));
  f.width = std::round(f.rows.back().across + max_stagger / 2 + r.uniform(5, 15));
  double l = f.length, w = f.width;
  f.perimeter = {{0, 0}, {l, 0}, {l, w}, {0, w}};
  // A bend pushes a long side outward, so the rows stay inside.
  auto bend = [&] {
    double at = std::round(l * r.uniform(0.3, 0.7));
    double out = std::round(r.uniform(2, 10));
    return std::array<double, 2>{at, out};
  };
  int bends = r.integer(0, 2);
  bool first = bends == 2 || (bends == 1 && r.chance(0.5));
  bool second = bends == 2 || (bends == 1 && !first);
  if (first) {
    auto [at, out] = bend();
    f.perimeter.insert(f.perimeter.begin() + 1, {at, -out});
  }
  if (second) {
    auto [at, out] = bend();
    f.perimeter.insert(f.perimeter.end() - 1, {at, w + out});
  }
  // The reference point stands a little before and to the left of T1.
  double behind = r.uniform(5, 30);
  double left = r.uniform(5, 30);
  f.t1 = f.offset(behind, left);
  return f;
}

struct Header {
  std::string id, source, received;
  int laid = 0;
  core::Coord landmark;
  std::string description;
  double rp_bearing = 0, rp_distance = 0;  // the reference point from the landmark
};

nlohmann::ordered_json leg(const std::string& from, Vec2 v) {
  return {{"from", from},
          {"bearing", record_bearing(std::atan2(v.e, v.n) / kDeg)},
          {"distance", record_distance(std::hypot(v.e, v.n))}};
}

// The record of a plan, with the rows `keep` accepts, as minemap-record/1.
template <class Keep>
nlohmann::ordered_json record_json(const Header& h, const FieldPlan& f, Keep keep) {
  using J = nlohmann::ordered_json;
  J points = J::array();
  points.push_back({{"id", "LM"},
                    {"kind", "landmark"},
                    {"x", round_to(h.landmark.x, 1e-6)},
                    {"y", round_to(h.landmark.y, 1e-6)},
                    {"description", h.description}});
  J rp = {{"id", "RP"}, {"kind", "reference"}};
  rp.update(leg("LM", dir(h.rp_bearing) * h.rp_distance));
  points.push_back(rp);
  J perimeter = J::array();
  auto corner = [&](std::size_t i) { return f.offset(f.perimeter[i][0], f.perimeter[i][1]); };
  for (std::size_t i = 0; i < f.perimeter.size(); ++i) {
    std::string id = "T" + std::to_string(i + 1);
    J p = {{"id", id}, {"kind", "turning"}};
    if (i == 0)
      p.update(leg("RP", f.t1));
    else
      p.update(leg("T" + std::to_string(i), corner(i) - corner(i - 1)));
    points.push_back(p);
    perimeter.push_back(id);
  }
  std::string last = "T" + std::to_string(f.perimeter.size());
  J rows = J::array();
  std::map<std::string, long long> declared;
  for (const auto& row : f.rows) {
    if (!keep(row)) continue;
    J start = {{"from", "T1"},
               {"bearing", record_bearing(f.bearing + 90)},
               {"distance", record_distance(row.across)}};
    if (row.along > 0)
      start["then"] = J::array(
          {{{"bearing", record_bearing(f.bearing)}, {"distance", record_distance(row.along)}}});
    J mines = J::array();
    for (const auto& g : row.groups) {
      mines.push_back({{"category", g.category}, {"model", g.model}, {"count", g.count}});
      declared[g.category] += g.count;
    }
    J rj = {{"id", row.id},
            {"start", start},
            {"bearing", record_bearing(f.bearing)},
            {"spacing", f.spacing},
            {"pattern", row.stagger > 0 ? "staggered" : "single"}};
    if (row.stagger > 0) rj["stagger"] = row.stagger;
    rj["mines"] = mines;
    rows.push_back(rj);
  }
  J decl = J::object();
  for (const auto& [category, n] : declared) decl[category] = n;
  return {{"format", record::kFormat},
          {"id", h.id},
          {"source", {{"name", h.source}, {"received", h.received}, {"reference", h.id}}},
          {"laid", std::to_string(h.laid)},
          {"crs", "EPSG:4326"},
          {"angle_unit", "deg"},
          {"distance_unit", "m"},
          {"bearing_ref", "true"},
          {"points", points},
          {"perimeter", perimeter},
          {"closure", leg(last, corner(0) - corner(f.perimeter.size() - 1))},
          {"rows", rows},
          {"declared", decl}};
}

// A digitised mine with the names the analysis uses.
struct PlacedMine {
  RecordedMine mine;
  bool laid = true;  // false for a missing row's
};

std::vector<PlacedMine> digitise_rows(const nlohmann::ordered_json& j, const FieldPlan& f,
                                      core::Coord* reference) {
  auto parsed = record::parse(j.dump());
  auto d = record::digitize(parsed);
  std::map<std::string, RowPlan::Status> status;
  for (const auto& row : f.rows) status[row.id] = row.status;
  std::vector<PlacedMine> out;
  out.reserve(d.mines.size());
  for (const auto& m : d.mines) {
    const auto& row = parsed.record.rows[m.row];
    out.push_back({{row.id, static_cast<int>(m.index), row.mines[m.group].category, m.at},
                   status[row.id] != RowPlan::Missing});
  }
  if (reference)
    for (const auto& p : d.points)
      if (p.id == "RP") *reference = p.at;
  return out;
}

// Which rows are wrong in the record: a share of them, each missing or unrecorded, but
// two at least right so the record still says something.
void row_errors(Rng& r, FieldPlan& f, double max_share) {
  int n = static_cast<int>(f.rows.size());
  if (max_share <= 0 || n < 3) return;
  int wrong = std::clamp(static_cast<int>(std::lround(r.uniform(0, max_share) * n)), 1, n - 2);
  std::vector<int> order(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  r.shuffle(order);
  for (int i = 0; i < wrong; ++i)
    f.rows[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])].status =
        r.chance(0.5) ? RowPlan::Missing : RowPlan::Unrecorded;
}

// Recorded rows are lettered in order, unrecorded ones X1, X2, ...
void name_rows(FieldPlan& f) {
  char letter = 'A';
  int x = 0;
  for (auto& row : f.rows)
    row.id =
        row.status == RowPlan::Unrecorded ? "X" + std::to_string(++x) : std::string(1, letter++);
}

struct Laid {
  RecordedMine mine;
  Vec2 at;  // local, true
};

// The cleared ground: a strip from the rows' starting end of the true field, as wide as
// the field with a margin, ending between two mines so that about `share` of them lie
// in it; sometimes cut across into lanes, each its own polygon.
struct Clearance {
  std::vector<core::Polygon> polygons;
  std::vector<std::array<double, 4>> lanes;  // along0, along1, across0, across1
};

Clearance clear(Rng& r, const LocalFrame& frame, double bearing, const std::vector<Laid>& laid,
                double share) {
  Vec2 u = dir(bearing), v = dir(bearing + 90);
  auto along = [&](Vec2 p) { return p.e * u.e + p.n * u.n; };
  auto across = [&](Vec2 p) { return p.e * v.e + p.n * v.n; };
  std::vector<double> a;
  double c0 = 1e300, c1 = -1e300;
  std::map<std::string, std::pair<double, int>> row_across;
  for (const auto& m : laid) {
    a.push_back(along(m.at));
    c0 = std::min(c0, across(m.at));
    c1 = std::max(c1, across(m.at));
    auto& [sum, n] = row_across[m.mine.row];
    sum += across(m.at);
    ++n;
  }
  std::sort(a.begin(), a.end());
  int n = static_cast<int>(a.size());
  // Cut in the widest gap near the share asked, so no mine sits on the edge, where
  // lon/lat and local straight lines part by millimetres.
  int target = std::clamp(static_cast<int>(std::lround(share * n)), 1, n - 1);
  int window = std::max(1, n / 50);
  int best = target;
  for (int k = std::max(1, target - window); k <= std::min(n - 1, target + window); ++k)
    if (a[static_cast<std::size_t>(k)] - a[static_cast<std::size_t>(k) - 1] >
        a[static_cast<std::size_t>(best)] - a[static_cast<std::size_t>(best) - 1])
      best = k;
  double cut = (a[static_cast<std::size_t>(best)] + a[static_cast<std::size_t>(best) - 1]) / 2;
  double margin = r.uniform(3, 8);
  double a0 = a.front() - margin;
  c0 -= margin;
  c1 += margin;

  std::vector<double> bounds{c0, c1};
  if (row_across.size() >= 3 && r.chance(0.35)) {
    std::vector<double> centres;
    for (const auto& [id, sn] : row_across) centres.push_back(sn.first / sn.second);
    std::sort(centres.begin(), centres.end());
    std::vector<double> between;
    for (std::size_t i = 1; i < centres.size(); ++i)
      between.push_back((centres[i - 1] + centres[i]) / 2);
    r.shuffle(between);
    int cuts = std::min(static_cast<int>(between.size()), r.integer(1, 2));
    bounds.insert(bounds.end(), between.begin(), between.begin() + cuts);
    std::sort(bounds.begin(), bounds.end());
  }

  Clearance out;
  for (std::size_t i = 1; i < bounds.size(); ++i) {
    out.lanes.push_back({a0, cut, bounds[i - 1], bounds[i]});
    core::LineString ring;
    for (auto [al, ac] : {std::pair{a0, bounds[i - 1]}, std::pair{cut, bounds[i - 1]},
                          std::pair{cut, bounds[i]}, std::pair{a0, bounds[i]}})
      ring.push_back(frame.to_geo(u * al + v * ac));
    ring.push_back(ring.front());
    // Exterior rings counter-clockwise, as GeoJSON has them.
    double area2 = 0;
    for (std::size_t k = 0; k + 1 < ring.size(); ++k)
      area2 += ring[k].x * ring[k + 1].y - ring[k + 1].x * ring[k].y;
    if (area2 < 0) std::reverse(ring.begin(), ring.end());
    out.polygons.push_back({ring});
  }
  return out;
}

std::string numbered(char prefix, int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%04d", prefix, n);
  return buf;
}

}  // namespace

core::Coord true_position(const Truth& t, core::Coord recorded) {
  LocalFrame frame(t.about);
  return frame.to_geo(transform(t, frame.to_local(recorded)));
}

Correction truth_correction(const Truth& t) {
  Correction c;
  c.shift_east_m = t.shift_east_m;
  c.shift_north_m = t.shift_north_m;
  c.rotation_deg = t.rotation_deg;
  c.scale = t.scale;
  c.about = t.about;
  c.ci_shift_east_m = {t.shift_east_m, t.shift_east_m};
  c.ci_shift_north_m = {t.shift_north_m, t.shift_north_m};
  c.ci_rotation_deg = {t.rotation_deg, t.rotation_deg};
  c.ci_scale = {t.scale, t.scale};
  return c;
}

ReliabilityInput simulate_input(const Scenario& s) {
  auto parsed = record::parse(s.record_json);
  ReliabilityInput in = input_from_record(parsed.record, record::digitize(parsed));
  in.cleared = s.cleared;
  in.finds = s.finds;
  return in;
}

Scenario simulate_scenario(std::uint64_t seed, int number, const SimulateOptions& opt) {
  Rng r(mix(seed ^ mix(static_cast<std::uint64_t>(number))));
  Scenario s;
  s.name = numbered('S', number);
  s.source = "Simulated set " + std::to_string(r.integer(1, 3));
  Truth& t = s.truth;

  // The kinds, and the grade each should mostly give: exact A, rigid B, rigid+rows B or
  // C, unrelated D.
  double k = r.uniform();
  t.kind = k < 0.2 ? "exact" : k < 0.55 ? "rigid" : k < 0.85 ? "rigid+rows" : "unrelated";
  bool rigid = t.kind == "rigid" || t.kind == "rigid+rows";

  Header h;
  h.id = s.name;
  h.source = s.source;
  h.laid = r.integer(1980, 1998);
  // One draw per statement: the order in which a call's arguments are evaluated is
  // unspecified, and the scenario must not depend on the compiler.
  int year = r.integer(2000, 2022);
  int month = r.integer(1, 12);
  int day = r.integer(1, 28);
  char received[16];
  std::snprintf(received, sizeof received, "%04d-%02d-%02d", year, month, day);
  h.received = received;
  h.landmark = {r.uniform(10, 70), r.uniform(20, 60)};
  h.description = r.pick(kLandmarks);
  h.rp_bearing = r.uniform(0, 360);
  h.rp_distance = r.uniform(30, 300);

  FieldPlan plan = make_plan(r);
  if (t.kind == "rigid+rows") row_errors(r, plan, opt.max_row_error_share);
  if (t.kind == "unrelated")
    for (auto& row : plan.rows) row.status = RowPlan::Missing;
  name_rows(plan);
  for (const auto& row : plan.rows) {
    if (row.status == RowPlan::Missing) t.missing_rows.push_back(row.id);
    if (row.status == RowPlan::Unrecorded) t.unrecorded_rows.push_back(row.id);
  }

  // The record handed over lacks the unrecorded rows; the full plan, digitised, gives
  // where the record would have put them.
  s.record_json =
      record_json(h, plan, [](const RowPlan& row) { return row.status != RowPlan::Unrecorded; })
          .dump(2) +
      "\n";
  auto placed =
      digitise_rows(record_json(h, plan, [](const RowPlan&) { return true; }), plan, &t.about);
  LocalFrame frame(t.about);

  if (rigid) {
    // The wrong-landmark share is of all scenarios; rigid ones are 65% of them.
    t.wrong_landmark = r.chance(std::min(1.0, opt.wrong_landmark_share / 0.65));
    double size = opt.max_shift_m * (t.wrong_landmark ? r.uniform(1, 1.6) : r.uniform(0.1, 1));
    Vec2 shift = dir(r.uniform(0, 360)) * size;
    t.shift_east_m = shift.e;
    t.shift_north_m = shift.n;
    t.rotation_deg = r.uniform(-opt.max_rotation_deg, opt.max_rotation_deg);
    if (opt.scale_errors) t.scale = r.uniform(0.9, 1.1);
  }
  t.jitter_m = r.uniform(opt.jitter_min_m, opt.jitter_max_m);
  double sigma = t.jitter_m / std::sqrt(2.0);
  double field_bearing = plan.bearing + t.rotation_deg;

  if (t.kind == "unrelated") {
    // Another field over the same ground, its rows turned well away from the record's:
    // no rigid correction brings the two together.
    FieldPlan other = make_plan(r);
    double side = r.chance(0.5) ? 1 : -1;
    other.bearing = wrap360(round_to(plan.bearing + side * r.uniform(30, 90), 0.5));
    other.t1 = plan.centre() - other.offset(other.length / 2, other.width / 2);
    for (auto& row : other.rows) row.status = RowPlan::Unrecorded;
    name_rows(other);
    for (const auto& row : other.rows) t.unrecorded_rows.push_back(row.id);
    placed =
        digitise_rows(record_json(h, other, [](const RowPlan&) { return true; }), other, nullptr);
    field_bearing = other.bearing;
  }

  // An unrelated field is a sparse one (a fifth of its mines laid, as in a nuisance
  // scatter): a dense regular field of another pattern would still line up with a
  // dense record for half its mines within a 5 m tolerance by chance (at 1 mine per
  // 30 m2 a 5 m disc holds 2.6 mines), which makes "no correspondence" a matter of
  // density rather than of the record.
  const bool thin = t.kind == "unrelated";
  std::vector<Laid> laid;
  for (const auto& p : placed) {
    if (!p.laid) continue;
    if (thin && !r.chance(0.2)) continue;
    Vec2 at = transform(t, frame.to_local(p.mine.at)) + Vec2{r.normal(), r.normal()} * sigma;
    laid.push_back({p.mine, at});
    laid.back().mine.at = frame.to_geo(at);
  }

  double share = r.uniform(opt.cleared_min, opt.cleared_max);
  Clearance cl = clear(r, frame, field_bearing, laid, share);
  s.cleared = cl.polygons;
  core::Geometry cleared = core::Geometry::multipolygon(cl.polygons);

  int in_cleared = 0;
  for (const auto& m : laid) {
    s.laid.push_back(m.mine);
    if (!geo::covers(cleared, m.mine.at)) {
      s.remaining.push_back(m.mine);
      continue;
    }
    ++in_cleared;
    // Found where it lies, to the decimetre a survey of finds has.
    if (r.chance(opt.detection))
      s.finds.push_back(
          {"", m.mine.category, frame.to_geo(m.at + Vec2{r.normal(), r.normal()} * 0.1)});
  }
  t.cleared_share =
      laid.empty() ? 0 : static_cast<double>(in_cleared) / static_cast<double>(laid.size());

  double area = 0;
  for (const auto& l : cl.lanes) area += (l[1] - l[0]) * (l[3] - l[2]);
  t.clutter = r.poisson(opt.clutter_per_1000m2 * area / 1000);
  Vec2 u = dir(field_bearing), v = dir(field_bearing + 90);
  for (int i = 0; i < t.clutter; ++i) {
    double pick = r.uniform(0, area);
    std::size_t lane = 0;
    for (; lane + 1 < cl.lanes.size(); ++lane) {
      const auto& l = cl.lanes[lane];
      double a = (l[1] - l[0]) * (l[3] - l[2]);
      if (pick < a) break;
      pick -= a;
    }
    const auto& l = cl.lanes[lane];
    double al = r.uniform(l[0], l[1]);
    double ac = r.uniform(l[2], l[3]);
    s.finds.push_back({"", "UXO", frame.to_geo(u * al + v * ac)});
  }
  // Finds come in the order they were made, which says nothing the analysis may use.
  r.shuffle(s.finds);
  for (std::size_t i = 0; i < s.finds.size(); ++i)
    s.finds[i].id = numbered('F', static_cast<int>(i + 1));

  ReliabilityOptions ro;
  ro.bootstrap = 0;
  ro.fit_scale = opt.scale_errors;
  t.grade = assess_with(simulate_input(s), truth_correction(t), ro).grade;
  return s;
}

}  // namespace minemap::analysis
