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
# libFuzzer (GRIDPLAN_FUZZ): the engine and everything built with it carry the fuzzer's
# coverage instrumentation and ASan/UBSan; only the fuzz targets (gridplan::fuzz_flags)
# link libFuzzer's main. Clang only (Debian: clang, libclang-rt-14-dev).
if(GRIDPLAN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "GRIDPLAN_FUZZ needs clang: configure with CC=clang CXX=clang++ "
                        "(Debian packages clang and libclang-rt-14-dev)")
  endif()
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer,address,undefined)
  check_cxx_source_compiles([[
    #include <cstddef>
    #include <cstdint>
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }
  ]] GRIDPLAN_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  if(NOT GRIDPLAN_HAVE_LIBFUZZER)
    message(FATAL_ERROR "GRIDPLAN_FUZZ: clang cannot link -fsanitize=fuzzer (install libclang-rt-14-dev)")
  endif()
  target_compile_options(gridplan_cxx_flags INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(gridplan_cxx_flags INTERFACE -fsanitize=address,undefined)
  add_library(gridplan_fuzz_flags INTERFACE)
  add_library(gridplan::fuzz_flags ALIAS gridplan_fuzz_flags)
  target_link_options(gridplan_fuzz_flags INTERFACE -fsanitize=fuzzer,address,undefined)
endif()
