#pragma once
// The objective of an assignment for fixed centres (lower is better), which the balance
// and the local search minimise: households outside the band and away from the target,
// households beyond the walk radius and the walk to the centre, and the grid edges
// weighted by the barrier they follow (Tuning's weights). score() is what starts are
// compared on. With MoveRules homes (state.hpp), every household away from its home
// region adds rules.away_cost to all three.

#include "partition/detail/state.hpp"

namespace gridplan::partition::detail {

/// Balance term of region r at this load.
double balance_cost(const State& state, RegionId r, std::int64_t load);
/// Walk term of atom a in region r.
double atom_cost(const State& state, RegionId r, AtomId a);
/// Edge term of an atom edge that is a grid edge.
double cut_cost(const Problem& problem, const AtomEdge& e);
/// Change in the walk and edge terms (and the away cost) if atom a moves to region s.
double move_delta(const State& state, AtomId a, RegionId s);
/// Change in the balance term if h households move from region r to region s.
double balance_delta(const State& state, RegionId r, RegionId s, std::int64_t h);
/// The whole objective.
double total_cost(const State& state);
/// What starts are compared on (lower is better): what the plan is for, households
/// outside the band first, then households beyond the radius plus, under MoveRules with
/// homes, those away from home at their cost (a replan's ways of repairing the band are
/// compared on it too). Regions that hold no atom count for nothing. (Existing centres
/// are weighed against proposed sites grid by grid, in recentre().)
double score(const State& state);

} // namespace gridplan::partition::detail
