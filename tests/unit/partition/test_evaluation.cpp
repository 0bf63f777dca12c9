// The evaluation: numbering, sides, contiguity and what is infeasible, on chains of
// blocks (stages.hpp).
#include "stages.hpp"

#include "partition/detail/evaluation.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;
using test::StageFixture;

TEST_CASE("evaluation: two grids of a chain, numbered west to east, bounded by Street 2", "[partition][evaluation]") {
    wrap::GeosContext geos;
    StageFixture f{geos, test::chain(geos, {100, 100, 100, 100}).build(), test::config_for(200.0)};
    const pd::State s = f.chain_state({0, 0, 1, 1}, {0, 3});
    const partition::PlanResult r = pd::finish(s, f.ctx());
    REQUIRE(r.grids.size() == 2);
    CHECK(r.grids[0].households == 200);
    CHECK(r.grids[0].blocks.size() == 2);
    CHECK(r.grid_of_block[f.problem().block_at(50, 50).value()] == partition::GridId{0});
    CHECK(r.grid_of_block[f.problem().block_at(350, 50).value()] == partition::GridId{1});
    CHECK(r.grids[0].bounds_desc ==
          "north to the district boundary, east to Street 2, south to the district boundary, west to the district boundary");
    CHECK(r.grids[1].bounds_desc ==
          "north to the district boundary, east to the district boundary, south to the district boundary, west to Street 2");
    CHECK(r.grids[0].area_m2 == Approx(20000.0));
    CHECK(r.grids[0].edge_length_by_class[static_cast<std::size_t>(BarrierClass::street)] == Approx(100.0));
    CHECK(r.stats.grids_not_contiguous == 0);
    CHECK(r.stats.grids_in_band == 2);
    CHECK(r.stats.households == 400);
    CHECK(r.stats.atoms == 4);
    // The chain's streets meet at the lane 10 m south of the district, which the walk
    // check counts (config_for): both grids are one piece on foot.
    CHECK(r.infeasible.empty());
    CHECK(r.grids[0].walk_main_share == 1.0);
    CHECK(r.grids[1].walk_main_share == 1.0);
}

TEST_CASE("evaluation: grids that do not connect, and a block above the band", "[partition][evaluation]") {
    wrap::GeosContext geos;
    SECTION("alternating blocks: neither grid is contiguous") {
        StageFixture f{geos, test::chain(geos, {100, 100, 100, 100}).build(), test::config_for(200.0)};
        const partition::PlanResult r = pd::finish(f.chain_state({0, 1, 0, 1}, {0, 1}), f.ctx());
        CHECK(r.stats.grids_not_contiguous == 2);
        for (const auto& g : r.grids) {
            CHECK_FALSE(g.contiguous);
            CHECK(std::find(g.flags.begin(), g.flags.end(), "not_contiguous") != g.flags.end());
        }
    }
    SECTION("1000 households in one block against 200 a grid: a tolerance of 400%") {
        StageFixture f{geos, test::chain(geos, {100, 1000, 100, 100}).build(), test::config_for(200.0)};
        const partition::PlanResult r = pd::finish(f.chain_state({0, 0, 1, 1}, {0, 3}), f.ctx());
        REQUIRE_FALSE(r.infeasible.empty());
        const auto& first = r.infeasible.front();
        CHECK(first.kind == "block_above_band");
        CHECK(first.households == 1000);
        CHECK(first.grids == std::vector<std::uint32_t>{1});
        CHECK_THAT(first.fix, Catch::StartsWith("a tolerance of 400%"));
    }
}

TEST_CASE("evaluation: the walk check, households in one piece of the grid's walkable ways", "[partition][evaluation]") {
    wrap::GeosContext geos;
    // Three 100 m blocks in a row cut by two streets that nothing links inside the
    // district; 100 households by each street, none in the middle block.
    test::DistrictBuilder b{geos, "POLYGON((0 0, 300 0, 300 100, 0 100, 0 0))"};
    b.line("LINESTRING(100 -10, 100 110)", BarrierClass::street, "Street 1");
    b.line("LINESTRING(200 -10, 200 110)", BarrierClass::street, "Street 2");
    b.household(50, 50, 100).household(250, 50, 100);
    SECTION("one grid over both streets: the far street's block is a part with no walkable link") {
        StageFixture f{geos, b.build(), test::config_for(200.0)};
        const partition::PlanResult r = pd::finish(f.chain_state({0, 0, 0}, {0}), f.ctx());
        REQUIRE(r.grids.size() == 1);
        CHECK(r.grids[0].contiguous);  // through the part's link
        CHECK(r.grids[0].walk_main_share == 1.0);  // the linked part is named, not counted twice
        const auto it = std::find_if(r.infeasible.begin(), r.infeasible.end(),
                                     [](const auto& e) { return e.kind == "unlinked_part"; });
        REQUIRE(it != r.infeasible.end());
        CHECK(it->households == 100);
        CHECK(std::none_of(r.infeasible.begin(), r.infeasible.end(),
                           [](const auto& e) { return e.kind == "walk_split"; }));
    }
    SECTION("the same grid measured without parts: not contiguous, half its households cut off on foot") {
        pd::ProblemOptions options;
        options.parts = false;
        StageFixture f{geos, b.build(), test::config_for(200.0), options};
        const partition::PlanResult r = pd::finish(f.chain_state({0, 0, 0}, {0}), f.ctx());
        REQUIRE(r.grids.size() == 1);
        CHECK_FALSE(r.grids[0].contiguous);
        CHECK(r.grids[0].walk_main_share == Approx(0.5));
        CHECK(r.grids[0].walk_cut_off == 100);
        CHECK(std::find(r.grids[0].flags.begin(), r.grids[0].flags.end(), "walk_split") != r.grids[0].flags.end());
        const auto it = std::find_if(r.infeasible.begin(), r.infeasible.end(),
                                     [](const auto& e) { return e.kind == "walk_split"; });
        REQUIRE(it != r.infeasible.end());
        CHECK(it->households == 100);
        CHECK(it->grids == std::vector<std::uint32_t>{1});
        // One street's block is the main piece, the other's cut off: one block named.
        REQUIRE(it->blocks.size() == 1);
        const auto west = f.problem().block_at(50, 50).value() + 1;
        const auto east = f.problem().block_at(250, 50).value() + 1;
        CHECK((it->blocks.front() == west || it->blocks.front() == east));
    }
    SECTION("a grid by each street: both pass") {
        StageFixture f{geos, b.build(), test::config_for(100.0)};
        const partition::PlanResult r = pd::finish(f.chain_state({0, 0, 1}, {0, 2}), f.ctx());
        REQUIRE(r.grids.size() == 2);
        for (const auto& g : r.grids) {
            CHECK(g.walk_main_share == 1.0);
            CHECK(g.walk_cut_off == 0);
        }
    }
}
