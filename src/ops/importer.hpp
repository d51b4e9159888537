// `minemap import`: features of any GIS file into the store, through a field
// mapping, all or nothing (or skipping bad features into a rejects file).
#pragma once

#include <string>
#include <vector>

#include "io/field_mapping.hpp"
#include "ops/check_data.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

// What a row does to the records an earlier import made (matched on --key):
// insert adds rows and refuses a key already kept; update changes the records of
// known keys and refuses new ones; upsert does both.
enum class ImportMode { Insert, Update, Upsert };
// Records an earlier import made whose key the file no longer holds: listed, or (for
// hazards) closed as well.
enum class OnMissing { Report, Close };

struct ImportOptions {
  const core::EntitySpec* spec = nullptr;
  io::Mapping mapping;       // layer and crs inside; the command line has merged into it
  bool skip_errors = false;  // --on-error skip
  bool dry_run = false;      // validate everything, write nothing
  std::string rejects_path;  // default: beside the input, INPUT.rejects.csv
  bool progress = true;      // on a terminal only
  ImportMode mode = ImportMode::Insert;  // update and upsert need mapping.key
  OnMissing on_missing = OnMissing::Report;
  // --check: the data-quality report of the records imported, against the whole store,
  // in the summary; --strict: anything flagged refuses the import (InputError naming
  // the first features flagged), nothing written.
  std::optional<QualityOptions> check;
  bool strict = false;
};

// A record of an earlier import whose key is not in the file.
struct MissingRecord {
  std::string id, key;
  bool closed = false;  // by --on-missing close
};

struct ImportSummary {
  std::int64_t read = 0, filtered_out = 0, imported = 0, repaired = 0, rejected = 0;
  std::int64_t victims = 0;  // victim records made from counts (--victims)
  // A sync (--key): records changed, records the file holds as they are, and those
  // it no longer holds.
  std::int64_t updated = 0, unchanged = 0;
  std::vector<MissingRecord> missing;
  std::string layer, driver, rejects_file;
  std::vector<std::string> unused_columns, warnings;
  double seconds = 0;
  std::optional<std::vector<QualityFlag>> quality;  // with ImportOptions::check
};

// Throws core::InputError naming the file, the feature index and the field on
// the first bad feature (unless skip_errors); nothing is written then.
ImportSummary import_file(store::Registry& reg, const std::string& path, const ImportOptions& opt,
                          const store::Actor& who);

std::string summary_json(const ImportSummary& s);
std::string summary_text(const ImportSummary& s, bool dry_run);

}  // namespace minemap::ops
