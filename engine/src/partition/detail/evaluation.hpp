#pragma once
// Stage 7, the evaluation: a State turned into the plan. Regions are numbered
// geographically (rows north to south, west to east within a row); each grid gets its
// blocks, households, centre, geometry (the union of its blocks), walks from its centre
// (max, p90, share within the radius, households of the district within it), edge
// lengths by barrier class, the barriers on its four sides, its units and whether it is
// contiguous; then the overall figures and what could not be satisfied (blocks above the
// band, parts outside it, grids beyond the radius or in band/radius conflict), each named
// with the smallest change that would make it feasible.

#include "partition/detail/state.hpp"

namespace gridplan::partition::detail {

/// Hook for replan (used by plan_grids and evaluate_assignment): evaluates any complete
/// State (every atom assigned, centres placed). Uses GEOS: on the thread that owns the
/// Problem's context. Warnings (units outside the district) go to ctx.
PlanResult finish(const State& state, RunContext& ctx);

} // namespace gridplan::partition::detail
