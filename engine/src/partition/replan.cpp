// PLACEHOLDER repair algorithm for `gridplan replan` (issue 10, part 2): to be replaced by
// the real one, which trades households moved against plan quality (ReplanOptions::
// stability) and keeps locked grids exactly as they are.
//
// What this placeholder does: every carried block stays in its previous grid; each
// uncovered block goes to the neighbouring carried grid it shares the longest edge with
// (rounds until every block is assigned; a block with no assigned neighbour goes to the
// nearest grid). Locked grids receive no uncovered block unless no other grid can take
// it. The assignment is then measured with evaluate_assignment (centres re-chosen the
// same way as a plan's), previous grids with no blocks left are retired, and the grids
// get their persisted ids, codes and names. `stability` and `nest_within` are not used.
#include "gridplan/partition/replan.hpp"

#include "gridplan/core/error.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace gridplan::partition {

PlanResult replan_grids(const io::District& district, const blocks::BlocksResult& blocks,
                        const network::WalkNetwork& net, const std::vector<io::PolygonFeature>& /*nest_within*/,
                        const PartitionConfig& config, const PreviousPlan& previous, const CarriedPlan& carried,
                        const ReplanOptions& options, const wrap::GeosContext& geos, RunContext& ctx) {
    options.validate();
    options.check_locked(previous);
    const std::size_t nb = blocks.blocks.size();
    if (carried.grid_of_block.size() != nb) {
        throw InternalError{"replan_grids: the carried plan does not match the blocks"};
    }
    std::vector<bool> locked(previous.grids.size(), false);
    for (const auto id : options.locked) {
        locked[previous.index_of(id)] = true;
    }
    std::vector<std::vector<std::pair<std::uint32_t, double>>> neighbours(nb);
    for (const auto& a : blocks.adjacency) {
        neighbours[a.a.value()].emplace_back(a.b.value(), a.shared_length_m);
        neighbours[a.b.value()].emplace_back(a.a.value(), a.shared_length_m);
    }

    std::vector<std::uint32_t> assigned = carried.grid_of_block;
    auto open_blocks = [&] {
        return static_cast<std::size_t>(std::count(assigned.begin(), assigned.end(), no_index));
    };
    for (std::size_t left = open_blocks(); left > 0; left = open_blocks()) {
        // One round: every open block with an assigned neighbour, from the state before it.
        std::vector<std::uint32_t> next = assigned;
        bool progress = false;
        for (std::uint32_t b = 0; b < nb; ++b) {
            if (assigned[b] != no_index) {
                continue;
            }
            std::map<std::uint32_t, double> shared;
            for (const auto& [other, length] : neighbours[b]) {
                if (assigned[other] != no_index) {
                    shared[assigned[other]] += length;
                }
            }
            std::uint32_t best = no_index;
            double best_length = -1.0;
            bool best_locked = true;
            for (const auto& [g, length] : shared) {  // grid index order: ties to the lower id
                const bool is_locked = locked[g];
                if ((best_locked && !is_locked) || (is_locked == best_locked && length > best_length)) {
                    best = g;
                    best_length = length;
                    best_locked = is_locked;
                }
            }
            if (best != no_index) {
                next[b] = best;
                progress = true;
            }
        }
        assigned = std::move(next);
        if (progress) {
            continue;
        }
        // No open block touches an assigned one: the first goes to the nearest grid.
        std::set<std::uint32_t> holding(assigned.begin(), assigned.end());
        holding.erase(no_index);
        if (holding.empty()) {
            throw InputError{"the previous grids cover none of today's blocks", previous.source};
        }
        const std::uint32_t b = static_cast<std::uint32_t>(std::find(assigned.begin(), assigned.end(), no_index) -
                                                           assigned.begin());
        std::uint32_t best = no_index;
        double best_distance = std::numeric_limits<double>::infinity();
        bool best_locked = true;
        for (const auto g : holding) {
            double d = 0.0;
            geos.check_status(GEOSDistance_r(geos.handle(), blocks.blocks[b].geom.get(),
                                             previous.grids[g].geom.get(), &d),
                              "distance to a previous grid");
            const bool is_locked = locked[g];
            if ((best_locked && !is_locked) || (is_locked == best_locked && d < best_distance)) {
                best = g;
                best_distance = d;
                best_locked = is_locked;
            }
        }
        assigned[b] = best;
    }

    // Dense indices over the previous grids that still hold blocks; the others retire.
    std::vector<std::uint32_t> dense_of_previous(previous.grids.size(), no_index);
    std::vector<std::uint32_t> previous_of_dense;
    for (const auto g : std::set<std::uint32_t>(assigned.begin(), assigned.end())) {
        dense_of_previous[g] = static_cast<std::uint32_t>(previous_of_dense.size());
        previous_of_dense.push_back(g);
    }
    std::vector<std::uint32_t> dense(nb);
    for (std::uint32_t b = 0; b < nb; ++b) {
        dense[b] = dense_of_previous[assigned[b]];
    }
    PlanResult result = evaluate_assignment(district, blocks, net, dense, config, geos, ctx);
    // evaluate_assignment numbers its grids afresh: find each one's previous grid by a block.
    std::vector<std::uint32_t> previous_of_grid(result.grids.size(), no_index);
    for (const auto& g : result.grids) {
        if (g.blocks.empty()) {
            throw InternalError{"replan_grids: a grid without blocks"};
        }
        previous_of_grid[g.id.value()] = previous_of_dense[dense[g.blocks.front().value()]];
    }
    persist_grid_ids(result, previous_of_grid, previous);
    return result;
}

} // namespace gridplan::partition
