# The one-input bodies of the fuzz targets, shared by tests/fuzz (libFuzzer targets) and
# tests/ (the regression tests that replay tests/fuzz/regressions/). Included from both;
# defined once.
include_guard(GLOBAL)
add_library(gridplan_fuzz_bodies STATIC
  ${CMAKE_CURRENT_LIST_DIR}/fuzz_config_body.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fuzz_osm_tags_body.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fuzz_district_body.cpp)
target_include_directories(gridplan_fuzz_bodies PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gridplan_fuzz_bodies PUBLIC gridplan::engine)
