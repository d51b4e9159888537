#include "tiles/archive_writer.hpp"

#include <unistd.h>  // getpid

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "store/gpkg/sqlite.hpp"

namespace minemap::tiles {

namespace fs = std::filesystem;
using store::gpkg::Db;
using store::gpkg::Stmt;

void check_archive_target(const std::string& path, bool overwrite) {
  const fs::path target = path;
  std::error_code ec;
  if (fs::is_directory(target, ec)) throw core::StorageError(path + ": is a directory");
  if (!overwrite && fs::exists(target, ec))
    throw core::Conflict(path + ": already exists (use --overwrite to replace it)");
  const fs::path parent = target.parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw core::StorageError(path + ": cannot create it: no directory \"" + parent.string() + "\"");
}

struct MbTilesWriter::Impl {
  fs::path tmp;
  std::unique_ptr<Db> db;
  std::unique_ptr<Stmt> insert;
  bool committed = false;
};

MbTilesWriter::MbTilesWriter(std::string path, bool overwrite)
    : m_path(std::move(path)), m(std::make_unique<Impl>()) {
  check_archive_target(m_path, overwrite);
  const fs::path target = m_path;
  std::string name = target.filename().string();
  name.insert(0, 1, '.');
  name.append(".tmp-").append(std::to_string(::getpid()));
  m->tmp = target.parent_path() / name;
  std::error_code ec;
  fs::remove(m->tmp, ec);
  m->db = std::make_unique<Db>(m->tmp.string(), store::gpkg::kOpenCreate);
  // A file that is thrown away on failure needs no journal.
  m->db->exec(
      "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA application_id = 0x4d504258;"
      "CREATE TABLE metadata (name TEXT NOT NULL, value TEXT);"
      "CREATE TABLE tiles (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL,"
      " tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL);"
      "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
      "BEGIN");
  m->insert = std::make_unique<Stmt>(*m->db, "INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)");
}

MbTilesWriter::~MbTilesWriter() {
  if (m->committed) return;
  m->insert.reset();
  m->db.reset();
  std::error_code ec;
  fs::remove(m->tmp, ec);
}

void MbTilesWriter::add(int z, std::uint32_t x, std::uint32_t y, std::string_view bytes) {
  if (z < 0 || z > kArchiveMaxZoom || x >> z != 0 || y >> z != 0)
    throw std::invalid_argument("MbTilesWriter::add: no tile " + std::to_string(z) + "/" +
                                std::to_string(x) + "/" + std::to_string(y));
  const std::int64_t row = (std::int64_t{1} << z) - 1 - y;  // TMS: from the bottom
  store::gpkg::ResetOnExit reset(*m->insert);
  m->insert->bind_int(1, z).bind_int(2, x).bind_int(3, row).bind_blob(4, bytes);
  m->insert->step();
}

void MbTilesWriter::commit(const ArchiveMetadata& meta) {
  auto number = [](double v) {
    char s[32];
    std::snprintf(s, sizeof s, "%.7f", v);
    return std::string(s);
  };
  std::vector<std::pair<std::string, std::string>> rows = {
      {"format", "pbf"},
      {"type", "overlay"},
      {"version", "1"},
      {"minzoom", std::to_string(meta.min_zoom)},
      {"maxzoom", std::to_string(meta.max_zoom)}};
  if (!meta.name.empty()) rows.emplace_back("name", meta.name);
  if (!meta.description.empty()) rows.emplace_back("description", meta.description);
  if (!meta.attribution.empty()) rows.emplace_back("attribution", meta.attribution);
  if (meta.has_bounds)
    rows.emplace_back("bounds", number(meta.west) + "," + number(meta.south) + "," +
                                    number(meta.east) + "," + number(meta.north));
  if (meta.has_center)
    rows.emplace_back("center", number(meta.center_lon) + "," + number(meta.center_lat) + "," +
                                    std::to_string(meta.center_zoom));
  if (!meta.vector_layers.empty())
    rows.emplace_back("json", "{\"vector_layers\":" + meta.vector_layers + "}");
  {
    Stmt s(*m->db, "INSERT INTO metadata VALUES (?, ?)");
    for (const auto& [k, v] : rows) {
      store::gpkg::ResetOnExit reset(s);
      s.bind_text(1, k).bind_text(2, v);
      s.step();
    }
  }
  m->insert.reset();
  m->db->exec("COMMIT");
  m->db.reset();
  std::error_code ec;
  fs::rename(m->tmp, m_path, ec);
  if (ec) {
    std::error_code ignore;
    fs::remove(m->tmp, ignore);
    throw core::StorageError(m_path + ": cannot write: " + ec.message());
  }
  m->committed = true;
}

}  // namespace minemap::tiles
