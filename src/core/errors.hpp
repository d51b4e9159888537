// The error hierarchy every layer throws and the CLI / server map to exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace minemap::core {

// Root of every error minemap raises on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input from a user: the message names the file, feature and field.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message) {}
  // field: the key path ("victims[0].age"); message: what is wrong with it.
  InputError(const std::string& field, const std::string& message)
      : Error(field + ": " + message), m_field(field) {}
  const std::string& field() const noexcept { return m_field; }

  // The same error, with a location (file, feature index) put in front.
  InputError located(const std::string& where) const {
    InputError e(where + ": " + what());
    e.m_field = m_field;
    return e;
  }

 private:
  std::string m_field;
};

class NotFound : public Error {
 public:
  using Error::Error;
};

class Conflict : public Error {
 public:
  using Error::Error;
};

// A change made from a version of a record that is no longer its latest: someone else
// changed it meanwhile (HTTP 412 when the version came as If-Match).
class StaleVersion : public Conflict {
 public:
  using Conflict::Conflict;
};

class StorageError : public Error {
 public:
  using Error::Error;
};

// Not signed in, or the sign-in failed (HTTP 401).
class AuthError : public Error {
 public:
  using Error::Error;
};

// Signed in, but the role does not allow it (HTTP 403).
class Forbidden : public Error {
 public:
  using Error::Error;
};

}  // namespace minemap::core
