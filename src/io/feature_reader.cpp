// Choosing the reader of an import; see feature_reader.hpp.
#include "io/feature_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "io/geojson_source.hpp"

namespace minemap::io {
namespace {

// FeatureSource as a FeatureReader.
class GdalReader final : public FeatureReader {
 public:
  GdalReader(const std::string& path, const SourceOptions& opt) : m_src(path, opt) {}
  const std::vector<std::string>& columns() const override { return m_src.columns(); }
  std::optional<std::int64_t> count() override { return m_src.count(); }
  bool next(SourceFeature& f) override { return m_src.next(f); }
  std::string layer_name() const override { return m_src.layer_name(); }
  std::string driver() const override { return m_src.driver(); }
  std::vector<std::string> warnings() const override { return m_src.warnings(); }

 private:
  FeatureSource m_src;
};

bool geojson_name(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".geojson" || ext == ".json";
}

bool gdal_forced() {
  const char* v = std::getenv("MINEMAP_IMPORT_READER");
  return v && std::string(v) == "gdal";
}

}  // namespace

std::unique_ptr<FeatureReader> open_feature_reader(const std::string& path,
                                                   const SourceOptions& opt) {
  if (opt.layer.empty() && opt.crs.empty() && path != "-" && geojson_name(path) && !gdal_forced()) {
    if (auto fast = GeoJsonSource::open(path)) return fast;
  }
  return std::make_unique<GdalReader>(path, opt);
}

}  // namespace minemap::io
