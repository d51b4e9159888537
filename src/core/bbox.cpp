#include "core/bbox.hpp"

#include <charconv>
#include <cmath>
#include <vector>

#include "core/errors.hpp"

namespace minemap::core {

Envelope parse_bbox(const std::string& text, BboxSyntax syntax) {
  const bool cli = syntax == BboxSyntax::CommandLine;
  const std::string name = cli ? "--bbox" : "bbox";
  std::vector<double> v;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    double d = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), d);
    if (part.empty() || ec != std::errc() || p != part.data() + part.size() || !std::isfinite(d))
      throw InputError(name,
                       "\"" + text + "\" is not " +
                           (cli ? "W,S,E,N (four numbers)" : "minx,miny,maxx,maxy in degrees"));
    v.push_back(d);
    start = end + 1;
  }
  Envelope e;
  if (cli) {
    if (v.size() != 4 || v[0] > v[2] || v[1] > v[3])
      throw InputError(name, "\"" + text + "\" is not W,S,E,N with W <= E and S <= N");
    e.expand(Coord{v[0], v[1]});
    e.expand(Coord{v[2], v[3]});
    return e;
  }
  if (v.size() != 4 && v.size() != 6)
    throw InputError(name,
                     "4 numbers expected (minx,miny,maxx,maxy), got " + std::to_string(v.size()));
  // Six numbers carry heights: minx,miny,minz,maxx,maxy,maxz.
  std::size_t k = v.size() / 2;
  e.min_x = v[0];
  e.min_y = v[1];
  e.max_x = v[k];
  e.max_y = v[k + 1];
  if (e.min_y > e.max_y) throw InputError(name, "the southern edge lies north of the northern one");
  if (e.min_x > e.max_x)  // across the antimeridian: not split, the whole band is asked
    e.min_x = -180, e.max_x = 180;
  return e;
}

}  // namespace minemap::core
