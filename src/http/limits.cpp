#include "http/limits.hpp"

#include <variant>

#include "core/errors.hpp"

namespace minemap::http {

void check_text(const std::string& field, const std::string& value, const InputLimits& limits) {
  if (value.size() > limits.text_bytes)
    throw core::InputError(field, std::to_string(value.size()) + " bytes, more than the limit of " +
                                      std::to_string(limits.text_bytes) + " (serve --max-text)");
}

void check_limits(const core::Record& r, const InputLimits& limits) {
  for (const auto& [name, value] : r.fields)
    if (const auto* s = std::get_if<std::string>(&value)) check_text(name, *s, limits);
  if (auto n = r.geometry.vertex_count(); n > limits.vertices)
    throw core::InputError("geometry", std::to_string(n) + " vertices, more than the limit of " +
                                           std::to_string(limits.vertices) +
                                           " (serve --max-vertices)");
}

}  // namespace minemap::http
