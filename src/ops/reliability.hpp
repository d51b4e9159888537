// Reading what the reliability analysis judges: a record with its finds and cleared
// ground from files, or every record of a store with the items and cleared land
// around it.
#pragma once

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

}  // namespace minemap::ops
