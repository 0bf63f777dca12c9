// The problem stage: atoms (water with its bank), the atom graph (rivers crossed only at
// bridges) and parts (small islands linked across water).
#include "stages.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;
using test::DistrictBuilder;
using test::StageFixture;

namespace {

/// The edge from atom a to atom b (null if none).
const pd::AtomEdge* edge(const pd::Problem& p, pd::AtomId a, pd::AtomId b) {
    for (const auto& e : p.atom(a).edges) {
        if (e.other == b) {
            return &e;
        }
    }
    return nullptr;
}

/// Two banks of a 200 x 200 m square split by a river at x = 100; a street at y = 100 on
/// each bank ends at the river. Four blocks (SW, NW, SE, NE) of 100 households, each
/// nearer a street than the bridge (the walk joins all four blocks: the two streets meet
/// where they end).
DistrictBuilder banks(const wrap::GeosContext& geos, bool bridge) {
    DistrictBuilder b{geos, "POLYGON((0 0, 200 0, 200 200, 0 200, 0 0))"};
    b.line("LINESTRING(-10 100, 100 100)", BarrierClass::street, "West Street");
    b.line("LINESTRING(100 100, 210 100)", BarrierClass::street, "East Street");
    b.line("LINESTRING(100 -10, 100 210)", BarrierClass::river, "River");
    if (bridge) {
        b.bridge("LINESTRING(80 50, 120 50)", BarrierClass::road, "Bridge");  // over the southern blocks' edge
    }
    for (const double x : {50.0, 150.0}) {
        for (const double y : {80.0, 150.0}) {
            b.household(x, y, 100);
        }
    }
    return b;
}

} // namespace

TEST_CASE("problem: a water block joins the land block around it", "[partition][problem]") {
    wrap::GeosContext geos;
    // Three 100 m blocks in a row; a pond inside the eastern one.
    DistrictBuilder b{geos, "POLYGON((0 0, 300 0, 300 100, 0 100, 0 0))"};
    b.line("LINESTRING(100 -10, 100 110)", BarrierClass::street);
    b.line("LINESTRING(200 -10, 200 110)", BarrierClass::street);
    b.water("POLYGON((220 20, 280 20, 280 80, 220 80, 220 20))", "Pond");
    b.household(50, 50, 100).household(150, 50, 100).household(250, 10, 100);
    const StageFixture f{geos, b.build(), test::config_for(200.0)};
    const pd::Problem& p = f.problem();
    // Four blocks (the pond, the ring around it and two more), three atoms.
    REQUIRE(f.blocks().blocks.size() == 4);
    CHECK(p.atoms().size() == 3);
    const pd::AtomId ring = f.atom_at(250, 10);
    CHECK(f.atom_at(250, 50) == ring);  // the pond
    CHECK(p.atom(ring).blocks.size() == 2);
    CHECK(p.atom(ring).households == 100);
    CHECK(f.atom_at(50, 50) != f.atom_at(150, 50));
    CHECK(p.households() == 300);
}

TEST_CASE("problem: a river is crossed where a bridge lands on it, nowhere else", "[partition][problem]") {
    wrap::GeosContext geos;
    const StageFixture f{geos, banks(geos, true).build(), test::config_for(400.0)};
    const pd::Problem& p = f.problem();
    REQUIRE(p.atoms().size() == 4);
    const pd::AtomId sw = f.atom_at(50, 50);
    const pd::AtomId nw = f.atom_at(50, 150);
    const pd::AtomId se = f.atom_at(150, 50);
    const pd::AtomId ne = f.atom_at(150, 150);
    REQUIRE(edge(p, sw, se) != nullptr);
    REQUIRE(edge(p, nw, ne) != nullptr);
    CHECK(edge(p, sw, se)->strong);       // the bridge lands on this edge
    CHECK_FALSE(edge(p, nw, ne)->strong);  // the streets only end at the river
    CHECK(edge(p, sw, se)->strongest() == BarrierClass::river);
    CHECK(edge(p, sw, nw)->strong);
    CHECK(edge(p, se, ne)->strong);
    CHECK(edge(p, sw, nw)->length[static_cast<std::size_t>(BarrierClass::street)] == Approx(100.0));
    // One part through the bridge.
    CHECK(p.part_count() == 1);
    CHECK(p.islands_attached() == 0);
}

TEST_CASE("problem: banks without a bridge are parts, linked across only if below the band", "[partition][problem]") {
    wrap::GeosContext geos;
    SECTION("200 households a bank, the band of a 200 grid starts at 170: two parts") {
        const StageFixture f{geos, banks(geos, false).build(), test::config_for(200.0)};
        CHECK(f.problem().part_count() == 2);
        CHECK(f.problem().islands_attached() == 0);
        CHECK(f.problem().part_of(f.atom_at(50, 50)) != f.problem().part_of(f.atom_at(150, 50)));
        CHECK(f.problem().part_households(f.problem().part_of(f.atom_at(50, 50))) == 200);
    }
    SECTION("the band of a 400 grid starts at 340: the first bank is linked to the other across one river edge") {
        const StageFixture f{geos, banks(geos, false).build(), test::config_for(400.0)};
        const pd::Problem& p = f.problem();
        CHECK(p.part_count() == 1);
        REQUIRE(p.islands_attached() == 1);
        const bool south = edge(p, f.atom_at(50, 50), f.atom_at(150, 50))->strong;
        const bool north = edge(p, f.atom_at(50, 150), f.atom_at(150, 150))->strong;
        CHECK(south != north);
        const auto& link = p.part_links().front();
        CHECK(link.households == 200);
        CHECK(link.blocks.size() == 2);
        CHECK(link.gap_m == 0.0);
    }
}

TEST_CASE("problem: a fragment of the district with no shared edge is attached to the nearest block",
          "[partition][problem]") {
    wrap::GeosContext geos;
    // A 200 x 200 m square of four blocks and, 300 m east of it, a 30 x 30 m fragment
    // with no households (a sliver of a multi-part boundary).
    DistrictBuilder b{geos, "MULTIPOLYGON(((0 0, 200 0, 200 200, 0 200, 0 0)), ((500 80, 530 80, 530 110, 500 110, 500 80)))"};
    b.line("LINESTRING(-10 100, 210 100)", BarrierClass::street);
    b.line("LINESTRING(100 -10, 100 210)", BarrierClass::street);
    for (const double x : {50.0, 150.0}) {
        for (const double y : {50.0, 150.0}) {
            b.household(x, y, 100);
        }
    }
    const StageFixture f{geos, b.build(), test::config_for(200.0)};
    const pd::Problem& p = f.problem();
    CHECK(p.part_count() == 1);
    REQUIRE(p.part_links().size() == 1);
    const auto& link = p.part_links().front();
    CHECK(link.households == 0);
    CHECK(link.blocks.size() == 1);
    CHECK(link.gap_m == Approx(300.0));
    CHECK(link.from == f.blocks().blocks[p.atom(f.atom_at(515, 95)).blocks.front().value()].id);
    // Attached to one of the two eastern blocks (both 300 m away; the lower id wins).
    const pd::AtomId to = p.atom_of_block(link.to);
    CHECK((to == f.atom_at(150, 50) || to == f.atom_at(150, 150)));
    CHECK(link.to.value() == std::min(p.atom(f.atom_at(150, 50)).blocks.front().value(),
                                      p.atom(f.atom_at(150, 150)).blocks.front().value()));
}

TEST_CASE("problem: a block joins its neighbours only where the ways beside them join", "[partition][problem]") {
    wrap::GeosContext geos;
    // A 300 x 200 m district cut by two streets at x = 100 and x = 200 that run from the
    // southern outline to the northern one. The middle block has no households: its edge
    // is walkable along the two streets only, 200 m each, which the outline keeps apart;
    // it joins one of them (its main piece, the longest, the first on a tie). 100
    // households west, 100 east, each walking from the street beside it; a 100 grid's band
    // starts at 85.
    auto district = [&](bool cross_path, bool path_inside) {
        DistrictBuilder b{geos, "POLYGON((0 0, 300 0, 300 200, 0 200, 0 0))"};
        b.line("LINESTRING(100 -10, 100 210)", BarrierClass::street, "West Street");
        b.line("LINESTRING(200 -10, 200 210)", BarrierClass::street, "East Street");
        if (cross_path) {
            b.line("LINESTRING(100 100, 200 100)", BarrierClass::alley, "Cross Path");
        }
        if (path_inside) {
            b.line("LINESTRING(150 50, 150 150)", BarrierClass::alley, "Dead End");
        }
        b.household(50, 100, 100).household(250, 100, 100);
        return b.build();
    };
    SECTION("no way across: the east and west are two parts; the empty block is strong on one side only") {
        const StageFixture f{geos, district(false, false), test::config_for(100.0)};
        const pd::Problem& p = f.problem();
        REQUIRE(p.atoms().size() == 3);
        const pd::AtomId west = f.atom_at(50, 100);
        const pd::AtomId empty = f.atom_at(150, 100);
        const pd::AtomId east = f.atom_at(250, 100);
        CHECK(p.atom(empty).empty_land);
        CHECK_FALSE(p.atom(west).empty_land);
        const pd::AtomEdge* west_edge = edge(p, west, empty);
        const pd::AtomEdge* east_edge = edge(p, empty, east);
        REQUIRE(west_edge != nullptr);
        REQUIRE(east_edge != nullptr);
        CHECK(west_edge->strong != east_edge->strong);
        CHECK(p.part_count() == 2);
        CHECK(p.part_of(west) != p.part_of(east));
        CHECK(p.islands_attached() == 0);
    }
    SECTION("a path across the empty land: both halves are walked round, one part") {
        const StageFixture f{geos, district(true, false), test::config_for(100.0)};
        const pd::Problem& p = f.problem();
        REQUIRE(p.atoms().size() == 4);
        const pd::AtomId south = f.atom_at(150, 50);
        CHECK(p.atom(south).empty_land);
        CHECK(edge(p, f.atom_at(50, 100), south)->strong);
        CHECK(edge(p, south, f.atom_at(250, 100))->strong);
        CHECK(edge(p, south, f.atom_at(150, 150))->strong);
        CHECK(p.part_count() == 1);
    }
    SECTION("a dead-end path inside: the block is not empty land, but joins no more than before") {
        const StageFixture f{geos, district(false, true), test::config_for(100.0)};
        const pd::Problem& p = f.problem();
        REQUIRE(p.atoms().size() == 3);
        const pd::AtomId middle = f.atom_at(120, 100);
        CHECK_FALSE(p.atom(middle).empty_land);
        CHECK(edge(p, f.atom_at(50, 100), middle)->strong != edge(p, middle, f.atom_at(250, 100))->strong);
        CHECK(p.part_count() == 2);
    }
}

TEST_CASE("problem: land with no households that no walk reaches joins its neighbour", "[partition][problem]") {
    wrap::GeosContext geos;
    // A 300 x 100 m district: a street at x = 100, a river at x = 200 with no bridge. The
    // east block has no households and no way beside it (the river and the outline): it
    // joins the middle block, the one it shares its longest edge with, rather than become
    // a part of its own with 0 households.
    DistrictBuilder b{geos, "POLYGON((0 0, 300 0, 300 100, 0 100, 0 0))"};
    b.line("LINESTRING(100 -10, 100 110)", BarrierClass::street, "Street");
    b.line("LINESTRING(200 -10, 200 110)", BarrierClass::river, "River");
    b.household(50, 50, 100).household(150, 50, 100);
    const StageFixture f{geos, b.build(), test::config_for(200.0)};
    const pd::Problem& p = f.problem();
    REQUIRE(f.blocks().blocks.size() == 3);
    CHECK(p.atoms().size() == 2);
    CHECK(f.atom_at(250, 50) == f.atom_at(150, 50));
    CHECK(p.atom(f.atom_at(250, 50)).blocks.size() == 2);
    CHECK(p.part_count() == 1);
    CHECK(p.islands_attached() == 0);
}
