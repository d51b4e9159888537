// Reading user files (or standard input for "-") into memory.
#pragma once

#include <string>

namespace minemap::io {

// The whole content of `path`, or of standard input when path is "-".
// Throws core::InputError naming the file when it cannot be read.
std::string read_input(const std::string& path);

// Writes `content` to `path` whole or not at all (a temporary file beside it, then
// renamed over it), or to standard output when path is "-".
// Throws core::Error naming the file when it cannot be written.
void write_output(const std::string& path, const std::string& content);

}  // namespace minemap::io
