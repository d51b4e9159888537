// The reliability analysis as one self-contained HTML page (`reliability --html OUT`):
// a table per source, a summary of the records, then per record a map of what was
// recorded against what clearance found, the residuals, the grade and the correction.
// The page loads nothing from elsewhere (inline CSS and SVG, no script) so that it can
// be mailed, archived and opened offline in the field; it prints in black and white.
#pragma once

#include <string>
#include <vector>

#include "analysis/reliability.hpp"

namespace minemap::render {

// `results[i]` is the assessment of `inputs[i]`; when the two lists are not parallel,
// inputs are paired with results by record id (and source), and a result with no input
// gets its tables but no map. `options` only documents how the results were made (the
// thresholds behind the grades, the bootstrap); each result's own tolerance is shown.
// The markup is also well-formed XML, so XML tools can check or transform it.
std::string reliability_html(const std::vector<analysis::ReliabilityInput>& inputs,
                             const std::vector<analysis::ReliabilityResult>& results,
                             const std::vector<analysis::SourceSummary>& sources,
                             const std::string& title,
                             const analysis::ReliabilityOptions& options = {});

// `s` as HTML text or attribute value: the five markup characters as entities,
// invalid UTF-8 and control characters (which XML forbids) as U+FFFD.
std::string html_escape(const std::string& s);

}  // namespace minemap::render
