// Checks of text from outside before anything parses or stores it: UTF-8, control
// characters, and how deep a JSON text nests (measured without parsing it, so that a
// hostile `[[[[...` never reaches a recursive reader or writer). And the one quoting
// of a CSV cell that minemap writes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace minemap::core {

// Well-formed UTF-8: no overlong forms, surrogates or code points above U+10FFFF.
bool valid_utf8(std::string_view s);

// The deepest nesting of arrays and objects in a JSON text (0 for a scalar), counted
// up to `stop` and no further. Brackets inside strings do not count; the text need not
// be valid JSON (the parser judges that afterwards).
std::size_t json_depth(std::string_view text, std::size_t stop);

// The JSON nesting a minemap input may have: a GeoJSON FeatureCollection of
// MultiPolygons is 7 deep; records nest less.
inline constexpr std::size_t kMaxJsonDepth = 64;

enum class CsvQuote { AsNeeded, Always };
// A CSV cell (RFC 4180): in double quotes, a quote doubled, when it holds a comma, a
// quote or a line break (AsNeeded), or whatever it holds (Always).
std::string csv_cell(std::string_view s, CsvQuote quote = CsvQuote::AsNeeded);

// The text with every run of white space (spaces, tabs, line breaks) made one space and
// none at either end: SQL the store created, compared with what it finds there.
std::string collapse_spaces(std::string_view text);

}  // namespace minemap::core
