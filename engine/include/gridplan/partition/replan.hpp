#pragma once
// Re-planning after demolition and redevelopment (`gridplan replan`): the grids of a
// previous plan (a gridplan output, or grid boundaries drawn by hand) are carried onto
// today's blocks, repaired where the district changed, and keep their ids, codes and names.
//
//   read_previous_plan  the previous grid layer, checked (ids, overlaps)
//   carry_previous      each of today's blocks to the previous grid holding most of its
//                       households (most of its area when it has none); uncovered blocks
//   replan_grids        the repaired plan, with the previous grids' ids
//   persist_grid_ids    gives a plan's grids the previous ids (new ones above the maximum)
//
// What changed is measured in gridplan/partition/changes.hpp.

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/core/ids.hpp"
#include "gridplan/core/run_context.hpp"
#include "gridplan/crs/crs.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/network/network.hpp"
#include "gridplan/partition/partition.hpp"
#include "gridplan/wrap/geos.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace gridplan::partition {

using network::no_index;

/// A grid of the previous plan, in the working CRS.
struct PreviousGrid {
    std::uint32_t grid_id = 0;  ///< as written, 1 or more
    std::string code;           ///< the layer's "code" field; "" if it has none
    std::string name;           ///< the layer's "name" field; "" if it has none
    wrap::GeomPtr geom;         ///< Polygon or MultiPolygon, valid
    SourceFid fid;
    /// The layer's "households" field (a gridplan output), or -1 if it has none: a grid
    /// whose households did not change is left alone by a replan.
    std::int64_t households = -1;
    /// Its centre, from the "centre_id" and "proposed" fields (a gridplan output): an
    /// existing centre's id, or a proposed one located in the previous plan's centres
    /// layer beside the grid layer (centre_x/y NaN when not found). Empty: unknown.
    std::string centre_id;
    bool centre_proposed = false;
    double centre_x = std::numeric_limits<double>::quiet_NaN();
    double centre_y = std::numeric_limits<double>::quiet_NaN();
};

struct PreviousPlan {
    std::vector<PreviousGrid> grids;  ///< sorted by grid_id
    std::string source;               ///< "path:layer", for messages
    /// The highest grid id ever given: the layer's, or the `replan.max_id` of the plan.json
    /// beside it if higher (a grid retired earlier keeps its id out of use).
    std::uint32_t max_id = 0;

    /// Index into `grids` of a grid id, or no_index.
    std::uint32_t index_of(std::uint32_t grid_id) const noexcept;
};

/// Overlaps of previous grids below this area (m2) are drawing noise and not reported.
constexpr double previous_overlap_tolerance_m2 = 1.0;

/// Reads the previous grids from `source` into `working`: the grid id from `id_field`
/// (a whole number from 1 to 4294967295), the code and name from the fields "code" and
/// "name" when the layer has them. InputError naming the file, layer, fid and field for a
/// missing id field, features without an id or with one that is not a whole number,
/// duplicate ids (naming them and their fids), geometries that are not polygons or are
/// empty. Overlaps above previous_overlap_tolerance_m2 are a warning naming the pairs of
/// ids and the overlap area; invalid polygons are repaired with a warning naming the ids.
PreviousPlan read_previous_plan(const io::SourceSpec& source, const std::string& id_field, const crs::Crs& working,
                                const wrap::GeosContext& geos, RunContext& ctx);

/// The previous plan on today's blocks.
struct CarriedPlan {
    /// Per block: index into PreviousPlan::grids, or no_index when no previous grid covers it.
    std::vector<std::uint32_t> grid_of_block;
    std::vector<BlockId> uncovered;    ///< blocks no previous grid covers, in id order
    double uncovered_area_m2 = 0.0;    ///< district area outside every previous grid
    double uncovered_share = 0.0;      ///< of the district's area
};

/// Carries the previous grids onto `blocks`: a block goes to the previous grid holding
/// most of its households (point in polygon; a point in an overlap counts for the lower
/// id), or, when none of its households lies in a previous grid, the one covering most of
/// its area; ties go to the larger area, then the lower id. A block whose largest overlap
/// with a previous grid is below 1% of its area, and none of whose households lies in
/// one, is uncovered. InputError naming the source when the previous grids cover none
/// of the district (a wrong file or CRS); warnings for partial coverage (the uncovered
/// area and share) and for uncovered blocks (their block ids, capped).
CarriedPlan carry_previous(const PreviousPlan& previous, const blocks::BlocksResult& blocks,
                           const io::District& district, const wrap::GeosContext& geos, RunContext& ctx);

struct ReplanOptions {
    /// 0..1: how much households moved weigh against plan quality (1: move nobody).
    double stability = 0.8;
    /// Grids kept exactly as they are, by grid id as written.
    std::vector<std::uint32_t> locked;

    /// ConfigError "replan.stability" (outside 0..1) or "replan.lock" (an id of 0).
    void validate() const;
    /// ConfigError "replan.lock" naming the locked ids the previous plan does not have.
    void check_locked(const PreviousPlan& previous) const;
};

/// Repairs the carried plan (see replan.cpp for the method): every block in exactly one
/// grid, the hard rules of a plan restored, grids that still meet them left as they are
/// (at stability 0.5 or more), previous grids with no blocks left retired, new grids (ids
/// above PreviousPlan::max_id) where needed. `persisting` holds, per household point of
/// today, the households present before (persisting_households() in changes.hpp; empty:
/// all): only their moves count against stability. The result's grids carry the
/// persisted ids, codes and names (Grid::number, code, name) and are in grid id order;
/// grid_of_block stays dense (GridId = index into grids).
PlanResult replan_grids(const io::District& district, const blocks::BlocksResult& blocks,
                        const network::WalkNetwork& net, const std::vector<io::PolygonFeature>& nest_within,
                        const PartitionConfig& config, const PreviousPlan& previous, const CarriedPlan& carried,
                        const std::vector<std::int64_t>& persisting, const ReplanOptions& options,
                        const wrap::GeosContext& geos, RunContext& ctx);

/// Gives the grids of `plan` (fresh from plan_grids or evaluate_assignment: ids dense,
/// infeasible grid ids dense + 1) their persisted ids: grid g continues
/// previous.grids[previous_of_grid[g]] (its id, code and name) or, for no_index, is new
/// and gets the next id above previous.max_id, in the plan's order. Then the grids are
/// sorted by grid id and grid_of_block, grid_of_unit and the infeasible entries' grid ids
/// follow. InternalError if two grids continue the same previous grid.
void persist_grid_ids(PlanResult& plan, const std::vector<std::uint32_t>& previous_of_grid,
                      const PreviousPlan& previous);

} // namespace gridplan::partition
