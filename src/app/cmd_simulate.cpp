#include "app/cmd_simulate.hpp"

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "analysis/simulate.hpp"
#include "core/errors.hpp"
#include "geo/geojson.hpp"
#include "io/read_input.hpp"

namespace minemap::app {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

struct SimulateArgs {
  std::string out;
  std::uint64_t seed = 1;
  int count = 100;
  bool scale_errors = false;
};

json point(core::Coord c) {
  return geo::geometry_to_geojson(core::Geometry::point(c.x, c.y));
}

json feature(json properties, json geometry) {
  return {{"type", "Feature"},
          {"properties", std::move(properties)},
          {"geometry", std::move(geometry)}};
}

json collection(json features) {
  return {{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

json mines_geojson(const std::vector<analysis::RecordedMine>& mines) {
  json fs = json::array();
  for (const auto& m : mines)
    fs.push_back(
        feature({{"row", m.row}, {"index", m.index}, {"category", m.category}}, point(m.at)));
  return collection(std::move(fs));
}

json finds_geojson(const std::vector<analysis::Find>& finds) {
  json fs = json::array();
  for (const auto& f : finds)
    fs.push_back(feature({{"id", f.id}, {"category", f.category}}, point(f.at)));
  return collection(std::move(fs));
}

json cleared_geojson(const std::vector<core::Polygon>& polygons) {
  json fs = json::array();
  for (std::size_t i = 0; i < polygons.size(); ++i) {
    core::Geometry g;
    g.type = core::GeomType::Polygon;
    g.polygons = {polygons[i]};
    fs.push_back(feature({{"id", "C" + std::to_string(i + 1)}}, geo::geometry_to_geojson(g)));
  }
  return collection(std::move(fs));
}

json truth_json(const analysis::Scenario& s, std::uint64_t seed) {
  const auto& t = s.truth;
  json remaining = json::array();
  for (const auto& m : s.remaining)
    remaining.push_back({{"row", m.row},
                         {"index", m.index},
                         {"category", m.category},
                         {"lon", m.at.x},
                         {"lat", m.at.y}});
  int found = 0;
  for (const auto& f : s.finds) found += f.category == "UXO" ? 0 : 1;
  return {{"scenario", s.name},
          {"record", s.name},
          {"source", s.source},
          {"seed", seed},
          {"kind", t.kind},
          {"grade", std::string(1, t.grade)},
          {"transform",
           {{"shift_east_m", t.shift_east_m},
            {"shift_north_m", t.shift_north_m},
            {"rotation_deg", t.rotation_deg},
            {"scale", t.scale},
            {"about", {t.about.x, t.about.y}}}},
          {"wrong_landmark", t.wrong_landmark},
          {"jitter_m", t.jitter_m},
          {"missing_rows", t.missing_rows},
          {"unrecorded_rows", t.unrecorded_rows},
          {"laid", s.laid.size()},
          {"cleared_share", t.cleared_share},
          {"found", found},
          {"clutter", t.clutter},
          {"remaining", std::move(remaining)}};
}

void write_scenario(const fs::path& dir, const analysis::Scenario& s, std::uint64_t seed) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw core::Error(dir.string() + ": cannot create the directory: " + ec.message());
  io::write_output((dir / "record.json").string(), s.record_json);
  io::write_output((dir / "found.geojson").string(), finds_geojson(s.finds).dump() + "\n");
  io::write_output((dir / "cleared.geojson").string(), cleared_geojson(s.cleared).dump() + "\n");
  io::write_output((dir / "laid.geojson").string(), mines_geojson(s.laid).dump() + "\n");
  io::write_output((dir / "truth.json").string(), truth_json(s, seed).dump(2) + "\n");
}

int cmd_simulate(const SimulateArgs& a) {
  analysis::SimulateOptions opt;
  opt.scale_errors = a.scale_errors;
  const bool tty = isatty(STDERR_FILENO) == 1;
  json list = json::array();
  std::map<char, int> grades;
  for (int i = 1; i <= a.count; ++i) {
    auto s = analysis::simulate_scenario(a.seed, i, opt);
    write_scenario(fs::path(a.out) / s.name, s, a.seed);
    ++grades[s.truth.grade];
    list.push_back({{"name", s.name},
                    {"dir", s.name},
                    {"record", s.name},
                    {"source", s.source},
                    {"kind", s.truth.kind},
                    {"grade", std::string(1, s.truth.grade)},
                    {"laid", s.laid.size()},
                    {"finds", s.finds.size()},
                    {"remaining", s.remaining.size()}});
    if (tty) std::cerr << "\r  " << i << " / " << a.count << " scenarios" << std::flush;
  }
  if (tty) std::cerr << '\n';
  json index = {{"seed", a.seed},
                {"count", a.count},
                {"options",
                 {{"max_shift_m", opt.max_shift_m},
                  {"max_rotation_deg", opt.max_rotation_deg},
                  {"max_row_error_share", opt.max_row_error_share},
                  {"jitter_m", {opt.jitter_min_m, opt.jitter_max_m}},
                  {"cleared_share", {opt.cleared_min, opt.cleared_max}},
                  {"detection", opt.detection},
                  {"clutter_per_1000m2", opt.clutter_per_1000m2},
                  {"scale_errors", opt.scale_errors},
                  {"wrong_landmark_share", opt.wrong_landmark_share}}},
                {"scenarios", std::move(list)}};
  io::write_output((fs::path(a.out) / "scenarios.json").string(), index.dump(2) + "\n");
  std::string by_grade;
  for (const auto& [g, n] : grades)
    by_grade += (by_grade.empty() ? "" : ", ") + std::string(1, g) + " " + std::to_string(n);
  std::cerr << a.count << " scenarios (true grades: " << by_grade << ") -> " << a.out << '\n';
  return 0;
}

}  // namespace

void add_simulate_command(CLI::App& app, std::function<int()>& run) {
  auto args = std::make_shared<SimulateArgs>();
  auto* sim = app.add_subcommand(
      "simulate",
      "Write synthetic minefield records with their truth, for the reliability analysis");
  sim->add_option("--out", args->out, "the directory to write into (created when missing)")
      ->required();
  sim->add_option("--seed", args->seed, "the seed: the same seed gives the same scenarios")
      ->capture_default_str();
  sim->add_option("--count", args->count, "how many scenarios")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sim->add_flag("--scale-errors", args->scale_errors,
                "pace errors too: the true field is 0.9 to 1.1 times the recorded one");
  sim->footer(
      "Each scenario is a record as handed over and what really happened: the record's\n"
      "geometry moved by a known error (a shift and rotation, a wrong landmark, rows never\n"
      "laid or never recorded, or a field that does not correspond at all), the ground\n"
      "cleared from one end of the field, and what clearance found there. Into DIR/S0001/ ...:\n"
      "record.json (minemap-record/1), found.geojson (finds: id, category; clutter is UXO),\n"
      "cleared.geojson, laid.geojson (the true mines), truth.json (the transform from\n"
      "recorded to true positions, the kind of error, the grade it gives, the remaining\n"
      "mines); DIR/scenarios.json lists them.\n"
      "Example:\n"
      "  minemap simulate --out sim --seed 7 --count 50\n"
      "  minemap reliability --record sim/S0001/record.json --found sim/S0001/found.geojson \\\n"
      "      --cleared sim/S0001/cleared.geojson --json");
  sim->callback([&run, args] { run = [args] { return cmd_simulate(*args); }; });
}

}  // namespace minemap::app
