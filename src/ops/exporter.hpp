// `minemap export`: an entity's records to any GIS format, all or nothing.
#pragma once

#include <string>

#include "store/registry.hpp"

namespace minemap::ops {

struct ExportOptions {
  const core::EntitySpec* spec = nullptr;
  std::string path;
  std::string format;  // empty: from the path's extension
  store::ListQuery query;
  bool include_personal = false;  // victims' names, addresses, birth dates
  bool overwrite = false;
  bool progress = true;
};

struct ExportSummary {
  std::int64_t written = 0;
  std::string format;
  std::vector<std::string> warnings;
  std::vector<std::string> files;  // every file written (a shapefile is several)
};

ExportSummary export_file(store::Registry& reg, const ExportOptions& opt);

}  // namespace minemap::ops
