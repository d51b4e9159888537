// `minemap serve`: opens the store, checks it (cmd_verify), and serves it over HTTP.
#include "app/cmd_serve.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "app/cmd_verify.hpp"
#include "core/errors.hpp"
#include "http/analysis_api.hpp"
#include "http/auth.hpp"
#include "http/entry.hpp"
#include "http/features.hpp"
#include "http/server.hpp"
#include "http/tiles.hpp"
#include "store/registry.hpp"

namespace minemap::app {

namespace {

struct ServeArgs {
  std::string store;
  std::string web;
  std::string bind = "127.0.0.1";
  int port = 8080;
  unsigned threads = 0;
  bool allow_unverified = false;
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

}  // namespace

// The web application's files: `web` when given, else the folder "web" beside the
// executable (the build copies it there), else none.
static std::string web_folder(const std::string& web) {
  if (!web.empty()) return web;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  auto dir = exe.parent_path() / "web";
  return std::filesystem::is_regular_file(dir / "index.html", ec) ? dir.string() : "";
}

int serve_store(const std::string& store, const std::string& bind, int port, unsigned threads,
                bool fallback_any_port, const std::string& web, bool allow_unverified) {
  auto reg = store::Registry::open(store, false);
  if (!fit_to_serve(reg, allow_unverified)) return 1;
  std::mutex store_mutex;
  http::Server server(threads);
  stop_on_signals(server);  // before the workers start, so that they inherit the mask
  http::Auth auth(reg, store_mutex);
  auth.install(server);
  http::FeaturesApi features(reg, store_mutex, {}, &auth);
  features.install(server);
  http::EntryApi entry(reg, store_mutex, auth);
  entry.install(server);
  http::AnalysisApi analyses(reg, store_mutex, auth);
  analyses.install(server);
  http::TilesApi tiles(reg, store_mutex);
  tiles.install(server);
  const std::string web_dir = web_folder(web);
  if (!web_dir.empty()) server.mount("/app/", web_dir);
  int bound = 0;
  try {
    bound = server.bind(bind, port);
  } catch (const core::Error&) {
    if (!fallback_any_port || port == 0) throw;
    bound = server.bind(bind, 0);
  }
  std::string host = bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
  std::cout << "minemap: serving " << store << " at http://" << host << ":" << bound << "/"
            << std::endl;
  if (!web_dir.empty())
    std::cout << "minemap: the web application: http://" << host << ":" << bound << "/app/"
              << std::endl;
  std::cout << "minemap: OGC API - Features (try: ogrinfo OAPIF:http://" << host << ":" << bound
            << "/); Ctrl-C stops" << std::endl;
  server.run();
  std::cout << "minemap: stopped" << std::endl;
  return 0;
}

namespace {}  // namespace

void add_serve_command(CLI::App& app, std::function<int()>& run) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve a store over HTTP: OGC API - Features (GeoJSON) at /, which QGIS and GDAL "
      "open as a data source (ogrinfo OAPIF:http://HOST:PORT/)");
  cmd->add_option("store", a->store, "the store (GeoPackage file)")->required();
  cmd->add_option("--bind", a->bind, "the address to listen on")->capture_default_str();
  cmd->add_option("--port", a->port, "the port (0: any free port, printed)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--threads", a->threads, "worker threads (default: one per core, at least 4)");
  cmd->add_flag("--allow-unverified", a->allow_unverified,
                "serve even when the audit chain fails the check at start (a warning is logged)");
  cmd->add_option("--web", a->web,
                  "the web application's folder (default: web/ beside the executable)");
  cmd->footer(
      "\nThe server prints its address and serves until stopped (Ctrl-C). Only approved\n"
      "records are served, without personal data. Examples:\n"
      "  minemap serve demo.gpkg --port 8080\n"
      "  ogrinfo OAPIF:http://127.0.0.1:8080/\n"
      "  ogr2ogr -f GPKG items.gpkg OAPIF:http://127.0.0.1:8080/ items\n"
      "  curl 'http://127.0.0.1:8080/collections/items/items?bbox=46.5,39.2,47,39.6&limit=10'\n");
  cmd->callback([a, &run] {
    run = [a] {
      return serve_store(a->store, a->bind, a->port, a->threads, false, a->web,
                         a->allow_unverified);
    };
  });
}

}  // namespace minemap::app
