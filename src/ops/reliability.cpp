#include "ops/reliability.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <exception>
#include <thread>

#include "analysis/record_input.hpp"
#include "core/errors.hpp"
#include "io/feature_reader.hpp"
#include "io/read_input.hpp"
#include "ops/minefield.hpp"
#include "record/digitize.hpp"

namespace minemap::ops {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int column(const io::FeatureReader& r, std::initializer_list<const char*> names) {
  const auto& cols = r.columns();
  for (const char* n : names)
    for (std::size_t i = 0; i < cols.size(); ++i)
      if (lower(cols[i]) == n) return static_cast<int>(i);
  return -1;
}

std::string where(const std::string& path, std::int64_t index) {
  return path + ": feature " + std::to_string(index);
}

std::vector<analysis::Find> read_finds(const std::string& path) {
  auto reader = io::open_feature_reader(path);
  int cat = column(*reader, {"category", "device_category"});
  std::vector<analysis::Find> out;
  io::SourceFeature f;
  // A file without features (clearance found nothing) is evidence: zero finds. It
  // has no columns to name either.
  if (cat < 0) {
    if (!reader->next(f)) return out;
    throw core::InputError(path, "no \"category\" column (AP_MINE, AT_MINE, UXO, ...)");
  }
  int id = column(*reader, {"id", "fid", "item_id"});
  while (reader->next(f)) {
    if (f.geometry.type == core::GeomType::None)
      throw core::InputError(
          where(path, f.index),
          "geometry: " + (f.geometry_error.empty() ? std::string("missing") : f.geometry_error));
    if (f.geometry.type != core::GeomType::Point && f.geometry.type != core::GeomType::MultiPoint)
      throw core::InputError(
          where(path, f.index),
          std::string("geometry: a ") + core::to_string(f.geometry.type) + ", not a point");
    std::string c = core::value_to_text(f.values[static_cast<std::size_t>(cat)]);
    if (c.empty()) throw core::InputError(where(path, f.index), "category: missing");
    std::string fid = id >= 0 ? core::value_to_text(f.values[static_cast<std::size_t>(id)]) : "";
    if (fid.empty()) fid = std::to_string(f.index);
    for (const auto& p : f.geometry.points) out.push_back({fid, c, p});
  }
  return out;
}

std::vector<core::Polygon> read_cleared(const std::string& path) {
  auto reader = io::open_feature_reader(path);
  std::vector<core::Polygon> out;
  io::SourceFeature f;
  while (reader->next(f)) {
    if (f.geometry.type != core::GeomType::Polygon &&
        f.geometry.type != core::GeomType::MultiPolygon)
      throw core::InputError(
          where(path, f.index),
          std::string("geometry: ") +
              (f.geometry.type == core::GeomType::None
                   ? (f.geometry_error.empty() ? "missing" : f.geometry_error)
                   : std::string("a ") + core::to_string(f.geometry.type) + ", not a polygon"));
    for (auto& p : f.geometry.polygons) out.push_back(std::move(p));
  }
  return out;
}

analysis::ReliabilityInput from_record_text(const std::string& text, const std::string& name,
                                            const record::Corrections& fix) {
  try {
    auto parsed = record::parse(text);
    auto d = record::digitize(parsed, fix);
    return analysis::input_from_record(parsed.record, d);
  } catch (const core::InputError& e) {
    throw e.located(name);
  }
}

}  // namespace

analysis::ReliabilityInput reliability_input_from_files(const std::string& record_path,
                                                        const std::string& found_path,
                                                        const std::string& cleared_path) {
  auto in = from_record_text(io::read_input(record_path), record_path, {});
  in.finds = read_finds(found_path);
  in.cleared = read_cleared(cleared_path);
  return in;
}

StoreInputs reliability_inputs_from_store(store::Registry& reg, const StoreSelection& sel,
                                          double margin_m) {
  const auto& records = core::spec(core::Entity::Record);
  const auto& items = core::spec(core::Entity::Item);
  const auto& releases = core::spec(core::Entity::Release);
  const auto& accidents = core::spec(core::Entity::Accident);
  StoreInputs out;
  std::vector<core::Record> recs;
  if (!sel.record.empty()) {
    recs.push_back(reg.get(records, sel.record));
  } else {
    store::ListQuery q;
    q.approved_only = true;
    if (!sel.source.empty()) q.where = {{"source_name", {sel.source}}};
    recs = reg.list(records, q);
    if (recs.empty())
      throw core::NotFound(sel.source.empty()
                               ? "no approved minefield records in the store"
                               : "no approved minefield records of source \"" + sel.source + "\"");
  }
  for (const auto& rec : recs) {
    auto raw = rec.text("raw");
    if (!raw) continue;
    auto in = from_record_text(*raw, rec.id, stored_corrections(rec));
    // The search area: the recorded mines and perimeter, grown by the margin.
    core::Envelope box;
    for (const auto& m : in.recorded) box.expand(m.at);
    for (const auto& ring : in.perimeter)
      for (const auto& c : ring) box.expand(c);
    if (box.empty()) box.expand(in.about);
    double mid = (box.min_y + box.max_y) / 2;
    double dlat = margin_m / 110574.0;
    double dlon =
        margin_m / (111320.0 * std::max(0.01, std::cos(mid * 3.14159265358979323846 / 180)));
    box.min_x -= dlon;
    box.max_x += dlon;
    box.min_y -= dlat;
    box.max_y += dlat;
    store::ListQuery q;
    q.approved_only = true;
    q.bbox = box;
    reg.for_each(items, q, [&](const core::Record& it) {
      auto cat = it.text("category");
      if (!cat || it.geometry.points.empty()) return;
      in.finds.push_back({it.id, *cat, it.geometry.points.front()});
    });
    store::ListQuery rq = q;
    rq.where = {{"outcome", {"cleared"}}};
    reg.for_each(releases, rq, [&](const core::Record& lr) {
      for (const auto& p : lr.geometry.polygons) in.cleared.push_back(p);
    });
    out.ids.push_back(rec.id);
    out.inputs.push_back(std::move(in));
  }
  store::ListQuery aq;
  aq.approved_only = true;
  reg.for_each(accidents, aq, [&](const core::Record& a) {
    if (!a.geometry.points.empty()) out.accidents.push_back(a.geometry.points.front());
  });
  return out;
}

std::vector<analysis::ReliabilityResult> assess_records(
    const std::vector<analysis::ReliabilityInput>& inputs,
    const analysis::ReliabilityOptions& opt) {
  std::vector<analysis::ReliabilityResult> out(inputs.size());
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex m;
  unsigned n = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                               static_cast<unsigned>(inputs.size())));
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < n; ++t)
    pool.emplace_back([&] {
      try {
        for (std::size_t i; (i = next++) < inputs.size();) {
          auto o = opt;
          o.seed = opt.seed + i;  // reproducible whatever the thread count
          out[i] = analysis::assess(inputs[i], o);
        }
      } catch (...) {
        std::lock_guard lock(m);
        if (!failure) failure = std::current_exception();
        next = inputs.size();
      }
    });
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

StoreReliability assess_store_records(store::Registry& reg, const StoreSelection& sel,
                                      const analysis::ReliabilityOptions& opt,
                                      std::mutex* store_mutex) {
  StoreReliability out;
  {
    std::unique_lock<std::mutex> lock;
    if (store_mutex) lock = std::unique_lock(*store_mutex);
    out.read = reliability_inputs_from_store(reg, sel, opt.max_shift_m + opt.tolerance_m);
  }
  out.results = assess_records(out.read.inputs, opt);
  return out;
}

}  // namespace minemap::ops
