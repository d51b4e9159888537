// Key files; see key_files.hpp.
#include "ops/key_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"
#include "io/read_input.hpp"
#include "store/crypto.hpp"
#include "store/signing.hpp"

namespace minemap::ops {
namespace {

// Creates `path` with `mode` and writes `text`; fails when it exists.
void write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) throw core::Conflict(path + " exists already (a key is never replaced)");
    throw core::StorageError("cannot create " + path + ": " + std::strerror(errno));
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(path.c_str());
      throw core::StorageError("cannot write " + path + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  // The umask may have narrowed `mode`, never widened it: set it exactly.
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(path.c_str());
    throw core::StorageError("cannot write " + path + ": " + why);
  }
}

}  // namespace

KeyFiles write_new_key_pair(const std::string& name) {
  KeyFiles out{name + ".key", name + ".pub", {}};
  for (const auto& p : {out.secret_path, out.public_path})
    if (std::filesystem::exists(p))
      throw core::Conflict(p + " exists already (a key is never replaced)");
  auto keys = store::crypto::new_signing_keys();
  out.public_key = keys.public_key;
  write_new_file(out.secret_path, store::secret_key_text(keys.secret_key), 0600);
  try {
    write_new_file(out.public_path, store::public_key_text(keys.public_key), 0644);
  } catch (...) {
    ::unlink(out.secret_path.c_str());
    throw;
  }
  return out;
}

std::string read_secret_key(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    throw core::InputError(path, "others than its owner may read this secret key: chmod 600 " +
                                     path + " (and ask who else may have it)");
  return store::secret_key_from_text(io::read_input(path), path);
}

std::string read_public_key(const std::string& path) {
  return store::public_key_from_text(io::read_input(path), path);
}

}  // namespace minemap::ops
