#pragma once
// Stage 2, the state of one start: which region each atom is in, and each region's load,
// balance target, centre, seed atom and walk data (walk metres from its centre to the
// atoms it reaches). Every start (and every thread) has its own State over the one
// const Problem; a State is never shared between threads.
//
// Hooks for replan (inert by default; see MoveRules and state_from_assignment):
// - a State built from a block -> region assignment, its centres then placed by
//   place_centre() (given centres) or recentre() (centres.hpp), and run through the same
//   search() / repair_band() / chain_moves() (search.hpp) and recentre() as a start;
// - move rules: a home region per atom with a cost per household moved away from it,
//   and frozen regions that no atom enters or leaves and whose centre stays.

#include "partition/detail/ids.hpp"
#include "partition/detail/problem.hpp"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace gridplan::partition::detail {

struct AtomWalk {
    double metres = 0.0;
    std::int64_t within = 0;
};

struct Region {
    std::int64_t load = 0;
    double target = 0.0;  ///< households the balance aims at (inside the band)
    GridCentre centre;
    AtomId seed;          ///< the atom the region grows from and never gives away (its centre's)
    /// Atoms the centre reaches: walk metres to the atom's centroid and households of the
    /// atom within the walk radius of the centre.
    std::unordered_map<AtomId, AtomWalk> walk;
};

/// Rules every move of search(), repair_band() and chain_moves() obeys (recentre() obeys
/// `frozen`). The default rules are empty and change nothing. The flood (balance(),
/// complete_assignment()) reassigns every atom and ignores them: a replan does not call it.
struct MoveRules {
    /// Per atom, the region it should stay in (invalid: none). Empty: no homes.
    IdVector<AtomId, RegionId> home;
    /// Added to the objective per household of an atom outside its home region (so a
    /// move away from home costs this per household, a move back home gains it).
    double away_cost = 0.0;
    /// Per atom, the households whose move counts (a replan's persisting households,
    /// those present before and after). Empty: all of the atom's.
    IdVector<AtomId, std::int64_t> away_households;
    /// Per region, nonzero if frozen: no atom moves into or out of it and recentre()
    /// never moves its centre. Empty: none frozen.
    IdVector<RegionId, char> frozen;

    bool is_frozen(RegionId r) const { return !frozen.empty() && frozen[r] != 0; }
    /// Whether atoms have homes that cost something to leave.
    bool has_homes() const noexcept { return away_cost != 0.0 && !home.empty(); }
    /// Households of atom a (h in all) whose move away from home costs away_cost each.
    std::int64_t away_weight(AtomId a, std::int64_t h) const {
        return away_households.empty() ? h : away_households[a];
    }
    /// Change in the away cost if atom a (h households) moves from region r to s.
    double away_delta(AtomId a, RegionId r, RegionId s, std::int64_t h) const;
};

class State {
public:
    explicit State(const Problem& problem);

    const Problem& problem() const noexcept { return *m_problem; }

    IdVector<AtomId, RegionId> region_of;  ///< invalid while unassigned
    IdVector<RegionId, Region> regions;
    MoveRules rules;

    /// Walk data of region r from its centre: every atom whose centroid lies within the
    /// search limit and is reached.
    void compute_walk(RegionId r);
    /// Walk metres from region r's centre to atom a (a generous estimate when not reached).
    double distance(RegionId r, AtomId a) const;
    /// Households of atom a beyond the walk radius of region r's centre.
    std::int64_t outside_radius(RegionId r, AtomId a) const;
    /// Households of the given atoms within the walk radius of a site.
    std::int64_t within_from(const network::Snap& site, const std::vector<AtomId>& atoms);

    void move_atom(AtomId a, RegionId s);
    /// Region loads recounted from the assignment.
    void count_loads();
    /// The atoms of each region, in id order.
    IdVector<RegionId, std::vector<AtomId>> atoms_of_regions() const;

private:
    const Problem* m_problem;
    network::BoundedDistances m_search;  ///< workspace for the walk searches
};

/// Hook for replan: each atom's region under a block assignment: the region of the atom's
/// block with the most households, the lowest block on ties (an atom of one block: that
/// block's region). `split` (if given) receives the number of atoms whose blocks were
/// given different regions.
IdVector<AtomId, RegionId> atom_regions(const Problem& problem, const std::vector<RegionId>& region_of_block,
                                        std::size_t* split = nullptr);

/// Hook for replan (and evaluate_assignment): a State holding a given assignment of
/// blocks to regions 0..K-1 (K = the largest id + 1; every block must have one), loads
/// counted, targets at households_per_grid, no centres yet (proposed, x = unreachable,
/// no seed atom). Place them with place_centre() and/or recentre() (centres.hpp).
State state_from_assignment(const Problem& problem, const std::vector<RegionId>& region_of_block);

} // namespace gridplan::partition::detail
