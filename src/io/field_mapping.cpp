// Field mapping for imports; see field_mapping.hpp.
#include "io/field_mapping.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/date.hpp"
#include "core/errors.hpp"

namespace minemap::io {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::pair<std::string, std::string> key_value(const std::string& text, const std::string& option,
                                              const char* form) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw core::InputError(option, "\"" + text + "\" is not " + form);
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

void add_map_option(Mapping& m, const std::string& text) {
  auto [field, rest] = key_value(text, "--map", "FIELD=COLUMN or FIELD=COLUMN:SRC=DST,...");
  FieldSource src;
  auto colon = rest.find(':');
  src.column = rest.substr(0, colon);
  if (src.column.empty()) throw core::InputError("--map", "\"" + text + "\" names no column");
  if (colon != std::string::npos) {
    for (const auto& pair : split(rest.substr(colon + 1), ',')) {
      auto [from, to] = key_value(pair, "--map", "SRC=DST");
      src.values[from] = to;
    }
  }
  m.fields[field] = src;
}

void add_set_option(Mapping& m, const std::string& text) {
  auto [field, value] = key_value(text, "--set", "FIELD=VALUE");
  FieldSource src;
  src.constant = value;
  m.fields[field] = src;
}

void add_where_option(Mapping& m, const std::string& text) {
  auto [column, values] = key_value(text, "--where", "COLUMN=V1,V2");
  m.where.push_back({column, split(values, ',')});
}

namespace {

// "%d/%m/%Y" or ["%d/%m/%Y", "%Y"].
template <class Fail>
std::vector<std::string> date_formats(const nlohmann::json& v, const Fail& fail) {
  std::vector<std::string> out;
  for (const auto& x : v.is_array() ? v : nlohmann::json::array({v})) {
    if (!x.is_string() || x.get<std::string>().empty())
      throw fail("expected a format such as \"%d/%m/%Y\", or a list of them");
    out.push_back(x.get<std::string>());
  }
  return out;
}

}  // namespace

void add_victims_option(Mapping& m, const std::string& text) {
  for (const auto& pair : split(text, ',')) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size())
      throw core::InputError("--victims", "\"" + pair + "\" is not OUTCOME=COLUMN");
    m.victim_counts[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
}

Mapping read_map_file(const std::string& path, const std::string& text) {
  Mapping m;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw core::InputError(path, std::string("malformed JSON: ") + e.what());
  }
  auto fail = [&](const std::string& key, const std::string& msg) {
    return core::InputError(path + ": " + key, msg);
  };
  if (!j.is_object()) throw fail("(top)", "expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    if (k == "layer" || k == "crs" || k == "geometry" || k == "key") {
      if (!v.is_string()) throw fail(k, "expected a string");
      (k == "layer" ? m.layer
       : k == "crs" ? m.crs
       : k == "key" ? m.key
                    : m.geometry) = v.get<std::string>();
    } else if (k == "where") {
      if (!v.is_object()) throw fail(k, "expected {\"COLUMN\": [values]}");
      for (auto w = v.begin(); w != v.end(); ++w) {
        std::vector<std::string> values;
        for (const auto& x : w.value().is_array() ? w.value() : nlohmann::json::array({w.value()}))
          values.push_back(x.is_string() ? x.get<std::string>() : x.dump());
        m.where.push_back({w.key(), values});
      }
    } else if (k == "map") {
      if (!v.is_object()) throw fail(k, "expected {\"FIELD\": \"COLUMN\" or {...}}");
      for (auto f = v.begin(); f != v.end(); ++f) {
        FieldSource src;
        const std::string at = "map." + f.key();
        if (f.value().is_string()) {
          src.column = f.value().get<std::string>();
        } else if (f.value().is_object() && f.value().contains("column")) {
          src.column = f.value()["column"].get<std::string>();
          if (f.value().contains("split")) {
            if (!f.value()["split"].is_string() || f.value()["split"].get<std::string>().empty())
              throw fail(at + ".split", "expected a separator such as \";\"");
            src.split = f.value()["split"].get<std::string>();
          }
          if (f.value().contains("date_format"))
            src.date_formats = date_formats(f.value()["date_format"], [&](const std::string& msg) {
              return fail(at + ".date_format", msg);
            });
          if (f.value().contains("values")) {
            const auto& vals = f.value()["values"];
            if (!vals.is_object()) throw fail(at + ".values", "expected {\"SRC\": \"DST\"}");
            for (auto x = vals.begin(); x != vals.end(); ++x)
              src.values[x.key()] =
                  x.value().is_string() ? x.value().get<std::string>() : x.value().dump();
          }
        } else {
          throw fail(at, "expected a column name or {\"column\": ..., \"values\": {...}}");
        }
        m.fields[f.key()] = src;
      }
    } else if (k == "set") {
      if (!v.is_object()) throw fail(k, "expected {\"FIELD\": value}");
      for (auto f = v.begin(); f != v.end(); ++f) {
        FieldSource src;
        src.constant = f.value().is_string() ? f.value().get<std::string>() : f.value().dump();
        m.fields[f.key()] = src;
      }
    } else if (k == "split") {
      if (!v.is_string() || v.get<std::string>().empty())
        throw fail(k, "expected a separator such as \";\"");
      m.split = v.get<std::string>();
    } else if (k == "victims") {
      if (!v.is_object()) throw fail(k, "expected {\"killed\": COLUMN, \"injured\": COLUMN}");
      for (auto x = v.begin(); x != v.end(); ++x) {
        if (!x.value().is_string()) throw fail(k + "." + x.key(), "expected a column name");
        m.victim_counts[x.key()] = x.value().get<std::string>();
      }
    } else if (k == "date_format") {
      m.date_formats = date_formats(v, [&](const std::string& msg) { return fail(k, msg); });
    } else if (k != "comment" && k != "as") {
      throw fail(k,
                 "unknown key; one of layer, crs, geometry, key, where, map, set, date_format, "
                 "split, victims, comment");
    }
  }
  return m;
}

void merge(Mapping& base, const Mapping& over) {
  for (const auto& [k, v] : over.fields) base.fields[k] = v;
  base.where.insert(base.where.end(), over.where.begin(), over.where.end());
  if (!over.layer.empty()) base.layer = over.layer;
  if (!over.crs.empty()) base.crs = over.crs;
  if (!over.geometry.empty()) base.geometry = over.geometry;
  for (const auto& [k, v] : over.victim_counts) base.victim_counts[k] = v;
  if (!over.split.empty()) base.split = over.split;
  if (!over.key.empty()) base.key = over.key;
  // The command line's formats are tried first.
  base.date_formats.insert(base.date_formats.begin(), over.date_formats.begin(),
                           over.date_formats.end());
}

std::map<std::string, std::string> shapefile_names(const core::EntitySpec& spec,
                                                   bool include_personal) {
  std::map<std::string, std::string> out;
  std::set<std::string> used = {"id", "workflow"};
  out["id"] = "id";
  out["workflow"] = "workflow";
  for (const auto& f : spec.fields) {
    if (f.personal && !include_personal) continue;
    std::string name(f.name);
    std::string s = name.substr(0, 10);
    for (int n = 1; used.count(s); ++n) {
      s = name.substr(0, 8) + (n < 10 ? "0" : "") + std::to_string(n);
    }
    used.insert(s);
    out[name] = s;
  }
  return out;
}

ResolvedMapping::ResolvedMapping(const core::EntitySpec& spec, const Mapping& m,
                                 const std::vector<std::string>& columns)
    : m_mapping(m) {
  auto column_index = [&](const std::string& name) {
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i] == name) return static_cast<int>(i);
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (lower(columns[i]) == lower(name)) return static_cast<int>(i);
    return -1;
  };
  std::vector<bool> used(columns.size(), false);
  if (!m_mapping.key.empty()) {
    m_key = column_index(m_mapping.key);
    if (m_key < 0)
      throw core::InputError(
          "--key", "no column \"" + m_mapping.key + "\" in the file; columns: " + join(columns));
    if (!spec.field("external_id"))
      throw core::InputError("--key", std::string(spec.name) + " keep no external id");
    auto mapped = m_mapping.fields.find("external_id");
    if (mapped != m_mapping.fields.end() &&
        (mapped->second.constant || column_index(mapped->second.column) != m_key))
      throw core::InputError("--key",
                             "external_id is mapped from elsewhere already; --key "
                             "fills it from its column");
    FieldSource key_source;
    key_source.column = columns[static_cast<std::size_t>(m_key)];
    m_mapping.fields["external_id"] = key_source;
  }
  for (const auto& [field, src] : m_mapping.fields) {
    const core::FieldSpec* f = spec.field(field);
    if (field != "id" && field != "workflow" && (!f || f->computed))
      throw core::InputError(
          src.constant ? "--set" : "--map",
          "no field \"" + field + "\" in " + std::string(spec.name) + " (see `minemap schema`)");
    Target t;
    t.field = field;
    if (src.constant) {
      t.constant = core::Value(*src.constant);
    } else {
      t.column = column_index(src.column);
      if (t.column < 0)
        throw core::InputError(
            "--map", "no column \"" + src.column + "\" in the file; columns: " + join(columns));
      used[static_cast<std::size_t>(t.column)] = true;
      t.values = src.values.empty() ? nullptr : &src.values;
    }
    t.date_formats = src.date_formats;
    t.split = src.split;
    m_targets.push_back(std::move(t));
  }
  // Fields not mapped explicitly: the column of the same name, or its shapefile name.
  auto short_names = shapefile_names(spec, true);
  for (const auto& [field, short_name] : short_names) {
    if (m_mapping.fields.count(field)) continue;
    const core::FieldSpec* f = spec.field(field);
    if (f && f->computed) continue;
    int c = column_index(field);
    if (c < 0 && short_name != field) c = column_index(short_name);
    if (c < 0 || used[static_cast<std::size_t>(c)]) continue;
    used[static_cast<std::size_t>(c)] = true;
    m_targets.push_back({field, c, nullptr, std::nullopt, {}, {}});
  }
  for (const auto& [column, values] : m_mapping.where) {
    int c = column_index(column);
    if (c < 0)
      throw core::InputError("--where",
                             "no column \"" + column + "\" in the file; columns: " + join(columns));
    m_where.push_back({c, values});
  }
  for (const auto& [outcome, column] : m_mapping.victim_counts) {
    if (spec.kind != core::Entity::Accident)
      throw core::InputError("--victims", "victims are counted for accidents only");
    const core::FieldSpec* f = core::spec(core::Entity::Victim).field("outcome");
    std::vector<std::string> outcomes(f->values.begin(), f->values.end());
    outcomes.push_back(kChildren);
    if (std::find(outcomes.begin(), outcomes.end(), outcome) == outcomes.end())
      throw core::InputError("--victims",
                             "\"" + outcome + "\" is not an outcome; one of " + join(outcomes));
    int c = column_index(column);
    if (c < 0)
      throw core::InputError("--victims",
                             "no column \"" + column + "\" in the file; columns: " + join(columns));
    used[static_cast<std::size_t>(c)] = true;
    m_victims.push_back({outcome, c});
  }
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (!used[i]) m_unused.push_back(columns[i]);
  for (auto& t : m_targets) {
    const core::FieldSpec* f = spec.field(t.field);
    if (f && f->type == core::FieldType::EnumSet) {
      if (t.split.empty()) t.split = m_mapping.split;
    } else if (!t.split.empty()) {
      throw core::InputError("map." + t.field + ".split", "not an enum set");
    }
    if (f && f->type == core::FieldType::Date) {
      t.date_formats.insert(t.date_formats.end(), m_mapping.date_formats.begin(),
                            m_mapping.date_formats.end());
      for (const auto& fmt : t.date_formats) core::check_date_format(fmt, "--date-format");
    } else if (!t.date_formats.empty()) {
      throw core::InputError("map." + t.field + ".date_format", "not a date field");
    }
  }
}

namespace {

// A date in one of `formats` as ISO 8601 (a date-time when the format has a time);
// ISO dates and date-times pass as they are.
core::Value read_date(const core::Value& v, const std::vector<std::string>& formats,
                      const std::string& field) {
  const auto* s = std::get_if<std::string>(&v);
  if (!s || formats.empty() || core::parse_iso_datetime(*s)) return v;
  for (const auto& fmt : formats)
    if (auto dt = core::parse_date_format(*s, fmt, field))
      return dt->time.empty() ? dt->date.to_string() : dt->date.to_string() + "T" + dt->time;
  std::string tried;
  for (const auto& fmt : formats) tried += (tried.empty() ? "" : ", ") + fmt;
  throw core::InputError(field, "\"" + *s + "\" matches none of the date formats " + tried);
}

}  // namespace

bool ResolvedMapping::keep(const std::vector<core::Value>& row) const {
  for (const auto& [c, values] : m_where) {
    std::string v = core::value_to_text(row[static_cast<std::size_t>(c)]);
    if (std::find(values.begin(), values.end(), v) == values.end()) return false;
  }
  return true;
}

std::string ResolvedMapping::key(const std::vector<core::Value>& row) const {
  if (m_key < 0) return {};
  return core::value_to_text(row[static_cast<std::size_t>(m_key)]);
}

std::vector<std::string> ResolvedMapping::fields() const {
  std::vector<std::string> out;
  for (const auto& t : m_targets)
    if (t.field != "id" && t.field != "workflow") out.push_back(t.field);
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> ResolvedMapping::victims(
    const std::vector<core::Value>& row) const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& [outcome, c] : m_victims) {
    const core::Value& v = row[static_cast<std::size_t>(c)];
    std::optional<double> n;
    if (std::holds_alternative<std::monostate>(v)) n = 0;
    if (auto* i = std::get_if<std::int64_t>(&v)) n = static_cast<double>(*i);
    if (auto* d = std::get_if<double>(&v)) n = *d;
    if (auto* s = std::get_if<std::string>(&v)) {
      char* end = nullptr;
      const double x = std::strtod(s->c_str(), &end);
      if (s->empty())
        n = 0;
      else if (end == s->c_str() + s->size())
        n = x;
    }
    if (!n || !(*n >= 0 && *n <= static_cast<double>(kMaxVictims)) || *n != std::floor(*n))
      throw core::InputError("victims." + outcome, "\"" + core::value_to_text(v) +
                                                       "\" is not a count of victims (0 to " +
                                                       std::to_string(kMaxVictims) + ")");
    out.push_back({outcome, static_cast<std::int64_t>(*n)});
  }
  // Children are counted among the victims, not beside them.
  std::int64_t total = 0, children = 0;
  for (const auto& [outcome, n] : out) (outcome == kChildren ? children : total) += n;
  if (children > total)
    throw core::InputError("victims." + std::string(kChildren),
                           std::to_string(children) + " children among " + std::to_string(total) +
                               " victims counted: children are counted among the killed and "
                               "injured");
  return out;
}

core::Record ResolvedMapping::record(const std::vector<core::Value>& row) const {
  core::Record r;
  r.workflow.clear();  // validation applies the default
  for (const auto& t : m_targets) {
    core::Value v = t.constant ? *t.constant : row[static_cast<std::size_t>(t.column)];
    if (const auto* list = std::get_if<std::string>(&v); list && !t.split.empty()) {
      // "AP; AT" -> "AP_MINE,AT_MINE": each part translated on its own.
      std::string out;
      std::size_t at = 0;
      while (at <= list->size()) {
        std::size_t end = list->find(t.split, at);
        if (end == std::string::npos) end = list->size();
        std::string part = list->substr(at, end - at);
        part.erase(0, part.find_first_not_of(" \t"));
        part.erase(part.find_last_not_of(" \t") + 1);
        if (t.values)
          if (auto it = t.values->find(part); it != t.values->end()) part = it->second;
        if (!part.empty()) out += (out.empty() ? "" : ",") + part;
        at = end + t.split.size();
      }
      v = out;
    } else if (t.values && !std::holds_alternative<std::monostate>(v)) {
      auto it = t.values->find(core::value_to_text(v));
      if (it != t.values->end()) v = it->second;
    }
    if (t.field == "id") {
      r.id = core::value_to_text(v);
    } else if (t.field == "workflow") {
      r.workflow = core::value_to_text(v);
    } else if (!std::holds_alternative<std::monostate>(v)) {
      if (auto* s = std::get_if<std::string>(&v); s && s->empty()) continue;  // empty cell
      r.fields[t.field] = read_date(v, t.date_formats, t.field);
    }
  }
  return r;
}

}  // namespace minemap::io
