// The reliability of minefield records, as `minemap reliability` and GET
// /api/records/{id}/reliability judge it: what the analysis judges (a record with its
// finds and cleared ground from files, or records of a store with the items and
// cleared land around them), and the judging itself, record by record on a pool of
// threads.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "analysis/reliability.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

// A record (minemap-record/1 JSON), the finds (any GIS file of points with a
// `category` column, and an `id` column when there is one) and the cleared ground
// (any GIS file of polygons). Throws core::InputError naming the file and feature.
analysis::ReliabilityInput reliability_input_from_files(const std::string& record_path,
                                                        const std::string& found_path,
                                                        const std::string& cleared_path);

struct StoreSelection {
  std::string record;  // a store id (MR-000001); empty: not by record
  std::string source;  // a source name; empty: not by source
  bool all = false;
};

struct StoreInputs {
  std::vector<analysis::ReliabilityInput> inputs;
  std::vector<std::string> ids;        // the store id of each input's record
  std::vector<core::Coord> accidents;  // every approved accident (for the per-source shares)
};

// Approved records of the store as selected, each digitised with its current
// corrections, with the approved items and the land released as cleared within
// `margin_m` of its recorded mines (the largest shift searched, so that a field
// recorded far from where it lies still meets its finds).
StoreInputs reliability_inputs_from_store(store::Registry& reg, const StoreSelection& sel,
                                          double margin_m);

// Judges every input (analysis::assess) on a pool of threads, record i with the seed
// opt.seed + i, so that the results are the same whatever the number of threads; the
// results in input order. The first failure is rethrown once every thread has stopped.
std::vector<analysis::ReliabilityResult> assess_records(
    const std::vector<analysis::ReliabilityInput>& inputs, const analysis::ReliabilityOptions& opt);

struct StoreReliability {
  StoreInputs read;
  std::vector<analysis::ReliabilityResult> results;  // one per read.inputs[i]
};

// The records of the store as selected, read with what lies within the search margin
// of `opt` (its largest shift plus its tolerance) and judged by assess_records.
// `store_mutex`, when given, is held while the store is read, not while judging.
StoreReliability assess_store_records(store::Registry& reg, const StoreSelection& sel,
                                      const analysis::ReliabilityOptions& opt,
                                      std::mutex* store_mutex = nullptr);

}  // namespace minemap::ops
