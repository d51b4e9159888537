#include "index/packed_tree.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace minemap::index {
namespace {

constexpr double kDeg = 3.14159265358979323846 / 180;

// Position of (x, y) on a Hilbert curve filling a 65536 x 65536 grid (the classic
// rotate-and-flip walk over the bits, most significant first).
std::uint32_t hilbert_key(std::uint32_t x, std::uint32_t y) {
  std::uint32_t d = 0;
  for (std::uint32_t s = 1u << 15; s > 0; s >>= 1) {
    std::uint32_t rx = (x & s) ? 1 : 0;
    std::uint32_t ry = (y & s) ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry == 0) {
      if (rx == 1) {
        x = s - 1 - (x & (s - 1)) + (x & ~(s - 1));
        y = s - 1 - (y & (s - 1)) + (y & ~(s - 1));
        x &= (s << 1) - 1;
        y &= (s << 1) - 1;
      }
      std::swap(x, y);
    }
  }
  return d;
}

struct Interval {
  double lo, hi;
};

// Range of cos (or sin, with shift = 90) over [a, b] degrees, a <= b, b - a < 360.
Interval trig_range(double a, double b, double shift) {
  double ca = std::cos((a - shift) * kDeg);
  double cb = std::cos((b - shift) * kDeg);
  Interval r{std::min(ca, cb), std::max(ca, cb)};
  // Extremes of cos(t - shift) at t - shift = k * 180.
  double first = std::ceil((a - shift) / 180.0);
  for (double k = first; (k * 180.0) + shift <= b; k += 1) {
    double v = (static_cast<long long>(k) % 2 == 0) ? 1.0 : -1.0;
    r.lo = std::min(r.lo, v);
    r.hi = std::max(r.hi, v);
  }
  return r;
}

Interval product(Interval r, Interval c) {  // r.lo >= 0
  return {c.lo >= 0 ? r.lo * c.lo : r.hi * c.lo, c.hi >= 0 ? r.hi * c.hi : r.lo * c.hi};
}

}  // namespace

Box3 ecef_box(const core::Envelope& e) {
  Box3 b;
  if (e.empty()) return b;
  constexpr double kE2 = geo::kWgs84F * (2 - geo::kWgs84F);
  auto radius = [&](double lat) {  // of the parallel: N cos(lat), falling with |lat|
    double s = std::sin(lat * kDeg);
    return geo::kWgs84A * std::cos(lat * kDeg) / std::sqrt(1 - kE2 * s * s);
  };
  auto height = [&](double lat) {  // z: N (1 - e²) sin(lat), rising with lat
    double s = std::sin(lat * kDeg);
    return geo::kWgs84A * (1 - kE2) * s / std::sqrt(1 - kE2 * s * s);
  };
  double lat0 = std::clamp(e.min_y, -90.0, 90.0);
  double lat1 = std::clamp(e.max_y, -90.0, 90.0);
  Interval r{std::min(radius(lat0), radius(lat1)), std::max(radius(lat0), radius(lat1))};
  if (lat0 <= 0 && lat1 >= 0) r.hi = geo::kWgs84A;
  r.lo = std::max(r.lo, 0.0);
  double lon0 = e.min_x;
  double lon1 = e.max_x;
  if (lon1 - lon0 >= 360) {
    lon0 = -180;
    lon1 = 180;
  }
  Interval x = product(r, trig_range(lon0, lon1, 0));
  Interval y = product(r, trig_range(lon0, lon1, 90));
  // A millimetre of slack covers the rounding of the trigonometry (nanometres).
  constexpr double kSlack = 1e-3;
  b.min[0] = x.lo - kSlack;
  b.max[0] = x.hi + kSlack;
  b.min[1] = y.lo - kSlack;
  b.max[1] = y.hi + kSlack;
  b.min[2] = height(lat0) - kSlack;
  b.max[2] = height(lat1) + kSlack;
  return b;
}

namespace {

// Hilbert order of n centres given by centre(i).
template <class Centre>
std::vector<std::uint32_t> hilbert_sort(std::size_t n, Centre&& centre) {
  std::vector<std::uint32_t> order(n);
  if (n == 0) return order;
  core::Envelope all;
  for (std::size_t i = 0; i < n; ++i) all.expand(centre(i));
  double w = all.max_x - all.min_x;
  double h = all.max_y - all.min_y;
  double sx = w > 0 ? 65535.0 / w : 0;
  double sy = h > 0 ? 65535.0 / h : 0;
  std::vector<std::uint64_t> keyed(n), other(n);
  for (std::size_t i = 0; i < n; ++i) {
    core::Coord c = centre(i);
    auto x = static_cast<std::uint32_t>((c.x - all.min_x) * sx);
    auto y = static_cast<std::uint32_t>((c.y - all.min_y) * sy);
    keyed[i] = (static_cast<std::uint64_t>(hilbert_key(x, y)) << 32) | i;
  }
  // By key, ties by position (positions come in order): a stable radix sort on the 32
  // bits of the key, a byte at a time, in four passes over the data rather than the
  // n log n comparisons of a sort.
  for (int shift = 32; shift < 64; shift += 8) {
    std::size_t count[257] = {};
    for (std::uint64_t k : keyed) ++count[((k >> shift) & 0xff) + 1];
    for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
    for (std::uint64_t k : keyed) other[count[(k >> shift) & 0xff]++] = k;
    keyed.swap(other);
  }
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(keyed[i] & 0xffffffffu);
  return order;
}

}  // namespace

std::vector<std::uint32_t> PackedTree::hilbert_order(std::span<const core::Envelope> boxes) {
  return hilbert_sort(boxes.size(), [&](std::size_t i) {
    return core::Coord{(boxes[i].min_x + boxes[i].max_x) / 2,
                       (boxes[i].min_y + boxes[i].max_y) / 2};
  });
}

std::vector<std::uint32_t> PackedTree::hilbert_order(std::span<const core::Coord> points) {
  return hilbert_sort(points.size(), [&](std::size_t i) { return points[i]; });
}

void PackedTree::build_upper_levels() {
  while (m_level.back() - m_level[m_level.size() - 2] > 1) {
    std::size_t below_begin = m_level[m_level.size() - 2];
    std::size_t below_count = m_level.back() - below_begin;
    std::size_t count = (below_count + kNodeSize - 1) / kNodeSize;
    for (std::size_t j = 0; j < count; ++j) {
      core::Envelope e;
      Box3 b3;
      std::size_t hi = std::min(below_count, (j + 1) * kNodeSize);
      for (std::size_t c = j * kNodeSize; c < hi; ++c) {
        e.expand(m_box[below_begin + c]);
        b3.expand(m_box3[below_begin + c]);
      }
      m_box.push_back(e);
      m_box3.push_back(b3);
    }
    m_level.push_back(m_box.size());
  }
  m_box.shrink_to_fit();
  m_box3.shrink_to_fit();
}

}  // namespace minemap::index
