// A table of values from outside in CSV (RFC 4180): a header of column names, then rows
// of as many cells. The feature tables of `minemap risk` (docs/risk.md) come this way,
// such as RELand's, whose header has quoted names holding commas. Hostile input is
// bounded: the file's size, the number of columns and rows, the length of a cell.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace minemap::io {

struct TableLimits {
  std::size_t max_bytes = std::size_t{1} << 30;  // 1 GiB
  std::size_t max_columns = 10000;
  std::size_t max_rows = 50'000'000;
  std::size_t max_cell_bytes = 1 << 16;  // 64 KiB (a WKT point, a name, a number)
};

struct Table {
  std::vector<std::string> columns;            // the header, as written (may be "")
  std::vector<std::vector<std::string>> rows;  // each as many cells as columns
  std::vector<std::size_t> line;               // the line each row starts on

  // The index of the column named exactly `name`, if any.
  std::optional<std::size_t> column(const std::string& name) const;
};

// Cells are kept as written (no trimming); blank lines are skipped, `#` is data. Throws
// core::InputError located as `name:line` naming the column: a row with more or fewer
// cells than the header, a column named twice, an unclosed quote, text that is not
// UTF-8, anything past the limits; and for a file without a header row.
Table parse_table_csv(std::string text, const std::string& name, const TableLimits& limits = {});

// The file at `path` (too large: refused before it is read).
Table read_table_csv(const std::string& path, const TableLimits& limits = {});

}  // namespace minemap::io
