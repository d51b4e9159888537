#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/validate.hpp"

using namespace minemap::core;

namespace {

const Date kToday{2026, 11, 27};

Record accident() {
  Record r;
  r.fields = {{"date", std::string("2012-05-14")}, {"type", std::string("mine")}};
  r.geometry = Geometry::point(20, 45);
  return r;
}

std::string error_field(const EntitySpec& s, Record r) {
  try {
    validate(s, std::move(r), kToday);
  } catch (const InputError& e) {
    return e.field();
  }
  return "(accepted)";
}

}  // namespace

TEST(Validate, AcceptsAndNormalises) {
  Record r = accident();
  r.fields["area_marked"] = std::string("yes");
  r.fields["device_category"] = std::string(" AP_MINE ");
  Record v = validate(spec(Entity::Accident), r, kToday);
  EXPECT_EQ(v.boolean("area_marked"), true);
  EXPECT_EQ(v.text("device_category"), "AP_MINE");
  EXPECT_EQ(v.workflow, "approved");
}

TEST(Validate, EveryRuleNamesItsField) {
  const auto& acc = spec(Entity::Accident);
  Record r = accident();
  r.fields["type"] = std::string("landmine");
  EXPECT_EQ(error_field(acc, r), "type");

  r = accident();
  r.fields["date"] = std::string("2027-01-01");
  EXPECT_EQ(error_field(acc, r), "date");

  r = accident();
  r.fields["date"] = std::string("2026-12");  // a month not yet begun
  EXPECT_EQ(error_field(acc, r), "date");

  r = accident();
  r.fields.erase("type");
  EXPECT_EQ(error_field(acc, r), "type");

  r = accident();
  r.fields["time"] = std::string("25:10");
  EXPECT_EQ(error_field(acc, r), "time");

  r = accident();
  r.fields["colour"] = std::string("red");
  EXPECT_EQ(error_field(acc, r), "colour");

  r = accident();
  r.geometry = Geometry{};
  EXPECT_EQ(error_field(acc, r), "geometry");

  r = accident();
  r.geometry = Geometry::multipolygon({{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}});
  EXPECT_EQ(error_field(acc, r), "geometry");

  r = accident();
  r.workflow = "published";
  EXPECT_EQ(error_field(acc, r), "workflow");
}

TEST(Validate, RangesAndTypes) {
  const auto& vic = spec(Entity::Victim);
  Record v;
  v.fields = {{"accident_id", std::string("ACC-000001")},
              {"group", std::string("civilian")},
              {"outcome", std::string("injured")},
              {"age", std::int64_t{130}}};
  EXPECT_EQ(error_field(vic, v), "age");
  v.fields["age"] = 12.5;
  EXPECT_EQ(error_field(vic, v), "age");
  v.fields["age"] = std::string("12");
  Record ok = validate(vic, v, kToday);
  EXPECT_EQ(ok.integer("age"), 12);
  v.fields["knew_dangerous"] = std::string("perhaps");
  EXPECT_EQ(error_field(vic, v), "knew_dangerous");
}

TEST(Validate, DefaultsComputedAndEnumSets) {
  const auto& hz = spec(Entity::Hazard);
  Record h;
  h.fields = {{"name", std::string("North field")},
              {"type", std::string("CHA")},
              {"contamination", std::string("AT_MINE, AP_MINE,AP_MINE")},
              {"area_m2", 5.0}};
  h.geometry = Geometry::multipolygon({{{{20, 45}, {20.01, 45}, {20.01, 45.01}, {20, 45}}}});
  h.geometry.type = GeomType::Polygon;
  Record v = validate(hz, h, kToday);
  EXPECT_EQ(v.text("status"), "open");                    // default
  EXPECT_FALSE(v.has("area_m2"));                         // computed: input ignored
  EXPECT_EQ(v.text("contamination"), "AP_MINE,AT_MINE");  // sorted, de-duplicated
  EXPECT_EQ(v.geometry.type, GeomType::MultiPolygon);     // promoted
  h.fields["contamination"] = std::string("AP_MINE,LANDMINE");
  EXPECT_EQ(error_field(hz, h), "contamination");
}

TEST(Validate, ActivityDates) {
  const auto& act = spec(Entity::Activity);
  Record a;
  a.fields = {{"hazard_id", std::string("HZ-000001")},
              {"type", std::string("CLEARANCE")},
              {"start", std::string("2021-05-01")},
              {"end", std::string("2021-04")}};
  EXPECT_EQ(error_field(act, a), "end");
  a.fields["end"] = std::string("2021-05");
  EXPECT_EQ(validate(act, a, kToday).text("status"), "completed");
}

TEST(Schema, EveryEntityHasAUniquePrefixAndTable) {
  std::set<std::string_view> prefixes, tables;
  for (const auto& s : entities()) {
    EXPECT_TRUE(prefixes.insert(s.id_prefix).second) << s.name;
    EXPECT_TRUE(tables.insert(s.table).second) << s.name;
    for (const auto& f : s.fields) {
      if (f.type == FieldType::Ref) {
        EXPECT_NO_THROW(spec_by_name(f.ref)) << s.name << "." << f.name;
      }
    }
  }
  EXPECT_EQ(entities().size(), 13u);
  EXPECT_THROW(spec_by_name("mines"), InputError);
}

TEST(Validate, TextMustBeUtf8) {
  const auto& org = spec(Entity::Organisation);
  Record r;
  r.fields["name"] = std::string("D\xe9mineurs");  // Latin-1, not UTF-8
  EXPECT_EQ(error_field(org, r), "name");
  r.fields["name"] =
      std::string("D\xc3\xa9mineurs sans fronti\xc3\xa8res \xe2\x80\x94 \xf0\x9f\x92\xa3");
  EXPECT_EQ(validate(org, r, kToday).text("name"), std::get<std::string>(r.fields["name"]));
  for (const char* bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x80", "\x80"}) {
    r.fields["name"] = std::string(bad);
    EXPECT_EQ(error_field(org, r), "name") << bad;
  }
}

TEST(Validate, TextHoldsNoControlCharacters) {
  const auto& org = spec(Entity::Organisation);
  Record r;
  for (const auto& bad :
       std::vector<std::string>{std::string("a\0b", 3), "bell\x07", "\x7f", "esc\x1b[31m"}) {
    r.fields["name"] = bad;
    EXPECT_EQ(error_field(org, r), "name") << bad;
  }
  r.fields["name"] = std::string("two lines\nand a\ttab\r\n");
  EXPECT_NO_THROW(validate(org, r, kToday));
}

TEST(Validate, IdsArePathSegments) {
  const auto& org = spec(Entity::Organisation);
  Record r;
  r.fields["name"] = std::string("Org");
  for (const auto& bad :
       std::vector<std::string>{"A/1", "A 1", "A?1", "../x", std::string(65, 'a')}) {
    r.id = bad;
    EXPECT_EQ(error_field(org, r), "id") << bad;
  }
  r.id = "ORG-KH.01_a";
  EXPECT_EQ(validate(org, r, kToday).id, "ORG-KH.01_a");
}
