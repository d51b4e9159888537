// The reliability report as one HTML page; see reliability_report.hpp.
//
// The page is written as polyglot markup (HTML5 that is also well-formed XML): void
// elements self-close, only numeric character references besides the XML five, no
// script. Browsers do not care, but it lets xmllint and XSLT read the file, and the
// tests check its structure with an XML parser.
#include "render/reliability_report.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <numbers>
#include <set>
#include <string_view>

#include "core/date.hpp"

namespace minemap::render {

using analysis::Match;
using analysis::Predicted;
using analysis::ReliabilityInput;
using analysis::ReliabilityOptions;
using analysis::ReliabilityResult;
using analysis::SourceSummary;

namespace {

// U+FFFD REPLACEMENT CHARACTER in UTF-8.
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
// What a missing figure reads as (an en dash).
constexpr std::string_view kNone = "&#8211;";

// The length of the valid UTF-8 sequence at `p` (n bytes left), 0 when invalid. Overlong
// forms and surrogates count as invalid, as in the Unicode standard's table 3-7.
std::size_t utf8_length(const unsigned char* p, std::size_t n) {
  const unsigned char c = p[0];
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (std::size_t i = 2; i < len; ++i)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return len;
}

// `v` with `decimals` decimals whatever the C locale; "-0.0" reads as "0.0". Not-finite
// values are a dash: an empty fit may leave a NaN, and the page must still read.
std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return std::string(kNone);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  std::string s(buf, r.ptr);
  if (s.front() == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string metres(double v) {
  return fixed(v, 1);
}
std::string degrees(double v) {
  return fixed(v, 2);
}
std::string percent(double share) {
  return std::isfinite(share) ? fixed(share * 100, 1) + "%" : std::string(kNone);
}
std::string lonlat(const core::Coord& c) {
  return fixed(c.x, 6) + ", " + fixed(c.y, 6);
}

// A 95% interval as " [lo, hi]" in a muted span; nothing when there is none (both ends
// equal: no bootstrap, or nothing to resample).
std::string interval(const std::array<double, 2>& ci, std::string (*fmt)(double)) {
  if (ci[0] == ci[1]) return "";
  return " <span class=\"ci\">[" + fmt(ci[0]) + ", " + fmt(ci[1]) + "]</span>";
}

// SVG coordinates, in pixels: a tenth of a pixel is finer than any screen or printer
// shows, and dropping ".0" keeps maps of thousands of marks small.
std::string px(double v) {
  std::string s = fixed(std::round(v * 10) / 10, 1);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

std::string grade_badge(char g) {
  const char letter = std::string_view("ABCDU").find(g) == std::string_view::npos ? '?' : g;
  std::string cls = letter == '?' ? "U" : std::string(1, letter);
  return "<span class=\"g g-" + cls + "\">" + std::string(1, letter) + "</span>";
}

// ---------------------------------------------------------------------------------
// The map's local frame.

struct Pt {
  double e = 0, n = 0;  // metres east and north of the frame's origin
};

bool finite(const core::Coord& c) {
  return std::isfinite(c.x) && std::isfinite(c.y);
}

// Lon/lat to metres about an origin by the equirectangular approximation. This is for
// the picture only: over a field of a few hundred metres its distortion is far below a
// pixel, but it is no measurement (the analysis itself works in an azimuthal
// equidistant frame). 111319.49 m is a degree of longitude on the WGS 84 equator and
// 110946 m a degree of latitude at mid latitudes.
struct Frame {
  core::Coord origin;
  double kx = 111319.49, ky = 110946;

  explicit Frame(const core::Coord& o) : origin(o) {
    kx = std::cos(o.y * std::numbers::pi / 180) * 111319.49;
  }
  Pt operator()(const core::Coord& c) const {
    double dlon = c.x - origin.x;
    // A field across the antimeridian stays whole.
    if (dlon > 180) dlon -= 360;
    if (dlon < -180) dlon += 360;
    return {dlon * kx, (c.y - origin.y) * ky};
  }
};

// The map's origin: the correction's reference point, else the mean of the recorded
// mines, else the input's reference point.
core::Coord map_origin(const ReliabilityInput& in, const ReliabilityResult& r) {
  if (r.correction && finite(r.correction->about)) return r.correction->about;
  double x = 0, y = 0;
  int n = 0;
  for (const auto& m : in.recorded)
    if (finite(m.at)) {
      x += m.at.x;
      y += m.at.y;
      ++n;
    }
  if (n) return {x / n, y / n};
  return in.about;
}

// From metres to pixels, north up.
struct View {
  double min_e = 0, max_n = 0, scale = 1, margin = 14;
  double width = 0, height = 0;  // of the plot, margins included
  double x(double e) const { return margin + (e - min_e) * scale; }
  double y(double n) const { return margin + (max_n - n) * scale; }
  std::string xy(const Pt& p) const { return px(x(p.e)) + " " + px(y(p.n)); }
};

// Colour-blind-safe colours (Okabe and Ito) for the record's categories, in order of
// first appearance; the yellow is left out, as it vanishes on white paper.
constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73",
                                    "#CC79A7", "#E69F00", "#56B4E9"};
constexpr const char* kClutter = "#8c8c8c";

struct Categories {
  std::vector<std::string> names;  // the record's categories: recorded, then declared
  int index(const std::string& c) const {
    auto it = std::find(names.begin(), names.end(), c);
    return it == names.end() ? -1 : static_cast<int>(it - names.begin());
  }
  const char* colour(int i) const { return kPalette[i % std::size(kPalette)]; }
};

Categories categories_of(const ReliabilityInput& in, const ReliabilityResult& r) {
  Categories cats;
  auto add = [&](const std::string& c) {
    if (cats.index(c) < 0) cats.names.push_back(c);
  };
  for (const auto& m : in.recorded) add(m.category);
  for (const auto& [c, n] : in.declared) add(c);
  for (const auto& [c, n] : r.declared_vs_found) add(c);
  return cats;
}

// Above this many marks a map draws mines as one path per category instead of one
// element each: a browser draws tens of thousands of elements slowly, and the file
// stays a third of the size.
constexpr std::size_t kCompactAbove = 5000;
// Below this many marks, each mark carries a tooltip (row, index, category).
constexpr std::size_t kTooltipsUpTo = 1000;

void append_ring(std::string& o, const View& v, const Frame& f, const core::LineString& ring) {
  bool first = true;
  for (const auto& c : ring) {
    if (!finite(c)) continue;
    o += first ? "M" : "L";
    o += v.xy(f(c));
    first = false;
  }
  if (!first) o += "Z";
}

// One legend entry: a symbol drawn at (x, y) and its label.
struct LegendItem {
  std::string symbol;  // SVG drawn about (0, 0), placed with a translate
  std::string label;   // escaped
};

// The legend's entries in rows no wider than `width`; returns the rows' markup and sets
// `height`. Label widths are estimated (there is no font metric here): 6.6 px a char
// at 11 px overestimates most labels, which only wastes a little space.
std::string legend(const std::vector<LegendItem>& items, double width, double top, double& height) {
  const double row_h = 20, sym_w = 22, gap = 18, left = 14;
  std::string o;
  double x = left, y = top + row_h / 2;
  int rows = items.empty() ? 0 : 1;
  for (const auto& it : items) {
    double w = sym_w + 6.6 * static_cast<double>(it.label.size()) + gap;
    if (x > left && x + w > width) {
      x = left;
      y += row_h;
      ++rows;
    }
    o += "<g transform=\"translate(" + px(x + 8) + " " + px(y) + ")\">" + it.symbol + "<text x=\"" +
         px(sym_w - 6) + "\" y=\"4\">" + it.label + "</text></g>";
    x += w;
  }
  height = rows * row_h + 8;
  return o;
}

// A scale bar of a round length about a fifth of the plot's width.
std::string scale_bar(const View& v, double plot_w_m) {
  const double want = plot_w_m / 5;
  const double p10 = std::pow(10, std::floor(std::log10(want)));
  double len = p10;
  for (double k : {2.0, 5.0})
    if (k * p10 <= want) len = k * p10;
  const double x0 = v.margin + 6, y0 = v.height - v.margin - 4, w = len * v.scale;
  std::string label = len >= 1000 ? fixed(len / 1000, len >= 10000 ? 0 : 1) + " km"
                                  : fixed(len, len >= 1 ? 0 : 1) + " m";
  std::string o = "<g class=\"sb\">";
  o += "<rect x=\"" + px(x0 - 3) + "\" y=\"" + px(y0 - 17) + "\" width=\"" + px(w + 6) +
       "\" height=\"22\" class=\"sbg\"/>";
  o += "<path d=\"M" + px(x0) + " " + px(y0 - 5) + "V" + px(y0) + "H" + px(x0 + w) + "V" +
       px(y0 - 5) + "\" class=\"sbl\"/>";
  o += "<text x=\"" + px(x0 + w / 2) + "\" y=\"" + px(y0 - 7) + "\" text-anchor=\"middle\">" +
       label + "</text></g>";
  return o;
}

std::string north_arrow(const View& v) {
  const double x = v.width - v.margin - 10, y = v.margin + 4;
  return "<g class=\"na\"><path d=\"M" + px(x) + " " + px(y) + "l-5 14l5-4l5 4z\"/><text x=\"" +
         px(x) + "\" y=\"" + px(y + 26) + "\" text-anchor=\"middle\">N</text></g>";
}

// Symbols, about (0, 0), shared by the map's legend and (through the same classes) the
// map. Shapes differ by kind so that the map reads in black and white.
// The legend's classes differ from the map's ("rml", not "rm"; "fdl", "fcl") so that
// counting a map's marks stays simple.
std::string sym_recorded(const char* colour) {
  return std::string("<circle class=\"rml\" r=\"3.5\" stroke=\"") + colour + "\"/>";
}
std::string sym_find(const char* colour) {
  return std::string("<circle class=\"fdl\" r=\"2.6\" fill=\"") + colour + "\"/>";
}
const char* const kCrossD = "m-3.5 0h7m-3.5-3.5v7";  // a cross about the current point

// The record's map: an SVG element, or a note when there is nothing to draw.
std::string record_map(const ReliabilityInput& in, const ReliabilityResult& r) {
  const Frame f(map_origin(in, r));
  const Categories cats = categories_of(in, r);

  // The extent, in metres, of everything drawn.
  core::Envelope env;
  auto take = [&](const core::Coord& c, double radius = 0) {
    if (!finite(c)) return;
    Pt p = f(c);
    env.expand(core::Coord{p.e - radius, p.n - radius});
    env.expand(core::Coord{p.e + radius, p.n + radius});
  };
  for (const auto& m : in.recorded) take(m.at);
  for (const auto& x : in.finds) take(x.at);
  for (const auto& c : r.corrected_positions) take(c);
  for (const auto& p : r.predicted_remaining) take(p.at, p.radius_m);
  for (const auto& p : r.inferred) take(p.at, p.radius_m);
  for (const auto& ring : in.perimeter)
    for (const auto& c : ring) take(c);
  for (const auto& poly : in.cleared)
    for (const auto& ring : poly)
      for (const auto& c : ring) take(c);
  if (env.empty()) return "<p class=\"note\">Nothing to draw: no positions.</p>";

  // Pad by 6% and make each side at least 20 m, so that a handful of mines a metre
  // apart is not blown up to fill the page.
  double w_m = env.max_x - env.min_x, h_m = env.max_y - env.min_y;
  const double pad = 0.06 * std::max(w_m, h_m) + 2;
  double min_e = env.min_x - pad, max_e = env.max_x + pad;
  double min_n = env.min_y - pad, max_n = env.max_y + pad;
  if (max_e - min_e < 20) {
    double c = (max_e + min_e) / 2;
    min_e = c - 10;
    max_e = c + 10;
  }
  if (max_n - min_n < 20) {
    double c = (max_n + min_n) / 2;
    min_n = c - 10;
    max_n = c + 10;
  }
  w_m = max_e - min_e;
  h_m = max_n - min_n;

  View v;
  const double max_w = 760, max_h = 620;
  v.scale = std::min((max_w - 2 * v.margin) / w_m, (max_h - 2 * v.margin) / h_m);
  v.min_e = min_e;
  v.max_n = max_n;
  // The legend below needs room for its labels even when the field is tall and thin.
  v.width = std::max(w_m * v.scale + 2 * v.margin, 420.0);
  v.height = h_m * v.scale + 2 * v.margin;

  const std::size_t marks = in.recorded.size() + in.finds.size() + r.corrected_positions.size() +
                            r.predicted_remaining.size() + r.inferred.size();
  const bool compact = marks > kCompactAbove;
  const bool tooltips = marks <= kTooltipsUpTo;

  std::string o;
  o.reserve(256 + marks * (compact ? 20 : 48));

  // Cleared ground: one path per polygon, holes by the even-odd rule.
  std::string body;
  for (const auto& poly : in.cleared) {
    std::string d;
    for (const auto& ring : poly) append_ring(d, v, f, ring);
    if (!d.empty()) body += "<path class=\"cl\" d=\"" + d + "\"/>";
  }
  if (!in.perimeter.empty()) {
    std::string d;
    for (const auto& ring : in.perimeter) append_ring(d, v, f, ring);
    if (!d.empty()) body += "<path class=\"pe\" d=\"" + d + "\"/>";
  }

  // Predicted remaining mines and inferred ones: a dotted circle of the prediction's
  // radius (at least a few pixels, to stay visible); inferred ones add a diamond.
  auto predicted_circle = [&](const Predicted& p, const char* cls) {
    if (!finite(p.at)) return;
    Pt q = f(p.at);
    body += std::string("<circle class=\"") + cls + "\" cx=\"" + px(v.x(q.e)) + "\" cy=\"" +
            px(v.y(q.n)) + "\" r=\"" + px(std::max(p.radius_m * v.scale, 3.0)) + "\"";
    if (tooltips) {
      std::string what = p.row.empty()
                             ? std::string("inferred")
                             : "row " + html_escape(p.row) + " #" + std::to_string(p.index);
      body += "><title>" + what + " " + html_escape(p.category) + ", within " + metres(p.radius_m) +
              " m</title></circle>";
    } else {
      body += "/>";
    }
  };
  if (!r.predicted_remaining.empty()) {
    body += "<g>";
    for (const auto& p : r.predicted_remaining) predicted_circle(p, "pr");
    body += "</g>";
  }
  if (!r.inferred.empty()) {
    body += "<g>";
    std::string d;
    for (const auto& p : r.inferred) {
      predicted_circle(p, "pr");
      if (!finite(p.at)) continue;
      d += "M" + v.xy(f(p.at)) + "m0-5l4 5l-4 5l-4-5z";
    }
    body += "<path class=\"inf\" d=\"" + d + "\"/></g>";
  }

  // Matched pairs: after the correction when there is one, else as recorded.
  const bool use_corrected = r.correction.has_value() && !r.corrected_positions.empty();
  const auto& pairs = use_corrected ? r.matches_corrected : r.matches_as_recorded;
  {
    std::string d;
    for (const Match& m : pairs) {
      if (m.recorded < 0 || m.find < 0 || static_cast<std::size_t>(m.find) >= in.finds.size())
        continue;
      const auto ri = static_cast<std::size_t>(m.recorded);
      core::Coord from;
      if (use_corrected) {
        if (ri >= r.corrected_positions.size()) continue;
        from = r.corrected_positions[ri];
      } else {
        if (ri >= in.recorded.size()) continue;
        from = in.recorded[ri].at;
      }
      const core::Coord& to = in.finds[static_cast<std::size_t>(m.find)].at;
      if (!finite(from) || !finite(to)) continue;
      d += "M" + v.xy(f(from)) + "L" + v.xy(f(to));
    }
    if (!d.empty()) body += "<path class=\"mp\" d=\"" + d + "\"/>";
  }

  // Recorded mines, grouped by category so the colour is said once per group.
  const std::size_t ncat = cats.names.size();
  std::vector<std::vector<std::size_t>> by_cat(ncat);
  for (std::size_t i = 0; i < in.recorded.size(); ++i)
    if (finite(in.recorded[i].at))
      by_cat[static_cast<std::size_t>(cats.index(in.recorded[i].category))].push_back(i);
  for (std::size_t c = 0; c < ncat; ++c) {
    if (by_cat[c].empty()) continue;
    const char* colour = cats.colour(static_cast<int>(c));
    if (compact) {
      // Hollow 2 px squares, all in one path.
      std::string d;
      d.reserve(by_cat[c].size() * 18);
      for (std::size_t i : by_cat[c]) {
        Pt q = f(in.recorded[i].at);
        d += "M" + px(v.x(q.e) - 1) + " " + px(v.y(q.n) - 1) + "h2v2h-2z";
      }
      body += std::string("<path class=\"rq\" stroke=\"") + colour + "\" d=\"" + d + "\"/>";
      continue;
    }
    body += std::string("<g stroke=\"") + colour + "\">";
    for (std::size_t i : by_cat[c]) {
      const auto& m = in.recorded[i];
      Pt q = f(m.at);
      body +=
          "<circle class=\"rm\" cx=\"" + px(v.x(q.e)) + "\" cy=\"" + px(v.y(q.n)) + "\" r=\"3.5\"";
      if (tooltips)
        body += "><title>recorded: row " + html_escape(m.row) + " #" + std::to_string(m.index) +
                " " + html_escape(m.category) + "</title></circle>";
      else
        body += "/>";
    }
    body += "</g>";
  }

  // Finds: filled dots in the colour of their category; clutter (a category the record
  // does not list) smaller and grey.
  std::vector<std::vector<std::size_t>> finds_by(ncat + 1);  // the last: clutter
  for (std::size_t i = 0; i < in.finds.size(); ++i) {
    if (!finite(in.finds[i].at)) continue;
    int c = cats.index(in.finds[i].category);
    finds_by[c < 0 ? ncat : static_cast<std::size_t>(c)].push_back(i);
  }
  for (std::size_t c = 0; c <= ncat; ++c) {
    if (finds_by[c].empty()) continue;
    const bool clutter = c == ncat;
    const char* colour = clutter ? kClutter : cats.colour(static_cast<int>(c));
    if (compact) {
      // Zero-length segments with round caps draw as dots, all in one path.
      std::string d;
      for (std::size_t i : finds_by[c]) d += "M" + v.xy(f(in.finds[i].at)) + "h0";
      body += std::string("<path class=\"") + (clutter ? "fcd" : "fdd") + "\" stroke=\"" + colour +
              "\" d=\"" + d + "\"/>";
      continue;
    }
    body += std::string("<g fill=\"") + colour + "\">";
    for (std::size_t i : finds_by[c]) {
      const auto& x = in.finds[i];
      Pt q = f(x.at);
      body += std::string("<circle class=\"") + (clutter ? "fc" : "fd") + "\" cx=\"" +
              px(v.x(q.e)) + "\" cy=\"" + px(v.y(q.n)) + "\" r=\"" + (clutter ? "1.8" : "2.6") +
              "\"";
      if (tooltips)
        body += "><title>found: " + html_escape(x.id) + " " + html_escape(x.category) +
                "</title></circle>";
      else
        body += "/>";
    }
    body += "</g>";
  }

  // Corrected positions: small crosses, one path.
  if (use_corrected) {
    std::string d;
    for (const auto& c : r.corrected_positions)
      if (finite(c)) d += "M" + v.xy(f(c)) + kCrossD;
    if (!d.empty()) body += "<path class=\"cp\" d=\"" + d + "\"/>";
  }

  // The legend lists only what this map shows.
  std::vector<LegendItem> items;
  if (!in.cleared.empty())
    items.push_back(
        {"<rect class=\"cl\" x=\"-7\" y=\"-5\" width=\"14\" height=\"10\"/>", "cleared ground"});
  if (!in.perimeter.empty())
    items.push_back({"<path class=\"pe\" d=\"M-8 0h16\"/>", "recorded perimeter"});
  for (std::size_t c = 0; c < ncat; ++c) {
    if (by_cat[c].empty()) continue;
    const char* colour = cats.colour(static_cast<int>(c));
    items.push_back({compact ? std::string("<path class=\"rq\" stroke=\"") + colour +
                                   "\" d=\"M-1.5 -1.5h3v3h-3z\"/>"
                             : sym_recorded(colour),
                     "recorded " + html_escape(cats.names[c])});
  }
  for (std::size_t c = 0; c < ncat; ++c)
    if (!finds_by[c].empty())
      items.push_back(
          {sym_find(cats.colour(static_cast<int>(c))), "found " + html_escape(cats.names[c])});
  if (!finds_by[ncat].empty())
    items.push_back({std::string("<circle class=\"fcl\" r=\"1.8\" fill=\"") + kClutter + "\"/>",
                     "found, other (clutter)"});
  if (use_corrected)
    items.push_back({std::string("<path class=\"cp\" d=\"M0 0") + kCrossD + "\"/>",
                     "recorded mine, corrected"});
  if (!pairs.empty())
    items.push_back({"<path class=\"mp\" d=\"M-8 3L8 -3\"/>",
                     use_corrected ? "matched pair (corrected)" : "matched pair (as recorded)"});
  if (!r.predicted_remaining.empty())
    items.push_back({"<circle class=\"pr\" r=\"6\"/>", "predicted remaining, radius"});
  if (!r.inferred.empty())
    items.push_back({"<path class=\"inf\" d=\"M0 -5l4 5l-4 5l-4-5z\"/>", "inferred mine"});

  double legend_h = 0;
  std::string leg = legend(items, v.width, v.height, legend_h);
  const double total_h = v.height + legend_h;

  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" width=\"" + px(v.width) +
       "\" height=\"" + px(total_h) + "\" viewBox=\"0 0 " + px(v.width) + " " + px(total_h) +
       "\" role=\"img\" aria-label=\"map of record " + html_escape(r.record) + "\">";
  o += body;
  o += north_arrow(v);
  o += scale_bar(v, w_m);
  o += "<path class=\"lsep\" d=\"M0 " + px(v.height) + "H" + px(v.width) + "\"/>";
  o += leg;
  o += "</svg>";
  return o;
}

// A histogram of matched errors: ten bins from 0 to the tolerance (or the largest
// error, should the analysis have let a larger one through).
std::string residual_histogram(const std::vector<double>& errors, double tolerance) {
  double hi = std::isfinite(tolerance) && tolerance > 0 ? tolerance : 1;
  for (double e : errors)
    if (std::isfinite(e)) hi = std::max(hi, e);
  constexpr int kBins = 10;
  std::array<int, kBins> counts{};
  for (double e : errors) {
    if (!std::isfinite(e)) continue;
    int b = static_cast<int>(std::max(e, 0.0) / hi * kBins);
    ++counts[static_cast<std::size_t>(std::min(b, kBins - 1))];
  }
  const int top = std::max(1, *std::max_element(counts.begin(), counts.end()));
  const double W = 340, H = 150, left = 34, right = 10, top_m = 16, bottom = 34;
  const double bw = (W - left - right) / kBins, ph = H - top_m - bottom;
  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"hist\" width=\"" + px(W) +
                  "\" height=\"" + px(H) + "\" viewBox=\"0 0 " + px(W) + " " + px(H) +
                  "\" role=\"img\" aria-label=\"histogram of matched errors\">";
  for (int b = 0; b < kBins; ++b) {
    const int n = counts[static_cast<std::size_t>(b)];
    const double h = ph * n / top, x = left + b * bw, y = top_m + ph - h;
    o += "<rect class=\"bar\" x=\"" + px(x + 1) + "\" y=\"" + px(y) + "\" width=\"" + px(bw - 2) +
         "\" height=\"" + px(h) + "\"><title>" + metres(hi * b / kBins) + "&#8211;" +
         metres(hi * (b + 1) / kBins) + " m: " + std::to_string(n) + "</title></rect>";
    if (n)
      o += "<text x=\"" + px(x + bw / 2) + "\" y=\"" + px(y - 3) + "\" text-anchor=\"middle\">" +
           std::to_string(n) + "</text>";
  }
  const double base = top_m + ph;
  o += "<path class=\"axis\" d=\"M" + px(left) + " " + px(base) + "H" + px(W - right) + "\"/>";
  for (int t = 0; t <= 2; ++t) {
    const double x = left + (W - left - right) * t / 2;
    o += "<text x=\"" + px(x) + "\" y=\"" + px(base + 13) + "\" text-anchor=\"middle\">" +
         metres(hi * t / 2) + "</text>";
  }
  o += "<text x=\"" + px((W + left - right) / 2) + "\" y=\"" + px(H - 4) +
       "\" text-anchor=\"middle\">error (m)</text>";
  o += "<text x=\"4\" y=\"" + px(top_m + ph / 2) + "\">pairs</text>";
  o += "</svg>";
  return o;
}

const char* const kCss = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 color:#1a1a1a;max-width:1040px;margin:1.5em auto;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}
h2{font-size:1.25em;border-bottom:1px solid #bbb;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.4em 0 1em;font-variant-numeric:tabular-nums}
th,td{border:1px solid #c8c8c8;padding:.25em .5em;text-align:right;vertical-align:top}
th{background:#f2f2f2;font-weight:600}
.t{text-align:left}
.ci{color:#555;font-size:.85em;white-space:nowrap}
.note{color:#555}
.g{display:inline-block;min-width:1.4em;text-align:center;font-weight:bold;
 border:1px solid #333;border-radius:3px;padding:0 .15em}
.g-A{background:#cdeccd}.g-B{background:#d4e5f7}.g-C{background:#fbe6bd}
.g-D{background:#f5c6c0}.g-U{background:#e4e4e4}
dl.grades dt{float:left;clear:left;width:2em}
dl.grades dd{margin:0 0 .3em 2.4em}
figure{margin:.6em 0}
figcaption{color:#444;font-size:.9em}
svg{max-width:100%;height:auto}
svg.map{border:1px solid #999;background:#fff}
svg text{font-size:11px;fill:#222}
.row{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
.cl{fill:#e2eedb;stroke:#97b88b;stroke-width:.8}
.pe{fill:none;stroke:#333;stroke-width:1.2;stroke-dasharray:6 4}
.pr{fill:none;stroke:#6a3d9a;stroke-width:1;stroke-dasharray:1.5 2.5}
.inf{fill:#fff;stroke:#6a3d9a;stroke-width:1.2}
.mp{fill:none;stroke:#555;stroke-width:.6}
.rm,.rml{fill:none;stroke-width:1.3}
.rq{fill:none;stroke-width:.6}
.fd,.fc,.fdl,.fcl{stroke:none}
.fdd{fill:none;stroke-width:5;stroke-linecap:round}
.fcd{fill:none;stroke-width:3.5;stroke-linecap:round}
.cp{fill:none;stroke:#000;stroke-width:1}
.sbl{fill:none;stroke:#000;stroke-width:1.5}
.sbg{fill:#fff;fill-opacity:.75}
.na path{fill:#000}
.lsep{stroke:#ccc}
.bar{fill:#7f9fbf;stroke:#2f4f6f;stroke-width:.6}
.axis{stroke:#333}
ul.warn li{color:#8a3b00}
@media print{
 body{max-width:none;margin:0;font-size:10.5pt}
 section.record{break-before:page}
 a{color:inherit;text-decoration:none}
 th{background:none}
 svg.map{border-color:#000}
 table,figure{break-inside:avoid}
}
)";

// ---------------------------------------------------------------------------------
// The page's parts.

std::string share_with_counts(long long k, long long n) {
  if (n <= 0) return std::to_string(k) + " of 0";
  return std::to_string(k) + " of " + std::to_string(n) + " <span class=\"ci\">(" +
         percent(static_cast<double>(k) / static_cast<double>(n)) + ")</span>";
}

std::string sources_table(const std::vector<SourceSummary>& sources) {
  std::string o = "<section id=\"sources\"><h2>By source</h2>";
  if (sources.empty()) return o + "<p class=\"note\">No sources.</p></section>";
  o += "<p>Records per grade, with the share of the source's records and its Wilson 95% "
       "interval, and the finds and accidents that lie outside every recorded perimeter of the "
       "source.</p>";
  o += "<table class=\"sources\"><thead><tr><th class=\"t\">Source</th><th>Records</th>";
  for (char g : std::string_view("ABCDU")) o += "<th>" + grade_badge(g) + "</th>";
  o += "<th>Finds outside every perimeter</th><th>Accidents outside every perimeter</th>";
  o += "</tr></thead><tbody>";
  for (const auto& s : sources) {
    o += "<tr><td class=\"t\">" + html_escape(s.source) + "</td><td>" + std::to_string(s.records) +
         "</td>";
    for (char g : std::string_view("ABCDU")) {
      auto it = s.by_grade.find(g);
      const int k = it == s.by_grade.end() ? 0 : it->second;
      o += "<td>" + std::to_string(k);
      if (s.records > 0) {
        o += "<br/><span class=\"ci\">" + percent(static_cast<double>(k) / s.records);
        auto ci = s.grade_ci95.find(g);
        if (ci != s.grade_ci95.end())
          o += " [" + percent(ci->second[0]) + ", " + percent(ci->second[1]) + "]";
        o += "</span>";
      }
      o += "</td>";
    }
    o += "<td>" + share_with_counts(s.finds_outside_every_perimeter, s.finds) + "</td>";
    o += "<td>" + share_with_counts(s.accidents_outside_every_perimeter, s.accidents) + "</td>";
    o += "</tr>";
  }
  return o + "</tbody></table></section>";
}

std::string record_anchor(std::size_t i) {
  return "rec-" + std::to_string(i + 1);
}

// The denominators of recall and precision. ReliabilityResult's own counts are those
// as recorded, so they stand in for MatchStats counts the analysis left at zero there;
// the corrected counts (judged at corrected positions) have no such stand-in.
struct Denominators {
  int recorded = 0, found = 0;
};
Denominators as_recorded_counts(const ReliabilityResult& r) {
  return {
      r.as_recorded.recorded_in_cleared ? r.as_recorded.recorded_in_cleared : r.recorded_in_cleared,
      r.as_recorded.found_in_cleared ? r.as_recorded.found_in_cleared : r.found_in_cleared};
}
Denominators corrected_counts(const ReliabilityResult& r) {
  return {r.corrected.recorded_in_cleared, r.corrected.found_in_cleared};
}

// A share of nothing is no share: a dash rather than a misleading 0%.
std::string share(double v, int denominator) {
  return denominator == 0 && v == 0 ? std::string(kNone) : percent(v);
}

std::string recall_precision(const analysis::MatchStats& m, Denominators d) {
  return share(m.recall, d.recorded) + " / " + share(m.precision, d.found);
}

std::string summary_table(const std::vector<ReliabilityResult>& results) {
  std::string o = "<section id=\"summary\"><h2>Records</h2>";
  if (results.empty()) return o + "<p class=\"note\">No records.</p></section>";
  o += "<table class=\"summary\"><thead><tr><th class=\"t\">Record</th><th class=\"t\">Source</th>"
       "<th>Grade</th><th>Recall / precision as recorded</th>"
       "<th>Recall / precision corrected</th><th>Shift east (m)</th><th>Shift north (m)</th>"
       "<th>Rotation (&#176; clockwise)</th><th>Predicted remaining</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    o += "<tr><td class=\"t\"><a href=\"#" + record_anchor(i) + "\">" + html_escape(r.record) +
         "</a></td><td class=\"t\">" + html_escape(r.source) + "</td><td>" + grade_badge(r.grade) +
         "</td><td>" + recall_precision(r.as_recorded, as_recorded_counts(r)) + "</td>";
    if (r.correction) {
      const auto& c = *r.correction;
      o += "<td>" + recall_precision(r.corrected, corrected_counts(r)) + "</td>";
      o += "<td>" + metres(c.shift_east_m) + interval(c.ci_shift_east_m, metres) + "</td>";
      o += "<td>" + metres(c.shift_north_m) + interval(c.ci_shift_north_m, metres) + "</td>";
      o += "<td>" + degrees(c.rotation_deg) + interval(c.ci_rotation_deg, degrees) + "</td>";
    } else {
      for (int k = 0; k < 4; ++k) o += "<td>" + std::string(kNone) + "</td>";
    }
    // U: not judged, no count (0 would read "no mines left"); no correction: unknown.
    o += "<td>" +
         (!analysis::judged(r)           ? std::string("not judged")
          : !analysis::has_prediction(r) ? std::string(kNone)
                                         : std::to_string(r.predicted_remaining.size())) +
         "</td></tr>";
  }
  return o + "</tbody></table></section>";
}

std::string stats_row(const char* label, const analysis::MatchStats& m, Denominators d) {
  const bool any = m.matched > 0;
  return std::string("<tr><th class=\"t\">") + label + "</th><td>" + std::to_string(d.recorded) +
         "</td><td>" + std::to_string(d.found) + "</td><td>" + std::to_string(m.matched) +
         "</td><td>" + share(m.recall, d.recorded) + "</td><td>" + share(m.precision, d.found) +
         "</td><td>" + (any ? metres(m.error_m.median) : std::string(kNone)) + "</td><td>" +
         (any ? metres(m.error_m.rmse) : std::string(kNone)) + "</td><td>" +
         (any ? metres(m.error_m.ce90) : std::string(kNone)) + "</td></tr>";
}

std::string correction_table(const analysis::Correction& c) {
  std::string o =
      "<table class=\"correction\"><thead><tr><th class=\"t\"></th><th>Estimate</th>"
      "<th>95% interval</th></tr></thead><tbody>";
  auto row = [&](const char* label, double v, const std::array<double, 2>& ci,
                 std::string (*fmt)(double)) {
    o += std::string("<tr><th class=\"t\">") + label + "</th><td>" + fmt(v) + "</td><td>" +
         (ci[0] == ci[1] ? std::string(kNone) : "[" + fmt(ci[0]) + ", " + fmt(ci[1]) + "]") +
         "</td></tr>";
  };
  row("Shift east (m)", c.shift_east_m, c.ci_shift_east_m, metres);
  row("Shift north (m)", c.shift_north_m, c.ci_shift_north_m, metres);
  row("Rotation (&#176; clockwise)", c.rotation_deg, c.ci_rotation_deg, degrees);
  if (c.scale != 1 || c.ci_scale[0] != c.ci_scale[1])
    row("Scale", c.scale, c.ci_scale, [](double s) { return fixed(s, 4); });
  o += "</tbody></table><p class=\"note\">Rotated clockwise and scaled about " + lonlat(c.about) +
       " (lon, lat), then shifted.</p>";
  return o;
}

const ReliabilityInput* input_for(std::size_t i, const ReliabilityResult& r,
                                  const std::vector<ReliabilityInput>& inputs) {
  if (i < inputs.size() && inputs[i].record == r.record) return &inputs[i];
  for (const auto& in : inputs)
    if (in.record == r.record && in.source == r.source) return &in;
  for (const auto& in : inputs)
    if (in.record == r.record) return &in;
  return nullptr;
}

// Tables of predicted mines are for the team going back in; beyond this many rows the
// JSON output is the better tool, and the page says so.
constexpr std::size_t kPredictedRowsShown = 500;

std::string predicted_table(const std::vector<Predicted>& ps, const char* what) {
  std::string o = "<details><summary>" + std::string(what) + ": " + std::to_string(ps.size()) +
                  "</summary><table><thead><tr><th class=\"t\">Row</th><th>Index</th>"
                  "<th class=\"t\">Category</th><th>Longitude</th><th>Latitude</th>"
                  "<th>Radius (m)</th></tr></thead><tbody>";
  const std::size_t n = std::min(ps.size(), kPredictedRowsShown);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = ps[i];
    o += "<tr><td class=\"t\">" + (p.row.empty() ? std::string(kNone) : html_escape(p.row)) +
         "</td><td>" + (p.row.empty() ? std::string(kNone) : std::to_string(p.index)) +
         "</td><td class=\"t\">" + html_escape(p.category) + "</td><td>" + fixed(p.at.x, 7) +
         "</td><td>" + fixed(p.at.y, 7) + "</td><td>" + metres(p.radius_m) + "</td></tr>";
  }
  o += "</tbody></table>";
  if (ps.size() > n)
    o += "<p class=\"note\">The first " + std::to_string(n) + " of " + std::to_string(ps.size()) +
         "; <code>reliability --json</code> lists all.</p>";
  return o + "</details>";
}

std::string record_section(std::size_t i, const ReliabilityResult& r, const ReliabilityInput* in) {
  std::string o = "<section class=\"record\" id=\"" + record_anchor(i) + "\">";
  o += "<h2>" + html_escape(r.record) + " " + grade_badge(r.grade) + "</h2>";
  o += "<p>Source: " + (r.source.empty() ? std::string(kNone) : html_escape(r.source));
  if (in) o += ". Reference point " + lonlat(in->about) + " (lon, lat)";
  o += ". Tolerance " + metres(r.tolerance_m) + " m.</p>";
  o += "<p class=\"reason\"><strong>Grade " + html_escape(std::string(1, r.grade)) + ":</strong> " +
       (r.grade_reason.empty() ? std::string(kNone) : html_escape(r.grade_reason)) + "</p>";

  if (in) {
    o += "<figure>" + record_map(*in, r) + "<figcaption>Metres east and north of " +
         lonlat(map_origin(*in, r)) +
         " (lon, lat), north up; drawn in an equirectangular approximation, a picture and "
         "not a measurement.</figcaption></figure>";
  } else {
    o += "<p class=\"note\">No input for this record: no map.</p>";
  }

  // Matching, as recorded and corrected, with the residuals of the matches shown.
  o += "<h3>Matches</h3><div class=\"row\"><table class=\"matches\"><thead><tr>"
       "<th class=\"t\"></th><th>Recorded in cleared ground</th><th>Found in cleared ground</th>"
       "<th>Matched</th><th>Recall</th><th>Precision</th><th>Median error (m)</th>"
       "<th>RMSE (m)</th><th>CE90 (m)</th></tr></thead><tbody>";
  o += stats_row("As recorded", r.as_recorded, as_recorded_counts(r));
  if (r.correction) o += stats_row("Corrected", r.corrected, corrected_counts(r));
  o += "</tbody></table>";
  const bool corrected = r.correction.has_value() && !r.matches_corrected.empty();
  const auto& pairs = corrected ? r.matches_corrected : r.matches_as_recorded;
  if (!pairs.empty()) {
    std::vector<double> errors;
    errors.reserve(pairs.size());
    for (const auto& m : pairs) errors.push_back(m.error_m);
    o += "<figure>" + residual_histogram(errors, r.tolerance_m) + "<figcaption>Errors of the " +
         std::to_string(pairs.size()) + " matched pairs " +
         (corrected ? "after the correction" : "as recorded") + ".</figcaption></figure>";
  }
  o += "</div>";

  o += "<h3>Correction</h3>";
  if (r.correction)
    o += correction_table(*r.correction);
  else
    o += "<p class=\"note\">No correction: nothing to fit.</p>";

  o += "<h3>Declared and found</h3>";
  if (r.declared_vs_found.empty()) {
    o += "<p class=\"note\">No declared counts.</p>";
  } else {
    o += "<table class=\"declared\"><thead><tr><th class=\"t\">Category</th><th>Declared</th>"
         "<th>Found</th></tr></thead><tbody>";
    for (const auto& [cat, dv] : r.declared_vs_found)
      o += "<tr><td class=\"t\">" + html_escape(cat) + "</td><td>" + std::to_string(dv[0]) +
           "</td><td>" + std::to_string(dv[1]) + "</td></tr>";
    o += "</tbody></table>";
  }
  o += "<p>Found outside the recorded perimeter: " + std::to_string(r.found_outside_perimeter) +
       ". Other ordnance in cleared ground (clutter, not held against the record): " +
       std::to_string(r.other_found) + ".</p>";

  if (!analysis::judged(r))
    o += "<p class=\"note\">Not judged: no figure of the mines left. Too few recorded mines "
         "lie in cleared ground to say how many remain or where; that is not none.</p>";
  else if (!analysis::has_prediction(r))
    o += "<p class=\"note\">No prediction of the mines left: no correction could be "
         "fitted.</p>";
  else if (!r.predicted_remaining.empty())
    o += predicted_table(r.predicted_remaining, "Predicted remaining mines");
  if (!r.inferred.empty())
    o += predicted_table(r.inferred, "Inferred mines (rows fitted to unexplained finds)");

  if (!r.warnings.empty()) {
    o += "<h3>Warnings</h3><ul class=\"warn\">";
    for (const auto& w : r.warnings) o += "<li>" + html_escape(w) + "</li>";
    o += "</ul>";
  }
  return o + "</section>";
}

std::string how_made(const std::vector<ReliabilityResult>& results, const ReliabilityOptions& opt) {
  std::set<double> tolerances;
  for (const auto& r : results) tolerances.insert(r.tolerance_m);
  if (tolerances.empty()) tolerances.insert(opt.tolerance_m);
  std::string tol;
  for (double t : tolerances) tol += (tol.empty() ? "" : ", ") + metres(t) + " m";

  const auto& g = opt.grade;
  std::string o = "<section id=\"method\"><h2>How this was made</h2>";
  o += "<p>Each record's mines were matched one to one with the mines clearance found, "
       "within a tolerance of " +
       tol +
       " and of the same category, first as recorded and then after the one rigid "
       "correction (a rotation and a shift" +
       std::string(opt.fit_scale ? ", and a scale" : "") +
       ") that best explains the finds. Only cleared ground counts: recall is the share of "
       "the recorded mines in cleared ground that were found, precision the share of the "
       "mines found there that the record explains. Intervals are 95%, from " +
       std::to_string(opt.bootstrap) +
       " bootstrap resamples for the correction and Wilson score intervals for shares of "
       "records.</p>";
  o += "<dl class=\"grades\">";
  o += "<dt>" + grade_badge('A') + "</dt><dd>Reliable as recorded: recall and precision as " +
       "recorded at least " + percent(g.a) + ".</dd>";
  o += "<dt>" + grade_badge('B') +
       "</dt><dd>Reliable after one rigid correction: recall and precision corrected at least " +
       percent(g.b) + ".</dd>";
  o += "<dt>" + grade_badge('C') +
       "</dt><dd>Partly reliable: recall and precision corrected at least " + percent(g.c) +
       ".</dd>";
  o += "<dt>" + grade_badge('D') + "</dt><dd>No correspondence between record and finds.</dd>";
  o += "<dt>" + grade_badge('U') + "</dt><dd>Undetermined: fewer than " +
       std::to_string(g.min_recorded) + " recorded mines in cleared ground.</dd>";
  o += "</dl></section>";
  return o;
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default:
          // XML 1.0 allows no C0 control but tab, line feed and carriage return.
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            out += kReplacement;
          else
            out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    const std::size_t len = utf8_length(p + i, n - i);
    // U+FFFE and U+FFFF are valid UTF-8 but not XML characters.
    const bool nonchar = len == 3 && c == 0xEF && p[i + 1] == 0xBF && p[i + 2] >= 0xBE;
    if (len == 0 || nonchar) {
      out += kReplacement;
      i += len ? len : 1;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  return out;
}

std::string reliability_html(const std::vector<ReliabilityInput>& inputs,
                             const std::vector<ReliabilityResult>& results,
                             const std::vector<SourceSummary>& sources, const std::string& title,
                             const ReliabilityOptions& options) {
  std::string o;
  o += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>";
  o += "<meta name=\"generator\" content=\"minemap reliability\"/>";
  o += "<title>" + html_escape(title) + "</title><style>" + kCss + "</style></head>\n<body>";
  o += "<header><h1>" + html_escape(title) + "</h1><p class=\"note\">Made " +
       core::utc_timestamp() + " by minemap reliability: " + std::to_string(results.size()) +
       " record" + (results.size() == 1 ? "" : "s") + " from " + std::to_string(sources.size()) +
       " source" + (sources.size() == 1 ? "" : "s") + ".</p></header>\n";
  o += how_made(results, options) + "\n";
  o += sources_table(sources) + "\n";
  o += summary_table(results) + "\n";
  for (std::size_t i = 0; i < results.size(); ++i)
    o += record_section(i, results[i], input_for(i, results[i], inputs)) + "\n";
  o += "</body></html>\n";
  return o;
}

}  // namespace minemap::render
