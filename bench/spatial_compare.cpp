// The minemap side of bench/compare-postgis: reads a store's layers into the spatial
// index, runs the benchmark's queries, writes every answer to files (for the comparison
// with PostGIS) and prints the timings as JSON.
//
//   minemap-spatial-compare generate DIR [--points 1000000] [--polygons 100000]
//       [--queries 10000] [--finds 100000] [--seed 42]
//   minemap-spatial-compare run STORE --points items [--polygons hazards]
//       --queries q.csv [--finds f.csv] --out DIR [--repeat 3] [--threads 0]
//
// `generate` writes the synthetic data set (the same text for both sides): polygons of
// 12 to 40 vertices and 50 to 300 m radius in clusters (as minefields lie along old
// front lines), points clustered in and around them, query points and a second point
// set ("finds", many a few metres from a point) as GeoJSON for minemap import and CSV for
// PostgreSQL COPY.
//
// Ids in the answers are the numbers of the public ids ("IT-0000042" -> 42), which is
// how the benchmark's data are numbered on both sides. CSV inputs: id,lon,lat.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "geo/geodesy.hpp"
#include "index/join.hpp"
#include "store/registry.hpp"
#include "store/spatial.hpp"

using namespace minemap;

namespace {

struct QueryPoint {
  std::int64_t id;
  core::Coord c;
};

std::vector<QueryPoint> read_points(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::vector<QueryPoint> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == 'i') continue;  // header
    QueryPoint q{};
    if (std::sscanf(line.c_str(), "%ld,%lf,%lf", &q.id, &q.c.x, &q.c.y) != 3)
      throw std::runtime_error(path + ": bad line: " + line);
    out.push_back(q);
  }
  return out;
}

std::int64_t number_of(const std::string& id) {
  auto dash = id.rfind('-');
  return std::stoll(id.substr(dash == std::string::npos ? 0 : dash + 1));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Best of `repeat` runs of fn (which returns its answer); the answer of the last run.
template <class Fn>
auto best_of(int repeat, double& best, Fn&& fn) {
  best = 1e300;
  decltype(fn()) answer;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    answer = fn();
    best = std::min(best, seconds_since(t0));
  }
  return answer;
}

long status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
  return 0;
}

struct QueryAnswer {
  std::int64_t query;
  std::vector<index::Hit> hits;
};

struct GenOptions {
  std::string dir;
  std::size_t points = 1000000, polygons = 100000, queries = 10000, finds = 100000;
  std::uint64_t seed = 42;
};

void generate(const GenOptions& o) {
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::normal_distribution<double> gauss(0, 1);
  // A fictional region (134-137 E, 26-23 S); 2,000 cluster centres.
  std::vector<core::Coord> clusters;
  for (int i = 0; i < 2000; ++i) clusters.push_back({134 + 3 * unit(rng), -26 + 3 * unit(rng)});
  auto near_cluster = [&](double sigma_m) {
    core::Coord c = clusters[rng() % clusters.size()];
    return geo::destination(c, 360 * unit(rng), std::abs(gauss(rng)) * sigma_m);
  };
  auto open = [&](const std::string& name) {
    std::FILE* f = std::fopen((o.dir + "/" + name).c_str(), "w");
    if (!f) throw std::runtime_error(o.dir + "/" + name + ": cannot write");
    return f;
  };
  std::vector<core::Coord> centre(o.polygons);
  std::vector<double> radius(o.polygons);
  std::FILE* gj = open("polygons.geojson");
  std::FILE* csv = open("polygons.csv");
  std::fputs("{\"type\":\"FeatureCollection\",\"features\":[\n", gj);
  for (std::size_t i = 0; i < o.polygons; ++i) {
    centre[i] = near_cluster(3000);
    radius[i] = 50 + 250 * unit(rng);
    int n = 12 + static_cast<int>(rng() % 29);
    std::vector<core::Coord> ring;
    for (int v = 0; v < n; ++v)  // counter-clockwise: azimuths decreasing
      ring.push_back(
          geo::destination(centre[i], -360.0 * v / n, radius[i] * (0.6 + 0.4 * unit(rng))));
    ring.push_back(ring.front());
    std::fprintf(gj,
                 "%s{\"type\":\"Feature\",\"properties\":{\"name\":\"Synthetic %zu\"},"
                 "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
                 i ? "," : "", i + 1);
    std::fprintf(csv, "%zu,\"POLYGON((", i + 1);
    for (std::size_t v = 0; v < ring.size(); ++v) {
      std::fprintf(gj, "%s[%.10f,%.10f]", v ? "," : "", ring[v].x, ring[v].y);
      std::fprintf(csv, "%s%.10f %.10f", v ? "," : "", ring[v].x, ring[v].y);
    }
    std::fputs("]]}}\n", gj);
    std::fputs("))\"\n", csv);
  }
  std::fputs("]}\n", gj);
  std::fclose(gj);
  std::fclose(csv);

  std::vector<core::Coord> pts(o.points);
  gj = open("points.geojson");
  csv = open("points.csv");
  std::fputs("{\"type\":\"FeatureCollection\",\"features\":[\n", gj);
  for (std::size_t i = 0; i < o.points; ++i) {
    if (unit(rng) < 0.7 && o.polygons > 0) {  // in or just around a polygon
      std::size_t k = rng() % o.polygons;
      pts[i] = geo::destination(centre[k], 360 * unit(rng), radius[k] * 1.3 * std::sqrt(unit(rng)));
    } else {
      pts[i] = near_cluster(5000);
    }
    std::fprintf(gj,
                 "%s{\"type\":\"Feature\",\"properties\":{\"category\":\"AP_MINE\"},"
                 "\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.10f,%.10f]}}\n",
                 i ? "," : "", pts[i].x, pts[i].y);
    std::fprintf(csv, "%zu,%.10f,%.10f\n", i + 1, pts[i].x, pts[i].y);
  }
  std::fputs("]}\n", gj);
  std::fclose(gj);
  std::fclose(csv);

  csv = open("queries.csv");
  for (std::size_t i = 0; i < o.queries; ++i) {
    core::Coord q =
        (i % 2 == 0 && o.polygons > 0)
            ? geo::destination(centre[rng() % o.polygons], 360 * unit(rng), 1000 * unit(rng))
            : near_cluster(5000);
    std::fprintf(csv, "%zu,%.10f,%.10f\n", i + 1, q.x, q.y);
  }
  std::fclose(csv);
  csv = open("finds.csv");
  for (std::size_t i = 0; i < o.finds; ++i) {
    core::Coord f =
        (unit(rng) < 0.6 && o.points > 0)
            ? geo::destination(pts[rng() % o.points], 360 * unit(rng), std::abs(gauss(rng)) * 6)
            : near_cluster(5000);
    std::fprintf(csv, "%zu,%.10f,%.10f\n", i + 1, f.x, f.y);
  }
  std::fclose(csv);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The minemap side of bench/compare-postgis"};
  app.require_subcommand(1);
  GenOptions gen;
  auto* gen_cmd = app.add_subcommand("generate", "Write the synthetic data set");
  gen_cmd->add_option("dir", gen.dir)->required();
  gen_cmd->add_option("--points", gen.points);
  gen_cmd->add_option("--polygons", gen.polygons);
  gen_cmd->add_option("--queries", gen.queries);
  gen_cmd->add_option("--finds", gen.finds);
  gen_cmd->add_option("--seed", gen.seed);
  auto* run = app.add_subcommand("run", "Index a store's layers and run the queries");
  std::string store_path, points_entity = "items", polygons_entity, queries_path, finds_path, out;
  int repeat = 3;
  unsigned threads = 0;
  run->add_option("store", store_path)->required();
  run->add_option("--points", points_entity);
  run->add_option("--polygons", polygons_entity);
  run->add_option("--queries", queries_path)->required();
  run->add_option("--finds", finds_path);
  run->add_option("--out", out)->required();
  run->add_option("--repeat", repeat);
  run->add_option("--threads", threads);
  CLI11_PARSE(app, argc, argv);

  try {
    if (gen_cmd->parsed()) {
      generate(gen);
      return 0;
    }
    nlohmann::json t;
    auto reg = store::Registry::open(store_path, false);
    const auto& pspec = core::spec_by_name(points_entity);
    // Read and index, timed apart: the read is SQLite + blob decoding, the build is ours.
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> ids;
    std::vector<core::Coord> coords;
    reg.for_each_geometry(pspec, {}, [&](const std::string& id, const core::Geometry& g) {
      if (g.type != core::GeomType::Point) return;
      ids.push_back(id);
      coords.push_back(g.points[0]);
    });
    t["read_points_s"] = seconds_since(t0);
    t["points"] = ids.size();
    std::vector<std::int64_t> point_id(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) point_id[i] = number_of(ids[i]);
    ids = {};
    index::PointIndex points;
    double build_points = 0;
    best_of(repeat, build_points, [&] {
      points = index::PointIndex{};  // one index at a time, as a server would hold it
      index::PointIndex::Builder b;
      b.reserve(coords.size());
      for (std::size_t i = 0; i < coords.size(); ++i) b.add(point_id[i], coords[i]);
      points = std::move(b).build();
      return 0;
    });
    t["build_points_s"] = build_points;
    coords = {};
    point_id = {};

    index::ShapeIndex polygons;
    std::vector<std::pair<std::int64_t, core::Geometry>> shapes;
    if (!polygons_entity.empty()) {
      t0 = std::chrono::steady_clock::now();
      reg.for_each_geometry(core::spec_by_name(polygons_entity), {},
                            [&](const std::string& id, const core::Geometry& g) {
                              shapes.emplace_back(number_of(id), g);
                            });
      t["read_polygons_s"] = seconds_since(t0);
      t["polygons"] = shapes.size();
      double build = 0;
      best_of(repeat, build, [&] {
        polygons = index::ShapeIndex{};
        index::ShapeIndex::Builder b;
        for (const auto& [id, g] : shapes) b.add(id, g);
        polygons = std::move(b).build();
        return 0;
      });
      t["build_polygons_s"] = build;
      shapes = {};
    }
    t["index_mb"] = static_cast<double>(points.memory_bytes() + polygons.memory_bytes()) / 1e6;
    // What the process holds once the indexes are built and the rows read are let go.
    malloc_trim(0);
    t["held_rss_mb"] = static_cast<double>(status_kb("VmRSS:")) / 1024;

    auto queries = read_points(queries_path);
    index::JoinOptions jopt{threads};
    auto per_query = [&](auto&& fn) {
      std::vector<QueryAnswer> answers(queries.size());
      index::parallel_chunks(queries.size(), 64, threads,
                             [&](std::size_t lo, std::size_t hi, unsigned) {
                               for (std::size_t i = lo; i < hi; ++i)
                                 answers[i] = {queries[i].id, fn(queries[i].c)};
                             });
      return answers;
    };
    auto write_answers = [&](const std::string& name, const std::vector<QueryAnswer>& answers,
                             bool with_rank) {
      std::ofstream f(out + "/" + name);
      f.precision(17);
      std::size_t n = 0;
      for (const auto& a : answers)
        for (std::size_t r = 0; r < a.hits.size(); ++r, ++n) {
          f << a.query << ',' << a.hits[r].key;
          if (with_rank) f << ',' << r + 1 << ',' << a.hits[r].distance_m;
          f << '\n';
        }
      return n;
    };
    auto keys_as_hits = [](std::vector<std::int64_t> keys) {
      std::vector<index::Hit> hits;
      for (auto k : keys) hits.push_back({k, 0});
      return hits;
    };

    double s = 0;
    if (!polygons_entity.empty()) {
      auto pip =
          best_of(repeat, s, [&] { return index::points_in_polygons(points, polygons, jopt); });
      t["pip_join_s"] = s;
      t["pip_pairs"] = pip.size();
      std::ofstream f(out + "/pip.csv");
      for (const auto& p : pip) f << p.first << ',' << p.second << '\n';

      auto wp = best_of(repeat, s, [&] {
        return per_query([&](core::Coord c) { return keys_as_hits(polygons.within_keys(c, 500)); });
      });
      t["within500_polygons_s"] = s;
      t["within500_polygons_pairs"] = write_answers("within_polygons.csv", wp, false);
    }
    auto wpts = best_of(repeat, s, [&] {
      return per_query([&](core::Coord c) { return keys_as_hits(points.within_keys(c, 500)); });
    });
    t["within500_points_s"] = s;
    t["within500_points_pairs"] = write_answers("within_points.csv", wpts, false);
    for (std::size_t k : {1u, 10u}) {
      auto nn = best_of(repeat, s, [&] {
        return per_query([&](core::Coord c) { return points.nearest(c, k); });
      });
      t["knn" + std::to_string(k) + "_s"] = s;
      write_answers("knn" + std::to_string(k) + ".csv", nn, true);
    }
    if (!finds_path.empty()) {
      auto finds = read_points(finds_path);
      index::PointIndex::Builder fb;
      for (const auto& f : finds) fb.add(f.id, f.c);
      index::PointIndex find_index = std::move(fb).build();
      auto pairs =
          best_of(repeat, s, [&] { return index::points_within(find_index, points, 10, jopt); });
      t["join10_s"] = s;
      t["join10_pairs"] = pairs.size();
      std::ofstream f(out + "/join10.csv");
      f.precision(17);
      for (const auto& p : pairs) f << p.first << ',' << p.second << ',' << p.distance_m << '\n';
    }
    t["peak_rss_mb"] = static_cast<double>(status_kb("VmHWM:")) / 1024;
    std::cout << t.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "minemap-spatial-compare: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
