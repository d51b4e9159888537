// `minemap signals`: suggested hazardous areas from the accidents and items outside every
// open hazard (docs/signals.md).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

void add_signals_command(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
