// Shared helpers of the subcommands.
#include "app/cli_util.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "core/errors.hpp"
#include "core/filter.hpp"

namespace minemap::app {

store::Actor current_actor() {
  for (const char* var : {"MINEMAP_USER", "USER", "LOGNAME"})
    if (const char* v = std::getenv(var); v && *v) return {v};
  // No name in the environment (a service, a container): the account's.
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name && *pw->pw_name)
    return {pw->pw_name};
  return {"uid " + std::to_string(geteuid())};
}

std::string entity_help(bool reviewed_only) {
  std::string out;
  for (const auto& s : core::entities()) {
    if (reviewed_only && !s.field_report) continue;
    out += (out.empty() ? "" : ", ") + std::string(s.name);
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> parse_where(
    const std::vector<std::string>& clauses, const core::EntitySpec& spec) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& c : clauses) {
    auto eq = c.find('=');
    if (eq == std::string::npos || eq == 0)
      throw core::InputError("--where", "\"" + c + "\" is not FIELD=V1,V2");
    std::string field = c.substr(0, eq);
    // The fields every record has beside the entity's own.
    const core::FieldSpec id{.name = "id"};
    const core::FieldSpec workflow{.name = core::kWorkflowField,
                                   .type = core::FieldType::Enum,
                                   .values = core::kWorkflowStates};
    const core::FieldSpec* f = field == "id"            ? &id
                               : field == workflow.name ? &workflow
                                                        : spec.field(field);
    if (!f)
      throw core::InputError("--where", "no field \"" + field + "\" in " + std::string(spec.name));
    std::vector<std::string> values;
    std::stringstream in(c.substr(eq + 1));
    std::string v;
    while (std::getline(in, v, ',')) values.push_back(v);
    out.push_back({field, core::filter_values(*f, values, "--where")});
  }
  return out;
}

}  // namespace minemap::app
