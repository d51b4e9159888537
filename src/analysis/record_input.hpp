// The reliability analysis's view of a digitised minefield record.
#pragma once

#include "analysis/reliability.hpp"
#include "record/digitize.hpp"

namespace minemap::analysis {

// The recorded mines (row, index, category, position), the perimeter, the declared
// totals, the record's id and source, and `about`: the reference point (the first
// point of kind reference, else the anchor: the first landmark, else the first
// point). Finds and cleared ground are left empty.
ReliabilityInput input_from_record(const record::Record& r, const record::Digitized& d);

}  // namespace minemap::analysis
