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
  auto j = json_of(minemap({"schema", "--json"}));
  EXPECT_EQ(j.size(), 13u);
}
