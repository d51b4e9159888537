#include "app/cmd_signals.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli_util.hpp"
#include "core/errors.hpp"
#include "ops/signals.hpp"
#include "render/signals.hpp"

namespace minemap::app {

namespace {

struct SignalArgs {
  std::string store;
  analysis::SignalParams params;
  bool json = false, geojson = false, create_drafts = false;
  int until = 0, evaluate = 0, horizon = 3;
  std::size_t limit = 20;
};

int cmd_signals(const SignalArgs& a) {
  analysis::check_signal_params(a.params);
  if (a.json && a.geojson)
    throw core::InputError("--geojson", "give --json or --geojson, not both");
  if (a.evaluate && (a.create_drafts || a.until))
    throw core::InputError("--evaluate", "takes neither --create-drafts nor --until");
  if (a.horizon < 1 || a.horizon > 50) throw core::InputError("--horizon", "must be from 1 to 50");
  for (auto [name, year] : {std::pair{"--until", a.until}, std::pair{"--evaluate", a.evaluate}})
    if (year && (year < 1900 || year > 2100))
      throw core::InputError(name, "a year from 1900 to 2100 expected");
  auto reg = store::Registry::open(a.store, false);
  if (a.evaluate) {
    auto e = ops::evaluate_signals(reg, a.params, a.evaluate, a.horizon);
    if (a.json)
      std::cout << render::signal_evaluation_json(e).dump(2) << '\n';
    else
      render::print_signal_evaluation(e, std::cout);
    return 0;
  }
  ops::Signals s = ops::signals(reg, a.params, a.until);
  std::vector<std::string> drafts;
  if (a.create_drafts) drafts = ops::create_signal_drafts(reg, s, current_actor());
  if (a.json || a.geojson) {
    render::write_signals(s.input.events, s.areas, a.geojson, drafts, std::cout);
    return 0;
  }
  const auto& in = s.input;
  std::cout << in.accidents << " accidents and " << in.items << " items approved: " << in.in_hazards
            << " lie in the " << in.open_hazards << " open hazards, " << in.released
            << " in land released since; the other " << in.events.size() << " are evidence.\n";
  std::size_t single = 0;
  for (const auto& area : s.areas) single += area.evidence.size() == 1 ? 1 : 0;
  std::cout << s.areas.size() << " suggested areas: " << s.areas.size() - single << " clusters, "
            << single << " single events.\n\n";
  render::print_signals(in.events, s.areas, a.limit, std::cout);
  if (!drafts.empty())
    std::cout << "\n"
              << drafts.size() << " draft hazards written, " << drafts.front() << " to "
              << drafts.back() << ": review them (minemap reports, or the web app's Review).\n";
  return 0;
}

}  // namespace

void add_signals_command(CLI::App& app, std::function<int()>& run) {
  static SignalArgs a;
  auto* c = app.add_subcommand(
      "signals", "Suggested hazardous areas from accidents and items outside every hazard");
  c->add_option("STORE", a.store, kStoreHelp)->required();
  c->add_option("--eps", a.params.eps_m, "metres: events this close are neighbours (default 1000)");
  c->add_option("--min-points", a.params.min_points,
                "events within --eps (itself included) that make a cluster's core (default 2)");
  c->add_option("--buffer", a.params.buffer_m,
                "metres the area reaches beyond its outermost events (default 250)");
  c->add_option("--until", a.until, "YEAR: only evidence dated up to the end of that year");
  c->add_option("--limit", a.limit, "rows of the table (default 20; 0: every one)");
  c->add_flag("--json", a.json, "every area as a JSON array (keys: docs/signals.md)");
  c->add_flag("--geojson", a.geojson, "every area as a GeoJSON FeatureCollection");
  c->add_flag("--create-drafts", a.create_drafts,
              "write each area as a draft suspected hazardous area, for review");
  c->add_option("--evaluate", a.evaluate,
                "YEAR: areas from the evidence up to YEAR, scored on the events of the next "
                "--horizon years beside a plain --buffer about each past event");
  c->add_option("--horizon", a.horizon, "years after --evaluate's YEAR (default 3)");
  c->footer(
      "Evidence: approved accidents and items outside every open hazard, and not in land\n"
      "released on or after their date. Events within --eps of each other form a cluster\n"
      "(DBSCAN, geodesic distance); an event near none is an area of its own, ranked lower.\n"
      "Score: the mean of four parts from 0 to 1 (events, casualties, recency, distance to\n"
      "the nearest known hazard); docs/signals.md says why and how.\n"
      "Examples:\n"
      "  minemap signals national.gpkg\n"
      "  minemap signals national.gpkg --eps 500 --geojson > signals.geojson\n"
      "  minemap signals national.gpkg --create-drafts\n"
      "  minemap signals national.gpkg --evaluate 2012 --horizon 3");
  c->callback([&] { run = [&] { return cmd_signals(a); }; });
}

}  // namespace minemap::app
