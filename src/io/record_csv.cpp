// CSV template -> minemap-record/1 JSON; see record_csv.hpp and
// docs/minefield-record-csv.md for the columns and line kinds.
#include "io/record_csv.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <istream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "io/csv.hpp"

namespace minemap::io {

namespace {

using Json = nlohmann::ordered_json;

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// The template's columns, in the template's order.
enum Col : unsigned {
  kLine,
  kId,
  kKind,
  kFrom,
  kBearing,
  kDistance,
  kX,
  kY,
  kRowBearing,
  kSpacing,
  kPattern,
  kStagger,
  kLength,
  kCategory,
  kModel,
  kCount,
  kKey,
  kValue,
  kDescription,
  kNumCols
};

constexpr std::array<std::string_view, kNumCols> kColumnNames = {
    "line",  "id",          "kind",    "from",    "bearing",    "distance", "x",
    "y",     "row_bearing", "spacing", "pattern", "stagger",    "length",   "category",
    "model", "count",       "key",     "value",   "description"};

constexpr std::uint32_t bit(Col c) {
  return std::uint32_t{1} << c;
}

enum class Kind { Record, Point, Perimeter, Closure, Row, Mines, Then, Declared };

struct KindSpec {
  std::string_view name;
  Kind kind;
  std::uint32_t columns;  // the cells a line of this kind may fill; others must stay empty
};

constexpr std::uint32_t kLegCols = bit(kFrom) | bit(kBearing) | bit(kDistance);
constexpr std::uint32_t kMineCols = bit(kCategory) | bit(kModel) | bit(kCount);

constexpr std::array<KindSpec, 8> kKinds = {{
    {"record", Kind::Record, bit(kKey) | bit(kValue)},
    {"point", Kind::Point,
     bit(kId) | bit(kKind) | bit(kX) | bit(kY) | kLegCols | bit(kDescription)},
    {"perimeter", Kind::Perimeter, bit(kId)},
    {"closure", Kind::Closure, kLegCols | bit(kDescription)},
    {"row", Kind::Row,
     bit(kId) | kLegCols | bit(kRowBearing) | bit(kSpacing) | bit(kPattern) | bit(kStagger) |
         bit(kLength) | kMineCols | bit(kDescription)},
    {"mines", Kind::Mines, kMineCols | bit(kDescription)},
    {"then", Kind::Then, bit(kBearing) | bit(kDistance) | bit(kDescription)},
    {"declared", Kind::Declared, bit(kCategory) | bit(kCount)},
}};

std::string kind_list() {
  std::string s;
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    s += i == 0 ? "" : i + 1 == kKinds.size() ? " or " : ", ";
    s += kKinds[i].name;
  }
  return s;
}

// The header keys a `record` line may set, in the order they are written out. The
// source_* keys and `received` gather into the `source` object.
struct HeaderKey {
  std::string_view key;
  bool number;
};
constexpr std::array<HeaderKey, 11> kHeaderKeys = {{{"id", false},
                                                    {"source_name", false},
                                                    {"received", false},
                                                    {"source_reference", false},
                                                    {"laid", false},
                                                    {"crs", false},
                                                    {"angle_unit", false},
                                                    {"distance_unit", false},
                                                    {"pace_m", true},
                                                    {"bearing_ref", false},
                                                    {"declination_deg", true}}};

// Keys the other line kinds fill: a record line setting one would be overwritten.
constexpr std::array<std::string_view, 7> kReservedKeys = {
    "format", "source", "points", "perimeter", "closure", "rows", "declared"};

bool is_integer_text(std::string_view s) {
  if (s.starts_with('-')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A JSON integer when written as one, so that "85" stays 85 and "112.0" stays 112.0.
std::optional<Json> parse_number(std::string_view s) {
  if (s.starts_with('+')) s.remove_prefix(1);
  const char* end = s.data() + s.size();
  if (is_integer_text(s)) {
    std::int64_t i = 0;
    const auto [p, ec] = std::from_chars(s.data(), end, i);
    if (ec == std::errc() && p == end) return Json(i);
  }
  double d = 0;
  const auto [p, ec] = std::from_chars(s.data(), end, d, std::chars_format::general);
  if (ec != std::errc() || p != end || !std::isfinite(d)) return std::nullopt;
  return Json(d);
}

// One data line, its cells placed by column.
struct Line {
  std::size_t number = 0;
  std::array<std::string, kNumCols> cell;
  const KindSpec* spec = nullptr;

  bool has(Col c) const { return !cell[c].empty(); }
};

class RecordBuilder {
 public:
  explicit RecordBuilder(const std::string& name) : m_name(name) {}

  void header(const CsvLine& csv, CsvReader& reader) {
    // Spreadsheets in locales with a decimal comma save "CSV" separated by semicolons;
    // say so rather than report one long unknown column.
    if (csv.cells.size() == 1 && csv.cells[0].find_first_of(";\t") != std::string::npos) {
      throw core::InputError(m_name + ":" + std::to_string(csv.number) +
                             ": the header is not separated by commas; save the file as CSV "
                             "with , as the field separator and . as the decimal mark");
    }
    std::vector<std::string> names;
    std::vector<std::string> unknown;
    for (std::size_t i = 0; i < csv.cells.size(); ++i) {
      const std::string name = lower(csv.cells[i]);
      names.push_back(name);
      if (name.empty()) continue;  // a spreadsheet's trailing empty column
      const auto it = std::find(kColumnNames.begin(), kColumnNames.end(), name);
      if (it == kColumnNames.end()) {
        unknown.push_back(in_quotes(csv.cells[i]));
        continue;
      }
      const auto col = static_cast<Col>(it - kColumnNames.begin());
      if (std::any_of(m_column_of.begin(), m_column_of.end(),
                      [&](const auto& kv) { return kv.second == col; })) {
        fail_at(csv.number, name, "this column is in the header twice");
      }
      m_column_of[i] = col;
    }
    if (!unknown.empty()) {
      std::string list;
      for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
      std::string expected;
      for (const auto& n : kColumnNames)
        expected += (expected.empty() ? "" : ", ") + std::string(n);
      throw core::InputError(m_name + ":" + std::to_string(csv.number) + ": unknown column" +
                             (unknown.size() > 1 ? "s " : " ") + list +
                             " in the header (the columns are " + expected + ")");
    }
    if (std::none_of(m_column_of.begin(), m_column_of.end(),
                     [](const auto& kv) { return kv.second == kLine; })) {
      fail_at(csv.number, "line",
              "no such column in the header (the header row must come before the first line)");
    }
    reader.set_column_names(std::move(names));
  }

  void add(const CsvLine& csv) {
    Line l;
    l.number = csv.number;
    for (std::size_t i = 0; i < csv.cells.size(); ++i) {
      if (const auto it = m_column_of.find(i); it != m_column_of.end()) {
        l.cell[it->second] = csv.cells[i];
      } else if (!csv.cells[i].empty()) {
        fail_at(l.number, "column " + std::to_string(i + 1),
                in_quotes(csv.cells[i]) + " is in a column that has no name in the header");
      }
    }
    const std::string kind = lower(l.cell[kLine]);
    for (const auto& spec : kKinds) {
      if (spec.name == kind) l.spec = &spec;
    }
    if (kind.empty()) fail(l, kLine, "empty; say what the line is: " + kind_list());
    if (l.spec == nullptr) {
      fail(l, kLine,
           "unknown kind " + in_quotes(l.cell[kLine]) + " (expected " + kind_list() + ")");
    }
    for (unsigned c = kLine + 1; c < kNumCols; ++c) {
      const auto col = static_cast<Col>(c);
      if (l.has(col) && (l.spec->columns & bit(col)) == 0) {
        fail(l, col, "not used on a " + in_quotes(l.spec->name) + " line; leave it empty");
      }
    }
    switch (l.spec->kind) {
      case Kind::Record: record(l); break;
      case Kind::Point: point(l); break;
      case Kind::Perimeter: m_perimeter.push_back(need(l, kId)); break;
      case Kind::Closure: closure(l); break;
      case Kind::Row: row(l); break;
      case Kind::Mines: last_row(l)["mines"].push_back(mines(l, true)); break;
      case Kind::Then: then(l); break;
      case Kind::Declared: declared(l); break;
    }
  }

  Json result() const {
    Json j;
    j["format"] = "minemap-record/1";
    copy_header(j, "id", "id");
    Json source = Json::object();
    copy_header(source, "source_name", "name");
    copy_header(source, "received", "received");
    copy_header(source, "source_reference", "reference");
    if (!source.empty()) j["source"] = std::move(source);
    for (const auto& hk : kHeaderKeys) {
      if (hk.key == "id" || hk.key.starts_with("source_") || hk.key == "received") continue;
      copy_header(j, std::string(hk.key), std::string(hk.key));
    }
    for (const auto& [key, value] : m_extra) j[key] = value;
    j["points"] = m_points;
    j["perimeter"] = m_perimeter;
    if (m_closure) j["closure"] = *m_closure;
    j["rows"] = m_rows;
    if (!m_declared.empty()) j["declared"] = m_declared;
    return j;
  }

 private:
  [[noreturn]] void fail_at(std::size_t line, const std::string& column,
                            const std::string& what) const {
    throw core::InputError(column, what).located(m_name + ":" + std::to_string(line));
  }
  [[noreturn]] void fail(const Line& l, Col c, const std::string& what) const {
    fail_at(l.number, std::string(kColumnNames[c]), what);
  }

  const std::string& need(const Line& l, Col c) const {
    if (!l.has(c)) fail(l, c, "empty, but a " + in_quotes(l.spec->name) + " line needs it");
    return l.cell[c];
  }

  Json number(const Line& l, Col c) const {
    if (auto n = parse_number(l.cell[c])) return *n;
    const bool comma = l.cell[c].find(',') != std::string::npos;
    fail(l, c,
         in_quotes(l.cell[c]) + " is not a number" + (comma ? " (use . as the decimal mark)" : ""));
  }

  Json needed_number(const Line& l, Col c) const {
    need(l, c);
    return number(l, c);
  }

  Json count(const Line& l, Col c) const {
    const Json n = needed_number(l, c);
    if (!n.is_number_integer()) fail(l, c, in_quotes(l.cell[c]) + " is not a whole number");
    return n;
  }

  void put_text(Json& j, const char* key, const Line& l, Col c) const {
    if (l.has(c)) j[key] = l.cell[c];
  }
  void put_number(Json& j, const char* key, const Line& l, Col c) const {
    if (l.has(c)) j[key] = number(l, c);
  }

  Json leg(const Line& l) const {
    Json j;
    j["from"] = need(l, kFrom);
    j["bearing"] = needed_number(l, kBearing);
    j["distance"] = needed_number(l, kDistance);
    return j;
  }

  void record(const Line& l) {
    const std::string& typed = need(l, kKey);
    const std::string& value = need(l, kValue);
    const std::string key = lower(typed);
    if (std::find(kReservedKeys.begin(), kReservedKeys.end(), key) != kReservedKeys.end()) {
      fail(l, kKey,
           in_quotes(typed) + " cannot be set on a record line: it comes from the other lines");
    }
    if (const auto seen = m_key_line.find(key); seen != m_key_line.end()) {
      fail(l, kKey,
           in_quotes(typed) + " is given twice (first on line " + std::to_string(seen->second) +
               ")");
    }
    m_key_line[key] = l.number;
    const auto known = std::find_if(kHeaderKeys.begin(), kHeaderKeys.end(),
                                    [&](const HeaderKey& hk) { return hk.key == key; });
    if (known == kHeaderKeys.end()) {
      // Extra keys are kept, as in the JSON format; written as typed.
      m_extra.emplace_back(typed, value);
    } else if (known->number) {
      const auto n = parse_number(value);
      if (!n) fail(l, kValue, key + ": " + in_quotes(value) + " is not a number");
      m_header[key] = *n;
    } else {
      m_header[key] = value;
    }
  }

  void copy_header(Json& j, const std::string& from, const std::string& to) const {
    if (const auto it = m_header.find(from); it != m_header.end()) j[to] = it->second;
  }

  void point(const Line& l) {
    Json p;
    p["id"] = need(l, kId);
    put_text(p, "kind", l, kKind);
    put_number(p, "x", l, kX);
    put_number(p, "y", l, kY);
    put_text(p, "from", l, kFrom);
    put_number(p, "bearing", l, kBearing);
    put_number(p, "distance", l, kDistance);
    put_text(p, "description", l, kDescription);
    m_points.push_back(std::move(p));
  }

  void closure(const Line& l) {
    if (m_closure_line != 0) {
      fail(l, kLine,
           "a second \"closure\" line (the first is on line " + std::to_string(m_closure_line) +
               ")");
    }
    m_closure_line = l.number;
    Json c = leg(l);
    put_text(c, "description", l, kDescription);
    m_closure = std::move(c);
  }

  Json mines(const Line& l, bool with_description) const {
    Json m;
    m["category"] = need(l, kCategory);
    put_text(m, "model", l, kModel);
    m["count"] = count(l, kCount);
    if (with_description) put_text(m, "description", l, kDescription);
    return m;
  }

  void row(const Line& l) {
    Json r;
    r["id"] = need(l, kId);
    const std::string& from = need(l, kFrom);
    if (l.has(kBearing) != l.has(kDistance)) {
      fail(l, l.has(kBearing) ? kDistance : kBearing,
           "empty, but the row's start leg needs both bearing and distance (leave both empty "
           "when the row starts at the point itself)");
    }
    // A row starting at a named point is the point's id; otherwise a leg from it.
    r["start"] = l.has(kBearing) ? leg(l) : Json(from);
    put_number(r, "bearing", l, kRowBearing);
    put_number(r, "spacing", l, kSpacing);
    put_text(r, "pattern", l, kPattern);
    put_number(r, "stagger", l, kStagger);
    put_number(r, "length", l, kLength);
    r["mines"] = Json::array();
    if (l.has(kCategory) || l.has(kModel) || l.has(kCount)) r["mines"].push_back(mines(l, false));
    put_text(r, "description", l, kDescription);
    m_rows.push_back(std::move(r));
    m_row_lines.push_back(l.number);
  }

  Json& last_row(const Line& l) {
    if (m_rows.empty()) {
      fail(l, kLine,
           "a " + in_quotes(l.spec->name) +
               " line belongs to the row above it, but no \"row\" line "
               "comes before it");
    }
    return m_rows.back();
  }

  void then(const Line& l) {
    Json& r = last_row(l);
    Json& start = r["start"];
    if (start.is_string()) {
      fail(l, kLine,
           "a \"then\" line continues the start leg of row " +
               in_quotes(r["id"].get<std::string>()) + " (line " +
               std::to_string(m_row_lines.back()) +
               "), but that row starts at the point itself; give its first leg in the row "
               "line's bearing and distance");
    }
    Json t;
    t["bearing"] = needed_number(l, kBearing);
    t["distance"] = needed_number(l, kDistance);
    put_text(t, "description", l, kDescription);
    if (!start.contains("then")) start["then"] = Json::array();
    start["then"].push_back(std::move(t));
  }

  void declared(const Line& l) {
    const std::string& category = need(l, kCategory);
    if (const auto seen = m_declared_line.find(category); seen != m_declared_line.end()) {
      fail(l, kCategory,
           in_quotes(category) + " is declared twice (first on line " +
               std::to_string(seen->second) + ")");
    }
    m_declared_line[category] = l.number;
    m_declared[category] = count(l, kCount);
  }

  const std::string& m_name;
  std::map<std::size_t, Col> m_column_of;  // CSV cell position -> column
  std::map<std::string, Json> m_header;
  std::map<std::string, std::size_t> m_key_line;
  std::vector<std::pair<std::string, std::string>> m_extra;
  Json m_points = Json::array();
  Json m_perimeter = Json::array();
  std::optional<Json> m_closure;
  std::size_t m_closure_line = 0;
  Json m_rows = Json::array();
  std::vector<std::size_t> m_row_lines;
  Json m_declared = Json::object();
  std::map<std::string, std::size_t> m_declared_line;
};

}  // namespace

nlohmann::ordered_json minefield_record_from_csv_ordered(std::istream& in,
                                                         const std::string& name) {
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw core::Error(name + ": cannot be read");
  CsvReader reader(std::move(text), name);
  RecordBuilder builder(name);
  CsvLine csv;
  if (!reader.next(csv)) {
    throw core::InputError(name + ":1: no header row (the file has no lines but comments)");
  }
  builder.header(csv, reader);
  while (reader.next(csv)) builder.add(csv);
  return builder.result();
}

nlohmann::json minefield_record_from_csv(std::istream& in, const std::string& name) {
  return nlohmann::json(minefield_record_from_csv_ordered(in, name));
}

}  // namespace minemap::io
