// What one request may carry, beyond the server's own limits on bytes and headers:
// how deep its JSON nests, how many vertices a geometry has, how long a text value is.
// `serve` options set them; beyond one, a 400 that names the field and the limit.
#pragma once

#include <cstddef>
#include <string>

#include "core/schema.hpp"

namespace minemap::http {

struct InputLimits {
  std::size_t json_depth = 32;      // serve --max-json-depth
  std::size_t vertices = 100'000;   // serve --max-vertices, per geometry
  std::size_t text_bytes = 10'000;  // serve --max-text, per text value
};

// Throws core::InputError naming the field and the limit when `r` carries more.
void check_limits(const core::Record& r, const InputLimits& limits);
// One text value of a request that is not a record's field (a reason, a name).
void check_text(const std::string& field, const std::string& value, const InputLimits& limits);

}  // namespace minemap::http
