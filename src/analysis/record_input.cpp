#include "analysis/record_input.hpp"

namespace minemap::analysis {

ReliabilityInput input_from_record(const record::Record& r, const record::Digitized& d) {
  ReliabilityInput in;
  in.record = r.id;
  in.source = r.source_name;
  const record::DigitizedPoint* about = nullptr;
  for (const auto& p : d.points)
    if (p.kind == record::PointKind::Reference) {
      about = &p;
      break;
    }
  if (!about) {
    const auto& anchor = r.anchor();
    for (const auto& p : d.points)
      if (p.id == anchor.id) about = &p;
  }
  in.about = about ? about->at : d.perimeter.front();
  in.recorded.reserve(d.mines.size());
  for (const auto& m : d.mines) {
    const auto& row = r.rows[m.row];
    in.recorded.push_back({row.id, static_cast<int>(m.index), row.mines[m.group].category, m.at});
  }
  in.perimeter = {d.perimeter};
  in.declared = r.declared;
  return in;
}

}  // namespace minemap::analysis
