// `minemap user add|list|set`: the people who sign in to `minemap serve`.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds the `user` subcommand; its work is put in `run`.
void add_user_command(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
