#pragma once
// The built-in sample district generator (`gridplan synth`): a realistic synthetic
// district modelled on the reference case (Kuiwen district, Weifang) with its barriers,
// water, households, service centres, facilities and units, written as GeoJSON layers
// plus a ready district config (district.json). Deterministic: the same households and
// seed give byte-identical files.

#include "gridplan/core/run_context.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/wrap/geos.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace gridplan::synth {

struct SynthConfig {
    /// Households in the district; the area grows with it (about 35 km2 per 250,000).
    std::int64_t households = 250000;
    std::uint64_t seed = 1;
    /// Seeds run from 0 to max_seed, as plan's (plan.seed, --seed).
    static constexpr std::uint64_t max_seed = 4294967295ULL;
    /// Where the district lies (its centre); the working frame is the UTM zone there.
    double lon = 119.1;
    double lat = 36.7;

    /// Throws ConfigError naming the option ("--households", "--seed", "--lon", "--lat").
    void validate() const;
};

/// Features and length of one barrier class in roads.geojson.
struct RoadClassStats {
    std::size_t features = 0;
    double length_km = 0.0;
};

struct SynthStats {
    std::string working_crs; ///< "EPSG:32650" for the default place
    double area_km2 = 0.0; ///< the district boundary
    std::int64_t households = 0; ///< sum of the household points (equals the config's)
    std::size_t household_points = 0;
    RoadClassStats roads; ///< class "road" (primary, secondary)
    RoadClassStats streets; ///< class "street" (tertiary, residential)
    RoadClassStats alleys; ///< class "alley" (service, footway)
    std::size_t bridges = 0; ///< road features with bridge = "yes"
    std::size_t blocks = 0; ///< land blocks between streets and roads
    std::size_t centres = 0;
    std::size_t facilities = 0;
    std::size_t units = 0;
    std::size_t unit_areas = 0;
    std::size_t landuse_areas = 0;
    /// Households per km2 of residential land in the core (inner fifth) and at the edge
    /// (outer fifth of the radius).
    double residential_density_core = 0.0;
    double residential_density_edge = 0.0;
    /// Share of households within 600 m (straight line) of a community service centre.
    double share_within_600m = 0.0;
};

/// Generates the district and stages its files in `out` (boundary, roads, rivers, water,
/// households, centres, facilities, units, unit_areas, landuse .geojson, district.json and the manifest synth_summary.json);
/// the caller commits. Throws ConfigError for a bad config.
SynthStats write_synth_district(const SynthConfig& config, io::OutputDir& out, const wrap::GeosContext& geos,
                                RunContext& ctx);

} // namespace gridplan::synth
