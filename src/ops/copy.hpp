// `minemap copy SRC DST`: a whole store into a new one, on any backend (a GeoPackage
// into PostgreSQL and back), losing nothing: every record as stored (deleted ones too,
// in their order), the audit chain entry for entry (the same head hash), the hazards'
// status history, the checkpoints, the users, the settings and the store's id, so
// that the copy verifies as the original does and its checkpoints still fit.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "store/registry.hpp"

namespace minemap::ops {

struct CopySummary {
  std::map<std::string, std::int64_t> rows;  // entity -> rows copied (deleted ones too)
  std::int64_t audit = 0, statuses = 0, checkpoints = 0, users = 0, settings = 0;
  std::string head;  // the audit chain's last hash, the same in both
};

// Copies src into dst, a store just created and still empty (else core::Conflict),
// in one transaction of dst: all of it, or nothing. A row src cannot read whole (a
// geometry damaged behind minemap's back) stops the copy with core::StorageError
// naming it: `minemap verify SRC` says more.
CopySummary copy_store(store::Registry& src, store::Registry& dst, bool progress);

}  // namespace minemap::ops
