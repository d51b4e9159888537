// core::filter_values: a filter on a field checked against the schema before the store
// compares it (--where, the API's query parameters).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/filter.hpp"

using namespace minemap::core;

namespace {

using V = std::vector<std::string>;

const FieldSpec& hazard(std::string_view name) {
  return *spec(Entity::Hazard).field(name);
}

std::string error_of(const FieldSpec& f, const V& values, const std::string& param = "--where") {
  try {
    filter_values(f, values, param);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(Filter, EnumValuesMatchInAnyCase) {
  EXPECT_EQ(filter_values(hazard("type"), {"cha", "Sha"}, "--where"), (V{"CHA", "SHA"}));
  EXPECT_EQ(filter_values(hazard("status"), {"Open", "HANDED_OVER"}, "status"),
            (V{"open", "handed_over"}));
  EXPECT_EQ(filter_values(hazard("contamination"), {"ap_mine"}, "--where"), (V{"AP_MINE"}));
}

TEST(Filter, AValueNoEnumHasIsAnErrorListingTheValues) {
  auto m = error_of(hazard("status"), {"open", "shut"});
  EXPECT_EQ(m, "--where: status: \"shut\" is not one of open, closed, handed_over");
  // Named once when the parameter is the field (the API's `?status=shut`).
  EXPECT_EQ(error_of(hazard("status"), {"shut"}, "status"),
            "status: \"shut\" is not one of open, closed, handed_over");
  EXPECT_NE(error_of(hazard("type"), {}).find("no value"), std::string::npos);
}

TEST(Filter, DatesBooleansAndNumbersAreChecked) {
  EXPECT_EQ(filter_values(hazard("reported"), {"2024", "2024-05", "2024-05-14"}, "--where"),
            (V{"2024", "2024-05", "2024-05-14"}));
  EXPECT_NE(error_of(hazard("reported"), {"May 2024"}).find("is not a date"), std::string::npos);
  EXPECT_NE(error_of(hazard("reported"), {"2024-13"}).find("is not a date"), std::string::npos);
  EXPECT_EQ(filter_values(hazard("blocks_water"), {"YES", "false", "0"}, "--where"),
            (V{"true", "false", "false"}));
  EXPECT_NE(error_of(hazard("blocks_water"), {"maybe"}).find("boolean"), std::string::npos);
  EXPECT_EQ(filter_values(hazard("beneficiaries"), {"12"}, "--where"), (V{"12"}));
  EXPECT_NE(error_of(hazard("beneficiaries"), {"many"}).find("whole number"), std::string::npos);
  EXPECT_NE(error_of(hazard("area_m2"), {"1e999"}).find("not a number"), std::string::npos);
  EXPECT_EQ(filter_values(hazard("name"), {"North, field"}, "name"), (V{"North, field"}));
}
