// `minemap demo`: a store of synthetic data to explore, summarised and served.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds `demo`; their work is put in `run`.
void add_demo_command(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
