// Blocks on hand-made districts with exactly known answers. Coordinates in metres.
//
//   y
//  300 +-----+-----+-----+      Streets at x = 100, 200 and y = 100, 200 cross a
//      |  1  |  2  |  3  |      300 m square: 9 blocks of 100 x 100 m = 10,000 m2,
//  200 +-----+-----+-----+      12 shared edges of 100 m. Streets overshoot the
//      |  4  |  5  |  6  |      boundary by 10 m, as real data does.
//  100 +-----+-----+-----+
//      |  7  |  8  |  9  |      Block ids run north to south, then west to east.
//    0 +-----+-----+-----+ x
//      0    100   200   300

#include "support/fixtures.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/core/error.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

using namespace gridplan;
using gridplan::test::DistrictBuilder;

namespace {

const char* const square = "POLYGON((0 0, 300 0, 300 300, 0 300, 0 0))";

DistrictBuilder lattice(const wrap::GeosContext& geos) {
    DistrictBuilder d{geos, square};
    d.line("LINESTRING(100 -10, 100 310)", BarrierClass::street, "West Street")
        .line("LINESTRING(200 -10, 200 310)", BarrierClass::street, "East Street")
        .line("LINESTRING(-10 100, 310 100)", BarrierClass::street, "South Street")
        .line("LINESTRING(-10 200, 310 200)", BarrierClass::street, "North Street");
    return d;
}

blocks::BlocksResult run(const wrap::GeosContext& geos, const io::District& d, RunContext& ctx,
                         blocks::BlocksConfig config = {}) {
    return blocks::build_blocks(d, config, geos, ctx);
}

void require_tiles(const wrap::GeosContext& geos, const io::District& d, const blocks::BlocksResult& r) {
    const auto t = test::check_tiling(geos, d.boundary.get(), r, true);
    REQUIRE(t.invalid_blocks == 0);
    REQUIRE(t.union_area == Approx(t.boundary_area).epsilon(1e-4));
    REQUIRE(t.sum_of_areas == Approx(t.boundary_area).epsilon(1e-4));
    REQUIRE(t.symmetric_difference_area < 1e-4 * t.boundary_area);
    REQUIRE(t.max_pair_overlap < 1.0);
}

const blocks::Adjacency* find_pair(const blocks::BlocksResult& r, std::uint32_t a, std::uint32_t b) {
    for (const auto& adj : r.adjacency) {
        if (adj.a.value() == std::min(a, b) && adj.b.value() == std::max(a, b)) {
            return &adj;
        }
    }
    return nullptr;
}

} // namespace

TEST_CASE("a 3x3 street lattice gives 9 blocks of 10,000 m2", "[blocks]") {
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = lattice(geos).build();
    const auto r = run(geos, d, ctx);

    REQUIRE(r.blocks.size() == 9);
    for (const auto& b : r.blocks) {
        CHECK(b.area_m2 == Approx(10000.0).epsilon(1e-9));
        CHECK(b.perimeter_m == Approx(400.0).epsilon(1e-9));
        CHECK_FALSE(b.water);
    }
    // North to south, west to east: block 0 is the north-west corner.
    CHECK(r.blocks[0].label_x < 100.0);
    CHECK(r.blocks[0].label_y > 200.0);
    CHECK(r.blocks[8].label_x > 200.0);
    CHECK(r.blocks[8].label_y < 100.0);

    // 6 horizontal + 6 vertical neighbour pairs, 100 m each, no corner-only pairs.
    REQUIRE(r.adjacency.size() == 12);
    for (const auto& adj : r.adjacency) {
        CHECK(adj.shared_length_m == Approx(100.0).epsilon(1e-9));
        CHECK(adj.barrier_class == BarrierClass::street);
    }
    CHECK(find_pair(r, 0, 4) == nullptr);  // diagonal: corner only
    const auto* west_of_centre = find_pair(r, 3, 4);
    REQUIRE(west_of_centre != nullptr);
    CHECK(west_of_centre->barrier_name == "West Street");
    const auto* north_of_centre = find_pair(r, 1, 4);
    REQUIRE(north_of_centre != nullptr);
    CHECK(north_of_centre->barrier_name == "North Street");
    CHECK(r.stats.dangles == 0);
    require_tiles(geos, d, r);
}

TEST_CASE("a river along the middle row splits exactly those 3 blocks", "[blocks]") {
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d =
        lattice(geos).line("LINESTRING(-10 150, 310 150)", BarrierClass::river, "Bailang River").build();
    const auto r = run(geos, d, ctx);

    REQUIRE(r.blocks.size() == 12);
    std::size_t halves = 0;
    for (const auto& b : r.blocks) {
        if (b.label_y > 100.0 && b.label_y < 200.0) {
            CHECK(b.area_m2 == Approx(5000.0).epsilon(1e-9));
            ++halves;
        } else {
            CHECK(b.area_m2 == Approx(10000.0).epsilon(1e-9));
        }
    }
    CHECK(halves == 6);
    std::size_t river_edges = 0;
    for (const auto& adj : r.adjacency) {
        if (adj.barrier_class == BarrierClass::river) {
            ++river_edges;
            CHECK(adj.shared_length_m == Approx(100.0).epsilon(1e-9));
            CHECK(adj.barrier_name == "Bailang River");
        }
    }
    CHECK(river_edges == 3);
    // 12 lattice edges: the 2 vertical ones of the middle row are now 4 of 50 m; plus 3 river edges.
    CHECK(r.adjacency.size() == 12 + 2 + 3);
    require_tiles(geos, d, r);
}

TEST_CASE("a dead-end street creates no block and is reported as a dangle", "[blocks]") {
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = lattice(geos).line("LINESTRING(150 100, 150 160)", BarrierClass::alley, "Blind Alley").build();
    const auto r = run(geos, d, ctx);
    REQUIRE(r.blocks.size() == 9);
    CHECK(r.stats.dangles == 1);
    CHECK(ctx.problems.count("dangle") == 1);
    for (const auto& adj : r.adjacency) {
        CHECK(adj.barrier_class == BarrierClass::street);
    }
    require_tiles(geos, d, r);
}

TEST_CASE("a block below the minimum area merges into the neighbour with the longest shared edge", "[blocks]") {
    wrap::GeosContext geos;
    // An L-shaped alley cuts a 10 x 12 m corner (120 m2) off the north-west block.
    const std::string corner = "LINESTRING(-5 288, 10 288, 10 305)";
    SECTION("default minimum 200 m2: merged") {
        RunContext ctx;
        const io::District d = lattice(geos).line(corner, BarrierClass::alley).build();
        const auto r = run(geos, d, ctx);
        REQUIRE(r.blocks.size() == 9);
        CHECK(r.stats.slivers_merged == 1);
        CHECK(r.blocks[0].area_m2 == Approx(10000.0).epsilon(1e-9));
        CHECK(r.blocks[0].faces == 2);
        REQUIRE(ctx.problems.count("sliver_merged") == 1);
        const auto& problems = ctx.problems.problems();
        const auto it = std::find_if(problems.begin(), problems.end(),
                                     [](const Problem& p) { return p.problem == "sliver_merged"; });
        REQUIRE(it != problems.end());
        const Problem& p = *it;
        CHECK(p.block_id == std::optional<std::int64_t>{1});
        require_tiles(geos, d, r);
    }
    SECTION("minimum 100 m2: kept as a block") {
        RunContext ctx;
        const io::District d = lattice(geos).line(corner, BarrierClass::alley).build();
        blocks::BlocksConfig config;
        config.min_area_m2 = 100.0;
        const auto r = run(geos, d, ctx, config);
        REQUIRE(r.blocks.size() == 10);
        CHECK(r.stats.slivers_merged == 0);
        const auto smallest = std::min_element(r.blocks.begin(), r.blocks.end(), [](const auto& a, const auto& b) {
            return a.area_m2 < b.area_m2;
        });
        CHECK(smallest->area_m2 == Approx(120.0).epsilon(1e-9));
        require_tiles(geos, d, r);
    }
}

TEST_CASE("a thin strip between a road and the boundary is a sliver", "[blocks]") {
    wrap::GeosContext geos;
    RunContext ctx;
    // A road 1 m inside the southern boundary: strips of 100 x 1 m (100 m2 each) would be blocks.
    const io::District d = lattice(geos).line("LINESTRING(-10 1, 310 1)", BarrierClass::road, "Ring Road").build();
    const auto r = run(geos, d, ctx);
    CHECK(r.blocks.size() == 9);
    CHECK(r.stats.slivers_merged == 3);
    require_tiles(geos, d, r);
}

TEST_CASE("a closed barrier inside a block makes an island and a hole", "[blocks]") {
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d =
        lattice(geos).line("LINESTRING(20 220, 80 220, 80 280, 20 280, 20 220)", BarrierClass::alley, "Ring Lane").build();
    const auto r = run(geos, d, ctx);
    REQUIRE(r.blocks.size() == 10);
    bool found_hole = false;
    bool found_island = false;
    for (const auto& b : r.blocks) {
        if (GEOSGetNumInteriorRings_r(geos.handle(), b.geom.get()) == 1) {
            found_hole = true;
            CHECK(b.area_m2 == Approx(10000.0 - 3600.0).epsilon(1e-9));
        }
        if (b.area_m2 == Approx(3600.0).epsilon(1e-9)) {
            found_island = true;
        }
    }
    CHECK(found_hole);
    CHECK(found_island);
    require_tiles(geos, d, r);
}

TEST_CASE("water areas become water blocks and the strongest barrier names the edge", "[blocks]") {
    wrap::GeosContext geos;
    RunContext ctx;
    // A 20 m river band along the southern street's row, from x=-10 to 310 at y 140..160.
    const io::District d = lattice(geos)
                               .water("POLYGON((-10 140, 310 140, 310 160, -10 160, -10 140))", "Bailang River")
                               .line("LINESTRING(100 -10, 100 310)", BarrierClass::road, "West Road")
                               .household(50, 50, 10)
                               .household(150, 150, 7)  // in the water: moved to a bank
                               .build();
    const auto r = run(geos, d, ctx);
    // Middle row: 3 north banks, 3 water pieces (split by streets at x = 100, 200), 3 south banks.
    REQUIRE(r.blocks.size() == 15);
    std::size_t water = 0;
    for (const auto& b : r.blocks) {
        if (b.water) {
            ++water;
            CHECK(b.water_name == "Bailang River");
            CHECK(b.households == 0);
            CHECK(b.area_m2 == Approx(2000.0).epsilon(1e-9));
        }
    }
    CHECK(water == 3);
    CHECK(r.stats.households_moved_from_water == 7);
    CHECK(r.stats.households_inside == 17);
    // The West Road coincides with West Street: the road class wins on those edges.
    std::size_t road_edges = 0;
    for (const auto& adj : r.adjacency) {
        if (adj.barrier_class == BarrierClass::road) {
            ++road_edges;
            CHECK(adj.barrier_name == "West Road");
        }
    }
    CHECK(road_edges == 5);  // top, bottom, and the three middle-row pieces along x = 100
    require_tiles(geos, d, r);
}

TEST_CASE("households are attached to blocks and conserved", "[blocks]") {
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = lattice(geos)
                               .household(50, 250, 120)   // block 1 (north-west)
                               .household(60, 260, 80)    // block 1
                               .household(250, 50, 3)     // block 9 (south-east)
                               .household(150, 150, 1)    // block 5 (centre)
                               .household(100, 150, 2)    // on West Street: the lower block id wins (block 4)
                               .household(400, 400, 37)   // outside
                               .build();
    const auto r = run(geos, d, ctx);
    REQUIRE(r.blocks.size() == 9);
    CHECK(r.blocks[0].households == 200);
    CHECK(r.blocks[0].household_points == 2);
    CHECK(r.blocks[8].households == 3);
    CHECK(r.blocks[4].households == 1);
    CHECK(r.blocks[3].households == 2);
    CHECK(r.stats.households_input == 243);
    CHECK(r.stats.households_inside == 206);
    CHECK(r.stats.households_outside == 37);
    CHECK(r.stats.household_points_outside == 1);
    CHECK(r.stats.households_inside + r.stats.households_outside == r.stats.households_input);
    CHECK(ctx.problems.count("household_outside") == 1);
    REQUIRE(r.household_block.size() == 6);
    CHECK(r.household_block[0] == BlockId{0});
    CHECK_FALSE(r.household_block[5].valid());
    std::int64_t sum = 0;
    for (const auto& b : r.blocks) {
        sum += b.households;
    }
    CHECK(sum == r.stats.households_inside);
}

TEST_CASE("households in water without a bank are rejected, and every household is accounted for",
          "[blocks][households]") {
    wrap::GeosContext geos;
    RunContext ctx;
    // A lake over the whole district: one water block with no land block beside it.
    io::District d = DistrictBuilder{geos, square}
                         .water("POLYGON((-10 -10, 310 -10, 310 310, -10 310, -10 -10))", "Lake")
                         .household(150, 150, 5)  // in the lake
                         .household(400, 400, 2)  // outside
                         .build();
    d.households_rejected["no_geometry"] = 3;  // as the reader records features without a geometry
    const auto r = run(geos, d, ctx);
    REQUIRE(r.blocks.size() == 1);
    CHECK(r.blocks[0].water);
    CHECK(r.blocks[0].households == 0);
    CHECK(r.stats.households_water_no_bank == 5);
    CHECK(ctx.problems.count("household_in_water_no_bank") == 1);
    CHECK_FALSE(r.household_block[0].valid());
    CHECK(r.households.input == 10);
    CHECK(r.households.placed == 0);
    CHECK(r.households.rejected.at("water_no_bank") == 5);
    CHECK(r.households.rejected.at("outside_district") == 2);
    CHECK(r.households.rejected.at("no_geometry") == 3);
    CHECK(r.households.rejected.at("unprojectable") == 0);
    nlohmann::json j;
    r.households.write_to(j);
    CHECK(j["households_input"] == 10);
    CHECK(j["households_rejected"].size() == 5);
    CHECK(r.households.rejected.at("no_building") == 0);
}

TEST_CASE("lines crossing without a shared vertex are reported unless one is a bridge", "[blocks]") {
    wrap::GeosContext geos;
    SECTION("plain crossing") {
        RunContext ctx;
        const io::District d = lattice(geos).build();
        const auto r = run(geos, d, ctx);
        // The lattice lines are single segments: every crossing lacks a shared vertex.
        CHECK(r.stats.crossings_without_vertex == 4);
    }
    SECTION("shared vertices and bridges") {
        RunContext ctx;
        DistrictBuilder b{geos, square};
        b.line("LINESTRING(100 -10, 100 150, 100 310)", BarrierClass::street)
            .line("LINESTRING(-10 150, 100 150, 310 150)", BarrierClass::street)
            .bridge("LINESTRING(200 -10, 200 310)", BarrierClass::road);
        const io::District d = b.build();
        const auto r = run(geos, d, ctx);
        CHECK(r.stats.crossings_without_vertex == 0);
        CHECK(r.blocks.size() == 6);
    }
}

TEST_CASE("a district that nothing divides is one block and bad settings are refused", "[blocks]") {
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = DistrictBuilder{geos, square}.line("LINESTRING(500 500, 600 600)", BarrierClass::road).build();
    const auto r = run(geos, d, ctx);
    REQUIRE(r.blocks.size() == 1);
    CHECK(r.blocks[0].area_m2 == Approx(90000.0));
    CHECK(r.adjacency.empty());

    blocks::BlocksConfig bad;
    bad.min_area_m2 = -1.0;
    REQUIRE_THROWS_WITH(bad.validate(), Catch::Contains("blocks.min_area_m2"));
    bad = {};
    bad.grid_size_m = 0.0;
    REQUIRE_THROWS_AS(bad.validate(), ConfigError);
}

TEST_CASE("the same input gives the same blocks in the same order", "[blocks]") {
    wrap::GeosContext geos;
    RunContext ctx1;
    RunContext ctx2;
    const io::District d1 = lattice(geos).line("LINESTRING(-10 150, 310 150)", BarrierClass::river).build();
    const io::District d2 = lattice(geos).line("LINESTRING(-10 150, 310 150)", BarrierClass::river).build();
    const auto a = run(geos, d1, ctx1);
    const auto b = run(geos, d2, ctx2);
    REQUIRE(a.blocks.size() == b.blocks.size());
    for (std::size_t i = 0; i < a.blocks.size(); ++i) {
        CHECK(geos.to_wkt(a.blocks[i].geom.get(), 6) == geos.to_wkt(b.blocks[i].geom.get(), 6));
    }
}
