// `minemap check-data` and `import --check/--strict`: the data-quality report on a small
// store made here, in which every check has one feature to flag and clean records
// beside them (docs/cli.md#check-data).
#include <regex>

#include "tamper_fixture.hpp"

using namespace harness;

namespace {

std::string square(double lon, double lat, double side) {
  auto c = [](double x, double y) {
    return "[" + std::to_string(x) + "," + std::to_string(y) + "]";
  };
  return R"({"type":"Polygon","coordinates":[[)" + c(lon, lat) + "," + c(lon + side, lat) + "," +
         c(lon + side, lat + side) + "," + c(lon, lat + side) + "," + c(lon, lat) + "]]}";
}

std::string point(double lon, double lat) {
  return R"({"type":"Point","coordinates":[)" + std::to_string(lon) + "," + std::to_string(lat) +
         "]}";
}

// The ids of the store below.
struct Fixture {
  fs::path store;
  std::string country, west, east;
  std::string hazard_clean, hazard_swapped, hazard_closed, hazard_late;
  std::string accident_clean, accident_early, accident_dup1, accident_dup2;
  std::string item_clean, item_far, item_future, item_outside;
};

// Testland (level 0, lon 20..22, lat 45..46), split into Region West (lon 20..21) and
// Region East (lon 21..22) at level 1; one record to flag per check, clean ones beside.
Fixture build(const fs::path& dir) {
  Fixture f;
  f.store = dir / "store.gpkg";
  EXPECT_EQ(minemap({"init", f.store.string()}).code, 0);
  auto area = [&](const std::string& name, int level, double lon, double width) {
    return add_one(f.store, "admin-areas",
                   R"({"name":")" + name + R"(","level":)" + std::to_string(level) +
                       R"(,"geometry":{"type":"Polygon","coordinates":[[[)" + std::to_string(lon) +
                       ",45],[" + std::to_string(lon + width) + ",45],[" +
                       std::to_string(lon + width) + ",46],[" + std::to_string(lon) + R"(,46],[)" +
                       std::to_string(lon) + ",45]]]}}");
  };
  f.country = area("Testland", 0, 20, 2);
  f.west = area("Region West", 1, 20, 1);
  f.east = area("Region East", 1, 21, 1);
  auto hazard = [&](const std::string& name, const std::string& status, const std::string& reported,
                    const std::string& geometry) {
    return add_one(f.store, "hazards",
                   R"({"name":")" + name + R"(","type":"CHA","status":")" + status +
                       R"(","reported":")" + reported + R"(","geometry":)" + geometry + "}");
  };
  f.hazard_clean = hazard("Clean", "open", "2010-01-01", square(20.20, 45.20, 0.01));
  // Given lat,lon: the polygon of lon 20.30..20.31, lat 45.30..45.31 lands near lon 45, lat 20.
  f.hazard_swapped =
      hazard("Swapped", "open", "2010-01-01",
             R"({"type":"Polygon","coordinates":[[[45.30,20.30],[45.31,20.30],[45.31,20.31],)"
             R"([45.30,20.31],[45.30,20.30]]]})");
  f.hazard_closed = hazard("Closed", "closed", "2010-01-01", square(20.40, 45.40, 0.01));
  f.hazard_late = hazard("Late", "open", "2015-06-01", square(20.50, 45.50, 0.01));
  auto accident = [&](const std::string& date, double lon, double lat) {
    return add_one(
        f.store, "accidents",
        R"({"date":")" + date + R"(","type":"mine","geometry":)" + point(lon, lat) + "}");
  };
  f.accident_clean = accident("2011-05-05", 20.205, 45.205);  // inside the clean hazard
  f.accident_early = accident("2012-03-01", 20.505, 45.505);  // before the late report
  f.accident_dup1 = accident("2020-02-02", 21.5, 45.5);
  f.accident_dup2 = accident("2020-02-02", 21.50005, 45.50002);  // about 4.5 m away
  auto item = [&](const std::string& found, double lon, double lat, const std::string& hazard_id) {
    return add_one(f.store, "items",
                   R"({"category":"AP_MINE","found":")" + found + R"(",)" +
                       (hazard_id.empty() ? "" : R"("hazard_id":")" + hazard_id + R"(",)") +
                       R"("geometry":)" + point(lon, lat) + "}");
  };
  f.item_clean = item("2011-02-02", 20.205, 45.206, f.hazard_clean);
  f.item_far = item("2011-02-03", 21.7, 45.7, f.hazard_clean);  // about 130 km away
  f.item_future = item("2020-01-01", 21.2, 45.2, "");
  f.item_outside = item("2011-02-04", 30.0, 10.0, "");
  // A date in the future cannot be written through minemap: a store written with a wrong
  // clock, or by another program, holds one.
  sqlite_on_table(f.store, "items",
                  "UPDATE items SET found = '2999-01-01' WHERE id = '" + f.item_future + "';");
  return f;
}

nlohmann::json flags_of(const fs::path& store, std::initializer_list<std::string> extra = {}) {
  std::vector<std::string> args{"check-data", store.string(), "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string cmd = quote(bin());
  for (const auto& a : args) cmd += " " + quote(a);
  auto r = shell(cmd);
  EXPECT_EQ(r.code, 1) << r.err;  // something flagged
  return nlohmann::json::parse(r.out);
}

// The flags of one record, check -> the flag.
std::map<std::string, nlohmann::json> flags_for(const nlohmann::json& flags,
                                                const std::string& id) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& f : flags)
    if (f["id"] == id) out[f["check"].get<std::string>()] = f;
  return out;
}

}  // namespace

TEST(CheckData, FlagsEachProblemWithItsReason) {
  TempDir d;
  auto f = build(d.path());
  auto flags = flags_of(f.store);
  for (const auto& fl : flags) {
    EXPECT_TRUE(fl.contains("entity") && fl.contains("reason") && fl.contains("details")) << fl;
  }

  auto swapped = flags_for(flags, f.hazard_swapped);
  ASSERT_TRUE(swapped.count("swapped")) << flags.dump(1);
  EXPECT_EQ(swapped["swapped"]["entity"], "hazards");
  const std::string reason = swapped["swapped"]["reason"];
  EXPECT_NE(reason.find("swapped"), std::string::npos) << reason;
  EXPECT_NE(reason.find(f.west + " Region West"), std::string::npos) << reason;
  EXPECT_EQ(swapped["swapped"]["details"]["swapped_into"], f.west);
  EXPECT_FALSE(swapped.count("outside")) << "a swap is reported as a swap";

  auto outside = flags_for(flags, f.item_outside);
  ASSERT_TRUE(outside.count("outside")) << flags.dump(1);
  EXPECT_NE(outside["outside"]["reason"].get<std::string>().find("outside"), std::string::npos);
  EXPECT_FALSE(outside.count("swapped"));

  auto dup = flags_for(flags, f.accident_dup2);
  ASSERT_TRUE(dup.count("duplicate")) << flags.dump(1);
  EXPECT_NE(dup["duplicate"]["reason"].get<std::string>().find(f.accident_dup1), std::string::npos);
  const double metres = dup["duplicate"]["details"]["distance_m"];
  EXPECT_GT(metres, 3);
  EXPECT_LT(metres, 6);
  EXPECT_TRUE(flags_for(flags, f.accident_dup1).empty()) << "a pair is flagged once";

  auto far = flags_for(flags, f.item_far);
  ASSERT_TRUE(far.count("far_link")) << flags.dump(1);
  EXPECT_EQ(far["far_link"]["details"]["hazard_id"], f.hazard_clean);
  const double km = far["far_link"]["details"]["distance_km"];
  EXPECT_GT(km, 100);
  EXPECT_LT(km, 160);

  auto closed = flags_for(flags, f.hazard_closed);
  ASSERT_TRUE(closed.count("closed_with_area")) << flags.dump(1);
  const double left = closed["closed_with_area"]["details"]["remaining_m2"];
  EXPECT_GT(left, 800000);  // 0.01 x 0.01 degrees at 45.4 N: about 0.87 km²

  auto early = flags_for(flags, f.accident_early);
  ASSERT_TRUE(early.count("before_report")) << flags.dump(1);
  EXPECT_EQ(early["before_report"]["details"]["hazard_id"], f.hazard_late);
  EXPECT_NE(early["before_report"]["reason"].get<std::string>().find("2015-06-01"),
            std::string::npos);

  auto future = flags_for(flags, f.item_future);
  ASSERT_TRUE(future.count("future_date")) << flags.dump(1);
  EXPECT_EQ(future["future_date"]["details"]["field"], "found");
  EXPECT_EQ(future["future_date"]["details"]["value"], "2999-01-01");

  for (const auto& id : {f.hazard_clean, f.accident_clean, f.item_clean, f.country, f.west, f.east,
                         f.hazard_late, f.accident_dup1})
    EXPECT_TRUE(flags_for(flags, id).empty()) << id << " is clean: " << flags.dump(1);
  EXPECT_EQ(flags.size(), 7u) << flags.dump(1);

  // The table: a header, then one line per flag, naming entity, id and check.
  auto table = minemap({"check-data", f.store.string()});
  EXPECT_EQ(table.code, 1) << table.err;
  EXPECT_NE(table.out.find("entity"), std::string::npos);
  EXPECT_NE(table.out.find(f.hazard_swapped), std::string::npos);
  EXPECT_NE(table.out.find("closed_with_area"), std::string::npos);
}

TEST(CheckData, OptionsSetTheTolerances) {
  TempDir d;
  auto f = build(d.path());
  // 4.5 m apart: not the same place within 1 m.
  auto near = flags_of(f.store, {"--distance", "1"});
  EXPECT_FALSE(flags_for(near, f.accident_dup2).count("duplicate"));
  // 130 km from its hazard: within 200 km.
  auto far = flags_of(f.store, {"--link-km", "200"});
  EXPECT_FALSE(flags_for(far, f.item_far).count("far_link"));
  EXPECT_EQ(far.size(), 6u);
  auto bad = minemap({"check-data", f.store.string(), "--distance", "-3"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--distance"), std::string::npos) << bad.err;
}

TEST(CheckData, CleanStoreExitsZero) {
  TempDir d;
  auto store = (d / "clean.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  add_one(store, "admin-areas",
          R"({"name":"Testland","level":0,"geometry":)" + square(20, 45, 1) + "}");
  add_one(store, "accidents",
          R"({"date":"2011-05-05","type":"mine","geometry":)" + point(20.5, 45.5) + "}");
  auto r = minemap({"check-data", store});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto j = minemap({"check-data", store, "--json"});
  EXPECT_EQ(j.code, 0) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out), nlohmann::json::array());
}

TEST(CheckData, WritesTheFlaggedFeaturesToAGeoPackage) {
  TempDir d;
  auto f = build(d.path());
  auto flags = flags_of(f.store);
  const auto out = d / "flagged.gpkg";
  auto r = minemap({"check-data", f.store.string(), "-o", out.string()});
  EXPECT_EQ(r.code, 1) << r.err;
  auto info = shell("ogrinfo -so -al " + quote(out.string()));
  ASSERT_EQ(info.code, 0) << info.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(info.out, m, std::regex("Feature Count: ([0-9]+)"))) << info.out;
  EXPECT_EQ(std::stoul(m[1]), flags.size());
  for (const char* column : {"entity", "id", "check", "reason"})
    EXPECT_NE(info.out.find(std::string(column) + ": String"), std::string::npos) << info.out;
  // The swapped hazard is where the store has it (near lon 45, lat 20).
  auto where = shell("ogrinfo -q " + quote(out.string()) + " -sql " +
                     quote("SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM flagged WHERE id = '" +
                           f.hazard_swapped + "'"));
  EXPECT_NE(where.out.find("x (Real) = 45.3"), std::string::npos) << where.out << where.err;
  // An existing file is kept unless --overwrite.
  EXPECT_EQ(minemap({"check-data", f.store.string(), "-o", out.string()}).code, 2);
  EXPECT_EQ(minemap({"check-data", f.store.string(), "-o", out.string(), "--overwrite"}).code, 1);
}

TEST(CheckData, ImportCheckReportsOnlyTheImportedRecords) {
  TempDir d;
  auto f = build(d.path());
  const auto csv = d / "accidents.csv";
  // The first row has its lon and lat columns the wrong way round.
  write_file(csv, "lon,lat,date,type\n45.62,20.62,2020-05-01,mine\n21.3,45.3,2020-05-02,erw\n");
  auto r =
      minemap({"import", f.store.string(), csv.string(), "--as", "accidents", "--check", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto sum = nlohmann::json::parse(r.out);
  EXPECT_EQ(sum["imported"], 2);
  ASSERT_TRUE(sum["quality"].is_array()) << r.out;
  ASSERT_EQ(sum["quality"].size(), 1u)
      << "the store's other problems are not the import's: " << r.out;
  const auto& flag = sum["quality"][0];
  EXPECT_EQ(flag["entity"], "accidents");
  EXPECT_EQ(flag["check"], "swapped");
  EXPECT_NE(flag["reason"].get<std::string>().find("swapped"), std::string::npos);
  EXPECT_NE(flag["reason"].get<std::string>().find("Region West"), std::string::npos);
  // The imported records are in the store; the whole store's report has them too.
  auto all = flags_of(f.store);
  EXPECT_TRUE(flags_for(all, flag["id"]).count("swapped"));

  // Without --json: the summary, then the report, on stderr.
  const auto csv2 = d / "more.csv";
  write_file(csv2, "lon,lat,date,type\n45.63,20.63,2020-05-03,mine\n");
  auto text = minemap({"import", f.store.string(), csv2.string(), "--as", "accidents", "--check"});
  ASSERT_EQ(text.code, 0) << text.err;
  auto imported = text.err.find("imported 1");
  auto report = text.err.find("swapped");
  ASSERT_NE(imported, std::string::npos) << text.err;
  ASSERT_NE(report, std::string::npos) << text.err;
  EXPECT_LT(imported, report) << text.err;
}

TEST(CheckData, ImportStrictRefusesAndWritesNothing) {
  TempDir d;
  auto f = build(d.path());
  const auto csv = d / "accidents.csv";
  write_file(csv, "lon,lat,date,type\n21.3,45.3,2020-05-02,erw\n45.62,20.62,2020-05-01,mine\n");
  const auto before = row_counts(f.store);
  auto r = minemap({"import", f.store.string(), csv.string(), "--as", "accidents", "--strict"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("feature 1"), std::string::npos) << "names the feature: " << r.err;
  EXPECT_NE(r.err.find("swapped"), std::string::npos) << r.err;
  EXPECT_EQ(row_counts(f.store), before) << "nothing written";

  // A clean file goes in under --strict.
  write_file(csv, "lon,lat,date,type\n21.3,45.3,2020-05-02,erw\n");
  auto ok = minemap({"import", f.store.string(), csv.string(), "--as", "accidents", "--strict"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(row_counts(f.store)["accidents"], before.at("accidents") + 1);
}
