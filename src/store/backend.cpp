// What every backend inherits: the column scan read through whole records, for a backend
// without a faster path of its own.
#include "store/backend.hpp"

#include "core/errors.hpp"

namespace minemap::store {

namespace {

class RecordRow : public ScanRow {
 public:
  RecordRow(const core::EntitySpec& spec, const std::vector<std::string>& columns)
      : m_columns(columns) {
    for (const auto& c : columns)
      if (c != "id" && c != "workflow" && !(c == "geom" && spec.spatial()) && !spec.field(c))
        throw core::InputError(c, "no such column in " + std::string(spec.name));
  }
  void set(const core::Record& r) { m_record = &r; }

  std::optional<std::string_view> text(int i) const override {
    const std::string& c = m_columns[static_cast<std::size_t>(i)];
    if (c == "id") return m_record->id;
    if (c == "workflow") return m_record->workflow;
    auto it = m_record->fields.find(c);
    if (it == m_record->fields.end()) return std::nullopt;
    if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
    return std::nullopt;
  }
  std::optional<double> real(int i) const override {
    return m_record->real(m_columns[static_cast<std::size_t>(i)]);
  }
  std::optional<std::int64_t> integer(int i) const override {
    return m_record->integer(m_columns[static_cast<std::size_t>(i)]);
  }
  bool geometry(int, core::Geometry& g) const override {
    g = m_record->geometry;
    return !g.empty();
  }
  std::optional<core::Coord> point(int) const override {
    const auto& g = m_record->geometry;
    if (g.points.empty()) return std::nullopt;
    return g.points[0];
  }

 private:
  const std::vector<std::string>& m_columns;
  const core::Record* m_record = nullptr;
};

}  // namespace

void Backend::scan(const core::EntitySpec& spec, const ListQuery& q,
                   const std::vector<std::string>& columns,
                   const std::function<void(const ScanRow&)>& fn) {
  RecordRow row(spec, columns);
  for_each(spec, q, [&](const core::Record& r) {
    row.set(r);
    fn(row);
  });
}

}  // namespace minemap::store
