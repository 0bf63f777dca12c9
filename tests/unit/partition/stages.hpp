#pragma once
// Fixtures for the partitioner's stages: a district with its blocks, walking network and
// Problem, and states written down atom by atom. The districts are rows of 100 x 100 m
// blocks, small enough to work every answer out by hand.

#include "support/fixtures.hpp"

#include "partition/detail/problem.hpp"
#include "partition/detail/state.hpp"

#include "gridplan/partition/partition.hpp"

#include <memory>
#include <string>
#include <vector>

namespace pd = gridplan::partition::detail;

namespace gridplan::test {

/// A row of blocks 100 x 100 m (x from 0 to 100 n, y from 0 to 100) split by streets
/// "Street 1", "Street 2", ... at x = 100, 200, ..., with households[i] households in block
/// i at (100 i + 30, 50). A lane just south of the district (y = -10) joins the streets in
/// the walking network. Households (and atom centroids) of blocks 1, 2, ... join the
/// network 30 m east of the street to their west, those of block 0 on the lane 60 m
/// south: from there the walk from block i to block j > i >= 1 is 30 + 60 + 100 (j - i)
/// + 60 + 30 m, and from block 0 to block j >= 1 it is 60 + (100 j - 30) + 60 + 30 m.
inline DistrictBuilder chain(const wrap::GeosContext& geos, const std::vector<std::uint32_t>& households) {
    const std::string w = std::to_string(100 * households.size());
    DistrictBuilder b{geos, "POLYGON((0 0, " + w + " 0, " + w + " 100, 0 100, 0 0))"};
    std::string lane = "LINESTRING(-10 -10";
    for (std::size_t i = 1; i < households.size(); ++i) {
        const std::string x = std::to_string(100 * i);
        b.line("LINESTRING(" + x + " -10, " + x + " 110)", BarrierClass::street, "Street " + std::to_string(i));
        lane += ", " + x + " -10";
    }
    b.line(lane + ", " + std::to_string(100 * households.size() + 10) + " -10)", BarrierClass::street, "Lane");
    for (std::size_t i = 0; i < households.size(); ++i) {
        b.household(30.0 + 100.0 * static_cast<double>(i), 50.0, households[i]);
    }
    return b;
}

inline partition::PartitionConfig config_for(double households_per_grid) {
    partition::PartitionConfig c;
    c.households_per_grid = households_per_grid;  // band: +- 15%
    // The walk check and the atom graph count the ways within 12.5 m of a block: the
    // chain's lane, 10 m south of the district, links its streets.
    c.tuning.walk_check_edge_m = 25.0;
    return c;
}

/// A district, its blocks and walking network, and the Problem over them.
class StageFixture {
public:
    StageFixture(const wrap::GeosContext& geos, io::District district, partition::PartitionConfig config,
                 pd::ProblemOptions options = {}, std::vector<io::PolygonFeature> nests = {})
        : m_district(std::move(district)), m_nests(std::move(nests)), m_config(std::move(config)) {
        m_blocks = blocks::build_blocks(m_district, {}, geos, m_ctx);
        m_net = network::build_network(m_district, {}, geos, m_ctx);
        m_problem = std::make_unique<pd::Problem>(m_district, m_blocks, m_net, m_nests, m_config, geos, m_ctx, options);
    }
    StageFixture(const StageFixture&) = delete;
    StageFixture& operator=(const StageFixture&) = delete;

    const pd::Problem& problem() const { return *m_problem; }
    const blocks::BlocksResult& blocks() const { return m_blocks; }
    RunContext& ctx() { return m_ctx; }

    /// The atom of the block containing (x, y).
    pd::AtomId atom_at(double x, double y) const {
        const BlockId b = m_problem->block_at(x, y);
        return b.valid() ? m_problem->atom_of_block(b) : pd::AtomId{};
    }
    /// The atom of block i of a chain().
    pd::AtomId chain_atom(std::size_t i) const { return atom_at(50.0 + 100.0 * static_cast<double>(i), 50.0); }

    /// A state over a chain(): block i in region regions[i]; region r grows from the
    /// block seeds[r], its proposed centre at that block's centroid; walk data computed,
    /// targets at households_per_grid.
    pd::State chain_state(const std::vector<std::uint32_t>& regions, const std::vector<std::size_t>& seeds) const {
        pd::State s{*m_problem};
        s.region_of.assign(m_problem->atoms().size(), pd::RegionId{});
        for (std::size_t i = 0; i < regions.size(); ++i) {
            s.region_of[chain_atom(i)] = pd::RegionId{regions[i]};
        }
        s.regions.resize(seeds.size());
        for (const pd::RegionId r : s.regions.ids()) {
            pd::Region& region = s.regions[r];
            region.seed = chain_atom(seeds[r.value()]);
            region.target = m_config.households_per_grid;
            region.centre = partition::GridCentre{m_problem->atom(region.seed).x, m_problem->atom(region.seed).y, true, network::no_index};
            s.compute_walk(r);
        }
        s.count_loads();
        return s;
    }

    /// The region of each block of a chain(), west to east.
    static std::vector<std::uint32_t> chain_regions(const StageFixture& f, const pd::State& s, std::size_t n) {
        std::vector<std::uint32_t> out;
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(s.region_of[f.chain_atom(i)].value());
        }
        return out;
    }

private:
    io::District m_district;
    std::vector<io::PolygonFeature> m_nests;
    partition::PartitionConfig m_config;
    RunContext m_ctx;
    blocks::BlocksResult m_blocks;
    network::WalkNetwork m_net;
    std::unique_ptr<pd::Problem> m_problem;
};

} // namespace gridplan::test
