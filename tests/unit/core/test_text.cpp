// The checks of outside text: UTF-8, and JSON nesting measured without parsing.
#include <gtest/gtest.h>

#include <string>

#include "core/text.hpp"

using namespace minemap::core;

TEST(Text, JsonDepthCountsBracketsOutsideStrings) {
  EXPECT_EQ(json_depth("1", 64), 0u);
  EXPECT_EQ(json_depth("[]", 64), 1u);
  EXPECT_EQ(json_depth(R"({"a":[1,{"b":[]}]})", 64), 4u);
  EXPECT_EQ(json_depth(R"(["[[[[", "\"[[[", {"k\\":"}])", 64), 2u);
  EXPECT_EQ(json_depth("[][][]", 64), 1u);
  // Unbalanced or not JSON at all: the deepest nesting seen, for the parser to refuse.
  EXPECT_EQ(json_depth("]]]][[", 64), 2u);
  // A hostile nesting stops counting at the limit, in one pass.
  EXPECT_EQ(json_depth(std::string(1'000'000, '['), 65), 65u);
  EXPECT_EQ(json_depth(std::string(64, '[') + std::string(64, ']'), 65), 64u);
}

TEST(Text, Utf8) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("\xc3\xa9\xe2\x80\x94\xf0\x9f\x92\xa3"));
  for (const char* bad :
       {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x80", "\x80", "\xff"})
    EXPECT_FALSE(valid_utf8(bad)) << bad;
}
