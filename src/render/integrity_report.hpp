// `minemap verify`'s report for people and for scripts (store/integrity.hpp computes it).
#pragma once

#include <string>

#include "store/integrity.hpp"

namespace minemap::render {

// A summary line, the chain's head, what was made of checkpoints, then one line per
// difference. `limit`: the most difference lines shown (the rest are counted).
std::string integrity_text(const store::IntegrityReport& r, std::size_t limit = 1000);

// {"intact", "entries", "head": {"seq", "hash"}, "checkpoints": {...}, "differences":
// [{"table", "id", "field", "table_value", "audit_value", "entry", "message"}],
// "differences_total"}: values as JSON values (null when there is none).
std::string integrity_json(const store::IntegrityReport& r);

}  // namespace minemap::render
