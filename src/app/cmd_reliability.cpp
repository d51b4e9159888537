#include "app/cmd_reliability.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "analysis/reliability.hpp"
#include "core/errors.hpp"
#include "io/read_input.hpp"
#include "ops/reliability.hpp"
#include "render/reliability_report.hpp"
#include "store/registry.hpp"

namespace minemap::app {

namespace {

struct Args {
  std::string store;
  std::string record;
  std::string found;
  std::string cleared;
  std::string source;
  bool all = false;
  double tolerance = 5;
  bool scale = false;
  bool json = false;
  std::string html;
  int bootstrap = 200;
  bool by_source = false;
  analysis::GradeThresholds grade;
};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

void print_table(const std::vector<analysis::ReliabilityResult>& results,
                 const std::vector<analysis::SourceSummary>& sources) {
  if (!results.empty())
    std::cout << "record\tsource\tgrade\trecall/precision as recorded\tcorrected\tshift E/N "
                 "m\trotation deg\tremaining\n";
  for (const auto& r : results) {
    std::cout << r.record << '\t' << r.source << '\t' << r.grade << '\t'
              << fmt("%.2f", r.as_recorded.recall) << '/' << fmt("%.2f", r.as_recorded.precision)
              << '\t' << fmt("%.2f", r.corrected.recall) << '/'
              << fmt("%.2f", r.corrected.precision) << '\t';
    if (r.correction)
      std::cout << fmt("%.1f", r.correction->shift_east_m) << '/'
                << fmt("%.1f", r.correction->shift_north_m) << '\t'
                << fmt("%.2f", r.correction->rotation_deg);
    else
      std::cout << "-\t-";
    // U: not judged, no count (0 would read "no mines left"); no correction: unknown.
    std::cout << '\t';
    if (!analysis::judged(r))
      std::cout << "not judged";
    else if (!analysis::has_prediction(r))
      std::cout << '-';
    else
      std::cout << r.predicted_remaining.size();
    std::cout << '\n';
  }
  std::cout << (results.empty() ? "" : "\n") << "source\trecords\tA\tB\tC\tD\tU\n";
  for (const auto& s : sources) {
    std::cout << s.source << '\t' << s.records;
    for (char g : {'A', 'B', 'C', 'D', 'U'}) {
      auto it = s.by_grade.find(g);
      std::cout << '\t' << (it == s.by_grade.end() ? 0 : it->second);
    }
    std::cout << '\n';
  }
}

nlohmann::json sources_json(const std::vector<analysis::SourceSummary>& sources) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& s : sources) {
    nlohmann::json g = nlohmann::json::object();
    for (char c : {'A', 'B', 'C', 'D', 'U'}) {
      auto it = s.by_grade.find(c);
      auto ci = s.grade_ci95.find(c);
      g[std::string(1, c)] = {{"count", it == s.by_grade.end() ? 0 : it->second},
                              {"ci95", ci == s.grade_ci95.end() ? nlohmann::json(nullptr)
                                                                : nlohmann::json(ci->second)}};
    }
    a.push_back({{"source", s.source},
                 {"records", s.records},
                 {"grades", g},
                 {"finds", s.finds},
                 {"finds_outside_every_perimeter", s.finds_outside_every_perimeter},
                 {"accidents", s.accidents},
                 {"accidents_outside_every_perimeter", s.accidents_outside_every_perimeter}});
  }
  return a;
}

int run_reliability(const Args& a) {
  analysis::ReliabilityOptions opt;
  opt.tolerance_m = a.tolerance;
  opt.fit_scale = a.scale;
  opt.bootstrap = a.bootstrap;
  opt.grade = a.grade;
  std::vector<analysis::ReliabilityInput> inputs;
  std::vector<core::Coord> accidents;
  std::vector<analysis::ReliabilityResult> results;
  if (!a.store.empty()) {
    if (a.record.empty() && a.source.empty() && !a.all)
      throw core::InputError("reliability",
                             "say which records: --record ID, --source NAME or --all");
    if (!a.found.empty() || !a.cleared.empty())
      throw core::InputError(
          "reliability",
          "--found and --cleared are for files; a store has its own items and releases");
    auto reg = store::Registry::open(a.store, false);
    ops::StoreSelection sel{a.record, a.source, a.all};
    auto got = ops::assess_store_records(reg, sel, opt);
    inputs = std::move(got.read.inputs);
    accidents = std::move(got.read.accidents);
    results = std::move(got.results);
  } else {
    if (a.record.empty() || a.found.empty() || a.cleared.empty())
      throw core::InputError("reliability",
                             "give a STORE, or --record FILE --found FILE --cleared FILE");
    inputs.push_back(ops::reliability_input_from_files(a.record, a.found, a.cleared));
    results = ops::assess_records(inputs, opt);
  }
  auto sources = analysis::summarize_sources(inputs, results, accidents);
  if (!a.html.empty())
    io::write_output(a.html, render::reliability_html(inputs, results, sources,
                                                      "Minefield record reliability", opt));
  if (a.by_source) {
    if (a.json) {
      std::cout << sources_json(sources).dump(2) << '\n';
    } else {
      std::vector<analysis::ReliabilityResult> none;
      print_table(none, sources);
    }
    return 0;
  }
  if (a.json) {
    nlohmann::json out;
    if (results.size() == 1 && a.store.empty()) {
      out = analysis::to_json(results.front());
    } else {
      out = nlohmann::json::array();
      for (const auto& r : results) out.push_back(analysis::to_json(r));
    }
    std::cout << out.dump(2) << '\n';
  } else {
    print_table(results, sources);
  }
  return 0;
}

}  // namespace

void add_reliability_command(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<Args>();
  auto* c = app.add_subcommand(
      "reliability", "How accurate each minefield record was, and where the remaining mines are");
  c->add_option("STORE", a->store,
                "the store: a minemap GeoPackage (.gpkg) file; judge its records against its "
                "items and cleared land");
  c->add_option("--record", a->record,
                "a record file (with --found and --cleared), or a record id in STORE");
  c->add_option("--found", a->found,
                "finds: any GIS file of points with a category column; an empty one (no "
                "features): clearance found nothing");
  c->add_option("--cleared", a->cleared, "cleared ground: any GIS file of polygons");
  c->add_option("--source", a->source, "in STORE: every record of this source");
  c->add_flag("--all", a->all, "in STORE: every approved record");
  c->add_option("--tolerance", a->tolerance,
                "metres within which a find matches a recorded mine (default 5)")
      ->check(CLI::Range(0.1, 100.0));
  c->add_flag("--scale", a->scale, "fit a scale too (distances paced with the wrong pace length)");
  c->add_option("--bootstrap", a->bootstrap,
                "resamples for the 95% intervals (default 200; 0: none)")
      ->check(CLI::Range(0, 100000));
  c->add_option("--grade-a", a->grade.a,
                "recall and precision as recorded for grade A (default 0.9)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--grade-b", a->grade.b, "... after one rigid correction for grade B (default 0.9)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--grade-c", a->grade.c, "... after the correction for grade C (default 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--min-recorded", a->grade.min_recorded,
                "fewer recorded mines in cleared ground than this: grade U (default 5)")
      ->check(CLI::Range(1, 1000000));
  c->add_flag("--by-source", a->by_source,
              "print the per-source summary instead: records per grade with Wilson 95% intervals,\n"
              "finds and accidents outside every perimeter of the source");
  c->add_flag("--json", a->json, "print the results as JSON (docs/reliability.md)");
  c->add_option("--html", a->html, "write a self-contained HTML report with a map per record");
  c->footer(
      "Only cleared ground counts: recorded mines there are matched one-to-one with the finds of\n"
      "the record's categories within the tolerance; other ordnance is clutter, reported apart.\n"
      "The correction (shift, rotation, optionally scale about the reference point) is searched\n"
      "for with the finds and the negative evidence of cleared ground, then refined by trimmed\n"
      "least squares, with bootstrap 95% intervals. Grades: A reliable as recorded, B after one\n"
      "rigid correction, C partly, D no correspondence, U undetermined: not judged, so no\n"
      "count of the mines left (\"not judged\"; in JSON predicted_remaining is null).\n"
      "Examples:\n"
      "  minemap reliability --record mr.json --found finds.geojson --cleared cleared.geojson "
      "--json\n"
      "  minemap reliability field.gpkg --all --html reliability.html");
  c->callback([&run, a] { run = [a] { return run_reliability(*a); }; });
}

}  // namespace minemap::app
