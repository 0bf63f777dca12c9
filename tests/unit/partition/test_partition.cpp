// Grid planning on hand-made lattices: the hard rules (tiling, contiguity, bridges,
// keep-together units, nest_within) and balance, worked out by hand.
#include "support/fixtures.hpp"

#include "gridplan/partition/partition.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace gridplan;
using test::DistrictBuilder;

namespace {

/// A 600 x 600 m square cut by streets every 100 m into 36 blocks of 100 households.
DistrictBuilder lattice(const wrap::GeosContext& geos) {
    DistrictBuilder b{geos, "POLYGON((0 0, 600 0, 600 600, 0 600, 0 0))"};
    for (int k = 1; k <= 5; ++k) {
        const std::string c = std::to_string(100 * k);
        std::string h = "LINESTRING(-10 " + c;
        std::string v = "LINESTRING(" + c + " -10";
        for (int j = 1; j <= 5; ++j) {
            h += ", " + std::to_string(100 * j) + " " + c;
            v += ", " + c + " " + std::to_string(100 * j);
        }
        b.line(h + ", 610 " + c + ")", BarrierClass::street, "Street " + std::to_string(k));
        b.line(v + ", " + c + " 610)", BarrierClass::street, "Avenue " + std::to_string(k));
    }
    for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 6; ++j) {
            b.household(50.0 + 100.0 * i, 50.0 + 100.0 * j, 100);
        }
    }
    return b;
}

struct Planned {
    io::District district;
    blocks::BlocksResult blocks;
    network::WalkNetwork net;
    partition::PlanResult plan;
};

Planned plan(const wrap::GeosContext& geos, io::District d, partition::PartitionConfig config,
             const std::vector<io::PolygonFeature>& nests = {}) {
    RunContext ctx;
    Planned p{std::move(d), {}, {}, {}};
    p.blocks = blocks::build_blocks(p.district, {}, geos, ctx);
    p.net = network::build_network(p.district, {}, geos, ctx);
    p.plan = partition::plan_grids(p.district, p.blocks, p.net, nests, config, geos, ctx);
    return p;
}

/// Each grid's blocks are connected through shared edges; `allowed(adj)` says which count.
template <typename Allowed>
bool grids_contiguous(const Planned& p, Allowed&& allowed) {
    std::map<std::uint32_t, std::vector<std::uint32_t>> neighbours;
    for (const auto& adj : p.blocks.adjacency) {
        if (allowed(adj)) {
            neighbours[adj.a.value()].push_back(adj.b.value());
            neighbours[adj.b.value()].push_back(adj.a.value());
        }
    }
    for (const auto& g : p.plan.grids) {
        std::set<std::uint32_t> members;
        for (const auto b : g.blocks) {
            members.insert(b.value());
        }
        std::set<std::uint32_t> seen{*members.begin()};
        std::vector<std::uint32_t> queue{*members.begin()};
        for (std::size_t q = 0; q < queue.size(); ++q) {
            for (const auto n : neighbours[queue[q]]) {
                if (members.count(n) > 0 && seen.insert(n).second) {
                    queue.push_back(n);
                }
            }
        }
        if (seen.size() != members.size()) {
            return false;
        }
    }
    return true;
}

partition::PartitionConfig config(double target) {
    partition::PartitionConfig c;
    c.households_per_grid = target;
    return c;
}

} // namespace

TEST_CASE("a lattice of 36 blocks of 100 households makes 6 balanced, contiguous grids", "[partition]") {
    wrap::GeosContext geos;
    const Planned p = plan(geos, lattice(geos).build(), config(600.0));
    REQUIRE(p.blocks.blocks.size() == 36);
    REQUIRE(p.plan.grids.size() == 6);
    // Every block in exactly one grid.
    std::vector<int> seen(36, 0);
    std::int64_t households = 0;
    for (const auto& g : p.plan.grids) {
        for (const auto b : g.blocks) {
            ++seen[b.value()];
        }
        households += g.households;
        // 510..690 households: 5 to 6 blocks; with whole blocks of 100, exactly 600 is reachable.
        CHECK(g.households >= 510);
        CHECK(g.households <= 690);
        CHECK(g.centre.proposed);
        CHECK(geos.is_valid(g.geom.get()));
        CHECK(GEOSGeomTypeId_r(geos.handle(), g.geom.get()) == GEOS_POLYGON);
    }
    CHECK(std::count(seen.begin(), seen.end(), 1) == 36);
    CHECK(households == 3600);
    CHECK(grids_contiguous(p, [](const blocks::Adjacency&) { return true; }));
    // The grids tile the district.
    double area = 0.0;
    for (const auto& g : p.plan.grids) {
        area += g.area_m2;
    }
    CHECK(area == Approx(360000.0).epsilon(1e-6));
    // Numbered north to south: grid 1's centroid is in the northern half.
    double x = 0.0;
    double y = 0.0;
    geos.point_on_surface(p.plan.grids.front().geom.get(), x, y);
    CHECK(y > 300.0);
    CHECK(p.plan.stats.grids_in_band == 6);
}

TEST_CASE("the same seed gives the same plan", "[partition]") {
    wrap::GeosContext geos;
    const Planned a = plan(geos, lattice(geos).build(), config(600.0));
    const Planned b = plan(geos, lattice(geos).build(), config(600.0));
    REQUIRE(a.plan.grid_of_block.size() == b.plan.grid_of_block.size());
    for (std::size_t i = 0; i < a.plan.grid_of_block.size(); ++i) {
        CHECK(a.plan.grid_of_block[i] == b.plan.grid_of_block[i]);
    }
}

TEST_CASE("a grid spans the river only at the bridge", "[partition]") {
    wrap::GeosContext geos;
    // Two banks of 300 x 600 m split by a river along x = 300; each bank has streets every
    // 100 m that stop at riverside roads (x = 290 and x = 310); one road bridge at y = 350.
    DistrictBuilder b{geos, "POLYGON((0 0, 600 0, 600 600, 0 600, 0 0))"};
    for (int k = 1; k <= 5; ++k) {
        const std::string c = std::to_string(100 * k);
        b.line("LINESTRING(-10 " + c + ", 290 " + c + ")", BarrierClass::street);
        b.line("LINESTRING(310 " + c + ", 610 " + c + ")", BarrierClass::street);
    }
    for (const char* x : {"100", "200", "400", "500"}) {
        b.line(std::string{"LINESTRING("} + x + " -10, " + x + " 610)", BarrierClass::street);
    }
    b.line("LINESTRING(290 -10, 290 610)", BarrierClass::road, "West Bank Road");
    b.line("LINESTRING(310 -10, 310 610)", BarrierClass::road, "East Bank Road");
    b.line("LINESTRING(300 -10, 300 610)", BarrierClass::river, "Bailang River");
    b.bridge("LINESTRING(290 350, 300 350, 310 350)", BarrierClass::road, "Bailang Bridge");
    for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 6; ++j) {
            b.household(50.0 + 100.0 * i + (i >= 3 ? 15.0 : -15.0), 50.0 + 100.0 * j, 100);
        }
    }
    const Planned p = plan(geos, b.build(), config(600.0));
    REQUIRE(p.plan.grids.size() == 6);
    // River edges count for contiguity only where the bridge crosses them: the strips
    // between the bank roads and the river, at y 300..400.
    auto allowed = [&](const blocks::Adjacency& adj) {
        if (adj.barrier_class != BarrierClass::river) {
            return true;
        }
        const auto& a = p.blocks.blocks[adj.a.value()];
        const auto& c = p.blocks.blocks[adj.b.value()];
        return a.label_y > 300.0 && a.label_y < 400.0 && c.label_y > 300.0 && c.label_y < 400.0;
    };
    CHECK(grids_contiguous(p, allowed));
    std::int64_t households = 0;
    for (const auto& g : p.plan.grids) {
        households += g.households;
    }
    CHECK(households == 3600);
}

TEST_CASE("keep-together units and nest_within boundaries are respected", "[partition]") {
    wrap::GeosContext geos;
    SECTION("a compound across a street stays in one grid") {
        io::District d = lattice(geos).build();
        io::PolygonFeature unit;
        unit.geom = geos.from_wkt("POLYGON((120 120, 280 120, 280 180, 120 180, 120 120))");  // blocks (1,1) and (2,1)
        unit.id = "compound-1";
        d.unit_areas.push_back(std::move(unit));
        const Planned p = plan(geos, std::move(d), config(600.0));
        std::set<std::uint32_t> grids;
        for (std::uint32_t b = 0; b < p.blocks.blocks.size(); ++b) {
            const auto& blk = p.blocks.blocks[b];
            if (blk.label_y > 100 && blk.label_y < 200 && blk.label_x > 100 && blk.label_x < 300) {
                grids.insert(p.plan.grid_of_block[b].value());
            }
        }
        CHECK(grids.size() == 1);
    }
    SECTION("no grid crosses a nest polygon boundary") {
        std::vector<io::PolygonFeature> nests(2);
        nests[0].geom = geos.from_wkt("POLYGON((0 0, 300 0, 300 600, 0 600, 0 0))");
        nests[1].geom = geos.from_wkt("POLYGON((300 0, 600 0, 600 600, 300 600, 300 0))");
        const Planned p = plan(geos, lattice(geos).build(), config(600.0), nests);
        REQUIRE(p.plan.grids.size() == 6);
        for (const auto& g : p.plan.grids) {
            std::set<bool> west;
            for (const auto b : g.blocks) {
                west.insert(p.blocks.blocks[b.value()].label_x < 300.0);
            }
            CHECK(west.size() == 1);
        }
    }
}

TEST_CASE("existing centres anchor at most one grid each", "[partition]") {
    wrap::GeosContext geos;
    io::District d = lattice(geos).build();
    for (const auto& [x, y] : std::vector<std::pair<double, double>>{{150, 150}, {450, 450}}) {
        io::PointFeature c;
        c.x = x;
        c.y = y;
        c.id = "C" + std::to_string(d.centres.size() + 1);
        c.services = all_services_mask;
        d.centres.push_back(c);
    }
    const Planned p = plan(geos, std::move(d), config(600.0));
    std::map<std::uint32_t, int> uses;
    std::size_t proposed = 0;
    for (const auto& g : p.plan.grids) {
        if (g.centre.proposed) {
            ++proposed;
        } else {
            ++uses[g.centre.existing];
        }
    }
    CHECK(uses.size() == 2);
    for (const auto& [c, n] : uses) {
        CHECK(n == 1);
    }
    CHECK(proposed == 4);
}
