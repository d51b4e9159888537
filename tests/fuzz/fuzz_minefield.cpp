// Fuzz target for the minefield record parser (minemap-record/1) and the
// digitisation of whatever it accepts.
//
// Only minemap::core::Error is an intended rejection. Anything else (a library
// exception escaping, a crash, a sanitizer report, a broken invariant) fails.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/errors.hpp"
#include "record/digitize.hpp"
#include "record/record.hpp"

namespace {

using namespace minemap;

[[noreturn]] void invariant_failed() {
  __builtin_trap();
}

bool on_earth(core::Coord c) {
  return std::abs(c.x) <= 180 && std::abs(c.y) <= 90;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  record::Parsed parsed;
  try {
    parsed = record::parse(text);
  } catch (const core::Error&) {
    return 0;
  }
  const record::Record& r = parsed.record;
  // What the parser promises: points in order, each `from` defined before, a
  // perimeter of known points, the first point with coordinates.
  if (r.points.empty() || !r.points.front().xy) invariant_failed();
  for (std::size_t i = 0; i < r.points.size(); ++i) {
    const auto& p = r.points[i];
    if (p.xy.has_value() == p.leg.has_value()) invariant_failed();
    if (p.leg) {
      bool earlier = false;
      for (std::size_t k = 0; k < i; ++k) earlier |= r.points[k].id == p.leg->from;
      if (!earlier) invariant_failed();
      if (p.leg->step.distance < 0) invariant_failed();
    }
  }
  if (r.perimeter.size() < 3) invariant_failed();
  for (const auto& id : r.perimeter)
    if (!r.point(id)) invariant_failed();
  // Digitising huge records is slow, not wrong: keep the fuzzer fast.
  if (r.mine_count() > 20000) return 0;
  record::Digitized d;
  try {
    d = record::digitize(parsed);
  } catch (const core::Error&) {
    return 0;
  }
  if (d.points.size() != r.points.size()) invariant_failed();
  if (d.mines.size() != static_cast<std::size_t>(r.mine_count())) invariant_failed();
  if (d.perimeter.size() != r.perimeter.size() + 1) invariant_failed();
  for (const auto& p : d.points)
    if (!on_earth(p.at)) invariant_failed();
  for (const auto& m : d.mines)
    if (!on_earth(m.at)) invariant_failed();
  if (d.misclosure_m && !(*d.misclosure_m >= 0)) invariant_failed();
  auto gj = record::to_geojson(r, d);
  if (gj["features"].size() != 1 + d.rows.size() + d.points.size() + d.mines.size())
    invariant_failed();
  return 0;
}
