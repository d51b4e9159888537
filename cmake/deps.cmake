# Every library minemap builds with is a Debian package that scripts/bootstrap installs.
# Each is looked for here, at configure time; the global property MINEMAP_MISSING lists
# those not found as "package (what was looked for)", and the top CMakeLists.txt stops
# with one line that names them all, never a compiler error halfway through the build.

function(minemap_missing what package)
  set_property(GLOBAL APPEND PROPERTY MINEMAP_MISSING "${package} (${what})")
endfunction()

# find_package(<name> [args...]); <package> is named when it fails.
macro(minemap_find_package name package)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    minemap_missing("${name} (CMake package)" ${package})
  endif()
endmacro()

# A pkg-config module as the imported target PkgConfig::<prefix>.
macro(minemap_pkg_check prefix module package)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  endif()
  if(NOT ${prefix}_FOUND)
    minemap_missing("${module} (pkg-config module)" ${package})
  endif()
endmacro()

# A header-only library without a CMake package: the INTERFACE target <target>, found
# by one of its headers.
function(minemap_header_library target header package)
  find_path(${target}_INCLUDE_DIR ${header})
  if(${target}_INCLUDE_DIR)
    add_library(${target} INTERFACE IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${${target}_INCLUDE_DIR})
  else()
    minemap_missing("${header}" ${package})
  endif()
endfunction()

# A compiled library without a CMake package: the imported target <target>, found by its
# header and its library file.
function(minemap_plain_library target header library package)
  find_path(${target}_INCLUDE_DIR ${header})
  find_library(${target}_LIBRARY NAMES ${library})
  if(${target}_INCLUDE_DIR AND ${target}_LIBRARY)
    add_library(${target} UNKNOWN IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES IMPORTED_LOCATION ${${target}_LIBRARY}
      INTERFACE_INCLUDE_DIRECTORIES ${${target}_INCLUDE_DIR})
  else()
    minemap_missing("${header}, lib${library}" ${package})
  endif()
endfunction()

find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  minemap_missing("pkg-config" pkg-config)
endif()

minemap_find_package(SQLite3 libsqlite3-dev)
minemap_find_package(ZLIB zlib1g-dev)
minemap_find_package(GEOS libgeos-dev 3.11 CONFIG)
minemap_find_package(PROJ libproj-dev CONFIG)
minemap_find_package(GDAL libgdal-dev CONFIG)
minemap_find_package(CLI11 libcli11-dev CONFIG)
minemap_find_package(nlohmann_json nlohmann-json3-dev 3.10 CONFIG)
minemap_find_package(Threads libc6-dev)
minemap_pkg_check(SODIUM libsodium libsodium-dev)
# The server store on PostgreSQL + PostGIS (src/store/pg/libpq.cpp alone).
minemap_pkg_check(PQ libpq libpq-dev)
# The HTTP server (src/http/server.cpp alone): Boost.Beast and Asio, header-only, and
# OpenSSL for HTTPS.
minemap_find_package(Boost libboost-dev 1.74 CONFIG)
minemap_find_package(OpenSSL libssl-dev)
minemap_plain_library(GeographicLib::GeographicLib GeographicLib/Geodesic.hpp GeographicLib
  libgeographiclib-dev)
# Gradient-boosted trees of `minemap risk` (src/analysis/gbt.cpp alone): the XGBoost C API.
minemap_plain_library(xgboost::xgboost xgboost/c_api.h xgboost libxgboost-dev)
minemap_header_library(protozero::protozero protozero/pbf_writer.hpp libprotozero-dev)
# The web map's text: glyphs made at build time (web/glyphs/make_glyphs.cpp) with FreeType
# from the Open Sans fonts of Debian's fonts-open-sans (Apache 2.0).
minemap_find_package(Freetype libfreetype-dev)
set(MINEMAP_GLYPH_FONT_DIR /usr/share/fonts/truetype/open-sans)
if(NOT EXISTS ${MINEMAP_GLYPH_FONT_DIR}/OpenSans-Regular.ttf)
  minemap_missing("${MINEMAP_GLYPH_FONT_DIR}/OpenSans-Regular.ttf" fonts-open-sans)
endif()
if(MINEMAP_TESTS)
  minemap_find_package(GTest libgtest-dev)
  if(NOT TARGET GTest::gmock)
    minemap_missing("GoogleMock" libgmock-dev)
  endif()
endif()
if(MINEMAP_BENCH)
  minemap_find_package(benchmark libbenchmark-dev CONFIG)
endif()
