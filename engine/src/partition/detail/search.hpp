#pragma once
// Stage 5, the local search: boundary atoms moved between neighbouring regions for fixed
// centres while the objective (objective.hpp) falls, every region kept connected over
// strong edges (a region's seed atom never moves). All moves obey the State's MoveRules:
// no atom enters or leaves a frozen region, and an atom's move away from (back to) its
// home region costs (gains) MoveRules::away_cost per household.

#include "partition/detail/state.hpp"

namespace gridplan::partition::detail {

/// Whether region r (of `region_atoms` atoms) stays connected without atom a (false if a
/// has no strong neighbour in r: a alone, or linked only weakly, stays).
bool connected_without(const State& state, RegionId r, AtomId a, std::size_t region_atoms);

/// Single moves: each atom to the neighbouring region that lowers the objective most,
/// over passes until none moves (at most Tuning::improve_passes).
void improve(State& state);

/// Brings grids outside the band back into it by passing households along a chain of
/// neighbouring grids to the nearest one with room (an overloaded grid's border atom to
/// the next grid, that grid's to the next, ...), where single moves cannot help. It stops
/// at the first grid it cannot help; `thorough` (the plan's last step) goes on to the
/// others and, when no atom small enough to pass is left, passes a larger one that leaves
/// both grids inside the band.
void repair_band(State& state, bool thorough = false);

/// Two-step moves for households beyond the radius: an atom goes to a neighbouring grid
/// whose centre reaches more of it, and that grid, were it to leave the band, passes a
/// border atom of its own on to a third grid. Kept when the objective falls and every
/// grid stays connected.
void chain_moves(State& state);

/// The local search: improve, repair_band, improve, chain_moves, improve.
void search(State& state);

} // namespace gridplan::partition::detail
