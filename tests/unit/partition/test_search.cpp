// The local search: contiguity, single moves, band repair along a chain of grids, and the
// replan hooks (frozen regions, a cost for leaving home), on chains of 100-household
// blocks with grids of 200 (band 170-230).
#include "stages.hpp"

#include "partition/detail/search.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;
using test::StageFixture;

namespace {

const pd::RegionId r0{0};
const pd::RegionId r1{1};

} // namespace

TEST_CASE("search: a region stays connected without an end block, not without its middle", "[partition][search]") {
    wrap::GeosContext geos;
    const StageFixture f{geos, test::chain(geos, {100, 100, 100, 100}).build(), test::config_for(200.0)};
    const pd::State s = f.chain_state({0, 0, 0, 1}, {0, 3});
    // Region 0 holds 3 atoms, region 1 one.
    CHECK(pd::connected_without(s, r0, f.chain_atom(2), 3));
    CHECK_FALSE(pd::connected_without(s, r0, f.chain_atom(1), 3));  // would cut block 0 from block 2
    CHECK_FALSE(pd::connected_without(s, r1, f.chain_atom(3), 1));  // alone: stays
}

TEST_CASE("search: a single move into the band, and the hooks that stop it", "[partition][search]") {
    wrap::GeosContext geos;
    const StageFixture f{geos, test::chain(geos, {100, 100, 100, 100}).build(), test::config_for(200.0)};
    // Block 2 moving east: the balance term falls by 1440 (both grids into the band), the
    // walk term by 0.5, the edge term not at all (test_state.cpp).
    SECTION("no rules: block 2 moves") {
        pd::State s = f.chain_state({0, 0, 0, 1}, {0, 3});
        pd::improve(s);
        CHECK(StageFixture::chain_regions(f, s, 4) == std::vector<std::uint32_t>{0, 0, 1, 1});
    }
    SECTION("leaving home at 10 a household (+1000): still moves") {
        pd::State s = f.chain_state({0, 0, 0, 1}, {0, 3});
        s.rules.home = s.region_of;
        s.rules.away_cost = 10.0;
        pd::improve(s);
        CHECK(StageFixture::chain_regions(f, s, 4) == std::vector<std::uint32_t>{0, 0, 1, 1});
    }
    SECTION("leaving home at 20 a household (+2000): stays") {
        pd::State s = f.chain_state({0, 0, 0, 1}, {0, 3});
        s.rules.home = s.region_of;
        s.rules.away_cost = 20.0;
        pd::improve(s);
        CHECK(StageFixture::chain_regions(f, s, 4) == std::vector<std::uint32_t>{0, 0, 0, 1});
    }
    SECTION("a frozen region takes nothing in and gives nothing away") {
        for (const pd::RegionId frozen : {r0, r1}) {
            pd::State s = f.chain_state({0, 0, 0, 1}, {0, 3});
            s.rules.frozen.assign(2, 0);
            s.rules.frozen[frozen] = 1;
            pd::search(s);
            CHECK(StageFixture::chain_regions(f, s, 4) == std::vector<std::uint32_t>{0, 0, 0, 1});
        }
    }
}

TEST_CASE("search: band repair passes households along a chain of grids", "[partition][search]") {
    wrap::GeosContext geos;
    // Six blocks: region 0 holds 300 (above 230), region 1 200, region 2 100 (below 170).
    const StageFixture f{geos, test::chain(geos, {100, 100, 100, 100, 100, 100}).build(), test::config_for(200.0)};
    SECTION("region 0 passes block 2 to region 1, which passes block 4 to region 2") {
        pd::State s = f.chain_state({0, 0, 0, 1, 1, 2}, {0, 3, 5});
        pd::repair_band(s);
        CHECK(StageFixture::chain_regions(f, s, 6) == std::vector<std::uint32_t>{0, 0, 1, 1, 2, 2});
        for (const auto& region : s.regions) {
            CHECK(region.load == 200);
        }
    }
    SECTION("a frozen region 1 passes nothing on: no chain, nothing moves") {
        pd::State s = f.chain_state({0, 0, 0, 1, 1, 2}, {0, 3, 5});
        s.rules.frozen.assign(3, 0);
        s.rules.frozen[r1] = 1;
        pd::repair_band(s);
        CHECK(StageFixture::chain_regions(f, s, 6) == std::vector<std::uint32_t>{0, 0, 0, 1, 1, 2});
    }
}

TEST_CASE("search: the thorough band repair tries every neighbour and larger atoms within the band",
          "[partition][search]") {
    wrap::GeosContext geos;
    // Band 170-230. Region 0 = blocks 0, 1 (110 + 100 = 210), region 1 = block 2 (150, 20
    // below the band), region 2 = blocks 3, 4 (30 + 170 = 200, seed block 4).
    const StageFixture f{geos, test::chain(geos, {110, 100, 150, 30, 170}).build(), test::config_for(200.0)};
    pd::State s = f.chain_state({0, 0, 1, 2, 2}, {0, 2, 4});
    // The plain repair goes to region 0, the nearest above the target (210 > 200), and
    // passes up to max(20, 0.5 x 50) x 1.5 + 1 = 38.5 households: its block 1 (100) is too
    // large, so it stops there.
    pd::repair_band(s);
    CHECK(StageFixture::chain_regions(f, s, 5) == std::vector<std::uint32_t>{0, 0, 1, 2, 2});
    // The thorough one goes on to region 2 (200 - 20 stays in the band) and passes block 3:
    // 150 + 30 = 180 and 200 - 30 = 170, both in the band.
    pd::repair_band(s, true);
    CHECK(StageFixture::chain_regions(f, s, 5) == std::vector<std::uint32_t>{0, 0, 1, 1, 2});
    CHECK(s.regions[pd::RegionId{1}].load == 180);
    CHECK(s.regions[pd::RegionId{2}].load == 170);
    SECTION("a neighbour that cannot spare the gap is no way out: nothing moves") {
        // Region 2 at 171 (block 4 at 141) can spare 1 of the 20 region 1 needs.
        const StageFixture g{geos, test::chain(geos, {110, 100, 150, 30, 141}).build(), test::config_for(200.0)};
        pd::State t = g.chain_state({0, 0, 1, 2, 2}, {0, 2, 4});
        pd::repair_band(t, true);
        CHECK(StageFixture::chain_regions(g, t, 5) == std::vector<std::uint32_t>{0, 0, 1, 2, 2});
    }
}
