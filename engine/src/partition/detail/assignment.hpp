#pragma once
// Stage 4, the assignment: atoms to regions by a weighted network Voronoi grown over the
// atom graph from each region's seed atom (walk distance from the centre, a step for
// households beyond the radius, and the barriers crossed), its weights balanced towards
// each region's target; a cover's partial assignment completed the same way; targets
// adapted to how much of each grid its centre reaches. Regions come out contiguous.
// These reassign every atom: MoveRules (state.hpp) do not bind them.

#include "partition/detail/state.hpp"

namespace gridplan::partition::detail {

/// The flood's distance from region r's centre to atom a: the walk, plus
/// Tuning::outside_step radii for the share of the atom's households beyond the radius,
/// so atoms go first to a centre that reaches them.
double flood_distance(const State& state, RegionId r, AtomId a);

/// One weighted flood: every region grows from its seed atom, an atom going to the region
/// that reaches it first by weight[r] + flood_distance + the barriers crossed on the way
/// (Tuning::cross_penalty). Loads recounted.
void flood(State& state, const IdVector<RegionId, double>& weight);

/// Balances the weighted Voronoi (Tuning::balance_iterations floods): a region's weight
/// rises while it is heavier than its target and falls while lighter. Keeps the
/// assignment of lowest total_cost() seen, the current one (if complete) included.
void balance(State& state);

/// Completes a partial assignment into contiguous regions: each region keeps the part
/// connected to its seed atom, and every other atom goes, nearest first, to the adjacent
/// region whose centre reaches it best (flood_distance, without barrier penalties).
void complete_assignment(State& state);

/// Moves each grid's balance target within the band: a grid with households beyond its
/// centre's radius aims lower, one that reaches all of them higher, the targets of a part
/// still adding up to its households (left alone where the band cannot hold the part's
/// grids). Needs the Problem's parts.
void adapt_targets(State& state);

} // namespace gridplan::partition::detail
