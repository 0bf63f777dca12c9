#pragma once
// The libFuzzer side of a fuzz target: an expected gridplan::Error is a normal outcome;
// an InternalError or any other exception is a finding, turned into abort() so that
// libFuzzer saves the input (crashes and sanitizer reports stop the run by themselves).

#include "gridplan/core/error.hpp"

#include <cpl_error.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

namespace gridplan::fuzz {

/// GDAL prints errors outside the engine's scoped handlers; keep the fuzzer's log readable.
inline void quiet_gdal() { CPLSetErrorHandler(CPLQuietErrorHandler); }

/// With GRIDPLAN_FUZZ_VERBOSE=1 in the environment, every input's outcome is printed
/// (to see what a corpus reaches: replay it with -runs=0).
template <typename Body>
int guarded(const char* target, Body&& body, const std::uint8_t* data, std::size_t size) {
    static const bool verbose = [] {
        const char* v = std::getenv("GRIDPLAN_FUZZ_VERBOSE");
        return v != nullptr && v[0] == '1';
    }();
    try {
        const auto outcome = body(data, size);
        if (verbose) {
            std::fprintf(stderr, "%s: %zu bytes: %s\n", target, size,
                         outcome.rejected ? ("rejected: " + outcome.message).c_str() : "accepted");
        }
    } catch (const InternalError& e) {
        std::fprintf(stderr, "%s: FINDING: InternalError: %s\n", target, e.what());
        std::abort();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: FINDING: %s (not a gridplan::Error): %s\n", target, typeid(e).name(), e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "%s: FINDING: an exception that is not a std::exception\n", target);
        std::abort();
    }
    return 0;
}

} // namespace gridplan::fuzz
