// Reading CSV text from outside (RFC 4180), one record at a time: the reader the CSV of
// paper minefield records (io/record_csv) and the feature tables of `minemap risk`
// (io/table_csv) share. Quoted cells may hold commas, doubled quotes and line breaks.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace minemap::io {

// One record of the CSV and the physical line it starts on (a quoted value may span
// lines, and a reader of the message looks for its start).
struct CsvLine {
  std::size_t number = 0;
  std::vector<std::string> cells;
};

struct CsvOptions {
  // Lines starting with `#` are comments, skipped (the record template's notes).
  bool comments = true;
  // Blanks (spaces, tabs) around a cell are trimmed.
  bool trim = true;
  // Limits for hostile input; 0: none. A cell longer, or a record with more cells,
  // is refused with an error that names the line and the column.
  std::size_t max_cell_bytes = 0;
  std::size_t max_cells = 0;
};

// CRLF, LF or CR line ends, a UTF-8 BOM, blank and all-empty lines (a spreadsheet's
// empty row) skipped; every cell must be UTF-8. Errors are core::InputError located as
// `name:line` and naming the column (by its header name once set_column_names is given).
class CsvReader {
 public:
  CsvReader(std::string text, std::string name, CsvOptions options = {});

  // Once the header is read, errors name the column rather than its position.
  void set_column_names(std::vector<std::string> names) { m_names = std::move(names); }

  // The next record with at least one non-empty cell; false at the end.
  bool next(CsvLine& out);

  // Throws the reader's error for `cell` (0-based) of a record starting at `line`.
  [[noreturn]] void fail(std::size_t line, std::size_t cell, const std::string& what) const;

 private:
  bool at(char c) const { return m_pos < m_text.size() && m_text[m_pos] == c; }
  void skip_blanks();
  void end_line();
  void read_record(std::vector<std::string>& cells);

  std::string m_text;
  std::string m_name;
  CsvOptions m_options;
  std::size_t m_pos = 0;
  std::size_t m_line = 1;
  std::vector<std::string> m_names;
};

}  // namespace minemap::io
