#pragma once
// Stage 1, the problem: everything about the district that no start changes, built once
// and shared, const, by every start and thread.
//
// - atoms: blocks that stay together (a water block joins the neighbour it shares the
//   longest edge with, a land one if any; the blocks a keep-together unit overlaps),
// - the atom graph: edges with their length by barrier class; an edge is strong (counts
//   for contiguity) unless it is a river crossed by no bridge, a nest_within boundary, or
//   the ways beside the two atoms do not join their main pieces (walk_linked: a grid
//   connected over strong edges is connected on foot inside itself, and water and empty
//   land join only what the ways along their edges join),
// - parts: the components over strong edges, parts with fewer households than the band's
//   lower bound attached to a neighbour (across water, or to the nearest block),
// - per-atom walk data: household-weighted centroids snapped to the network, the
//   households' own snaps,
// - what the starts share: the atom each existing centre and network node stands in, the
//   households each existing centre reaches (its reach), and the cover seeds' sites.
//
// Thread safety: the constructor uses the GEOS context (and worker threads for the cover
// sites); afterwards every member is const and the starts read it from any thread. The
// one query that uses GEOS, block_at(), must run on the thread that owns the context
// (the caller of plan_grids), never inside a start; its R-tree is built eagerly.

#include "partition/detail/ids.hpp"

#include "gridplan/core/union_find.hpp"

#include "gridplan/partition/partition.hpp"
#include "gridplan/partition/tuning.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <numeric>
#include <utility>
#include <vector>

namespace gridplan::partition::detail {

using network::no_index;
using network::unreachable;

struct AtomEdge {
    AtomId other;
    std::array<double, barrier_class_count> length{};
    bool strong = false;  ///< counts for contiguity
    double total() const { return std::accumulate(length.begin(), length.end(), 0.0); }
    BarrierClass strongest() const {
        for (int c = barrier_class_count - 1; c >= 0; --c) {
            if (length[static_cast<std::size_t>(c)] > 0.0) {
                return static_cast<BarrierClass>(c);
            }
        }
        return BarrierClass::none;
    }
};

struct Atom {
    std::vector<BlockId> blocks;
    std::int64_t households = 0;
    double x = 0.0;  ///< household-weighted centroid (label points if no households)
    double y = 0.0;
    int nest = -1;
    network::Snap snap;
    std::vector<AtomEdge> edges;
    std::vector<std::uint32_t> household_points;  ///< indices into District::households
    /// Only empty land (no households, no walkable line inside, not water): such an atom
    /// has no strong edge of its own and is no piece of a grid's contiguity.
    bool empty_land = false;
};

/// A candidate site for the cover seeds: the household points within the walk radius.
struct CoverSite {
    double x = 0.0;
    double y = 0.0;
    AtomId atom;       ///< the atom it stands in
    CentreId centre;   ///< the existing centre it is, if any
    std::vector<std::pair<float, std::uint32_t>> reach;  ///< (walk m, household point), nearest first
};

/// How a start places its first centres.
enum class SeedMode {
    centres,        ///< existing centres (spread out), then household-weighted k-means++
    clusters,       ///< household-weighted k-means++ only
    cover,          ///< greedy capacitated cover: each site reaching most households not yet served
    cover_existing  ///< the same, an existing centre's gain counting centre_relocate_share of a grid more
};

inline bool is_cover(SeedMode m) { return m == SeedMode::cover || m == SeedMode::cover_existing; }

/// How start `start` seeds its grids (the schedule cycles; a graph too large for several
/// starts gets the first).
SeedMode seed_mode(int start);

struct ProblemOptions {
    /// Merge blocks into atoms (water into its bank, stranded empty land into its
    /// neighbour, keep-together units); false: every block its own atom, no nests.
    bool merge = true;
    /// With merge: each keep-together unit one atom; false: units are left as their blocks
    /// (evaluate_assignment measures a given assignment, units split or not).
    bool units = true;
    /// Label parts and link small ones across water; false: no parts (a given assignment
    /// is measured without them).
    bool parts = true;
    /// Prepare the cover seeds' sites if any start uses them.
    bool cover_sites = true;
};

/// A part of the district with no walkable link to the rest (an island, a fragment of a
/// multi-part boundary, blocks whose ways meet the rest's only outside the district), holding fewer households than the band's lower bound, attached
/// to the nearest other part so that it never becomes a grid of its own.
struct PartLink {
    std::vector<BlockId> blocks;  ///< the part's blocks when it was attached
    std::int64_t households = 0;
    BlockId from;                 ///< the part's block nearest to the rest
    BlockId to;                   ///< the block it is attached to
    double gap_m = 0.0;           ///< 0 when they share an edge
    bool across_water = false;    ///< the shared edge is a river no bridge crosses
};

class Problem {
public:
    Problem(const io::District& district, const blocks::BlocksResult& blocks, const network::WalkNetwork& net,
            const std::vector<io::PolygonFeature>& nests, const PartitionConfig& config,
            const wrap::GeosContext& geos, RunContext& ctx, const ProblemOptions& options = {});
    Problem(const Problem&) = delete;
    Problem& operator=(const Problem&) = delete;
    Problem(Problem&&) = delete;
    Problem& operator=(Problem&&) = delete;

    const io::District& district() const noexcept { return m_district; }
    const blocks::BlocksResult& blocks() const noexcept { return m_blocks; }
    const network::WalkNetwork& net() const noexcept { return m_net; }
    const PartitionConfig& config() const noexcept { return m_config; }
    const Tuning& tuning() const noexcept { return m_config.tuning; }
    const wrap::GeosContext& geos() const noexcept { return m_geos; }

    // --- atoms and their graph
    const IdVector<AtomId, Atom>& atoms() const noexcept { return m_atoms; }
    const Atom& atom(AtomId a) const { return m_atoms[a]; }
    IdRange<AtomId> atom_ids() const noexcept { return m_atoms.ids(); }
    AtomId atom_of_block(BlockId b) const { return m_atom_of_block[b]; }

    // --- the walking network beside the blocks
    /// The blocks beside network edge e (a grid's walkable ways are the edges beside its
    /// blocks: inside them or along their edges).
    const BlockId* edge_blocks_begin(network::EdgeIndex e) const { return m_edge_blocks.data() + m_edge_block_offset[e]; }
    const BlockId* edge_blocks_end(network::EdgeIndex e) const { return m_edge_blocks.data() + m_edge_block_offset[e + 1]; }
    /// The edges that cross edge e or touch it away from a shared node (the walk check
    /// joins them).
    const network::EdgeIndex* crossing_begin(network::EdgeIndex e) const { return m_crossings.data() + m_crossing_offset[e]; }
    const network::EdgeIndex* crossing_end(network::EdgeIndex e) const { return m_crossings.data() + m_crossing_offset[e + 1]; }
    /// Households of all atoms.
    std::int64_t households() const noexcept { return m_households; }

    // --- parts (empty without ProblemOptions::parts)
    bool has_parts() const noexcept { return !m_part.empty(); }
    PartId part_of(AtomId a) const { return m_part[a]; }
    std::size_t part_count() const noexcept { return m_part_households.size(); }
    IdRange<PartId> part_ids() const noexcept { return m_part_households.ids(); }
    std::int64_t part_households(PartId p) const { return m_part_households[p]; }
    /// Parts attached to a neighbour without a walkable link (across water, or across a gap).
    std::size_t islands_attached() const noexcept { return m_part_links.size(); }
    const std::vector<PartLink>& part_links() const noexcept { return m_part_links; }

    // --- snaps and walk data
    /// Where household point i joins the network (as in the outputs).
    const network::Snap& household_snap(std::size_t i) const { return m_household_snap[i]; }
    /// The snapping cap of a grid's centre: an existing centre's (Tuning::centre_snap_m),
    /// or, for a proposed one (an atom's centroid or a street node), the atoms'.
    double centre_snap(const GridCentre& c) const noexcept {
        return c.proposed ? tuning().atom_snap_m : tuning().centre_snap_m;
    }
    /// Households of an atom within the walk radius of the search's source.
    std::int64_t households_within(const network::BoundedDistances& d, const Atom& atom) const;
    /// Households of the given atoms within the walk radius of a site (`search` is the
    /// caller's workspace).
    std::int64_t within_from(network::BoundedDistances& search, const network::Snap& site,
                             const std::vector<AtomId>& atoms) const;

    // --- what the starts share
    /// The atom an existing centre stands in (invalid outside every block).
    AtomId centre_atom(CentreId c) const { return m_centre_atom[c]; }
    IdRange<CentreId> centre_ids() const noexcept { return m_centre_atom.ids(); }
    /// Households within the walk radius of an existing centre: one whose radius holds
    /// fewer than the band's lower bound is badly placed and anchors no grid.
    double centre_reach(CentreId c) const { return m_centre_reach[c]; }
    bool badly_placed(CentreId c) const { return m_centre_reach[c] < m_config.band_low(); }
    /// The atom a network node stands in (invalid outside the blocks).
    AtomId node_atom(network::NodeIndex n) const { return m_node_atom[n]; }
    bool has_cover_sites() const noexcept { return m_has_cover_sites; }
    const IdVector<SiteId, CoverSite>& cover_sites() const noexcept { return m_cover_sites; }
    /// Starts this problem gets: several on a small atom graph, else one.
    int start_count() const noexcept;

    /// The block containing (x, y), the lowest id on shared edges; invalid outside all.
    /// Uses GEOS: only on the thread that owns the context.
    BlockId block_at(double x, double y) const;
    /// The blocks whose bounding boxes meet the box (x0, y0)-(x1, y1), by id.
    void blocks_in_box(double x0, double y0, double x1, double y1, std::vector<BlockId>& out) const;

private:
    using Tree = boost::geometry::index::rtree<
        std::pair<boost::geometry::model::box<boost::geometry::model::d2::point_xy<double>>, std::uint32_t>,
        boost::geometry::index::rstar<16>>;

    void build_trees();
    void build_atoms(bool merge, bool units, RunContext& ctx);
    BlockId longest_neighbour(BlockId b, const IdVector<BlockId, std::vector<std::uint32_t>>& block_adj,
                              const std::function<bool(BlockId)>& eligible) const;
    void merge_stranded(const IdVector<BlockId, std::vector<std::uint32_t>>& block_adj, UnionFind& uf);
    bool bridged(const blocks::Adjacency& a) const;
    /// block_at() with prepared geometries, made on first use in `prepared` (one slot per
    /// block), for many queries; null: plain point-in-polygon tests.
    BlockId block_at(double x, double y, std::vector<wrap::PreparedPtr>* prepared) const;
    void sample_walk_beside();
    void find_crossings();
    /// The walking network seen from units of blocks (the blocks themselves, or atoms):
    /// the edges beside each unit (sorted) and one edge of its main piece, the connected
    /// piece of them holding most of its households (the longest when it has none);
    /// no_index when no way runs beside it, walk_unknown when its households all walk from
    /// ways beside other units.
    struct WalkView {
        std::vector<std::vector<network::EdgeIndex>> edges;
        std::vector<network::EdgeIndex> main;
    };
    static constexpr network::EdgeIndex walk_unknown = network::no_index - 1;
    WalkView walk_view(const std::vector<std::uint32_t>& unit_of_block, std::size_t units) const;
    void join_at_nodes(const std::vector<network::EdgeIndex>& edges, UnionFind& uf) const;
    bool walk_linked(const WalkView& view, std::size_t u, std::size_t v) const;
    bool crossable(std::size_t adjacency) const;
    void build_atom_graph();
    void link_parts(RunContext& ctx);
    /// The nearest pair of blocks between part `c` and any other part (same nest): the
    /// atoms and the gap. False when there is no other part.
    bool nearest_other_part(PartId c, AtomId& from, AtomId& to, BlockId& from_block, BlockId& to_block,
                            double& gap) const;
    void label_parts();
    void locate_centres();
    void prepare_sites();
    void prepare_cover_sites(std::size_t threads);
    /// Household point indices by cell of a square grid (cell side: the walk radius).
    using PointBuckets = std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::uint32_t>>;
    void fill_reach(CoverSite& site, const PointBuckets& buckets, network::BoundedDistances& search) const;

    const io::District& m_district;
    const blocks::BlocksResult& m_blocks;
    const network::WalkNetwork& m_net;
    const std::vector<io::PolygonFeature>& m_nests;
    const PartitionConfig& m_config;
    const wrap::GeosContext& m_geos;

    Tree m_block_tree;     ///< block bounding boxes (block_at)
    Tree m_walkable_tree;  ///< walkable lines other than rivers (bridged)
    IdVector<BlockId, int> m_block_nest;
    std::vector<std::uint32_t> m_edge_block_offset;  ///< per network edge, into m_edge_blocks
    std::vector<BlockId> m_edge_blocks;
    IdVector<BlockId, char> m_block_walk_inside;      ///< a way runs inside the block
    std::vector<std::uint32_t> m_crossing_offset;     ///< per network edge, into m_crossings
    std::vector<network::EdgeIndex> m_crossings;
    mutable std::vector<signed char> m_crossable;     ///< per adjacency: -1 not yet known (crossable())
    std::size_t m_edges_not_walked = 0;               ///< atom edges crossable but not joined on foot
    IdVector<BlockId, AtomId> m_atom_of_block;
    IdVector<AtomId, Atom> m_atoms;
    std::int64_t m_households = 0;
    IdVector<AtomId, PartId> m_part;
    IdVector<PartId, std::int64_t> m_part_households;
    std::vector<PartLink> m_part_links;
    std::vector<network::Snap> m_household_snap;
    IdVector<CentreId, AtomId> m_centre_atom;
    IdVector<CentreId, double> m_centre_reach;
    std::vector<AtomId> m_node_atom;
    bool m_has_cover_sites = false;
    IdVector<SiteId, CoverSite> m_cover_sites;
};

} // namespace gridplan::partition::detail
