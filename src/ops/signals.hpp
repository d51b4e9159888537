// Signals of unknown contamination (docs/signals.md), for `minemap signals` and the
// server: the evidence read from a store, the suggested areas, and drafts made of them.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "analysis/signals.hpp"
#include "store/registry.hpp"

namespace minemap::ops {

struct SignalInput {
  // Approved accidents and items outside every open approved hazard, and not inside
  // land released (any outcome) on or after their date. Sorted by id.
  std::vector<analysis::SignalEvent> events;
  std::size_t accidents = 0, items = 0;      // approved ones read
  std::size_t in_hazards = 0, released = 0;  // left out: inside an open hazard, released since
  std::size_t open_hazards = 0, known_hazards = 0;
};

struct Signals {
  SignalInput input;
  std::vector<analysis::SignalArea> areas;
};

// `until` (a year, or 0 for all): only events dated up to its end, as a store of that
// day would have shown them (an undated event is left out then). With `store_lock`
// (a server's), the lock is held while the store is read, not while the areas are made.
Signals signals(store::Registry& reg, const analysis::SignalParams& params, int until = 0,
                std::mutex* store_lock = nullptr);

// The evaluation of analysis::evaluate_signals on the store's evidence.
analysis::SignalEvaluation evaluate_signals(store::Registry& reg,
                                            const analysis::SignalParams& params, int year,
                                            int horizon);

// Each area written as a draft suspected hazardous area, by `who`, in one transaction:
// type SHA, status open, evidence direct, the evidence's kinds and devices, `reported`
// today, `source` naming the suggestion and every piece of evidence. The new ids, in
// the areas' order.
std::vector<std::string> create_signal_drafts(store::Registry& reg, const Signals& s,
                                              const store::Actor& who);

// The `source` text of a draft made from area `a`.
std::string signal_source(const Signals& s, const analysis::SignalArea& a);

}  // namespace minemap::ops
