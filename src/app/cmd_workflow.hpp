// `minemap submit|approve|reject STORE ENTITY ID` and `minemap settings`: the review
// of field reports from the command line, by the same rules as the server's.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds `submit`, `approve`, `reject` and `settings`; their work is put in `run`.
void add_workflow_commands(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
