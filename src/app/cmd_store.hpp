// `minemap init|add|get|list|update|delete|history|backup|schema`: one store's
// records, one at a time or filtered, and the data model.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds those subcommands; their work is put in `run`.
void add_store_commands(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
