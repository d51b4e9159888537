// The user documentation that minemap generates stays in step with the code.
#include "harness.hpp"

using namespace harness;

TEST(Docs, DataModelIsTheSchemaOutput) {
  const char* src = std::getenv("MINEMAP_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  auto r = minemap({"schema"});
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(slurp(fs::path(src) / "docs" / "data-model.md"), r.out)
      << "docs/data-model.md is stale: run `minemap schema > docs/data-model.md`";
  // Every entity the schema lists is one the commands take, and no other is.
  auto j = json_of(minemap({"schema", "--json"}));
  ASSERT_TRUE(j.is_array());
  EXPECT_FALSE(j.empty());
  TempDir d;
  const std::string store = (d / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  for (const auto& e : j) {
    auto listed = minemap({"list", store, e.value("name", ""), "--format", "json"});
    EXPECT_EQ(listed.code, 0) << e.value("name", "") << ": " << listed.err;
  }
  EXPECT_EQ(minemap({"list", store, "minefields"}).code, 2);
}
