// RFC 4180 CSV records from outside text; see csv.hpp.
#include "io/csv.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace minemap::io {

namespace {

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string(s.substr(first, s.find_last_not_of(" \t") - first + 1));
}

}  // namespace

CsvReader::CsvReader(std::string text, std::string name, CsvOptions options)
    : m_text(std::move(text)), m_name(std::move(name)), m_options(options) {
  if (m_text.starts_with("\xEF\xBB\xBF")) m_pos = 3;
}

bool CsvReader::next(CsvLine& out) {
  while (m_pos < m_text.size()) {
    out.number = m_line;
    if (m_options.comments && m_text[m_pos] == '#') {
      while (m_pos < m_text.size() && m_text[m_pos] != '\n' && m_text[m_pos] != '\r') ++m_pos;
      end_line();
      continue;
    }
    out.cells.clear();
    read_record(out.cells);
    if (std::any_of(out.cells.begin(), out.cells.end(),
                    [](const std::string& c) { return !c.empty(); })) {
      return true;
    }
  }
  return false;
}

void CsvReader::skip_blanks() {
  while (at(' ') || at('\t')) ++m_pos;
}

void CsvReader::end_line() {
  if (at('\r')) ++m_pos;
  if (at('\n')) ++m_pos;
  ++m_line;
}

void CsvReader::fail(std::size_t line, std::size_t cell, const std::string& what) const {
  const std::string column = cell < m_names.size() && !m_names[cell].empty()
                                 ? m_names[cell]
                                 : "column " + std::to_string(cell + 1);
  throw core::InputError(column, what).located(m_name + ":" + std::to_string(line));
}

void CsvReader::read_record(std::vector<std::string>& cells) {
  const std::size_t record_line = m_line;
  const std::size_t max_cell = m_options.max_cell_bytes;
  const auto check_length = [&](const std::string& cell) {
    if (max_cell && cell.size() > max_cell)
      fail(record_line, cells.size(), "a cell longer than " + std::to_string(max_cell) + " bytes");
  };
  for (;;) {
    if (m_options.max_cells && cells.size() >= m_options.max_cells)
      fail(record_line, cells.size(),
           "more than " + std::to_string(m_options.max_cells) + " columns");
    std::string cell;
    if (m_options.trim) skip_blanks();
    if (at('"')) {
      const std::size_t open_line = m_line;
      ++m_pos;
      for (;;) {
        if (m_pos >= m_text.size()) {
          fail(open_line, cells.size(), "the quote opened here is never closed");
        }
        char c = m_text[m_pos++];
        if (c == '"') {
          if (!at('"')) break;
          ++m_pos;
        } else if (c == '\r') {
          if (at('\n')) continue;  // CRLF inside a value becomes LF
          c = '\n';
        }
        if (c == '\n') ++m_line;
        cell += c;
        if (max_cell && cell.size() > max_cell) check_length(cell);
      }
      skip_blanks();
      if (m_pos < m_text.size() && !at(',') && !at('\r') && !at('\n')) {
        fail(m_line, cells.size(),
             "text after the closing quote (a quote inside a quoted value is written \"\")");
      }
    } else {
      const std::size_t start = m_pos;
      while (m_pos < m_text.size() && !at(',') && !at('\r') && !at('\n')) ++m_pos;
      cell.assign(m_text, start, m_pos - start);
      check_length(cell);
    }
    // Everything downstream (JSON, messages) is UTF-8: a spreadsheet saved in another
    // encoding is named here, at its line and column.
    if (!core::valid_utf8(cell))
      fail(m_line, cells.size(), "text that is not UTF-8 (save the file as UTF-8 CSV)");
    cells.push_back(m_options.trim ? trim(cell) : std::move(cell));
    if (!at(',')) break;
    ++m_pos;
  }
  end_line();
}

}  // namespace minemap::io
