// A bounding box given as text: the command line's --bbox and the HTTP API's bbox
// parameter (outside input: fuzzed by tests/fuzz/fuzz_http_params.cpp).
#pragma once

#include <string>

#include "core/geometry.hpp"

namespace minemap::core {

enum class BboxSyntax {
  // `--bbox W,S,E,N`: four numbers in degrees, W <= E and S <= N.
  CommandLine,
  // `bbox=minx,miny,maxx,maxy` of OGC API - Features, or six numbers with heights
  // (minx,miny,minz,maxx,maxy,maxz). A box across the antimeridian (minx > maxx)
  // becomes the whole band of latitudes.
  OgcApi,
};

// Each number finite, written as std::from_chars reads it (no spaces, no "+").
// Throws core::InputError naming `--bbox` or `bbox`.
Envelope parse_bbox(const std::string& text, BboxSyntax syntax);

}  // namespace minemap::core
