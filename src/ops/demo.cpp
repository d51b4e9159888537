// Synthetic demo data: hazards with land released by survey and clearance, the
// items found in cleared ground, accidents inside and outside known hazards and
// their victims, minefield records, and a small gazetteer.
#include "ops/demo.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "geo/geodesy.hpp"
#include "geo/geometry_ops.hpp"

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
    records();
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

  void records() {
    for (int i = 0; i < 2; ++i) {
      Coord lm{kLon0 + 0.03 - 0.06 * i, kLat0 + 0.04};
      nlohmann::json raw = {
          {"format", "minemap-record/1"},
          {"id", "MR-SYN-" + std::to_string(i + 1)},
          {"source", {{"name", "Synthetic record set"}, {"received", "2021-06-12"}}},
          {"laid", "1994-05-10"},
          {"crs", "EPSG:4326"},
          {"angle_unit", "deg"},
          {"distance_unit", "m"},
          {"bearing_ref", "true"},
          {"points",
           {{{"id", "LM"}, {"kind", "landmark"}, {"x", lm.x}, {"y", lm.y}},
            {{"id", "RP"},
             {"kind", "reference"},
             {"from", "LM"},
             {"bearing", 112.0},
             {"distance", 85}},
            {{"id", "T1"},
             {"kind", "turning"},
             {"from", "RP"},
             {"bearing", 40.0},
             {"distance", 30}},
            {{"id", "T2"},
             {"kind", "turning"},
             {"from", "T1"},
             {"bearing", 130.0},
             {"distance", 150}},
            {{"id", "T3"},
             {"kind", "turning"},
             {"from", "T2"},
             {"bearing", 220.0},
             {"distance", 60}},
            {{"id", "T4"},
             {"kind", "turning"},
             {"from", "T3"},
             {"bearing", 310.0},
             {"distance", 150}}}},
          {"perimeter", {"T1", "T2", "T3", "T4"}},
          {"rows",
           {{{"id", "A"},
             {"start", {{"from", "T1"}, {"bearing", 130.0}, {"distance", 10}}},
             {"bearing", 130.0},
             {"spacing", 4.0},
             {"pattern", "single"},
             {"mines", {{{"category", "AP_MINE"}, {"model", "PMN-2"}, {"count", 31}}}}}}},
          {"declared", {{"AP_MINE", 31}}}};
      // The perimeter as the record states it, walked leg by leg.
      Coord rp = geo::destination(lm, 112, 85);
      Coord t1 = geo::destination(rp, 40, 30), t2 = geo::destination(t1, 130, 150),
            t3 = geo::destination(t2, 220, 60), t4 = geo::destination(t3, 310, 150);
      Geometry perim;
      perim.type = core::GeomType::Polygon;
      perim.polygons.push_back({{t1, t4, t3, t2, t1}});
      Record r;
      r.id = raw["id"];
      r.fields = {{"source_name", std::string("Synthetic record set")},
                  {"received", std::string("2021-06-12")},
                  {"laid", std::string("1994-05-10")},
                  {"crs", std::string("EPSG:4326")},
                  {"bearing_ref", std::string("true")},
                  {"raw", raw.dump()},
                  {"declared_total", std::int64_t{31}}};
      r.geometry = perim;
      m_reg.add(core::spec(Entity::Record), std::move(r), m_who);
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
