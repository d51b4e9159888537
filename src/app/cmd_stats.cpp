#include "app/cmd_stats.hpp"

#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "analysis/period.hpp"
#include "core/errors.hpp"
#include "ops/stats.hpp"
#include "render/render.hpp"
#include "store/registry.hpp"
#include "store/spatial.hpp"

namespace minemap::app {

namespace {

int cmd_stats(const std::string& path, const std::string& from, const std::string& to, bool json,
              const std::string& by) {
  const analysis::StatsPeriod period = analysis::parse_period(from, to);
  if (!by.empty() && by != "admin") throw core::InputError("--by", "\"" + by + "\" is not admin");
  auto reg = store::Registry::open(path, false);
  if (by == "admin") {
    const auto out = ops::stats_by_admin(reg, period);
    if (json)
      std::cout << render::stats_by_admin_json(out) << '\n';
    else
      render::print_stats_by_admin(out, std::cout);
    return 0;
  }
  auto s = ops::stats(reg, period);
  if (json)
    std::cout << render::stats_json(s) << '\n';
  else
    render::print_stats(s, std::cout);
  return 0;
}

struct NearArgs {
  double lon = 0, lat = 0;
  double within = -1;
  std::size_t nearest = 0;
  std::vector<std::string> layers{"hazards", "items", "accidents"};
  bool json = false;
};

int cmd_near(const std::string& path, const NearArgs& a) {
  if (!(a.lon >= -180 && a.lon <= 180)) throw core::InputError("LON", "must be in -180..180");
  if (!(a.lat >= -90 && a.lat <= 90)) throw core::InputError("LAT", "must be in -90..90");
  if (a.nearest == 0 && a.within < 0)
    throw core::InputError("--within", "give --within or --nearest");
  core::Coord p{a.lon, a.lat};
  auto reg = store::Registry::open(path, false);
  struct Row {
    std::string entity, id;
    double distance;
  };
  std::vector<Row> rows;
  for (const auto& name : a.layers) {
    const auto& spec = core::spec_by_name(name);
    if (!spec.spatial()) throw core::InputError("--layers", name + " have no geometry");
    // Drafts count too: a hazard reported but not yet approved is still a hazard.
    auto layer = store::load_layer(reg, spec, false);
    double cap = a.within >= 0 ? a.within : std::numeric_limits<double>::infinity();
    std::vector<index::Hit> hits;
    if (layer.points_only)
      hits = a.nearest ? layer.points.nearest(p, a.nearest, cap) : layer.points.within(p, cap);
    else
      hits = a.nearest ? layer.shapes.nearest(p, a.nearest, cap) : layer.shapes.within(p, cap);
    for (const auto& h : hits) rows.push_back({name, layer.id(h.key), h.distance_m});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& x, const Row& y) { return x.distance < y.distance; });
  if (a.json) {
    nlohmann::json out;
    out["point"] = {a.lon, a.lat};
    if (a.within >= 0) out["within_m"] = a.within;
    if (a.nearest) out["nearest"] = a.nearest;
    out["features"] = nlohmann::json::array();
    for (const auto& r : rows)
      out["features"].push_back({{"entity", r.entity},
                                 {"id", r.id},
                                 {"distance_m", r.distance},
                                 {"inside", r.distance == 0}});
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  if (rows.empty()) {
    std::cout << "nothing found";
    if (a.within >= 0) std::cout << " within " << a.within << " m";
    std::cout << '\n';
    return 0;
  }
  for (const auto& r : rows) {
    std::cout << r.entity << '\t' << r.id << '\t';
    if (r.distance == 0)
      std::cout << "inside\n";
    else
      std::cout << std::fixed << std::setprecision(1) << r.distance << " m\n";
  }
  return 0;
}

}  // namespace

void add_stats_commands(CLI::App& app, std::function<int()>& run) {
  static std::string store_path, from, to, by;
  static bool json = false;

  auto* stats =
      app.add_subcommand("stats", "Summary figures: areas, land release, finds, casualties");
  stats->add_option("STORE", store_path)->required();
  stats->add_option("--from", from, "first date (YYYY, YYYY-MM or YYYY-MM-DD)");
  stats->add_option("--to", to, "last date, inclusive");
  stats->add_flag("--json", json, "as JSON (keys: docs/cli.md)");
  stats->add_option("--by", by, "admin: the figures per administrative area");
  stats->footer(
      "Only approved, non-deleted records count.\n"
      "Example: minemap stats field.gpkg --from 2025 --to 2025-06 --by admin");
  stats->callback([&] { run = [&] { return cmd_stats(store_path, from, to, json, by); }; });

  static NearArgs na;
  auto* near = app.add_subcommand("near", "What lies near a place: hazards, finds, accidents");
  near->add_option("STORE", store_path)->required();
  near->add_option("LON", na.lon, "longitude, WGS 84 degrees")->required();
  near->add_option("LAT", na.lat, "latitude, WGS 84 degrees")->required();
  near->add_option("--within", na.within, "metres: everything within this distance (default 500)");
  near->add_option("--nearest", na.nearest,
                   "the K nearest of each layer (with --within: no farther)");
  near->add_option("--layers", na.layers, "entities to search (default hazards,items,accidents)")
      ->delimiter(',');
  near->add_flag("--json", na.json, "JSON for scripts");
  near->footer(
      "Distances are geodesic on WGS 84, in metres, to the feature itself: 0 (\"inside\") in a\n"
      "polygon or on its edge, else to its nearest edge. Deleted records are left out; drafts\n"
      "are included (a reported hazard is a hazard).\n"
      "Examples:\n"
      "  minemap near field.gpkg 134.1 -25.2                 # within 500 m\n"
      "  minemap near field.gpkg 134.1 -25.2 --within 2000 --layers hazards\n"
      "  minemap near field.gpkg 134.1 -25.2 --nearest 3 --json");
  near->callback([&] {
    run = [&] {
      if (na.within < 0 && na.nearest == 0) na.within = 500;
      return cmd_near(store_path, na);
    };
  });
}

}  // namespace minemap::app
