#pragma once
// The band flow of a replan: how many households each grid passes to each neighbour so
// that every grid ends inside its bounds with the fewest households moved, a household
// passed along a chain of k grids counting k times. A min-cost flow on the grid
// adjacency graph, solved exactly (successive shortest paths); the grids are few (one
// node per grid), so its cost is negligible beside the moves it saves.
//
// A grid above its upper bound must give, one below its lower bound must receive; a grid
// inside may give down to its lower bound and take up to its upper bound. A grid that
// takes nothing (one being dissolved: bounds 0..0) receives nothing, not even to pass on.

#include <cstdint>
#include <utility>
#include <vector>

namespace gridplan::partition::detail {

struct BandFlowNode {
    std::int64_t load = 0;
    std::int64_t low = 0;   ///< lower bound of the final load
    std::int64_t high = 0;  ///< upper bound of the final load
    bool takes = true;      ///< false: receives nothing (a grid being dissolved)
};

struct BandFlowEdge {
    std::uint32_t from = 0;
    std::uint32_t to = 0;
    std::int64_t amount = 0;  ///< households passed from `from` to `to`
};

struct BandFlow {
    std::vector<BandFlowEdge> edges;  ///< positive amounts only, by (from, to)
    std::int64_t unmet = 0;           ///< households no flow could bring inside the bounds
};

/// The flow over `adjacent` (pairs of neighbouring nodes, either order, each usable both
/// ways): every node's must (its excess above `high`, its deficit below `low`) met where
/// any path allows, at the least total of amount x grids crossed. Deterministic (the
/// same input gives the same flow; ties are settled by the order of nodes and pairs).
/// Throws InternalError on bounds with low > high.
BandFlow band_flow(const std::vector<BandFlowNode>& nodes,
                   const std::vector<std::pair<std::uint32_t, std::uint32_t>>& adjacent);

} // namespace gridplan::partition::detail
