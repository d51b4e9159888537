// The labels people read instead of field names and codes (core/schema).
#include <gtest/gtest.h>

#include "core/schema.hpp"

namespace {

using namespace minemap::core;

TEST(Labels, FieldsReadAsWordsWithTheirUnits) {
  const auto& hz = spec(Entity::Hazard);
  EXPECT_EQ(field_label(*hz.field("area_m2")), "Area (m²)");
  EXPECT_EQ(field_label(*hz.field("remaining_m2")), "Area left (m²)");
  EXPECT_EQ(field_label(*hz.field("organisation_id")), "Organisation");
  EXPECT_EQ(field_label(*hz.field("admin_area_id")), "Administrative area");
  EXPECT_EQ(field_label(*hz.field("blocks_water")), "Blocks water");
  EXPECT_EQ(field_label(*spec(Entity::Accident).field("device_category")), "Device category");
  EXPECT_EQ(field_label(*spec(Entity::Item).field("activity_id")), "Activity");
}

TEST(Labels, EveryEnumValueAndEntityHasOne) {
  EXPECT_EQ(value_label("AP_MINE"), "Anti-personnel mine");
  EXPECT_EQ(value_label("CHA"), "Confirmed hazardous area");
  EXPECT_EQ(value_label("handed_over"), "Handed over");
  EXPECT_EQ(value_label("verbal_report"), "Verbal report");
  for (const auto& e : entities()) {
    EXPECT_FALSE(e.singular.empty()) << e.name;
    for (const auto& f : e.fields) {
      const std::string label = field_label(f);
      EXPECT_FALSE(label.empty()) << e.name << "." << f.name;
      EXPECT_EQ(label.find('_'), std::string::npos) << e.name << "." << f.name;
      for (auto v : f.values) {
        const std::string vl = value_label(v);
        EXPECT_EQ(vl.find('_'), std::string::npos) << e.name << "." << f.name << " " << v;
        EXPECT_TRUE(vl[0] < 'a' || vl[0] > 'z') << vl;  // capitalised
      }
    }
  }
}

}  // namespace
