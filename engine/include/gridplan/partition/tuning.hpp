#pragma once
// The partitioner's tuning: every number the method chooses rather than the user asks
// for, in one place. The defaults are the values the plans were tuned with; each field
// says what it trades. Units: households, metres, or radii (multiples of the walk radius).

#include "gridplan/core/barrier.hpp"

#include <array>
#include <cstddef>

namespace gridplan::partition {

struct Tuning {
    // --- the objective (what search minimises) ----------------------------------------

    /// Cost of cutting a metre of grid edge along a barrier of each class (none, alley,
    /// street, road, river): edges should follow rivers and roads, and an alley through a
    /// compound is the last resort. Higher values for a class keep edges off it.
    std::array<double, barrier_class_count> cut_cost{1.0, 1.0, 0.6, 0.25, 0.0};
    /// Penalty (metres of walk) for growing a grid across a barrier of each class in the
    /// flood: higher values make the first grids follow barriers at the price of walk.
    std::array<double, barrier_class_count> cross_penalty{0.0, 0.0, 20.0, 150.0, 400.0};
    /// Per household outside the band: band first, above everything else.
    double weight_band = 10.0;
    /// Per household away from a grid's target: pulls loads to the middle of the band
    /// (higher: more even grids, at the cost of walk and edges).
    double weight_target = 0.2;
    /// Per household beyond the walk radius of its grid's centre.
    double weight_walk = 1.0;
    /// Per metre of cut edge (times its class's cut_cost): higher values give edges on
    /// strong barriers and smoother outlines at the cost of walk and balance.
    double weight_edge = 0.5;
    /// Per household, per radius of walk to the centre: compactness against edges.
    double weight_distance = 0.1;

    // --- the flood and the balance targets ---------------------------------------------

    /// The flood's step for an atom's households beyond the radius, in radii: higher
    /// values send atoms to a centre that reaches them even if another is nearer.
    double outside_step = 2.0;
    /// Households a grid's balance target drops per household beyond its centre's
    /// radius: higher values shrink sparse grids at the edge faster (more walk served,
    /// less even loads).
    double target_gain = 1.0;
    /// Targets stay this share of the band's half-width inside the band.
    double target_margin = 0.25;
    /// Bisection steps for the shift that makes a part's targets add up.
    int target_iterations = 60;
    /// Floods of the weighted Voronoi per balance: more floods, closer balance, more time.
    int balance_iterations = 60;
    /// The weight step of a flood, in radii: falls from balance_step_start +
    /// balance_step_end to balance_step_end over the floods (large steps move loads
    /// fast, small ones settle them).
    double balance_step_start = 0.8;
    double balance_step_end = 0.1;

    // --- starts ------------------------------------------------------------------------

    /// Several starts only when the atom graph has at most this many atoms (time against
    /// the chance of a better plan).
    std::size_t max_atoms_for_restarts = 1000;
    /// Starts on a small atom graph (cycling through the seed modes), the best kept.
    int restarts = 6;
    /// Existing centres closer than this share of sqrt(part area / grids) to a chosen
    /// one anchor no grid of their own.
    double seed_spacing = 0.6;
    /// Lloyd iterations of the household-weighted k-means seeds.
    int lloyd_iterations = 15;
    /// Cover sites: one street node per cell of walk radius / cover_cells_per_radius
    /// (more cells: better sites, more searches).
    double cover_cells_per_radius = 8.0;

    // --- atoms and parts ---------------------------------------------------------------

    /// A block joins a keep-together unit when they overlap by more than this (m²);
    /// slivers from digitising do not count.
    double unit_overlap_m2 = 1.0;
    /// The walk check: a grid passes when at least this share of its households (snapped
    /// to the walking network) lie in one connected piece of the walkable ways inside it or
    /// within walk_check_edge_m of its edge; smaller splits are usually fragments of the
    /// mapped network, larger ones a grid a resident cannot cross on foot.
    double walk_check_share = 0.95;
    double walk_check_edge_m = 2.0;
    /// Ways are sampled every this many metres (and once on every shorter segment) to find
    /// the blocks beside them: shorter finds a block's short side more surely, at the cost
    /// of two point-in-polygon tests a sample.
    double walk_sample_m = 20.0;
    /// Parts (no walkable link to the rest) with fewer households than the band's lower
    /// bound are attached to a neighbour rather than become a grid: at most this many.
    int max_island_links = 50;

    // --- snapping to the walking network -------------------------------------------------

    /// Households farther than this from every walkable line are not on the network.
    /// `gridplan plan` sets it from network.snap_cap_m (default 300), as coverage uses it.
    double household_snap_m = 300.0;
    /// Existing centres farther than this from every walkable line reach nobody.
    /// `gridplan plan` sets it from network.snap_cap_m (default 300), as coverage uses it.
    double centre_snap_m = 300.0;
    /// Atom centroids, and the proposed centres placed on them (config:
    /// plan.tuning.atom_snap_m): generous, so that a centroid in a field or a park still
    /// gets walk distances (a smaller cap leaves such atoms to the straight-line estimate
    /// and out of the proposed sites, and gives less compact grids).
    double atom_snap_m = 2000.0;
    /// Street nodes offered as proposed sites: they lie on the network (config:
    /// plan.tuning.site_snap_m; larger values let nodes of other walkable lines nearby
    /// stand in).
    double site_snap_m = 1.0;

    // --- walk data per grid --------------------------------------------------------------

    /// Walk distances from a centre are searched up to walk_limit_radii x radius +
    /// walk_limit_extra_m: farther atoms get the estimate below (time against accuracy).
    double walk_limit_radii = 2.5;
    double walk_limit_extra_m = 500.0;
    /// The estimate for an atom not reached: unreached_detour x straight line +
    /// unreached_extra_m (keeps far atoms costly without a search).
    double unreached_detour = 1.5;
    double unreached_extra_m = 1000.0;

    // --- local search ------------------------------------------------------------------

    /// Passes of single moves (each visits every atom); stops early when none moves.
    int improve_passes = 30;
    /// Band repair: at most this many chains per grid.
    int band_repair_passes_per_grid = 4;
    /// Band repair: at most this many atoms passed along one link of a chain.
    int band_repair_steps = 64;
    /// Band repair passes max(gap, band_repair_share x |load - target|) households...
    double band_repair_share = 0.5;
    /// ... and skips atoms above band_repair_overshoot x what is left to pass (+1).
    double band_repair_overshoot = 1.5;
    /// Passes of two-step moves for households beyond the radius.
    int chain_passes = 4;

    // --- centres -------------------------------------------------------------------------

    /// Proposed sites: the atoms nearest a grid's weighted centroid ...
    std::size_t site_near_atoms = 10;
    /// ... the most populous atoms ...
    std::size_t site_heavy_atoms = 5;
    /// ... and street nodes within site_node_radii x radius of the centroid, at most
    /// site_nodes of them (polish: the wide_ values). More sites: better centres, more
    /// searches.
    double site_node_radii = 0.4;
    std::size_t site_nodes = 20;
    double wide_site_node_radii = 0.6;
    std::size_t wide_site_nodes = 40;
    /// A centre that moves less than this (m) has not moved (re-centring stops).
    double centre_move_m = 1.0;

    // --- replan ----------------------------------------------------------------------------

    /// A replan's cost per household moved out of its grid, at stability W:
    /// replan_away_cost x W / (1 - W) (W = 0.8: 1.0, a household beyond the radius; W =
    /// 0.5: 0.25). Higher: fewer households moved, less repair of the walk and edges.
    double replan_away_cost = 0.25;
    /// The cost at stability 1, and the most at any stability: above a household beyond
    /// the radius (1), so that nobody moves for the walk alone, and below weight_band, so
    /// that the band repair may still move households where the band needs it.
    double replan_away_cost_max = 5.0;
    /// The band flow of a replan aims this share of the target inside each end of the
    /// band (blocks come whole, so a flow aimed at the edge may miss it). More: fewer
    /// grids left outside the band for the search to repair, more households moved.
    double replan_flow_margin = 0.0;
    /// While grids stay outside the band, a replan lets their frozen neighbours join the
    /// search, ring by ring, at most this many rings. More: the band holds more often,
    /// more grids may change.
    int replan_rings = 6;

    /// Throws a ConfigError naming the key (plan.tuning.<field>) of a value out of range.
    void validate() const;
};

} // namespace gridplan::partition
