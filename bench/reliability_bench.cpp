// Reliability throughput: a source of 1,000 simulated records (about 200,000
// recorded mines and 100,000 finds) judged on every core, as `minemap reliability
// --all` does. Prints the totals, the wall time and records per second.
//
//   build/release/bench/minemap-bench-reliability [RECORDS]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "analysis/reliability.hpp"
#include "analysis/simulate.hpp"

int main(int argc, char** argv) {
  using namespace minemap;
  int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  std::vector<analysis::ReliabilityInput> inputs;
  long long recorded = 0, finds = 0;
  for (int i = 1; i <= n; ++i) {
    auto in = analysis::simulate_input(analysis::simulate_scenario(42, i));
    recorded += static_cast<long long>(in.recorded.size());
    finds += static_cast<long long>(in.finds.size());
    inputs.push_back(std::move(in));
  }
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  auto t0 = std::chrono::steady_clock::now();
  std::vector<char> grades(inputs.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next++) < inputs.size();)
        grades[i] = analysis::assess(inputs[i]).grade;
    });
  for (auto& th : pool) th.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "%d records, %lld recorded mines, %lld finds, %u threads: %.2f s (%.1f records/s, %.0f "
      "recorded mines/s)\n",
      n, recorded, finds, threads, s, n / s, static_cast<double>(recorded) / s);
  return 0;
}
