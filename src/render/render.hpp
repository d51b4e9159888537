// Rendering records, histories and figures for people (text tables) and for
// scripts (JSON, GeoJSON, CSV), streamed so that a long list is never held whole.
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "analysis/stats.hpp"
#include "core/schema.hpp"
#include "store/backend.hpp"

namespace minemap::render {

enum class Format { Table, Json, GeoJson, Csv };
// "table" | "json" | "geojson" | "csv"; throws InputError naming `--format`.
Format parse_format(const std::string& s);

class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  virtual void write(const core::Record& r) = 0;
  virtual void finish() = 0;
};

// `columns`: those of a table or a CSV file, in order ("id", "workflow", fields; "wkt"
// in CSV); empty: the default ones (a table: the id, the first fields and the computed
// ones such as area_m2; CSV: every one). Throws InputError naming --columns for a column
// that is none, a personal field without `include_personal`, and columns for JSON.
std::unique_ptr<RecordWriter> make_writer(Format f, const core::EntitySpec& spec, std::ostream& out,
                                          bool include_personal,
                                          const std::vector<std::string>& columns = {});

// One record as a GeoJSON Feature (text), with a member "version" when given (the
// version a later change may be made from: Registry::version).
std::string feature_json(const core::EntitySpec& spec, const core::Record& r, bool include_personal,
                         const std::string& version = {});

// One record, every field on its own line, for people.
void print_record(const core::EntitySpec& spec, const core::Record& r, std::ostream& out,
                  bool include_personal);

// Well-known text of a geometry (CSV output, messages).
std::string to_wkt(const core::Geometry& g);

// The data model as Markdown (docs/data-model.md is this output) or JSON.
std::string schema_markdown();
std::string schema_json();

std::string stats_json(const analysis::Stats& s, int indent = 2);
// Figures per administrative area: id -> (name, figures); "" is no known area.
std::string stats_by_admin_json(
    const std::map<std::string, std::pair<std::string, analysis::Stats>>& by_admin);
void print_stats_by_admin(
    const std::map<std::string, std::pair<std::string, analysis::Stats>>& by_admin,
    std::ostream& out);
void print_stats(const analysis::Stats& s, std::ostream& out);

// A record's audit trail. Personal fields (victims' names, addresses ...) are left out
// of the values before and after unless `personal`; the text form still says that one
// changed.
std::string history_json(const core::EntitySpec& spec,
                         const std::vector<store::AuditEntry>& entries,
                         const std::vector<store::StatusChange>& status, bool personal);
void print_history(const core::EntitySpec& spec, const std::vector<store::AuditEntry>& entries,
                   const std::vector<store::StatusChange>& status, bool personal,
                   std::ostream& out);

}  // namespace minemap::render
