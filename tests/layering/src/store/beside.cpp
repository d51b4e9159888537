// Fixture: store includes a lower layer that cmake/layers.cmake does not give it.

#include <string>  // not a layer

#include "geo/wkb.hpp"  // allowed
#include "analysis/stats.hpp"
