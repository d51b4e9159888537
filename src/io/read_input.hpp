// Reading user files (or standard input for "-") into memory.
#pragma once

#include <string>

namespace minemap::io {

// The whole content of `path`, or of standard input when path is "-".
// Throws core::InputError naming the file when it cannot be read.
std::string read_input(const std::string& path);

}  // namespace minemap::io
