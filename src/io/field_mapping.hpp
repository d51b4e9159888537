// How the columns of a source file become the fields of an entity: `--map`,
// `--set`, `--where` and `--map-file`, resolved against the file's columns.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/schema.hpp"

namespace minemap::io {

struct FieldSource {
  std::string column;                         // source column ("" when constant)
  std::map<std::string, std::string> values;  // value translation SRC -> DST (text form)
  std::optional<std::string> constant;        // --set
  std::vector<std::string> date_formats;      // a date field's formats ("%d/%m/%Y"), in order
  std::string split;  // an enum set's list separator in the column (";"): each part translated
};

struct Mapping {
  std::map<std::string, FieldSource> fields;                            // entity field -> source
  std::vector<std::pair<std::string, std::vector<std::string>>> where;  // column -> values
  std::string layer, crs;  // from a map file; the command line wins
  std::string geometry;    // "wkt=COLUMN" or "lonlat=LON,LAT" (--geometry); "" lets GDAL guess
  // Formats of the dates that are not ISO 8601 (--date-format), tried in order after a
  // field's own.
  std::vector<std::string> date_formats;
  // The separator of the lists that feed enum sets (--split ";"), unless a field has its own.
  std::string split;
  // Accidents: columns counting their victims by outcome ("killed" -> "Killed"), and
  // the children among them ("children"); each accident gets that many victim records
  // of unknown details (--victims).
  std::map<std::string, std::string> victim_counts;
  // The column holding each row's id in the system it comes from (--key): kept as the
  // record's external_id, which a later import matches on.
  std::string key;
};

// `killed=COLUMN,injured=COLUMN`.
void add_victims_option(Mapping& m, const std::string& text);

// `FIELD=COLUMN` or `FIELD=COLUMN:SRC=DST,SRC2=DST2`.
void add_map_option(Mapping& m, const std::string& text);
// `FIELD=VALUE`.
void add_set_option(Mapping& m, const std::string& text);
// `COLUMN=V1,V2`.
void add_where_option(Mapping& m, const std::string& text);
// The JSON mapping file (docs/import.md); throws InputError naming the file and key.
Mapping read_map_file(const std::string& path, const std::string& text);
// Options given on the command line are applied over those of a map file.
void merge(Mapping& base, const Mapping& over);

// A mapping resolved against one file's columns, ready to turn rows into records.
class ResolvedMapping {
 public:
  // Fields not mapped explicitly take the column of the same name (case-insensitive,
  // or its 10-character shapefile short name). Throws InputError naming the option
  // when a mapped or filtered column is not in the file (listing the columns).
  ResolvedMapping(const core::EntitySpec& spec, const Mapping& m,
                  const std::vector<std::string>& columns);

  // Whether a row passes every --where.
  bool keep(const std::vector<core::Value>& row) const;
  // The record of one row (fields still unvalidated; geometry left to the caller).
  core::Record record(const std::vector<core::Value>& row) const;
  // The victims a row counts, by outcome (--victims), and how many of them are
  // children (kChildren): whole numbers from 0 to kMaxVictims; an empty cell is 0.
  // Throws InputError("victims.OUTCOME", ...), and when the children outnumber the
  // victims.
  std::vector<std::pair<std::string, std::int64_t>> victims(
      const std::vector<core::Value>& row) const;
  static constexpr std::int64_t kMaxVictims = 1000;
  static constexpr const char* kChildren = "children";
  // The row's key (--key) as text, as its external_id will hold it; "" when there is no key column
  // or the cell is empty.
  std::string key(const std::vector<core::Value>& row) const;
  // The fields a row supplies (mapped, set, or a column of the same name), "id" and
  // "workflow" aside: those a sync compares and updates.
  std::vector<std::string> fields() const;
  // Columns that feed no field, for the summary.
  const std::vector<std::string>& unused_columns() const { return m_unused; }

 private:
  struct Target {
    std::string field;  // "id", "workflow" or an entity field
    int column = -1;
    const std::map<std::string, std::string>* values = nullptr;
    std::optional<core::Value> constant;
    std::vector<std::string> date_formats;  // a date field's: its own, then the mapping's
    std::string split;                      // an enum set's list separator
  };
  std::vector<Target> m_targets;
  std::vector<std::pair<int, std::vector<std::string>>> m_where;
  std::vector<std::pair<std::string, int>> m_victims;  // outcome -> column
  int m_key = -1;                                      // --key's column
  std::vector<std::string> m_unused;
  Mapping m_mapping;
};

// The 10-character column name a field gets in a shapefile: its first 10
// characters, or its first 8 and a 2-digit number when that would collide.
std::map<std::string, std::string> shapefile_names(const core::EntitySpec& spec,
                                                   bool include_personal);

}  // namespace minemap::io
