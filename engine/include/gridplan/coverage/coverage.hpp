#pragma once
// Coverage: who can reach a community service centre, and each of the eight services,
// within the walk radius on the walking network; service areas; and where new centres
// would cover the most households (maximal covering, lazy greedy).

#include "gridplan/core/run_context.hpp"
#include "gridplan/core/service.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/network/network.hpp"
#include "gridplan/wrap/geos.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gridplan::coverage {

/// A community service centre, a service facility or a candidate site.
using ServicePoint = io::PointFeature;

struct CoverageConfig {
    double radius_min = 10.0;
    double speed_kmh = 4.8;
    /// Per-service radius in minutes; 0 = radius_min (a preset carries GB 50180's tiers).
    std::array<double, service_count> service_radius_min{};
    /// Width of the buffer around reached edges that makes a service area.
    double service_area_buffer_m = 25.0;
    /// Whether to build the service areas (polygons); callers that only need the
    /// figures (plan) turn them off.
    bool with_service_areas = true;
    network::NetworkConfig network;

    void validate() const;
    double metres_per_minute() const noexcept { return speed_kmh * 1000.0 / 60.0; }
    double radius_m() const noexcept { return radius_min * metres_per_minute(); }
    double service_radius_m(Service s) const noexcept;

    /// The "gb50180" preset: 10 minutes = 500 m (3 km/h on the network), with the
    /// 5-minute circle for childcare, elderly care, shopping and fitness and the
    /// 15-minute circle for medical care.
    static CoverageConfig gb50180();
};

struct SuggestConfig {
    int sites = 0;               ///< --suggest N (0 = none)
    double target_share = 0.0;   ///< --target SHARE (0 = none); 1 = cover everyone reachable
    double candidate_spacing_m = 100.0;  ///< thinning of network-node candidates
    /// Candidate sites (working CRS); empty: network nodes, one per spacing cell.
    std::vector<ServicePoint> candidates;

    bool active() const noexcept { return sites > 0 || target_share > 0.0; }
    void validate() const;
};

/// Walk distances of one household point (metres; network::unreachable if none).
struct HouseholdCoverage {
    double centre_m = network::unreachable;
    std::uint32_t centre = network::no_index;  ///< nearest centre
    std::array<double, service_count> service_m{};
    bool on_network = false;
};

struct CentreCoverage {
    bool on_network = false;
    bool inside_district = true;
    std::int64_t households_served = 0;   ///< nearest centre and within the radius
    std::int64_t households_in_area = 0;  ///< within the radius of this centre
    wrap::GeomPtr service_area;           ///< reached edges, buffered and unioned (may be null)
};

struct Proposal {
    ServicePoint site;
    std::int64_t households_newly_covered = 0;
    double share_after = 0.0;
};

struct Summary {
    std::int64_t households = 0;
    std::int64_t within_radius_any = 0;
    std::array<std::int64_t, service_count> within_radius_by_service{};
    std::int64_t all_services = 0;
    std::int64_t unreachable = 0;      ///< nothing reaches them (no centre in their component, or off the network)
    std::int64_t off_network = 0;      ///< farther than the snap cap from any walkable edge
    double walk_min_p50 = network::unreachable;
    double walk_min_p90 = network::unreachable;
    double walk_min_p99 = network::unreachable;

    double share(std::int64_t n) const noexcept {
        return households > 0 ? static_cast<double>(n) / static_cast<double>(households) : 0.0;
    }
};

struct CoverageResult {
    std::vector<HouseholdCoverage> households;  ///< parallel to District::households
    std::vector<CentreCoverage> centres;        ///< parallel to the centres given
    Summary summary;
    std::vector<Proposal> proposals;
    std::optional<Summary> summary_after;       ///< with the proposed centres
};

/// The facilities' and centres' services by household; service areas per centre.
CoverageResult compute_coverage(const io::District& district, const network::WalkNetwork& net,
                                const std::vector<ServicePoint>& centres, const std::vector<ServicePoint>& facilities,
                                const CoverageConfig& config, const SuggestConfig& suggest,
                                const wrap::GeosContext& geos, RunContext& ctx);

/// The figures over the households (all, or only those listed), as in coverage.json.
Summary summarise(const io::District& district, const std::vector<HouseholdCoverage>& cover,
                  const CoverageConfig& config, const std::vector<std::size_t>* only = nullptr);

/// Household-weighted percentile (0..1) of finite values; unreachable if none.
double weighted_percentile(std::vector<std::pair<double, std::int64_t>> values, double q);

} // namespace gridplan::coverage
