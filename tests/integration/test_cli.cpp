// The command line as docs/cli.md promises it: every subcommand on every entity.
#include <algorithm>

#include "every_entity.hpp"

using namespace harness;

TEST(Cli, HelpAndUsage) {
  auto r = minemap({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("demo"), std::string::npos);
  EXPECT_EQ(minemap({}).code, 2);
  EXPECT_EQ(minemap({"frobnicate"}).code, 2);
  auto add = minemap({"add", "--help"});
  EXPECT_EQ(add.code, 0);
  EXPECT_NE(add.out.find("Example"), std::string::npos);
}

namespace {

// The names under "Subcommands:" in a help text.
std::vector<std::string> subcommands_of(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream in(help);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("Subcommands:", 0) == 0 || line.rfind("SUBCOMMANDS:", 0) == 0) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.rfind("  ", 0) != 0) break;  // the section ends at a line not indented
    std::istringstream words(line);
    std::string name;
    if (words >> name) out.push_back(name);
  }
  return out;
}

// Every command's --help, walked from `minemap --help` down through its subcommands.
void check_help(const std::vector<std::string>& command, int& seen) {
  std::vector<std::string> args = command;
  args.push_back("--help");
  auto r = minemap(args);
  std::string name = "minemap";
  for (const auto& c : command) name += " " + c;
  ++seen;
  ASSERT_EQ(r.code, 0) << name << ": " << r.err;
  // An example (footer "Example: ..." or "Examples:").
  EXPECT_NE(r.out.find("Example"), std::string::npos) << name << " --help has no example";
  // The program's name, not the binary's path.
  EXPECT_NE(r.out.find("Usage: " + name), std::string::npos) << name << ":\n" << r.out;
  EXPECT_EQ(r.out.find(bin()), std::string::npos) << name << " --help prints " << bin();
  EXPECT_EQ(r.out.find("Usage: /"), std::string::npos) << name << ":\n" << r.out;
  // STORE said to be the GeoPackage file wherever a command takes it.
  const auto usage_at = r.out.find("Usage: ");
  const std::string usage = r.out.substr(usage_at, r.out.find('\n', usage_at) - usage_at);
  EXPECT_EQ(usage.find(" store"), std::string::npos) << name << ": " << usage;
  if (usage.find("STORE") != std::string::npos) {
    auto positionals = r.out.find("\n  STORE ");
    ASSERT_NE(positionals, std::string::npos) << name << ": no STORE positional";
    const std::string line =
        r.out.substr(positionals + 1, r.out.find('\n', positionals + 1) - positionals - 1);
    EXPECT_NE(line.find("GeoPackage (.gpkg)"), std::string::npos) << name << ": " << line;
  }
  for (const auto& sub : subcommands_of(r.out)) {
    auto next = command;
    next.push_back(sub);
    check_help(next, seen);
  }
}

}  // namespace

TEST(Cli, EveryHelpHasAnExampleAndTheProgramName) {
  int seen = 0;
  check_help({}, seen);
  // init .. settings, record's and user's subcommands: the walk found them all.
  EXPECT_GE(seen, 34);
  auto user = minemap({"user", "add", "--help"});
  EXPECT_NE(user.out.find("STORE"), std::string::npos) << user.out;
}

TEST(Cli, AddWithoutFileSaysDashReadsStandardInput) {
  TempDir d;
  auto store = (d / "s.gpkg").string();
  ASSERT_EQ(minemap({"init", store}).code, 0);
  // The usage line as docs/cli.md writes it, and what - means.
  auto help = minemap({"add", "--help"});
  EXPECT_NE(help.out.find("Usage: minemap add [OPTIONS] STORE ENTITY FILE|-"), std::string::npos)
      << help.out;
  EXPECT_NE(help.out.find("- for standard input"), std::string::npos) << help.out;
  auto r = minemap({"add", store, "hazards"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("FILE|- is required"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("see minemap add --help"), std::string::npos) << r.err;
  // And - does read standard input.
  auto in =
      minemap({"add", store, "organisations", "-"}, R"({"name":"Demining NGO","kind":"ngo"})");
  EXPECT_EQ(in.code, 0) << in.err;
}

// A STORE that is not a minemap GeoPackage is bad input (exit 2, docs/cli.md), with the
// file named; the file is left as it was.
TEST(Cli, StoreThatIsNotAGeoPackageExitsTwo) {
  TempDir d;
  auto text = d / "notes.txt";
  const std::string notes = "a text file, not a GeoPackage: minefield notes, 12 pages\n";
  write_file(text, notes);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"list", text.string(), "hazards"},
        std::vector<std::string>{"stats", text.string()},
        std::vector<std::string>{"add", text.string(), "hazards", "-"},
        std::vector<std::string>{"verify", text.string()}}) {
    auto r = minemap(args, "{}");
    EXPECT_EQ(r.code, 2) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("notes.txt"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not a minemap GeoPackage"), std::string::npos) << r.err;
  }
  EXPECT_EQ(slurp(text), notes);
  // An empty file and a GeoPackage of another program: bad input too.
  auto empty = d / "empty.gpkg";
  write_file(empty, "");
  EXPECT_EQ(minemap({"list", empty.string(), "hazards"}).code, 2);
}

TEST(Cli, InitRefusesToOverwrite) {
  TempDir d;
  auto store = (d / "s.gpkg").string();
  EXPECT_EQ(minemap({"init", store}).code, 0);
  auto again = minemap({"init", store});
  EXPECT_EQ(again.code, 2);
  auto missing = minemap({"list", (d / "none.gpkg").string(), "hazards"});
  EXPECT_EQ(missing.code, 2) << missing.err;
}

TEST(Cli, EveryEntityRoundTrips) {
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  auto e = add_every_entity(store);
  EXPECT_EQ(e.hazard, "HZ-000001");
  EXPECT_EQ(e.record, "MR-0042");

  auto h = json_of(minemap({"get", store.string(), "hazards", e.hazard, "--json"}));
  EXPECT_EQ(h["type"], "Feature");
  EXPECT_EQ(h["id"], e.hazard);
  EXPECT_EQ(h["properties"]["contamination"], "AP_MINE,AT_MINE");
  EXPECT_EQ(h["properties"]["blocks_agriculture"], true);
  double area = h["properties"]["area_m2"];
  EXPECT_NEAR(area, 876920, 2000);  // 0.01 x 0.01 degrees at 45 N
  double remaining = h["properties"]["remaining_m2"];
  EXPECT_NEAR(remaining, area / 2, area * 1e-3);  // the cleared west half is gone

  auto rel = json_of(minemap({"get", store.string(), "releases", e.release, "--json"}));
  EXPECT_EQ(rel["properties"]["hazard_id"], e.hazard);

  // Personal data only when asked for.
  auto v = json_of(minemap({"get", store.string(), "victims", e.victim, "--json"}));
  EXPECT_FALSE(v["properties"].contains("name"));
  auto vp = json_of(
      minemap({"get", store.string(), "victims", e.victim, "--json", "--include-personal"}));
  EXPECT_EQ(vp["properties"]["name"], "Test Person");

  // list in every format
  auto fc = json_of(minemap({"list", store.string(), "items", "--format", "geojson"}));
  EXPECT_EQ(fc["type"], "FeatureCollection");
  ASSERT_EQ(fc["features"].size(), 1u);
  auto arr = json_of(minemap({"list", store.string(), "accidents", "--format", "json"}));
  ASSERT_EQ(arr.size(), 1u);
  auto csv = minemap({"list", store.string(), "items", "--format", "csv"});
  EXPECT_EQ(csv.code, 0);
  EXPECT_EQ(csv.out.rfind("id,workflow,category", 0), 0u) << csv.out;
  EXPECT_NE(csv.out.find("POINT (20.002 45.004)"), std::string::npos);
  auto table = minemap({"list", store.string(), "hazards"});
  EXPECT_NE(table.out.find("Test hazard"), std::string::npos);

  // filters
  auto none = json_of(
      minemap({"list", store.string(), "hazards", "--where", "type=SHA", "--format", "json"}));
  EXPECT_EQ(none.size(), 0u);
  auto some = json_of(minemap({"list", store.string(), "hazards", "--where", "type=SHA,CHA",
                               "--bbox", "20.005,45.005,20.2,45.2", "--format", "json"}));
  EXPECT_EQ(some.size(), 1u);
  auto far = json_of(
      minemap({"list", store.string(), "hazards", "--bbox", "21,46,22,47", "--format", "json"}));
  EXPECT_EQ(far.size(), 0u);

  // update, history
  auto up = minemap({"update", store.string(), "hazards", e.hazard, "-", "--reason", "survey"},
                    R"({"status":"closed","status_date":"2022-01-10","name":"Renamed"})");
  ASSERT_EQ(up.code, 0) << up.err;
  auto hist = json_of(minemap({"history", store.string(), "hazards", e.hazard, "--json"}));
  ASSERT_EQ(hist["audit"].size(), 2u);
  EXPECT_EQ(hist["audit"][0]["action"], "create");
  EXPECT_EQ(hist["audit"][1]["action"], "update");
  EXPECT_EQ(hist["audit"][1]["before"]["name"], "Test hazard");
  EXPECT_EQ(hist["audit"][1]["after"]["name"], "Renamed");
  ASSERT_EQ(hist["status_history"].size(), 2u);
  EXPECT_EQ(hist["status_history"][1]["status"], "closed");
  EXPECT_EQ(hist["status_history"][1]["date"], "2022-01-10");

  // soft delete: gone from lists, kept in history, restorable
  auto del = minemap({"delete", store.string(), "releases", e.release, "--reason", "duplicate"});
  ASSERT_EQ(del.code, 0) << del.err;
  EXPECT_EQ(minemap({"get", store.string(), "releases", e.release}).code, 2);
  auto after = json_of(minemap({"get", store.string(), "hazards", e.hazard, "--json"}));
  EXPECT_NEAR(double(after["properties"]["remaining_m2"]), area, 1e-6 * area);
  auto with_deleted = json_of(
      minemap({"list", store.string(), "releases", "--include-deleted", "--format", "json"}));
  EXPECT_EQ(with_deleted.size(), 1u);
  EXPECT_EQ(
      minemap({"delete", store.string(), "releases", e.release, "--reason", "mistake", "--restore"})
          .code,
      0);
  auto restored = json_of(minemap({"get", store.string(), "hazards", e.hazard, "--json"}));
  EXPECT_NEAR(double(restored["properties"]["remaining_m2"]), area / 2, area * 1e-3);

  // the audit chain is intact, and a tampered entry is caught
  auto ok = minemap({"verify", store.string()});
  EXPECT_EQ(ok.code, 0) << ok.err;
  // Someone with the file in hand can drop the append-only triggers; the chain still shows it.
  const std::string db = quote(store.string());
  shell("(sqlite3 " + db +
        " \"SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type='trigger' AND "
        "tbl_name='audit'\" | sqlite3 " +
        db + ")");
  auto tamper = shell("sqlite3 " + db + " \"UPDATE audit SET actor='someone else' WHERE seq=3\"");
  EXPECT_EQ(tamper.code, 0) << tamper.err;
  auto bad = minemap({"verify", store.string()});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("audit entry 3: hash does not match its content"), std::string::npos)
      << bad.out;
}

TEST(Cli, FeatureCollectionIsOneTransaction) {
  TempDir d;
  auto store = d / "s.gpkg";
  ASSERT_EQ(minemap({"init", store.string()}).code, 0);
  std::string fc = R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"date":"2010","type":"mine"},"geometry":{"type":"Point","coordinates":[1,1]}},
    {"type":"Feature","properties":{"date":"2011","type":"erw"},"geometry":{"type":"Point","coordinates":[2,2]}},
    {"type":"Feature","properties":{"date":"2012","type":"bomb"},"geometry":{"type":"Point","coordinates":[3,3]}}]})";
  auto r = minemap({"add", store.string(), "accidents", "-"}, fc);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("features[2]: type: \"bomb\""), std::string::npos) << r.err;
  auto none = json_of(minemap({"list", store.string(), "accidents", "--format", "json"}));
  EXPECT_EQ(none.size(), 0u);
  auto fixed = fc.replace(fc.find("bomb"), 4, "ied");
  auto ok = minemap({"add", store.string(), "accidents", "-"}, fixed);
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "ACC-000001\nACC-000002\nACC-000003\n");
}

// list and stats filters that never fail silently (issue #20): enum values in any case,
// a value no enum has or a column that is none an error (exit 2) naming it, dates and
// periods matched by overlap as the API's datetime and stats do, a reversed period an
// error. Expected rows counted from the store's own tables with sqlite3.
TEST(Cli, ListFiltersNeverFailSilently) {
  TempDir d;
  auto r = minemap({"demo", "--dir", (d / "demo").string(), "--no-serve"});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string store = (d / "demo" / "demo.gpkg").string();
  auto count = [&](const std::string& where) {
    auto q = shell("sqlite3 " + quote(store) + " " +
                   quote("SELECT count(*) FROM " + where + " AND deleted = 0"));
    EXPECT_EQ(q.code, 0) << q.err;
    return std::stoul(q.out);
  };
  auto listed = [&](std::vector<std::string> args) {
    std::vector<std::string> all{"list", store};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--format", "json"});
    auto res = minemap(all);
    EXPECT_EQ(res.code, 0) << res.err;
    return json_of(res);
  };

  // Enums in any case.
  const auto open = count("hazards WHERE status = 'open'");
  ASSERT_GT(open, 0u);
  auto o = listed({"hazards", "--where", "status=Open"});
  EXPECT_EQ(o.size(), open);
  for (const auto& h : o) EXPECT_EQ(h["status"], "open");
  EXPECT_EQ(listed({"hazards", "--where", "type=cha"}).size(), count("hazards WHERE type = 'CHA'"));
  EXPECT_EQ(listed({"hazards", "--where", "workflow=APPROVED"}).size(),
            count("hazards WHERE workflow = 'approved'"));
  auto bad = minemap({"list", store, "hazards", "--where", "status=shut"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--where: status: \"shut\" is not one of open, closed, handed_over"),
            std::string::npos)
      << bad.err;
  EXPECT_TRUE(bad.out.empty()) << bad.out;

  // A date matches the dates it overlaps: a year the days in it.
  auto year = shell("sqlite3 " + quote(store) +
                    " \"SELECT substr(found, 1, 4) FROM items WHERE found IS NOT NULL AND "
                    "deleted = 0 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1\"");
  ASSERT_EQ(year.code, 0) << year.err;
  const std::string y = year.out.substr(0, 4);
  const auto in_y = count("items WHERE substr(found, 1, 4) = '" + y + "'");
  ASSERT_GT(in_y, 0u);
  auto by_where = listed({"items", "--where", "found=" + y});
  EXPECT_EQ(by_where.size(), in_y);
  for (const auto& it : by_where) EXPECT_EQ(it["found"].get<std::string>().substr(0, 4), y);
  // --from / --to on the entity's date (items: found), as stats and the API's datetime.
  EXPECT_EQ(listed({"items", "--from", y, "--to", y}).size(), in_y);
  EXPECT_EQ(listed({"items", "--from", y}).size(),
            count("items WHERE found IS NOT NULL AND substr(found, 1, 4) >= '" + y + "'"));
  EXPECT_EQ(listed({"items", "--to", y + "-12"}).size(),
            count("items WHERE found IS NOT NULL AND substr(found, 1, 4) <= '" + y + "'"));
  auto not_date = minemap({"list", store, "items", "--where", "found=last year"});
  EXPECT_EQ(not_date.code, 2);
  EXPECT_NE(not_date.err.find("found: \"last year\" is not a date"), std::string::npos)
      << not_date.err;

  // An empty period is an error, on list and on stats.
  for (const std::string cmd : {"list", "stats"}) {
    std::vector<std::string> args{cmd, store};
    if (cmd == "list") args.push_back("items");
    args.insert(args.end(), {"--from", "2024", "--to", "2020"});
    auto rev = minemap(args);
    EXPECT_EQ(rev.code, 2) << cmd;
    EXPECT_NE(rev.err.find("--from/--to"), std::string::npos) << cmd << ": " << rev.err;
    EXPECT_NE(rev.err.find("ends before it starts"), std::string::npos) << cmd << ": " << rev.err;
  }
  EXPECT_EQ(minemap({"stats", store, "--from", "2024", "--to", "2024"}).code, 0);
  auto undated = minemap({"list", store, "organisations", "--from", "2020"});
  EXPECT_EQ(undated.code, 2);
  EXPECT_NE(undated.err.find("--from"), std::string::npos) << undated.err;

  // Columns: the default table shows the computed areas; --columns chooses.
  auto table = minemap({"list", store, "hazards"});
  ASSERT_EQ(table.code, 0) << table.err;
  const std::string header = table.out.substr(0, table.out.find('\n'));
  for (const char* c : {"id", "name", "type", "status", "area_m2", "remaining_m2"})
    EXPECT_NE(header.find(c), std::string::npos) << c << ": " << header;
  auto cols = minemap({"list", store, "hazards", "--columns", "id,status,remaining_m2"});
  ASSERT_EQ(cols.code, 0) << cols.err;
  EXPECT_EQ(cols.out.substr(0, cols.out.find('\n')).find("name"), std::string::npos) << cols.out;
  EXPECT_EQ(cols.out.rfind("id", 0), 0u) << cols.out;
  auto csv = minemap({"list", store, "hazards", "--where", "status=closed", "--columns",
                      "id,status,area_m2", "--format", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "id,status,area_m2");
  EXPECT_EQ(static_cast<std::size_t>(std::count(csv.out.begin(), csv.out.end(), '\n')),
            count("hazards WHERE status = 'closed'") + 1);
  auto colour = minemap({"list", store, "hazards", "--columns", "id,colour"});
  EXPECT_EQ(colour.code, 2);
  EXPECT_NE(colour.err.find("--columns: no column \"colour\""), std::string::npos) << colour.err;
  auto personal = minemap({"list", store, "victims", "--columns", "id,name"});
  EXPECT_EQ(personal.code, 2);
  EXPECT_NE(personal.err.find("--include-personal"), std::string::npos) << personal.err;
}
