// `minemap serve STORE`: the HTTP API (OGC API - Features) over a store.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "http/server.hpp"

namespace minemap::app {

// Adds the `serve` subcommand; its work is put in `run`.
void add_serve_command(CLI::App& app, std::function<int()>& run);

// Serves a store until SIGINT or SIGTERM, printing its URL; port 0: any free port.
// `fallback_any_port`: when `port` is taken, take any free one instead of failing.
// `options`: the server's workers, limits, timeouts and TLS.
int serve_store(const std::string& store, const std::string& bind, int port,
                const http::ServerOptions& options = {}, bool fallback_any_port = false,
                const std::string& web = "");

}  // namespace minemap::app
