// `minemap simulate`: synthetic minefield records with their known truth, clearance
// and finds, for measuring the reliability analysis.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds the `simulate` subcommand; its work is put in `run`.
void add_simulate_command(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
