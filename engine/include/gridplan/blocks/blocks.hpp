#pragma once
// Cutting the district into blocks: node the barrier lines with the boundary,
// polygonize, merge slivers, attach households, and measure block adjacency.

#include "gridplan/core/barrier.hpp"
#include "gridplan/core/ids.hpp"
#include "gridplan/core/run_context.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/wrap/geos.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace gridplan::blocks {

struct BlocksConfig {
    /// Blocks smaller than this merge into the neighbour they share the longest edge with.
    double min_area_m2 = 200.0;
    /// Blocks whose mean width (2 x area / perimeter) is below this are slivers too.
    double min_width_m = 2.0;
    /// Noding precision grid (deterministic snap-rounding), in metres.
    double grid_size_m = 0.01;
    /// How far a block edge may lie from a barrier line and still take its class.
    double match_tolerance_m = 0.05;

    /// Throws ConfigError naming the offending key ("blocks.min_area_m2").
    void validate() const;
};

struct Block {
    BlockId id;                  ///< dense, 0-based; written as block_id = id + 1
    wrap::GeomPtr geom;          ///< Polygon, valid, working CRS
    double area_m2 = 0.0;
    double perimeter_m = 0.0;
    std::int64_t households = 0;
    std::uint32_t household_points = 0;
    bool water = false;          ///< a river or lake area: no households
    std::string water_name;
    double label_x = 0.0;        ///< a point inside the block
    double label_y = 0.0;
    std::uint32_t faces = 1;     ///< polygonized faces merged into this block
};

/// A straight piece of a shared edge, with the barrier it follows (the strongest line
/// within the match tolerance of its midpoint; none if no line).
struct EdgeSegment {
    double x1 = 0.0;
    double y1 = 0.0;
    double x2 = 0.0;
    double y2 = 0.0;
    BarrierClass cls = BarrierClass::none;
    std::uint32_t name = 0;  ///< index into BlocksResult::edge_names (0: unnamed)
};

/// Two blocks sharing an edge of positive length.
struct Adjacency {
    BlockId a;  ///< a < b
    BlockId b;
    double shared_length_m = 0.0;
    BarrierClass barrier_class = BarrierClass::none;  ///< strongest class along the edge
    std::string barrier_name;                        ///< the name of that barrier ("" if unnamed)
    std::array<double, barrier_class_count> length_by_class{};
    /// The shared edge piece by piece: length_by_class sums their lengths by class, so that
    /// an output drawn from them agrees with it exactly.
    std::vector<EdgeSegment> segments;
    /// Length-weighted midpoint of the shared edge (for describing which side it is on).
    double mid_x = 0.0;
    double mid_y = 0.0;
};

struct BlocksStats {
    std::size_t barrier_lines_used = 0;
    std::size_t faces = 0;
    std::size_t dangles = 0;
    std::size_t cut_edges = 0;
    std::size_t invalid_rings = 0;
    std::size_t slivers_merged = 0;
    std::size_t crossings_without_vertex = 0;
    std::size_t water_blocks = 0;
    std::int64_t households_input = 0;
    std::int64_t households_inside = 0;
    std::int64_t households_outside = 0;
    std::size_t household_points_outside = 0;
    std::int64_t households_moved_from_water = 0;
    std::int64_t households_water_no_bank = 0;  ///< in a water block without a land neighbour: not placed
    double district_area_m2 = 0.0;
    double blocks_area_m2 = 0.0;
};

struct BlocksResult {
    std::vector<Block> blocks;                 ///< indexed by BlockId
    std::vector<Adjacency> adjacency;          ///< sorted by (a, b)
    std::vector<std::string> edge_names;       ///< barrier names of edge segments; [0] is ""
    std::vector<BlockId> household_block;      ///< per District::households entry; invalid if outside
    /// Where every household of the input went (computed once, written by every output).
    io::HouseholdAccount households;
    BlocksStats stats;
};

BlocksResult build_blocks(const io::District& district, const BlocksConfig& config, const wrap::GeosContext& geos,
                          RunContext& ctx);

} // namespace gridplan::blocks
