#include "core/filter.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/date.hpp"
#include "core/errors.hpp"

namespace minemap::core {

namespace {

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string listed(const std::vector<std::string_view>& values) {
  std::string out;
  for (auto v : values) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

}  // namespace

std::string temporal_field(const EntitySpec& spec) {
  for (const char* name : {"found", "date", "reported", "laid", "start"})
    if (const auto* f = spec.field(name); f && f->type == FieldType::Date) return name;
  // A victim's birth date is not when the victim is "of".
  for (const auto& f : spec.fields)
    if (f.type == FieldType::Date && !f.personal) return std::string(f.name);
  return "";
}

std::vector<std::string> filter_values(const FieldSpec& f, const std::vector<std::string>& values,
                                       const std::string& param) {
  const std::string field(f.name);
  auto bad = [&](const std::string& v, const std::string& why) {
    return InputError(param, (param == field ? "" : field + ": ") + "\"" + v + "\" " + why);
  };
  if (values.empty())
    throw InputError(param, (param == field ? "" : field + ": ") + "no value to match");
  std::vector<std::string> out;
  for (const auto& v : values) {
    switch (f.type) {
      case FieldType::Enum:
      case FieldType::EnumSet: {
        const std::string_view* hit = nullptr;
        for (const auto& e : f.values)
          if (same_ignoring_case(e, v)) hit = &e;
        if (!hit) throw bad(v, "is not one of " + listed(f.values));
        out.emplace_back(*hit);
        break;
      }
      case FieldType::Boolean: {
        std::string t;
        for (char c : v) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (t == "true" || t == "1" || t == "yes")
          out.emplace_back("true");
        else if (t == "false" || t == "0" || t == "no")
          out.emplace_back("false");
        else
          throw bad(v, "is not a boolean (true or false)");
        break;
      }
      case FieldType::Integer: {
        std::int64_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc() || p != v.data() + v.size())
          throw bad(v, "is not a whole number");
        out.push_back(std::to_string(n));
        break;
      }
      case FieldType::Real: {
        double d = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
        if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !std::isfinite(d))
          throw bad(v, "is not a number");
        out.push_back(v);
        break;
      }
      case FieldType::Date: {
        auto d = Date::try_parse(v);
        if (!d) throw bad(v, "is not a date (YYYY, YYYY-MM or YYYY-MM-DD)");
        out.push_back(d->to_string());
        break;
      }
      case FieldType::Text:
      case FieldType::Ref: out.push_back(v); break;
    }
  }
  return out;
}

}  // namespace minemap::core
