#include "ops/copy.hpp"

#include "core/errors.hpp"
#include "io/progress.hpp"

namespace minemap::ops {

CopySummary copy_store(store::Registry& src, store::Registry& dst, bool progress) {
  store::Backend& from = src.backend();
  store::Backend& to = dst.backend();
  if (to.audit_count() > 0)
    throw core::Conflict(to.location() + ": not an empty store; copy into a new one");
  for (const auto& spec : core::entities())
    if (to.count(spec, true) > 0)
      throw core::Conflict(to.location() + ": not an empty store; copy into a new one");

  CopySummary sum;
  std::int64_t total = from.audit_count();
  for (const auto& spec : core::entities()) total += from.count(spec, true);
  io::Progress bar =
      progress ? io::Progress::for_terminal("rows", total) : io::Progress("rows", total, false);
  std::int64_t done = 0;
  // One snapshot of the source (a server may go on writing to it) into one transaction.
  from.read_snapshot([&] {
    to.transaction([&] {
      to.set_store_id(from.store_id());
      for (const auto& spec : core::entities()) {
        std::int64_t n = 0;
        from.for_each_row(spec, [&](const store::StoredRow& row) {
          if (!row.problem.empty())
            throw core::StorageError(from.location() + ": " + std::string(spec.name) + " \"" +
                                     row.record.id + "\" cannot be read whole (" + row.problem +
                                     "); minemap verify says more");
          to.insert(spec, row.record);
          if (row.state.deleted) to.set_deleted(spec, row.record.id, true, row.state.reason);
          ++n;
          bar.tick(++done);
        });
        sum.rows[std::string(spec.name)] = n;
      }
      from.for_each_status(
          [&](std::int64_t, const std::string& hazard, const store::StatusChange& c) {
            to.append_status(hazard, c);
            ++sum.statuses;
          });
      from.for_each_audit([&](const store::AuditEntry& e) {
        to.append_audit(e);
        sum.head = e.hash;
        ++sum.audit;
        bar.tick(++done);
      });
      for (auto c : from.checkpoints()) {
        to.add_checkpoint(c);
        ++sum.checkpoints;
      }
      for (const auto& u : from.users()) {
        to.put_user(u, true);
        ++sum.users;
      }
      for (const auto& [key, value] : from.settings()) {
        to.put_setting(key, value);
        ++sum.settings;
      }
      bar.final_step(done, "committing");
    });
  });
  bar.finish(done);
  return sum;
}

}  // namespace minemap::ops
