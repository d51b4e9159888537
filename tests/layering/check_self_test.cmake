# The layering check must fail on the fixture src/ beside this file, naming each bad
# include by file and line, and only those:
#   core/above.hpp:5      a layer above (http)
#   store/beside.cpp:6    a lower layer the table does not give store (analysis)
#   io/undeclared.hpp:3   a folder that is no layer (widgets)
#   widgets               the folder itself
# render/fine.hpp includes only what render may.
#
#   cmake -DCHECKER=cmake/check_layers.cmake -P tests/layering/check_self_test.cmake
cmake_minimum_required(VERSION 3.25)
set(fixture ${CMAKE_CURRENT_LIST_DIR}/src)
execute_process(COMMAND ${CMAKE_COMMAND} -DSRC=${fixture} -P ${CHECKER}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(out "${out}${err}")
set(failed "")
if(rc EQUAL 0)
  string(APPEND failed "the check passed a src/ with bad includes\n")
endif()
foreach(expected IN ITEMS
    "${fixture}/core/above.hpp:5: core includes \"http/server.hpp\": http is a layer above core"
    "${fixture}/store/beside.cpp:6: store includes \"analysis/stats.hpp\": store may not include analysis"
    "${fixture}/io/undeclared.hpp:3: io includes \"widgets/knob.hpp\": widgets is no layer"
    "${fixture}/widgets: a folder that is no layer"
    "4 include(s) break the layering")
  string(FIND "${out}" "${expected}" at)
  if(at EQUAL -1)
    string(APPEND failed "missing: ${expected}\n")
  endif()
endforeach()
string(FIND "${out}" "fine.hpp" at)
if(NOT at EQUAL -1)
  string(APPEND failed "render/fine.hpp was blamed, though each of its includes is allowed\n")
endif()
if(failed)
  message(FATAL_ERROR "layering self-test:\n${failed}the check said:\n${out}")
endif()
message(STATUS "layering self-test: the check fails on each bad include, naming file and line")
