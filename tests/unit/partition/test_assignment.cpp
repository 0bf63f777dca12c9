// The assignment: the weighted flood on a chain of four blocks, its balance, completing a
// partial assignment and the adapted targets, worked out with the chain's walks
// (stages.hpp): region 0 grows from block 0 (its centre on the lane), region 1 from
// block 3.
#include "stages.hpp"

#include "partition/detail/assignment.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;
using test::StageFixture;

namespace {

std::vector<std::uint32_t> regions(const StageFixture& f, const pd::State& s) {
    return StageFixture::chain_regions(f, s, 4);
}

} // namespace

TEST_CASE("assignment: the flood on a chain of four blocks", "[partition][assignment]") {
    wrap::GeosContext geos;
    const StageFixture f{geos, test::chain(geos, {100, 100, 100, 100}).build(), test::config_for(200.0)};
    pd::State s = f.chain_state({0, 0, 1, 1}, {0, 3});
    SECTION("equal weights: block 1 at 220 m (+20 across a street) from region 0, block 2 at 280 m from region 1") {
        pd::flood(s, pd::IdVector<pd::RegionId, double>(2, 0.0));
        CHECK(regions(f, s) == std::vector<std::uint32_t>{0, 0, 1, 1});
        CHECK(s.regions[pd::RegionId{0}].load == 200);
        CHECK(s.regions[pd::RegionId{1}].load == 200);
        CHECK(pd::flood_distance(s, pd::RegionId{0}, f.chain_atom(1)) == Approx(220.0));
        CHECK(pd::flood_distance(s, pd::RegionId{1}, f.chain_atom(2)) == Approx(280.0));
    }
    SECTION("a heavy weight on one region leaves the others to the other") {
        pd::IdVector<pd::RegionId, double> weight(2, 0.0);
        weight[pd::RegionId{1}] = 5000.0;
        pd::flood(s, weight);
        CHECK(regions(f, s) == std::vector<std::uint32_t>{0, 0, 0, 1});
        weight[pd::RegionId{0}] = 5000.0;
        weight[pd::RegionId{1}] = 0.0;
        pd::flood(s, weight);
        CHECK(regions(f, s) == std::vector<std::uint32_t>{0, 1, 1, 1});
    }
}

TEST_CASE("assignment: balance brings 100, 100, 100, 300 households to 300 and 300", "[partition][assignment]") {
    wrap::GeosContext geos;
    const StageFixture f{geos, test::chain(geos, {100, 100, 100, 300}).build(), test::config_for(300.0)};
    pd::State s = f.chain_state({0, 0, 1, 1}, {0, 3});
    pd::balance(s);
    CHECK(regions(f, s) == std::vector<std::uint32_t>{0, 0, 0, 1});
    CHECK(s.regions[pd::RegionId{0}].load == 300);
    CHECK(s.regions[pd::RegionId{1}].load == 300);
}

TEST_CASE("assignment: a partial assignment completed from the seeds", "[partition][assignment]") {
    wrap::GeosContext geos;
    const StageFixture f{geos, test::chain(geos, {100, 100, 100, 100}).build(), test::config_for(200.0)};
    pd::State s = f.chain_state({0, 1, 1, 1}, {0, 3});
    // Block 1 is cut off from region 1's seed once block 2 is unassigned: it is dropped,
    // then reached first from region 0 (220 m), block 2 from region 1 (280 m < 320 m).
    s.region_of[f.chain_atom(2)] = pd::RegionId{};
    pd::complete_assignment(s);
    CHECK(regions(f, s) == std::vector<std::uint32_t>{0, 0, 1, 1});
    CHECK(s.regions[pd::RegionId{1}].load == 200);
}

TEST_CASE("assignment: targets drop by the households beyond the radius, within the band", "[partition][assignment]") {
    wrap::GeosContext geos;
    partition::PartitionConfig c = test::config_for(300.0);
    c.set_walk(3.125, 4.8);  // 250 m: region 0's centre reaches blocks 0 and 1 (220 m), not block 2 (320 m)
    const StageFixture f{geos, test::chain(geos, {100, 100, 100, 300}).build(), c};
    pd::State s = f.chain_state({0, 0, 0, 1}, {0, 3});
    CHECK(s.outside_radius(pd::RegionId{0}, f.chain_atom(2)) == 100);
    CHECK(s.outside_radius(pd::RegionId{0}, f.chain_atom(1)) == 0);
    pd::adapt_targets(s);
    // Targets 300 - 100 + shift and 300 + shift, each within 255 + 11.25 .. 345 - 11.25,
    // adding up to 600: the smallest shift that does it is 33.75.
    CHECK(s.regions[pd::RegionId{0}].target == Approx(266.25));
    CHECK(s.regions[pd::RegionId{1}].target == Approx(333.75));
}
