// The minefield record CSV template -> minemap-record/1 JSON: the shipped template is
// the MR-0042 example, real CSV (quotes, CRLF, BOM, comments) reads as a spreadsheet
// writes it, and every error names the file, the line a clerk must look at and the
// column.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "io/record_csv.hpp"

namespace minemap::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in) << p;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path source_dir() {
  const char* s = std::getenv("MINEMAP_SOURCE_DIR");
  EXPECT_NE(s, nullptr) << "MINEMAP_SOURCE_DIR is not set (run through ctest)";
  return s ? fs::path(s) : fs::path(".");
}

std::string template_csv() {
  return slurp(source_dir() / "docs" / "minefield-record-template.csv");
}

json mr0042() {
  return json::parse(slurp(source_dir() / "tests" / "data" / "records" / "mr-0042.json"));
}

json convert(const std::string& csv, const std::string& name = "r.csv") {
  std::istringstream in(csv);
  return minefield_record_from_csv(in, name);
}

// The message of the InputError the CSV raises, or a note that there was none.
std::string error_of(const std::string& csv) {
  try {
    convert(csv);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

const std::string kHead = "line,id,kind,from,bearing,distance,x,y,description\n";

TEST(RecordCsv, TemplateIsTheMr0042Example) {
  EXPECT_EQ(convert(template_csv()), mr0042());
}

TEST(RecordCsv, KeysComeInTheExampleOrderWithNumbersAsTyped) {
  // Same key order and the same integer / decimal numbers: the JSON written out reads
  // like the format's example, and "85" does not become 85.0.
  std::istringstream in(template_csv());
  const auto ordered = minefield_record_from_csv_ordered(in, "t.csv");
  const auto expected =
      nlohmann::ordered_json::parse(slurp(source_dir() / "tests/data/records/mr-0042.json"));
  EXPECT_EQ(ordered.dump(2), expected.dump(2));
}

TEST(RecordCsv, CrlfBomAndSpreadsheetNoise) {
  std::string csv = "\xEF\xBB\xBF" + replace_all(template_csv(), "\n", "\r\n");
  // An empty spreadsheet row, a blank line and a note in the middle change nothing.
  csv = replace_all(csv, "perimeter,T1,", ",,,,,\r\n\r\n# walked by the team\r\nperimeter,T1,");
  EXPECT_EQ(convert(csv), mr0042());
}

TEST(RecordCsv, HeaderAnyCaseAnyOrderAnySubset) {
  const json j = convert(
      "Kind,LINE,Id,X,y\n"
      "landmark,point,LM,47,39\n"
      "turning,Point,T1\n");
  EXPECT_EQ(j["points"], json::parse(R"([{"id":"LM","kind":"landmark","x":47,"y":39},
                                          {"id":"T1","kind":"turning"}])"));
}

TEST(RecordCsv, QuotedValuesKeepCommasQuotesAndNewlines) {
  const json j = convert(kHead +
                         "point,LM,landmark,,,,47,39,\"well, ruined; \"\"old\"\" one\"\n"
                         "point,RP,,LM,\"1.5\",2,,,\"two\r\nlines\"\n");
  EXPECT_EQ(j["points"][0]["description"], "well, ruined; \"old\" one");
  EXPECT_EQ(j["points"][1]["description"], "two\nlines");
  EXPECT_EQ(j["points"][1]["bearing"], 1.5);
}

TEST(RecordCsv, LineNumbersCountCommentsBlankLinesAndLinesInsideQuotes) {
  EXPECT_EQ(error_of("# note\n\n" + kHead +
                     "point,LM,landmark,,,,47,39,\"two\nlines\"\n"
                     "\n"
                     "point,RP,,LM,12x,1\n"),
            "r.csv:7: bearing: \"12x\" is not a number");
  EXPECT_EQ(error_of("\xEF\xBB\xBF" + replace_all(kHead, "\n", "\r\n") +
                     "point,LM,,,,,47,39\r\n\r\npoint,RP,,LM,1,1e\r\n"),
            "r.csv:4: distance: \"1e\" is not a number");
}

TEST(RecordCsv, Numbers) {
  const json j = convert(kHead + "point,A,,,,,+5,-3.25\npoint,B,,A,1e2,007\n");
  EXPECT_EQ(j["points"][0]["x"], 5);
  EXPECT_TRUE(j["points"][0]["x"].is_number_integer());
  EXPECT_EQ(j["points"][0]["y"], -3.25);
  EXPECT_EQ(j["points"][1]["bearing"], 100.0);
  EXPECT_EQ(j["points"][1]["distance"], 7);
  EXPECT_EQ(error_of(kHead + "point,A,,,,,\"47,03\",39\n"),
            "r.csv:2: x: \"47,03\" is not a number (use . as the decimal mark)");
  EXPECT_EQ(error_of(kHead + "point,A,,,,,nan,39\n"), "r.csv:2: x: \"nan\" is not a number");
  EXPECT_EQ(error_of(kHead + "point,A,,,,,1e999,39\n"), "r.csv:2: x: \"1e999\" is not a number");
  EXPECT_EQ(error_of(kHead + "point,A,,,,,47°,39\n"), "r.csv:2: x: \"47°\" is not a number");
}

TEST(RecordCsv, RowStartingAtAPointAndFurtherLegs) {
  const json j = convert(
      "line,id,from,bearing,distance,row_bearing,spacing,category,model,count,description\n"
      "row,A,T1,,,90,2,AP_MINE,,3,\n"
      "row,B,T1,10,5,90,2,,,,along the track\n"
      "then,,,20,6,,,,,,\n"
      "mines,,,,,,,AT_MINE,TM-57,2,\n"
      "then,,,30.5,7,,,,,,\n");
  EXPECT_EQ(j["rows"], json::parse(R"([
    {"id": "A", "start": "T1", "bearing": 90, "spacing": 2,
     "mines": [{"category": "AP_MINE", "count": 3}]},
    {"id": "B", "start": {"from": "T1", "bearing": 10, "distance": 5,
                          "then": [{"bearing": 20, "distance": 6}, {"bearing": 30.5, "distance": 7}]},
     "bearing": 90, "spacing": 2,
     "mines": [{"category": "AT_MINE", "model": "TM-57", "count": 2}],
     "description": "along the track"}])"));
}

TEST(RecordCsv, ExtraRecordKeysAreKept) {
  const json j = convert(
      "line,key,value\nrecord,ID,MR-1\nrecord,pace_m,0.8\nrecord,Sheet,4 of 7\n"
      "record,received,2012\n");
  EXPECT_EQ(j, json::parse(R"({"format": "minemap-record/1", "id": "MR-1",
    "source": {"received": "2012"}, "pace_m": 0.8, "Sheet": "4 of 7",
    "points": [], "perimeter": [], "rows": []})"));
}

TEST(RecordCsv, HeaderErrors) {
  EXPECT_EQ(error_of(""), "r.csv:1: no header row (the file has no lines but comments)");
  EXPECT_EQ(error_of("# only a note\n"),
            "r.csv:1: no header row (the file has no lines but comments)");
  EXPECT_EQ(error_of("# note\nline,bearin,id,foo\n"),
            "r.csv:2: unknown columns \"bearin\", \"foo\" in the header (the columns are line, "
            "id, kind, from, bearing, distance, x, y, row_bearing, spacing, pattern, stagger, "
            "length, category, model, count, key, value, description)");
  EXPECT_EQ(error_of("line;id;kind\npoint;LM;landmark\n"),
            "r.csv:1: the header is not separated by commas; save the file as CSV with , as the "
            "field separator and . as the decimal mark");
  EXPECT_EQ(error_of("line,id,ID\n"), "r.csv:1: id: this column is in the header twice");
  // A file without its header row: the first line is taken for one, and says so.
  EXPECT_NE(error_of("point,LM,landmark\n").find("r.csv:1: unknown columns \"point\", \"LM\""),
            std::string::npos);
  EXPECT_EQ(error_of("id,kind\n"),
            "r.csv:1: line: no such column in the header (the header row must come before the "
            "first line)");
}

TEST(RecordCsv, CellsOutsideTheHeader) {
  // An empty trailing column (a spreadsheet's) is fine; a value there is not.
  EXPECT_EQ(convert("line,id,\nperimeter,T1,\nperimeter,T2,,,\n")["perimeter"],
            json::parse(R"(["T1", "T2"])"));
  EXPECT_EQ(error_of("line,id,\nperimeter,T1,x\n"),
            "r.csv:2: column 3: \"x\" is in a column that has no name in the header");
  EXPECT_EQ(error_of("line,id\nperimeter,T1,,T2\n"),
            "r.csv:2: column 4: \"T2\" is in a column that has no name in the header");
}

TEST(RecordCsv, QuotingErrors) {
  EXPECT_EQ(error_of(kHead + "point,LM,,,,,47,39\npoint,RP,,LM,1,1,,,\"never\nclosed\n"),
            "r.csv:3: description: the quote opened here is never closed");
  EXPECT_EQ(error_of(kHead + "point,\"LM\"x,,,,,47,39\n"),
            "r.csv:2: id: text after the closing quote (a quote inside a quoted value is "
            "written \"\")");
}

TEST(RecordCsv, LineKindErrors) {
  EXPECT_EQ(error_of(kHead + "pont,LM\n"),
            "r.csv:2: line: unknown kind \"pont\" (expected record, point, perimeter, closure, "
            "row, mines, then or declared)");
  EXPECT_EQ(error_of(kHead + ",LM\n"),
            "r.csv:2: line: empty; say what the line is: record, point, perimeter, closure, row, "
            "mines, then or declared");
  EXPECT_EQ(error_of(kHead + "perimeter,T1,,,,,47\n"),
            "r.csv:2: x: not used on a \"perimeter\" line; leave it empty");
}

TEST(RecordCsv, LinesThatBelongToARow) {
  const std::string head = "line,id,from,bearing,distance,category,count\n";
  EXPECT_EQ(error_of(head + "perimeter,T1\nmines,,,,,AP_MINE,3\n"),
            "r.csv:3: line: a \"mines\" line belongs to the row above it, but no \"row\" line "
            "comes before it");
  EXPECT_EQ(error_of(head + "then,,,10,5\n"),
            "r.csv:2: line: a \"then\" line belongs to the row above it, but no \"row\" line "
            "comes before it");
  EXPECT_EQ(error_of(head + "row,A,T1,,,AP_MINE,3\n\nthen,,,10,5\n"),
            "r.csv:4: line: a \"then\" line continues the start leg of row \"A\" (line 2), but "
            "that row starts at the point itself; give its first leg in the row line's bearing "
            "and distance");
  EXPECT_EQ(error_of(head + "row,A,T1,10,,AP_MINE,3\n"),
            "r.csv:2: distance: empty, but the row's start leg needs both bearing and distance "
            "(leave both empty when the row starts at the point itself)");
}

TEST(RecordCsv, MissingValues) {
  const std::string head = "line,id,from,bearing,distance,category,model,count,key,value\n";
  EXPECT_EQ(error_of(head + "point,,LM,1,1\n"),
            "r.csv:2: id: empty, but a \"point\" line needs it");
  EXPECT_EQ(error_of(head + "perimeter\n"),
            "r.csv:2: id: empty, but a \"perimeter\" line needs it");
  EXPECT_EQ(error_of(head + "closure,,T4,40\n"),
            "r.csv:2: distance: empty, but a \"closure\" line needs it");
  EXPECT_EQ(error_of(head + "row,A,,10,5,AP_MINE,,3\n"),
            "r.csv:2: from: empty, but a \"row\" line needs it");
  EXPECT_EQ(error_of(head + "row,A,T1,,,,PMN,3\n"),
            "r.csv:2: category: empty, but a \"row\" line needs it");
  EXPECT_EQ(error_of(head + "row,A,T1,,,AP_MINE\nmines,,,,,AT_MINE,TM-62\n"),
            "r.csv:2: count: empty, but a \"row\" line needs it");
  EXPECT_EQ(error_of(head + "row,A,T1,,,AP_MINE,,3\nthen,,,10\n"),
            "r.csv:3: line: a \"then\" line continues the start leg of row \"A\" (line 2), but "
            "that row starts at the point itself; give its first leg in the row line's bearing "
            "and distance");
  EXPECT_EQ(error_of(head + "row,A,T1,1,1,AP_MINE,,3\nthen,,,10\n"),
            "r.csv:3: distance: empty, but a \"then\" line needs it");
  EXPECT_EQ(error_of(head + "declared,,,,,AP_MINE\n"),
            "r.csv:2: count: empty, but a \"declared\" line needs it");
  EXPECT_EQ(error_of(head + "record,,,,,,,,crs\n"),
            "r.csv:2: value: empty, but a \"record\" line needs it");
  EXPECT_EQ(error_of(head + "record,,,,,,,,,EPSG:4326\n"),
            "r.csv:2: key: empty, but a \"record\" line needs it");
}

TEST(RecordCsv, ValueErrors) {
  const std::string head = "line,id,from,bearing,distance,category,count,key,value\n";
  EXPECT_EQ(error_of(head + "declared,,,,,AP_MINE,5.5\n"),
            "r.csv:2: count: \"5.5\" is not a whole number");
  EXPECT_EQ(error_of(head + "declared,,,,,AP_MINE,five\n"),
            "r.csv:2: count: \"five\" is not a number");
  EXPECT_EQ(error_of(head + "declared,,,,,AP_MINE,5\ndeclared,,,,,AP_MINE,6\n"),
            "r.csv:3: category: \"AP_MINE\" is declared twice (first on line 2)");
  EXPECT_EQ(error_of(head + "record,,,,,,,declination_deg,5.8E\n"),
            "r.csv:2: value: declination_deg: \"5.8E\" is not a number");
  EXPECT_EQ(error_of(head + "record,,,,,,,crs,EPSG:4326\nrecord,,,,,,,CRS,EPSG:4284\n"),
            "r.csv:3: key: \"CRS\" is given twice (first on line 2)");
  EXPECT_EQ(error_of(head + "record,,,,,,,points,3\n"),
            "r.csv:2: key: \"points\" cannot be set on a record line: it comes from the other "
            "lines");
  EXPECT_EQ(error_of(head + "closure,,T4,1,2\nclosure,,T4,1,2\n"),
            "r.csv:3: line: a second \"closure\" line (the first is on line 2)");
}

TEST(RecordCsv, ErrorsNameTheColumnAsField) {
  try {
    convert(kHead + "point,A,,,,,x,1\n", "mr.csv");
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "x");
    EXPECT_EQ(std::string(e.what()), "mr.csv:2: x: \"x\" is not a number");
  }
}

}  // namespace
}  // namespace minemap::io
