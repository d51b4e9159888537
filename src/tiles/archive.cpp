// Base map archives (PMTiles 3, MBTiles 1.3); see archive.hpp and docs/basemap.md.
#include "tiles/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "codec/gzip.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "store/gpkg/sqlite.hpp"

namespace minemap::tiles {
namespace {

constexpr double kMaxMercatorLat = 85.0511287798066;

[[noreturn]] void bad(const std::string& file, const std::string& what) {
  throw core::InputError(file, what);
}

// ---- Bytes of the archive ----

class Source {
 public:
  virtual ~Source() = default;
  virtual std::uint64_t size() const = 0;
  // Exactly `length` bytes at `offset`, which the caller has checked lie inside.
  virtual std::string read(std::uint64_t offset, std::uint64_t length) const = 0;
};

class FileSource : public Source {
 public:
  explicit FileSource(const std::string& path) : m_path(path) {
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) bad(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(m_fd);
      bad(path, "not a regular file");
    }
    m_size = static_cast<std::uint64_t>(st.st_size);
  }
  ~FileSource() override { ::close(m_fd); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::uint64_t size() const override { return m_size; }
  std::string read(std::uint64_t offset, std::uint64_t length) const override {
    std::string out(length, '\0');
    std::size_t done = 0;
    while (done < length) {
      ssize_t n =
          ::pread(m_fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw core::StorageError(m_path + ": cannot read: " + std::strerror(errno));
      if (n == 0)
        throw core::StorageError(m_path +
                                 ": shorter than when it was opened (changed while served?)");
      done += static_cast<std::size_t>(n);
    }
    return out;
  }

 private:
  std::string m_path;
  int m_fd = -1;
  std::uint64_t m_size = 0;
};

class MemorySource : public Source {
 public:
  explicit MemorySource(std::string bytes) : m_bytes(std::move(bytes)) {}
  std::uint64_t size() const override { return m_bytes.size(); }
  std::string read(std::uint64_t offset, std::uint64_t length) const override {
    return m_bytes.substr(offset, length);
  }

 private:
  std::string m_bytes;
};

// ---- PMTiles version 3 ----

constexpr std::size_t kHeaderBytes = 127;
// A directory, decompressed (at least 4 bytes an entry: 2 million entries).
constexpr std::size_t kMaxDirectoryBytes = 8u << 20;
constexpr std::size_t kMaxMetadataBytes = 16u << 20;
// The root and at most three levels of leaves (writers use one level; a planet, two).
constexpr int kMaxDepth = 4;
constexpr std::size_t kLeafCacheSize = 64;

struct Section {
  std::uint64_t offset = 0, length = 0;
};

struct Entry {
  std::uint64_t tile_id = 0;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t run_length = 0;  // 0: a leaf directory
};
using Directory = std::vector<Entry>;

std::uint64_t le64(std::string_view b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
std::int32_t le32s(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return static_cast<std::int32_t>(v);
}

class VarintReader {
 public:
  VarintReader(std::string_view data, const std::string& file, const std::string& what)
      : m_data(data), m_file(file), m_what(what) {}
  std::uint64_t next() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (m_at >= m_data.size()) bad(m_file, m_what + ": ends inside a number");
      auto byte = static_cast<unsigned char>(m_data[m_at++]);
      if (shift == 63 && byte > 1) bad(m_file, m_what + ": a number does not fit 64 bits");
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
    bad(m_file, m_what + ": a number does not fit 64 bits");
  }
  bool at_end() const { return m_at == m_data.size(); }
  std::size_t left() const { return m_data.size() - m_at; }

 private:
  std::string_view m_data;
  std::size_t m_at = 0;
  const std::string& m_file;
  const std::string& m_what;
};

bool inside(std::uint64_t offset, std::uint64_t length, std::uint64_t size) {
  return offset <= size && length <= size - offset;
}

class PmTiles : public TileArchive {
 public:
  PmTiles(std::unique_ptr<Source> src, const std::string& path) : m_src(std::move(src)) {
    m_path = path;
    m_meta.format = "pmtiles";
    read_header();
    m_root = read_directory(m_root_section, "root directory");
    check_entries(m_root, "root directory");
    check_leaves();
    read_metadata();
  }

  std::optional<ArchiveTile> tile(int z, std::uint32_t x, std::uint32_t y) const override {
    if (z < m_meta.min_zoom || z > m_meta.max_zoom) return std::nullopt;
    const std::uint64_t id = pmtiles_tile_id(z, x, y);
    std::shared_ptr<const Directory> leaf;
    const Directory* dir = &m_root;
    for (int depth = 1; depth <= kMaxDepth; ++depth) {
      auto it = std::upper_bound(dir->begin(), dir->end(), id,
                                 [](std::uint64_t v, const Entry& e) { return v < e.tile_id; });
      if (it == dir->begin()) return std::nullopt;
      const Entry& e = *(it - 1);
      if (e.run_length > 0) {
        if (id - e.tile_id >= e.run_length) return std::nullopt;
        ArchiveTile t;
        t.bytes = m_src->read(m_tile_data.offset + e.offset, e.length);
        t.compression = m_tile_gzip || (m_tile_detect && codec::is_gzip(t.bytes))
                            ? TileCompression::Gzip
                            : TileCompression::None;
        return t;
      }
      leaf = cached_leaf(e);
      dir = leaf.get();
    }
    bad(m_path, "leaf directories nested deeper than " + std::to_string(kMaxDepth));
  }

 private:
  void read_header() {
    if (m_src->size() < kHeaderBytes)
      bad(m_path, "shorter (" + std::to_string(m_src->size()) +
                      " bytes) than a PMTiles header (127 bytes)");
    const std::string h = m_src->read(0, kHeaderBytes);
    if (h.compare(0, 7, "PMTiles") != 0) bad(m_path, "not a PMTiles file (no PMTiles magic)");
    const int version = static_cast<unsigned char>(h[7]);
    if (version != 3)
      bad(m_path, "PMTiles version " + std::to_string(version) + "; version 3 is read");
    auto section = [&](std::size_t at, const char* what) {
      Section s{le64(h, at), le64(h, at + 8)};
      if (!inside(s.offset, s.length, m_src->size()))
        bad(m_path, std::string(what) + " (offset " + std::to_string(s.offset) + ", length " +
                        std::to_string(s.length) + ") lies outside the file (" +
                        std::to_string(m_src->size()) + " bytes)");
      return s;
    };
    m_root_section = section(8, "the root directory");
    m_metadata = section(24, "the metadata");
    m_leaves = section(40, "the leaf directories");
    m_tile_data = section(56, "the tile data");
    if (m_root_section.length == 0) bad(m_path, "the root directory is empty");
    const int internal = static_cast<unsigned char>(h[97]);
    if (internal == 1)
      m_internal_gzip = false;
    else if (internal == 2)
      m_internal_gzip = true;
    else
      bad(m_path, "internal compression " + std::to_string(internal) +
                      " is not read (1: none and 2: gzip are; tilemaker writes gzip)");
    const int tile_comp = static_cast<unsigned char>(h[98]);
    if (tile_comp == 2)
      m_tile_gzip = true;
    else if (tile_comp == 0)
      m_tile_detect = true;
    else if (tile_comp != 1)
      bad(m_path, "tile compression " + std::to_string(tile_comp) +
                      " is not served (1: none and 2: gzip are)");
    const int type = static_cast<unsigned char>(h[99]);
    if (type != 1)
      bad(m_path, "tile type " + std::to_string(type) + ": not vector tiles (MVT, type 1)");
    m_meta.min_zoom = static_cast<unsigned char>(h[100]);
    m_meta.max_zoom = static_cast<unsigned char>(h[101]);
    if (m_meta.max_zoom > kArchiveMaxZoom || m_meta.min_zoom > m_meta.max_zoom)
      bad(m_path, "zooms " + std::to_string(m_meta.min_zoom) + " to " +
                      std::to_string(m_meta.max_zoom) + " (0 to 30, the least first)");
    const double w = le32s(h, 102) / 1e7, s = le32s(h, 106) / 1e7, e = le32s(h, 110) / 1e7,
                 n = le32s(h, 114) / 1e7;
    if (w >= -180 && w < e && e <= 180 && s >= -90 && s < n && n <= 90) {
      m_meta.has_bounds = true;
      m_meta.west = w;
      m_meta.east = e;
      m_meta.south = std::max(s, -kMaxMercatorLat);
      m_meta.north = std::min(n, kMaxMercatorLat);
    }
    const double clon = le32s(h, 119) / 1e7, clat = le32s(h, 123) / 1e7;
    const int cz = static_cast<unsigned char>(h[118]);
    if (clon >= -180 && clon <= 180 && clat >= -90 && clat <= 90 && cz <= kArchiveMaxZoom &&
        (clon != 0 || clat != 0 || cz != 0)) {
      m_meta.has_center = true;
      m_meta.center_lon = clon;
      m_meta.center_lat = std::clamp(clat, -kMaxMercatorLat, kMaxMercatorLat);
      m_meta.center_zoom = cz;
    }
  }

  std::string decompress(std::string raw, std::size_t limit, const std::string& what) const {
    if (!m_internal_gzip) {
      if (raw.size() > limit)
        bad(m_path, what + ": larger than " + std::to_string(limit) + " bytes");
      return raw;
    }
    try {
      return codec::gunzip(raw, limit, what);
    } catch (const core::InputError& e) {
      bad(m_path, e.what());
    }
  }

  Directory read_directory(const Section& s, const std::string& what) const {
    if (s.length > kMaxDirectoryBytes)
      bad(m_path, what + ": larger than " + std::to_string(kMaxDirectoryBytes) + " bytes");
    const std::string data = decompress(m_src->read(s.offset, s.length), kMaxDirectoryBytes, what);
    VarintReader r(data, m_path, what);
    const std::uint64_t n = r.next();
    if (n == 0) bad(m_path, what + ": no entries");
    // Each entry takes at least four bytes (four numbers).
    if (n > r.left() / 4) bad(m_path, what + ": " + std::to_string(n) + " entries in fewer bytes");
    Directory dir(static_cast<std::size_t>(n));
    std::uint64_t last = 0;
    for (std::size_t i = 0; i < dir.size(); ++i) {
      const std::uint64_t delta = r.next();
      if (i > 0 && delta == 0) bad(m_path, what + ": tile ids not in ascending order");
      if (delta > UINT64_MAX - last) bad(m_path, what + ": a tile id beyond 64 bits");
      last += delta;
      dir[i].tile_id = last;
    }
    for (auto& e : dir) {
      const std::uint64_t v = r.next();
      if (v > UINT32_MAX) bad(m_path, what + ": a run length beyond 32 bits");
      e.run_length = static_cast<std::uint32_t>(v);
    }
    for (auto& e : dir) {
      const std::uint64_t v = r.next();
      if (v == 0 || v > UINT32_MAX) bad(m_path, what + ": an entry of length 0 or beyond 32 bits");
      e.length = static_cast<std::uint32_t>(v);
    }
    for (std::size_t i = 0; i < dir.size(); ++i) {
      const std::uint64_t v = r.next();
      if (v == 0) {
        if (i == 0) bad(m_path, what + ": the first entry's offset refers to no entry before it");
        dir[i].offset = dir[i - 1].offset + dir[i - 1].length;  // both checked below
      } else {
        dir[i].offset = v - 1;
      }
    }
    if (!r.at_end()) bad(m_path, what + ": bytes after the last entry");
    return dir;
  }

  // Each entry lies inside its section: tiles in the tile data, leaves in the leaf
  // directories; a run of tiles stays inside 64-bit ids.
  void check_entries(const Directory& dir, const std::string& what) const {
    for (const Entry& e : dir) {
      if (e.run_length > 0) {
        if (e.length > kMaxArchiveTileBytes)
          bad(m_path, what + ": a tile of " + std::to_string(e.length) + " bytes");
        if (!inside(e.offset, e.length, m_tile_data.length))
          bad(m_path, what + ": a tile (offset " + std::to_string(e.offset) + ", length " +
                          std::to_string(e.length) + ") outside the tile data");
        if (e.tile_id > UINT64_MAX - e.run_length) bad(m_path, what + ": a run beyond 64 bits");
      } else if (!inside(e.offset, e.length, m_leaves.length)) {
        bad(m_path, what + ": a leaf directory (offset " + std::to_string(e.offset) + ", length " +
                        std::to_string(e.length) + ") outside the leaf directories");
      }
    }
  }

  // Every leaf directory is read and checked once at opening. The leaves may not overlap
  // (so that the work is bounded by the file's size) and nest at most kMaxDepth deep.
  void check_leaves() {
    std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
    std::uint64_t bytes = 0, entries = 0;
    // Depth first, with the leaves' entries on a stack of their own (not the call stack).
    std::vector<std::pair<Entry, int>> stack;
    for (auto it = m_root.rbegin(); it != m_root.rend(); ++it)
      if (it->run_length == 0) stack.emplace_back(*it, 2);
    while (!stack.empty()) {
      auto [e, depth] = stack.back();
      stack.pop_back();
      if (depth > kMaxDepth)
        bad(m_path, "leaf directories nested deeper than " + std::to_string(kMaxDepth));
      if (!seen.emplace(e.offset, e.length).second) continue;
      bytes += e.length;
      if (bytes > m_leaves.length) bad(m_path, "leaf directories overlap");
      const std::string what = "the leaf directory at " + std::to_string(e.offset);
      Directory d = read_directory({m_leaves.offset + e.offset, e.length}, what);
      // Real directories take a few bytes an entry; highly compressible ones (a bomb) stop.
      entries += d.size();
      if (entries > (std::uint64_t{1} << 20) + 8 * m_leaves.length)
        bad(m_path, "leaf directories: more entries than their bytes can hold");
      check_entries(d, what);
      for (auto it = d.rbegin(); it != d.rend(); ++it)
        if (it->run_length == 0) stack.emplace_back(*it, depth + 1);
    }
  }

  std::shared_ptr<const Directory> cached_leaf(const Entry& e) const {
    {
      std::lock_guard lock(m_cache_mutex);
      if (auto it = m_cache.find(e.offset); it != m_cache.end()) return it->second;
    }
    const std::string what = "the leaf directory at " + std::to_string(e.offset);
    auto d = std::make_shared<const Directory>(
        read_directory({m_leaves.offset + e.offset, e.length}, what));
    check_entries(*d, what);
    std::lock_guard lock(m_cache_mutex);
    if (m_cache.size() >= kLeafCacheSize) m_cache.clear();
    m_cache.emplace(e.offset, d);
    return d;
  }

  void read_metadata() {
    if (m_metadata.length == 0) return;
    if (m_metadata.length > kMaxMetadataBytes)
      bad(m_path, "the metadata: larger than " + std::to_string(kMaxMetadataBytes) + " bytes");
    const std::string text = decompress(m_src->read(m_metadata.offset, m_metadata.length),
                                        kMaxMetadataBytes, "the metadata");
    if (core::json_depth(text, core::kMaxJsonDepth + 1) > core::kMaxJsonDepth)
      bad(m_path, "the metadata: JSON nested too deep");
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) bad(m_path, "the metadata: not a JSON object");
    auto text_of = [&](const char* key) {
      auto it = j.find(key);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    m_meta.name = text_of("name");
    m_meta.attribution = text_of("attribution");
    m_meta.description = text_of("description");
    if (auto it = j.find("vector_layers"); it != j.end() && it->is_array())
      m_meta.vector_layers = it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  std::unique_ptr<Source> m_src;
  Section m_root_section, m_metadata, m_leaves, m_tile_data;
  bool m_internal_gzip = false;
  bool m_tile_gzip = false;
  bool m_tile_detect = false;  // tile compression "unknown": told by each tile's bytes
  Directory m_root;
  mutable std::mutex m_cache_mutex;
  mutable std::map<std::uint64_t, std::shared_ptr<const Directory>> m_cache;
};

// ---- MBTiles 1.3 ----

// SQLite instructions one query of an MBTiles file may take (some 0.1 s): a tile read
// takes a few hundred; the zooms of a file without them in its metadata, two look-ups in
// its tiles' index (tilemaker and GDAL make one), or a scan of a million rows without.
constexpr std::int64_t kMaxSqliteSteps = 20'000'000;

bool parse_doubles(std::string_view text, double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out[i]);
    if (ec != std::errc() || !std::isfinite(out[i])) return false;
    text.remove_prefix(static_cast<std::size_t>(p - text.data()));
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (i + 1 < n) {
      if (text.empty() || text.front() != ',') return false;
      text.remove_prefix(1);
    }
  }
  return text.empty();
}

class MbTiles : public TileArchive {
 public:
  explicit MbTiles(const std::string& path) {
    m_path = path;
    m_meta.format = "mbtiles";
    try {
      m_db = std::make_unique<store::gpkg::Db>(path, store::gpkg::kOpenReadOnly);
      // A view in the file could make any query endless: each read is cut short.
      m_db->limit_steps(kMaxSqliteSteps);
      read_metadata();
      m_tile = std::make_unique<store::gpkg::Stmt>(
          *m_db,
          "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?");
    } catch (const store::gpkg::SqliteError& e) {
      bad(path, std::string("not a readable MBTiles file: ") + e.what());
    }
  }

  std::optional<ArchiveTile> tile(int z, std::uint32_t x, std::uint32_t y) const override {
    if (z < m_meta.min_zoom || z > m_meta.max_zoom) return std::nullopt;
    // MBTiles rows count from the bottom (TMS).
    const std::int64_t row = (std::int64_t{1} << z) - 1 - y;
    std::lock_guard lock(m_mutex);
    store::gpkg::ResetOnExit reset(*m_tile);
    m_tile->bind_int(1, z).bind_int(2, x).bind_int(3, row);
    if (!m_tile->step()) return std::nullopt;
    const std::string_view blob = m_tile->column_blob(0);
    if (blob.size() > kMaxArchiveTileBytes)
      bad(m_path, "the tile " + std::to_string(z) + "/" + std::to_string(x) + "/" +
                      std::to_string(y) + ": larger than " + std::to_string(kMaxArchiveTileBytes) +
                      " bytes");
    ArchiveTile t;
    t.bytes = std::string(blob);
    t.compression = codec::is_gzip(t.bytes) ? TileCompression::Gzip : TileCompression::None;
    return t;
  }

 private:
  void read_metadata() {
    std::map<std::string, std::string> m;
    {
      store::gpkg::Stmt s(*m_db, "SELECT name, value FROM metadata");
      while (s.step()) {
        if (s.is_null(0) || s.is_null(1)) continue;
        const std::string_view v = s.column_text_view(1);
        if (v.size() > kMaxMetadataBytes)
          bad(m_path, "metadata " + s.column_text(0) + ": larger than " +
                          std::to_string(kMaxMetadataBytes) + " bytes");
        m.emplace(s.column_text(0), std::string(v));
      }
    }
    auto get = [&](const char* k) {
      auto it = m.find(k);
      return it == m.end() ? std::string() : it->second;
    };
    const std::string format = get("format");
    if (format != "pbf")
      bad(m_path,
          "metadata format: \"" + format.substr(0, 40) + "\"; a vector base map has format pbf");
    auto zoom = [&](const char* key, int fallback) {
      const std::string v = get(key);
      if (v.empty()) return fallback;
      int z = -1;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), z);
      if (ec != std::errc() || p != v.data() + v.size() || z < 0 || z > kArchiveMaxZoom)
        bad(m_path, std::string("metadata ") + key + ": \"" + v.substr(0, 40) +
                        "\" is not a zoom from 0 to 30");
      return z;
    };
    int lo = 0, hi = kArchiveMaxZoom;
    if (get("minzoom").empty() || get("maxzoom").empty()) {
      store::gpkg::Stmt s(*m_db, "SELECT min(zoom_level), max(zoom_level) FROM tiles");
      if (!s.step() || s.is_null(0)) bad(m_path, "no tiles");
      lo = static_cast<int>(std::clamp<std::int64_t>(s.column_int(0), 0, kArchiveMaxZoom));
      hi = static_cast<int>(std::clamp<std::int64_t>(s.column_int(1), 0, kArchiveMaxZoom));
    }
    m_meta.min_zoom = zoom("minzoom", lo);
    m_meta.max_zoom = zoom("maxzoom", hi);
    if (m_meta.min_zoom > m_meta.max_zoom) bad(m_path, "metadata minzoom is above maxzoom");
    if (const std::string b = get("bounds"); !b.empty()) {
      double v[4];
      if (!parse_doubles(b, v, 4) || v[0] < -180 || v[2] > 180 || v[0] >= v[2] || v[1] < -90 ||
          v[3] > 90 || v[1] >= v[3])
        bad(m_path,
            "metadata bounds: \"" + b.substr(0, 80) + "\" is not west,south,east,north in degrees");
      m_meta.has_bounds = true;
      m_meta.west = v[0];
      m_meta.south = std::max(v[1], -kMaxMercatorLat);
      m_meta.east = v[2];
      m_meta.north = std::min(v[3], kMaxMercatorLat);
    }
    if (const std::string c = get("center"); !c.empty()) {
      double v[3];
      if (parse_doubles(c, v, 3) && v[0] >= -180 && v[0] <= 180 && v[1] >= -90 && v[1] <= 90 &&
          v[2] >= 0 && v[2] <= kArchiveMaxZoom) {
        m_meta.has_center = true;
        m_meta.center_lon = v[0];
        m_meta.center_lat = std::clamp(v[1], -kMaxMercatorLat, kMaxMercatorLat);
        m_meta.center_zoom = static_cast<int>(v[2]);
      }
    }
    m_meta.name = get("name");
    m_meta.attribution = get("attribution");
    m_meta.description = get("description");
    if (const std::string json = get("json"); !json.empty()) {
      if (core::json_depth(json, core::kMaxJsonDepth + 1) > core::kMaxJsonDepth)
        bad(m_path, "metadata json: nested too deep");
      auto j = nlohmann::json::parse(json, nullptr, false);
      if (j.is_discarded() || !j.is_object()) bad(m_path, "metadata json: not a JSON object");
      if (auto it = j.find("vector_layers"); it != j.end() && it->is_array())
        m_meta.vector_layers = it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }

  std::unique_ptr<store::gpkg::Db> m_db;
  std::unique_ptr<store::gpkg::Stmt> m_tile;
  mutable std::mutex m_mutex;  // one statement on one connection: one read at a time
};

}  // namespace

std::uint64_t pmtiles_tile_id(int z, std::uint32_t x, std::uint32_t y) {
  // The tiles of zooms 0..z-1: (4^z - 1) / 3.
  std::uint64_t id = ((std::uint64_t{1} << (2 * z)) - 1) / 3;
  const std::uint64_t n = std::uint64_t{1} << z;
  std::uint64_t tx = x, ty = y, d = 0;
  for (std::uint64_t s = n / 2; s > 0; s /= 2) {
    const std::uint64_t rx = (tx & s) ? 1 : 0, ry = (ty & s) ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    // Rotate the quadrant so that the curve's pieces join.
    if (ry == 0) {
      if (rx == 1) {
        tx = n - 1 - tx;
        ty = n - 1 - ty;
      }
      std::swap(tx, ty);
    }
  }
  return id + d;
}

std::unique_ptr<TileArchive> open_pmtiles_bytes(std::string bytes, const std::string& name) {
  return std::make_unique<PmTiles>(std::make_unique<MemorySource>(std::move(bytes)), name);
}

std::unique_ptr<TileArchive> open_tile_archive(const std::string& path) {
  auto src = std::make_unique<FileSource>(path);
  const std::string head = src->read(0, std::min<std::uint64_t>(src->size(), 16));
  if (head.rfind("PMTiles", 0) == 0) return std::make_unique<PmTiles>(std::move(src), path);
  if (head.size() == 16 && head == std::string("SQLite format 3\0", 16)) {
    src.reset();
    return std::make_unique<MbTiles>(path);
  }
  // Versions 1 and 2 began with "PM" and a 16-bit version number.
  if (head.size() >= 4 && head.rfind("PM", 0) == 0 && (head[2] == 1 || head[2] == 2) &&
      head[3] == 0)
    bad(path, "an older PMTiles version (1 or 2); version 3 is read (pmtiles convert makes one)");
  bad(path, head.empty() ? "empty" : "neither a PMTiles nor an MBTiles file");
}

}  // namespace minemap::tiles
