// The storage backend interface: the few primitive operations a database must
// offer. store::Registry (registry.hpp) puts the domain rules on top of it, so a
// second backend (PostgreSQL/PostGIS) implements only this. Nothing above store/
// sees a backend's database library.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/schema.hpp"

namespace minemap::store {

struct ListQuery {
  std::optional<core::Envelope> bbox;  // features whose envelope intersects it
  // field -> accepted values (text; a date field by overlap, as `during`); all must hold.
  std::vector<std::pair<std::string, std::vector<std::string>>> where;
  bool include_deleted = false;
  bool approved_only = false;  // summaries and analytics see approved data only
  // Rows whose date field (ISO 8601, maybe only a year or a month) overlaps the closed
  // interval [from, to] of full dates; an open end is unbounded. Rows without a date
  // are left out.
  struct DateRange {
    std::string field;
    std::optional<std::string> from, to;  // YYYY-MM-DD
  };
  std::optional<DateRange> during;
  // Paging over the rows that match, in id order: skip `offset`, then at most `limit`.
  std::int64_t offset = 0;
  std::optional<std::int64_t> limit;
};

struct AuditEntry {
  std::int64_t seq = 0;   // 1, 2, 3 ... in write order
  std::string ts;         // UTC ISO 8601
  std::string actor;      // user name
  std::string entity;     // EntitySpec::name
  std::string entity_id;  // public id
  std::string action;     // create | update | delete | restore
  std::string reason;     // why (deletes, status changes)
  std::string before;     // JSON of the record before ("" for create)
  std::string after;      // JSON of the record after ("" for delete)
  std::string prev_hash;  // hex BLAKE2b of the previous entry ("" for the first)
  std::string hash;       // hex BLAKE2b over prev_hash and this entry's fields
};

struct StatusChange {
  std::string date;  // ISO date
  std::string status;
  std::string reason;
};

// A person who signs in to the server: a name, a role and an argon2id password hash.
struct User {
  std::string name;
  std::string role;  // viewer | data_entry | verifier | admin
  std::string password_hash;
  std::string created;  // UTC ISO 8601
  bool disabled = false;
};

struct DeletedState {
  bool deleted = false;
  std::string reason;
};

struct StoredRow {
  core::Record record;
  DeletedState state;
  std::string problem;  // why the row could not be read whole ("" when it could)
};

// A signed statement that the audit chain's entry `seq` had hash `hash` at `time`
// (store/checkpoint.hpp signs and checks it).
struct Checkpoint {
  std::string id;          // CP-000001 in the store ("" until stored)
  std::int64_t seq = 0;    // the head signed (0: an empty chain)
  std::string hash;        // its hash ("" for an empty chain)
  std::string time;        // UTC ISO 8601
  std::string store_id;    // minemap_meta's store_id: a checkpoint fits one store
  std::string public_key;  // hex Ed25519
  std::string signature;   // hex Ed25519, over checkpoint_message()
};

// One row of a column scan (Backend::scan): the columns asked for, by position, valid
// during the callback only. A null reads as nullopt (text, numbers) or as no geometry.
class ScanRow {
 public:
  virtual ~ScanRow() = default;
  virtual std::optional<std::string_view> text(int i) const = 0;
  virtual std::optional<double> real(int i) const = 0;
  virtual std::optional<std::int64_t> integer(int i) const = 0;
  // The geometry column, decoded into g (whose storage is reused); false when null.
  virtual bool geometry(int i, core::Geometry& g) const = 0;
  // The geometry column's first point, without building a geometry (points layers).
  virtual std::optional<core::Coord> point(int i) const = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Runs fn in one transaction; an exception from fn rolls everything back and
  // is rethrown. Nested calls join the outer transaction.
  virtual void transaction(const std::function<void()>& fn) = 0;

  // Runs fn, which only reads, on one snapshot of the store: writers (a running server)
  // go on meanwhile, unseen. A backend without snapshots just runs fn.
  virtual void read_snapshot(const std::function<void()>& fn) { fn(); }

  // Frees what the backend caches of the store's pages (after a read of whole tables, in
  // a process that runs on). Outside a transaction; a no-op for a backend without a cache.
  virtual void release_memory() {}

  // A number that changes after every commit to the store, by this connection or any
  // other (another process's import, another server's write); cheap enough to ask before
  // each read of derived data. nullopt when the backend cannot tell (the registry then
  // reads the audit's last entry).
  virtual std::optional<std::int64_t> data_version() { return std::nullopt; }

  // The next free public id for the entity ("HZ-000124").
  virtual std::string next_id(const core::EntitySpec& spec) = 0;

  // Rows are looked up by public id; `include_deleted` also finds soft-deleted rows.
  virtual std::optional<core::Record> get(const core::EntitySpec& spec, const std::string& id,
                                          bool include_deleted) = 0;
  virtual std::optional<DeletedState> deleted_state(const core::EntitySpec& spec,
                                                    const std::string& id) = 0;
  // Writes every field of the record, computed ones included. insert throws
  // core::Conflict when the id exists (deleted or not).
  virtual void insert(const core::EntitySpec& spec, const core::Record& r) = 0;
  virtual void replace(const core::EntitySpec& spec, const core::Record& r) = 0;
  virtual void set_deleted(const core::EntitySpec& spec, const std::string& id, bool deleted,
                           const std::string& reason) = 0;

  // Streams rows in id order.
  virtual void for_each(const core::EntitySpec& spec, const ListQuery& q,
                        const std::function<void(const core::Record&)>& fn) = 0;
  // Streams the id and geometry of rows, in id order: what the spatial indexes are built
  // from, without decoding every field.
  virtual void for_each_geometry(
      const core::EntitySpec& spec, const ListQuery& q,
      const std::function<void(const std::string& id, const core::Geometry&)>& fn) {
    for_each(spec, q, [&](const core::Record& r) { fn(r.id, r.geometry); });
  }
  virtual std::int64_t count(const core::EntitySpec& spec, bool include_deleted) = 0;
  // The rows q selects, and for each column named ("id", "workflow" or a field) the
  // longest of their values as text, in bytes (0 when none): a shapefile's column
  // widths, measured without reading whole records. A backend may count a few rows
  // more than for_each gives (near misses of a bbox), never fewer.
  struct TextWidths {
    std::int64_t rows = 0;
    std::vector<std::size_t> bytes;
  };
  virtual TextWidths text_widths(const core::EntitySpec& spec, const ListQuery& q,
                                 const std::vector<std::string>& columns) {
    TextWidths w;
    w.bytes.assign(columns.size(), 0);
    for_each(spec, q, [&](const core::Record& r) {
      ++w.rows;
      for (std::size_t i = 0; i < columns.size(); ++i) {
        std::size_t n = 0;
        if (columns[i] == "id") {
          n = r.id.size();
        } else if (columns[i] == "workflow") {
          n = r.workflow.size();
        } else if (auto it = r.fields.find(columns[i]); it != r.fields.end()) {
          n = core::value_to_text(it->second).size();
        }
        w.bytes[i] = std::max(w.bytes[i], n);
      }
    });
    return w;
  }
  // Streams the named columns of rows (ListQuery's filters; "id", "workflow", "geom" or
  // fields of the entity), in id order, without building records: what analyses read
  // (docs/store.md). Throws core::InputError naming an unknown column.
  virtual void scan(const core::EntitySpec& spec, const ListQuery& q,
                    const std::vector<std::string>& columns,
                    const std::function<void(const ScanRow&)>& fn);

  // The audit table is append-only.
  virtual std::optional<AuditEntry> last_audit() = 0;
  virtual void append_audit(const AuditEntry& e) = 0;
  // Entries for one entity instance, or all when entity is empty, in seq order.
  virtual std::vector<AuditEntry> audit(const std::string& entity, const std::string& id) = 0;
  // Every entry in seq order, one at a time (the trail may not fit in memory twice).
  virtual void for_each_audit(const std::function<void(const AuditEntry&)>& fn) = 0;
  virtual std::optional<AuditEntry> audit_entry(std::int64_t seq) = 0;
  virtual std::int64_t audit_count() = 0;

  // Appends a row to a hazard's status history; returns the row's number (fid).
  virtual std::int64_t append_status(const std::string& hazard_id, const StatusChange& c) = 0;
  virtual std::vector<StatusChange> status_history(const std::string& hazard_id) = 0;
  // Every row of every hazard's status history, in row order.
  virtual void for_each_status(
      const std::function<void(std::int64_t row, const std::string& hazard_id,
                               const StatusChange&)>& fn) = 0;

  // Every row of an entity table, deleted ones too, in row order, as stored (what
  // `verify` compares with the audit). A row whose geometry cannot be read comes with
  // the reason in `problem` and no geometry, rather than stopping the walk.
  virtual void for_each_row(const core::EntitySpec& spec,
                            const std::function<void(const StoredRow&)>& fn) = 0;

  // Checkpoints of the audit chain, append-only. add_checkpoint sets c.id.
  virtual void add_checkpoint(Checkpoint& c) = 0;
  virtual std::vector<Checkpoint> checkpoints() = 0;
  // The store's random id (minemap_meta), signed into its checkpoints; set_store_id
  // gives a store the id of the one it is a copy of (`minemap copy`), so that the
  // checkpoints copied with it still fit.
  virtual std::string store_id() = 0;
  virtual void set_store_id(const std::string& id) = 0;
  // How the objects that keep the audit append-only (the audit and checkpoints tables,
  // their triggers) differ from what this build creates, one line each ("trigger
  // audit_no_delete is missing"); empty when they are intact.
  virtual std::vector<std::string> audit_protection_problems() = 0;

  // Runs fn (which adds about expected_rows rows of `spec`; 0 when unknown) in a
  // transaction, with the indexes built once at the end rather than row by row. A
  // backend without such a path just runs fn in a transaction.
  virtual void bulk_load(const core::EntitySpec& /*spec*/, std::int64_t /*expected_rows*/,
                         const std::function<void()>& fn) {
    transaction(fn);
  }

  // The store's settings ("four_eyes" = "off"), kept with the store and audited by the
  // registry. put_setting inserts or replaces.
  virtual std::optional<std::string> setting(const std::string& key) = 0;
  virtual void put_setting(const std::string& key, const std::string& value) = 0;
  virtual std::vector<std::pair<std::string, std::string>> settings() = 0;

  // Users of the server. put_user inserts (`create`: throws core::Conflict when the
  // name exists) or replaces.
  virtual void put_user(const User& u, bool create) = 0;
  virtual std::optional<User> user(const std::string& name) = 0;
  virtual std::vector<User> users() = 0;
  // Where the data live (file path or connection URL without password).
  virtual std::string location() const = 0;
  // Opened for reading only (a file this process may not write): every write throws
  // core::Forbidden.
  virtual bool read_only() const { return false; }
  // From now on every write throws core::Forbidden, as for a store opened read-only
  // (`serve --read-only`: a server that answers reads only, beside one that writes).
  virtual void set_read_only() = 0;
  // Writes a consistent copy of the whole store to a new file `path`, while others may
  // go on writing (a backup). Throws core::Conflict when `path` exists.
  virtual void copy_to(const std::string& path) = 0;
};

}  // namespace minemap::store
