// Replanning: reading a previous grid layer, carrying it onto today's blocks, persisted
// ids, and what changed, on fixtures small enough to work out by hand.
#include "support/fixtures.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/partition/changes.hpp"
#include "gridplan/partition/replan.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace gridplan;
using test::DistrictBuilder;

namespace {

/// Collects the warnings a stage gives.
struct Warnings {
    std::vector<std::string> lines;
    RunContext ctx() {
        RunContext c;
        c.log = Logger{[this](LogLevel level, const std::string& m) {
            if (level == LogLevel::warning) {
                lines.push_back(m);
            }
        }};
        return c;
    }
    std::string all() const {
        std::string s;
        for (const auto& l : lines) {
            s += l + "\n";
        }
        return s;
    }
};

partition::PreviousGrid previous_grid(const wrap::GeosContext& geos, std::uint32_t id, const std::string& wkt) {
    partition::PreviousGrid g;
    g.grid_id = id;
    g.geom = geos.from_wkt(wkt);
    g.fid = SourceFid{static_cast<std::int64_t>(id)};
    return g;
}

/// Four blocks of 100 x 100 m in a row, A to D from the west (streets at x = 100, 200, 300).
io::District row_of_four(const wrap::GeosContext& geos) {
    DistrictBuilder b{geos, "POLYGON((0 0, 400 0, 400 100, 0 100, 0 0))"};
    for (const int x : {100, 200, 300}) {
        b.line("LINESTRING(" + std::to_string(x) + " -10, " + std::to_string(x) + " 50, " + std::to_string(x) +
                   " 110)",
               BarrierClass::street);
    }
    b.line("LINESTRING(-10 50, 100 50, 200 50, 300 50, 410 50)", BarrierClass::alley);
    b.household(50, 30, 100);   // A
    b.household(185, 30, 80);   // B, in grid 2's part
    b.household(120, 30, 10);   // B, in grid 1's part
    b.household(350, 30, 30);   // D, outside every previous grid
    return b.build();
}

/// The block whose label point lies in [x0, x1) (blocks of row_of_four: two per column).
std::vector<std::uint32_t> blocks_in(const blocks::BlocksResult& blocks, double x0, double x1) {
    std::vector<std::uint32_t> out;
    for (const auto& b : blocks.blocks) {
        if (b.label_x >= x0 && b.label_x < x1) {
            out.push_back(b.id.value());
        }
    }
    return out;
}

partition::PartitionConfig config(double target) {
    partition::PartitionConfig c;
    c.households_per_grid = target;
    return c;
}

} // namespace

TEST_CASE("carry: most households, else most area, else uncovered", "[partition][replan]") {
    wrap::GeosContext geos;
    const io::District d = row_of_four(geos);
    RunContext quiet;
    const blocks::BlocksResult blocks = blocks::build_blocks(d, {}, geos, quiet);
    REQUIRE(blocks.blocks.size() == 8);  // four columns, cut in two by the alley
    partition::PreviousPlan previous;
    previous.source = "test:previous";
    previous.grids.push_back(previous_grid(geos, 1, "POLYGON((0 0, 170 0, 170 100, 0 100, 0 0))"));
    previous.grids.push_back(previous_grid(geos, 2, "POLYGON((170 0, 240 0, 240 100, 170 100, 170 0))"));
    previous.grids.push_back(previous_grid(geos, 5, "POLYGON((240 0, 300 0, 300 100, 240 100, 240 0))"));
    previous.grids.push_back(previous_grid(geos, 7, "POLYGON((500 0, 600 0, 600 100, 500 100, 500 0))"));
    previous.max_id = 7;

    Warnings w;
    RunContext ctx = w.ctx();
    const partition::CarriedPlan carried = partition::carry_previous(previous, blocks, d, geos, ctx);
    auto carried_id = [&](std::uint32_t b) {
        const auto g = carried.grid_of_block[b];
        return g == partition::no_index ? 0U : previous.grids[g].grid_id;
    };
    for (const auto b : blocks_in(blocks, 0, 100)) {
        CHECK(carried_id(b) == 1);
    }
    // B: 70% of its area in grid 1, but 80 of its households in grid 2 (southern half);
    // its northern half has no households and goes by area to grid 1.
    for (const auto b : blocks_in(blocks, 100, 200)) {
        CHECK(carried_id(b) == (blocks.blocks[b].label_y < 50 ? 2U : 1U));
    }
    // C: no households; 60% of it in grid 5.
    for (const auto b : blocks_in(blocks, 200, 300)) {
        CHECK(carried_id(b) == 5);
    }
    // D: outside every previous grid.
    const auto d_blocks = blocks_in(blocks, 300, 400);
    REQUIRE(carried.uncovered.size() == 2);
    for (const auto b : d_blocks) {
        CHECK(carried_id(b) == 0);
        CHECK(std::find(carried.uncovered.begin(), carried.uncovered.end(), BlockId{b}) != carried.uncovered.end());
    }
    CHECK(carried.uncovered_area_m2 == Approx(10000.0));
    CHECK(carried.uncovered_share == Approx(0.25));
    // Warnings: the uncovered area and share, and the uncovered blocks by block_id.
    CHECK_THAT(w.all(), Catch::Contains("10000 m2 (25.00%) of the district uncovered"));
    CHECK_THAT(w.all(), Catch::Contains("2 block(s) lie outside every previous grid") &&
                            Catch::Contains(std::to_string(d_blocks[0] + 1)));

    // A plan that gives D to its neighbour C's grid (grid 7 holds no block and retires),
    // measured as given and with the previous ids: what compute_changes sees.
    const network::WalkNetwork net = network::build_network(d, {}, geos, quiet);
    std::vector<std::uint32_t> dense(blocks.blocks.size());
    for (std::uint32_t b = 0; b < dense.size(); ++b) {
        const auto g = carried.grid_of_block[b];
        dense[b] = g == partition::no_index ? 2U : g;  // grids 1, 2, 5 -> 0, 1, 2
    }
    partition::PlanResult r = partition::evaluate_assignment(d, blocks, net, dense, config(100.0), geos, quiet);
    std::vector<std::uint32_t> previous_of_grid(r.grids.size());
    for (const auto& g : r.grids) {
        previous_of_grid[g.id.value()] = dense[g.blocks.front().value()];
    }
    partition::persist_grid_ids(r, previous_of_grid, previous);
    REQUIRE(r.grids.size() == 3);
    CHECK(r.grids[0].written_id() == 1);
    CHECK(r.grids[1].written_id() == 2);
    CHECK(r.grids[2].written_id() == 5);
    for (std::size_t g = 0; g < r.grids.size(); ++g) {
        CHECK(r.grids[g].id.value() == g);
        for (const auto b : r.grids[g].blocks) {
            CHECK(r.grid_of_block[b.value()].value() == g);
        }
    }
    for (const auto b : d_blocks) {
        CHECK(r.grids[r.grid_of_block[b].value()].written_id() == 5);
    }

    // What changed: D's 30 households had no grid, B's 10 in grid 1's part moved to grid 2.
    const partition::Changes c = partition::compute_changes(previous, carried, r, blocks, d, nullptr, geos);
    CHECK(c.households_persisting == 220);
    CHECK(c.households_moved == 40);
    CHECK(c.share_kept == Approx(180.0 / 220.0));
    CHECK(c.households_new == 0);
    CHECK(c.households_removed == 0);
    std::map<std::uint32_t, partition::GridChange> by_id;
    for (const auto& g : c.grids) {
        by_id[g.grid_id] = g;
    }
    REQUIRE(by_id.size() == 4);
    CHECK(by_id[1].status == "changed");
    CHECK(by_id[1].households_before == 110);
    CHECK(by_id[1].households_after == 100);
    CHECK(by_id[1].households_out == 10);
    CHECK(by_id[2].households_in == 10);
    CHECK(by_id[5].blocks_gained == 2);
    CHECK(by_id[5].households_in == 30);
    CHECK(by_id[5].households_after == 30);
    CHECK(by_id[7].status == "retired");
    CHECK(by_id[7].households_after == 0);
    const nlohmann::json j = partition::changes_json(c);
    CHECK(j["grids_changed"] == 3);
    CHECK(j["grids_retired"] == 1);
    CHECK(j["grids_new"] == 0);
    CHECK(j["share_kept"] == Approx(0.8182));
}

TEST_CASE("replan with the plan's own grids changes nothing", "[partition][replan]") {
    wrap::GeosContext geos;
    DistrictBuilder b{geos, "POLYGON((0 0, 600 0, 600 600, 0 600, 0 0))"};
    for (int k = 1; k <= 5; ++k) {
        const std::string c = std::to_string(100 * k);
        std::string h = "LINESTRING(-10 " + c;
        std::string v = "LINESTRING(" + c + " -10";
        for (int j = 1; j <= 5; ++j) {
            h += ", " + std::to_string(100 * j) + " " + c;
            v += ", " + c + " " + std::to_string(100 * j);
        }
        b.line(h + ", 610 " + c + ")", BarrierClass::street);
        b.line(v + ", " + c + " 610)", BarrierClass::street);
    }
    for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 6; ++j) {
            b.household(50.0 + 100.0 * i, 50.0 + 100.0 * j, 100);
        }
    }
    const io::District d = b.build();
    RunContext ctx;
    const blocks::BlocksResult blocks = blocks::build_blocks(d, {}, geos, ctx);
    const network::WalkNetwork net = network::build_network(d, {}, geos, ctx);
    const partition::PlanResult plan = partition::plan_grids(d, blocks, net, {}, config(600.0), geos, ctx);
    REQUIRE(plan.grids.size() == 6);

    partition::PreviousPlan previous;
    previous.source = "test:plan";
    for (const auto& g : plan.grids) {
        partition::PreviousGrid p;
        p.grid_id = g.written_id();
        p.code = "C" + std::to_string(p.grid_id);
        p.name = "Grid " + std::to_string(p.grid_id);
        p.geom = geos.clone(g.geom.get());
        previous.grids.push_back(std::move(p));
    }
    previous.max_id = 6;
    const partition::CarriedPlan carried = partition::carry_previous(previous, blocks, d, geos, ctx);
    CHECK(carried.uncovered.empty());
    const partition::PlanResult r =
        partition::replan_grids(d, blocks, net, {}, config(600.0), previous, carried, {}, {}, geos, ctx);
    CHECK(r.grid_of_block == plan.grid_of_block);
    REQUIRE(r.grids.size() == 6);
    for (const auto& g : r.grids) {
        CHECK(g.written_id() == g.id.value() + 1);
        CHECK(g.code == "C" + std::to_string(g.written_id()));
    }
    const partition::Changes c = partition::compute_changes(previous, carried, r, blocks, d, nullptr, geos);
    CHECK(c.households_moved == 0);
    CHECK(c.share_kept == 1.0);
    for (const auto& g : c.grids) {
        CHECK(g.status == "kept");
        CHECK(g.households_before == g.households_after);
    }
    const nlohmann::json j = partition::changes_json(c);
    std::set<std::string> keys;
    for (const auto& [k, v] : j.items()) {
        keys.insert(k);
    }
    CHECK(keys == std::set<std::string>{"households_moved", "share_kept", "households_new", "households_removed",
                                        "grids_changed", "grids_new", "grids_retired", "grids"});
    for (const auto& g : j["grids"]) {
        std::set<std::string> gk;
        for (const auto& [k, v] : g.items()) {
            gk.insert(k);
        }
        CHECK(gk == std::set<std::string>{"grid_id", "households_before", "households_after", "blocks_gained",
                                          "blocks_lost", "households_in", "households_out", "status"});
    }
}

TEST_CASE("persisted ids: previous grids keep theirs, new ones go above the maximum", "[partition][replan]") {
    wrap::GeosContext geos;
    partition::PlanResult plan;
    plan.grids.resize(4);
    for (std::uint32_t g = 0; g < 4; ++g) {
        plan.grids[g].id = partition::GridId{g};
        plan.grids[g].blocks = {BlockId{g}};
    }
    plan.grid_of_block = {partition::GridId{0}, partition::GridId{1}, partition::GridId{2}, partition::GridId{3}};
    plan.grid_of_unit = {partition::GridId{3}, partition::GridId{}};
    partition::Infeasibility f;
    f.grids = {1, 4};  // dense + 1
    plan.infeasible.push_back(f);
    partition::PreviousPlan previous;
    previous.grids.push_back(previous_grid(geos, 4, "POLYGON((0 0, 1 0, 1 1, 0 0))"));
    previous.grids.push_back(previous_grid(geos, 9, "POLYGON((0 0, 1 0, 1 1, 0 0))"));
    previous.grids.back().code = "370705009";
    previous.grids.back().name = "Xinhua";
    previous.max_id = 12;  // grids 10 to 12 were retired earlier: never reused
    partition::persist_grid_ids(plan, {1, partition::no_index, 0, partition::no_index}, previous);
    REQUIRE(plan.grids.size() == 4);
    std::vector<std::uint32_t> ids;
    for (const auto& g : plan.grids) {
        ids.push_back(g.written_id());
    }
    CHECK(ids == std::vector<std::uint32_t>{4, 9, 13, 14});
    CHECK(plan.grids[1].code == "370705009");
    CHECK(plan.grids[1].name == "Xinhua");
    CHECK(plan.grids[2].code.empty());
    // Block 0 was in grid 9 (dense 1 now), block 1 in the first new grid (13), block 3 in 14.
    CHECK(plan.grid_of_block[0].value() == 1);
    CHECK(plan.grid_of_block[1].value() == 2);
    CHECK(plan.grid_of_block[2].value() == 0);
    CHECK(plan.grid_of_block[3].value() == 3);
    CHECK(plan.grid_of_unit[0].value() == 3);
    CHECK_FALSE(plan.grid_of_unit[1].valid());
    CHECK(plan.infeasible[0].grids == std::vector<std::uint32_t>{9, 14});
    CHECK_THROWS_AS(partition::persist_grid_ids(plan, {0, 0, 1, partition::no_index}, previous), InternalError);
}

TEST_CASE("replan options are checked", "[partition][replan]") {
    wrap::GeosContext geos;
    partition::ReplanOptions o;
    CHECK_NOTHROW(o.validate());
    o.stability = 1.5;
    CHECK_THROWS_AS(o.validate(), ConfigError);
    o.stability = 0.0;
    o.locked = {3, 99, 4};
    partition::PreviousPlan previous;
    previous.source = "prev.geojson:grids";
    previous.grids.push_back(previous_grid(geos, 3, "POLYGON((0 0, 1 0, 1 1, 0 0))"));
    previous.grids.push_back(previous_grid(geos, 4, "POLYGON((0 0, 1 0, 1 1, 0 0))"));
    try {
        o.check_locked(previous);
        FAIL("unknown locked id accepted");
    } catch (const ConfigError& e) {
        CHECK(e.key() == "replan.lock");
        CHECK_THAT(e.reason(), Catch::Contains("no grid 99") && Catch::Contains("prev.geojson"));
    }
}
