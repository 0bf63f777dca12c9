#pragma once
// One fuzz input through one engine path, shared by the libFuzzer targets (fuzz_*.cpp)
// and the regression tests (tests/unit/core/test_fuzz_regressions.cpp).
//
// Each body returns normally when the engine accepts the input or rejects it with a
// gridplan::Error of the "bad input" kinds (ConfigError, InputError, CrsError,
// GeometryError, ...). An InternalError (exit code 4) and any other exception escape: they
// are findings, as are crashes and sanitizer reports.

#include <cstddef>
#include <cstdint>
#include <string>

namespace gridplan::fuzz {

/// What became of one input.
struct Outcome {
    bool rejected = false;  ///< a gridplan::Error the input deserves
    std::string message;    ///< its message
};

/// Bytes -> a project config file -> config::load_project_config.
Outcome run_config(const std::uint8_t* data, std::size_t size);

/// Bytes -> io::OsmTagMapping::parse, then a few tag sets classified with the mapping.
Outcome run_osm_tags(const std::uint8_t* data, std::size_t size);

/// Bytes -> a small district (boundary, barrier lines, water, households, centres as
/// GeoJSON in /vsimem) -> read_district, build_blocks, build_network, plan_grids (50
/// households a grid) and compute_coverage, as `gridplan plan` runs them.
Outcome run_district(const std::uint8_t* data, std::size_t size);

/// The district the bytes decode to, as GeoJSON texts (for reading a reproducer).
struct DistrictFiles {
    std::string boundary, barriers, water, households, centres;
};
DistrictFiles decode_district(const std::uint8_t* data, std::size_t size);

} // namespace gridplan::fuzz
