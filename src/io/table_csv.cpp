// A CSV table from outside; see table_csv.hpp.
#include "io/table_csv.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "core/errors.hpp"
#include "io/csv.hpp"
#include "io/read_input.hpp"

namespace minemap::io {

std::optional<std::size_t> Table::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  return std::nullopt;
}

Table parse_table_csv(std::string text, const std::string& name, const TableLimits& limits) {
  if (text.size() > limits.max_bytes)
    throw core::InputError(name, "larger than " + std::to_string(limits.max_bytes) + " bytes");
  CsvOptions options;
  options.comments = false;
  options.trim = false;
  options.max_cell_bytes = limits.max_cell_bytes;
  options.max_cells = limits.max_columns;
  CsvReader reader(std::move(text), name, options);
  Table t;
  CsvLine line;
  if (!reader.next(line)) throw core::InputError(name, "no header row (the file is empty)");
  t.columns = std::move(line.cells);
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].empty()) continue;
    for (std::size_t j = 0; j < i; ++j)
      if (t.columns[j] == t.columns[i])
        reader.fail(line.number, i, "this column is in the header twice");
  }
  reader.set_column_names(t.columns);
  while (reader.next(line)) {
    if (line.cells.size() != t.columns.size()) {
      const std::size_t at = std::min(line.cells.size(), t.columns.size());
      reader.fail(line.number, at,
                  "the row has " + std::to_string(line.cells.size()) + " cells, the header " +
                      std::to_string(t.columns.size()));
    }
    if (t.rows.size() >= limits.max_rows)
      throw core::InputError(name, "more than " + std::to_string(limits.max_rows) + " rows");
    t.rows.push_back(std::move(line.cells));
    t.line.push_back(line.number);
  }
  return t;
}

Table read_table_csv(const std::string& path, const TableLimits& limits) {
  if (path != "-") {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > limits.max_bytes)
      throw core::InputError(path, "larger than " + std::to_string(limits.max_bytes) + " bytes");
    if (std::filesystem::is_directory(path, ec))
      throw core::InputError(path, "a directory, not a CSV file");
  }
  return parse_table_csv(read_input(path), path, limits);
}

}  // namespace minemap::io
