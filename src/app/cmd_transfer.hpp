// `minemap import` and `minemap export`: features in from any GIS file, and out
// to one, signed when asked.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds `import` and `export` (`argv`: the command line, named in a signed
// export's manifest); their work is put in `run`.
void add_transfer_commands(CLI::App& app, std::function<int()>& run, int argc, char** argv);

}  // namespace minemap::app
