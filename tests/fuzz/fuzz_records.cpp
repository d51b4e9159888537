// Fuzz target for the records parser (`add` / `update` input): JSON objects,
// arrays, GeoJSON Features and FeatureCollections, then every entity's
// validation and the write-time geometry checks on whatever parses.
//
// Only minemap::core::Error is an intended rejection. Anything else (a library
// exception escaping, a crash, a sanitizer report, a broken invariant) fails.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/errors.hpp"
#include "core/schema.hpp"
#include "core/validate.hpp"
#include "geo/geocheck.hpp"
#include "io/records_input.hpp"

namespace {

using namespace minemap;

// Fixed "today" so that a reproducer replays the same on any day.
const core::Date kToday{2026, 1, 1};

// A broken invariant: abort so that libFuzzer (or the corpus driver) reports it.
[[noreturn]] void invariant_failed() {
  __builtin_trap();
}

void check(const core::Geometry& g) {
  try {
    geo::CheckedGeometry c = geo::check_geometry(g, "geometry");
    (void)c;
  } catch (const core::Error&) {
  }
  // The gazetteer variant (no limit on the jump between vertices).
  try {
    geo::CheckedGeometry c =
        geo::check_geometry(g, "geometry", std::numeric_limits<double>::infinity());
    (void)c;
  } catch (const core::Error&) {
  }
}

// GEOS work is the slow part: check each distinct geometry once per input.
void check_once(const core::Geometry& g, std::vector<core::Geometry>& seen) {
  if (g.type == core::GeomType::None) return;
  for (const auto& s : seen)
    if (s == g) return;
  seen.push_back(g);
  check(g);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<io::LocatedRecord> records;
  try {
    records = io::parse_records(text, "fuzz");
  } catch (const core::Error&) {
    return 0;
  }
  if (records.empty()) invariant_failed();  // documented: "no records" is an InputError

  std::vector<core::Geometry> seen;
  for (const auto& located : records) {
    const core::Record& record = located.record;
    check_once(record.geometry, seen);
    for (const core::EntitySpec& spec : core::entities()) {
      core::Record valid;
      try {
        valid = core::validate(spec, record, kToday);
      } catch (const core::Error&) {
        continue;
      }
      // Validation normalises: a normalised record validates to itself.
      core::Record again;
      try {
        again = core::validate(spec, valid, kToday);
      } catch (const core::Error&) {
        invariant_failed();
      }
      if (!(again == valid)) invariant_failed();
      check_once(valid.geometry, seen);
    }
  }
  return 0;
}
