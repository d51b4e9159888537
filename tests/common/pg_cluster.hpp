// A throwaway PostgreSQL 15 + PostGIS 3 cluster for the tests of the PostgreSQL store:
// started by tests/pg/cluster (its socket in a temporary directory, no TCP) the first time
// a test of the binary asks for a database, stopped when the binary ends (a gtest
// Environment); each test gets a fresh database of its own. Where the server or PostGIS
// is not installed, the tests that need it are skipped with the reason (failed under
// CI=true, tests/common/require.hpp).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "common/require.hpp"
#include "store/pg/libpq.hpp"

namespace testing_support {

inline constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin/initdb";
inline constexpr const char* kPostgisControl = "/usr/share/postgresql/15/extension/postgis.control";

class PgCluster : public ::testing::Environment {
 public:
  static PgCluster& get();

  // Why the cluster cannot run here ("" when it can).
  std::string missing() const {
    if (!std::filesystem::exists(kPgBin)) return std::string(kPgBin) + " is missing";
    if (!std::filesystem::exists(kPostgisControl))
      return std::string(kPostgisControl) + " is missing (postgresql-15-postgis-3)";
    if (!std::getenv("MINEMAP_SOURCE_DIR")) return "MINEMAP_SOURCE_DIR is not set (run by ctest)";
    return "";
  }

  // Starts the cluster when it is not running; "" or what went wrong.
  std::string start() {
    if (!m_dir.empty() || !m_error.empty()) return m_error;
    std::string tmpl = "/tmp/minemap-pg-XXXXXX";
    if (!mkdtemp(tmpl.data())) return m_error = "mkdtemp failed";
    const std::string script = std::string(std::getenv("MINEMAP_SOURCE_DIR")) + "/tests/pg/cluster";
    const std::string log = tmpl + ".log";
    const std::string cmd = "bash '" + script + "' start '" + tmpl + "' " + std::to_string(kPort) +
                            " > '" + log + "' 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      m_error = "tests/pg/cluster start failed: " + text.str();
      std::filesystem::remove(log);
      return m_error;
    }
    std::filesystem::remove(log);
    m_dir = tmpl;
    return "";
  }

  void TearDown() override {
    if (m_dir.empty()) return;
    const std::string script = std::string(std::getenv("MINEMAP_SOURCE_DIR")) + "/tests/pg/cluster";
    const std::string cmd = "bash '" + script + "' stop '" + m_dir + "' > /dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not stop the cluster\n");
    m_dir.clear();
  }

  const std::string& dir() const { return m_dir; }
  static constexpr int kPort = 54329;

  // The address of database `db` as user `user` (the superuser postgres by default).
  std::string uri(const std::string& db, const std::string& user = "postgres") const {
    return "postgresql:///" + db + "?host=" + m_dir + "&port=" + std::to_string(kPort) +
           "&user=" + user;
  }

  // A connection to the cluster's maintenance database, as the superuser.
  minemap::store::pg::Connection& admin() {
    if (!m_admin) m_admin = std::make_unique<minemap::store::pg::Connection>(uri("postgres"));
    return *m_admin;
  }

  // A new, empty database: "t_1", "t_2" ...
  std::string new_database() {
    const std::string name = "t_" + std::to_string(++m_databases);
    admin().script("CREATE DATABASE " + name);
    return name;
  }

 private:
  std::string m_dir, m_error;
  std::unique_ptr<minemap::store::pg::Connection> m_admin;
  int m_databases = 0;
};

// Registered before main: gtest owns it and calls its TearDown when the tests end.
inline PgCluster* const kPgCluster =
    static_cast<PgCluster*>(::testing::AddGlobalTestEnvironment(new PgCluster));

inline PgCluster& PgCluster::get() {
  return *kPgCluster;
}

}  // namespace testing_support

// In a test: the URI of a fresh database of the throwaway cluster into `var`, or the test
// skipped (failed under CI=true) when PostgreSQL or PostGIS is missing, failed when the
// cluster does not start.
#define MINEMAP_PG_DATABASE(var)                                                     \
  std::string var;                                                                   \
  do {                                                                               \
    auto& pg_cluster_ = ::testing_support::PgCluster::get();                         \
    const std::string pg_missing_ = pg_cluster_.missing();                           \
    MINEMAP_REQUIRE(pg_missing_.empty(), "PostgreSQL store tests: " << pg_missing_); \
    const std::string pg_error_ = pg_cluster_.start();                               \
    ASSERT_TRUE(pg_error_.empty()) << pg_error_;                                     \
    var = pg_cluster_.uri(pg_cluster_.new_database());                               \
  } while (false)
