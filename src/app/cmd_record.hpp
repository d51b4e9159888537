// `minemap record ...`: minefield records (digitize, add, redigitize, from-csv).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds the `record` subcommand; the chosen command's work is put in `run`.
void add_record_commands(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
