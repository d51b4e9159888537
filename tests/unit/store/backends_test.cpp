// The store behaves the same on both backends: every test here runs on a GeoPackage file
// and on a PostgreSQL + PostGIS database (a throwaway cluster, tests/common/pg_cluster.hpp),
// through store::Registry and the Backend beneath it, with the same expectations; and one
// scenario runs on both and compares everything they answer, line by line
// (BackendsCompared).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/pg_cluster.hpp"
#include "common/temp_dir.hpp"
#include "core/errors.hpp"
#include "gpkg_fixture.hpp"
#include "on_each_backend.hpp"
#include "store/audit.hpp"
#include "store/crypto.hpp"
#include "store/registry.hpp"

namespace minemap::testing_gpkg {
namespace {

using core::Entity;
using store::ListQuery;

const EntitySpec& S(Entity e) {
  return core::spec(e);
}

core::Geometry area(double x, double y, double d) {
  return core::Geometry::multipolygon({square(x, y, d)});
}

Record hazard(const std::string& name, double x, double y, const std::string& status = "open") {
  Record r;
  r.fields["name"] = name;
  r.fields["type"] = std::string("CHA");
  r.fields["status"] = status;
  r.geometry = area(x, y, 0.01);
  return r;
}

Record item(double x, double y, const std::string& category = "AP_MINE") {
  Record r;
  r.fields["category"] = category;
  r.geometry = core::Geometry::point(x, y);
  return r;
}

std::vector<std::string> ids(store::Backend& b, const EntitySpec& spec, const ListQuery& q) {
  std::vector<std::string> out;
  b.for_each(spec, q, [&](const Record& r) { out.push_back(r.id); });
  return out;
}

std::vector<std::string> ids_of(std::initializer_list<int> ns, const EntitySpec& spec) {
  std::vector<std::string> out;
  for (int n : ns) out.push_back(test_id(spec, n));
  return out;
}

class Backends : public testing_store::OnEachBackend {
 protected:
  const store::Actor who{"tester", "admin"};
};
MINEMAP_ON_EACH_BACKEND(Backends);

TEST_P(Backends, OpenModesAndLocation) {
  { auto reg = create(); }
  EXPECT_THROW(create(), core::Conflict);
  auto reg = open();
  EXPECT_EQ(reg.location(), m_uri);
  EXPECT_FALSE(reg.read_only());
  EXPECT_EQ(reg.backend().audit_count(), 0);
  EXPECT_TRUE(reg.backend().audit_protection_problems().empty());
}

TEST_P(Backends, AddGetUpdateDeleteRestore) {
  auto reg = create();
  const auto& hz = S(Entity::Hazard);
  const std::string id = reg.add(hz, hazard("North", 20.0, 45.0), who).id;
  EXPECT_EQ(id, "HZ-000001");
  Record r = reg.get(hz, id);
  EXPECT_EQ(r.text("name"), "North");
  EXPECT_EQ(r.geometry.type, core::GeomType::MultiPolygon);
  EXPECT_GT(r.real("area_m2").value_or(0), 800000);
  EXPECT_EQ(r.real("remaining_m2"), r.real("area_m2"));

  Record patch;
  patch.fields["name"] = std::string("North field");
  patch.fields["local_ref"] = std::string("L-1");
  reg.update(hz, id, patch, who, "renamed");
  EXPECT_EQ(reg.get(hz, id).text("name"), "North field");
  EXPECT_EQ(reg.get(hz, id).text("local_ref"), "L-1");
  Record clear;
  clear.fields["local_ref"] = std::monostate{};
  reg.update(hz, id, clear, who);
  EXPECT_FALSE(reg.get(hz, id).has("local_ref"));

  reg.remove(hz, id, "entered twice", who);
  EXPECT_THROW(reg.get(hz, id), core::NotFound);
  EXPECT_FALSE(reg.find(hz, id));
  EXPECT_THROW(reg.update(hz, id, patch, who), core::NotFound);
  EXPECT_TRUE(reg.backend().get(hz, id, true));
  auto state = reg.backend().deleted_state(hz, id);
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->deleted);
  EXPECT_EQ(state->reason, "entered twice");
  EXPECT_TRUE(reg.list(hz).empty());
  ListQuery all;
  all.include_deleted = true;
  EXPECT_EQ(reg.list(hz, all).size(), 1u);
  EXPECT_EQ(reg.count(hz), 0);
  EXPECT_EQ(reg.backend().count(hz, true), 1);
  // An id that exists, deleted or not, is not given again.
  Record again = hazard("Again", 21, 45);
  again.id = id;
  EXPECT_THROW(reg.add(hz, again, who), core::Conflict);

  reg.restore(hz, id, "not a duplicate", who);
  EXPECT_EQ(reg.get(hz, id).text("name"), "North field");
  state = reg.backend().deleted_state(hz, id);
  EXPECT_FALSE(state->deleted);
  EXPECT_EQ(state->reason, "");
  EXPECT_THROW(reg.restore(hz, id, "twice", who), core::NotFound);
  EXPECT_FALSE(reg.backend().deleted_state(hz, "HZ-000404"));

  std::vector<std::string> actions;
  for (const auto& e : reg.history(hz, id)) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "update", "update", "delete", "restore"}));
  EXPECT_THROW(reg.history(hz, "HZ-000404"), core::NotFound);

  Record ghost = r;
  ghost.id = "HZ-000404";
  EXPECT_THROW(reg.backend().replace(hz, ghost), core::NotFound);
  EXPECT_THROW(reg.backend().set_deleted(hz, "HZ-000404", true, "x"), core::NotFound);
}

TEST_P(Backends, EveryEntityRoundTripsFieldForField) {
  auto reg = create();
  auto& b = reg.backend();
  populate(b, 3);
  for (const auto& spec : core::entities()) {
    for (int n = 1; n <= 3; ++n) {
      auto got = b.get(spec, test_id(spec, n), false);
      ASSERT_TRUE(got) << spec.name << " " << n;
      EXPECT_EQ(*got, make_record(spec, n)) << spec.name << " " << n;
    }
    EXPECT_EQ(b.count(spec, false), 3) << spec.name;
    std::vector<std::string> rows;
    b.for_each_row(spec, [&](const store::StoredRow& row) {
      EXPECT_TRUE(row.problem.empty());
      EXPECT_FALSE(row.state.deleted);
      rows.push_back(row.record.id);
    });
    EXPECT_EQ(rows, ids_of({1, 2, 3}, spec)) << spec.name;
  }
  const auto& items = S(Entity::Item);
  // What the columns cannot hold is refused before anything is written.
  EXPECT_THROW(b.insert(items, make_record(items, 2)), core::Conflict);
  Record r = make_record(items, 9);
  r.geometry = area(1, 1, 1);
  EXPECT_THROW(b.insert(items, r), core::InputError);
  r = make_record(items, 9);
  r.fields["colour"] = std::string("red");
  EXPECT_THROW(b.insert(items, r), core::InputError);
  r = make_record(items, 9);
  r.workflow = "pending";
  EXPECT_THROW(b.insert(items, r), core::InputError);
  r = make_record(items, 9);
  r.fields["quantity"] = std::string("two");
  EXPECT_THROW(b.insert(items, r), core::InputError);
  // A reference to nothing is named when the transaction ends, and nothing is written.
  Record act = make_record(S(Entity::Activity), 7);
  act.fields["hazard_id"] = std::string("HZ-000099");
  try {
    b.transaction([&] { b.insert(S(Entity::Activity), act); });
    ADD_FAILURE() << "a dangling reference was written";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.field(), "hazard_id");
    EXPECT_NE(std::string(e.what()).find("no hazards with id \"HZ-000099\" (in activities)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(b.count(S(Entity::Activity), true), 3);
}

TEST_P(Backends, ListFiltersPagingAndBoxes) {
  auto reg = create();
  auto& b = reg.backend();
  populate(b, 6);
  const auto& items = S(Entity::Item);
  const auto& acc = S(Entity::Accident);
  const auto& hz = S(Entity::Hazard);
  auto where = [](std::string field, std::vector<std::string> values) {
    ListQuery q;
    q.where.push_back({std::move(field), std::move(values)});
    return q;
  };
  // Whole numbers compare as numbers: "3", " 3 ", "3.0" and "3e0" alike; text that is no
  // number matches nothing. (quantity of item n is 1 + n.)
  for (std::string v : {"3", " 3 ", "3.0", "3e0"})
    EXPECT_EQ(ids(b, items, where("quantity", {v})), ids_of({2}, items)) << v;
  EXPECT_EQ(ids(b, items, where("quantity", {"3", "5", "x"})), ids_of({2, 4}, items));
  EXPECT_TRUE(ids(b, items, where("quantity", {"abc"})).empty());
  EXPECT_TRUE(ids(b, items, where("quantity", {"3.5"})).empty());
  Record exact = make_record(items, 7);
  exact.fields["accuracy_m"] = 2.5;
  b.insert(items, exact);
  for (std::string v : {"2.5", "2.50", " 2.5", "25e-1"})
    EXPECT_EQ(ids(b, items, where("accuracy_m", {v})), ids_of({7}, items)) << v;
  // Booleans in their spellings (area_marked is true for odd n).
  for (std::string v : {"true", "1", "yes"})
    EXPECT_EQ(ids(b, acc, where("area_marked", {v})), ids_of({1, 3, 5}, acc)) << v;
  EXPECT_EQ(ids(b, acc, where("area_marked", {"no"})), ids_of({2, 4, 6}, acc));
  EXPECT_THROW(ids(b, acc, where("area_marked", {"maybe"})), core::InputError);
  // Dates by overlap: "2012" is kept for odd n, "2012-05-14" for even n.
  EXPECT_EQ(ids(b, items, where("found", {"2012"})).size(), 7u);
  EXPECT_EQ(ids(b, acc, where("date", {"2012-05"})), ids_of({1, 2, 3, 4, 5, 6}, acc));
  EXPECT_EQ(ids(b, acc, where("date", {"2012-06"})), ids_of({1, 3, 5}, acc));
  EXPECT_EQ(ids(b, acc, where("date", {"2012-05-15"})), ids_of({1, 3, 5}, acc));
  EXPECT_EQ(ids(b, acc, where("date", {"2013", "2012-05-14"})), ids_of({1, 2, 3, 4, 5, 6}, acc));
  EXPECT_TRUE(ids(b, acc, where("date", {"2013"})).empty());
  EXPECT_THROW(ids(b, acc, where("date", {"20x"})), core::InputError);
  // An enum set matches when it holds any of the values.
  EXPECT_EQ(ids(b, hz, where("contamination", {"AT_MINE"})).size(), 6u);
  EXPECT_TRUE(ids(b, hz, where("contamination", {"UXO"})).empty());
  EXPECT_EQ(ids(b, hz, where("contamination", {"UXO", "AP_MINE"})).size(), 6u);
  // Enums, text, ids, the workflow; nothing for no values; an unknown field refused.
  const std::string cat = std::string(items.field("category")->values[2]);
  EXPECT_EQ(ids(b, items, where("category", {cat})).front(), test_id(items, 2));
  EXPECT_EQ(ids(b, items, where("model", {"model 4"})), ids_of({4}, items));
  EXPECT_EQ(ids(b, items, where("id", {test_id(items, 5), "IT-404"})), ids_of({5}, items));
  EXPECT_EQ(ids(b, items, where("workflow", {"approved"})).size(), 7u);
  EXPECT_TRUE(ids(b, items, where("model", {})).empty());
  EXPECT_THROW(ids(b, items, where("colour", {"red"})), core::InputError);

  // Drafts and deleted rows.
  Record draft = make_record(items, 3);
  draft.workflow = "draft";
  b.replace(items, draft);
  b.set_deleted(items, test_id(items, 4), true, "twice");
  ListQuery approved;
  approved.approved_only = true;
  EXPECT_EQ(ids(b, items, approved), ids_of({1, 2, 5, 6, 7}, items));
  EXPECT_EQ(ids(b, items, {}), ids_of({1, 2, 3, 5, 6, 7}, items));
  ListQuery with_deleted;
  with_deleted.include_deleted = true;
  EXPECT_EQ(ids(b, items, with_deleted), ids_of({1, 2, 3, 4, 5, 6, 7}, items));

  // A period: rows whose date overlaps it.
  auto during = [](std::optional<std::string> from, std::optional<std::string> to) {
    ListQuery q;
    q.during = ListQuery::DateRange{"date", std::move(from), std::move(to)};
    return q;
  };
  EXPECT_EQ(ids(b, acc, during("2012-06-01", std::nullopt)), ids_of({1, 3, 5}, acc));
  EXPECT_EQ(ids(b, acc, during(std::nullopt, "2012-05-13")), ids_of({1, 3, 5}, acc));
  EXPECT_EQ(ids(b, acc, during("2012-05-14", "2012-05-14")), ids_of({1, 2, 3, 4, 5, 6}, acc));
  EXPECT_TRUE(ids(b, acc, during(std::nullopt, "2011-12-31")).empty());
  ListQuery not_a_date;
  not_a_date.during = ListQuery::DateRange{"type", "2012-01-01", std::nullopt};
  EXPECT_THROW(ids(b, acc, not_a_date), core::InputError);

  // Boxes: the envelope test is exact (a box a hair beyond a point misses it), and paging
  // counts what passes it.
  auto box = [](double x0, double y0, double x1, double y1) {
    ListQuery q;
    q.bbox = core::Envelope{x0, y0, x1, y1};
    return q;
  };
  const core::Coord p3 = test_geometry(core::GeomType::Point, 3).points[0];
  EXPECT_EQ(ids(b, acc, box(p3.x, p3.y, p3.x, p3.y)), ids_of({3}, acc));
  EXPECT_TRUE(ids(b, acc, box(p3.x + 1e-9, p3.y, p3.x + 1e-6, p3.y + 1e-6)).empty());
  const core::Coord p2 = test_geometry(core::GeomType::Point, 2).points[0];
  const core::Coord p4 = test_geometry(core::GeomType::Point, 4).points[0];
  ListQuery b24 = box(p2.x, p2.y, p4.x, p4.y);
  EXPECT_EQ(ids(b, acc, b24), ids_of({2, 3, 4}, acc));
  b24.offset = 1;
  b24.limit = 1;
  EXPECT_EQ(ids(b, acc, b24), ids_of({3}, acc));
  b24.limit = 0;
  EXPECT_TRUE(ids(b, acc, b24).empty());
  EXPECT_THROW(ids(b, S(Entity::Activity), box(0, 0, 1, 1)), core::InputError);
  std::vector<std::string> geometries;
  b.for_each_geometry(
      acc, box(p2.x, p2.y, p4.x, p4.y), [&](const std::string& id, const core::Geometry& g) {
        EXPECT_EQ(g, test_geometry(core::GeomType::Point, std::stoi(id.substr(id.size() - 1))));
        geometries.push_back(id);
      });
  EXPECT_EQ(geometries, ids_of({2, 3, 4}, acc));
  EXPECT_THROW(b.for_each_geometry(S(Entity::Victim), {}, [](auto&, auto&) {}), core::InputError);

  // Paging without a box.
  ListQuery page;
  page.offset = 2;
  page.limit = 2;
  EXPECT_EQ(ids(b, acc, page), ids_of({3, 4}, acc));
  page.offset = 10;
  EXPECT_TRUE(ids(b, acc, page).empty());
  page.offset = 0;
  page.limit = -1;
  EXPECT_EQ(ids(b, acc, page).size(), 6u);
  page.limit = 0;
  EXPECT_TRUE(ids(b, acc, page).empty());
}

TEST_P(Backends, ScanReadsColumnsAsStored) {
  auto reg = create();
  auto& b = reg.backend();
  populate(b, 3);
  const auto& acc = S(Entity::Accident);
  std::vector<std::string> seen;
  b.scan(acc, {}, {"id", "workflow", "geom", "date", "type", "area_marked", "admin_area_id"},
         [&](const store::ScanRow& row) {
           const std::string id(*row.text(0));
           const int n = std::stoi(id.substr(id.size() - 1));
           const Record want = make_record(acc, n);
           EXPECT_EQ(row.text(1), "approved");
           core::Geometry g;
           EXPECT_TRUE(row.geometry(2, g));
           EXPECT_EQ(g, want.geometry);
           EXPECT_EQ(row.point(2), want.geometry.points[0]);
           EXPECT_EQ(row.text(3), want.text("date"));
           EXPECT_EQ(row.text(4), want.text("type"));
           // A boolean as SQLite keeps it: 0 or 1.
           EXPECT_EQ(row.integer(5), n % 2);
           EXPECT_EQ(row.text(5), n % 2 ? "1" : "0");
           EXPECT_EQ(row.text(6), want.text("admin_area_id"));
           seen.push_back(id);
         });
  EXPECT_EQ(seen, ids_of({1, 2, 3}, acc));
  const auto& items = S(Entity::Item);
  b.scan(items, {}, {"quantity", "accuracy_m", "lot"}, [&](const store::ScanRow& row) {
    EXPECT_GT(*row.integer(0), 1);
    EXPECT_GT(*row.real(1), 0.1);
    EXPECT_EQ(row.real(0), static_cast<double>(*row.integer(0)));
    EXPECT_TRUE(row.text(2));
  });
  // Nulls read as nothing; filters and paging as for_each's.
  Record bare = item(30.2, 11.0);
  bare.id = "IT-000009";
  b.insert(items, bare);
  ListQuery last;
  last.where.push_back({"id", {"IT-000009"}});
  int rows = 0;
  b.scan(items, last, {"quantity", "accuracy_m", "lot", "geom"}, [&](const store::ScanRow& row) {
    ++rows;
    EXPECT_FALSE(row.integer(0));
    EXPECT_FALSE(row.real(1));
    EXPECT_FALSE(row.text(2));
    EXPECT_EQ(row.point(3), (core::Coord{30.2, 11.0}));
  });
  EXPECT_EQ(rows, 1);
  ListQuery page;
  page.offset = 1;
  page.limit = 2;
  std::vector<std::string> paged;
  b.scan(items, page, {"id"}, [&](const store::ScanRow& row) { paged.emplace_back(*row.text(0)); });
  EXPECT_EQ(paged, ids(b, items, page));
  EXPECT_THROW(b.scan(items, {}, {"colour"}, [](const store::ScanRow&) {}), core::InputError);
  EXPECT_THROW(b.scan(items, {}, {}, [](const store::ScanRow&) {}), core::InputError);
  EXPECT_THROW(b.scan(S(Entity::Victim), {}, {"geom"}, [](const store::ScanRow&) {}),
               core::InputError);

  // Text widths: the longest value of each column, in bytes, and the rows counted.
  const std::vector<std::string> columns = {"id", "workflow", "model", "quantity", "found", "lot"};
  auto w = b.text_widths(items, {}, columns);
  EXPECT_EQ(w.rows, 4);
  std::vector<std::size_t> want(columns.size(), 0);
  b.for_each(items, {}, [&](const Record& r) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::size_t n = columns[i] == "id"         ? r.id.size()
                      : columns[i] == "workflow" ? r.workflow.size()
                      : r.fields.count(columns[i])
                          ? core::value_to_text(r.fields.at(columns[i])).size()
                          : 0;
      want[i] = std::max(want[i], n);
    }
  });
  EXPECT_EQ(w.bytes, want);
  EXPECT_THROW(b.text_widths(items, {}, {"colour"}), core::InputError);
}

TEST_P(Backends, NextIdFollowsExplicitIds) {
  auto reg = create();
  auto& b = reg.backend();
  const auto& items = S(Entity::Item);
  EXPECT_EQ(b.next_id(items), "IT-000001");
  EXPECT_EQ(b.next_id(items), "IT-000002");
  EXPECT_EQ(b.next_id(S(Entity::Hazard)), "HZ-000001");
  auto put = [&](const std::string& id) {
    Record r = make_record(items, 1);
    r.fields.erase("activity_id");
    r.fields.erase("hazard_id");
    r.fields.erase("record_id");
    r.fields.erase("admin_area_id");
    r.id = id;
    b.insert(items, r);
  };
  put("IT-000050");
  EXPECT_EQ(b.next_id(items), "IT-000051");
  put("IT-000010");  // lower: the next id does not go back
  EXPECT_EQ(b.next_id(items), "IT-000052");
  put("IT-ABC");
  put("HZ-000900");                     // another entity's prefix
  put("IT-0000000000000000000000099");  // too long to be a number
  EXPECT_EQ(b.next_id(items), "IT-000053");
  EXPECT_EQ(reg.add(items, item(20, 45), who).id, "IT-000054");
  EXPECT_EQ(b.next_id(S(Entity::Hazard)), "HZ-000002");
  // Ids taken in a transaction that failed are given again; in a savepoint rolled back,
  // skipped.
  EXPECT_THROW(b.transaction([&] {
    EXPECT_EQ(b.next_id(items), "IT-000055");
    put("IT-000070");
    throw std::runtime_error("undone");
  }),
               std::runtime_error);
  EXPECT_EQ(b.next_id(items), "IT-000055");
  b.transaction([&] {
    EXPECT_THROW(b.transaction([&] {
      EXPECT_EQ(b.next_id(items), "IT-000056");
      throw std::runtime_error("undone");
    }),
                 std::runtime_error);
    EXPECT_EQ(b.next_id(items), "IT-000057");
  });
  EXPECT_EQ(b.next_id(items), "IT-000058");
}

TEST_P(Backends, TransactionsRollBackWholeAndSavepointsInPart) {
  auto reg = create();
  const auto& items = S(Entity::Item);
  const auto& hz = S(Entity::Hazard);
  EXPECT_THROW(reg.transaction([&] {
    reg.add(items, item(20.1, 45), who);
    reg.add(hz, hazard("H", 20, 45), who);
    throw std::runtime_error("stop");
  }),
               std::runtime_error);
  EXPECT_EQ(reg.backend().count(items, true), 0);
  EXPECT_EQ(reg.backend().count(hz, true), 0);
  EXPECT_EQ(reg.backend().audit_count(), 0);
  EXPECT_TRUE(reg.backend().status_history("HZ-000001").empty());

  std::string a, c, x, y;
  reg.transaction([&] {
    a = reg.add(items, item(20.1, 45), who).id;
    EXPECT_THROW(reg.transaction([&] {
      reg.add(items, item(20.2, 45), who);
      reg.add(hz, hazard("H", 20, 45), who);
      throw core::InputError("x", "inner");
    }),
                 core::InputError);
    // A duplicate refused inside the transaction leaves it usable.
    EXPECT_THROW(reg.backend().insert(items, reg.get(items, a)), core::Conflict);
    c = reg.add(items, item(20.3, 45), who).id;
    reg.transaction([&] {
      x = reg.add(items, item(20.4, 45), who).id;
      EXPECT_THROW(reg.transaction([&] {
        reg.add(items, item(20.5, 45), who);
        throw std::runtime_error("innermost");
      }),
                   std::runtime_error);
      y = reg.add(items, item(20.6, 45), who).id;
    });
  });
  EXPECT_EQ(ids(reg.backend(), items, {}), (std::vector<std::string>{a, c, x, y}));
  EXPECT_EQ(reg.backend().count(hz, true), 0);
  EXPECT_EQ(reg.backend().audit_count(), 4);
  EXPECT_EQ(reg.verify_audit(), std::nullopt);
  EXPECT_TRUE(reg.verify().intact());
}

TEST_P(Backends, AuditChainVerifies) {
  auto reg = create();
  const auto& items = S(Entity::Item);
  const std::string it = reg.add(items, item(20.1, 45), who).id;
  Record patch;
  patch.fields["quantity"] = std::int64_t{4};
  reg.update(items, it, patch, who, "counted again");
  reg.remove(items, it, "duplicate", who);
  reg.restore(items, it, "was not", who);
  reg.add(S(Entity::Hazard), hazard("H", 20, 45), who);
  reg.add_user("amina", "verifier", "a long password", who);
  reg.set_setting(store::kFourEyes, "off", "one-person office", who);
  auto& b = reg.backend();
  const auto entries = b.audit("", "");
  ASSERT_EQ(entries.size(), 8u);  // the hazard's status row has its own entry
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(entries[i].prev_hash, i ? entries[i - 1].hash : "");
    EXPECT_EQ(entries[i].hash, store::audit_hash(entries[i]));
  }
  EXPECT_EQ(b.audit("items", it).size(), 4u);
  EXPECT_EQ(b.audit("items", "").size(), 4u);
  EXPECT_EQ(b.audit_count(), 8);
  EXPECT_EQ(b.last_audit()->seq, 8);
  EXPECT_EQ(b.audit_entry(3)->action, "delete");
  EXPECT_FALSE(b.audit_entry(99));
  std::int64_t streamed = 0;
  b.for_each_audit([&](const store::AuditEntry& e) { EXPECT_EQ(e.seq, ++streamed); });
  EXPECT_EQ(streamed, 8);
  EXPECT_EQ(reg.verify_audit(), std::nullopt);
  auto report = reg.verify();
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.entries, 8);
  EXPECT_EQ(report.head.seq, 8);
  EXPECT_TRUE(reg.quick_check().intact());
  EXPECT_TRUE(b.audit_protection_problems().empty());

  // An entry keeps the seq it is given (a copy of a store); a taken seq is refused; none
  // given, it follows the last.
  store::AuditEntry e = entries.back();
  e.seq = 12;
  b.append_audit(e);
  EXPECT_EQ(b.audit_entry(12)->hash, e.hash);
  EXPECT_THROW(b.append_audit(e), core::Conflict);
  e.seq = 0;
  b.append_audit(e);
  EXPECT_EQ(b.last_audit()->seq, 13);
  EXPECT_TRUE(reg.verify_audit().has_value());
}

TEST_P(Backends, StatusHistory) {
  auto reg = create();
  const auto& hz = S(Entity::Hazard);
  Record h = hazard("H", 20, 45);
  h.fields["reported"] = std::string("2019-03");
  const std::string id = reg.add(hz, h, who).id;
  Record closed;
  closed.fields["status"] = std::string("closed");
  closed.fields["status_date"] = std::string("2021-02-03");
  closed.fields["status_reason"] = std::string("cleared");
  reg.update(hz, id, closed, who);
  const std::string other = reg.add(hz, hazard("K", 21, 45), who).id;
  auto history = reg.status_history(id);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].date, "2019-03");
  EXPECT_EQ(history[0].status, "open");
  EXPECT_EQ(history[0].reason, "recorded");
  EXPECT_EQ(history[1].date, "2021-02-03");
  EXPECT_EQ(history[1].status, "closed");
  EXPECT_EQ(history[1].reason, "cleared");
  std::vector<std::pair<std::int64_t, std::string>> rows;
  reg.backend().for_each_status(
      [&](std::int64_t row, const std::string& hazard_id, const store::StatusChange&) {
        rows.emplace_back(row, hazard_id);
      });
  EXPECT_EQ(rows,
            (std::vector<std::pair<std::int64_t, std::string>>{{1, id}, {2, id}, {3, other}}));
  // A row of a transaction that failed leaves no gap in the numbers.
  EXPECT_THROW(reg.transaction([&] {
    EXPECT_EQ(reg.backend().append_status(other, {"2022", "closed", "x"}), 4);
    throw std::runtime_error("undone");
  }),
               std::runtime_error);
  EXPECT_EQ(reg.backend().append_status(other, {"2022", "closed", "y"}), 4);
  EXPECT_FALSE(reg.verify().intact());  // a row written behind the registry's back
}

TEST_P(Backends, Users) {
  auto reg = create();
  reg.add_user("amina", "verifier", "a long password", who);
  EXPECT_THROW(reg.add_user("amina", "viewer", "another password", who), core::Conflict);
  auto& b = reg.backend();
  for (std::string name : {"bob", "Zed", "_x"})
    b.put_user({name, "viewer", "hash", "2024-01-01T00:00:00Z", false}, true);
  EXPECT_THROW(b.put_user({"bob", "admin", "h", "t", false}, true), core::Conflict);
  std::vector<std::string> names;
  for (const auto& u : reg.users()) names.push_back(u.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Zed", "_x", "amina", "bob"}));  // byte order
  EXPECT_TRUE(reg.authenticate("amina", "a long password"));
  EXPECT_FALSE(reg.authenticate("amina", "a wrong password"));
  reg.set_user("amina", std::string("admin"), std::nullopt, true, "left", who);
  auto u = reg.user("amina");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->role, "admin");
  EXPECT_TRUE(u->disabled);
  EXPECT_FALSE(reg.authenticate("amina", "a long password"));
  b.put_user({"bob", "admin", "h2", "2025-01-01T00:00:00Z", true}, false);
  u = b.user("bob");
  EXPECT_EQ(u->role, "admin");
  EXPECT_EQ(u->password_hash, "h2");
  EXPECT_EQ(u->created, "2025-01-01T00:00:00Z");
  EXPECT_TRUE(u->disabled);
  EXPECT_FALSE(b.user("nobody"));
  EXPECT_THROW(reg.set_user("nobody", std::nullopt, std::nullopt, true, "", who), core::NotFound);
}

TEST_P(Backends, Settings) {
  auto reg = create();
  EXPECT_EQ(reg.setting(store::kFourEyes), "on");
  reg.set_setting(store::kFourEyes, "off", "one-person office", who);
  EXPECT_EQ(reg.setting(store::kFourEyes), "off");
  auto& b = reg.backend();
  b.put_setting("b", "1");
  b.put_setting("a", "2");
  b.put_setting("b", "3");
  EXPECT_EQ(b.setting("b"), "3");
  EXPECT_FALSE(b.setting("c"));
  EXPECT_EQ(b.settings(), (std::vector<std::pair<std::string, std::string>>{
                              {"a", "2"}, {"b", "3"}, {"four_eyes", "off"}}));
  EXPECT_EQ(b.audit("settings", "four_eyes").size(), 1u);
}

TEST_P(Backends, CheckpointsAndStoreId) {
  auto reg = create();
  auto& b = reg.backend();
  const std::string sid = b.store_id();
  EXPECT_EQ(sid.size(), 32u);
  EXPECT_EQ(sid.find_first_not_of("0123456789abcdef"), std::string::npos);
  const auto keys = store::crypto::new_signing_keys();
  auto c1 = reg.checkpoint(keys.secret_key, who);
  EXPECT_EQ(c1.id, "CP-000001");
  EXPECT_EQ(c1.store_id, sid);
  EXPECT_EQ(c1.seq, 0);
  reg.add(S(Entity::Item), item(20, 45), who);
  auto c2 = reg.checkpoint(keys.secret_key, who);
  EXPECT_EQ(c2.id, "CP-000002");
  EXPECT_EQ(c2.seq, 2);  // the item, and the first checkpoint's entry
  store::VerifyOptions opt;
  opt.public_key = keys.public_key;
  auto report = reg.verify(opt);
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.checkpoints.valid, 2);
  // Copied as they are, in the order added.
  store::Checkpoint c3 = c1;
  c3.id.clear();
  b.add_checkpoint(c3);
  EXPECT_EQ(c3.id, "CP-000003");
  std::vector<std::string> got;
  for (const auto& c : b.checkpoints()) got.push_back(c.id + "@" + std::to_string(c.seq));
  EXPECT_EQ(got, (std::vector<std::string>{"CP-000001@0", "CP-000002@2", "CP-000003@0"}));
  EXPECT_EQ(b.checkpoints()[1].signature, c2.signature);
  b.set_store_id("00112233445566778899aabbccddeeff");
  EXPECT_EQ(b.store_id(), "00112233445566778899aabbccddeeff");
  EXPECT_EQ(open().backend().store_id(), "00112233445566778899aabbccddeeff");
}

TEST_P(Backends, RowsComeInRowOrder) {
  auto reg = create();
  const auto& items = S(Entity::Item);
  for (std::string id : {"IT-000009", "IT-000002", "IT-000005"}) {
    Record r = item(20, 45);
    r.id = id;
    reg.add(items, r, who);
  }
  reg.remove(items, "IT-000002", "twice", who);
  EXPECT_EQ(ids(reg.backend(), items, {}), (std::vector<std::string>{"IT-000009", "IT-000005"}));
  std::vector<std::string> rows;
  reg.backend().for_each_row(items, [&](const store::StoredRow& row) {
    rows.push_back(row.record.id + (row.state.deleted ? " deleted: " + row.state.reason : ""));
  });
  EXPECT_EQ(rows, (std::vector<std::string>{"IT-000009", "IT-000002 deleted: twice", "IT-000005"}));
}

TEST_P(Backends, ReadSnapshotAndDataVersionAcrossConnections) {
  auto one = create();
  auto two = open();
  const auto& items = S(Entity::Item);
  one.add(items, item(20.1, 45), who);
  const auto v1 = one.data_version();
  one.read_snapshot([&] {
    EXPECT_EQ(one.count(items), 1);
    two.add(items, item(20.2, 45), who);
    EXPECT_EQ(one.count(items), 1);
    EXPECT_EQ(one.list(items).size(), 1u);
  });
  EXPECT_EQ(one.count(items), 2);
  EXPECT_NE(one.data_version(), v1);
  // Writers on two connections take turns: ids never collide, the chain stays whole.
  std::set<std::string> seen;
  for (int i = 0; i < 5; ++i) {
    seen.insert(one.add(items, item(20.3 + i * 0.01, 45), who).id);
    seen.insert(two.add(items, item(20.4 + i * 0.01, 45), who).id);
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(one.verify_audit(), std::nullopt);
  EXPECT_TRUE(two.verify().intact());
}

}  // namespace
}  // namespace minemap::testing_gpkg
