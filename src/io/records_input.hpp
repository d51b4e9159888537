// Records given to `add`, `update` and the HTTP API: a JSON object, an array of them, a
// GeoJSON Feature or a FeatureCollection. JSON from outside is parsed here, once, with
// its nesting limited before the parser sees it.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "core/text.hpp"

namespace minemap::io {

struct LocatedRecord {
  core::Record record;
  std::string where;  // "features[3]", "[2]", or "" for a single object
};

// Parses JSON text read from `source` (a file name, "-" or "body"). Nesting deeper than
// `max_depth` is refused before parsing; malformed JSON is an InputError naming the
// source, line and column.
nlohmann::json parse_json(const std::string& text, const std::string& source,
                          std::size_t max_depth = core::kMaxJsonDepth);

// Parses `text` read from `source` into records.
std::vector<LocatedRecord> parse_records(const std::string& text, const std::string& source);
// The records of JSON already parsed (by parse_json).
std::vector<LocatedRecord> records_from_json(const nlohmann::json& j, const std::string& source);

}  // namespace minemap::io
