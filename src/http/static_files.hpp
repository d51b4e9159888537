// The files of a folder served under a path prefix (the web application at /app/):
// only regular files whose real path lies inside the folder, with their content type.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "http/server.hpp"

namespace minemap::http {

// The content type of a file name by its extension (application/octet-stream when
// unknown).
std::string content_type_of(std::string_view name);

class StaticFiles {
 public:
  // `prefix` ends with '/'; throws core::Error when `dir` is not a directory.
  StaticFiles(std::string prefix, const std::string& dir);

  const std::string& prefix() const { return m_prefix; }
  // The answer to a GET of `path` (decoded, starting with the prefix): the file, or a
  // 404 for anything missing or refused: a NUL, a backslash, a "." or ".." segment, a
  // name whose real path (symbolic links followed) leaves the folder, or not a file.
  Response get(const std::string& path) const;

 private:
  std::string m_prefix;
  std::filesystem::path m_root;  // canonical
};

}  // namespace minemap::http
