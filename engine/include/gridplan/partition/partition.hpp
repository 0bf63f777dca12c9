#pragma once
// Grid planning: partition the blocks into K balanced, contiguous grids of about 6,000
// households, each within a walk radius of its community service centre, with edges on
// the strongest barriers, compact, anchored on existing centres where there are any.
//
// Method: blocks that must stay together (water into a bank, keep-together units) form
// atoms; seeds are existing centres plus household-weighted k-means++ sites; grids are a
// weighted network Voronoi grown over the atom graph (walk distance from the centre plus
// the barriers crossed), its weights balanced towards the target; local search then moves
// boundary atoms (contiguity kept by a reachability check) to cut band deviation,
// households beyond the walk radius and weak-barrier edges; grids are re-centred (the
// existing centre unless a proposed site serves the grid clearly better) and the whole
// repeats until no centre moves; small districts get several starts on worker threads,
// the best kept. Deterministic for a seed, whatever the thread count.

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/core/ids.hpp"
#include "gridplan/core/run_context.hpp"
#include "gridplan/core/service.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/network/network.hpp"
#include "gridplan/partition/tuning.hpp"
#include "gridplan/wrap/geos.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gridplan::partition {

using GridId = StrongId<struct GridIdTag, std::uint32_t>;

struct PartitionConfig {
    /// Seeds run from 0 to max_seed, in a config (plan.seed) and on the command line.
    static constexpr std::uint64_t max_seed = 4294967295ULL;
    static constexpr const char* seed_range = "must be a whole number from 0 to 4294967295";

    double households_per_grid = 6000.0;
    double tolerance = 0.15;        ///< band: target x (1 +- tolerance)
    int grids = 0;                  ///< fixed count; 0 = round(total / target)
    double walk_minutes = 10.0;
    double speed_kmh = 4.8;
    double walk_radius_m = 800.0;   ///< walk_minutes at speed_kmh (set by set_walk)
    std::uint64_t seed = 1;
    int rounds = 3;                 ///< re-centre and improve rounds
    /// An existing centre anchors its grid unless a proposed site would reach more than
    /// this share of the grid's households more within the walk radius.
    double centre_relocate_share = 0.10;
    std::string code_prefix;        ///< administrative prefix of grid codes, e.g. "370705"
    double budget_per_household = 20.0;
    /// The method's own numbers (weights, pass counts, snap caps): see tuning.hpp.
    Tuning tuning;

    void validate() const;
    void set_walk(double minutes, double kmh) {
        walk_minutes = minutes;
        speed_kmh = kmh;
        walk_radius_m = minutes * kmh * 1000.0 / 60.0;
    }
    /// The "gb50180" preset: the 5,000-8,000 household band, 10 minutes = 500 m.
    static PartitionConfig gb50180();
    double band_low() const noexcept { return households_per_grid * (1.0 - tolerance); }
    double band_high() const noexcept { return households_per_grid * (1.0 + tolerance); }
};

/// A community service centre of a grid: an existing one, or proposed.
struct GridCentre {
    double x = 0.0;
    double y = 0.0;
    bool proposed = false;
    std::uint32_t existing = network::no_index;  ///< index into District::centres
};

struct Grid {
    GridId id;                      ///< dense, 0-based; written as grid_id = id + 1 unless `number` is set
    std::uint32_t number = 0;       ///< grid_id as written; 0 = id + 1 (a replan keeps the previous ids)
    std::string code;               ///< as written; empty = the prefix and the zero-padded number
    std::string name;               ///< as written; empty = "Grid <number>"
    std::vector<BlockId> blocks;
    std::int64_t households = 0;
    GridCentre centre;
    wrap::GeomPtr geom;
    double area_m2 = 0.0;
    double perimeter_m = 0.0;
    double max_walk_m = 0.0;        ///< to the grid's centre, over its households
    double p90_walk_m = 0.0;
    double share_within_radius = 0.0;
    /// Length of the grid's edges with other grids by barrier class (index = class).
    std::array<double, barrier_class_count> edge_length_by_class{};
    std::size_t units = 0;
    std::string bounds_desc;
    std::int64_t within_radius = 0;  ///< households within the walk radius of the centre
    std::int64_t reachable_within = 0;  ///< households of the whole district within it
    bool contiguous = true;
    /// The walk check: the share of the grid's households (on the walking network) in the
    /// largest connected piece of the walkable ways inside it or on its edge, and the
    /// households in the other pieces (parts attached without a walkable link excepted).
    double walk_main_share = 1.0;
    std::int64_t walk_cut_off = 0;
    std::vector<BlockId> walk_cut_off_blocks;  ///< the blocks of the households cut off
    std::vector<std::string> flags;  ///< outside_band, beyond_radius, band_radius_conflict, not_contiguous, walk_split
    /// Share of the grid's households within the walk radius of each service (the plan's
    /// centres, existing and proposed, and the facilities offering it); filled in by the
    /// caller from the coverage stage, or NaN.
    std::array<double, service_count> service_share{};

    /// The grid_id every output writes for this grid.
    std::uint32_t written_id() const noexcept { return number != 0 ? number : id.value() + 1; }
};

/// Something the plan could not satisfy, named with ids and the smallest change that
/// would make it feasible. Grid and block ids are 1-based, as written.
struct Infeasibility {
    std::string kind;                  ///< block_above_band, part_outside_band, band_radius_conflict, beyond_radius
    std::vector<std::uint32_t> grids;  ///< grid_id
    std::vector<std::uint32_t> blocks; ///< block_id
    std::int64_t households = 0;       ///< the households concerned
    std::string reason;
    std::string fix;                   ///< the smallest change that makes it feasible
};

struct PlanStats {
    std::int64_t households = 0;
    std::size_t atoms = 0;
    double mean_households = 0.0;
    std::int64_t min_households = 0;
    std::int64_t max_households = 0;
    std::size_t grids_in_band = 0;
    double share_within_radius = 0.0;     ///< households within the radius of their grid's centre
    std::array<double, barrier_class_count> edge_share_by_class{};  ///< of all grid-to-grid edges
    double mean_polsby_popper = 0.0;
    std::size_t existing_centres_used = 0;
    std::size_t proposed_centres = 0;
    std::size_t islands_attached = 0;     ///< parts linked to a grid across water without a bridge
    std::size_t grids_not_contiguous = 0; ///< grids whose blocks do not connect (0 for plan_grids)
};

struct PlanResult {
    std::vector<Grid> grids;                 ///< in grid_id order
    std::vector<GridId> grid_of_block;       ///< per block
    std::vector<GridId> grid_of_unit;        ///< per District::units entry (invalid if outside)
    /// Per District::households entry: the walk (m) from where it joins the network to
    /// its grid's centre (infinity when no walk reaches it, NaN when it is in no block).
    std::vector<double> household_walk_m;
    PlanStats stats;
    std::vector<Infeasibility> infeasible;
    /// Share of all the district's households within the walk radius of each service, as
    /// service_share over the whole district (plan.json service_coverage); empty when the
    /// caller did not measure it.
    std::optional<std::array<double, service_count>> service_coverage;
};

/// The id a grid's proposed centre is written with ("P" and the grid's number).
std::string proposed_centre_id(const Grid& g);

/// Plans grids over the blocks. `nest_within` polygons (may be empty) must not be crossed.
PlanResult plan_grids(const io::District& district, const blocks::BlocksResult& blocks,
                      const network::WalkNetwork& net, const std::vector<io::PolygonFeature>& nest_within,
                      const PartitionConfig& config, const wrap::GeosContext& geos, RunContext& ctx);

/// Share (0..1) of the district's area inside the `nest_within` polygons.
double nest_within_share(const io::District& district, const std::vector<io::PolygonFeature>& nest_within,
                         const wrap::GeosContext& geos);

/// Checks `nest_within` polygons read from `source` against the district: an InputError
/// naming the source when they cover none of it (a wrong file or CRS), a warning with the
/// share covered when they leave part of it out (that part is planned as one more area no
/// grid crosses).
void check_nest_within(const io::District& district, const std::vector<io::PolygonFeature>& nest_within,
                       const std::string& source, const wrap::GeosContext& geos, RunContext& ctx);

/// Evaluates a given assignment of blocks to grids 0..K-1 (a baseline's, or an edited
/// plan) with the same centre rule and measures as plan_grids. Blocks are joined as
/// plan_grids joins them: a water block goes with the bank it merges into and empty land
/// no walk reaches with its neighbour (each such atom takes the grid of its block with
/// most households), so grid_of_block may differ from the given one for those blocks;
/// keep-together units are measured as given, split or not. The result's grids are
/// numbered geographically, as plan_grids numbers them; `result_grid_of`, when given,
/// receives for each given grid k the index of its grid in the result.
PlanResult evaluate_assignment(const io::District& district, const blocks::BlocksResult& blocks,
                               const network::WalkNetwork& net, const std::vector<std::uint32_t>& grid_of_block,
                               const PartitionConfig& config, const wrap::GeosContext& geos, RunContext& ctx,
                               std::vector<std::uint32_t>* result_grid_of = nullptr);

} // namespace gridplan::partition
