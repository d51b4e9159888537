// `minemap stats` and `minemap near`: the figures of a store, and what lies near a
// place.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds `stats` and `near`; their work is put in `run`.
void add_stats_commands(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
