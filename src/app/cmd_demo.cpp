#include "app/cmd_demo.hpp"

#include <filesystem>
#include <iostream>

#include "app/cli_util.hpp"
#include "app/cmd_serve.hpp"
#include "ops/demo.hpp"
#include "ops/stats.hpp"
#include "render/render.hpp"
#include "store/registry.hpp"

namespace minemap::app {

namespace fs = std::filesystem;

namespace {

int cmd_demo(const std::string& dir, bool no_serve) {
  fs::create_directories(dir);
  fs::path file = fs::path(dir) / "demo.gpkg";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix);
  auto reg = store::Registry::open(file.string(), true);
  ops::build_demo(reg, app::current_actor());
  auto s = ops::stats(reg);
  std::cout << "minemap demo: SYNTHETIC data, generated for demonstration only\n\n";
  render::print_stats(s, std::cout);
  std::cout << "\nstore: " << fs::absolute(file).string() << '\n'
            << "open it in QGIS, or try:  minemap list " << file.string() << " hazards\n"
            << "                          minemap reliability " << file.string() << " --all\n\n";
  if (no_serve) return 0;
  return app::serve_store(file.string(), "127.0.0.1", 8080, {}, /*fallback_any_port=*/true);
}

}  // namespace

void add_demo_command(CLI::App& app, std::function<int()>& run) {
  static std::string dir = "minemap-demo";
  static bool no_serve = false;
  auto* demo = app.add_subcommand(
      "demo", "Build a demo store of synthetic data, summarise it and serve it over HTTP");
  demo->add_option("--dir", dir, "folder for demo.gpkg (replaced if present)")
      ->capture_default_str();
  demo->add_flag("--no-serve", no_serve, "only build the store (default: serve it on port 8080)");
  demo->footer(
      "Examples:\n"
      "  minemap demo                          # then open the address it prints\n"
      "  minemap demo --dir /tmp/try --no-serve");
  demo->callback([&] { run = [&] { return cmd_demo(dir, no_serve); }; });
}

}  // namespace minemap::app
