// Fixture of tests/layering/check_self_test.cmake: core includes a layer above it.
#pragma once

#include "core/geometry.hpp"  // its own layer: allowed
#include "http/server.hpp"
