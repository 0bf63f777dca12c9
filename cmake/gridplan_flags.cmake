# Compiler flags and warnings for every gridplan target, carried by an INTERFACE target
# instead of global settings.
add_library(gridplan_cxx_flags INTERFACE)
add_library(gridplan::cxx_flags ALIAS gridplan_cxx_flags)
target_compile_features(gridplan_cxx_flags INTERFACE cxx_std_17)
target_compile_options(gridplan_cxx_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wnull-dereference -Wdouble-promotion)
target_compile_definitions(gridplan_cxx_flags INTERFACE GEOS_USE_ONLY_R_API)
if(GRIDPLAN_WERROR)
  target_compile_options(gridplan_cxx_flags INTERFACE -Werror)
endif()
if(GRIDPLAN_SANITIZE)
  target_compile_options(gridplan_cxx_flags INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(gridplan_cxx_flags INTERFACE -fsanitize=address,undefined)
endif()
