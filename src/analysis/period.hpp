// The period of `--from` and `--to` (stats, list), read once for every command.
#pragma once

#include <string>

#include "analysis/stats.hpp"

namespace minemap::analysis {

// YYYY, YYYY-MM or YYYY-MM-DD each; "" leaves that end open. Throws InputError naming
// --from or --to for a text that is no date, and naming --from/--to for a period that
// ends before it starts (--from 2024 --to 2020): it would hold nothing.
// The API names them from and to.
StatsPeriod parse_period(const std::string& from, const std::string& to,
                         const std::string& from_name = "--from",
                         const std::string& to_name = "--to");

}  // namespace minemap::analysis
