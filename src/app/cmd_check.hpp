// `minemap check-data`: the data-quality report of a store (ops/check_data.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds the subcommand; its work is put in `run`.
void add_check_command(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
