// Fuzz target for the CSV template of minefield records (`minemap record from-csv`):
// the CSV layer, then the record parser on whatever converts.
//
// Only minemap::core::Error is an intended rejection.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "io/record_csv.hpp"
#include "record/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minemap;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  nlohmann::json j;
  try {
    j = io::minefield_record_from_csv(in, "fuzz.csv");
  } catch (const core::Error&) {
    return 0;
  }
  // The converter always produces a record object of the format.
  if (!j.is_object() || j.value("format", "") != "minemap-record/1") __builtin_trap();
  try {
    record::parse_json(j);
  } catch (const core::Error&) {
  }
  return 0;
}
