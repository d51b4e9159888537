// The demo store: synthetic data of every entity, in a fictional region, for
// people to explore minemap. Every name says "synthetic"; nothing is real.
#pragma once

#include "store/registry.hpp"

namespace minemap::ops {

// Writes the demo data into `reg` in one transaction. Deterministic for a seed.
void build_demo(store::Registry& reg, const store::Actor& who, unsigned seed = 20240);

}  // namespace minemap::ops
