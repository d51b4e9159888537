// Minefield records in the store: the raw record kept verbatim, its derived
// perimeter (the record's geometry), rows and recorded mines as layers
// (record-rows, record-mines). A correction derives the geometry again as a new
// derivation; the old one stays in history (soft-deleted rows and the audit trail).
#pragma once

#include <optional>
#include <string>

#include "record/digitize.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

struct StoredRecord {
  std::string id;  // the store's id (MR-000001)
  int derivation = 1;
  std::size_t rows = 0;
  std::size_t mines = 0;
  record::Parsed parsed;
  record::Digitized digitized;
  std::vector<std::string> repairs;
};

// Parses, digitises and stores `text` (the record as received) in one transaction.
// `name` names the input in messages. Throws core::InputError (bad record, the key
// path named), core::Conflict (the same record, by source and id, already stored).
// `store_id`, when given, is the store's id for it (it must be unused); else one is
// generated (MR-000001).
StoredRecord add_minefield_record(store::Registry& reg, const std::string& text,
                                  const std::string& name,
                                  const std::optional<std::string>& hazard_id,
                                  const store::Actor& who, const std::string& store_id = {});

// Digitises the stored raw record again with `fix` (merged over the corrections of
// the current derivation) and stores it as the next derivation, in one transaction.
StoredRecord redigitize_minefield_record(store::Registry& reg, const std::string& id,
                                         const record::Corrections& fix, const store::Actor& who);

// The corrections a stored record's current derivation applies.
record::Corrections stored_corrections(const core::Record& rec);

}  // namespace minemap::ops
