// CSV tables from outside (io/table_csv): quoted header names with commas (RELand's),
// quotes and line breaks in cells, and every malformed or oversized input refused with
// the file, the line and the column.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "io/table_csv.hpp"

using namespace minemap;

namespace {

std::string error_of(const std::string& text, const io::TableLimits& limits = {}) {
  try {
    io::parse_table_csv(text, "t.csv", limits);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(TableCsv, QuotedHeaderNamesHoldCommas) {
  const auto t = io::parse_table_csv(
      ",LATITUD_Y,\"Homicidio, Masacre\",\"Acto terrorista, Atentados, Combates\",SIN INFORMACION "
      "\n"
      "0,5.76,492,43,0\n"
      "1,5.80,,\"7\",1\n",
      "t.csv");
  ASSERT_EQ(t.columns.size(), 5u);
  EXPECT_EQ(t.columns[0], "");
  EXPECT_EQ(t.columns[2], "Homicidio, Masacre");
  EXPECT_EQ(t.columns[3], "Acto terrorista, Atentados, Combates");
  EXPECT_EQ(t.columns[4], "SIN INFORMACION ");  // kept as written, trailing blank too
  EXPECT_EQ(t.column("Homicidio, Masacre"), std::optional<std::size_t>(2));
  EXPECT_FALSE(t.column("Homicidio"));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1][2], "");
  EXPECT_EQ(t.rows[1][3], "7");
  EXPECT_EQ(t.line[1], 3u);
}

TEST(TableCsv, QuotesLineBreaksBomAndCrlf) {
  const auto t = io::parse_table_csv(
      "\xEF\xBB\xBFid,name\r\n\"a\",\"say \"\"hi\"\"\"\r\n\r\nb,\"two\r\nlines\"\r\n#c,3\r\n",
      "t.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.columns[0], "id");
  EXPECT_EQ(t.rows[0][1], "say \"hi\"");
  EXPECT_EQ(t.rows[1][1], "two\nlines");
  EXPECT_EQ(t.rows[2][0], "#c");  // `#` is data in a table
  EXPECT_EQ(t.line[2], 6u);
}

TEST(TableCsv, MalformedInputNamesFileLineAndColumn) {
  EXPECT_EQ(error_of(""), "t.csv: no header row (the file is empty)");
  EXPECT_EQ(error_of("a,b\n1,2\n3\n"), "t.csv:3: b: the row has 1 cells, the header 2");
  EXPECT_EQ(error_of("a,b\n1,2,3\n"), "t.csv:2: column 3: the row has 3 cells, the header 2");
  EXPECT_EQ(error_of("a,b,a\n"), "t.csv:1: column 3: this column is in the header twice");
  EXPECT_EQ(error_of("a,b\n1,\"2\n"), "t.csv:2: b: the quote opened here is never closed");
  EXPECT_EQ(error_of("a,b\n1,\"2\"x\n"),
            "t.csv:2: b: text after the closing quote (a quote inside a quoted value is written "
            "\"\")");
  EXPECT_EQ(error_of("a,b\n1,\xff\n"),
            "t.csv:2: b: text that is not UTF-8 (save the file as UTF-8 CSV)");
}

TEST(TableCsv, LimitsOfHostileInput) {
  io::TableLimits l;
  l.max_cell_bytes = 8;
  l.max_columns = 3;
  l.max_rows = 2;
  l.max_bytes = 200;
  EXPECT_EQ(error_of("a,b\n1,123456789\n", l), "t.csv:2: b: a cell longer than 8 bytes");
  EXPECT_EQ(error_of("a,b\n1,\"123456789\"\n", l), "t.csv:2: b: a cell longer than 8 bytes");
  EXPECT_EQ(error_of("a,b,c,d\n", l), "t.csv:1: column 4: more than 3 columns");
  EXPECT_EQ(error_of("a\n1\n2\n3\n", l), "t.csv: more than 2 rows");
  EXPECT_EQ(error_of(std::string(201, 'a'), l), "t.csv: larger than 200 bytes");
  EXPECT_THROW(io::read_table_csv("/nonexistent/table.csv"), core::InputError);
}
