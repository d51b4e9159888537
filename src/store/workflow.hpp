// The review of field reports and who may do what: roles, the steps of the workflow,
// and the store settings that shape them. The Registry applies these rules to every
// write, whoever makes it (the command line, the server, an import).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minemap::store {

// The roles, least to most: viewer (reads), data_entry (drafts and submits), verifier
// (approves and rejects), admin (everything, users too).
inline constexpr std::string_view kRoles[] = {"viewer", "data_entry", "verifier", "admin"};
// The rank of a role: viewer 0, data_entry 1, verifier 2, admin 3; -1 for others.
int role_rank(std::string_view role);

// Who writes, and what they may do: the command line acts as the store's owner
// (admin); the server for the signed-in user and their role.
struct Actor {
  std::string user = "cli";
  std::string role = "admin";
};

// The review of a field report: draft -> submitted -> approved | rejected, and a
// rejected report submitted again (docs/workflow.md).
enum class Step { Submit, Approve, Reject };
std::string_view to_string(Step s);
// "submit", "approve", "reject"; nullopt for anything else.
std::optional<Step> step_by_name(std::string_view name);
// Whether a record in `state` may take step `s`; the state it ends in.
bool step_starts_from(Step s, std::string_view state);
std::string step_ends_in(Step s);

struct TransitionResult {
  std::string id;
  std::string workflow;               // the state it moved to
  std::vector<std::string> children;  // the children that moved with it
};

// Store settings (Registry::set_setting), with their values.
// four_eyes: "on" (default): who filed or submitted a report may not approve it;
// "off" for a one-person office.
inline constexpr std::string_view kFourEyes = "four_eyes";

}  // namespace minemap::store
