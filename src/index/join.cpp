#include "index/join.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <exception>
#include <mutex>
#include <thread>

namespace minemap::index {

void parallel_chunks(std::size_t n, std::size_t chunk, unsigned threads,
                     const std::function<void(std::size_t, std::size_t, unsigned)>& fn) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::size_t chunks = (n + chunk - 1) / chunk;
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(chunks, 1)));
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&](unsigned t) {
    try {
      for (std::size_t c = next++; c < chunks; c = next++)
        fn(c * chunk, std::min(n, (c + 1) * chunk), t);
    } catch (...) {
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = chunks;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
}

namespace {

unsigned thread_count(const JoinOptions& opt) {
  return opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
}

// Runs fn(begin, end, out) over [0, n) in chunks on the threads, each appending to its own
// vector, and returns all the results sorted by `less`.
template <class T, class Fn, class Less>
std::vector<T> collect(std::size_t n, std::size_t chunk, const JoinOptions& opt, Fn&& fn,
                       Less&& less) {
  unsigned threads = thread_count(opt);
  std::vector<std::vector<T>> parts(threads);
  parallel_chunks(n, chunk, threads,
                  [&](std::size_t lo, std::size_t hi, unsigned t) { fn(lo, hi, parts[t]); });
  std::vector<T> all;
  for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  std::sort(all.begin(), all.end(), less);
  return all;
}

}  // namespace

std::vector<KeyPair> points_in_polygons(const PointIndex& points, const ShapeIndex& polygons,
                                        const JoinOptions& opt) {
  // Polygon by polygon: each polygon's vertices stay in cache while its points are tested.
  return collect<KeyPair>(
      polygons.size(), 256, opt,
      [&](std::size_t lo, std::size_t hi, std::vector<KeyPair>& out) {
        for (std::size_t s = lo; s < hi; ++s) {
          if (!polygons.polygonal(s)) continue;
          const core::Envelope& env = polygons.envelope(s);
          points.tree().search_box(env, [&](std::size_t a, std::size_t b) {
            for (std::size_t i = a; i < b; ++i) {
              core::Coord c = points.coord(i);
              if (env.contains(c) && polygons.covers(s, c))
                out.push_back({points.key(i), polygons.key(s)});
            }
          });
        }
      },
      std::less<KeyPair>());
}

std::size_t count_covered(std::span<const core::Coord> points, const ShapeIndex& polygons,
                          const JoinOptions& opt) {
  const std::size_t n = points.size();
  std::vector<core::Coord> sorted(n);
  {
    std::vector<std::uint32_t> order = PackedTree::hilbert_order(points);
    for (std::size_t i = 0; i < n; ++i) sorted[i] = points[order[i]];
  }
  const PackedTree tree(n, [&](std::size_t i, core::Envelope& e, Box3&) { e.expand(sorted[i]); });
  // Polygon by polygon, as points_in_polygons; each thread marks the points it finds.
  unsigned threads = thread_count(opt);
  std::vector<std::vector<std::uint64_t>> found(threads);
  parallel_chunks(polygons.size(), 256, threads, [&](std::size_t lo, std::size_t hi, unsigned t) {
    auto& bits = found[t];
    if (bits.empty()) bits.resize(n / 64 + 1);
    for (std::size_t s = lo; s < hi; ++s) {
      if (!polygons.polygonal(s)) continue;
      const core::Envelope& env = polygons.envelope(s);
      tree.search_box(env, [&](std::size_t a, std::size_t b) {
        for (std::size_t i = a; i < b; ++i) {
          std::uint64_t bit = std::uint64_t{1} << (i % 64);
          if (bits[i / 64] & bit) continue;
          core::Coord c = sorted[i];
          if (env.contains(c) && polygons.covers(s, c)) bits[i / 64] |= bit;
        }
      });
    }
  });
  std::size_t total = 0;
  for (std::size_t w = 0; w < n / 64 + 1; ++w) {
    std::uint64_t any = 0;
    for (const auto& bits : found)
      if (!bits.empty()) any |= bits[w];
    total += static_cast<std::size_t>(std::popcount(any));
  }
  return total;
}

std::vector<PairHit> points_within(const PointIndex& a, const PointIndex& b, double metres,
                                   const JoinOptions& opt) {
  return collect<PairHit>(
      a.size(), 1024, opt,
      [&](std::size_t lo, std::size_t hi, std::vector<PairHit>& out) {
        for (std::size_t i = lo; i < hi; ++i)
          b.for_each_within(a.coord(i), a.ecef(i), metres, true, [&](std::size_t j, double d) {
            out.push_back({a.key(i), b.key(j), d});
          });
      },
      [](const PairHit& x, const PairHit& y) {
        return x.first != y.first ? x.first < y.first : x.second < y.second;
      });
}

}  // namespace minemap::index
