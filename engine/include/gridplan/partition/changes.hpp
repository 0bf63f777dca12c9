#pragma once
// What a replan changed: households kept in their grid, moved, new and removed, measured
// on household points (point in polygon in the previous and the new grid layer), and per
// grid the blocks and households gained and lost. Written as changes.json and
// changes.geojson, and as the "replan" section of plan.json.

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/partition/partition.hpp"
#include "gridplan/partition/replan.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace gridplan::partition {

/// One grid before and after.
struct GridChange {
    std::uint32_t grid_id = 0;
    std::int64_t households_before = 0;  ///< previous households inside the previous polygon
    std::int64_t households_after = 0;   ///< the new grid's households
    std::size_t blocks_gained = 0;       ///< blocks carried to another grid (or uncovered), now in this one
    std::size_t blocks_lost = 0;         ///< blocks carried to this grid, now in another
    std::int64_t households_in = 0;      ///< persisting households that moved into this grid
    std::int64_t households_out = 0;     ///< persisting households that moved out of it
    std::string status;                  ///< kept, changed, new, retired
};

struct Changes {
    /// Households present before and after (the same point within 0.01 m, or the same
    /// building id), counted min(before, after) at each; without previous households,
    /// every household of today.
    std::int64_t households_persisting = 0;
    std::int64_t households_moved = 0;    ///< persisting households whose grid id changed
    double share_kept = 1.0;              ///< 1 - moved / persisting (1 with none persisting)
    std::int64_t households_new = 0;
    std::int64_t households_removed = 0;
    bool previous_households = false;     ///< measured against previous households (else today's)
    std::vector<GridChange> grids;        ///< by grid id: previous and new grids
    /// Per block: the carried grid id (0: uncovered) and the new grid id.
    std::vector<std::uint32_t> from_grid;
    std::vector<std::uint32_t> to_grid;
};

/// Persisting households match within this distance (m, working CRS).
constexpr double same_point_m = 0.01;

/// Measures what `plan` changed against `previous`. `previous_households` (may be null) are
/// the previous plan's household points (those inside today's district count); without
/// them every household of today persists
/// and households_new/removed are 0. A household's grid before is the lowest previous grid
/// id whose polygon holds it; after, the new grid whose polygon holds it (today's
/// households placed in a block only). A grid present before and after is kept when it
/// gained and lost no block and no household, else changed.
Changes compute_changes(const PreviousPlan& previous, const CarriedPlan& carried, const PlanResult& plan,
                        const blocks::BlocksResult& blocks, const io::District& district,
                        const io::HouseholdLayer* previous_households, const wrap::GeosContext& geos);

/// Per household point of today (index into District::households): the households
/// present before and after there, matched as compute_changes() matches them (the
/// smaller count); 0 for new and rejected points. Without previous households, every
/// placed point's count.
std::vector<std::int64_t> persisting_households(const io::District& district, const blocks::BlocksResult& blocks,
                                                const io::HouseholdLayer* previous_households,
                                                const wrap::GeosContext& geos);

/// changes.json: exactly households_moved, share_kept (4 decimals), households_new,
/// households_removed, grids_changed, grids_new, grids_retired and grids (grid_id,
/// households_before, households_after, blocks_gained, blocks_lost, households_in,
/// households_out, status).
nlohmann::json changes_json(const Changes& changes);

/// changes.json and changes.<ext>: the blocks whose carried grid differs from their new
/// grid, dissolved per (from, to) pair, with from_grid (null for uncovered blocks),
/// to_grid, n_blocks, households and area_m2.
void write_changes(const Changes& changes, const blocks::BlocksResult& blocks, const io::District& district,
                   io::OutputDir& out, const io::OutputOptions& options, const wrap::GeosContext& geos);

/// What plan.json's "replan" section records besides the changes.
struct ReplanRun {
    std::string previous;             ///< the previous grid layer as given
    std::string previous_id_field;
    std::string previous_households;  ///< "" if not given
    ReplanOptions options;
};

/// plan.json's "replan" section: previous, previous_id_field, previous_households (or
/// null), stability, locked, max_id (the highest grid id given so far), uncovered_blocks
/// (block ids), uncovered_area_m2, share_kept (the value of changes.json), grids_new and
/// grids_retired (ids).
nlohmann::json replan_json(const ReplanRun& run, const PreviousPlan& previous, const CarriedPlan& carried,
                           const PlanResult& plan, const Changes& changes);

} // namespace gridplan::partition
