// Fuzz target for the feature tables of `minemap risk` (io/table_csv, docs/risk.md): any
// bytes as a CSV table with small limits. Every row that comes back has as many cells as
// the header, and a line number.
//
// Only minemap::core::Error is an intended rejection.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/errors.hpp"
#include "io/table_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minemap;
  io::TableLimits limits;
  limits.max_bytes = 1 << 16;
  limits.max_columns = 64;
  limits.max_rows = 1000;
  limits.max_cell_bytes = 256;
  io::Table t;
  try {
    t = io::parse_table_csv(std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv",
                            limits);
  } catch (const core::Error&) {
    return 0;
  }
  if (t.columns.empty() || t.columns.size() > limits.max_columns) __builtin_trap();
  if (t.rows.size() != t.line.size() || t.rows.size() > limits.max_rows) __builtin_trap();
  for (const auto& row : t.rows) {
    if (row.size() != t.columns.size()) __builtin_trap();
    for (const auto& cell : row)
      if (cell.size() > limits.max_cell_bytes) __builtin_trap();
  }
  return 0;
}
