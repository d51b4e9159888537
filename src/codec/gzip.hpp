// gzip (RFC 1952) and zlib-wrapped deflate (RFC 1950), through zlib: compressing HTTP
// responses, reading the compressed directories and tiles of tile archives. Input from
// outside is hostile: decompression stops at a size limit and names what it read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace minemap::codec {

// The gzip stream of `data` (level 1..9; 6 is zlib's default balance).
std::string gzip(std::string_view data, int level = 6);

// Whether `data` starts as a gzip stream does (the magic bytes 1f 8b).
bool is_gzip(std::string_view data);

// The bytes of a gzip or zlib stream (detected from its header). Throws
// core::InputError(field, ...) when the stream is corrupt or truncated, or when it would
// give more than max_bytes.
std::string gunzip(std::string_view data, std::size_t max_bytes, const std::string& field);

}  // namespace minemap::codec
