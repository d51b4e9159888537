// `minemap serve STORE`: the HTTP API (OGC API - Features) over a store.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "http/limits.hpp"
#include "http/server.hpp"
#include "tiles/tile_index.hpp"

namespace minemap::app {

// Everything `serve` is told besides the store and the address.
struct ServeSettings {
  http::ServerOptions server;     // workers, limits on bytes and connections, timeouts, TLS
  http::InputLimits input;        // JSON depth, vertices, text per request
  std::string public_url;         // the address users reach (behind a proxy)
  bool secure_cookies = false;    // mark the session cookie Secure on plain HTTP too
  bool allow_unverified = false;  // serve a store that fails the check at start (logged)
  bool read_only = false;         // refuse every write (a server beside the one that writes)
  std::string basemap;            // a PMTiles or MBTiles file of base map tiles (docs/basemap.md)
  std::string risk;               // the tiles of `risk predict --tiles` (docs/risk.md)
  tiles::TileLimits tile_limits;  // beyond which a tile is generalised (docs/tiles.md)
};

// Adds the `serve` subcommand; its work is put in `run`.
void add_serve_command(CLI::App& app, std::function<int()>& run);

// Serves a store until SIGINT or SIGTERM, printing its URL; port 0: any free port.
// `fallback_any_port`: when `port` is taken, take any free one instead of failing.
// Refuses (1) a store that fails the quick integrity check unless
// `settings.allow_unverified`.
int serve_store(const std::string& store, const std::string& bind, int port,
                const ServeSettings& settings = {}, bool fallback_any_port = false,
                const std::string& web = "");

}  // namespace minemap::app
