#pragma once
// Stage 6, the centres: each grid's community centre placed and moved as its grid
// changes, and the rounds of re-centring and re-planning that follow.
//
// A grid keeps the existing centre it is anchored on, or adopts an unused existing centre
// inside it, unless a proposed site would reach more than centre_relocate_share of its
// households more within the walk radius; a proposed site is the one that reaches most
// of the grid's households among the atoms nearest its weighted centroid, its most
// populous atoms and the street nodes near the centroid.

#include "partition/detail/state.hpp"

namespace gridplan::partition::detail {

/// Where proposed sites are looked for: near the centroid, or (polish, a given
/// assignment) farther out and more of them (Tuning::site_* and wide_site_*).
enum class SiteSearch { near, wide };

/// Moves each grid's centre (frozen regions' centres stay; a region without atoms keeps
/// its centre) and recomputes the walk data of those that moved. Returns whether any
/// centre moved. A region without a centre yet (centre.x not finite) always gets one.
bool recentre(State& state, SiteSearch sites);

/// Rounds of re-centring, new targets, the balanced flood and the local search, repeated
/// until no centre moves (at most plan.rounds). Reassigns every atom (the flood): for
/// plans, not for a replan that keeps atoms at home.
void refine(State& state, SiteSearch sites);

/// On the best start: walk data recomputed, then refine() with the wide site search,
/// kept only if score() falls.
void polish(State& state);

/// Hook for replan: gives region r the centre `c` (an existing centre if c.existing is
/// set). Its seed atom is the atom of that existing centre if the region holds it, else
/// the region's atom nearest to (c.x, c.y); its walk data is computed. A region with no
/// atoms gets the centre but no seed atom.
void place_centre(State& state, RegionId r, const GridCentre& c);

} // namespace gridplan::partition::detail
