# The layers of src/, lowest first, and the layers each may include: the one table of
# allowed dependencies (docs/ARCHITECTURE.md). CMakeLists.txt makes a static library
# minemap_<layer> of src/<layer>/ linked to the layers named here; cmake/check_layers.cmake
# (the ctest `layering`) fails on an #include "X/..." in src/<layer>/ whose X is not
# named here. A layer may always include its own folder, and only layers listed before
# it. `app` is the executable.
#
#   layer     : may include
set(MINEMAP_LAYER_TABLE
  "core       :"
  "codec      : core"
  "geo        : core"
  "index      : core geo"
  "record     : core geo"
  "analysis   : core geo index record"
  "store      : core codec geo index"
  "io         : core codec geo"
  "render     : core codec geo analysis store"
  "tiles      : core codec geo index store"
  "ops        : core codec geo index record analysis store io render tiles"
  "http       : core codec geo index record analysis store io render tiles ops"
  "app        : core codec geo index record analysis store io render tiles ops http")

# MINEMAP_LAYERS: the layers in order; MINEMAP_LAYER_<layer>_USES: what each may include.
set(MINEMAP_LAYERS "")
foreach(row IN LISTS MINEMAP_LAYER_TABLE)
  string(REGEX MATCH "^([a-z_]+) *:(.*)$" ok "${row}")
  if(NOT ok)
    message(FATAL_ERROR "cmake/layers.cmake: \"${row}\" is not `layer : lower layers`")
  endif()
  set(layer "${CMAKE_MATCH_1}")
  string(STRIP "${CMAKE_MATCH_2}" uses)
  separate_arguments(uses UNIX_COMMAND "${uses}")
  foreach(u IN LISTS uses)
    if(NOT u IN_LIST MINEMAP_LAYERS)
      message(FATAL_ERROR "cmake/layers.cmake: ${layer} may include ${u}, "
                          "which is not a layer listed before it")
    endif()
  endforeach()
  list(APPEND MINEMAP_LAYERS ${layer})
  set(MINEMAP_LAYER_${layer}_USES ${uses})
endforeach()
unset(row)
unset(ok)
unset(layer)
unset(uses)
