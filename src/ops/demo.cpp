// Synthetic demo data: hazards with land released by survey and clearance, the
// items found in cleared ground, accidents inside and outside known hazards and
// their victims, minefield records (each digitised, linked to a hazard of its own
// and partly cleared, the mines found judging it), and a small gazetteer.
#include "ops/demo.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"
#include "ops/minefield.hpp"
#include "record/digitize.hpp"

namespace minemap::ops {
namespace {

using core::Coord;
using core::Entity;
using core::Geometry;
using core::Record;

// A fictional region; coordinates only place the data on a map.
constexpr double kLon0 = 134.0, kLat0 = -25.0;

class Demo {
 public:
  Demo(store::Registry& reg, const store::Actor& who, unsigned seed)
      : m_reg(reg), m_who(who), m_rng(seed) {}

  void run() {
    auto org_na = add(Entity::Organisation,
                      {{"name", "Synthetic national authority"}, {"kind", "national_authority"}});
    auto org_ngo =
        add(Entity::Organisation, {{"name", "Synthetic demining operator"}, {"kind", "ngo"}});
    gazetteer();
    for (int h = 0; h < 12; ++h) hazard(h, h % 2 ? org_ngo : org_na);
    accidents();
    records(org_ngo);
  }

 private:
  double uni(double a, double b) { return std::uniform_real_distribution<double>(a, b)(m_rng); }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(m_rng); }

  std::string add(Entity e, std::initializer_list<std::pair<const char*, core::Value>> fields,
                  Geometry g = {}) {
    Record r;
    for (const auto& [k, v] : fields) r.fields[k] = v;
    r.geometry = std::move(g);
    return m_reg.add(core::spec(e), std::move(r), m_who).id;
  }

  static Geometry box(double w, double s, double e, double n) {
    return Geometry::multipolygon({{{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}}});
  }

  // An irregular blob of `n` vertices about a centre, radius in metres.
  Geometry blob(Coord c, double radius, int n) {
    core::LineString ring;
    for (int i = 0; i < n; ++i) {
      double az = 360.0 * i / n;
      ring.push_back(geo::destination(c, az, radius * uni(0.7, 1.15)));
    }
    ring.push_back(ring.front());
    std::reverse(ring.begin(), ring.end());  // counter-clockwise exterior
    return Geometry::multipolygon({{ring}});
  }

  Coord point_in(const Geometry& g) {
    auto e = g.envelope();
    for (int tries = 0; tries < 1000; ++tries) {
      Coord p{uni(e.min_x, e.max_x), uni(e.min_y, e.max_y)};
      if (geo::covers(g, p)) return p;
    }
    return {(e.min_x + e.max_x) / 2, (e.min_y + e.max_y) / 2};
  }

  void gazetteer() {
    const char* names[] = {"Synthetic district A", "Synthetic district B", "Synthetic district C",
                           "Synthetic district D"};
    for (int i = 0; i < 4; ++i) {
      double w = kLon0 - 0.1 + 0.1 * (i % 2), s = kLat0 - 0.1 + 0.1 * (i / 2);
      add(Entity::AdminArea,
          {{"name", names[i]}, {"code", "SYN-" + std::to_string(i + 1)}, {"level", 2}},
          box(w, s, w + 0.1, s + 0.1));
    }
    for (int i = 0; i < 6; ++i)
      add(Entity::Settlement,
          {{"name", "Synthetic village " + std::to_string(i + 1)},
           {"population", static_cast<std::int64_t>(200 + pick(3000))}},
          Geometry::point(kLon0 + uni(-0.09, 0.09), kLat0 + uni(-0.09, 0.09)));
    for (int i = 0; i < 3; ++i) {
      Geometry road;
      road.type = core::GeomType::MultiLineString;
      core::LineString l;
      double y = kLat0 - 0.08 + 0.07 * i;
      for (int k = 0; k <= 8; ++k) l.push_back({kLon0 - 0.1 + 0.025 * k, y + uni(-0.004, 0.004)});
      road.lines.push_back(l);
      add(Entity::Road, {{"name", "Synthetic road " + std::to_string(i + 1)}, {"class", "track"}},
          road);
    }
  }

  void hazard(int h, const std::string& org) {
    Coord c{kLon0 + uni(-0.085, 0.085), kLat0 + uni(-0.085, 0.085)};
    Geometry shape = blob(c, uni(150, 400), 14 + pick(10));
    bool cha = h % 3 != 0;
    m_hazards.push_back(shape);
    auto id = add(Entity::Hazard,
                  {{"name", "Synthetic hazard " + std::to_string(h + 1)},
                   {"type", cha ? "CHA" : "SHA"},
                   {"status", h == 11 ? "closed" : "open"},
                   {"evidence", cha ? "direct" : "indirect"},
                   {"evidence_items", cha ? "accident,mine_signs" : "verbal_report"},
                   {"contamination", h % 4 == 0 ? "AP_MINE,AT_MINE" : "AP_MINE"},
                   {"blocks_agriculture", true},
                   {"blocks_roads", h % 3 == 1},
                   {"beneficiaries", static_cast<std::int64_t>(50 + pick(900))},
                   {"reported", std::to_string(2001 + pick(15))},
                   {"organisation_id", org}},
                  shape);
    auto e = shape.envelope();
    double span = e.max_x - e.min_x;
    // Non-technical survey cancels the eastern fifth.
    auto nts = add(Entity::Activity, {{"hazard_id", id},
                                      {"type", "NTS"},
                                      {"organisation_id", org},
                                      {"start", "2019-03"},
                                      {"end", "2019-04"},
                                      {"status", "completed"}});
    add(Entity::Release, {{"activity_id", nts}, {"outcome", "cancelled"}, {"date", "2019-04"}},
        geo::intersection(shape, box(e.max_x - 0.2 * span, e.min_y - 1, e.max_x + 1, e.max_y + 1)));
    if (!cha) return;
    // Technical survey reduces a strip, clearance clears the western part.
    auto ts = add(Entity::Activity, {{"hazard_id", id},
                                     {"type", "TS"},
                                     {"organisation_id", org},
                                     {"method", "mechanical"},
                                     {"start", "2020-05-02"},
                                     {"end", "2020-05-20"},
                                     {"status", "completed"}});
    add(Entity::Release, {{"activity_id", ts}, {"outcome", "reduced"}, {"date", "2020-05-20"}},
        geo::intersection(
            shape, box(e.max_x - 0.35 * span, e.min_y - 1, e.max_x - 0.2 * span, e.max_y + 1)));
    double cleared_to = e.min_x + uni(0.2, 0.6) * span;
    auto clr = add(Entity::Activity, {{"hazard_id", id},
                                      {"type", "CLEARANCE"},
                                      {"organisation_id", org},
                                      {"method", "manual"},
                                      {"start", "2021-04-01"},
                                      {"end", "2022-10-30"},
                                      {"status", h % 4 == 1 ? "ongoing" : "completed"},
                                      {"depth_cm", static_cast<std::int64_t>(13)},
                                      {"deminer_days", uni(200, 900)}});
    Geometry cleared =
        geo::intersection(shape, box(e.min_x - 1, e.min_y - 1, cleared_to, e.max_y + 1));
    add(Entity::Release, {{"activity_id", clr}, {"outcome", "cleared"}, {"date", "2022-10-30"}},
        cleared);
    int finds = h % 5 == 4 ? 0 : 5 + pick(25);
    static const char* cats[] = {"AP_MINE", "AP_MINE", "AP_MINE", "AT_MINE", "UXO"};
    static const char* models[] = {"PMN-2", "PMN-2", "PMN", "TM-62M", "mortar 82 mm"};
    for (int i = 0; i < finds; ++i) {
      int k = pick(5);
      Coord at = point_in(cleared);
      add(Entity::Item,
          {{"category", cats[k]},
           {"model", models[k]},
           {"quantity", static_cast<std::int64_t>(1)},
           {"disposal", "destroyed_in_situ"},
           {"found", "2022-0" + std::to_string(1 + pick(9))},
           {"depth_cm", static_cast<std::int64_t>(pick(15))},
           {"accuracy_m", 1.5},
           {"activity_id", clr},
           {"hazard_id", id}},
          Geometry::point(at.x, at.y));
    }
  }

  void accidents() {
    static const char* groups[] = {"civilian", "civilian", "civilian", "military", "deminer"};
    static const char* doing[] = {"farming", "herding", "collecting wood", "travelling", "playing"};
    for (int a = 0; a < 30; ++a) {
      bool inside = a % 3 != 0;
      Coord p = inside ? point_in(m_hazards[static_cast<std::size_t>(pick(12))])
                       : Coord{kLon0 + uni(-0.095, 0.095), kLat0 + uni(-0.095, 0.095)};
      int year = 2005 + pick(20);
      int month = 1 + pick(12);
      std::string date = std::to_string(year) + (month < 10 ? "-0" : "-") + std::to_string(month);
      bool demining = a % 10 == 7;
      auto acc = add(Entity::Accident,
                     {{"date", date},
                      {"type", demining ? "demining" : (a % 4 == 0 ? "erw" : "mine")},
                      {"device_category", a % 4 == 0 ? "UXO" : "AP_MINE"},
                      {"area_marked", inside && a % 2 == 0},
                      {"description", "Synthetic accident for the demo"}},
                     Geometry::point(p.x, p.y));
      int victims = 1 + pick(3);
      for (int v = 0; v < victims; ++v) {
        add(Entity::Victim,
            {{"accident_id", acc},
             {"sex", pick(4) == 0 ? "female" : "male"},
             {"age", static_cast<std::int64_t>(8 + pick(60))},
             {"group", demining ? "deminer" : groups[pick(4)]},
             {"outcome", pick(3) == 0 ? "killed" : "injured"},
             {"activity_at_time", demining ? "clearance" : doing[pick(5)]},
             {"risk_education", pick(2) == 0},
             {"name", "Synthetic person " + std::to_string(a + 1) + "-" + std::to_string(v + 1)}});
      }
    }
  }

  // How a recorded field was really laid: the recorded positions turned clockwise by
  // `rotation_deg` about the field's centre, shifted, each mine off by up to `noise_m`
  // in each axis; `missing`: the share of recorded mines never laid (or lifted);
  // `unlaid_row`: a recorded row never laid (-1: none); `unrecorded`: mines laid in a
  // short row the record leaves out. Clearance cleared
  // `cleared` of the rows' length from their start.
  struct Truth {
    double shift_e, shift_n, rotation_deg, noise_m, missing, cleared;
    int unlaid_row, unrecorded;
  };

  // A local frame in metres about `o` (equirectangular: exact enough for where the
  // synthetic mines "really" are).
  struct Local {
    Coord o;
    double kx, ky;
    explicit Local(Coord c)
        : o(c), kx(111320.0 * std::cos(c.y * 3.14159265358979323846 / 180)), ky(110574.0) {}
    std::pair<double, double> to(Coord c) const { return {(c.x - o.x) * kx, (c.y - o.y) * ky}; }
    Coord from(double e, double n) const { return {o.x + e / kx, o.y + n / ky}; }
  };

  // A landmark at least 1.5 km from every hazard and field placed so far: the
  // reliability search takes every item and cleared land within 505 m of a record.
  Coord free_spot() {
    Coord best{kLon0, kLat0};
    double best_gap = -1;
    for (int tries = 0; tries < 200; ++tries) {
      Coord p{kLon0 + uni(-0.08, 0.08), kLat0 + uni(-0.08, 0.08)};
      double gap = 1e12;
      for (const auto& h : m_hazards) {
        auto e = h.envelope();
        gap = std::min(gap, geo::distance_m(p, {(e.min_x + e.max_x) / 2, (e.min_y + e.max_y) / 2}));
      }
      if (gap >= 1500) return p;
      if (gap > best_gap) best_gap = gap, best = p;
    }
    return best;
  }

  static nlohmann::json leg(const char* from, double bearing, double distance) {
    return {{"from", from}, {"bearing", bearing}, {"distance", distance}};
  }

  // Three recorded fields, each the reason for a hazard of its own, partly cleared:
  // one recorded accurately, one shifted and turned (a wrong landmark), one of whose
  // three rows was never laid while a short row laid was never recorded.
  // `minemap reliability` grades them A, B and C.
  void records(const std::string& org) {
    const Truth truths[] = {{1.0, -0.8, 0.5, 0.4, 0.04, 0.45, -1, 0},
                            {11.0, 7.0, 2.5, 0.5, 0.06, 0.55, -1, 0},
                            {-5.0, 9.0, -3.0, 0.6, 0.03, 0.5, 2, 4}};
    for (int i = 0; i < 3; ++i) field(i, truths[i], org);
  }

  void field(int i, const Truth& t, const std::string& org) {
    const double b = 130.0 + 20.0 * i;  // the rows' bearing
    Coord lm = free_spot();
    auto start = [&](double across) {
      nlohmann::json s = leg("T1", b + 90, across);
      s["then"] = nlohmann::json::array({{{"bearing", b}, {"distance", 8.0}}});
      return s;
    };
    std::string label = "MR-SYN-" + std::to_string(i + 1);
    nlohmann::json raw = {
        {"format", "minemap-record/1"},
        {"id", label},
        {"source", {{"name", "Synthetic record set"}, {"received", "2021-06-12"}}},
        {"laid", "1994-05-1" + std::to_string(i)},
        {"crs", "EPSG:4326"},
        {"angle_unit", "deg"},
        {"distance_unit", "m"},
        {"bearing_ref", "true"},
        {"points",
         {{{"id", "LM"},
           {"kind", "landmark"},
           {"x", lm.x},
           {"y", lm.y},
           {"description", "synthetic cairn"}},
          {{"id", "RP"},
           {"kind", "reference"},
           {"from", "LM"},
           {"bearing", 112.0},
           {"distance", 85}},
          {{"id", "T1"},
           {"kind", "turning"},
           {"from", "RP"},
           {"bearing", b - 90},
           {"distance", 30}},
          {{"id", "T2"}, {"kind", "turning"}, {"from", "T1"}, {"bearing", b}, {"distance", 150}},
          {{"id", "T3"},
           {"kind", "turning"},
           {"from", "T2"},
           {"bearing", b + 90},
           {"distance", 60}},
          {{"id", "T4"},
           {"kind", "turning"},
           {"from", "T3"},
           {"bearing", b + 180},
           {"distance", 150}}}},
        {"perimeter", {"T1", "T2", "T3", "T4"}},
        {"closure", leg("T4", b - 90, 60)},
        {"rows",
         {{{"id", "A"},
           {"start", start(12)},
           {"bearing", b},
           {"spacing", 4.0},
           {"pattern", "single"},
           {"mines", {{{"category", "AP_MINE"}, {"model", "PMN-2"}, {"count", 30}}}}},
          {{"id", "B"},
           {"start", start(28)},
           {"bearing", b},
           {"spacing", 4.0},
           {"pattern", "staggered"},
           {"stagger", 1.0},
           {"mines",
            {{{"category", "AP_MINE"}, {"model", "PMN-2"}, {"count", 20}},
             {{"category", "AT_MINE"}, {"model", "TM-62M"}, {"count", 6}}}}},
          {{"id", "C"},
           {"start", start(44)},
           {"bearing", b},
           {"spacing", 5.0},
           {"pattern", "single"},
           {"mines", {{{"category", "AP_MINE"}, {"model", "PMN"}, {"count", 24}}}}}}},
        {"declared", {{"AP_MINE", 74}, {"AT_MINE", 6}}}};
    std::string text = raw.dump();
    // Digitised as `minemap record add` does, to draw the hazard about the field.
    auto parsed = record::parse(text);
    auto d = record::digitize(parsed);
    const Coord t1 = d.perimeter.front();
    Local local(t1);
    const double sb = std::sin(b * 3.14159265358979323846 / 180),
                 cb = std::cos(b * 3.14159265358979323846 / 180);
    // (along the rows, across them into the field) from T1 to lon/lat.
    auto at = [&](double along, double across) {
      return local.from(along * sb + across * cb, along * cb - across * sb);
    };
    auto polygon = [&](std::vector<std::pair<double, double>> uw) {
      core::LineString ring;
      for (auto [u, w] : uw) ring.push_back(at(u, w));
      ring.push_back(ring.front());
      Geometry g = Geometry::multipolygon({{ring}});
      geo::normalize_orientation(g);
      return g;
    };
    // The hazard: the recorded perimeter (150 by 60 m) and some 30 m about it.
    std::vector<std::pair<double, double>> outline;
    for (auto [u, w] : std::initializer_list<std::pair<double, double>>{{-30, -30},
                                                                        {75, -36},
                                                                        {180, -30},
                                                                        {186, 30},
                                                                        {180, 90},
                                                                        {75, 96},
                                                                        {-30, 90},
                                                                        {-36, 30}})
      outline.emplace_back(u + uni(-4, 4), w + uni(-4, 4));
    Geometry shape = polygon(outline);
    m_hazards.push_back(shape);
    auto hz = add(Entity::Hazard,
                  {{"name", "Synthetic hazard " + std::to_string(13 + i)},
                   {"type", "CHA"},
                   {"status", "open"},
                   {"evidence", "direct"},
                   {"evidence_items", "mine_signs"},
                   {"contamination", "AP_MINE,AT_MINE"},
                   {"minefield_type", "protective"},
                   {"blocks_agriculture", true},
                   {"beneficiaries", static_cast<std::int64_t>(100 + pick(600))},
                   {"reported", std::string("2016")},
                   {"organisation_id", org}},
                  shape);
    add_minefield_record(m_reg, text, label, hz, m_who, label);
    // Clearance from the rows' start: the first `cleared` of their length.
    auto clr = add(Entity::Activity, {{"hazard_id", hz},
                                      {"type", "CLEARANCE"},
                                      {"organisation_id", org},
                                      {"method", "manual"},
                                      {"start", "2023-03-01"},
                                      {"status", "ongoing"},
                                      {"depth_cm", static_cast<std::int64_t>(13)},
                                      {"deminer_days", uni(150, 400)}});
    double cut = 8 + t.cleared * 130;
    Geometry cleared =
        geo::intersection(shape, polygon({{-60, -60}, {cut, -60}, {cut, 120}, {-60, 120}}));
    add(Entity::Release, {{"activity_id", clr}, {"outcome", "cleared"}, {"date", "2023-06-30"}},
        cleared);
    // Where the mines really are.
    Coord centre{0, 0};
    for (const auto& m : d.mines) {
      centre.x += m.at.x / static_cast<double>(d.mines.size());
      centre.y += m.at.y / static_cast<double>(d.mines.size());
    }
    auto [ce, cn] = local.to(centre);
    const double r = t.rotation_deg * 3.14159265358979323846 / 180;
    auto truly = [&](Coord c) {
      auto [e, n] = local.to(c);
      e -= ce, n -= cn;
      double e2 = e * std::cos(r) + n * std::sin(r), n2 = -e * std::sin(r) + n * std::cos(r);
      return local.from(ce + e2 + t.shift_e + uni(-t.noise_m, t.noise_m),
                        cn + n2 + t.shift_n + uni(-t.noise_m, t.noise_m));
    };
    struct Laid {
      Coord at;
      std::string category, model;
    };
    std::vector<Laid> laid;
    const auto& rows = parsed.record.rows;
    for (const auto& m : d.mines) {
      Coord p = truly(m.at);
      if (uni(0, 1) < t.missing || static_cast<int>(m.row) == t.unlaid_row) continue;
      const auto& g = rows[m.row].mines[m.group];
      laid.push_back({p, g.category, g.model});
    }
    for (int k = 0; k < t.unrecorded; ++k)
      laid.push_back({truly(at(10 + 4.0 * k, 54)), "AP_MINE", "PMN-2"});
    // A mortar bomb in the field: clutter, never counted against the record.
    laid.push_back({at(cut / 2, 20), "UXO", "mortar 82 mm"});
    int n = 0;
    for (const auto& m : laid) {
      if (!geo::covers(cleared, m.at)) continue;
      // A find a day, row by row, from March 2023 (28 working days a month).
      std::string day = std::to_string(1 + n % 28);
      std::string found =
          "2023-0" + std::to_string(3 + n / 28) + (day.size() < 2 ? "-0" : "-") + day;
      ++n;
      add(Entity::Item,
          {{"category", m.category},
           {"model", m.model},
           {"quantity", static_cast<std::int64_t>(1)},
           {"disposal", "destroyed_in_situ"},
           {"found", found},
           {"depth_cm", static_cast<std::int64_t>(3 + pick(10))},
           {"accuracy_m", 0.5},
           {"accuracy_method", "RTK GNSS"},
           {"activity_id", clr},
           {"hazard_id", hz}},
          Geometry::point(m.at.x, m.at.y));
    }
  }

  store::Registry& m_reg;
  store::Actor m_who;
  std::mt19937_64 m_rng;
  std::vector<Geometry> m_hazards;
};

}  // namespace

void build_demo(store::Registry& reg, const store::Actor& who, unsigned seed) {
  reg.transaction([&] { Demo(reg, who, seed).run(); });
}

}  // namespace minemap::ops
