// IGRF-14 against values published with the IAGA reference programs and their
// outputs, not computed by this code. Where a value comes from an IGRF-13 program,
// it is for a date before 2015.0: IGRF-13 and IGRF-14 are identical there (the
// definitive DGRF coefficients 1945-2015 did not change, nor 1900-1940).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "geo/geomag.hpp"

namespace minemap::geo {
namespace {

// --- The synthesis in the geocentric frame ---------------------------------------------------
//
// The official IAGA V-MOD Python program's own tests: github.com/ciaranbe/pyIGRF,
// tests/tests_igrf14.py (commit 3832f7f3), "checked independently against igrf.f and
// D. Kerridge Jupyter Notebook implementation". Inputs: decimal year, geocentric
// colatitude (deg), east longitude (deg), radius (km); outputs X, Y, Z (nT) to 0.01 nT.
// (An older version of that file had a row 2025, 90, 45, 6900 made with coefficients
// later corrected in 2025.0; it is left out.)
struct GeocentricCase {
  double year, colatitude, lon, radius_km;
  double x, y, z;
};

constexpr GeocentricCase kPyIgrfCases[] = {
    {1900, 175, -150, 6300, -5072.93, 10620.34, -67233.55},
    {1915, 155, -120, 6350, 14692.62, 12387.97, -59640.81},
    {1930, 135, -90, 6400, 23925.47, 10358.94, -30640.98},
    {1945, 115, -60, 6450, 23642.86, -200.29, -7607.92},
    {1960, 95, -30, 6500, 23647.00, -9302.27, -3610.73},
    {1975, 75, 0, 6550, 30050.59, -3367.82, 6332.69},
    {1990, 55, 30, 6600, 25224.81, 1058.25, 30965.61},  // 35N 30E, eastern Mediterranean
    {2005, 35, 60, 6650, 14718.37, 2842.99, 46050.88},  // 55N 60E, southern Urals
    {2010, 170, 0, 6371, 17529.48, -7143.78, -42722.46},
    {2020, 15, 90, 6700, 3734.07, 1294.17, 50833.13},
    {2025, 56, -3, 6375, 28927.56, 261.98, 30910.08},
    {2030, 45, -5, 6375, 22959.82, 224.80, 40764.14},  // the end of the SV extrapolation
};

TEST(Geomag, GeocentricFieldMatchesTheIagaPythonProgram) {
  for (const auto& c : kPyIgrfCases) {
    SCOPED_TRACE(testing::Message() << c.year << " colat " << c.colatitude << " lon " << c.lon);
    const auto f = detail::igrf_geocentric(c.lon, c.colatitude, c.radius_km, c.year);
    // Printed to 0.01 nT; measured differences are at most 0.010 nT.
    EXPECT_NEAR(f.north_nT, c.x, 0.02);
    EXPECT_NEAR(f.east_nT, c.y, 0.02);
    EXPECT_NEAR(f.down_nT, c.z, 0.02);
  }
}

// --- Geodetic input, at the surface -----------------------------------------------------------
//
// Output of the official IGRF-13 Fortran program (igrf13.f, time-series mode),
// stored as test data by github.com/proway2/go-igrf, testdata/set2:
// "Lat 59.900 geodetic Long 39.900 0.000 km" (north-west Russia, near Vologda).
// D to 0.01 deg; X, Y, Z, F in whole nT.
struct SurfaceCase {
  double year;
  double d, x, y, z, f;
};

constexpr SurfaceCase kVologdaCases[] = {
    {1985.5, 10.67, 14747, 2780, 50456, 52640}, {1990.5, 10.91, 14646, 2824, 50511, 52667},
    {1991.5, 10.98, 14631, 2839, 50527, 52679}, {1992.5, 11.05, 14616, 2853, 50543, 52691},
    {1993.5, 11.11, 14601, 2868, 50559, 52703}, {1994.5, 11.18, 14586, 2882, 50576, 52716},
    {1995.5, 11.25, 14573, 2899, 50607, 52743}, {1999.5, 11.57, 14527, 2974, 50790, 52911},
    {2000.5, 11.66, 14517, 2995, 50836, 52953}, {2005.5, 12.14, 14474, 3114, 51059, 53162},
    {2010.5, 12.73, 14399, 3253, 51256, 53339}, {2014.5, 13.30, 14320, 3386, 51432, 53496},
};

// Half the last printed digit plus a little: the measured D errors are at most 0.0049
// deg (1985.5, 1990.5), X, Y, Z, F within 0.5 nT of the rounded values.
constexpr double kTwoDecimalsDeg = 0.006;
constexpr double kWholeNt = 1.0;

TEST(Geomag, MatchesTheFortranProgramNearVologdaThroughThe1990s) {
  for (const auto& c : kVologdaCases) {
    SCOPED_TRACE(testing::Message() << c.year);
    const auto f = igrf(39.9, 59.9, 0, c.year);
    EXPECT_NEAR(f.declination_deg, c.d, kTwoDecimalsDeg);
    EXPECT_NEAR(f.north_nT, c.x, kWholeNt);
    EXPECT_NEAR(f.east_nT, c.y, kWholeNt);
    EXPECT_NEAR(f.down_nT, c.z, kWholeNt);
    EXPECT_NEAR(f.total_nT, c.f, kWholeNt);
    EXPECT_DOUBLE_EQ(declination_deg(39.9, 59.9, c.year), f.declination_deg);
  }
}

TEST(Geomag, MatchesTheFortranProgramAtTheNorthPole) {
  // go-igrf testdata/set6: "Lat 90.000 geodetic Long 40.000 0.000 km NorthPole", the
  // official Fortran program again; at the pole north is along the meridian 40E.
  constexpr SurfaceCase kPole[] = {{1990.5, 8.03, 2154, 304, 56343, 56385},
                                   {1995.5, 10.06, 2063, 366, 56244, 56283}};
  for (const auto& c : kPole) {
    SCOPED_TRACE(testing::Message() << c.year);
    const auto f = igrf(40, 90, 0, c.year);
    EXPECT_NEAR(f.declination_deg, c.d, kTwoDecimalsDeg);  // measured 0.0023, 0.0045
    EXPECT_NEAR(f.north_nT, c.x, kWholeNt);
    EXPECT_NEAR(f.east_nT, c.y, kWholeNt);
    EXPECT_NEAR(f.down_nT, c.z, kWholeNt);
    EXPECT_NEAR(f.total_nT, c.f, kWholeNt);
  }
}

TEST(Geomag, MatchesTheFortranProgramInSiberia2010) {
  // github.com/space-physics/igrf, src/igrf/tests/test_mod.py: the official igrf13.f
  // (model=13) at 2010-07-12 00:00 (decimal year 2010 + 192/365), 65N 85E, 0 km.
  const auto f = igrf(85, 65, 0, 2010 + 192.0 / 365);
  EXPECT_NEAR(f.declination_deg, 15.396590, 1e-4);  // measured 1e-6
  EXPECT_NEAR(f.inclination_deg, 80.821575, 1e-4);  // measured 3e-6
  // Measured within 0.015 nT (the Fortran's ellipsoid constants are rounded).
  EXPECT_NEAR(f.north_nT, 9295.415460, 0.05);
  EXPECT_NEAR(f.east_nT, 2559.7889298, 0.05);
  EXPECT_NEAR(f.down_nT, 59670.379598, 0.05);
  EXPECT_NEAR(f.total_nT, 60444.284008, 0.05);
}

// --- The model's limits -----------------------------------------------------------------------

TEST(Geomag, RefusesYearsOutsideTheModel) {
  EXPECT_THROW(igrf(47, 40, 0, 1899.99), core::InputError);
  EXPECT_THROW(igrf(47, 40, 0, 2030.01), core::InputError);
  EXPECT_THROW(declination_deg(47, 40, 1850), core::InputError);
  EXPECT_THROW(igrf(47, 40, 0, std::numeric_limits<double>::quiet_NaN()), core::InputError);
  EXPECT_NO_THROW(igrf(47, 40, 0, 1900));
  EXPECT_NO_THROW(igrf(47, 40, 0, 2030));
}

TEST(Geomag, RefusesBadPositions) {
  EXPECT_THROW(igrf(47, 90.5, 0, 1995), core::InputError);
  EXPECT_THROW(igrf(47, -91, 0, 1995), core::InputError);
  EXPECT_THROW(igrf(std::numeric_limits<double>::infinity(), 40, 0, 1995), core::InputError);
  EXPECT_THROW(igrf(47, 40, std::numeric_limits<double>::quiet_NaN(), 1995), core::InputError);
}

TEST(Geomag, PolesGiveFiniteFieldsThatJoinTheirSurroundings) {
  for (double lat : {90.0, -90.0}) {
    for (double lon : {-180.0, 0.0, 47.0, 180.0}) {
      SCOPED_TRACE(testing::Message() << lat << " " << lon);
      const auto f = igrf(lon, lat, 0, 1995);
      EXPECT_TRUE(std::isfinite(f.north_nT) && std::isfinite(f.east_nT) &&
                  std::isfinite(f.down_nT) && std::isfinite(f.declination_deg) &&
                  std::isfinite(f.inclination_deg));
      EXPECT_GT(f.total_nT, 50000);  // near the poles the field is 53000-58000 nT
      // 1 cm from the pole along the same meridian the frame is the same.
      const auto near = igrf(lon, lat > 0 ? lat - 1e-7 : lat + 1e-7, 0, 1995);
      EXPECT_NEAR(near.north_nT, f.north_nT, 0.01);
      EXPECT_NEAR(near.east_nT, f.east_nT, 0.01);
      EXPECT_NEAR(near.down_nT, f.down_nT, 0.01);
    }
  }
  // Geocentric colatitude 0 and 180 exactly, where sin(theta) is 0.
  for (double colatitude : {0.0, 180.0}) {
    const auto g = detail::igrf_geocentric(0, colatitude, 6371.2, 1995);
    EXPECT_TRUE(std::isfinite(g.north_nT) && std::isfinite(g.east_nT) && std::isfinite(g.down_nT));
  }
}

TEST(Geomag, TimeIsContinuousAcrossEpochs) {
  // The coefficients are linear between epochs, so the field has no step at one;
  // 1995.0 is also where the model goes from degree 10 to degree 13, and 2025.0
  // where the definitive field ends and the secular variation starts.
  for (double epoch : {1995.0, 2025.0}) {
    SCOPED_TRACE(epoch);
    const auto before = igrf(47, 40, 0, epoch - 1e-9);
    const auto at = igrf(47, 40, 0, epoch);
    const auto after = igrf(47, 40, 0, epoch + 1e-9);
    EXPECT_NEAR(before.north_nT, after.north_nT, 1e-5);
    EXPECT_NEAR(before.east_nT, after.east_nT, 1e-5);
    EXPECT_NEAR(before.down_nT, after.down_nT, 1e-5);
    EXPECT_NEAR(at.declination_deg, before.declination_deg, 1e-9);
    EXPECT_NEAR(at.declination_deg, after.declination_deg, 1e-9);
  }
}

TEST(Geomag, ExtrapolatesLinearlyWithTheSecularVariationAfter2025) {
  // The field is linear in the coefficients and they are linear in time, so the
  // geocentric components at 2027.5 are the mean of those at 2025 and 2030.
  const auto a = detail::igrf_geocentric(47, 50, 6371.2, 2025);
  const auto b = detail::igrf_geocentric(47, 50, 6371.2, 2030);
  const auto mid = detail::igrf_geocentric(47, 50, 6371.2, 2027.5);
  EXPECT_NEAR(mid.north_nT, (a.north_nT + b.north_nT) / 2, 1e-6);
  EXPECT_NEAR(mid.east_nT, (a.east_nT + b.east_nT) / 2, 1e-6);
  EXPECT_NEAR(mid.down_nT, (a.down_nT + b.down_nT) / 2, 1e-6);
}

TEST(Geomag, ModelInfo) {
  const ModelInfo info = igrf_info();
  EXPECT_EQ(info.name, "IGRF-14");
  EXPECT_EQ(info.first_year, 1900);
  EXPECT_EQ(info.last_year, 2030);
}

TEST(Geomag, DecimalYearIsTheMiddleOfTheDatesPeriod) {
  EXPECT_DOUBLE_EQ(decimal_year({1994, 0, 0}), 1994.5);
  // May 1994: 120 days before it, 31 in it, 365 in the year.
  EXPECT_DOUBLE_EQ(decimal_year({1994, 5, 0}), 1994 + (120 + 15.5) / 365);
  EXPECT_DOUBLE_EQ(decimal_year({1994, 5, 14}), 1994 + (120 + 13.5) / 365);
  // Leap years have 366 days; February 2000 has 29.
  EXPECT_DOUBLE_EQ(decimal_year({2000, 1, 1}), 2000 + 0.5 / 366);
  EXPECT_DOUBLE_EQ(decimal_year({2000, 12, 31}), 2000 + 365.5 / 366);
  EXPECT_DOUBLE_EQ(decimal_year({2000, 2, 0}), 2000 + (31 + 14.5) / 366);
}

}  // namespace
}  // namespace minemap::geo
