// Micro-benchmarks of every spatial query type (Google Benchmark):
//   build/release/bench/minemap-bench-index [--benchmark_filter=Nearest]
// On a synthetic set like bench/compare-postgis's, scaled down: 200,000 points in and
// around 20,000 polygons of 12 to 40 vertices and 50 to 300 m radius.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "geo/geodesy.hpp"
#include "index/join.hpp"
#include "index/point_index.hpp"
#include "index/shape_index.hpp"

namespace {

using namespace minemap;

struct Data {
  std::vector<core::Geometry> polygons;
  std::vector<core::Coord> points, queries;
  index::PointIndex point_index;
  index::ShapeIndex shape_index;
};

const Data& data() {
  static const Data instance = [] {
    Data d;
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> unit(0, 1);
    std::normal_distribution<double> gauss(0, 1);
    std::vector<core::Coord> clusters;
    for (int i = 0; i < 400; ++i)
      clusters.push_back({134 + 1.5 * unit(rng), -26 + 1.5 * unit(rng)});
    auto near_cluster = [&](double sigma) {
      return geo::destination(clusters[rng() % clusters.size()], 360 * unit(rng),
                              std::abs(gauss(rng)) * sigma);
    };
    std::vector<core::Coord> centre;
    std::vector<double> radius;
    for (int i = 0; i < 20000; ++i) {
      centre.push_back(near_cluster(3000));
      radius.push_back(50 + 250 * unit(rng));
      int n = 12 + static_cast<int>(rng() % 29);
      core::LineString ring;
      for (int v = 0; v < n; ++v)
        ring.push_back(geo::destination(centre.back(), -360.0 * v / n,
                                        radius.back() * (0.6 + 0.4 * unit(rng))));
      ring.push_back(ring.front());
      core::Geometry g;
      g.type = core::GeomType::Polygon;
      g.polygons = {{ring}};
      d.polygons.push_back(std::move(g));
    }
    for (int i = 0; i < 200000; ++i) {
      std::size_t k = rng() % centre.size();
      d.points.push_back(unit(rng) < 0.7 ? geo::destination(centre[k], 360 * unit(rng),
                                                            radius[k] * 1.3 * std::sqrt(unit(rng)))
                                         : near_cluster(5000));
    }
    for (int i = 0; i < 1000; ++i) d.queries.push_back(near_cluster(3000));
    index::PointIndex::Builder pb;
    for (std::size_t i = 0; i < d.points.size(); ++i)
      pb.add(static_cast<std::int64_t>(i), d.points[i]);
    d.point_index = std::move(pb).build();
    index::ShapeIndex::Builder sb;
    for (std::size_t i = 0; i < d.polygons.size(); ++i)
      sb.add(static_cast<std::int64_t>(i), d.polygons[i]);
    d.shape_index = std::move(sb).build();
    return d;
  }();
  return instance;
}

void BuildPoints(benchmark::State& state) {
  const auto& d = data();
  for (auto _ : state) {
    index::PointIndex::Builder b;
    for (std::size_t i = 0; i < d.points.size(); ++i)
      b.add(static_cast<std::int64_t>(i), d.points[i]);
    benchmark::DoNotOptimize(std::move(b).build());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.points.size()));
}
BENCHMARK(BuildPoints)->Unit(benchmark::kMillisecond);

void BuildPolygons(benchmark::State& state) {
  const auto& d = data();
  for (auto _ : state) {
    index::ShapeIndex::Builder b;
    for (std::size_t i = 0; i < d.polygons.size(); ++i)
      b.add(static_cast<std::int64_t>(i), d.polygons[i]);
    benchmark::DoNotOptimize(std::move(b).build());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.polygons.size()));
}
BENCHMARK(BuildPolygons)->Unit(benchmark::kMillisecond);

// One query per iteration, cycling through the query points.
template <class Fn>
void per_query(benchmark::State& state, Fn&& fn) {
  const auto& q = data().queries;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fn(q[i]));
    i = (i + 1) % q.size();
  }
  state.SetItemsProcessed(state.iterations());
}

void BoxPoints(benchmark::State& state) {
  per_query(state, [](core::Coord c) {
    return data().point_index.in_box({c.x - 0.005, c.y - 0.005, c.x + 0.005, c.y + 0.005});
  });
}
BENCHMARK(BoxPoints);

void PointInPolygon(benchmark::State& state) {
  per_query(state, [](core::Coord c) { return data().shape_index.containing(c); });
}
BENCHMARK(PointInPolygon);

void WithinPolygons(benchmark::State& state) {
  double m = static_cast<double>(state.range(0));
  per_query(state, [m](core::Coord c) { return data().shape_index.within_keys(c, m); });
}
BENCHMARK(WithinPolygons)->Arg(500);

void WithinPoints(benchmark::State& state) {
  double m = static_cast<double>(state.range(0));
  per_query(state, [m](core::Coord c) { return data().point_index.within_keys(c, m); });
}
BENCHMARK(WithinPoints)->Arg(500);

void WithinPointsWithDistances(benchmark::State& state) {
  per_query(state, [](core::Coord c) { return data().point_index.within(c, 500); });
}
BENCHMARK(WithinPointsWithDistances);

void NearestPoints(benchmark::State& state) {
  auto k = static_cast<std::size_t>(state.range(0));
  per_query(state, [k](core::Coord c) { return data().point_index.nearest(c, k); });
}
BENCHMARK(NearestPoints)->Arg(1)->Arg(10);

void NearestPolygons(benchmark::State& state) {
  auto k = static_cast<std::size_t>(state.range(0));
  per_query(state, [k](core::Coord c) { return data().shape_index.nearest(c, k); });
}
BENCHMARK(NearestPolygons)->Arg(1)->Arg(10);

void PointsInPolygonsJoin(benchmark::State& state) {
  const auto& d = data();
  unsigned threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(index::points_in_polygons(d.point_index, d.shape_index, {threads}));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.points.size()));
}
BENCHMARK(PointsInPolygonsJoin)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void PointsWithinJoin(benchmark::State& state) {
  const auto& d = data();
  unsigned threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(index::points_within(d.point_index, d.point_index, 10, {threads}));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.points.size()));
}
BENCHMARK(PointsWithinJoin)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
