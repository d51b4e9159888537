// Tamper evidence on the command line: `verify`, `keygen`, `checkpoint`,
// `verify-export`, and the check `serve` makes before it serves a store.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "store/registry.hpp"

namespace minemap::app {

// Adds the subcommands; their work is put in `run`.
void add_verify_commands(CLI::App& app, std::function<int()>& run);

// The quick check (store/integrity.hpp) before serving: false, with the reason on
// stderr, when the store fails it and `allow_unverified` is not given; with it, a loud
// warning and true.
bool fit_to_serve(store::Registry& reg, bool allow_unverified);

}  // namespace minemap::app
