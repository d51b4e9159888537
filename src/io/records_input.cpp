// Parsing of the JSON / GeoJSON records that `add` and `update` take.
#include "io/records_input.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "geo/geojson.hpp"

namespace minemap::io {

namespace {

std::string line_and_column(const std::string& text, std::size_t byte) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

LocatedRecord one(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object())
    throw core::InputError(where.empty() ? "input" : where, "expected a JSON object");
  try {
    return {geo::record_from_json(j, where), where};
  } catch (const core::InputError& e) {
    if (where.empty()) throw;
    throw e.located(where);
  }
}

}  // namespace

nlohmann::json parse_json(const std::string& text, const std::string& source,
                          std::size_t max_depth) {
  const std::string name = source == "-" ? "<stdin>" : source;
  // The parser itself keeps its own stack, but writing the tree back out (dump) and the
  // readers that walk it recurse: a text nested 100,000 deep must never become a tree.
  if (core::json_depth(text, max_depth + 1) > max_depth)
    throw core::InputError(
        name, "JSON nested deeper than " + std::to_string(max_depth) + " levels (the limit)");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    auto colon = what.find("]: ");  // drop nlohmann's "[json.exception.parse_error.101]" prefix
    if (colon != std::string::npos) what = what.substr(colon + 3);
    throw core::InputError(name + ": " + line_and_column(text, e.byte ? e.byte - 1 : 0) +
                           ": malformed JSON: " + what);
  } catch (const nlohmann::json::exception& e) {  // e.g. a number beyond a double's range
    std::string what = e.what();
    auto colon = what.find("] ");
    throw core::InputError(
        name + ": malformed JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2)));
  }
}

std::vector<LocatedRecord> records_from_json(const nlohmann::json& j, const std::string& source) {
  const std::string name = source == "-" ? "<stdin>" : source;
  std::vector<LocatedRecord> out;
  try {
    const auto type = j.is_object() ? j.find("type") : j.end();
    if (type != j.end() && !type->is_string())
      throw core::InputError("type", "expected a string (\"Feature\", \"FeatureCollection\")");
    if (j.is_array()) {
      for (std::size_t i = 0; i < j.size(); ++i)
        out.push_back(one(j[i], "[" + std::to_string(i) + "]"));
    } else if (type != j.end() && *type == "FeatureCollection") {
      const auto fs = j.find("features");
      if (fs == j.end() || !fs->is_array()) throw core::InputError("features", "expected an array");
      for (std::size_t i = 0; i < fs->size(); ++i)
        out.push_back(one((*fs)[i], "features[" + std::to_string(i) + "]"));
    } else {
      out.push_back(one(j, ""));
    }
  } catch (const core::InputError& e) {
    throw e.located(name);
  } catch (const nlohmann::json::exception& e) {  // a value of a type the reader did not check
    std::string what = e.what();
    auto colon = what.find("] ");
    throw core::InputError(name, colon == std::string::npos ? what : what.substr(colon + 2));
  }
  if (out.empty()) throw core::InputError(name, "no records in the input");
  return out;
}

std::vector<LocatedRecord> parse_records(const std::string& text, const std::string& source) {
  return records_from_json(parse_json(text, source), source);
}

}  // namespace minemap::io
