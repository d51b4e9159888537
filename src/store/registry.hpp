// The registry: the domain rules of every write, the same for every backend.
// Validates and checks each record, computes derived values (geodesic areas, a
// hazard's remaining area, a release's hazard), checks references, and writes
// the record and its audit entry in one transaction.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/schema.hpp"
#include "store/backend.hpp"
#include "store/integrity.hpp"
#include "store/workflow.hpp"

namespace minemap::store {

// User names: 1 to 64 letters, digits and . _ - @; passwords: 10 to 1024 characters.
inline constexpr std::size_t kMaxUserName = 64;
inline constexpr std::size_t kMaxPassword = 1024;

// A record that passed the checks that need no store (Registry::check): fields
// validated, geometry checked and repaired, areas computed.
class CheckedRecord {
 public:
  CheckedRecord() = default;
  // The record as it will be written (before the store's own checks and derivations).
  const core::Record& record() const { return m_record; }

 private:
  friend class Registry;
  core::Record m_record;
  std::vector<std::string> m_repairs;
};

struct WriteResult {
  std::string id;
  std::vector<std::string> repairs;  // geometry repairs made, one line each
};

// The user when `password` is theirs and the account is enabled. Hashing takes about
// 0.1 s and 64 MiB: a server calls this outside its store lock, on a user it read.
std::optional<User> signs_in(std::optional<User> user, const std::string& password);

class Registry {
 public:
  explicit Registry(std::unique_ptr<Backend> backend);

  // Opens the store named by `uri`: a GeoPackage path, or a PostgreSQL database
  // (postgresql://..., postgres://..., postgres:SERVICE; docs/postgresql.md).
  static Registry open(const std::string& uri, bool create);

  // Runs fn in one transaction: every write inside it lands, or none does. Nested,
  // it is a savepoint: a failure inside undoes only the inner work, and the caller
  // may catch it and go on. A write method called inside a transaction does not
  // open a savepoint of its own: when it throws, the enclosing transaction must
  // fail too, unless the call was wrapped in its own transaction().
  void transaction(const std::function<void()>& fn);

  // Runs fn, which adds many records of `spec` (about expected_rows; 0 when
  // unknown), in one transaction with the indexes built once at the end (imports).
  void bulk_load(const core::EntitySpec& spec, std::int64_t expected_rows,
                 const std::function<void()>& fn);

  WriteResult add(const core::EntitySpec& spec, core::Record r, const Actor& who);
  // The first half of add, which reads nothing from the store: safe on any thread
  // while another one writes (an import checks the next features meanwhile).
  // Throws core::InputError as add does.
  CheckedRecord check(const core::EntitySpec& spec, core::Record r) const;
  // The second half: the store's checks (references, ids) and the write.
  WriteResult add(const core::EntitySpec& spec, CheckedRecord r, const Actor& who);
  // `patch` holds the fields to change; a field whose value is null is cleared;
  // a geometry, when given, replaces the old one. The id cannot change.
  // With `expected_version` (version()), only if the record is still at it: else
  // core::StaleVersion naming the record, nothing written (another user changed it
  // since it was read).
  WriteResult update(const core::EntitySpec& spec, const std::string& id, const core::Record& patch,
                     const Actor& who, const std::string& reason = {},
                     const std::string& expected_version = {});
  // An edit of a field report under review (docs/workflow.md, "Editing a report"): the
  // record must be a draft or rejected (else core::Conflict), a data entry clerk may edit
  // only the reports they filed (else core::Forbidden), and when `expected_version` is
  // given it must still be the record's version (else core::StaleVersion, nothing
  // written). The workflow does not move: a rejected report is submitted again by
  // transition(). `patch` as for update().
  WriteResult edit_report(const core::EntitySpec& spec, const std::string& id,
                          const core::Record& patch, const Actor& who,
                          const std::string& expected_version = {});
  // The version of a record: the hash of the audit entry that last wrote it, which
  // changes with every write and which the audit chain makes tamper-evident; "" for a
  // record with no audit entry (none written through minemap).
  std::string version(const core::EntitySpec& spec, const std::string& id);
  void remove(const core::EntitySpec& spec, const std::string& id, const std::string& reason,
              const Actor& who);
  void restore(const core::EntitySpec& spec, const std::string& id, const std::string& reason,
               const Actor& who);
  // One step of the review, by `who` (whose role must allow it), with its children
  // (an accident's victims, an activity's land released) that are in the report's
  // state. A rejection needs a reason. Throws core::Forbidden (role, four eyes),
  // core::Conflict (the report's state, or its parent's) or core::NotFound.
  // `expected_version` as for update().
  TransitionResult transition(const core::EntitySpec& spec, const std::string& id, Step step,
                              const std::string& reason, const Actor& who,
                              const std::string& expected_version = {});

  // Store settings, each change audited (entity "settings"). Unknown keys or values
  // throw core::InputError.
  std::string setting(std::string_view key);
  void set_setting(std::string_view key, const std::string& value, const std::string& reason,
                   const Actor& who);

  // Throws core::NotFound when there is no such (non-deleted) record.
  core::Record get(const core::EntitySpec& spec, const std::string& id);
  std::optional<core::Record> find(const core::EntitySpec& spec, const std::string& id);
  void for_each(const core::EntitySpec& spec, const ListQuery& q,
                const std::function<void(const core::Record&)>& fn);
  std::vector<core::Record> list(const core::EntitySpec& spec, const ListQuery& q = {});
  // Ids and geometries only, in id order (for building spatial indexes).
  void for_each_geometry(const core::EntitySpec& spec, const ListQuery& q,
                         const std::function<void(const std::string&, const core::Geometry&)>& fn);
  // The named columns of rows, without building records (Backend::scan): what the
  // figures are computed from.
  void scan(const core::EntitySpec& spec, const ListQuery& q,
            const std::vector<std::string>& columns, const std::function<void(const ScanRow&)>& fn);
  // Runs fn, which only reads, on one snapshot of the store (Backend::read_snapshot).
  void read_snapshot(const std::function<void()>& fn) { m_backend->read_snapshot(fn); }
  // The backend's cache of the store's pages freed (Backend::release_memory).
  void release_memory() { m_backend->release_memory(); }
  // Changes after every committed write, by this Registry or by another connection to
  // the same store (another process's import): a reader holding data derived from the
  // store knows when to refresh it. Cheap (no table is read), so it may be asked before
  // every read of derived data. Writes inside an open transaction count at commit.
  std::int64_t data_version();
  // How many rows the entity's table holds, deleted ones left out (approved or not): a
  // bound to reserve room by before reading them all.
  std::int64_t count(const core::EntitySpec& spec);

  // Users of the server, every change audited (a digest of the password hash, never the
  // hash). Passwords:
  // at least 10 characters, kept as argon2id hashes.
  void add_user(const std::string& name, const std::string& role, const std::string& password,
                const Actor& who);
  void set_user(const std::string& name, const std::optional<std::string>& role,
                const std::optional<std::string>& password, const std::optional<bool>& disabled,
                const std::string& reason, const Actor& who);
  // The user when the password is theirs and the account is enabled.
  std::optional<User> authenticate(const std::string& name, const std::string& password);
  std::optional<User> user(const std::string& name);
  std::vector<User> users();

  std::vector<AuditEntry> history(const core::EntitySpec& spec, const std::string& id);
  std::vector<StatusChange> status_history(const std::string& hazard_id);
  // Verifies the whole audit chain's links and hashes; the first problem, or nullopt
  // when intact.
  std::optional<std::string> verify_audit();
  // Replays the audit and compares every table with it (store/integrity.hpp).
  IntegrityReport verify(const VerifyOptions& opt = {});
  // The chain, its protection and the stored checkpoints, without the replay.
  IntegrityReport quick_check();
  // Signs the chain's head with `secret_key` (raw Ed25519), stores the checkpoint and
  // audits it, in one transaction.
  Checkpoint checkpoint(const std::string& secret_key, const Actor& who);
  // The last audit entry's seq and hash.
  ChainHead head();

  std::string location() const { return m_backend->location(); }
  bool read_only() const { return m_backend->read_only(); }
  // Every write refused from now on (core::Forbidden): `serve --read-only`.
  void set_read_only() { m_backend->set_read_only(); }
  void copy_to(const std::string& path) { m_backend->copy_to(path); }
  Backend& backend() { return *m_backend; }
  // The date used for "not in the future" checks (today unless a test sets it).
  void set_today(const core::Date& d) { m_today = d; }

 private:
  void atomically(const std::function<void()>& fn);
  void in_transaction(const std::function<void()>& open);
  core::Record prepare(const core::EntitySpec& spec, core::Record r,
                       std::vector<std::string>& repairs);
  core::Record complete(const core::EntitySpec& spec, CheckedRecord c,
                        std::vector<std::string>& repairs);
  void check_refs(const core::EntitySpec& spec, const core::Record& r);
  // The rules of the workflow for a record about to be written: a child is not
  // approved while its parent is not.
  void check_workflow(const core::EntitySpec& spec, const core::Record& r);
  // Land released is land of the activity's hazard.
  void check_release_meets_hazard(const core::Record& release);
  WriteResult write_update(const core::EntitySpec& spec, const std::string& id,
                           const core::Record& patch, const std::string& workflow, const Actor& who,
                           const std::string& action, const std::string& reason);
  // Four eyes: who filed or submitted `id` may not approve it.
  void check_four_eyes(const core::EntitySpec& spec, const std::string& id, const Actor& who);
  // Throws core::StaleVersion (core::NotFound for no such record) unless `expected` is
  // empty or the hash of the last of `entries`, the record's audit entries.
  void check_version(const core::EntitySpec& spec, const std::string& id,
                     const std::string& expected, const std::vector<AuditEntry>& entries);
  void append_audit(const std::string& entity, const std::string& id, const std::string& action,
                    const std::string& reason, std::string before, std::string after,
                    const Actor& who);
  void audit(const core::EntitySpec& spec, const std::string& id, const std::string& action,
             const std::string& reason, const std::optional<core::Record>& before,
             const std::optional<core::Record>& after, const Actor& who);
  void recompute_remaining(const std::string& hazard_id);
  void after_write(const core::EntitySpec& spec, const std::optional<core::Record>& before,
                   const std::optional<core::Record>& after, const Actor& who);
  // The most specific administrative area containing the geometry (a point inside
  // it for areas), or "" when none does.
  std::string admin_area_of(const core::Geometry& g);

  struct AdminArea {
    core::Envelope box;
    core::Record record;
  };
  std::optional<std::vector<AdminArea>> m_admin_areas;  // loaded on first use

  std::unique_ptr<Backend> m_backend;
  int m_depth = 0;  // nesting of transaction()
  // The last audit entry written in the current transaction: saves a query per
  // write in long imports. Forgotten when the transaction ends or fails.
  std::optional<AuditEntry> m_last_audit;
  core::Date m_today = core::Date::today();
};

}  // namespace minemap::store
