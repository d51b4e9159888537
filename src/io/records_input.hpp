// Records given to `add` and `update`: a JSON object, an array of them, a GeoJSON
// Feature or a FeatureCollection.
#pragma once

#include <string>
#include <vector>

#include "core/schema.hpp"

namespace minemap::io {

struct LocatedRecord {
  core::Record record;
  std::string where;  // "features[3]", "[2]", or "" for a single object
};

// Parses `text` read from `source` (a file name or "-"). Malformed JSON is an
// InputError naming the source, line and column.
std::vector<LocatedRecord> parse_records(const std::string& text, const std::string& source);

}  // namespace minemap::io
