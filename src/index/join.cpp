#include "index/join.hpp"

#include <algorithm>
#include <atomic>
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

std::vector<KeyPair> points_in_polygons(const PointIndex& points, const ShapeIndex& polygons,
                                        const JoinOptions& opt) {
  unsigned threads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::vector<KeyPair>> parts(threads);
  // Polygon by polygon: each polygon's vertices stay in cache while its points are tested.
  parallel_chunks(polygons.size(), 256, threads, [&](std::size_t lo, std::size_t hi, unsigned t) {
    auto& out = parts[t];
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
  });
  std::vector<KeyPair> all;
  for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  std::sort(all.begin(), all.end());
  return all;
}

std::vector<PairHit> points_within(const PointIndex& a, const PointIndex& b, double metres,
                                   const JoinOptions& opt) {
  unsigned threads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::vector<PairHit>> parts(threads);
  parallel_chunks(a.size(), 1024, threads, [&](std::size_t lo, std::size_t hi, unsigned t) {
    auto& out = parts[t];
    for (std::size_t i = lo; i < hi; ++i) {
      core::Coord p = a.coord(i);
      b.for_each_within(p, a.ecef(i), metres, true, [&](std::size_t j, double d) {
        out.push_back({a.key(i), b.key(j), d});
      });
    }
  });
  std::vector<PairHit> all;
  for (auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  std::sort(all.begin(), all.end(), [](const PairHit& x, const PairHit& y) {
    return x.first != y.first ? x.first < y.first : x.second < y.second;
  });
  return all;
}

}  // namespace minemap::index
