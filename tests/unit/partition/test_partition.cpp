// Grid planning on hand-made lattices: the hard rules (tiling, contiguity, bridges,
// keep-together units, nest_within) and balance, worked out by hand.
#include "support/fixtures.hpp"

#include "gridplan/partition/partition.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>
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
    // 100 m that end at the river (no bridges), riverside roads at x = 290 and x = 310,
    // and one road bridge at y = 350.
    DistrictBuilder b{geos, "POLYGON((0 0, 600 0, 600 600, 0 600, 0 0))"};
    for (int k = 1; k <= 5; ++k) {
        const std::string c = std::to_string(100 * k);
        b.line("LINESTRING(-10 " + c + ", 300 " + c + ")", BarrierClass::street);
        b.line("LINESTRING(300 " + c + ", 610 " + c + ")", BarrierClass::street);
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
    // River edges count for contiguity only where the bridge lands on them: the streets
    // and the bridge cut the strips between the bank roads and the river into 7 pairs
    // facing each other; only the two whose shared river edge ends at y = 350 are linked.
    auto allowed = [&](const blocks::Adjacency& adj) {
        if (adj.barrier_class != BarrierClass::river) {
            return true;
        }
        return std::fabs(adj.mid_y - 350.0) <= 0.5 * adj.shared_length_m + 1.0;
    };
    std::size_t river_pairs = 0;
    for (const auto& adj : p.blocks.adjacency) {
        river_pairs += adj.barrier_class == BarrierClass::river ? 1 : 0;
    }
    CHECK(river_pairs == 7);
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

TEST_CASE("a 4 x 4 lattice of equal blocks makes four 2 x 2 squares", "[partition]") {
    wrap::GeosContext geos;
    DistrictBuilder b{geos, "POLYGON((0 0, 400 0, 400 400, 0 400, 0 0))"};
    for (int k = 1; k <= 3; ++k) {
        const std::string c = std::to_string(100 * k);
        b.line("LINESTRING(-10 " + c + ", 410 " + c + ")", BarrierClass::street);
        b.line("LINESTRING(" + c + " -10, " + c + " 410)", BarrierClass::street);
    }
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
            b.household(50.0 + 100.0 * i, 50.0 + 100.0 * j, 100);
        }
    }
    const Planned p = plan(geos, b.build(), config(400.0));
    REQUIRE(p.blocks.blocks.size() == 16);
    REQUIRE(p.plan.grids.size() == 4);
    std::set<std::pair<bool, bool>> quadrants;
    for (const auto& g : p.plan.grids) {
        CHECK(g.households == 400);
        std::set<std::pair<bool, bool>> q;
        for (const auto blk : g.blocks) {
            const auto& block = p.blocks.blocks[blk.value()];
            q.insert({block.label_x < 200.0, block.label_y < 200.0});
        }
        CHECK(q.size() == 1);  // all four blocks in one quadrant
        quadrants.insert(q.begin(), q.end());
        // A 200 m square: Polsby-Popper pi / 4.
        CHECK(4.0 * M_PI * g.area_m2 / (g.perimeter_m * g.perimeter_m) == Approx(M_PI / 4.0).epsilon(1e-6));
    }
    CHECK(quadrants.size() == 4);
}

namespace {

/// A random district: a W x H m rectangle cut by jittered streets, a river across it at
/// x = river_x crossed by one bridge at y = bridge_y, random households (some blocks
/// empty), and a few compounds spanning a street.
struct RandomDistrict {
    io::District district;
    double river_x = 0.0;
    double bridge_y = 0.0;
    std::vector<std::string> compounds;  // WKT
};

RandomDistrict random_district(const wrap::GeosContext& geos, std::uint32_t seed) {
    std::mt19937 rng{seed};
    auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * (static_cast<double>(rng()) / 4294967296.0); };
    const double w = uniform(700.0, 1000.0);
    const double h = uniform(500.0, 800.0);
    RandomDistrict out;
    DistrictBuilder b{geos, "POLYGON((0 0, " + std::to_string(w) + " 0, " + std::to_string(w) + " " + std::to_string(h) +
                                ", 0 " + std::to_string(h) + ", 0 0))"};
    out.river_x = std::round(uniform(0.4, 0.6) * w);
    const std::string rx = std::to_string(out.river_x);
    std::vector<double> ys;
    for (double y = uniform(60.0, 110.0); y < h - 50.0; y += uniform(70.0, 130.0)) {
        ys.push_back(std::round(y));
    }
    for (const double y : ys) {
        const std::string sy = std::to_string(y);
        const BarrierClass cls = rng() % 4 == 0 ? BarrierClass::road : BarrierClass::street;
        b.line("LINESTRING(-10 " + sy + ", " + rx + " " + sy + ")", cls);
        b.line("LINESTRING(" + rx + " " + sy + ", " + std::to_string(w + 10) + " " + sy + ")", cls);
    }
    std::vector<double> xs;
    for (double x = uniform(60.0, 110.0); x < w - 50.0; x += uniform(70.0, 130.0)) {
        if (std::fabs(x - out.river_x) > 30.0) {
            xs.push_back(std::round(x));
            const std::string sx = std::to_string(std::round(x));
            b.line("LINESTRING(" + sx + " -10, " + sx + " " + std::to_string(h + 10) + ")",
                   rng() % 3 == 0 ? BarrierClass::alley : BarrierClass::street);
        }
    }
    b.line("LINESTRING(" + rx + " -10, " + rx + " " + std::to_string(h + 10) + ")", BarrierClass::river, "River");
    // The bridge lands midway between two streets, so it does not cut a block.
    const std::size_t gap = ys.size() / 2;
    out.bridge_y = std::round(0.5 * ((gap == 0 ? 0.0 : ys[gap - 1]) + ys[gap]));
    const std::string by = std::to_string(out.bridge_y);
    b.bridge("LINESTRING(" + std::to_string(out.river_x - 15) + " " + by + ", " + std::to_string(out.river_x + 15) + " " +
                 by + ")",
             BarrierClass::street, "Bridge");
    for (double x = 15.0; x < w; x += 30.0) {
        for (double y = 15.0; y < h; y += 30.0) {
            if (std::fabs(x - out.river_x) > 5.0 && rng() % 5 != 0) {
                b.household(x, y, 1 + rng() % 12);
            }
        }
    }
    io::District d = b.build();
    // Compounds: a rectangle across one of the vertical streets.
    for (int k = 0; k < 3 && !xs.empty() && ys.size() > 1; ++k) {
        const double x = xs[rng() % xs.size()];
        const double y = ys[rng() % (ys.size() - 1)];
        const std::string wkt = "POLYGON((" + std::to_string(x - 30) + " " + std::to_string(y + 10) + ", " +
                                std::to_string(x + 30) + " " + std::to_string(y + 10) + ", " + std::to_string(x + 30) +
                                " " + std::to_string(y + 40) + ", " + std::to_string(x - 30) + " " +
                                std::to_string(y + 40) + ", " + std::to_string(x - 30) + " " + std::to_string(y + 10) +
                                "))";
        io::PolygonFeature unit;
        unit.geom = geos.from_wkt(wkt);
        unit.id = "compound-" + std::to_string(k);
        d.unit_areas.push_back(std::move(unit));
        out.compounds.push_back(wkt);
    }
    out.district = std::move(d);
    return out;
}

} // namespace

TEST_CASE("the hard rules hold on random districts", "[partition][property]") {
    wrap::GeosContext geos;
    for (std::uint32_t seed = 1; seed <= 12; ++seed) {
        INFO("district seed " << seed);
        RandomDistrict rd = random_district(geos, seed);
        const double area = geos.area(rd.district.boundary.get());
        std::vector<wrap::GeomPtr> compounds;
        for (const auto& wkt : rd.compounds) {
            compounds.push_back(geos.from_wkt(wkt));
        }
        const double river_x = rd.river_x;
        const double bridge_y = rd.bridge_y;
        double total = 0.0;
        for (const auto& hp : rd.district.households) {
            total += hp.count;
        }
        const std::size_t k = 3 + seed % 3;
        const Planned p = plan(geos, std::move(rd.district), config(total / static_cast<double>(k)));
        REQUIRE(p.plan.grids.size() == k);
        // Tiling: every block in exactly one grid, areas add up to the district.
        std::vector<int> seen(p.blocks.blocks.size(), 0);
        double grid_area = 0.0;
        for (const auto& g : p.plan.grids) {
            for (const auto blk : g.blocks) {
                ++seen[blk.value()];
            }
            grid_area += g.area_m2;
            CHECK(geos.is_valid(g.geom.get()));
        }
        CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<long>(seen.size()));
        CHECK(grid_area == Approx(area).epsilon(1e-4));
        // Contiguity: across the river only where the bridge is.
        CHECK(grids_contiguous(p, [&](const blocks::Adjacency& adj) {
            if (adj.barrier_class != BarrierClass::river) {
                return true;
            }
            return std::fabs(adj.mid_x - river_x) < 1.0 && std::fabs(adj.mid_y - bridge_y) < 0.5 * adj.shared_length_m;
        }));
        // Keep-together: the blocks a compound overlaps share one grid.
        for (const auto& c : compounds) {
            std::set<std::uint32_t> grids;
            for (std::uint32_t blk = 0; blk < p.blocks.blocks.size(); ++blk) {
                wrap::GeomPtr x = geos.own(GEOSIntersection_r(geos.handle(), c.get(), p.blocks.blocks[blk].geom.get()),
                                           "test overlap");
                if (geos.area(x.get()) > 1.0) {
                    grids.insert(p.plan.grid_of_block[blk].value());
                }
            }
            CHECK(grids.size() == 1);
        }
        CHECK(p.plan.stats.grids_not_contiguous == 0);
    }
}

TEST_CASE("what cannot be satisfied is named with the change that would fix it", "[partition]") {
    wrap::GeosContext geos;
    SECTION("a block above the band") {
        io::District d = lattice(geos).build();
        io::HouseholdPoint extra;
        extra.x = 250.0;
        extra.y = 250.0;
        extra.count = 900;
        d.households.push_back(extra);  // block (2, 2): 1,000 households
        const Planned p = plan(geos, std::move(d), config(600.0));
        const auto it = std::find_if(p.plan.infeasible.begin(), p.plan.infeasible.end(),
                                     [](const auto& f) { return f.kind == "block_above_band"; });
        REQUIRE(it != p.plan.infeasible.end());
        CHECK(it->households == 1000);
        REQUIRE(it->blocks.size() == 1);
        const auto& blk = p.blocks.blocks[it->blocks.front() - 1];
        CHECK(blk.label_x == Approx(250.0).margin(50.0));
        CHECK(blk.label_y == Approx(250.0).margin(50.0));
        // 1,000 households against a target of 600: a tolerance of 67%.
        CHECK_THAT(it->fix, Catch::StartsWith("a tolerance of 67%"));
    }
    SECTION("households beyond a short walk radius") {
        partition::PartitionConfig c = config(600.0);
        c.set_walk(2.0, 4.8);  // 160 m: a grid of six 100 m blocks cannot be reached
        const Planned p = plan(geos, lattice(geos).build(), c);
        std::size_t named = 0;
        for (const auto& g : p.plan.grids) {
            if (g.within_radius < g.households) {
                ++named;
                // The radius reaches fewer households than the band needs: a conflict.
                CHECK(std::find(g.flags.begin(), g.flags.end(), "band_radius_conflict") != g.flags.end());
            }
        }
        CHECK(named > 0);
        std::size_t entries = 0;
        for (const auto& f : p.plan.infeasible) {
            if (f.kind == "beyond_radius" || f.kind == "band_radius_conflict") {
                ++entries;
                REQUIRE(f.grids.size() == 1);
                const auto& g = p.plan.grids[f.grids.front() - 1];
                CHECK(f.households == g.households - g.within_radius);
                // The radius that reaches everyone is the grid's longest walk, in whole minutes.
                const double minutes = std::ceil(g.max_walk_m * 60.0 / 4800.0);
                CHECK_THAT(f.fix, Catch::Contains("a walk radius of " + std::to_string(static_cast<int>(minutes)) +
                                                  " minutes"));
            }
        }
        CHECK(entries == named);
    }
    SECTION("an island without a bridge: attached below the band, named if it cannot make whole grids") {
        // A 600 x 600 lattice and an island strip east of a river at x = 600..700.
        DistrictBuilder wide{geos, "POLYGON((0 0, 700 0, 700 600, 0 600, 0 0))"};
        for (int k = 1; k <= 5; ++k) {
            const std::string c = std::to_string(100 * k);
            wide.line("LINESTRING(-10 " + c + ", 600 " + c + ")", BarrierClass::street);
            wide.line("LINESTRING(" + c + " -10, " + c + " 610)", BarrierClass::street);
        }
        wide.line("LINESTRING(600 -10, 600 610)", BarrierClass::river, "River");
        for (int i = 0; i < 6; ++i) {
            for (int j = 0; j < 6; ++j) {
                wide.household(50.0 + 100.0 * i, 50.0 + 100.0 * j, 100);
            }
        }
        auto entry = [](const Planned& p, const char* kind) {
            return std::find_if(p.plan.infeasible.begin(), p.plan.infeasible.end(),
                                [kind](const auto& f) { return f.kind == kind; });
        };
        SECTION("400 households, below the band's 510: attached to a grid across the river, no grid of its own") {
            wide.household(650.0, 300.0, 400);
            const Planned p = plan(geos, wide.build(), config(600.0));
            const auto it = entry(p, "unlinked_part");
            REQUIRE(it != p.plan.infeasible.end());
            CHECK(it->households == 400);
            CHECK(it->blocks.size() == 1);
            CHECK_THAT(it->reason, Catch::Contains("across water"));
            CHECK_THAT(it->fix, Catch::StartsWith("a bridge or ferry from block"));
            CHECK(entry(p, "part_outside_band") == p.plan.infeasible.end());
            for (const auto& g : p.plan.grids) {
                CHECK(g.households > 0);
            }
        }
        SECTION("800 households: too many for one grid, too few for two: named, with the tolerance needed") {
            wide.household(650.0, 300.0, 800);
            const Planned p = plan(geos, wide.build(), config(600.0));
            const auto it = entry(p, "part_outside_band");
            REQUIRE(it != p.plan.infeasible.end());
            CHECK(it->households == 800);
            CHECK(it->blocks.size() == 1);
            CHECK_THAT(it->fix, Catch::StartsWith("a tolerance of 34%"));
            CHECK(entry(p, "unlinked_part") == p.plan.infeasible.end());
        }
    }
}

TEST_CASE("the plan does not depend on the number of threads", "[partition]") {
    wrap::GeosContext geos;
    RandomDistrict rd = random_district(geos, 7);
    double total = 0.0;
    for (const auto& hp : rd.district.households) {
        total += hp.count;
    }
    RunContext ctx;
    const blocks::BlocksResult blocks = blocks::build_blocks(rd.district, {}, geos, ctx);
    const network::WalkNetwork net = network::build_network(rd.district, {}, geos, ctx);
    const partition::PartitionConfig c = config(total / 5.0);
    ctx.threads = 1;
    const partition::PlanResult one = partition::plan_grids(rd.district, blocks, net, {}, c, geos, ctx);
    ctx.threads = 3;
    const partition::PlanResult three = partition::plan_grids(rd.district, blocks, net, {}, c, geos, ctx);
    REQUIRE(one.grid_of_block.size() == three.grid_of_block.size());
    CHECK(one.grid_of_block == three.grid_of_block);
    for (std::size_t g = 0; g < one.grids.size(); ++g) {
        CHECK(one.grids[g].centre.x == three.grids[g].centre.x);
        CHECK(one.grids[g].centre.y == three.grids[g].centre.y);
    }
}

TEST_CASE("a given assignment is measured like a plan", "[partition]") {
    wrap::GeosContext geos;
    DistrictBuilder b{geos, "POLYGON((0 0, 400 0, 400 400, 0 400, 0 0))"};
    // Streets with a vertex at every crossing, so that they join in the walking network.
    for (int k = 1; k <= 3; ++k) {
        const std::string c = std::to_string(100 * k);
        b.line("LINESTRING(-10 " + c + ", 100 " + c + ", 200 " + c + ", 300 " + c + ", 410 " + c + ")",
               BarrierClass::street);
        b.line("LINESTRING(" + c + " -10, " + c + " 100, " + c + " 200, " + c + " 300, " + c + " 410)",
               BarrierClass::street);
    }
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
            b.household(50.0 + 100.0 * i, 50.0 + 100.0 * j, 100);
        }
    }
    io::District d = b.build();
    io::PointFeature centre;
    centre.x = 110.0;  // on the street corner of the south-west quadrant
    centre.y = 110.0;
    centre.id = "C1";
    centre.services = all_services_mask;
    d.centres.push_back(centre);
    RunContext ctx;
    const blocks::BlocksResult blocks = blocks::build_blocks(d, {}, geos, ctx);
    const network::WalkNetwork net = network::build_network(d, {}, geos, ctx);
    // Quadrants: grid 0 south-west, 1 south-east, 2 north-west, 3 north-east.
    std::vector<std::uint32_t> grid_of_block(blocks.blocks.size());
    for (std::uint32_t i = 0; i < blocks.blocks.size(); ++i) {
        grid_of_block[i] = (blocks.blocks[i].label_x < 200.0 ? 0U : 1U) + (blocks.blocks[i].label_y < 200.0 ? 0U : 2U);
    }
    const partition::PlanResult r = partition::evaluate_assignment(d, blocks, net, grid_of_block, config(400.0), geos, ctx);
    REQUIRE(r.grids.size() == 4);
    CHECK(r.stats.grids_not_contiguous == 0);
    CHECK(r.stats.grids_in_band == 4);
    CHECK(r.stats.existing_centres_used == 1);
    // Every household is within 800 m of its quadrant's centre: a 200 m square.
    CHECK(r.stats.share_within_radius == Approx(1.0));
}

TEST_CASE("nest_within polygons: none of the district is an error, part of it a warning", "[partition]") {
    wrap::GeosContext geos;
    const io::District d = lattice(geos).build();
    std::vector<io::PolygonFeature> west(1);
    west[0].geom = geos.from_wkt("POLYGON((-100 -100, 300 -100, 300 700, -100 700, -100 -100))");
    CHECK(partition::nest_within_share(d, west, geos) == Approx(0.5));
    std::vector<io::PolygonFeature> away(1);
    away[0].geom = geos.from_wkt("POLYGON((5000 5000, 6000 5000, 6000 6000, 5000 5000))");
    CHECK(partition::nest_within_share(d, away, geos) == 0.0);
    std::vector<std::string> warnings;
    RunContext ctx;
    ctx.log = Logger{[&warnings](LogLevel, const std::string& m) { warnings.push_back(m); }};
    REQUIRE_THROWS_WITH(partition::check_nest_within(d, away, "streets.gpkg", geos, ctx),
                        Catch::StartsWith("streets.gpkg: 1 nest_within polygons cover none of the district"));
    partition::check_nest_within(d, west, "streets.gpkg", geos, ctx);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("streets.gpkg: the nest_within polygons cover only 50.0%"));
}

TEST_CASE("households farther than the snap cap from every street are off the network", "[partition]") {
    // The lattice's households stand at the block centres, 50 m from the nearest street.
    wrap::GeosContext geos;
    partition::PartitionConfig c = config(600.0);
    c.tuning.household_snap_m = 40.0;
    const Planned off = plan(geos, lattice(geos).build(), c);
    CHECK(off.plan.stats.share_within_radius == 0.0);
    c.tuning.household_snap_m = 60.0;
    const Planned on = plan(geos, lattice(geos).build(), c);
    // Six 100 m blocks around a centre: every household within 800 m of walk.
    CHECK(on.plan.stats.share_within_radius == Approx(1.0));
}
