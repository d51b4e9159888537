// Rendering of the integrity report; see integrity_report.hpp.
#include "render/integrity_report.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

namespace minemap::render {
namespace {

using nlohmann::json;

// A value the report holds as JSON text, as a JSON value (text that was shortened
// stays a string).
json value_of(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

std::string checkpoint_line(const store::IntegrityReport& r) {
  const auto& c = r.checkpoints;
  if (!c.checked) return "checkpoints: not checked (give --key NAME.pub to check them)";
  std::string out = "checkpoints: " + std::to_string(c.valid) + " signed with this key hold";
  if (c.latest)
    out += "; the latest, " + (c.latest->id.empty() ? std::string("(file)") : c.latest->id) +
           " of " + c.latest->time + ", at entry " + std::to_string(c.latest->seq);
  if (c.other_keys) out += "; " + std::to_string(c.other_keys) + " signed with other keys";
  return out;
}

}  // namespace

std::string integrity_text(const store::IntegrityReport& r, std::size_t limit) {
  std::ostringstream out;
  const std::string entries = std::to_string(r.entries) + " audit entries";
  if (r.intact())
    out << (r.quick ? "intact: the audit chain (" + entries + ") links and is append-only"
                    : "intact: " + entries + " replayed, every table agrees with them")
        << '\n';
  else
    out << "TAMPERED: " << r.differences_total
        << (r.differences_total == 1 ? " difference" : " differences")
        << " between the store and its audit trail (" << entries << ")\n";
  out << "head: entry " << r.head.seq << ", hash " << (r.head.hash.empty() ? "-" : r.head.hash)
      << '\n';
  if (!r.quick) out << checkpoint_line(r) << '\n';
  std::size_t shown = 0;
  for (const auto& d : r.differences) {
    if (shown++ == limit) break;
    out << d.message << '\n';
  }
  const std::int64_t rest =
      r.differences_total - static_cast<std::int64_t>(std::min(shown, r.differences.size()));
  if (rest > 0) out << "... and " << rest << " more\n";
  return out.str();
}

std::string integrity_json(const store::IntegrityReport& r) {
  json diffs = json::array();
  for (const auto& d : r.differences) {
    json j = {{"table", d.table},
              {"id", d.id},
              {"field", d.field.empty() ? json(nullptr) : json(d.field)},
              {"table_value", value_of(d.table_value)},
              {"audit_value", value_of(d.audit_value)},
              {"entry", d.entry ? json(d.entry) : json(nullptr)},
              {"message", d.message}};
    if (d.row) j["row"] = d.row;
    diffs.push_back(std::move(j));
  }
  json cp = {{"checked", r.checkpoints.checked},
             {"valid", r.checkpoints.valid},
             {"other_keys", r.checkpoints.other_keys},
             {"latest", nullptr}};
  if (const auto& c = r.checkpoints.latest)
    cp["latest"] = {{"id", c->id}, {"seq", c->seq}, {"hash", c->hash}, {"time", c->time}};
  json out = {{"intact", r.intact()},
              {"quick", r.quick},
              {"entries", r.entries},
              {"head", {{"seq", r.head.seq}, {"hash", r.head.hash}}},
              {"checkpoints", cp},
              {"differences", diffs},
              {"differences_total", r.differences_total}};
  return out.dump(2);
}

}  // namespace minemap::render
