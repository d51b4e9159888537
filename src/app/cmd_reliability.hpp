// `minemap reliability`: how accurate was each minefield record, and where are the
// remaining mines.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

void add_reliability_command(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
