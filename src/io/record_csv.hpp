// A paper minefield record typed into the CSV template (docs/minefield-record-csv.md),
// turned into the JSON of the exchange format minemap-record/1. Only the CSV layer is
// checked here (line kinds, numbers, required cells); what the record means (unknown
// points, units, geometry) is left to the record parser, so that both ways in, JSON
// and CSV, are judged by the same rules.
#pragma once

#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace minemap::io {

// `name` names the input in messages. Throws core::InputError whose message names the
// file, the line and the column: `record.csv:7: bearing: "12x" is not a number`.
nlohmann::json minefield_record_from_csv(std::istream& in, const std::string& name);

// The same, with the keys in the order of the format's example, for writing the JSON
// out where people will read it (`minemap record from-csv -o`).
nlohmann::ordered_json minefield_record_from_csv_ordered(std::istream& in, const std::string& name);

}  // namespace minemap::io
