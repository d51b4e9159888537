// The reports under review as the people who file and review them see them: a clerk's
// own drafts, submissions and rejections with the reasons given (the web app's "My
// reports"), and what a resubmitted report changed since it was rejected (the review).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

struct Report {
  const core::EntitySpec* spec = nullptr;
  core::Record record;
  std::string filed;    // when it was created (UTC ISO 8601)
  std::string changed;  // when it was last written
  std::string reason;   // the last rejection's reason, for a rejected report
  std::string version;  // Registry::version
};

// The field reports `user` filed that are drafts, submitted or rejected, every reviewed
// entity, newest change first.
std::vector<Report> reports_of(store::Registry& reg, const std::string& user);

// One field's change: its value at the last rejection and now (null when unset).
struct FieldChange {
  std::string field;
  core::Value before, after;
};
struct SinceRejection {
  std::string rejected;  // when (UTC ISO 8601)
  std::string by;        // who rejected it
  std::string reason;
  std::vector<FieldChange> changes;  // the fields that differ now, in schema order;
  bool geometry_changed = false;     // "geometry" among them when true
};
// What a report (`now`, whose audit entries are `history`, oldest first) changed since
// it was last rejected; nullopt when it never was.
std::optional<SinceRejection> since_rejection(const core::EntitySpec& spec, const core::Record& now,
                                              const std::vector<store::AuditEntry>& history);

}  // namespace minemap::ops
