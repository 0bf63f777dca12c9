// The state and the objective: a state from a block assignment, and the objective's
// terms worked out by hand on a chain of four blocks.
#include "stages.hpp"

#include "partition/detail/objective.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;
using test::StageFixture;

TEST_CASE("state: a block assignment puts each atom in the region of its most populous block", "[partition][state]") {
    wrap::GeosContext geos;
    test::DistrictBuilder b{geos, "POLYGON((0 0, 300 0, 300 100, 0 100, 0 0))"};
    b.line("LINESTRING(100 -10, 100 110)", BarrierClass::street);
    b.line("LINESTRING(200 -10, 200 110)", BarrierClass::street);
    b.water("POLYGON((220 20, 280 20, 280 80, 220 80, 220 20))", "Pond");
    b.household(50, 50, 100).household(150, 50, 100).household(250, 10, 100);
    const StageFixture f{geos, b.build(), test::config_for(200.0)};
    const pd::Problem& p = f.problem();
    // The western blocks and the pond in region 0, the ring around the pond in region 1.
    std::vector<pd::RegionId> region_of_block(f.blocks().blocks.size(), pd::RegionId{0});
    region_of_block[p.block_at(250, 10).value()] = pd::RegionId{1};
    std::size_t split = 0;
    const auto regions = pd::atom_regions(p, region_of_block, &split);
    CHECK(split == 1);  // the pond's atom: its households are all in the ring
    CHECK(regions[f.atom_at(250, 50)] == pd::RegionId{1});
    const pd::State s = pd::state_from_assignment(p, region_of_block);
    REQUIRE(s.regions.size() == 2);
    CHECK(s.regions[pd::RegionId{0}].load == 200);
    CHECK(s.regions[pd::RegionId{1}].load == 100);
    for (const auto& region : s.regions) {
        CHECK(region.target == 200.0);
        CHECK(region.centre.proposed);
        CHECK_FALSE(std::isfinite(region.centre.x));  // no centre yet
        CHECK_FALSE(region.seed.valid());
    }
}

TEST_CASE("objective: band, target, edge and away terms by hand", "[partition][objective]") {
    wrap::GeosContext geos;
    // Four blocks of 100; a grid of 200 has the band 170-230.
    const StageFixture f{geos, test::chain(geos, {100, 100, 100, 100}).build(), test::config_for(200.0)};
    pd::State s = f.chain_state({0, 0, 0, 1}, {0, 3});
    const pd::RegionId r0{0};
    const pd::RegionId r1{1};
    // 300 households: 70 above the band (x 10) and 100 above the target (x 0.2).
    CHECK(pd::balance_cost(s, r0, 300) == Approx(720.0));
    CHECK(pd::balance_cost(s, r1, 100) == Approx(720.0));
    CHECK(pd::balance_cost(s, r1, 200) == 0.0);
    // Moving block 2's 100 households to region 1 brings both into the band.
    CHECK(pd::balance_delta(s, r0, r1, 100) == Approx(-1440.0));
    // A 100 m street edge: 0.5 x 0.6 per metre.
    const pd::AtomId a2 = f.chain_atom(2);
    const pd::AtomEdge& e = f.problem().atom(a2).edges.front();
    CHECK(pd::cut_cost(f.problem(), e) == Approx(30.0));
    // Block 2 moving east: one edge starts being cut, one stops; the walk to region 1's
    // centre (block 3, 30 + 60 + 100 + 60 + 30 = 280 m) is shorter than to region 0's
    // (on the lane: 60 + 170 + 60 + 30 = 320 m): 0.1 x 100 households x -40 m / 800 m.
    const double plain = pd::move_delta(s, a2, r1);
    CHECK(plain == Approx(-0.5));
    // Homes: every atom at home where it is now, 10 per household away.
    s.rules.home = s.region_of;
    s.rules.away_cost = 10.0;
    CHECK(pd::move_delta(s, a2, r1) == Approx(plain + 1000.0));
    const double at_home = pd::total_cost(s);
    s.move_atom(a2, r1);
    CHECK(pd::total_cost(s) - at_home == Approx(-1440.0 + plain + 1000.0));
    CHECK(pd::move_delta(s, a2, r0) == Approx(-plain - 1000.0));  // coming home gains it back
    // The score: households outside the band (its bounds as whole households: 170 and
    // 229, as 200 x 1.15 is 229.99999999999997) weigh the district's households + 1
    // each; every household is within 800 m of its centre.
    s.move_atom(a2, r0);
    s.rules = {};
    CHECK(pd::score(s) == Approx(401.0 * (71.0 + 70.0)));
}
