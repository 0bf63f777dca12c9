#pragma once
// Stage 3, the starts: where each start places its first centres, part by part (grids
// shared out over the parts by largest remainder, at least one each).
//
// - SeedMode::centres: existing centres (those whose radius holds the band's lower bound,
//   spread out farthest-first), then household-weighted k-means++ on atom centroids;
// - SeedMode::clusters: household-weighted k-means++ only;
// - SeedMode::cover / cover_existing: a greedy capacitated cover by Problem::cover_sites,
//   each next site the one whose radius reaches most households no earlier site serves;
//   the cover also assigns every atom to the site serving most of its households.
// Lloyd iterations then move the free seeds; each seed becomes a region anchored at an
// atom (its seed atom, which the region never gives away).

#include "partition/detail/state.hpp"

namespace gridplan::partition::detail {

/// The State of start `start` (seed mode seed_mode(start), random stream from the
/// config's seed and the start): regions with centres, seed atoms and targets; for a cover
/// seed a partial assignment (complete it with complete_assignment()), else none. Warnings
/// (fewer grids than asked, a target above the district) go to `warnings` if not null:
/// give it to one start only.
State seed_start(const Problem& problem, int start, RunContext* warnings);

} // namespace gridplan::partition::detail
