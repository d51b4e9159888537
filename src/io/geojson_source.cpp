// The streaming GeoJSON reader; see geojson_source.hpp. One hand-written JSON scanner
// serves both passes: the first (on the caller's thread) only checks and classifies,
// the second (the import's reader thread) also builds the values.
//
// What GDAL 3.6's GeoJSON driver does, and this reader copies (checked feature by
// feature against GDAL in tests/unit/io/test_geojson_source.cpp and by the fuzz target):
// - columns: every property name (and "id" for a feature-level string id), ordered by a
//   topological sort of "comes after" in each feature, ties broken by name;
// - types: integers -> int64 (clamped past 64 bits: refused here), reals -> double
//   (integers in a column with reals too), booleans -> bool, texts -> text; a column
//   whose texts all read as dates is a date column, whose values are the same text
//   when the dates are spelt YYYY-MM-DD (other spellings are refused);
// - geometry: Z dropped; "coordinates": [] is no geometry; rings kept as written.
#include "io/geojson_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "core/errors.hpp"

namespace minemap::io {
namespace {

using core::Coord;
using core::GeomType;

// The first pass found something this reader is not sure to read exactly as GDAL does.
struct Unsure {
  std::string why;
};
// The scanner reached the end of the bytes read so far, before the end of the file.
struct NeedMore {};

constexpr std::size_t kChunk = std::size_t{4} << 20;
// GDAL refuses features above a memory estimate (200 MB by default) that a feature of
// this many bytes cannot reach; larger ones go to GDAL, which decides.
constexpr std::size_t kMaxFeatureBytes = std::size_t{8} << 20;
// How much of the start of a file GDAL's drivers may look at to recognise a format.
constexpr std::size_t kHeadBytes = std::size_t{1} << 20;

// The bytes of a file, read in chunks into one buffer, or bytes given in memory. The
// byte after the last one read is always '\0', where every scanning loop stops without
// a bounds check (a '\0' before the end is not valid JSON anywhere).
class Input {
 public:
  Input(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) { m_buf.assign(1, '\0'); }
  explicit Input(const std::string& bytes) : m_len(bytes.size()), m_eof(true) {
    m_buf.assign(bytes.begin(), bytes.end());
    m_buf.push_back('\0');
  }
  ~Input() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  const char* begin() const { return m_buf.data(); }
  const char* end() const { return m_buf.data() + m_len; }
  bool eof() const { return m_eof; }

  // Drops the bytes before `keep`, reads more after the others and moves `keep` to
  // where its byte now is. At least as many bytes as are kept are read, so that a long
  // feature costs O(its length) rescans in all.
  void refill(const char*& keep) {
    const std::size_t off = static_cast<std::size_t>(keep - m_buf.data());
    std::memmove(m_buf.data(), m_buf.data() + off, m_len - off);
    m_len -= off;
    keep = m_buf.data();
    if (m_eof) return;
    const std::size_t want = std::max(kChunk, m_len);
    if (m_buf.size() < m_len + want + 1) m_buf.resize(m_len + want + 1);
    keep = m_buf.data();
    std::size_t got = 0;
    while (got < want) {
      const ssize_t n = ::read(m_fd, m_buf.data() + m_len, want - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        throw core::InputError(m_path, std::string("cannot read: ") + std::strerror(errno));
      if (n == 0) {
        m_eof = true;
        break;
      }
      m_len += static_cast<std::size_t>(n);
      got += static_cast<std::size_t>(n);
    }
    m_buf[m_len] = '\0';
  }

  // Back to the first byte, for the second pass.
  void rewind() {
    if (m_fd < 0) return;  // in memory: everything is there
    if (::lseek(m_fd, 0, SEEK_SET) != 0)
      throw core::InputError(m_path, std::string("cannot read: ") + std::strerror(errno));
    m_len = 0;
    m_eof = false;
    m_buf[0] = '\0';
  }

 private:
  std::vector<char> m_buf;
  std::size_t m_len = 0;
  int m_fd = -1;
  bool m_eof = false;
  std::string m_path;
};

// Value kinds seen in a column (bits), and the column types they make.
enum Kind : unsigned { kNull = 1, kInt = 2, kReal = 4, kBool = 8, kText = 16 };
enum class ColumnType { Null, Int, Real, Bool, Text };

struct Number {
  const char* text = nullptr;
  std::size_t size = 0;
  bool real = false;
};

// The number tokens of one position, to check that a ring is closed: the same text
// means the same point (different spellings of one point go to GDAL).
struct PositionText {
  std::string_view ordinates[3];
  int n = 0;
  bool operator==(const PositionText& o) const {
    if (n != o.n) return false;
    for (int i = 0; i < n; ++i)
      if (ordinates[i] != o.ordinates[i]) return false;
    return true;
  }
};

// Bytes that stand for themselves in a JSON string: printable ASCII but '"' and '\\'.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Whether GDAL (OGRParseDate) surely fails to read `s` as a date, time or date-time:
// then a column of such texts is a text column. Follows OGRParseDate's first tests.
bool surely_not_a_date(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  const std::string_view t = s.substr(i);
  const bool date_part = t.find_first_of("-/") != std::string_view::npos;
  if (date_part) return !(t.empty() || t[0] == '-' || t[0] == '+' || is_digit(t[0]));
  std::size_t j = 0;
  const bool has_t = !t.empty() && t[0] == 'T';
  if (has_t) ++j;
  if (!has_t && t.find(':') == std::string_view::npos) return true;  // neither date nor time
  return !(j < t.size() && is_digit(t[j]));
}

// YYYY-MM-DD: as a date GDAL gives back the same text, as a text too.
bool plain_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(s[i])) return false;
  return true;
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// GDAL orders the columns of a GeoJSON layer by a topological sort of the graph whose
// edges go from each property to the next one in a feature (an edge that would close a
// cycle is dropped), taking among the columns free to come next the one whose name
// sorts first (Kahn's algorithm). The same here.
class ColumnOrder {
 public:
  void add_node() {
    m_out.emplace_back();
    m_in.emplace_back();
  }
  void add_edge(int i, int j) {
    if (i == j || m_out[idx(i)].count(j) || path(j, i)) return;
    m_out[idx(i)].insert(j);
    m_in[idx(j)].insert(i);
  }
  std::vector<int> order(const std::vector<std::string>& names) {
    const auto by_name = [&](int a, int b) { return names[idx(a)] < names[idx(b)]; };
    std::set<int, decltype(by_name)> ready(by_name);
    for (std::size_t i = 0; i < m_in.size(); ++i)
      if (m_in[i].empty()) ready.insert(static_cast<int>(i));
    std::vector<int> out;
    while (!ready.empty()) {
      const int n = *ready.begin();
      ready.erase(ready.begin());
      out.push_back(n);
      for (int m : m_out[idx(n)]) {
        m_in[idx(m)].erase(n);
        if (m_in[idx(m)].empty()) ready.insert(m);
      }
      m_out[idx(n)].clear();
    }
    return out;
  }

 private:
  static std::size_t idx(int i) { return static_cast<std::size_t>(i); }
  bool path(int from, int to) const {
    std::vector<char> seen(m_out.size(), 0);
    std::vector<int> stack{from};
    seen[idx(from)] = 1;
    while (!stack.empty()) {
      const int n = stack.back();
      stack.pop_back();
      if (n == to) return true;
      for (int k : m_out[idx(n)])
        if (!seen[idx(k)]) {
          seen[idx(k)] = 1;
          stack.push_back(k);
        }
    }
    return false;
  }
  std::vector<std::set<int>> m_out, m_in;
};

}  // namespace

struct GeoJsonSource::Impl {
  Impl(std::unique_ptr<Input> in, std::string path_)
      : input(std::move(in)), path(std::move(path_)) {}

  std::unique_ptr<Input> input;
  std::string path;
  bool first_pass = true;

  // Found by the first pass.
  std::vector<std::string> names;  // per field, in order of first appearance
  std::unordered_map<std::string, int> field_of;
  std::vector<unsigned> kinds;  // per field
  std::vector<ColumnType> types;
  std::vector<std::size_t> column_of;  // per field
  std::vector<std::string> columns;
  std::int64_t count = 0;
  std::string layer;
  bool feature_ids = false, property_id = false;
  bool bare_features = false;  // some have no properties (or null)

  // Scanning state.
  const char* p = nullptr;
  const char* e = nullptr;
  std::int64_t index = 0;  // of the feature being read
  bool in_features = false, done = false;
  unsigned attempt = 0;
  std::vector<unsigned> stamp;  // per field: the attempt that last saw it (duplicate keys)
  std::vector<int> sequence, previous_sequence;  // the fields of the properties, in order
  int id_field = -1;                             // of this feature's id, or -1
  unsigned root_seen = 0;                        // members of the root object read
  ColumnOrder order;
  std::string key_scratch, value_scratch, member_scratch;

  // ---- errors and input ----

  [[noreturn]] void bad(const std::string& why) const {
    if (first_pass) throw Unsure{why};
    if (in_features) throw core::InputError(path, "feature " + std::to_string(index) + ": " + why);
    throw core::InputError(path, why);
  }
  // At a '\0': the end of what was read (more to read, or the true end), or a bad byte.
  [[noreturn]] void at_nul() const {
    if (p < e) bad("a NUL byte");
    if (!input->eof()) throw NeedMore{};
    bad("unexpected end of file");
  }
  [[noreturn]] void unexpected() const {
    if (*p == '\0') at_nul();
    bad(std::string("unexpected character '") + *p + "'");
  }
  void refill() {
    if (static_cast<std::size_t>(e - p) > kMaxFeatureBytes)
      bad("a feature of more than " + std::to_string(kMaxFeatureBytes >> 20) + " MB");
    input->refill(p);
    e = input->end();
  }
  // Runs `f` from the cursor; when it needs bytes not read yet, reads them and runs it
  // again from the same byte. `f` must not have effects that a rerun would repeat.
  template <typename F>
  auto restartable(F f) {
    for (;;) {
      const char* start = p;
      try {
        auto r = f();
        if (static_cast<std::size_t>(p - start) > kMaxFeatureBytes)
          bad("a feature of more than " + std::to_string(kMaxFeatureBytes >> 20) + " MB");
        return r;
      } catch (const NeedMore&) {
        p = start;
        refill();
      }
    }
  }

  // ---- JSON tokens ----

  char peek() {
    for (;;) {
      const char c = *p;
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        ++p;
        continue;
      }
      if (c == '\0') at_nul();
      return c;
    }
  }
  void expect(char c) {
    if (peek() != c) unexpected();
    ++p;
  }
  // After a member or an element: true at ',', false at `close`.
  bool more(char close) {
    const char c = peek();
    ++p;
    if (c == ',') return true;
    if (c == close) return false;
    --p;
    unexpected();
  }
  void literal(const char* word) {
    for (const char* w = word; *w; ++w, ++p)
      if (*p != *w) unexpected();
  }

  void utf8() {
    const auto c = static_cast<unsigned char>(*p);
    int n = 0;
    if (c >= 0xC2 && c <= 0xDF)
      n = 1;
    else if (c >= 0xE0 && c <= 0xEF)
      n = 2;
    else if (c >= 0xF0 && c <= 0xF4)
      n = 3;
    else
      bad("text that is not UTF-8");
    std::uint32_t cp = c & (0x3Fu >> n);
    for (int i = 1; i <= n; ++i) {
      const auto d = static_cast<unsigned char>(p[i]);
      if (d == 0) {
        p += i;
        at_nul();
      }
      if ((d & 0xC0) != 0x80) bad("text that is not UTF-8");
      cp = (cp << 6) | (d & 0x3Fu);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      bad("text that is not UTF-8");
    p += n + 1;
  }
  unsigned hex4() {
    unsigned v = 0;
    for (int i = 0; i < 4; ++i, ++p) {
      const char c = *p;
      v <<= 4;
      if (is_digit(c))
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        unexpected();
    }
    return v;
  }
  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  void escape(std::string& out) {
    ++p;  // the backslash
    const char c = *p++;
    switch (c) {
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case '/': out += '/'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': break;
      default: --p; unexpected();
    }
    std::uint32_t cp = hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) bad("a lone UTF-16 surrogate in a text");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (*p != '\\') unexpected();
      ++p;
      if (*p != 'u') unexpected();
      ++p;
      const std::uint32_t low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) bad("a lone UTF-16 surrogate in a text");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp == 0) bad("\\u0000 in a text");  // GDAL's texts end there
    append_utf8(out, cp);
  }
  // The text of the string at the cursor: a view of the input when it has no escapes,
  // else of `scratch`. Valid until the input is refilled.
  std::string_view string(std::string& scratch) {
    if (peek() != '"') unexpected();
    const char* s = ++p;
    for (;;) {
      while (kPlain[static_cast<unsigned char>(*p)]) ++p;
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"') {
        const std::string_view v(s, static_cast<std::size_t>(p - s));
        ++p;
        return v;
      }
      if (c == '\\') break;
      if (c < 0x20) c == 0 ? at_nul() : bad("a control character in a text");
      if (c >= 0x80)
        utf8();
      else
        ++p;
    }
    scratch.assign(s, p);
    for (;;) {
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"') {
        ++p;
        return scratch;
      }
      if (c == '\\') {
        escape(scratch);
      } else if (c < 0x20) {
        c == 0 ? at_nul() : bad("a control character in a text");
      } else {
        const char* from = p;
        c >= 0x80 ? utf8() : void(++p);
        scratch.append(from, p);
      }
    }
  }
  Number number() {
    Number n;
    n.text = p;
    if (*p == '-') ++p;
    int digits = 0;
    if (*p == '0') {
      ++p;
      digits = 1;
    } else if (is_digit(*p)) {
      for (; is_digit(*p); ++p) ++digits;
    } else {
      unexpected();
    }
    if (*p == '.') {
      ++p;
      n.real = true;
      if (!is_digit(*p)) unexpected();
      while (is_digit(*p)) ++p;
    }
    if (*p == 'e' || *p == 'E') {
      ++p;
      n.real = true;
      if (*p == '+' || *p == '-') ++p;
      if (!is_digit(*p)) unexpected();
      int exponent = 0;
      for (; is_digit(*p); ++p)
        if (exponent < 10000) exponent = exponent * 10 + (*p - '0');
      if (exponent >= 200) bad("a number with an exponent of 200 or more");
    }
    if (*p == '\0' && p == e && !input->eof()) throw NeedMore{};  // it may go on
    n.size = static_cast<std::size_t>(p - n.text);
    // GDAL clamps integers past 64 bits; reals this short and this close to 1 are exact
    // conversions both ways.
    if (!n.real && digits >= 19) bad("an integer of 19 digits or more");
    if (n.real && n.size > 64) bad("a number of more than 64 characters");
    return n;
  }
  static std::int64_t to_int(const Number& n) {
    std::int64_t v = 0;
    std::from_chars(n.text, n.text + n.size, v);
    return v;
  }
  // An integer becomes a double as GDAL makes it: through int64 ("-0" is +0.0).
  static double to_double(const Number& n) {
    if (!n.real) return static_cast<double>(to_int(n));
    double v = 0;
    std::from_chars(n.text, n.text + n.size, v);
    return v;
  }
  void skip_value(int depth = 0) {
    if (depth > 64) bad("JSON nested too deep");
    switch (peek()) {
      case '"': string(value_scratch); return;
      case 't': literal("true"); return;
      case 'f': literal("false"); return;
      case 'n': literal("null"); return;
      case '[':
        ++p;
        if (peek() == ']') {
          ++p;
          return;
        }
        do skip_value(depth + 1);
        while (more(']'));
        return;
      case '{':
        ++p;
        if (peek() == '}') {
          ++p;
          return;
        }
        do {
          string(member_scratch);
          expect(':');
          skip_value(depth + 1);
        } while (more('}'));
        return;
      default: number();
    }
  }

  // The bit of `key` among `known` (1 << position), 0 for another member. GDAL finds
  // members by name in any case: "Geometry" is the geometry to it, so refuse those.
  unsigned member(std::string_view key, std::initializer_list<std::string_view> known) const {
    unsigned bit = 1;
    for (std::string_view name : known) {
      if (key == name) return bit;
      if (same_ignoring_case(key, name))
        bad("a member \"" + std::string(key) + "\" (GDAL reads it as \"" + std::string(name) +
            "\")");
      bit <<= 1;
    }
    return 0;
  }

  // ---- geometry ----

  // [x, y] or [x, y, z]; z is dropped.
  void position(Coord* out, PositionText& text) {
    expect('[');
    text.n = 0;
    do {
      if (text.n == 3) bad("a position of more than 3 numbers");
      const char c = peek();
      if (c != '-' && !is_digit(c)) unexpected();
      const Number n = number();
      text.ordinates[text.n++] = std::string_view(n.text, n.size);
      if (out && text.n <= 2) (text.n == 1 ? out->x : out->y) = to_double(n);
    } while (more(']'));
    if (text.n < 2) bad("a position of fewer than 2 numbers");
  }
  // One position or more; a ring must end where it starts.
  void positions(std::vector<Coord>* out, bool ring) {
    expect('[');
    if (peek() == ']') bad("an empty part in a geometry");
    PositionText first, last;
    Coord c;
    position(out ? &c : nullptr, first);
    if (out) out->push_back(c);
    last = first;
    while (more(']')) {
      position(out ? &c : nullptr, last);
      if (out) out->push_back(c);
    }
    if (ring && !(first == last)) bad("a ring that does not end where it starts");
  }
  template <typename T, typename F>
  void parts(std::vector<T>* out, F one) {
    expect('[');
    if (peek() == ']') bad("an empty part in a geometry");
    do {
      T* part = nullptr;
      if (out) part = &out->emplace_back();
      one(part);
    } while (more(']'));
  }
  void rings(core::Polygon* out) {
    parts(out, [&](core::LineString* r) { positions(r, true); });
  }
  void coordinates(GeomType type, core::Geometry* g) {
    if (peek() != '[') bad("coordinates that are not an array");
    const char* at = p++;
    if (peek() == ']') {  // no coordinates: an empty geometry, which GDAL gives as none
      ++p;
      return;
    }
    p = at;
    switch (type) {
      case GeomType::Point: {
        PositionText t;
        Coord c;
        position(&c, t);
        if (g) g->points.push_back(c);
        break;
      }
      case GeomType::MultiPoint: positions(g ? &g->points : nullptr, false); break;
      case GeomType::LineString: positions(g ? &g->lines.emplace_back() : nullptr, false); break;
      case GeomType::MultiLineString:
        parts(g ? &g->lines : nullptr, [&](core::LineString* l) { positions(l, false); });
        break;
      case GeomType::Polygon: rings(g ? &g->polygons.emplace_back() : nullptr); break;
      case GeomType::MultiPolygon:
        parts(g ? &g->polygons : nullptr, [&](core::Polygon* poly) { rings(poly); });
        break;
      case GeomType::None: break;
    }
    if (g) g->type = type;
  }
  static GeomType geometry_type(std::string_view t) {
    for (auto type : {GeomType::Point, GeomType::LineString, GeomType::Polygon,
                      GeomType::MultiPoint, GeomType::MultiLineString, GeomType::MultiPolygon})
      if (t == core::to_string(type)) return type;
    return GeomType::None;
  }
  void geometry(core::Geometry* g) {
    expect('{');
    if (peek() == '}') bad("a geometry without type");
    GeomType type = GeomType::None;
    const char* coords = nullptr;  // "coordinates" read before "type": read them after
    bool have_coords = false;
    unsigned seen = 0;
    do {
      const std::string_view key = string(key_scratch);
      expect(':');
      const unsigned bit = member(key, {"type", "coordinates", "bbox"});
      if (!bit) bad("a geometry member \"" + std::string(key) + "\"");
      if (seen & bit) bad("a geometry member \"" + std::string(key) + "\" twice");
      seen |= bit;
      if (bit == 1) {
        const std::string_view t = string(value_scratch);
        type = geometry_type(t);
        if (type == GeomType::None) bad("a geometry of type \"" + std::string(t) + "\"");
      } else if (bit == 2) {
        have_coords = true;
        if (type != GeomType::None) {
          coordinates(type, g);
        } else {
          coords = p;
          skip_value();
        }
      } else {
        skip_value();
      }
    } while (more('}'));
    if (type == GeomType::None) bad("a geometry without type");
    if (!have_coords) bad("a geometry without coordinates");
    if (coords) {
      const char* resume = p;
      p = coords;
      coordinates(type, g);
      p = resume;
    }
  }

  // ---- properties ----

  int field(std::string_view name) {
    if (auto it = field_of.find(std::string(name)); it != field_of.end()) return it->second;
    if (!first_pass) bad("a property \"" + std::string(name) + "\" the first pass did not see");
    const int f = static_cast<int>(names.size());
    names.emplace_back(name);
    field_of.emplace(name, f);
    kinds.push_back(0);
    stamp.push_back(0);
    order.add_node();
    return f;
  }
  // The field at position `i` of this feature in the last feature, if its name is
  // `name`: features mostly repeat their keys in one order, so this saves a lookup.
  int field_at(std::size_t i, std::string_view name) {
    if (i < previous_sequence.size()) {
      const int f = previous_sequence[i];
      if (names[static_cast<std::size_t>(f)] == name) return f;
    }
    return field(name);
  }
  void record(int f, unsigned kind) {
    const auto i = static_cast<std::size_t>(f);
    if (first_pass) {
      if (stamp[i] == attempt) bad("property \"" + names[i] + "\" twice in one feature");
      stamp[i] = attempt;
      kinds[i] |= kind;
    }
  }
  [[noreturn]] void changed() const { bad("the file changed while it was read"); }
  void set_text(int f, std::string_view s, SourceFeature* out) {
    if (!out) return;
    const auto i = static_cast<std::size_t>(f);
    if (types[i] != ColumnType::Text) changed();
    out->values[column_of[i]].emplace<std::string>(s);
  }
  void set_number(int f, const Number& n, SourceFeature* out) {
    if (!out) return;
    const auto i = static_cast<std::size_t>(f);
    core::Value& v = out->values[column_of[i]];
    if (types[i] == ColumnType::Real)
      v = to_double(n);
    else if (types[i] == ColumnType::Int && !n.real)
      v = to_int(n);
    else
      changed();
  }
  void properties(SourceFeature* out) {
    expect('{');
    if (peek() == '}') {
      ++p;
      return;
    }
    do {
      const std::string_view key = string(key_scratch);
      expect(':');
      const int f = field_at(sequence.size(), key);
      sequence.push_back(f);
      if (key == "id") property_id = true;
      switch (peek()) {
        case '"': {
          const std::string_view s = string(value_scratch);
          if (first_pass && !plain_date(s) && !surely_not_a_date(s))
            bad("property \"" + std::string(key) + "\": \"" + std::string(s) +
                "\" may read as a date or time");
          record(f, kText);
          set_text(f, s, out);
          break;
        }
        case 't':
        case 'f': {
          const bool v = *p == 't';
          literal(v ? "true" : "false");
          record(f, kBool);
          if (out) {
            if (types[static_cast<std::size_t>(f)] != ColumnType::Bool) changed();
            out->values[column_of[static_cast<std::size_t>(f)]] = v;
          }
          break;
        }
        case 'n':
          literal("null");
          record(f, kNull);
          break;
        case '{':
        case '[': bad("property \"" + std::string(key) + "\" holds an object or an array");
        default: {
          const Number n = number();
          record(f, n.real ? kReal : kInt);
          set_number(f, n, out);
        }
      }
    } while (more('}'));
  }

  // ---- features ----

  void feature(SourceFeature* out) {
    ++attempt;
    sequence.clear();
    id_field = -1;
    if (out) {
      out->values.assign(columns.size(), std::monostate{});
      out->geometry = {};
      out->geometry_error.clear();
    }
    if (peek() != '{') bad("a feature that is not an object");
    ++p;
    if (peek() == '}') bad("a feature without type");
    unsigned seen = 0;
    bool foreign = false, null_properties = false;
    do {
      const std::string_view key = string(key_scratch);
      expect(':');
      const unsigned bit = member(key, {"type", "properties", "geometry", "id", "bbox"});
      if (!bit) {  // a foreign member: GDAL ignores it, unless "properties" is missing
        foreign = true;
        skip_value();
        continue;
      }
      if (seen & bit) bad("a feature member \"" + std::string(key) + "\" twice");
      seen |= bit;
      switch (bit) {
        case 1:
          if (string(value_scratch) != "Feature") bad("a feature whose type is not \"Feature\"");
          break;
        case 2:
          if (peek() == 'n') {
            literal("null");
            null_properties = true;  // reads as no properties at all
          } else if (*p == '{') {
            properties(out);
          } else {
            bad("properties that are not an object");
          }
          break;
        case 4:
          if (peek() == 'n')
            literal("null");
          else
            geometry(out ? &out->geometry : nullptr);
          break;
        case 8: {
          // A string id becomes a column "id" that comes first (GDAL); numbers may be FIDs.
          if (peek() != '"') bad("a feature id that is not a string");
          const std::string_view id = string(value_scratch);
          id_field = field("id");
          feature_ids = true;
          record(id_field, kText);
          set_text(id_field, id, out);
          break;
        }
        default: skip_value();
      }
    } while (more('}'));
    if (!(seen & 1)) bad("a feature without type");
    // Without properties, GDAL makes columns of the other members, and puts the
    // members in the columns of the same name.
    if (!(seen & 2) || null_properties) {
      if (foreign || (seen & 8)) bad("a feature without properties but other members");
      bare_features = true;
    }
  }

  // One member of the root object (after its ',' unless it is the first) or its end:
  // 1 at "features" (then inside its array), 0 after another member, -1 at the end.
  int root_member(unsigned& seen) {
    if (peek() == '}') {
      ++p;
      return -1;
    }
    expect(',');
    const std::string_view key = string(key_scratch);
    expect(':');
    // Others ("bbox", "properties", ...) GDAL ignores.
    const unsigned bit = member(key, {"features", "crs", "name", "type", "bbox", "description"});
    if (seen & bit) bad("a FeatureCollection member \"" + std::string(key) + "\" twice");
    seen |= bit;
    switch (bit) {
      case 1: expect('['); return 1;
      case 2: crs(); break;
      case 4: layer_name(); break;
      default: skip_value();
    }
    return 0;
  }
  int next_root_member() {
    return restartable([&] {
      unsigned s = root_seen;
      const int r = root_member(s);
      root_seen = s;
      return r;
    });
  }
  void crs() {
    // {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}} and
    // the EPSG:4326 names, which GDAL reads as WGS 84 lon/lat with no transformation.
    expect('{');
    bool named = false, ok = false;
    do {
      const std::string_view key = string(key_scratch);
      expect(':');
      if (key == "type" && !named) {
        named = true;
        if (string(value_scratch) != "name") bad("a crs that is not a name");
      } else if (key == "properties" && !ok) {
        expect('{');
        if (string(key_scratch) != "name") bad("a crs without a name");
        expect(':');
        const std::string_view n = string(value_scratch);
        if (n != "urn:ogc:def:crs:OGC:1.3:CRS84" && n != "urn:ogc:def:crs:EPSG::4326" &&
            n != "EPSG:4326")
          bad("a crs \"" + std::string(n) + "\"");
        expect('}');
        ok = true;
      } else {
        bad("a crs that is not a plain name");
      }
    } while (more('}'));
    if (!named || !ok) bad("a crs that is not a plain name");
  }
  void layer_name() {
    if (peek() != '"') bad("a name that is not a text");
    const std::string_view name = string(value_scratch);
    if (name.empty()) bad("an empty name");
    if (first_pass) layer = name;  // the second pass runs on another thread: read only
  }

  // Up to the first feature: {"type": "FeatureCollection", ..., "features": [
  void begin() {
    restartable([&] {
      expect('{');
      if (string(key_scratch) != "type") bad("a first member that is not \"type\"");
      expect(':');
      if (peek() != '"' || string(value_scratch) != "FeatureCollection")
        bad("not a FeatureCollection");
      return 0;
    });
    root_seen = 8;  // "type"
    for (;;) {
      const int r = next_root_member();
      if (r == 1) break;
      if (r == -1) bad("a FeatureCollection without features");
    }
    in_features = true;
  }

  // The next feature into `out` (null: first pass); false after the last.
  bool next(SourceFeature* out) {
    if (done) return false;
    const bool found = restartable([&] {
      const char c = peek();
      if (c == ']') {
        ++p;
        return false;
      }
      if (index > 0) expect(',');
      feature(out);
      return true;
    });
    if (!found) {
      done = true;
      in_features = false;
      return false;
    }
    if (out) out->index = index;
    ++index;
    previous_sequence.swap(sequence);  // the guess of field_at() for the next feature
    return true;
  }

  void scan() {
    begin();
    std::vector<int> keys, previous_keys;
    while (next(nullptr)) {
      // The column order follows each feature's keys, "id" first (as GDAL).
      keys.clear();
      if (id_field >= 0) keys.push_back(id_field);
      keys.insert(keys.end(), previous_sequence.begin(), previous_sequence.end());
      if (keys == previous_keys) continue;
      for (std::size_t i = 1; i < keys.size(); ++i) order.add_edge(keys[i - 1], keys[i]);
      previous_keys.swap(keys);
    }
    count = index;
    for (;;) {
      const int r = next_root_member();
      if (r == 1) bad("features twice");
      if (r == -1) break;
    }
    restartable([&] {
      while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') ++p;
      if (*p != '\0' || p < e) bad("more after the FeatureCollection");
      if (!input->eof()) throw NeedMore{};
      return 0;
    });
    if (feature_ids && property_id) bad("feature ids and an id property");
    for (const auto& name : names)
      for (const char* word : {"type", "geometry", "bbox", "properties", "id"})
        if (bare_features && same_ignoring_case(name, word))
          bad("a feature without properties and a property \"" + name + "\"");
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i].empty()) bad("a property with no name");
      for (std::size_t j = 0; j < i; ++j)
        if (same_ignoring_case(names[i], names[j]))
          bad("properties \"" + names[j] + "\" and \"" + names[i] + "\"");
      const unsigned k = kinds[i] & ~unsigned{kNull};
      ColumnType t = ColumnType::Null;
      if (k == kText)
        t = ColumnType::Text;
      else if (k == kBool)
        t = ColumnType::Bool;
      else if (k == kInt)
        t = ColumnType::Int;
      else if (k == kReal || k == (kInt | kReal))
        t = ColumnType::Real;
      else if (k != 0)
        bad("property \"" + names[i] + "\" has values of different types");
      types.push_back(t);
    }
    column_of.assign(names.size(), 0);
    for (int f : order.order(names)) {
      column_of[static_cast<std::size_t>(f)] = columns.size();
      columns.push_back(names[static_cast<std::size_t>(f)]);
    }
  }

  // From the first pass to the second.
  void restart() {
    first_pass = false;
    input->rewind();
    p = input->begin();
    e = input->end();
    index = 0;
    done = in_features = false;
    sequence.clear();
    previous_sequence.clear();
  }
};

namespace {

// What in the first bytes of a file makes GDAL try another driver before its GeoJSON
// driver, or leave the file to TopoJSON: KML, GPX, GML and other XML drivers find
// their markers anywhere in the head ("<kml"), so do VICAR ("LBLSIZE") and PDS4, and
// GDAL 3.6 takes "type": "Topology" for TopoJSON. Empty when there is none.
std::string other_format_marker(const char* b, const char* e) {
  std::string head(b, std::min(static_cast<std::size_t>(e - b), kHeadBytes));
  if (head.find('<') != std::string::npos) return "'<'";
  if (head.find("\"Topology\"") != std::string::npos) return "\"Topology\"";
  for (auto& c : head) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  for (const char* word : {"lblsize", "pds.nasa.gov"})
    if (head.find(word) != std::string::npos) return std::string("\"") + word + "\"";
  return "";
}

std::string stem(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

std::unique_ptr<GeoJsonSource::Impl> scan_first(std::unique_ptr<GeoJsonSource::Impl> m,
                                                std::string* why) {
  try {
    m->p = m->input->begin();
    m->e = m->input->end();
    m->refill();
    if (auto marker = other_format_marker(m->p, m->e); !marker.empty())
      throw Unsure{marker + " near the start (another GDAL driver may read the file)"};
    m->scan();
    if (m->layer.empty()) m->layer = stem(m->path);
    m->restart();
    return m;
  } catch (const Unsure& u) {
    if (why) *why = u.why;
  } catch (const core::InputError& err) {
    if (why) *why = err.what();
  }
  return nullptr;
}

}  // namespace

GeoJsonSource::GeoJsonSource(std::unique_ptr<Impl> impl) : m(std::move(impl)) {}
GeoJsonSource::~GeoJsonSource() = default;

std::unique_ptr<GeoJsonSource> GeoJsonSource::open(const std::string& path, std::string* why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (why) *why = std::string("cannot open: ") + std::strerror(errno);
    return nullptr;
  }
  auto input = std::make_unique<Input>(fd, path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {  // the second pass rereads it
    if (why) *why = "not a regular file";
    return nullptr;
  }
  auto m = scan_first(std::make_unique<Impl>(std::move(input), path), why);
  if (!m) return nullptr;
  return std::unique_ptr<GeoJsonSource>(new GeoJsonSource(std::move(m)));
}

std::unique_ptr<GeoJsonSource> GeoJsonSource::from_bytes(std::string bytes, const std::string& path,
                                                         std::string* why) {
  auto m = scan_first(std::make_unique<Impl>(std::make_unique<Input>(bytes), path), why);
  if (!m) return nullptr;
  return std::unique_ptr<GeoJsonSource>(new GeoJsonSource(std::move(m)));
}

const std::vector<std::string>& GeoJsonSource::columns() const {
  return m->columns;
}

std::optional<std::int64_t> GeoJsonSource::count() {
  return m->count;
}

bool GeoJsonSource::next(SourceFeature& f) {
  if (!m->in_features && !m->done) m->begin();
  return m->next(&f);
}

std::string GeoJsonSource::layer_name() const {
  return m->layer;
}

}  // namespace minemap::io
