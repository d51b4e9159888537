// `minemap serve STORE`: opens the store, checks it (cmd_verify), wires the HTTP APIs to
// it, sets the server's limits, timeouts and TLS from the command line, and serves until
// SIGINT or SIGTERM.
#include "app/cmd_serve.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/cmd_verify.hpp"
#include "core/errors.hpp"
#include "core/memory.hpp"
#include "http/archive_api.hpp"
#include "http/service.hpp"
#include "store/registry.hpp"
#include "tiles/archive.hpp"

namespace minemap::app {

namespace {

struct ServeArgs {
  std::string store;
  std::string web;
  std::string bind = "127.0.0.1";
  int port = 8080;
  ServeSettings settings;
  // The timeouts in whole seconds, as typed.
  long header_timeout = 0, body_timeout = 0, idle_timeout = 0, write_timeout = 0;
};

// SIGINT and SIGTERM stop the server: a thread waits for them (a handler itself may
// not call into the server).
void stop_on_signals(http::Server& server) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, &server] {
    int sig = 0;
    sigwait(&set, &sig);
    server.stop();
  }).detach();
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// The web application's files: `web` when given, else the folder "web" beside the
// executable (the build copies it there), else none.
std::string web_folder(const std::string& web) {
  if (!web.empty()) return web;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  auto dir = exe.parent_path() / "web";
  return std::filesystem::is_regular_file(dir / "index.html", ec) ? dir.string() : "";
}

// Whether the archive's metadata lists a vector layer of that id.
bool has_layer(const tiles::TileArchive& a, const std::string& id) {
  const auto layers = nlohmann::json::parse(a.metadata().vector_layers, nullptr, false);
  if (!layers.is_array()) return false;
  for (const auto& l : layers)
    if (l.is_object() && l.contains("id") && l["id"].is_string() && l["id"] == id) return true;
  return false;
}

}  // namespace

int serve_store(const std::string& store, const std::string& bind, int port,
                const ServeSettings& settings, bool fallback_any_port, const std::string& web) {
  core::prefer_returning_memory();
  // The tile archives first: a bad file stops serve (exit 2) before anything else starts.
  std::shared_ptr<const tiles::TileArchive> basemap, risk;
  if (!settings.basemap.empty()) {
    try {
      basemap = tiles::open_tile_archive(settings.basemap);
    } catch (const core::InputError& e) {
      throw core::InputError("--basemap", e.what());
    }
  }
  if (!settings.risk.empty()) {
    try {
      risk = tiles::open_tile_archive(settings.risk);
    } catch (const core::InputError& e) {
      throw core::InputError("--risk", e.what());
    }
    if (!has_layer(*risk, "risk"))
      throw core::InputError("--risk", settings.risk +
                                           ": has no tile layer \"risk\" (the tiles of "
                                           "minemap risk predict --grid ... --tiles FILE)");
  }
  auto reg = store::Registry::open(store, false);
  if (!fit_to_serve(reg, settings.allow_unverified)) return 1;
  if (settings.read_only) reg.set_read_only();
  http::Server server(settings.server);
  stop_on_signals(server);  // before the server's threads start, so that they inherit the mask
  http::ServiceOptions opt;
  opt.auth.secure_cookie = settings.secure_cookies;
  opt.auth.public_url = opt.features.public_url = settings.public_url;
  opt.input = settings.input;
  opt.tiles.limits = settings.tile_limits;
  http::Service service(reg, opt);
  service.install(server);
  std::vector<std::unique_ptr<http::ArchiveApi>> archive_apis;
  if (basemap)
    archive_apis.push_back(std::make_unique<http::ArchiveApi>(
        basemap, http::ArchiveApiOptions{"basemap", "base map", settings.public_url}));
  if (risk)
    archive_apis.push_back(std::make_unique<http::ArchiveApi>(
        risk, http::ArchiveApiOptions{"risk", "contamination risk", settings.public_url}));
  for (auto& api : archive_apis) api->install(server);
  const std::string web_dir = web_folder(web);
  if (!web_dir.empty()) server.mount("/app/", web_dir);
  int bound = 0;
  try {
    bound = server.bind(bind, port);
  } catch (const core::Error&) {
    if (!fallback_any_port || port == 0) throw;
    bound = server.bind(bind, 0);
  }
  if (!server.secure() && !loopback(bind))
    std::cerr << "minemap serve: WARNING: plain HTTP on " << bind
              << ", an address other machines reach: sign-ins would travel in clear text; use "
                 "--tls-cert/--tls-key or a reverse proxy with TLS\n";
  const std::string host = bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
  const std::string url =
      std::string(server.secure() ? "https://" : "http://") + host + ":" + std::to_string(bound);
  if (reg.read_only())
    std::cerr << "minemap serve: " << store
              << " is read-only here: it is served, and every write is refused\n";
  std::cout << "minemap: serving " << store << " at " << url << "/" << std::endl;
  if (!web_dir.empty())
    std::cout << "minemap: the web application: " << url << "/app/" << std::endl;
  if (basemap) {
    const auto& m = basemap->metadata();
    std::cout << "minemap: the base map: " << settings.basemap << " (" << m.format << ", zooms "
              << m.min_zoom << " to " << m.max_zoom << ") at " << url << "/basemap.json"
              << std::endl;
  }
  if (risk) {
    const auto& m = risk->metadata();
    std::cout << "minemap: the risk model's tiles: " << settings.risk << " (zooms " << m.min_zoom
              << " to " << m.max_zoom << ") at " << url << "/risk.json" << std::endl;
  }
  std::cout << "minemap: OGC API - Features (try: ogrinfo OAPIF:" << url << "/); Ctrl-C stops"
            << std::endl;
  reg.release_memory();  // what checking the audit chain and setting up read
  core::return_freed_memory();
  server.run();
  std::cout << "minemap: stopped" << std::endl;
  return 0;
}

void add_serve_command(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<ServeArgs>();
  a->header_timeout = a->settings.server.header_timeout.count();
  a->body_timeout = a->settings.server.body_timeout.count();
  a->idle_timeout = a->settings.server.idle_timeout.count();
  a->write_timeout = a->settings.server.write_timeout.count();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve a store over HTTP: OGC API - Features (GeoJSON) at /, which QGIS and GDAL "
      "open as a data source (ogrinfo OAPIF:http://HOST:PORT/)");
  cmd->add_option("STORE", a->store)->required();
  cmd->add_option("--bind", a->bind, "the address to listen on (0.0.0.0: every address)")
      ->capture_default_str();
  cmd->add_option("--port", a->port, "the port (0: any free port, printed)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--threads", a->settings.server.threads,
                  "worker threads running requests (default: one per core, at least 4)");
  cmd->add_flag("--read-only", a->settings.read_only,
                "answer reads only; every write is refused (403) with the reason: a server on a "
                "read replica, beside the one on the primary that takes the writes");
  cmd->add_flag("--allow-unverified", a->settings.allow_unverified,
                "serve even when the audit chain fails the check at start (a warning is logged)");
  cmd->add_option("--web", a->web,
                  "the web application's folder (default: web/ beside the executable)");
  cmd->add_option("--max-body", a->settings.server.max_body,
                  "the largest request body in bytes; a larger one is answered 413 as soon as "
                  "its length is known, unread")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-header", a->settings.server.max_header,
                  "the largest request line and headers in bytes (larger: 431)")
      ->capture_default_str()
      ->check(CLI::Range(1024, 1 << 20));
  cmd->add_option("--max-connections", a->settings.server.max_connections,
                  "connections open at once; more are answered 503 and closed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-in-flight", a->settings.server.max_in_flight,
                  "requests being answered at once; more are answered 503 with Retry-After")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--header-timeout", a->header_timeout,
                  "seconds from a request's first byte to its last header (a TLS handshake "
                  "included); a slower client is closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--body-timeout", a->body_timeout,
                  "seconds for a whole request body, once its headers are in")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--idle-timeout", a->idle_timeout,
                  "seconds a keep-alive connection may wait for its next request")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--write-timeout", a->write_timeout,
                  "seconds for a whole response to be taken by the client")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--max-json-depth", a->settings.input.json_depth,
                  "the deepest nesting of a request's JSON (a MultiPolygon Feature is 6)")
      ->capture_default_str()
      ->check(CLI::Range(8, 1000));
  cmd->add_option("--max-vertices", a->settings.input.vertices,
                  "the most vertices one geometry of a request may have")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-text", a->settings.input.text_bytes,
                  "the longest text value of a request, in bytes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--tile-max-bytes", a->settings.tile_limits.max_bytes,
                  "the largest vector tile, in bytes: a tile over it (or over --tile-max-features) "
                  "is generalised, points gathered into clusters (docs/tiles.md)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30));
  cmd->add_option("--tile-max-features", a->settings.tile_limits.max_features,
                  "the most features a vector tile holds before it is generalised")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{16}, std::size_t{10000000}));
  cmd->add_option("--public-url", a->settings.public_url,
                  "the address users reach the server at, behind a reverse proxy "
                  "(https://maps.example.org): the links of every answer start with it");
  cmd->add_flag("--secure-cookies", a->settings.secure_cookies,
                "mark the session cookie Secure although serve speaks plain HTTP (behind a "
                "proxy that speaks HTTPS)");
  cmd->add_option("--basemap", a->settings.basemap,
                  "a base map drawn under the data: vector tiles in a PMTiles (version 3) or "
                  "MBTiles file, e.g. an OpenStreetMap extract made with tilemaker "
                  "(docs/basemap.md)");
  cmd->add_option("--risk", a->settings.risk,
                  "the tiles of a risk model's scores (risk predict --grid ... --tiles "
                  "FILE.mbtiles), a layer of the web map (docs/risk.md)");
  auto* cert = cmd->add_option("--tls-cert", a->settings.server.tls_cert,
                               "serve HTTPS with this certificate chain (PEM file)")
                   ->check(CLI::ExistingFile);
  auto* key = cmd->add_option("--tls-key", a->settings.server.tls_key,
                              "the certificate's private key (PEM)")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  cmd->footer(
      "\nThe server prints its address and serves until stopped (Ctrl-C). Only approved\n"
      "records are served, without personal data. Examples:\n"
      "  minemap serve demo.gpkg --port 8080\n"
      "  ogrinfo OAPIF:http://127.0.0.1:8080/\n"
      "  ogr2ogr -f GPKG items.gpkg OAPIF:http://127.0.0.1:8080/ items\n"
      "  curl 'http://127.0.0.1:8080/collections/items/items?bbox=46.5,39.2,47,39.6&limit=10'\n"
      "\n"
      "Idle and slow clients hold no worker thread: a connection costs a socket and a\n"
      "small buffer until its request is complete. The limits and timeouts above bound\n"
      "what one client may cost; each refusal is a problem+json answer naming its option.\n"
      "\n"
      "On any address but loopback, serve HTTPS (or put a reverse proxy with TLS in\n"
      "front): sign-ins carry passwords and session cookies. A self-signed pair to try:\n"
      "  openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \\\n"
      "    -days 365 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1\n"
      "  minemap serve demo.gpkg --bind 0.0.0.0 --tls-cert cert.pem --tls-key key.pem\n"
      "Over HTTPS the session cookie is marked Secure.\n");
  cmd->callback([a, &run] {
    a->settings.server.header_timeout = std::chrono::seconds(a->header_timeout);
    a->settings.server.body_timeout = std::chrono::seconds(a->body_timeout);
    a->settings.server.idle_timeout = std::chrono::seconds(a->idle_timeout);
    a->settings.server.write_timeout = std::chrono::seconds(a->write_timeout);
    run = [a] { return serve_store(a->store, a->bind, a->port, a->settings, false, a->web); };
  });
}

}  // namespace minemap::app
