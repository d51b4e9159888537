// `minemap risk`: a contamination-likelihood model (docs/risk.md), trained and applied
// on tables of precomputed features.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minemap::app {

// Adds `risk train` and `risk predict`; their work is put in `run`.
void add_risk_commands(CLI::App& app, std::function<int()>& run);

}  // namespace minemap::app
