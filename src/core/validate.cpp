// Validation rules: types, enums, ranges, dates (not in the future), required
// fields, and the few rules that relate two fields.
#include "core/validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace minemap::core {
namespace {

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

std::string join(const std::vector<std::string_view>& v) {
  std::string out;
  for (auto s : v) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::optional<double> parse_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

const char* type_name(const Value& v) {
  switch (v.index()) {
    case 0: return "null";
    case 1: return "text";
    case 2: return "an integer";
    case 3: return "a number";
    default: return "a boolean";
  }
}

// The number an Integer or a Real field is given: an integer, a number, or text that
// reads as one (`what`: "an integer" or "a number", for the messages).
double to_number(const std::string& name, const Value& v, const char* what) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto* x = std::get_if<double>(&v)) return *x;
  if (auto* s = std::get_if<std::string>(&v)) {
    auto p = parse_number(trim(*s));
    if (!p) throw InputError(name, quoted(*s) + " is not " + what);
    return *p;
  }
  throw InputError(name, std::string("expected ") + what + ", got " + type_name(v));
}

Value check_range(const FieldSpec& f, double d, Value out) {
  if (d < f.min || d > f.max) {
    std::ostringstream m;
    m << d << " is out of range [" << f.min << ", " << f.max << "]";
    throw InputError(std::string(f.name), m.str());
  }
  return out;
}

}  // namespace

Value validate_value(const FieldSpec& f, const Value& v, const Date& today) {
  const std::string name(f.name);
  if (std::holds_alternative<std::monostate>(v)) return v;
  if (auto* s = std::get_if<std::string>(&v)) {
    if (!valid_utf8(*s))
      throw InputError(name,
                       "text that is not UTF-8 (give the file's encoding, e.g. a .cpg "
                       "beside a shapefile)");
    // A NUL cuts the text short in C tools (sqlite3, GDAL's drivers); other control
    // characters are never data. Tabs and line breaks are.
    for (std::size_t i = 0; i < s->size(); ++i) {
      const auto c = static_cast<unsigned char>((*s)[i]);
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
        char code[8];
        std::snprintf(code, sizeof code, "U+%04X", c);
        throw InputError(name, std::string("a control character (") + code + ") at byte " +
                                   std::to_string(i) + " of the text");
      }
    }
  }
  switch (f.type) {
    case FieldType::Text: {
      if (auto* s = std::get_if<std::string>(&v)) return *s;
      return value_to_text(v);
    }
    case FieldType::Integer: {
      double d = to_number(name, v, "an integer");
      if (d != std::floor(d) || std::abs(d) > 9e15) {
        std::ostringstream m;
        m << d << " is not an integer";
        throw InputError(name, m.str());
      }
      return check_range(f, d, static_cast<std::int64_t>(d));
    }
    case FieldType::Real: {
      double d = to_number(name, v, "a number");
      if (!std::isfinite(d)) throw InputError(name, "not a finite number");
      return check_range(f, d, d);
    }
    case FieldType::Boolean: {
      if (auto* b = std::get_if<bool>(&v)) return *b;
      if (auto* i = std::get_if<std::int64_t>(&v); i && (*i == 0 || *i == 1)) return *i == 1;
      if (auto* s = std::get_if<std::string>(&v)) {
        std::string t = trim(*s);
        std::transform(t.begin(), t.end(), t.begin(), ::tolower);
        if (t == "true" || t == "yes" || t == "1" || t == "y") return true;
        if (t == "false" || t == "no" || t == "0" || t == "n") return false;
        throw InputError(name, quoted(*s) + " is not a boolean (true/false)");
      }
      throw InputError(name, std::string("expected a boolean, got ") + type_name(v));
    }
    case FieldType::Date: {
      std::string s;
      if (auto* str = std::get_if<std::string>(&v)) {
        s = trim(*str);
      } else if (auto* i = std::get_if<std::int64_t>(&v)) {
        s = std::to_string(*i);  // a bare year from a spreadsheet
      } else {
        throw InputError(name, std::string("expected an ISO date, got ") + type_name(v));
      }
      // A date-time (an export's DateTime field) gives its date; validate() keeps the
      // time where the entity has a field for it.
      auto dt = parse_iso_datetime(s);
      if (!dt) {
        const std::string hint = date_hint(s);
        throw InputError(name, quoted(s) +
                                   " is not an ISO date (YYYY, YYYY-MM, YYYY-MM-DD or a "
                                   "date-time)" +
                                   (hint.empty() ? "" : ": " + hint));
      }
      const Date d = dt->date;
      if (d.first_day() > today)
        throw InputError(name,
                         quoted(s) + " is in the future (today is " + today.to_string() + ")");
      return d.to_string();
    }
    case FieldType::Enum: {
      auto* s = std::get_if<std::string>(&v);
      if (!s) throw InputError(name, std::string("expected one of ") + join(f.values));
      std::string t = trim(*s);
      if (std::find(f.values.begin(), f.values.end(), t) == f.values.end())
        throw InputError(name, quoted(*s) + " is not one of " + join(f.values));
      return t;
    }
    case FieldType::EnumSet: {
      auto* s = std::get_if<std::string>(&v);
      if (!s) throw InputError(name, "expected a comma-separated list of " + join(f.values));
      std::vector<std::string> items;
      std::stringstream in(*s);
      std::string item;
      while (std::getline(in, item, ',')) {
        item = trim(item);
        if (item.empty()) continue;
        if (std::find(f.values.begin(), f.values.end(), item) == f.values.end())
          throw InputError(name, quoted(item) + " is not one of " + join(f.values));
        items.push_back(item);
      }
      std::sort(items.begin(), items.end());
      items.erase(std::unique(items.begin(), items.end()), items.end());
      std::string out;
      for (auto& i : items) out += (out.empty() ? "" : ",") + i;
      return out;
    }
    case FieldType::Ref: {
      std::string s = value_to_text(v);
      s = trim(s);
      if (s.empty()) throw InputError(name, "empty reference");
      return s;
    }
  }
  return v;
}

Record validate(const EntitySpec& spec, Record in, const Date& today) {
  Record out;
  out.id = trim(in.id);
  if (!out.id.empty()) {
    // An id is a path segment of the HTTP API (/api/hazards/HZ-000001): no "/".
    if (out.id.size() > kMaxIdLength)
      throw InputError("id", "longer than " + std::to_string(kMaxIdLength) + " characters");
    for (char c : out.id)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
        throw InputError("id", quoted(in.id) + " may hold only letters, digits and - _ .");
  }
  out.workflow = in.workflow.empty() ? "approved" : in.workflow;
  if (std::find(kWorkflowStates.begin(), kWorkflowStates.end(), out.workflow) ==
      kWorkflowStates.end())
    throw InputError(std::string(kWorkflowField),
                     quoted(out.workflow) + " is not one of " + join(kWorkflowStates));

  // A date-time in `date` gives the time too where the entity keeps one (an accident's
  // `time`), unless given apart or midnight exactly (what a DateTime field holds for a
  // date alone).
  if (const FieldSpec* tf = spec.field("time"); tf && !tf->computed && !in.has("time")) {
    if (auto d = in.text("date")) {
      const std::string text = trim(*d);
      auto dt = parse_iso_datetime(text);
      const bool midnight =
          dt && dt->time == "00:00" && (text.size() < 19 || text.compare(16, 3, ":00") == 0);
      if (dt && !dt->time.empty() && !midnight) in.fields["time"] = dt->time;
    }
  }
  for (auto& [key, value] : in.fields) {
    const FieldSpec* f = spec.field(key);
    if (!f) {
      std::string known;
      for (const auto& fs : spec.fields)
        if (!fs.computed) known += (known.empty() ? "" : ", ") + std::string(fs.name);
      throw InputError(key, "unknown field for " + std::string(spec.name) + "; known: " + known);
    }
    if (f->computed) continue;
    Value v = validate_value(*f, value, today);
    if (!std::holds_alternative<std::monostate>(v)) out.fields[key] = std::move(v);
  }
  for (const auto& f : spec.fields) {
    if (f.computed || out.has(f.name)) continue;
    if (!f.default_value.empty()) {
      out.fields[std::string(f.name)] = validate_value(f, std::string(f.default_value), today);
    } else if (f.required) {
      throw InputError(std::string(f.name), "required field missing");
    }
  }

  // Geometry: presence and type; validity is checked by geo.
  out.geometry = std::move(in.geometry);
  Geometry& g = out.geometry;
  if (!spec.spatial()) {
    if (g.type != GeomType::None)
      throw InputError("geometry", std::string(spec.name) + " have no geometry");
  } else if (g.type == GeomType::None || g.empty()) {
    if (spec.geometry_required) throw InputError("geometry", "required, and missing or empty");
    g = Geometry{};
  } else {
    GeomType want = spec.geometry;
    if (g.type == GeomType::Polygon && want == GeomType::MultiPolygon) g.type = want;
    if (g.type == GeomType::LineString && want == GeomType::MultiLineString) g.type = want;
    if (g.type == GeomType::MultiPolygon && want == GeomType::Polygon && g.polygons.size() == 1)
      g.type = want;
    if (g.type != want) {
      throw InputError("geometry", std::string("a ") + to_string(g.type) + " where " +
                                       std::string(spec.name) + " need a " + to_string(want));
    }
  }

  // Rules between fields.
  if (spec.kind == Entity::Activity) {
    auto s = out.text("start"), e = out.text("end");
    if (s && e && Date::parse(*e, "end").first_day() < Date::parse(*s, "start").first_day())
      throw InputError("end", quoted(*e) + " is before start " + quoted(*s));
  }
  if (spec.kind == Entity::Accident) {
    if (auto t = out.text("time")) {
      // HH:MM, or HH:MM:SS as formats with a time type give it back (":00" dropped).
      auto two = [&](std::size_t at, int below) {
        return at + 2 <= t->size() && std::isdigit((*t)[at]) && std::isdigit((*t)[at + 1]) &&
               std::stoi(t->substr(at, 2)) < below;
      };
      bool ok = (t->size() == 5 || (t->size() == 8 && (*t)[5] == ':' && two(6, 60))) &&
                (*t)[2] == ':' && two(0, 24) && two(3, 60);
      if (!ok) throw InputError("time", quoted(*t) + " is not a time HH:MM");
      if (t->size() == 8 && t->substr(5) == ":00") out.fields["time"] = t->substr(0, 5);
    }
  }
  if (auto y = out.integer("year_made"); y && *y > today.year)
    throw InputError("year_made", std::to_string(*y) + " is in the future");
  return out;
}

}  // namespace minemap::core
