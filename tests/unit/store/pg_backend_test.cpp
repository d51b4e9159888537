// What only the PostgreSQL store has to face (the shared behaviour is backends_test.cpp):
// addresses and their passwords, servers and databases that are not a store, the audit's
// protection by triggers, the tables as QGIS and PostGIS users see them, reads of more rows
// than one fetch, rows written behind minemap's back, users that may only read, bulk
// loads through COPY, and migrations of the layout.
#include "store/pg/pg_backend.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "common/pg_cluster.hpp"
#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "store/crypto.hpp"
#include "store/pg/libpq.hpp"
#include "store/pg/schema.hpp"
#include "store/registry.hpp"

namespace {

using namespace minemap;
using core::Entity;
using store::pg::Connection;
using store::pg::Result;
using testing_support::PgCluster;

core::Record item(double x, const std::string& workflow = "approved") {
  core::Record r;
  r.workflow = workflow;
  r.fields["category"] = std::string("AP_MINE");
  r.geometry = core::Geometry::point(x, 45.0);
  return r;
}

const store::Actor who{"tester", "admin"};

// The part of a URI after its database name: ?host=...&port=...
std::string options_of(const std::string& uri) {
  return uri.substr(uri.find('?'));
}

std::string db_of(const std::string& uri) {
  auto start = std::string("postgresql:///").size();
  return uri.substr(start, uri.find('?') - start);
}

std::int64_t count_of(Connection& c, const std::string& sql) {
  return c.exec(sql).integer(0, 0);
}

template <class Error, class F>
std::string message_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("another error: ") + e.what();
  }
  return "no error";
}

TEST(PgTargets, AddressesAndWhatIsShownOfThem) {
  using store::pg::is_pg_target;
  using store::pg::redacted;
  EXPECT_TRUE(is_pg_target("postgresql://host/db"));
  EXPECT_TRUE(is_pg_target("postgres:///db?host=/tmp"));
  EXPECT_TRUE(is_pg_target("postgres:office"));
  EXPECT_FALSE(is_pg_target("postgres:"));
  EXPECT_FALSE(is_pg_target("field.gpkg"));
  EXPECT_FALSE(is_pg_target("/data/postgres/field.gpkg"));
  EXPECT_EQ(redacted("postgresql://bob:secret@db.example.org/mine?sslmode=require"),
            "postgresql://bob@db.example.org/mine?sslmode=require");
  EXPECT_EQ(redacted("postgres://bob:p%40ss@[::1]:5433/mine"), "postgres://bob@[::1]:5433/mine");
  EXPECT_EQ(redacted("postgresql:///mine?host=/tmp/s&password=secret&user=bob"),
            "postgresql:///mine?host=/tmp/s&user=bob");
  EXPECT_EQ(redacted("postgresql:///mine?password=secret"), "postgresql:///mine");
  EXPECT_EQ(redacted("postgresql://bob@host/mine"), "postgresql://bob@host/mine");
  EXPECT_EQ(redacted("postgres:office"), "postgres:office");
  EXPECT_EQ(store::pg::number_text(0.1), "0.1");
  EXPECT_EQ(store::pg::parse_real("0.30000000000000004"), 0.1 + 0.2);
  EXPECT_EQ(store::pg::parse_integer("-42"), -42);
  EXPECT_FALSE(store::pg::parse_integer("4.2"));
}

TEST(PgStore, RefusesWhatIsNoStoreAndWritesNothing) {
  MINEMAP_PG_DATABASE(uri);
  auto& cluster = PgCluster::get();
  // An empty database: no store to open.
  std::string m = message_of<core::InputError>([&] { store::Registry::open(uri, false); });
  EXPECT_NE(m.find(": not a minemap store (no minemap_meta table)"), std::string::npos) << m;
  // A database of another application, with a table of a name minemap uses.
  const std::string other = cluster.new_database();
  const std::string other_uri = cluster.uri(other);
  {
    Connection c(other_uri);
    c.script("CREATE TABLE hazards (id integer, what text); INSERT INTO hazards VALUES (1, 'x')");
  }
  m = message_of<core::InputError>([&] { store::Registry::open(other_uri, false); });
  EXPECT_NE(m.find("not a minemap store (no minemap_meta table)"), std::string::npos) << m;
  m = message_of<core::InputError>([&] { store::Registry::open(other_uri, true); });
  EXPECT_NE(m.find("not a minemap store, yet it holds tables of the names minemap uses (hazards)"),
            std::string::npos)
      << m;
  {
    Connection c(other_uri);
    EXPECT_EQ(count_of(c,
                       "SELECT count(*) FROM pg_class WHERE relnamespace = "
                       "'public'::regnamespace"),
              1);
    EXPECT_EQ(count_of(c, "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"), 0);
    EXPECT_EQ(count_of(c, "SELECT count(*) FROM hazards"), 1);
  }
  // A store made once.
  { auto reg = store::Registry::open(uri, true); }
  m = message_of<core::Conflict>([&] { store::Registry::open(uri, true); });
  EXPECT_NE(m.find("a minemap store exists already"), std::string::npos) << m;
}

TEST(PgStore, ConnectionFailuresNameTheProblemOnOneLine) {
  MINEMAP_PG_DATABASE(uri);
  testing_support::TempDir nowhere;
  auto one_line = [](const std::string& s) { return s.find('\n') == std::string::npos; };
  // No server at that address.
  const std::string unreachable = "postgresql:///mine?host=" + nowhere.path().string() +
                                  "&port=5999&user=postgres&password=hush-hush";
  std::string m = message_of<core::InputError>([&] { store::Registry::open(unreachable, false); });
  EXPECT_NE(m.find("cannot connect: the server cannot be reached"), std::string::npos) << m;
  EXPECT_EQ(m.find("hush-hush"), std::string::npos) << m;
  EXPECT_TRUE(one_line(m)) << m;
  // No such database; no such user.
  const std::string opts = options_of(uri);
  m = message_of<core::InputError>(
      [&] { store::Registry::open("postgresql:///no_such_db" + opts, false); });
  EXPECT_NE(m.find("cannot connect: no such database (database \"no_such_db\" does not exist)"),
            std::string::npos)
      << m;
  EXPECT_TRUE(one_line(m)) << m;
  std::string as_nobody = uri;
  as_nobody.replace(as_nobody.find("user=postgres"), 13, "user=nobody");
  m = message_of<core::InputError>([&] { store::Registry::open(as_nobody, false); });
  EXPECT_NE(m.find("cannot connect: no such user"), std::string::npos) << m;
  // Not a valid address.
  m = message_of<core::InputError>(
      [&] { store::Registry::open("postgresql://host:port:x/db?nonsense=1", false); });
  EXPECT_NE(m.find("cannot connect: not a valid PostgreSQL address"), std::string::npos) << m;
  // A password given is never shown (the throwaway cluster trusts any).
  { auto reg = store::Registry::open(uri, true); }
  auto reg = store::Registry::open(uri + "&password=hush-hush", false);
  EXPECT_EQ(reg.location(), uri);
  const std::string with_userinfo =
      "postgresql://postgres:hush-hush@/" + db_of(uri) + options_of(uri);
  EXPECT_EQ(store::Registry::open(with_userinfo, false).location(),
            "postgresql://postgres@/" + db_of(uri) + options_of(uri));
}

TEST(PgStore, WithoutTheRightToAddPostGisNothingIsWritten) {
  MINEMAP_PG_DATABASE(uri);
  auto& cluster = PgCluster::get();
  cluster.admin().script(
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'plain') THEN CREATE ROLE "
      "plain LOGIN; END IF; END $$");
  Connection admin_db(uri);
  admin_db.script("GRANT ALL ON SCHEMA public TO plain");
  std::string as_plain = uri;
  as_plain.replace(as_plain.find("user=postgres"), 13, "user=plain");
  std::string m = message_of<core::InputError>([&] { store::Registry::open(as_plain, true); });
  EXPECT_NE(m.find("the database has no PostGIS, and this user may not add it"), std::string::npos)
      << m;
  EXPECT_EQ(count_of(admin_db,
                     "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"),
            0);
}

TEST(PgStore, TheAuditIsAppendOnlyAndItsProtectionChecked) {
  MINEMAP_PG_DATABASE(uri);
  auto reg = store::Registry::open(uri, true);
  const auto keys = store::crypto::new_signing_keys();
  reg.add(core::spec(Entity::Item), item(20.1), who);
  reg.checkpoint(keys.secret_key, who);
  Connection c(uri);
  for (const char* sql :
       {"UPDATE audit SET actor = 'someone'", "DELETE FROM audit", "TRUNCATE audit",
        "UPDATE checkpoints SET seq = 9", "DELETE FROM checkpoints", "TRUNCATE checkpoints"}) {
    std::string m = message_of<store::pg::PgError>([&] { c.exec(sql); });
    EXPECT_NE(m.find("append-only"), std::string::npos) << sql << ": " << m;
  }
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM audit"), 2);
  EXPECT_TRUE(reg.backend().audit_protection_problems().empty());
  EXPECT_TRUE(reg.verify().intact());

  c.script(
      "ALTER TABLE audit DISABLE TRIGGER audit_no_update; DROP TRIGGER checkpoints_no_delete ON "
      "checkpoints; CREATE RULE keep_quiet AS ON INSERT TO audit DO ALSO NOTHING; CREATE TRIGGER "
      "audit_extra BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION minemap_append_only('x')");
  auto problems = reg.backend().audit_protection_problems();
  EXPECT_EQ(problems, (std::vector<std::string>{"trigger audit_no_update is disabled",
                                                "trigger checkpoints_no_delete is missing",
                                                "rule keep_quiet was added to the audit",
                                                "trigger audit_extra was added to the audit"}));
  c.script(
      "CREATE OR REPLACE FUNCTION minemap_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
      "BEGIN RETURN NEW; END $$");
  problems = reg.backend().audit_protection_problems();
  EXPECT_NE(problems.front().find("function minemap_append_only is not the one minemap created"),
            std::string::npos);
  EXPECT_FALSE(reg.verify().intact());
  EXPECT_FALSE(reg.quick_check().intact());
}

TEST(PgStore, TablesAsQgisAndPostGisSeeThem) {
  MINEMAP_PG_DATABASE(uri);
  auto reg = store::Registry::open(uri, true);
  Connection c(uri);
  for (const auto& spec : core::entities()) {
    const std::string t(spec.table);
    EXPECT_NE(c.exec("SELECT obj_description(to_regclass($1), 'pg_class')", {t})
                  .text(0, 0)
                  .find(std::string(spec.title)),
              std::string::npos)
        << t;
    if (!spec.spatial()) continue;
    auto g = c.exec(
        "SELECT upper(type), srid FROM geometry_columns WHERE f_table_name = $1 AND "
        "f_geometry_column = 'geom'",
        {t});
    ASSERT_EQ(g.rows(), 1) << t;
    std::string type(core::to_string(spec.geometry));
    for (char& ch : type) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(g.text(0, 0), type) << t;
    EXPECT_EQ(g.text(0, 1), "4326") << t;
    EXPECT_EQ(count_of(c, "SELECT count(*) FROM pg_indexes WHERE tablename = '" + t +
                              "' AND indexdef LIKE '%USING gist (geom)%'"),
              1)
        << t;
    EXPECT_EQ(count_of(c, "SELECT count(*) FROM geometry_columns WHERE f_table_name = '" + t +
                              "_current'"),
              1)
        << t;
  }
  EXPECT_NE(c.exec("SELECT col_description('items'::regclass, (SELECT attnum FROM pg_attribute "
                   "WHERE attrelid = 'items'::regclass AND attname = 'model'))")
                .text(0, 0)
                .find("PMN-2"),
            std::string::npos);
  // The day columns of a date and the view of current records.
  const auto& acc = core::spec(Entity::Accident);
  for (auto [date, workflow] : {std::pair{"2005", "approved"}, std::pair{"2004-02", "approved"},
                                std::pair{"2003-07-09", "draft"}}) {
    core::Record r;
    r.workflow = workflow;
    r.fields["date"] = std::string(date);
    r.fields["type"] = std::string("mine");
    r.geometry = core::Geometry::point(20.1, 45.1);
    reg.add(acc, r, who);
  }
  reg.remove(acc, "ACC-000002", "wrong", who);
  auto days = c.exec("SELECT id, date_first::text, date_last::text FROM accidents ORDER BY fid");
  ASSERT_EQ(days.rows(), 3);
  EXPECT_EQ(days.text(0, 1) + " " + days.text(0, 2), "2005-01-01 2005-12-31");
  EXPECT_EQ(days.text(1, 1) + " " + days.text(1, 2), "2004-02-01 2004-02-29");
  EXPECT_EQ(days.text(2, 1) + " " + days.text(2, 2), "2003-07-09 2003-07-09");
  auto current = c.exec("SELECT id, ST_AsText(geom) FROM accidents_current");
  ASSERT_EQ(current.rows(), 1);
  EXPECT_EQ(current.text(0, 0), "ACC-000001");
  EXPECT_EQ(current.text(0, 1), "POINT(20.1 45.1)");
  EXPECT_TRUE(reg.verify().intact());
}

TEST(PgStore, LargeReadsComeInBatchesAndAllowQueriesBetween) {
  MINEMAP_PG_DATABASE(uri);
  auto reg = store::Registry::open(uri, true);
  const auto& items = core::spec(Entity::Item);
  reg.add(items, item(20.0), who);
  Connection c(uri);
  c.script(
      "INSERT INTO items (id, workflow, category, geom) SELECT 'IT-' || lpad(n::text, 6, '0'), "
      "'approved', 'UXO', ST_SetSRID(ST_MakePoint(20 + n * 1e-5, 45), 4326) FROM "
      "generate_series(2, 12001) AS n");
  std::int64_t n = 0, lookups = 0;
  std::string last;
  reg.for_each(items, {}, [&](const core::Record& r) {
    ++n;
    EXPECT_LT(last, r.id);
    last = r.id;
    // Another query of the same connection in the middle of the read.
    if (n % 5000 == 0) lookups += reg.find(items, "IT-000001").has_value();
  });
  EXPECT_EQ(n, 12001);
  EXPECT_EQ(lookups, 2);
  store::ListQuery q;
  q.offset = 100;
  q.limit = 11000;
  EXPECT_EQ(reg.list(items, q).size(), 11000u);
  std::int64_t scanned = 0;
  reg.scan(items, {}, {"id", "geom"},
           [&](const store::ScanRow& row) { scanned += row.point(1).has_value(); });
  EXPECT_EQ(scanned, 12001);
  std::int64_t rows = 0;
  reg.backend().for_each_row(items, [&](const store::StoredRow&) { ++rows; });
  EXPECT_EQ(rows, 12001);
  // A write made in the callback of a read lands when the read ends.
  std::string added;
  store::ListQuery one;
  one.where.push_back({"id", {"IT-000001"}});
  reg.for_each(items, one,
               [&](const core::Record&) { added = reg.add(items, item(21.0), who).id; });
  EXPECT_EQ(added, "IT-012002");
  EXPECT_TRUE(reg.find(items, added));
}

TEST(PgStore, GeneratedIdsSkipRowsWrittenBehindItsBack) {
  MINEMAP_PG_DATABASE(uri);
  const auto& items = core::spec(Entity::Item);
  {
    auto reg = store::Registry::open(uri, true);
    EXPECT_EQ(reg.add(items, item(20.1), who).id, "IT-000001");
  }
  Connection c(uri);
  c.script(
      "INSERT INTO items (id, workflow) VALUES ('IT-000002', 'draft'), ('IT-000003', 'draft')");
  auto reg = store::Registry::open(uri, false);
  EXPECT_EQ(reg.add(items, item(20.2), who).id, "IT-000004");
  EXPECT_EQ(reg.add(items, item(20.3), who).id, "IT-000005");
  EXPECT_EQ(reg.backend().audit("items", "IT-000002").size(), 0u);
  EXPECT_EQ(reg.backend().audit("items", "IT-000004").size(), 1u);
  EXPECT_EQ(reg.get(items, "IT-000002").workflow, "draft");
  EXPECT_TRUE(reg.verify_audit() == std::nullopt);
}

TEST(PgStore, AUserWhoMayOnlyReadReadsAndIsRefusedWrites) {
  MINEMAP_PG_DATABASE(uri);
  { auto reg = store::Registry::open(uri, true); }
  PgCluster::get().admin().script(
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reader') THEN CREATE ROLE "
      "reader LOGIN; END IF; END $$");
  Connection c(uri);
  c.script("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader");
  std::string as_reader = uri;
  as_reader.replace(as_reader.find("user=postgres"), 13, "user=reader");
  auto reg = store::Registry::open(as_reader, false);
  EXPECT_TRUE(reg.read_only());
  EXPECT_TRUE(reg.list(core::spec(Entity::Item)).empty());
  EXPECT_TRUE(reg.verify().intact());
  EXPECT_THROW(reg.add(core::spec(Entity::Item), item(20.1), who), core::Forbidden);
}

TEST(PgStore, WritersInThreadsTakeTurns) {
  MINEMAP_PG_DATABASE(uri);
  { auto reg = store::Registry::open(uri, true); }
  const auto& items = core::spec(Entity::Item);
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      auto reg = store::Registry::open(uri, false);
      for (int i = 0; i < 15; ++i)
        made[static_cast<std::size_t>(w)].push_back(
            reg.add(items, item(20 + w + i * 0.001), store::Actor{"w" + std::to_string(w)}).id);
    });
  for (auto& t : writers) t.join();
  std::set<std::string> ids;
  for (const auto& m : made) ids.insert(m.begin(), m.end());
  EXPECT_EQ(ids.size(), 60u);
  auto reg = store::Registry::open(uri, false);
  EXPECT_EQ(reg.count(items), 60);
  EXPECT_EQ(*ids.rbegin(), "IT-000060");
  auto report = reg.verify();
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.entries, 60);
}

// The indexes and constraints of a table, as their definitions.
std::set<std::string> derived_of(Connection& c, const std::string& table) {
  std::set<std::string> out;
  Result r = c.exec(
      "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = to_regclass($1) UNION "
      "ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE "
      "conrelid = to_regclass($1)",
      {table});
  for (int i = 0; i < r.rows(); ++i) out.insert(r.text(i, 0));
  return out;
}

// Whether a session holds items locked against every other (its indexes dropped).
bool items_locked(const std::string& uri) {
  Connection c(uri);
  return count_of(c,
                  "SELECT count(*) FROM pg_locks l JOIN pg_class t ON t.oid = l.relation WHERE "
                  "t.relname = 'items' AND l.mode = 'AccessExclusiveLock' AND l.granted") > 0;
}

// Waits until `n` clients are connected to the database of `uri`: the server process of a
// connection closed a moment ago may not have ended yet.
void wait_for_clients(const std::string& uri, int n) {
  Connection& admin = PgCluster::get().admin();
  for (int i = 0; i < 500; ++i) {
    if (admin
            .exec("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = "
                  "'client backend'",
                  {db_of(uri)})
            .integer(0, 0) == n)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL() << "not " << n << " clients on " << db_of(uri);
}

TEST(PgStore, ABulkLoadGoesByCopyAndEveryReadSeesItsRows) {
  MINEMAP_PG_DATABASE(uri);
  const auto& items = core::spec(Entity::Item);
  auto reg = store::Registry::open(uri, true);
  std::set<std::string> before_items, before_audit;
  {
    Connection c(uri);
    before_items = derived_of(c, "items");
    before_audit = derived_of(c, "audit");
  }
  ASSERT_FALSE(before_items.empty());
  wait_for_clients(uri, 1);     // the registry's connection alone
  constexpr int kRows = 30000;  // several COPYs of rows and audit entries
  bool locked = false;
  reg.bulk_load(items, kRows, [&] {
    std::string first, last;
    for (int i = 0; i < kRows; ++i) {
      last = reg.add(items, item(20 + i * 1e-5), who).id;
      if (i == 0) first = last;
    }
    EXPECT_EQ(first, "IT-000001");
    EXPECT_EQ(last, "IT-030000");
    // Reads see the rows the load still holds.
    EXPECT_EQ(reg.count(items), kRows);
    EXPECT_EQ(reg.get(items, "IT-015000").geometry.points.at(0).x, 20 + 14999 * 1e-5);
    EXPECT_EQ(reg.backend().audit("items", "IT-030000").size(), 1u);
    // An id given past those handed out moves the counter past it; an id held is taken.
    core::Record given = item(21.0);
    given.id = "IT-050000";
    reg.add(items, given, who);
    EXPECT_EQ(reg.add(items, item(21.1), who).id, "IT-050001");
    core::Record twice = item(21.2);
    twice.id = "IT-050001";
    EXPECT_THROW(reg.add(items, twice, who), core::Conflict);
    // A nested write that fails is undone alone (an import that skips bad features).
    EXPECT_THROW(reg.transaction([&] {
      reg.add(items, item(22.0), who);
      throw core::InputError("category", "bad");
    }),
                 core::InputError);
    // Alone on the database, the load set the table's indexes aside.
    locked = items_locked(uri);
  });
  EXPECT_TRUE(locked);
  EXPECT_EQ(reg.count(items), kRows + 2);
  EXPECT_FALSE(reg.find(items, "IT-050002"));  // the undone one
  EXPECT_EQ(reg.add(items, item(23.0), who).id, "IT-050003");
  EXPECT_TRUE(reg.verify_audit() == std::nullopt);
  EXPECT_EQ(reg.backend().audit_count(), kRows + 3);
  Connection c(uri);
  EXPECT_EQ(derived_of(c, "items"), before_items);
  EXPECT_EQ(derived_of(c, "audit"), before_audit);
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM items WHERE created IS NULL OR updated IS NULL"), 0);
  // Ids the load reserved and did not give went back to the sequence.
  EXPECT_EQ(count_of(c, "SELECT last_value FROM items_id_seq"), 50003);
}

// A bulk load sends its rows in COPY's binary format: every type of field (integer, real,
// boolean, text, dates of every precision, sets, a polygon with a hole, nulls) reads
// back as the same record written row by row does, and each row is dated by the
// transaction's time.
TEST(PgStore, ABulkLoadKeepsEveryTypeAsARowByRowWriteDoes) {
  MINEMAP_PG_DATABASE(uri);
  const auto& hazards = core::spec(Entity::Hazard);
  auto reg = store::Registry::open(uri, true);
  auto hazard = [](int i) {
    core::Record r;
    r.fields["name"] = "Field \"" + std::to_string(i) + "\"\tnorth, é\\n";
    r.fields["type"] = std::string(i % 2 ? "SHA" : "CHA");
    r.fields["status"] = std::string("open");
    r.fields["status_date"] = std::string(i % 3 == 0   ? "2004"
                                          : i % 3 == 1 ? "2004-02"
                                                       : "2004-02-29");
    r.fields["contamination"] = std::string("AP_MINE,AT_MINE");
    r.fields["blocks_agriculture"] = i % 2 == 0;
    r.fields["beneficiaries"] = std::int64_t{1000000000 - i};
    r.fields["benchmark_lon"] = 20.000001 + i * 1e-9;
    if (i % 5 == 0) r.fields["local_ref"] = std::monostate{};
    const double x = 20 + (i % 100) * 0.01, y = 45 + (i / 100) * 0.01;
    r.geometry.type = core::GeomType::MultiPolygon;
    r.geometry.polygons = {
        {{{x, y}, {x + 0.008, y}, {x + 0.008, y + 0.008}, {x, y + 0.008}, {x, y}},
         {{x + 0.002, y + 0.002},
          {x + 0.002, y + 0.004},
          {x + 0.004, y + 0.004},
          {x + 0.004, y + 0.002},
          {x + 0.002, y + 0.002}}}};
    return r;
  };
  constexpr int kRows = 5000;
  wait_for_clients(uri, 1);
  reg.bulk_load(hazards, kRows, [&] {
    for (int i = 0; i < kRows; ++i) reg.add(hazards, hazard(i), who);
  });
  // The same records, row by row, after them.
  for (int i = 0; i < 7; ++i) reg.add(hazards, hazard(i), who);
  auto id = [](int n) {
    char b[16];
    std::snprintf(b, sizeof b, "HZ-%06d", n);
    return std::string(b);
  };
  for (int i = 0; i < 7; ++i) {
    auto bulk = reg.get(hazards, id(i + 1));
    auto one = reg.get(hazards, id(kRows + i + 1));
    EXPECT_EQ(bulk.fields, one.fields) << i;
    EXPECT_EQ(bulk.geometry, one.geometry) << i;
    EXPECT_EQ(bulk.geometry, hazard(i).geometry) << i;
  }
  EXPECT_TRUE(reg.verify_audit() == std::nullopt);
  Connection c(uri);
  EXPECT_EQ(count_of(c,
                     "SELECT count(*) FROM hazards WHERE fid <= 5000 AND (created <> updated "
                     "OR created > now() OR created < now() - interval '10 minutes')"),
            0);
  EXPECT_EQ(count_of(c,
                     "SELECT count(*) FROM hazards WHERE ST_SRID(geom) = 4326 AND "
                     "ST_NumInteriorRings(ST_GeometryN(geom, 1)) = 1 AND status_date_first "
                     "IS NOT NULL"),
            kRows + 7);
}

TEST(PgStore, AnIdGivenPastTheReservedOnesIsNeverGivenAgain) {
  MINEMAP_PG_DATABASE(uri);
  const auto& items = core::spec(Entity::Item);
  auto reg = store::Registry::open(uri, true);
  reg.bulk_load(items, 5000, [&] {
    EXPECT_EQ(reg.add(items, item(20.0), who).id, "IT-000001");  // ids 1 to 5000 reserved
    core::Record given = item(20.1);
    given.id = "IT-009000";
    reg.add(items, given, who);
    EXPECT_EQ(reg.add(items, item(20.2), who).id, "IT-009001");
  });
  EXPECT_EQ(reg.add(items, item(20.3), who).id, "IT-009002");
  EXPECT_EQ(reg.count(items), 4);
}

TEST(PgStore, ABulkLoadBesideAnotherClientKeepsTheIndexes) {
  MINEMAP_PG_DATABASE(uri);
  const auto& items = core::spec(Entity::Item);
  auto reg = store::Registry::open(uri, true);
  Connection other(uri);  // a server reading the store, say
  bool locked = true;
  reg.bulk_load(items, 6000, [&] {
    for (int i = 0; i < 6000; ++i) reg.add(items, item(20 + i * 1e-5), who);
    locked = items_locked(uri);
    // The other client reads on meanwhile, without the load's rows.
    EXPECT_EQ(count_of(other, "SELECT count(*) FROM items"), 0);
  });
  EXPECT_FALSE(locked);
  EXPECT_EQ(count_of(other, "SELECT count(*) FROM items"), 6000);
}

TEST(PgStore, AFailedBulkLoadLeavesNothing) {
  MINEMAP_PG_DATABASE(uri);
  const auto& items = core::spec(Entity::Item);
  auto reg = store::Registry::open(uri, true);
  reg.add(items, item(19.0), who);
  std::set<std::string> before;
  {
    Connection c(uri);
    before = derived_of(c, "items");
  }
  EXPECT_THROW(reg.bulk_load(items, 20000,
                             [&] {
                               for (int i = 0; i < 20000; ++i) reg.add(items, item(20.0), who);
                               throw core::InputError("category", "a bad feature at the end");
                             }),
               core::InputError);
  EXPECT_EQ(reg.count(items), 1);
  EXPECT_EQ(reg.backend().audit_count(), 1);
  EXPECT_EQ(reg.add(items, item(21.0), who).id, "IT-000002");
  Connection c(uri);
  EXPECT_EQ(derived_of(c, "items"), before);
  EXPECT_TRUE(reg.verify_audit() == std::nullopt);
}

TEST(PgStore, AnOlderLayoutIsMigratedAndANewerOneRefused) {
  MINEMAP_PG_DATABASE(uri);
  const auto& items = core::spec(Entity::Item);
  {
    auto reg = store::Registry::open(uri, true);
    reg.add(items, item(20.0), who);
  }
  // Version 1: indexes of references held every row.
  Connection c(uri);
  c.script(
      "DROP INDEX items_hazard_id_idx; CREATE INDEX items_hazard_id_idx ON items (hazard_id); "
      "DROP INDEX audit_entity_id_idx; CREATE INDEX audit_entity_idx ON audit (entity, "
      "entity_id); "
      "UPDATE minemap_meta SET value = '1' WHERE key = 'schema_version'");
  const std::string partial =
      "SELECT count(*) FROM pg_indexes WHERE indexname = 'items_hazard_id_idx' AND indexdef LIKE "
      "'%WHERE (hazard_id IS NOT NULL)'";
  EXPECT_EQ(count_of(c, partial), 0);
  {
    auto reg = store::Registry::open(uri, false);
    EXPECT_EQ(reg.count(items), 1);
    EXPECT_TRUE(reg.verify_audit() == std::nullopt);
  }
  EXPECT_EQ(count_of(c, partial), 1);
  EXPECT_EQ(count_of(c,
                     "SELECT count(*) FROM pg_indexes WHERE tablename = 'audit' AND indexdef LIKE "
                     "'%(entity_id)'"),
            1);
  EXPECT_EQ(count_of(c, "SELECT count(*) FROM pg_indexes WHERE indexname = 'audit_entity_idx'"), 0);
  EXPECT_EQ(c.exec("SELECT value FROM minemap_meta WHERE key = 'schema_version'").text(0, 0),
            std::to_string(store::pg::kSchemaVersion));
  c.script("UPDATE minemap_meta SET value = '99' WHERE key = 'schema_version'");
  EXPECT_NE(message_of<core::StorageError>([&] {
              store::Registry::open(uri, false);
            }).find("written by a newer minemap (schema version 99"),
            std::string::npos);
}

}  // namespace
