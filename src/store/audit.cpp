// BLAKE2b hashing of audit entries (store/crypto) and the JSON of the records they
// hold.
#include "store/audit.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <variant>

#include "geo/geojson.hpp"
#include "store/crypto.hpp"

namespace minemap::store {
namespace {

void feed(crypto::Blake2b& h, const std::string& s) {
  // Length prefix so that ("ab","c") and ("a","bc") hash differently.
  unsigned long long n = s.size();
  std::array<char, 8> len{};
  for (int i = 0; i < 8; ++i)
    len[static_cast<std::size_t>(i)] = static_cast<char>(static_cast<unsigned char>(n >> (8 * i)));
  h.update({len.data(), len.size()});
  h.update(s);
}

// ---- audit_json: what nlohmann's dump() writes, without building a json tree ----

// Appends `s` as a JSON string the way nlohmann's dump() escapes it (UTF-8 kept as it
// is, control characters as \uXXXX in lower case). False when `s` is not UTF-8.
bool put_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    std::size_t run = i;  // bytes that go out as they are, appended at once
    while (run < s.size() && s[run] >= 0x20 && s[run] != '"' && s[run] != '\\') ++run;
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // RFC 3629, as nlohmann's decoder: no overlong forms, surrogates or > U+10FFFF.
      int n = 0;
      if (c >= 0xC2 && c <= 0xDF)
        n = 1;
      else if (c >= 0xE0 && c <= 0xEF)
        n = 2;
      else if (c >= 0xF0 && c <= 0xF4)
        n = 3;
      else
        return false;
      if (i + static_cast<std::size_t>(n) >= s.size()) return false;
      std::uint32_t cp = c & (0x3Fu >> n);
      for (int k = 1; k <= n; ++k) {
        const auto d = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((d & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (d & 0x3Fu);
      }
      if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
          (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
        return false;
      out.append(s.data() + i, static_cast<std::size_t>(n) + 1);
      i += static_cast<std::size_t>(n) + 1;
      continue;
    }
    switch (c) {
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c <= 0x1F) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return true;
}

// nlohmann's own double formatting (Grisu2, "1.0", "1e+20"); null when not finite.
void put_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  std::array<char, 64> buf{};
  char* end = nlohmann::detail::to_chars(buf.data(), buf.data() + buf.size(), d);
  out.append(buf.data(), end);
}

void put_value(std::string& out, const core::Value& v, bool& ok) {
  if (std::holds_alternative<std::monostate>(v)) {
    out += "null";
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    ok = put_string(out, *s) && ok;
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    std::array<char, 24> buf{};
    out.append(buf.data(), std::to_chars(buf.data(), buf.data() + buf.size(), *i).ptr);
  } else if (const auto* d = std::get_if<double>(&v)) {
    put_double(out, *d);
  } else {
    out += std::get<bool>(v) ? "true" : "false";
  }
}

void put_position(std::string& out, const core::Coord& c) {
  out += '[';
  put_double(out, c.x);
  out += ',';
  put_double(out, c.y);
  out += ']';
}

void put_positions(std::string& out, const core::LineString& l) {
  out += '[';
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i) out += ',';
    put_position(out, l[i]);
  }
  out += ']';
}

void put_rings(std::string& out, const core::Polygon& p) {
  out += '[';
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i) out += ',';
    put_positions(out, p[i]);
  }
  out += ']';
}

// As geo::geometry_to_geojson: null, or {"coordinates": ..., "type": ...}.
void put_geometry(std::string& out, const core::Geometry& g) {
  using core::GeomType;
  if (g.type == GeomType::None) {
    out += "null";
    return;
  }
  out += "{\"coordinates\":";
  switch (g.type) {
    case GeomType::Point:
      if (g.points.empty())
        out += "[]";
      else
        put_position(out, g.points[0]);
      break;
    case GeomType::LineString:
      if (g.lines.empty())
        out += "[]";
      else
        put_positions(out, g.lines[0]);
      break;
    case GeomType::Polygon:
      if (g.polygons.empty())
        out += "[]";
      else
        put_rings(out, g.polygons[0]);
      break;
    case GeomType::MultiPoint: put_positions(out, g.points); break;
    case GeomType::MultiLineString: put_rings(out, g.lines); break;
    case GeomType::MultiPolygon:
      out += '[';
      for (std::size_t i = 0; i < g.polygons.size(); ++i) {
        if (i) out += ',';
        put_rings(out, g.polygons[i]);
      }
      out += ']';
      break;
    case GeomType::None: break;
  }
  out += ",\"type\":\"";
  out += core::to_string(g.type);
  out += "\"}";
}

}  // namespace

std::string audit_json(const core::EntitySpec& spec, const core::Record& r) {
  // The members besides the fields, in the order of nlohmann's object (sorted keys).
  const bool geometry = spec.spatial() || r.geometry.type != core::GeomType::None;
  const std::string_view kGeometry = "geometry", kId = "id", kWorkflow = "workflow";
  if (r.fields.count(kGeometry) || r.fields.count(kId) || r.fields.count(kWorkflow))
    return geo::record_to_json(spec, r).dump();  // a field would replace a member

  std::string out;
  out.reserve(128 + 32 * r.fields.size());
  bool ok = true, first = true;
  const auto key = [&](std::string_view k) {
    if (!first) out += ',';
    first = false;
    ok = put_string(out, k) && ok;
    out += ':';
  };
  const auto member = [&](std::string_view k) {
    key(k);
    if (k == kGeometry)
      put_geometry(out, r.geometry);
    else
      ok = put_string(out, k == kId ? r.id : r.workflow) && ok;
  };
  std::array<std::string_view, 3> members{kGeometry, kId, kWorkflow};
  auto next = members.begin() + (geometry ? 0 : 1);
  out += '{';
  for (const auto& [name, v] : r.fields) {
    for (; next != members.end() && *next < name; ++next) member(*next);
    key(name);
    put_value(out, v, ok);
  }
  for (; next != members.end(); ++next) member(*next);
  out += '}';
  if (!ok) return geo::record_to_json(spec, r).dump();  // throws nlohmann's UTF-8 error
  return out;
}

std::string audit_hash(const AuditEntry& e) {
  crypto::Blake2b h;
  for (const std::string* s : {&e.prev_hash, &e.ts, &e.actor, &e.entity, &e.entity_id, &e.action,
                               &e.reason, &e.before, &e.after})
    feed(h, *s);
  feed(h, std::to_string(e.seq));
  return h.hex();
}

std::string user_audit_json(const User& u) {
  return nlohmann::json{{"name", u.name},
                        {"role", u.role},
                        {"disabled", u.disabled},
                        {"created", u.created},
                        {"password_blake2b", crypto::blake2b_hex(u.password_hash)}}
      .dump();
}

std::string status_audit_json(std::int64_t row, const std::string& hazard_id,
                              const StatusChange& c) {
  return nlohmann::json{{"row", row},
                        {"hazard_id", hazard_id},
                        {"date", c.date},
                        {"status", c.status},
                        {"reason", c.reason}}
      .dump();
}

std::string setting_audit_json(const std::string& key, const std::string& value) {
  return nlohmann::json{{"key", key}, {"value", value}}.dump();
}

std::optional<std::string> ChainChecker::feed(const AuditEntry& e) {
  ++m_entries;
  const std::string at = "audit entry " + std::to_string(e.seq);
  std::optional<std::string> problem;
  if (e.seq != m_seq + 1)
    problem = at + ": expected entry " + std::to_string(m_seq + 1) + " here (" +
              (e.seq > m_seq + 1 ? "entries " + std::to_string(m_seq + 1) + " to " +
                                       std::to_string(e.seq - 1) + " are missing)"
                                 : "out of order)");
  else if (e.prev_hash != m_prev)
    problem = at + ": does not link to the entry before it";
  else if (audit_hash(e) != e.hash)
    problem = at + ": hash does not match its content";
  m_prev = e.hash;
  m_seq = e.seq;
  return problem;
}

std::optional<std::string> verify_audit_chain(const std::vector<AuditEntry>& entries) {
  ChainChecker chain;
  for (const auto& e : entries)
    if (auto problem = chain.feed(e)) return problem;
  return std::nullopt;
}

}  // namespace minemap::store
