// Digitisation throughput: records with 1,000,000 recorded mines in all, of every
// kind a national archive holds (true, grid and magnetic bearings with the
// declination from IGRF-14, degrees and mils, metres and paces, WGS 84 and Pulkovo
// 1942 / Gauss-Kruger, single and staggered rows). Reported as mines per second.
//
//   build/release/bench/minemap-bench-record [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "record/digitize.hpp"
#include "record/record.hpp"

namespace {

using nlohmann::json;

// One record of `rows` rows of `per_row` mines; `variant` picks its conventions.
std::string make_record(int n, int rows, int per_row, int variant) {
  std::mt19937 rng(static_cast<unsigned>(n));
  std::uniform_real_distribution<double> u(0, 1);
  const bool gk = variant % 4 == 1;
  json r = {{"format", "minemap-record/1"},
            {"id", "B-" + std::to_string(n)},
            {"source", {{"name", "bench"}}},
            {"laid", "1993-0" + std::to_string(1 + variant % 9)}};
  double full = 360;
  switch (variant % 3) {
    case 0: r["bearing_ref"] = "magnetic"; break;  // declination from IGRF-14
    case 1: r["bearing_ref"] = "grid"; break;
    default: r["bearing_ref"] = "true"; break;
  }
  if (variant % 5 == 2) {
    r["angle_unit"] = "mil6000";
    full = 6000;
  }
  if (variant % 7 == 3) r["distance_unit"] = "pace";
  double x = 46.5 + u(rng), y = 39.5 + u(rng);
  if (gk) {
    r["crs"] = "EPSG:28408";
    x = 8630000 + 50000 * u(rng);
    y = 4370000 + 50000 * u(rng);
  }
  auto b = [&](double deg) { return deg * full / 360; };
  r["points"] = json::array(
      {{{"id", "LM"}, {"kind", "landmark"}, {"x", x}, {"y", y}},
       {{"id", "T1"}, {"kind", "turning"}, {"from", "LM"}, {"bearing", b(40)}, {"distance", 50}},
       {{"id", "T2"}, {"kind", "turning"}, {"from", "T1"}, {"bearing", b(130)}, {"distance", 400}},
       {{"id", "T3"}, {"kind", "turning"}, {"from", "T2"}, {"bearing", b(220)}, {"distance", 300}},
       {{"id", "T4"},
        {"kind", "turning"},
        {"from", "T3"},
        {"bearing", b(310)},
        {"distance", 400}}});
  r["perimeter"] = {"T1", "T2", "T3", "T4"};
  r["closure"] = {{"from", "T4"}, {"bearing", b(40)}, {"distance", 300}};
  r["rows"] = json::array();
  for (int i = 0; i < rows; ++i) {
    json row = {{"id", "R" + std::to_string(i)},
                {"start", {{"from", "T1"}, {"bearing", b(220)}, {"distance", 2.0 + 3.0 * i}}},
                {"bearing", b(130)},
                {"spacing", 1.0 + 3.0 * u(rng)},
                {"mines",
                 json::array({{{"category", "AP_MINE"}, {"model", "PMN-2"}, {"count", per_row}}})}};
    if (i % 2) {
      row["pattern"] = "staggered";
      row["stagger"] = 1.0;
    }
    r["rows"].push_back(row);
  }
  return r.dump();
}

struct Corpus {
  std::vector<std::string> texts;
  std::vector<minemap::record::Parsed> parsed;
  long long mines = 0;
};

// 1,000 records x 10 rows x 100 mines = 1,000,000 mines.
const Corpus& corpus() {
  static Corpus c = [] {
    Corpus k;
    for (int i = 0; i < 1000; ++i) {
      k.texts.push_back(make_record(i, 10, 100, i));
      k.parsed.push_back(minemap::record::parse(k.texts.back()));
      k.mines += k.parsed.back().record.mine_count();
    }
    return k;
  }();
  return c;
}

// Parse + digitise every record, as `record digitize` / `record add` do.
void BM_ParseAndDigitize1M(benchmark::State& state) {
  const auto& c = corpus();
  for (auto _ : state) {
    std::size_t n = 0;
    for (const auto& t : c.texts)
      n += minemap::record::digitize(minemap::record::parse(t)).mines.size();
    benchmark::DoNotOptimize(n);
  }
  state.counters["mines_per_s"] = benchmark::Counter(static_cast<double>(c.mines),
                                                     benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ParseAndDigitize1M)->Unit(benchmark::kMillisecond)->MinTime(2);

// Digitise already-parsed records (what `redigitize` repeats per correction).
void BM_Digitize1M(benchmark::State& state) {
  const auto& c = corpus();
  for (auto _ : state) {
    std::size_t n = 0;
    for (const auto& p : c.parsed) n += minemap::record::digitize(p).mines.size();
    benchmark::DoNotOptimize(n);
  }
  state.counters["mines_per_s"] = benchmark::Counter(static_cast<double>(c.mines),
                                                     benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Digitize1M)->Unit(benchmark::kMillisecond)->MinTime(2);

// One record of 1,000,000 mines (100 rows of 10,000): the per-mine cost alone.
void BM_OneRecordOf1MMines(benchmark::State& state) {
  auto p = minemap::record::parse(make_record(7, 100, 10000, 2));
  for (auto _ : state) benchmark::DoNotOptimize(minemap::record::digitize(p).mines.size());
  state.counters["mines_per_s"] =
      benchmark::Counter(1e6, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_OneRecordOf1MMines)->Unit(benchmark::kMillisecond)->MinTime(2);

}  // namespace

BENCHMARK_MAIN();
