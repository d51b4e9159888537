#include "store/workflow.hpp"

namespace minemap::store {

std::string_view to_string(Step s) {
  switch (s) {
    case Step::Submit: return "submit";
    case Step::Approve: return "approve";
    case Step::Reject: return "reject";
  }
  return "?";
}

std::optional<Step> step_by_name(std::string_view name) {
  for (Step s : {Step::Submit, Step::Approve, Step::Reject})
    if (to_string(s) == name) return s;
  return std::nullopt;
}

int role_rank(std::string_view role) {
  for (int i = 0; i < 4; ++i)
    if (kRoles[i] == role) return i;
  return -1;
}

bool step_starts_from(Step s, std::string_view state) {
  return s == Step::Submit ? (state == "draft" || state == "rejected") : state == "submitted";
}

std::string step_ends_in(Step s) {
  return s == Step::Submit ? "submitted" : s == Step::Approve ? "approved" : "rejected";
}

}  // namespace minemap::store
