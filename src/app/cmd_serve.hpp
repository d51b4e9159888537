// `minemap serve STORE`: the HTTP API (OGC API - Features) over a store.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace minemap::app {

// Adds the `serve` subcommand; its work is put in `run`.
void add_serve_command(CLI::App& app, std::function<int()>& run);

// Serves a store until SIGINT or SIGTERM, printing its URL; port 0: any free port.
// `fallback_any_port`: when `port` is taken, take any free one instead of failing.
// Refuses (1) a store that fails the quick integrity check unless `allow_unverified`.
int serve_store(const std::string& store, const std::string& bind, int port, unsigned threads,
                bool fallback_any_port = false, const std::string& web = "",
                bool allow_unverified = false);

}  // namespace minemap::app
