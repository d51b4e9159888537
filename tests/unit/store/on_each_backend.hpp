// A store on each backend, for the tests whose expectations hold on both: a GeoPackage
// file in a temporary directory, and a fresh database of the throwaway PostgreSQL cluster
// (common/pg_cluster.hpp). A suite derives its fixture from OnEachBackend, writes TEST_P,
// and runs on both through MINEMAP_ON_EACH_BACKEND(Suite): its tests are then named
// Store/Suite.Test/gpkg and Store/Suite.Test/postgresql.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "common/pg_cluster.hpp"
#include "common/temp_dir.hpp"
#include "store/registry.hpp"

namespace minemap::testing_store {

enum class Kind { Gpkg, Postgres };

class OnEachBackend : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::Postgres) {
      MINEMAP_PG_DATABASE(uri);
      m_uri = uri;
    } else {
      m_uri = m_dir.file("store.gpkg");
    }
  }
  store::Registry create() { return store::Registry::open(m_uri, true); }
  store::Registry open() { return store::Registry::open(m_uri, false); }

  testing_support::TempDir m_dir;
  std::string m_uri;  // the store's path or URI
};

inline std::string backend_name(const ::testing::TestParamInfo<Kind>& i) {
  return i.param == Kind::Gpkg ? "gpkg" : "postgresql";
}

}  // namespace minemap::testing_store

#define MINEMAP_ON_EACH_BACKEND(Suite)                                                  \
  INSTANTIATE_TEST_SUITE_P(Store, Suite,                                                \
                           ::testing::Values(::minemap::testing_store::Kind::Gpkg,      \
                                             ::minemap::testing_store::Kind::Postgres), \
                           ::minemap::testing_store::backend_name)
