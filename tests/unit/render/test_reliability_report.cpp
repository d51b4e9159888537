// The reliability HTML report: hand-made results (two sources, records graded A, B and
// U) render to one self-contained page whose structure holds (balanced sections and
// SVGs, the source table first, one marker per recorded mine), whose outside text is
// escaped, and which references nothing on the network. When xmllint is installed the
// page must also parse as XML, as the report promises.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "common/require.hpp"
#include "render/reliability_report.hpp"

namespace minemap::render {
namespace {

namespace fs = std::filesystem;
using analysis::Find;
using analysis::Match;
using analysis::Predicted;
using analysis::RecordedMine;
using analysis::ReliabilityInput;
using analysis::ReliabilityResult;
using analysis::SourceSummary;

constexpr core::Coord kOrigin{20.0, 44.0};

// A point `e` metres east and `n` north of kOrigin (the same small-field approximation
// as the report's, which is all a test of a picture needs).
core::Coord at(double e, double n) {
  return {kOrigin.x + e / (111319.49 * std::cos(kOrigin.y * std::numbers::pi / 180)),
          kOrigin.y + n / 110946};
}

core::Polygon square(double e0, double n0, double e1, double n1) {
  return {{at(e0, n0), at(e1, n0), at(e1, n1), at(e0, n1), at(e0, n0)}};
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

// Record A: six AP mines in a row, each found where recorded.
void record_a(ReliabilityInput& in, ReliabilityResult& r) {
  in.record = r.record = "MR-0001";
  in.source = r.source = "Army";
  in.about = at(0, 0);
  in.perimeter = square(-5, -5, 30, 5);
  in.cleared = {square(-4, -4, 29, 4)};
  for (int i = 0; i < 6; ++i) {
    in.recorded.push_back({"A", i + 1, "AP_MINE", at(i * 5.0, 0)});
    in.finds.push_back({"F" + std::to_string(i), "AP_MINE", at(i * 5.0 + 0.3, 0.2)});
    r.matches_as_recorded.push_back({i, i, 0.36});
  }
  in.declared = {{"AP_MINE", 6}};
  r.grade = 'A';
  r.grade_reason = "recall 100% and precision 100% as recorded";
  r.recorded_in_cleared = r.found_in_cleared = 6;
  r.as_recorded = {6, 6, 6, 1.0, 1.0, {0.36, 0.36, 0.36}};
  r.declared_vs_found = {{"AP_MINE", {6, 6}}};
}

// Record B: eight mines, AP and AT, recorded 20 m west of where they are; six found,
// two predicted; the record id carries markup.
void record_b(ReliabilityInput& in, ReliabilityResult& r) {
  in.record = r.record = "MR-<script>alert(1)</script>";
  in.source = r.source = "Army";
  in.about = at(100, 100);
  in.perimeter = square(95, 95, 140, 105);
  in.cleared = {{square(114, 94, 150, 106)[0], square(130, 98, 134, 102)[0]}};  // with a hole
  analysis::Correction c;
  c.shift_east_m = 20;
  c.shift_north_m = 0.4;
  c.rotation_deg = 1.25;
  c.about = in.about;
  c.ci_shift_east_m = {19.6, 20.5};
  c.ci_shift_north_m = {-0.1, 0.9};
  c.ci_rotation_deg = {0.8, 1.7};
  r.correction = c;
  for (int i = 0; i < 8; ++i) {
    const std::string cat = i % 3 == 2 ? "AT_MINE" : "AP_MINE";
    in.recorded.push_back({"B", i + 1, cat, at(100 + i * 5.0, 100)});
    r.corrected_positions.push_back(at(120 + i * 5.0, 100.4));
    if (i < 6) {
      in.finds.push_back({"G" + std::to_string(i), cat, at(120.2 + i * 5.0, 100.5)});
      r.matches_corrected.push_back({i, i, 0.2 + 0.1 * i});
    } else {
      r.predicted_remaining.push_back({at(120 + i * 5.0, 100.4), 3.1, "B", i + 1, cat});
    }
  }
  in.finds.push_back({"G-clutter", "UXO_MORTAR", at(125, 103)});
  in.declared = {{"AP_MINE", 5}, {"AT_MINE", 3}};
  r.grade = 'B';
  r.grade_reason = "recall 100% and precision 100% after a shift of 20.0 m";
  r.recorded_in_cleared = 6;
  r.found_in_cleared = 6;
  r.as_recorded = {0, 6, 0, 0.0, 0.0, {}};
  r.corrected = {6, 6, 6, 1.0, 1.0, {0.45, 0.5, 0.7}};
  r.declared_vs_found = {{"AP_MINE", {5, 4}}, {"AT_MINE", {3, 2}}};
  r.other_found = 1;
  r.warnings = {"declared 8 mines, recorded 8 & found 6"};
}

// Record U: three mines, nothing cleared; one mine inferred from finds.
void record_u(ReliabilityInput& in, ReliabilityResult& r) {
  in.record = r.record = "MR-0003";
  in.source = r.source = "Police & \"Partners\"";
  in.about = at(-200, 50);
  for (int i = 0; i < 3; ++i)
    in.recorded.push_back({"C", i + 1, "AT_MINE", at(-200 + i * 8.0, 50)});
  in.finds.push_back({"H1", "AT_MINE", at(-150, 60)});
  r.inferred.push_back({at(-150, 68), 4, "", 0, "AT_MINE"});
  r.grade = 'U';
  r.grade_reason = "3 recorded mines in cleared ground, fewer than 5";
  r.found_outside_perimeter = 1;
}

struct Fixture {
  std::vector<ReliabilityInput> inputs;
  std::vector<ReliabilityResult> results;
  std::vector<SourceSummary> sources;
};

Fixture fixture() {
  Fixture f;
  f.inputs.resize(3);
  f.results.resize(3);
  record_a(f.inputs[0], f.results[0]);
  record_b(f.inputs[1], f.results[1]);
  record_u(f.inputs[2], f.results[2]);
  SourceSummary army;
  army.source = "Army";
  army.records = 2;
  army.by_grade = {{'A', 1}, {'B', 1}};
  army.grade_ci95 = {{'A', {0.0945, 0.9055}}, {'B', {0.0945, 0.9055}}, {'U', {0, 0.6576}}};
  army.finds = 13;
  army.finds_outside_every_perimeter = 1;
  army.accidents = 2;
  army.accidents_outside_every_perimeter = 1;
  SourceSummary police;
  police.source = "Police & \"Partners\"";
  police.records = 1;
  police.by_grade = {{'U', 1}};
  police.grade_ci95 = {{'U', {0.2065, 1.0}}};
  police.finds = 1;
  police.finds_outside_every_perimeter = 1;
  f.sources = {army, police};
  return f;
}

std::string page(const Fixture& f) {
  return reliability_html(f.inputs, f.results, f.sources, "Reliability <test> & more");
}

// The text of the record section whose anchor is `id`.
std::string section(const std::string& html, const std::string& id) {
  const auto begin = html.find("<section class=\"record\" id=\"" + id + "\"");
  if (begin == std::string::npos) return "";
  const auto end = html.find("</section>", begin);
  return html.substr(begin, end - begin);
}

// The first SVG (the map) of a section.
std::string map_of(const std::string& sec) {
  const auto begin = sec.find("<svg");
  if (begin == std::string::npos) return "";
  return sec.substr(begin, sec.find("</svg>", begin) - begin);
}

TEST(ReliabilityReport, StructureIsBalanced) {
  const std::string html = page(fixture());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_GT(count(html, "<svg"), 3u);
  EXPECT_EQ(count(html, "<svg"), count(html, "</svg>"));
  EXPECT_EQ(count(html, "<section"), count(html, "</section>"));
  EXPECT_EQ(count(html, "<table"), count(html, "</table>"));
  EXPECT_EQ(count(html, "<section class=\"record\""), 3u);
}

TEST(ReliabilityReport, SourceTableComesBeforeTheRecords) {
  const std::string html = page(fixture());
  const auto sources = html.find("<section id=\"sources\"");
  const auto summary = html.find("<section id=\"summary\"");
  const auto first_record = html.find("<section class=\"record\"");
  ASSERT_NE(sources, std::string::npos);
  ASSERT_NE(summary, std::string::npos);
  ASSERT_NE(first_record, std::string::npos);
  EXPECT_LT(sources, summary);
  EXPECT_LT(summary, first_record);
  // Shares of grades with their Wilson intervals, and finds outside every perimeter.
  const std::string table = html.substr(sources, summary - sources);
  EXPECT_NE(table.find("50.0% [9.4%, 90.5%]"), std::string::npos) << table;
  EXPECT_NE(table.find("1 of 13"), std::string::npos);
  EXPECT_NE(table.find("Police &amp; &quot;Partners&quot;"), std::string::npos);
}

TEST(ReliabilityReport, EveryRecordAppearsWithItsGradeAndALink) {
  const Fixture f = fixture();
  const std::string html = page(f);
  for (std::size_t i = 0; i < f.results.size(); ++i) {
    const std::string id = "rec-" + std::to_string(i + 1);
    EXPECT_NE(html.find("<a href=\"#" + id + "\">"), std::string::npos) << id;
    const std::string sec = section(html, id);
    ASSERT_FALSE(sec.empty()) << id;
    const char g = f.results[i].grade;
    EXPECT_NE(sec.find("<h2>" + html_escape(f.results[i].record) + " <span class=\"g g-" +
                       std::string(1, g) + "\">" + std::string(1, g) + "</span></h2>"),
              std::string::npos)
        << sec.substr(0, 300);
    EXPECT_NE(sec.find(html_escape(f.results[i].grade_reason)), std::string::npos) << id;
  }
  // The correction of record B with its intervals, and the declared counts.
  const std::string b = section(html, "rec-2");
  EXPECT_NE(b.find("<td>20.0</td><td>[19.6, 20.5]</td>"), std::string::npos);
  EXPECT_NE(b.find("<td>1.25</td><td>[0.80, 1.70]</td>"), std::string::npos);
  EXPECT_NE(b.find("class=\"hist\""), std::string::npos);
  EXPECT_NE(b.find("declared 8 mines, recorded 8 &amp; found 6"), std::string::npos);
  EXPECT_NE(b.find("Predicted remaining mines: 2"), std::string::npos);
  // Record U has nothing in cleared ground: its shares are no 0%, and it is not judged:
  // no count of the mines left (0 would read "none left").
  EXPECT_NE(html.find("MR-0003</a></td><td class=\"t\">Police &amp; &quot;Partners&quot;</td>"
                      "<td><span class=\"g g-U\">U</span></td><td>&#8211; / &#8211;</td>"),
            std::string::npos);
  const auto u_row = html.find("MR-0003</a></td>");
  const std::string u_summary = html.substr(u_row, html.find("</tr>", u_row) - u_row);
  EXPECT_NE(u_summary.find("<td>not judged</td>"), std::string::npos) << u_summary;
  EXPECT_EQ(u_summary.find("<td>0</td>"), std::string::npos) << u_summary;
  EXPECT_NE(section(html, "rec-3").find("Not judged: no figure of the mines left"),
            std::string::npos);
}

TEST(ReliabilityReport, OutsideTextIsEscaped) {
  const std::string html = page(fixture());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("MR-&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<title>Reliability &lt;test&gt; &amp; more</title>"), std::string::npos);

  EXPECT_EQ(html_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  EXPECT_EQ(html_escape("Gra\xC4\x8D"
                        "anica"),
            "Gra\xC4\x8D"
            "anica");                                  // UTF-8 kept
  EXPECT_EQ(html_escape("x\xFFy"), "x\xEF\xBF\xBDy");  // invalid byte
  EXPECT_EQ(html_escape("x\xC4"), "x\xEF\xBF\xBD");    // cut short
  EXPECT_EQ(html_escape(std::string("a\0b\x01", 4)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
  EXPECT_EQ(html_escape("tab\there"), "tab\there");
}

TEST(ReliabilityReport, NothingIsLoadedFromTheNetwork) {
  std::string html = page(fixture());
  // The SVG namespace is a name, not a resource.
  const std::string ns = "xmlns=\"http://www.w3.org/2000/svg\"";
  for (auto p = html.find(ns); p != std::string::npos; p = html.find(ns)) html.erase(p, ns.size());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

TEST(ReliabilityReport, OneMarkerPerRecordedMine) {
  const Fixture f = fixture();
  const std::string html = page(f);
  for (std::size_t i = 0; i < f.inputs.size(); ++i) {
    const std::string map = map_of(section(html, "rec-" + std::to_string(i + 1)));
    ASSERT_FALSE(map.empty()) << i;
    EXPECT_EQ(count(map, "class=\"rm\""), f.inputs[i].recorded.size()) << i;
    EXPECT_EQ(count(map, "class=\"fd\"") + count(map, "class=\"fc\""), f.inputs[i].finds.size());
  }
  const std::string b = map_of(section(html, "rec-2"));
  EXPECT_EQ(count(b, "class=\"fc\""), 1u);       // the mortar is clutter
  EXPECT_EQ(count(b, "class=\"pr\""), 2u + 1u);  // two predictions and the legend's
  EXPECT_NE(b.find("class=\"cp\""), std::string::npos);
  EXPECT_NE(b.find("class=\"mp\""), std::string::npos);
  EXPECT_NE(b.find("class=\"cl\""), std::string::npos);
  EXPECT_NE(b.find("class=\"pe\""), std::string::npos);
  EXPECT_NE(map_of(section(html, "rec-3")).find("class=\"inf\""), std::string::npos);
}

TEST(ReliabilityReport, LargeRecordsDrawMinesAsOnePath) {
  ReliabilityInput in;
  ReliabilityResult r;
  in.record = r.record = "MR-BIG";
  in.source = r.source = "Army";
  in.about = at(0, 0);
  constexpr int kMines = 6000;
  for (int i = 0; i < kMines; ++i)
    in.recorded.push_back({std::to_string(i / 100), i % 100, i % 7 ? "AP_MINE" : "AT_MINE",
                           at((i % 100) * 2.5, (i / 100) * 4.0)});
  for (int i = 0; i < 300; ++i) in.finds.push_back({"F", "AP_MINE", at(i * 0.8, 1)});
  const std::string html = reliability_html({in}, {r}, {}, "big");
  const std::string map = map_of(section(html, "rec-1"));
  EXPECT_EQ(count(map, "class=\"rm\""), 0u);
  EXPECT_EQ(count(map, "class=\"rq\""), 2u + 2u);  // a path per category, and the legend's
  EXPECT_EQ(count(map, "h2v2h-2z"), static_cast<std::size_t>(kMines));
  EXPECT_EQ(count(map, "<circle"), 0u + 1u);  // the legend's find symbol only
  // About 20 bytes a mine, not the 50 of an element each.
  EXPECT_LT(html.size(), 30u * kMines + 60000u) << html.size();
}

TEST(ReliabilityReport, ResultsWithoutInputsAndEmptyListsStillRender) {
  Fixture f = fixture();
  std::swap(f.inputs[0], f.inputs[2]);   // not parallel: paired by record id
  f.inputs.erase(f.inputs.begin() + 1);  // record 2 has none
  const std::string html = page(f);
  EXPECT_EQ(count(map_of(section(html, "rec-1")), "class=\"rm\""), 6u);
  EXPECT_NE(section(html, "rec-2").find("No input for this record"), std::string::npos);
  EXPECT_EQ(count(map_of(section(html, "rec-3")), "class=\"rm\""), 3u);

  const std::string empty = reliability_html({}, {}, {}, "none");
  EXPECT_NE(empty.find("No records."), std::string::npos);
  EXPECT_EQ(count(empty, "<section"), count(empty, "</section>"));
}

// xmllint (libxml2-utils, which scripts/bootstrap installs).
TEST(ReliabilityReport, ParsesAsXml) {
  const fs::path xmllint = "/usr/bin/xmllint";
  MINEMAP_REQUIRE(fs::exists(xmllint), "xmllint (libxml2-utils) is not installed");
  const fs::path file =
      fs::temp_directory_path() / ("minemap-reliability-" + std::to_string(::getpid()) + ".html");
  {
    std::ofstream out(file, std::ios::binary);
    out << page(fixture());
  }
  const std::string cmd = xmllint.string() + " --noout --nonet '" + file.string() + "' 2>&1";
  std::string messages;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) messages += buf;
  const int rc = pclose(p);
  fs::remove(file);
  EXPECT_EQ(rc, 0) << messages;
}

}  // namespace
}  // namespace minemap::render
