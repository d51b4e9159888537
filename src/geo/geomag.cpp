// IGRF-14 synthesis. The algorithm is the one the IGRF is defined by (Alken et al.
// 2021, Earth Planets Space 73:49) and the WMM technical report sets out step by
// step (Chulliat et al. 2020, doi:10.25923/ytk1-yx35): coefficients linear in time,
// geodetic -> geocentric on WGS 84, a sum of Schmidt semi-normalised spherical
// harmonics on a sphere of radius 6371.2 km, the vector rotated back to geodetic.
#include "geo/geomag.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/errors.hpp"

namespace minemap::geo {

namespace detail {
// The SHC text of data/igrf14.shc, generated into the build by cmake/igrf.cmake.
extern const char kIgrfShc[];
extern const std::size_t kIgrfShcSize;
}  // namespace detail

namespace {

constexpr int kMaxDegree = 13;
// The IGRF's reference radius: a round mean radius, not the ellipsoid's (km).
constexpr double kReferenceRadiusKm = 6371.2;
// WGS 84, as the IAGA reference programs use it since 2003 (km).
constexpr double kWgs84AKm = 6378.137;
constexpr double kWgs84F = 1 / 298.257223563;
constexpr double kDeg = std::numbers::pi / 180;

// One coefficient row of the file: g(n,m) or h(n,m), with its value at each epoch.
struct Row {
  int n = 0, m = 0;
  bool is_h = false;
  std::vector<double> values;
};

struct Model {
  std::vector<double> epochs;
  std::vector<Row> rows;
};

// Gauss coefficients at one instant, indexed [n][m]; unused entries stay 0.
struct Coefficients {
  std::array<std::array<double, kMaxDegree + 1>, kMaxDegree + 1> g{}, h{};
};

// A malformed embedded file is a build defect, not bad input: logic_error.
[[noreturn]] void bad_data(const std::string& what) {
  throw std::logic_error("embedded IGRF data (data/igrf14.shc): " + what);
}

std::vector<double> numbers_of(std::string_view line) {
  std::vector<double> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i == line.size()) break;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    double v = 0;
    // from_chars, not strtod: the C locale's decimal point must not matter.
    const auto [end, ec] = std::from_chars(line.data() + i, line.data() + j, v);
    if (ec != std::errc() || end != line.data() + j) {
      bad_data("not a number: '" + std::string(line.substr(i, j - i)) + "'");
    }
    out.push_back(v);
    i = j;
  }
  return out;
}

// Parses and checks the SHC text: the parameter line, the epochs, then for each
// degree n the rows g(n,0), g(n,1), h(n,1), ..., g(n,n), h(n,n).
Model parse(std::string_view text) {
  std::vector<std::vector<double>> lines;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    auto values = numbers_of(line);
    if (!values.empty()) lines.push_back(std::move(values));
  }
  if (lines.size() < 2) bad_data("no parameter or epoch line");
  const auto& params = lines[0];  // N_MIN N_MAX N_TIMES SPLINE_ORDER N_STEPS START END
  if (params.size() != 7 || params[0] != 1 || params[1] != kMaxDegree) {
    bad_data("the parameter line is not '1 13 N_TIMES ...'");
  }
  Model model;
  model.epochs = lines[1];
  if (model.epochs.size() < 2 || static_cast<double>(model.epochs.size()) != params[2] ||
      model.epochs.front() != params[5] || model.epochs.back() != params[6]) {
    bad_data("the epoch line does not match the parameter line");
  }
  for (std::size_t i = 1; i < model.epochs.size(); ++i) {
    if (!(model.epochs[i] > model.epochs[i - 1])) bad_data("epochs not increasing");
  }
  std::size_t next = 2;
  for (int n = 1; n <= kMaxDegree; ++n) {
    for (int m = 0; m <= n; ++m) {
      for (int part = 0; part < (m == 0 ? 1 : 2); ++part) {
        if (next >= lines.size()) bad_data("too few coefficient rows");
        const auto& line = lines[next++];
        if (line.size() != model.epochs.size() + 2 || line[0] != n || line[1] != m) {
          bad_data("row " + std::to_string(next - 2) + " is not (" + std::to_string(n) + ", " +
                   std::to_string(m) + ") with one value per epoch");
        }
        model.rows.push_back({n, m, part == 1, {line.begin() + 2, line.end()}});
      }
    }
  }
  if (next != lines.size()) bad_data("rows after degree 13");
  return model;
}

// Parsed once, on first use; C++ makes the initialisation of a local static thread-safe.
const Model& model() {
  static const Model m = parse(std::string_view(detail::kIgrfShc, detail::kIgrfShcSize));
  return m;
}

std::string fmt(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The coefficients at `year`: linear between the two epochs around it. The last
// interval (2025-2030) ends on the 2025 field plus five years of secular variation,
// so it is the official extrapolation with the SV. An epoch itself is taken from the
// interval it ends, which gives the same values as the one it starts.
Coefficients coefficients_at(double year) {
  const Model& mod = model();
  std::size_t i = 1;
  while (i + 1 < mod.epochs.size() && year > mod.epochs[i]) ++i;
  const double t0 = mod.epochs[i - 1];
  const double t1 = mod.epochs[i];
  const double w = (year - t0) / (t1 - t0);
  Coefficients c;
  for (const Row& r : mod.rows) {
    const double a = r.values[i - 1];
    const double b = r.values[i];
    const auto un = static_cast<std::size_t>(r.n);
    const auto um = static_cast<std::size_t>(r.m);
    (r.is_h ? c.h : c.g)[un][um] = a + w * (b - a);
  }
  return c;
}

// The field components in the geocentric frame at colatitude theta (radians),
// longitude lambda (radians) and radius r (km).
detail::GeocentricField synthesize(const Coefficients& c, double theta, double lambda,
                                   double r_km) {
  using Table = std::array<std::array<double, kMaxDegree + 1>, kMaxDegree + 1>;
  const double x = std::cos(theta);
  const double s = std::sin(theta);
  // Schmidt semi-normalised P(n,m)(cos theta), its derivative in theta, and
  // Q = P / sin(theta) for m >= 1. Each P(n,m) with m >= 1 holds a factor
  // sin(theta)^m, so Q is finite at the poles and comes from the same
  // recursions; the east component needs it and no division by sin(theta) is left.
  Table p{}, dp{}, q{};
  p[0][0] = 1;
  for (std::size_t n = 1; n <= kMaxDegree; ++n) {
    const auto dn = static_cast<double>(n);
    for (std::size_t m = 0; m <= n; ++m) {
      const auto dm = static_cast<double>(m);
      if (m == n) {
        if (n == 1) {
          p[1][1] = s;
          dp[1][1] = x;
          q[1][1] = 1;
        } else {
          const double k = std::sqrt((2 * dn - 1) / (2 * dn));
          p[n][n] = k * s * p[n - 1][n - 1];
          dp[n][n] = k * (x * p[n - 1][n - 1] + s * dp[n - 1][n - 1]);
          q[n][n] = k * s * q[n - 1][n - 1];
        }
        continue;
      }
      // P(n,m) = [(2n-1) x P(n-1,m) - sqrt((n-1)^2 - m^2) P(n-2,m)] / sqrt(n^2 - m^2)
      const double root = std::sqrt(dn * dn - dm * dm);
      const double a = (2 * dn - 1) / root;
      const double b = std::sqrt((dn - 1) * (dn - 1) - dm * dm) / root;
      const double p2 = n >= 2 ? p[n - 2][m] : 0;
      const double dp2 = n >= 2 ? dp[n - 2][m] : 0;
      const double q2 = n >= 2 ? q[n - 2][m] : 0;
      p[n][m] = a * x * p[n - 1][m] - b * p2;
      dp[n][m] = a * (x * dp[n - 1][m] - s * p[n - 1][m]) - b * dp2;
      q[n][m] = a * x * q[n - 1][m] - b * q2;
    }
  }

  // B = -grad V with V = a sum (a/r)^(n+1) (g cos m.lambda + h sin m.lambda) P(n,m):
  // north = (1/r) dV/dtheta, east = -(1/(r sin theta)) dV/dlambda, down = dV/dr.
  detail::GeocentricField f;
  const double ratio = kReferenceRadiusKm / r_km;
  double radial = ratio * ratio;  // (a/r)^(n+2), raised once per degree
  for (std::size_t n = 1; n <= kMaxDegree; ++n) {
    radial *= ratio;
    double north = 0;
    double east = 0;
    double down = 0;
    for (std::size_t m = 0; m <= n; ++m) {
      const double ml = static_cast<double>(m) * lambda;
      const double cm = std::cos(ml);
      const double sm = std::sin(ml);
      const double gc = c.g[n][m] * cm + c.h[n][m] * sm;
      north += gc * dp[n][m];
      east += static_cast<double>(m) * (c.g[n][m] * sm - c.h[n][m] * cm) * q[n][m];
      down -= static_cast<double>(n + 1) * gc * p[n][m];
    }
    f.north_nT += radial * north;
    f.east_nT += radial * east;
    f.down_nT += radial * down;
  }
  return f;
}

void check_year(double year) {
  const Model& mod = model();
  if (!std::isfinite(year) || year < mod.epochs.front() || year > mod.epochs.back()) {
    throw core::InputError("decimal_year", fmt(year) + " is outside IGRF-14's validity (" +
                                               fmt(mod.epochs.front()) + " to " +
                                               fmt(mod.epochs.back()) + ")");
  }
}

}  // namespace

MagneticField igrf(double lon, double lat, double height_m, double year) {
  if (!std::isfinite(lat) || lat < -90 || lat > 90) {
    throw core::InputError("lat", fmt(lat) + " is not a latitude in [-90, 90]");
  }
  if (!std::isfinite(lon)) throw core::InputError("lon", "not a finite longitude");
  // Far below the ellipsoid the geocentric radius would reach 0; nothing there needs a field.
  if (!std::isfinite(height_m) || height_m < -1e6) {
    throw core::InputError("height_m", fmt(height_m) + " is not a height the model is for");
  }
  check_year(year);

  // Geodetic -> geocentric: the point's distance r from the centre and its
  // geocentric latitude psi (WMM report, equations 7 and 8 in its terms).
  const double phi = lat * kDeg;
  const double h = height_m / 1000;
  const double e2 = kWgs84F * (2 - kWgs84F);
  const double sp = std::sin(phi);
  const double cp = std::cos(phi);
  const double rc = kWgs84AKm / std::sqrt(1 - e2 * sp * sp);  // prime vertical radius
  const double rho = (rc + h) * cp;
  const double z = (rc * (1 - e2) + h) * sp;
  const double r = std::hypot(rho, z);
  const double psi = std::atan2(z, rho);

  const auto g = synthesize(coefficients_at(year), std::numbers::pi / 2 - psi, lon * kDeg, r);

  // Rotate north and down about the east axis by psi - phi, from the geocentric
  // frame to the geodetic one (the ellipsoid's normal is not the radius).
  const double d = psi - phi;
  MagneticField f;
  f.north_nT = g.north_nT * std::cos(d) - g.down_nT * std::sin(d);
  f.east_nT = g.east_nT;
  f.down_nT = g.north_nT * std::sin(d) + g.down_nT * std::cos(d);
  const double horizontal = std::hypot(f.north_nT, f.east_nT);
  f.declination_deg = std::atan2(f.east_nT, f.north_nT) / kDeg;
  f.inclination_deg = std::atan2(f.down_nT, horizontal) / kDeg;
  f.total_nT = std::hypot(horizontal, f.down_nT);
  return f;
}

double declination_deg(double lon, double lat, double year) {
  return igrf(lon, lat, 0, year).declination_deg;
}

ModelInfo igrf_info() {
  const Model& mod = model();
  return {"IGRF-14", mod.epochs.front(), mod.epochs.back()};
}

double decimal_year(const core::Date& d) {
  const int y = d.year;
  if (d.month == 0) return y + 0.5;
  const bool leap = core::Date{y, 2, 0}.last_day().day == 29;
  const double days_in_year = leap ? 366 : 365;
  int before = 0;  // whole days of the year before the month starts
  for (int m = 1; m < d.month; ++m) before += core::Date{y, m, 0}.last_day().day;
  const double mid = d.day == 0 ? before + core::Date{y, d.month, 0}.last_day().day / 2.0
                                : before + (d.day - 1) + 0.5;
  return y + mid / days_in_year;
}

namespace detail {

GeocentricField igrf_geocentric(double lon_deg, double colatitude_deg, double radius_km,
                                double year) {
  return synthesize(coefficients_at(year), colatitude_deg * kDeg, lon_deg * kDeg, radius_km);
}

}  // namespace detail

}  // namespace minemap::geo
