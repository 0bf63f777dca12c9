// Replanning: the repair of a previous plan carried onto today's blocks (replan_grids), on
// lattices of 100 x 100 m blocks small enough to work every answer out by hand: nothing
// changed, a village demolished, a compound built, a river cut through a grid, locked
// grids, stability, and the hard rules on random districts.
#include "support/fixtures.hpp"

#include "gridplan/io/output.hpp"
#include "gridplan/partition/changes.hpp"
#include "gridplan/partition/output.hpp"
#include "gridplan/partition/replan.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace gridplan;
using test::DistrictBuilder;

namespace {

constexpr double cell_m = 100.0;

struct Node {
    double x = 0.0;
    double y = 0.0;
    bool operator<(const Node& o) const { return std::make_pair(x, y) < std::make_pair(o.x, o.y); }
    bool operator==(const Node& o) const { return x == o.x && y == o.y; }
};

std::string coords(const std::vector<Node>& nodes) {
    std::string s;
    for (const auto& n : nodes) {
        s += (s.empty() ? "" : ", ") + std::to_string(static_cast<long>(n.x)) + " " +
             std::to_string(static_cast<long>(n.y));
    }
    return s;
}

/// A district of nx x ny blocks of 100 x 100 m (x from 0 to 100 nx, y from 0 to 100 ny),
/// block (i, j) the i-th from the west in the j-th row from the south, cell i + nx j.
/// Streets run between the blocks (10 m beyond the boundary), with a vertex at every
/// junction. Each block has one household point at its centre with households[cell]
/// households (none when 0), plus any extra points.
///
/// `river`: a polyline over junctions (and ends 10 m outside the boundary) of class river,
/// not walkable, in place of the streets it follows; every street ends at a junction the
/// river passes (no bridge).
struct Lattice {
    int nx = 0;
    int ny = 0;
    std::vector<std::uint32_t> households;  ///< per cell
    std::vector<io::HouseholdPoint> extra;  ///< more points (x, y, count)
    std::vector<Node> river;

    int cell(int i, int j) const { return i + nx * j; }
    double width() const { return cell_m * nx; }
    double height() const { return cell_m * ny; }

    void add(double x, double y, std::uint32_t count) {
        io::HouseholdPoint h;
        h.x = x;
        h.y = y;
        h.count = count;
        extra.push_back(h);
    }

    io::District build(const wrap::GeosContext& geos) const {
        const std::string w = std::to_string(static_cast<long>(width()));
        const std::string h = std::to_string(static_cast<long>(height()));
        DistrictBuilder b{geos, "POLYGON((0 0, " + w + " 0, " + w + " " + h + ", 0 " + h + ", 0 0))"};
        std::set<Node> river_nodes(river.begin(), river.end());
        std::set<std::pair<Node, Node>> river_steps;
        for (std::size_t k = 1; k < river.size(); ++k) {
            river_steps.insert({std::min(river[k - 1], river[k]), std::max(river[k - 1], river[k])});
        }
        // A street along `nodes`: runs of steps the river does not take, cut at river nodes.
        auto street = [&](const std::vector<Node>& nodes) {
            std::vector<Node> run{nodes.front()};
            auto flush = [&] {
                if (run.size() >= 2) {
                    b.line("LINESTRING(" + coords(run) + ")", BarrierClass::street);
                }
            };
            for (std::size_t k = 1; k < nodes.size(); ++k) {
                const auto step = std::make_pair(std::min(nodes[k - 1], nodes[k]), std::max(nodes[k - 1], nodes[k]));
                if (river_steps.count(step) > 0) {
                    flush();
                    run = {nodes[k]};
                    continue;
                }
                run.push_back(nodes[k]);
                if (river_nodes.count(nodes[k]) > 0) {
                    flush();
                    run = {nodes[k]};
                }
            }
            flush();
        };
        for (int i = 1; i < nx; ++i) {
            std::vector<Node> nodes{{cell_m * i, -10.0}};
            for (int j = 1; j < ny; ++j) {
                nodes.push_back({cell_m * i, cell_m * j});
            }
            nodes.push_back({cell_m * i, height() + 10.0});
            street(nodes);
        }
        for (int j = 1; j < ny; ++j) {
            std::vector<Node> nodes{{-10.0, cell_m * j}};
            for (int i = 1; i < nx; ++i) {
                nodes.push_back({cell_m * i, cell_m * j});
            }
            nodes.push_back({width() + 10.0, cell_m * j});
            street(nodes);
        }
        if (!river.empty()) {
            b.line("LINESTRING(" + coords(river) + ")", BarrierClass::river, "River");
        }
        for (int j = 0; j < ny; ++j) {
            for (int i = 0; i < nx; ++i) {
                const std::uint32_t n = households.at(static_cast<std::size_t>(cell(i, j)));
                if (n > 0) {
                    b.household(cell_m * i + 50.0, cell_m * j + 50.0, n);
                }
            }
        }
        for (const auto& p : extra) {
            b.household(p.x, p.y, p.count);
        }
        io::District d = b.build();
        for (auto& l : d.barriers) {
            l.walkable = l.cls != BarrierClass::river;
        }
        return d;
    }
};

/// The households of a district as a previous household layer (for changes and persisting).
io::HouseholdLayer layer_of(const io::District& d) {
    io::HouseholdLayer layer;
    layer.points = d.households;
    layer.building_ids.assign(layer.points.size(), "");
    layer.sources = {"test:households_before"};
    return layer;
}

partition::PartitionConfig config(double target) {
    partition::PartitionConfig c;
    c.households_per_grid = target;  // band: +- 15%
    return c;
}

/// A district with its blocks, walking network and, per block, its lattice cell.
struct Today {
    io::District district;
    blocks::BlocksResult blocks;
    network::WalkNetwork net;
    std::vector<int> cell_of_block;
    std::vector<std::uint32_t> block_of_cell;

    Today(const Lattice& l, const wrap::GeosContext& geos) : district(l.build(geos)) {
        RunContext quiet;
        blocks = blocks::build_blocks(district, {}, geos, quiet);
        net = network::build_network(district, {}, geos, quiet);
        REQUIRE(blocks.blocks.size() == static_cast<std::size_t>(l.nx * l.ny));
        block_of_cell.assign(blocks.blocks.size(), partition::no_index);
        for (const auto& b : blocks.blocks) {
            const int i = static_cast<int>(std::floor(b.label_x / cell_m));
            const int j = static_cast<int>(std::floor(b.label_y / cell_m));
            REQUIRE(i >= 0);
            REQUIRE(i < l.nx);
            REQUIRE(j >= 0);
            REQUIRE(j < l.ny);
            cell_of_block.push_back(l.cell(i, j));
            block_of_cell[static_cast<std::size_t>(l.cell(i, j))] = b.id.value();
        }
        for (const auto b : block_of_cell) {
            REQUIRE(b != partition::no_index);
        }
    }
};

/// The grid id written for each cell.
std::vector<std::uint32_t> ids_of_cells(const Today& t, const partition::PlanResult& r) {
    std::vector<std::uint32_t> out;
    for (const auto b : t.block_of_cell) {
        out.push_back(r.grids.at(r.grid_of_block.at(b).value()).written_id());
    }
    return out;
}

std::vector<std::uint32_t> carried_ids_of_cells(const Today& t, const partition::PreviousPlan& previous,
                                                const partition::CarriedPlan& carried) {
    std::vector<std::uint32_t> out;
    for (const auto b : t.block_of_cell) {
        const auto g = carried.grid_of_block.at(b);
        out.push_back(g == partition::no_index ? 0U : previous.grids.at(g).grid_id);
    }
    return out;
}

/// Grid ids per cell as rows of text, north first (for failure messages).
std::string map_of(const std::vector<std::uint32_t>& ids, int nx) {
    std::string s;
    for (int j = static_cast<int>(ids.size()) / nx - 1; j >= 0; --j) {
        for (int i = 0; i < nx; ++i) {
            const std::string id = std::to_string(ids[static_cast<std::size_t>(i + nx * j)]);
            s += std::string(4 - std::min<std::size_t>(4, id.size()), ' ') + id;
        }
        s += "\n";
    }
    return s;
}

/// The cells of grid `id` in `ids` (per cell).
std::set<int> cells_of(const std::vector<std::uint32_t>& ids, std::uint32_t id) {
    std::set<int> out;
    for (std::size_t c = 0; c < ids.size(); ++c) {
        if (ids[c] == id) {
            out.insert(static_cast<int>(c));
        }
    }
    return out;
}

const partition::Grid* grid_with_id(const partition::PlanResult& r, std::uint32_t id) {
    for (const auto& g : r.grids) {
        if (g.written_id() == id) {
            return &g;
        }
    }
    return nullptr;
}

/// A previous plan drawn by hand over a lattice: grid ids[cell] holds that cell (its
/// polygon the union of its cells); the households field counts `before`'s households in
/// it; its centre a proposed one (as read_previous_plan sets it from a gridplan output)
/// at the centre of its most populous cell, the lowest cell on ties.
partition::PreviousPlan hand_plan(const wrap::GeosContext& geos, const Lattice& before,
                                  const std::vector<std::uint32_t>& ids, std::uint32_t max_id) {
    REQUIRE(ids.size() == static_cast<std::size_t>(before.nx * before.ny));
    std::map<std::uint32_t, std::vector<int>> cells;
    for (std::size_t c = 0; c < ids.size(); ++c) {
        cells[ids[c]].push_back(static_cast<int>(c));
    }
    partition::PreviousPlan previous;
    previous.source = "test:previous";
    for (const auto& [id, list] : cells) {
        std::vector<wrap::GeomPtr> squares;
        std::int64_t households = 0;
        int centre = list.front();
        for (const int c : list) {
            const double x = cell_m * (c % before.nx);
            const double y = cell_m * (c / before.nx);
            squares.push_back(geos.from_wkt("POLYGON((" + coords({{x, y}, {x + cell_m, y}, {x + cell_m, y + cell_m},
                                                                  {x, y + cell_m}, {x, y}}) +
                                            "))"));
            households += before.households[static_cast<std::size_t>(c)];
            if (before.households[static_cast<std::size_t>(c)] > before.households[static_cast<std::size_t>(centre)]) {
                centre = c;
            }
        }
        for (const auto& p : before.extra) {
            const int c = before.cell(static_cast<int>(p.x / cell_m), static_cast<int>(p.y / cell_m));
            if (ids[static_cast<std::size_t>(c)] == id) {
                households += p.count;
            }
        }
        wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, squares);
        partition::PreviousGrid g;
        g.grid_id = id;
        g.geom = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "union");
        g.fid = SourceFid{static_cast<std::int64_t>(id)};
        g.households = households;
        g.centre_id = "P" + std::to_string(id);
        g.centre_proposed = true;
        g.centre_x = cell_m * (centre % before.nx) + 50.0;
        g.centre_y = cell_m * (centre / before.nx) + 50.0;
        previous.grids.push_back(std::move(g));
    }
    previous.max_id = std::max(max_id, cells.rbegin()->first);
    return previous;
}

/// The previous plan a gridplan output of `plan` reads back as: polygons, ids, households,
/// and centres (an existing centre by id; a proposed one as "P<id>" with its point from
/// the centres layer).
partition::PreviousPlan previous_of(const wrap::GeosContext& geos, const io::District& d,
                                    const partition::PlanResult& plan, std::uint32_t max_id) {
    partition::PreviousPlan previous;
    previous.source = "test:plan";
    for (const auto& g : plan.grids) {
        partition::PreviousGrid p;
        p.grid_id = g.written_id();
        p.geom = geos.clone(g.geom.get());
        p.fid = SourceFid{static_cast<std::int64_t>(p.grid_id)};
        p.households = g.households;
        p.centre_proposed = g.centre.proposed;
        if (g.centre.proposed) {
            p.centre_id = "P" + std::to_string(p.grid_id);
            p.centre_x = g.centre.x;
            p.centre_y = g.centre.y;
        } else {
            p.centre_id = d.centres.at(g.centre.existing).id;
        }
        previous.max_id = std::max(previous.max_id, p.grid_id);
        previous.grids.push_back(std::move(p));
    }
    previous.max_id = std::max(previous.max_id, max_id);
    return previous;
}

/// A 2 x 2 block grid id for each cell of an nx x ny lattice: 1, 2, ... west to east, then
/// south to north.
std::vector<std::uint32_t> squares_of_four(int nx, int ny) {
    std::vector<std::uint32_t> ids;
    for (int j = 0; j < ny; ++j) {
        for (int i = 0; i < nx; ++i) {
            ids.push_back(static_cast<std::uint32_t>(1 + i / 2 + (nx / 2) * (j / 2)));
        }
    }
    return ids;
}

/// The hard rules of any plan a replan returns, against the previous plan.
/// Locked grids are kept as they are, whole or not.
void check_hard_rules(const partition::PlanResult& r, const blocks::BlocksResult& blocks,
                      const partition::PreviousPlan& previous, std::int64_t households,
                      const std::vector<std::uint32_t>& locked = {}) {
    std::size_t locked_cut = 0;
    const std::size_t nb = blocks.blocks.size();
    REQUIRE(r.grid_of_block.size() == nb);
    std::vector<int> seen(nb, 0);
    std::set<std::uint32_t> ids;
    std::set<std::uint32_t> previous_ids;
    for (const auto& g : previous.grids) {
        previous_ids.insert(g.grid_id);
    }
    std::int64_t total = 0;
    std::uint32_t last = 0;
    for (std::size_t k = 0; k < r.grids.size(); ++k) {
        const auto& g = r.grids[k];
        INFO("grid " << g.written_id());
        CHECK(g.id.value() == k);
        CHECK(ids.insert(g.written_id()).second);  // ids unique
        CHECK(g.written_id() > last);              // in grid id order
        last = g.written_id();
        // A previous grid's id, or a new one above the previous maximum (retired ids and
        // those retired before never come back).
        CHECK((previous_ids.count(g.written_id()) > 0 || g.written_id() > previous.max_id));
        CHECK_FALSE(g.blocks.empty());
        if (std::find(locked.begin(), locked.end(), g.written_id()) != locked.end()) {
            locked_cut += g.contiguous ? 0 : 1;
        } else {
            CHECK(g.contiguous);
        }
        for (const auto b : g.blocks) {
            REQUIRE(b.value() < nb);
            ++seen[b.value()];
            CHECK(r.grid_of_block[b.value()].value() == k);
        }
        total += g.households;
    }
    for (std::size_t b = 0; b < nb; ++b) {
        INFO("block " << b);
        CHECK(seen[b] == 1);  // every block in exactly one grid
        REQUIRE(r.grid_of_block[b].valid());
        CHECK(r.grid_of_block[b].value() < r.grids.size());
    }
    CHECK(r.stats.grids_not_contiguous == locked_cut);
    CHECK(total == households);
}

std::int64_t placed_households(const io::District& d, const blocks::BlocksResult& blocks) {
    std::int64_t n = 0;
    for (std::size_t i = 0; i < d.households.size(); ++i) {
        if (blocks.household_block[i].valid()) {
            n += d.households[i].count;
        }
    }
    return n;
}

/// The carried plan measured as it stands (before any repair), grids dense in the
/// previous plan's order.
partition::PlanResult evaluate_carried(const Today& t, const partition::CarriedPlan& carried,
                                       const partition::PartitionConfig& c, const wrap::GeosContext& geos) {
    std::vector<std::uint32_t> dense;
    std::map<std::uint32_t, std::uint32_t> index;
    for (const auto g : carried.grid_of_block) {
        index.emplace(g, 0);
    }
    std::uint32_t k = 0;
    for (auto& [g, i] : index) {
        i = k++;
    }
    for (const auto g : carried.grid_of_block) {
        dense.push_back(index.at(g));
    }
    RunContext quiet;
    return partition::evaluate_assignment(t.district, t.blocks, t.net, dense, c, geos, quiet);
}

bool same_plan(const partition::PlanResult& a, const partition::PlanResult& b) {
    if (a.grid_of_block != b.grid_of_block || a.grids.size() != b.grids.size()) {
        return false;
    }
    for (std::size_t g = 0; g < a.grids.size(); ++g) {
        const auto& x = a.grids[g];
        const auto& y = b.grids[g];
        if (x.written_id() != y.written_id() || x.blocks != y.blocks || x.households != y.households ||
            x.centre.x != y.centre.x || x.centre.y != y.centre.y || x.centre.proposed != y.centre.proposed ||
            x.centre.existing != y.centre.existing || x.code != y.code || x.name != y.name) {
            return false;
        }
    }
    return true;
}

/// One replan of a lattice against a previous plan: today's district and the run.
struct Replan {
    const wrap::GeosContext& geos;
    Today today;
    partition::PreviousPlan previous;
    partition::CarriedPlan carried;
    io::HouseholdLayer before;
    std::vector<std::int64_t> persisting;
    partition::PartitionConfig cfg;
    std::vector<std::string> log;

    Replan(const wrap::GeosContext& g, const Lattice& before_lattice, const Lattice& today_lattice,
           partition::PreviousPlan prev, double target)
        : geos(g), today(today_lattice, g), previous(std::move(prev)), cfg(config(target)) {
        before = layer_of(before_lattice.build(geos));
        RunContext quiet;
        carried = partition::carry_previous(previous, today.blocks, today.district, geos, quiet);
        persisting = partition::persisting_households(today.district, today.blocks, &before, geos);
    }

    partition::PlanResult run(const partition::ReplanOptions& options = {}) {
        RunContext ctx;
        ctx.log = Logger{[this](LogLevel level, const std::string& m) {
            if (level != LogLevel::debug) {
                log.push_back(m);
            }
        }};
        return partition::replan_grids(today.district, today.blocks, today.net, {}, cfg, previous, carried,
                                        persisting, options, geos, ctx);
    }

    partition::Changes changes(const partition::PlanResult& r) const {
        return partition::compute_changes(previous, carried, r, today.blocks, today.district, &before, geos);
    }

    std::vector<std::uint32_t> ids(const partition::PlanResult& r) const { return ids_of_cells(today, r); }
    std::vector<std::uint32_t> carried_ids() const { return carried_ids_of_cells(today, previous, carried); }

    std::string messages() const {
        std::string s;
        for (const auto& l : log) {
            s += l + "\n";
        }
        return s;
    }
};

partition::ReplanOptions stability(double w) {
    partition::ReplanOptions o;
    o.stability = w;
    return o;
}

// --- The scenarios, worked out by hand ------------------------------------------------------

/// 6 x 6 blocks of 100 households, nine grids of 2 x 2 blocks (400, target 400, band 340
/// to 460): 7 8 9 / 4 5 6 / 1 2 3 from the north. Today grid 5's blocks (cells 14, 15,
/// 20, 21) have lost their households.
Lattice nine_squares() {
    Lattice l;
    l.nx = 6;
    l.ny = 6;
    l.households.assign(36, 100);
    return l;
}
const std::set<int> grid5_cells{14, 15, 20, 21};

Lattice demolished(Lattice l) {
    for (const int c : grid5_cells) {
        l.households[static_cast<std::size_t>(c)] = 0;
    }
    return l;
}

/// 6 x 4 blocks of 100 households, six grids of 2 x 2 blocks (400): 4 5 6 / 1 2 3. Today a
/// compound of 300 households stands in each block of grid 1 (cells 0, 1, 6, 7): 1,600
/// households, four grids' worth, in blocks of 400.
Lattice six_squares() {
    Lattice l;
    l.nx = 6;
    l.ny = 4;
    l.households.assign(24, 100);
    return l;
}
const std::set<int> grid1_cells{0, 1, 6, 7};

Lattice with_compound(Lattice l) {
    for (const int c : grid1_cells) {
        l.add(cell_m * (c % l.nx) + 70.0, cell_m * (c / l.nx) + 70.0, 300);
    }
    return l;
}

/// Six grids of 2 x 2 blocks as six_squares(), 4 5 6 / 1 2 3, households per block:
/// grid 1 95 each (380); grid 2 35 in its western column (cells 2, 8), 190 in its eastern
/// (cells 3, 9): 450; the others 100 (400). Today a river without bridge runs from the
/// south up x = 300 to y = 200 and west along y = 200 out of the district: grid 2 is cut,
/// its western column (70 households) on grid 1's side.
Lattice river_before() {
    Lattice l = six_squares();
    for (const int c : grid1_cells) {
        l.households[static_cast<std::size_t>(c)] = 95;
    }
    l.households[2] = l.households[8] = 35;
    l.households[3] = l.households[9] = 190;
    return l;
}

Lattice with_river(Lattice l) {
    l.river = {{300, -10}, {300, 100}, {300, 200}, {200, 200}, {100, 200}, {-10, 200}};
    return l;
}


// --- Random districts -------------------------------------------------------------------

/// A random district and its replan: a lattice of 5 to 8 x 4 to 7 blocks with 0 to 199
/// households each and up to two existing centres (at junctions), planned with plan_grids
/// (target 300, 500 or 800). Today every household in a random rectangle of blocks is
/// gone, one to three compounds stand elsewhere, sometimes a new river without bridge runs
/// up a street and out west or east, or straight across. The previous plan is read back
/// from the plan (max_id up to 2 above its highest id), sometimes as if drawn by hand (no
/// households or centre fields), sometimes leaving one grid's area out (its blocks
/// uncovered). A random stability and up to two locked grids.
struct RandomCase {
    Lattice today;
    std::unique_ptr<Replan> replan;
    partition::ReplanOptions options;
    std::string description;
};

RandomCase random_case(const wrap::GeosContext& geos, std::uint32_t seed) {
    std::mt19937 rng{seed};
    auto below = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint32_t>(n)); };
    RandomCase rc;
    Lattice before;
    before.nx = 5 + below(4);
    before.ny = 4 + below(4);
    for (int c = 0; c < before.nx * before.ny; ++c) {
        before.households.push_back(static_cast<std::uint32_t>(below(200)));
    }
    const double target = std::vector<double>{300.0, 500.0, 800.0}[static_cast<std::size_t>(below(3))];
    Today t0{before, geos};
    // Up to two existing centres at junctions, the same today.
    const int centres = below(3);
    for (int k = 0; k < centres; ++k) {
        io::PointFeature c;
        c.x = cell_m * (1 + below(before.nx - 1));
        c.y = cell_m * (1 + below(before.ny - 1));
        c.id = "C" + std::to_string(k + 1);
        c.services = all_services_mask;
        t0.district.centres.push_back(c);
    }
    RunContext quiet;
    const partition::PlanResult plan =
        partition::plan_grids(t0.district, t0.blocks, t0.net, {}, config(target), geos, quiet);
    REQUIRE(plan.stats.grids_not_contiguous == 0);
    const std::uint32_t max_id = static_cast<std::uint32_t>(plan.grids.size()) + static_cast<std::uint32_t>(below(3));

    Lattice& today = rc.today;
    today = before;
    const int i0 = below(before.nx);
    const int j0 = below(before.ny);
    const int w = 1 + below(3);
    const int h = 1 + below(3);
    for (int j = j0; j < std::min(before.ny, j0 + h); ++j) {
        for (int i = i0; i < std::min(before.nx, i0 + w); ++i) {
            today.households[static_cast<std::size_t>(today.cell(i, j))] = 0;
        }
    }
    const int compounds = 1 + below(3);
    for (int k = 0; k < compounds; ++k) {
        const int c = below(before.nx * before.ny);
        today.add(cell_m * (c % before.nx) + 10.0 + below(30), cell_m * (c / before.nx) + 60.0 + below(30),
                  static_cast<std::uint32_t>(50 + below(static_cast<int>(target))));
    }
    const int river = below(3);  // 0: none, 1: an L, 2: across
    if (river > 0) {
        const double x = cell_m * (1 + below(before.nx - 1));
        const int up = river == 2 ? before.ny : 1 + below(before.ny - 1);
        today.river.push_back({x, -10.0});
        for (int j = 1; j < up; ++j) {
            today.river.push_back({x, cell_m * j});
        }
        if (river == 2) {
            today.river.push_back({x, today.height() + 10.0});
        } else {
            const double y = cell_m * up;
            today.river.push_back({x, y});
            const bool west = below(2) == 0;
            for (double xx = x + (west ? -cell_m : cell_m); xx > 0.0 && xx < today.width();
                 xx += west ? -cell_m : cell_m) {
                today.river.push_back({xx, y});
            }
            today.river.push_back({west ? -10.0 : today.width() + 10.0, y});
        }
    }
    partition::PreviousPlan previous = previous_of(geos, t0.district, plan, max_id);
    const bool by_hand = below(4) == 0;
    if (by_hand) {
        // Drawn by hand: no households or centre fields.
        for (auto& g : previous.grids) {
            g.households = -1;
            g.centre_id.clear();
            g.centre_proposed = false;
            g.centre_x = g.centre_y = std::numeric_limits<double>::quiet_NaN();
        }
    }
    if (below(4) == 0) {
        previous.grids.erase(previous.grids.begin() + below(static_cast<int>(previous.grids.size())));
    }
    rc.replan = std::make_unique<Replan>(geos, before, today, std::move(previous), target);
    rc.replan->today.district.centres = t0.district.centres;
    REQUIRE(rc.replan->previous.max_id == max_id);
    rc.options.stability = std::vector<double>{0.0, 0.3, 0.5, 0.8, 1.0}[static_cast<std::size_t>(below(5))];
    const auto& grids = rc.replan->previous.grids;
    for (int k = below(3); k > 0; --k) {
        const auto id = grids[static_cast<std::size_t>(below(static_cast<int>(grids.size())))].grid_id;
        if (std::find(rc.options.locked.begin(), rc.options.locked.end(), id) == rc.options.locked.end()) {
            rc.options.locked.push_back(id);
        }
    }
    std::string locked;
    for (const auto id : rc.options.locked) {
        locked += " " + std::to_string(id);
    }
    rc.description = "seed " + std::to_string(seed) + ": " + std::to_string(before.nx) + " x " +
                     std::to_string(before.ny) + " blocks, target " + std::to_string(static_cast<int>(target)) +
                     ", river (" + coords(today.river) + "), " + std::to_string(today.extra.size()) +
                     " compound(s), " + std::to_string(centres) + " existing centre(s), " +
                     (by_hand ? "drawn by hand, " : "") + std::to_string(rc.replan->carried.uncovered.size()) +
                     " uncovered block(s), stability " + std::to_string(rc.options.stability) + ", locked" + locked +
                     "\nhouseholds today per cell:\n" + map_of(today.households, today.nx) +
                     "carried (0: uncovered):\n" + map_of(rc.replan->carried_ids(), today.nx);
    return rc;
}

/// Seeds 1 to 16 (SEEDS=n in the environment: 1 to n, to search further).
std::uint32_t random_seeds() {
    const char* n = std::getenv("SEEDS");
    return n != nullptr ? static_cast<std::uint32_t>(std::strtoul(n, nullptr, 10)) : 16U;
}

/// Per locked grid (carried), the uncovered cells it may take: those whose uncovered
/// component (over neighbouring cells) touches no grid that is not locked.
std::set<int> uncovered_only_locked_reach(const Lattice& l, const std::vector<std::uint32_t>& carried,
                                          const std::vector<std::uint32_t>& locked) {
    auto is_locked = [&](std::uint32_t id) { return std::find(locked.begin(), locked.end(), id) != locked.end(); };
    std::set<int> out;
    std::vector<int> component(carried.size(), -1);
    for (int start = 0; start < static_cast<int>(carried.size()); ++start) {
        if (carried[static_cast<std::size_t>(start)] != 0 || component[static_cast<std::size_t>(start)] >= 0) {
            continue;
        }
        std::vector<int> queue{start};
        component[static_cast<std::size_t>(start)] = start;
        bool unlocked_neighbour = false;
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const int c = queue[q];
            const int i = c % l.nx;
            const int j = c / l.nx;
            for (const auto& [di, dj] : {std::pair{1, 0}, std::pair{-1, 0}, std::pair{0, 1}, std::pair{0, -1}}) {
                if (i + di < 0 || i + di >= l.nx || j + dj < 0 || j + dj >= l.ny) {
                    continue;
                }
                const int n = l.cell(i + di, j + dj);
                const std::uint32_t id = carried[static_cast<std::size_t>(n)];
                if (id != 0) {
                    unlocked_neighbour = unlocked_neighbour || !is_locked(id);
                } else if (component[static_cast<std::size_t>(n)] < 0) {
                    component[static_cast<std::size_t>(n)] = start;
                    queue.push_back(n);
                }
            }
        }
        if (!unlocked_neighbour) {
            out.insert(queue.begin(), queue.end());
        }
    }
    return out;
}

} // namespace

TEST_CASE("replan of an unchanged district keeps every grid, id and centre", "[partition][replan]") {
    wrap::GeosContext geos;
    Lattice l;
    l.nx = 6;
    l.ny = 6;
    // Uneven households (40 to 180 a block, 3,900 in all), target 600.
    for (int c = 0; c < 36; ++c) {
        l.households.push_back(static_cast<std::uint32_t>(40 + (c * 37) % 141));
    }
    Today t{l, geos};
    // An existing centre near the middle: some grid is anchored on it.
    io::PointFeature centre;
    centre.x = 300.0;
    centre.y = 300.0;
    centre.id = "CSC-7";
    centre.services = all_services_mask;
    t.district.centres.push_back(centre);
    RunContext ctx;
    const partition::PlanResult plan =
        partition::plan_grids(t.district, t.blocks, t.net, {}, config(600.0), geos, ctx);
    REQUIRE(plan.grids.size() >= 6);
    REQUIRE(plan.stats.grids_not_contiguous == 0);
    CHECK(plan.stats.existing_centres_used == 1);

    const partition::PreviousPlan previous = previous_of(geos, t.district, plan, 0);
    const partition::CarriedPlan carried = partition::carry_previous(previous, t.blocks, t.district, geos, ctx);
    REQUIRE(carried.uncovered.empty());
    const partition::PlanResult r =
        partition::replan_grids(t.district, t.blocks, t.net, {}, config(600.0), previous, carried, {}, {}, geos, ctx);
    CHECK(r.grid_of_block == plan.grid_of_block);
    REQUIRE(r.grids.size() == plan.grids.size());
    for (std::size_t g = 0; g < r.grids.size(); ++g) {
        INFO("grid " << plan.grids[g].written_id());
        CHECK(r.grids[g].written_id() == plan.grids[g].written_id());
        CHECK(r.grids[g].blocks == plan.grids[g].blocks);
        CHECK(r.grids[g].households == plan.grids[g].households);
        CHECK(r.grids[g].centre.proposed == plan.grids[g].centre.proposed);
        CHECK(r.grids[g].centre.existing == plan.grids[g].centre.existing);
        CHECK(r.grids[g].centre.x == Approx(plan.grids[g].centre.x).margin(1e-6));
        CHECK(r.grids[g].centre.y == Approx(plan.grids[g].centre.y).margin(1e-6));
    }
    const partition::Changes c = partition::compute_changes(previous, carried, r, t.blocks, t.district, nullptr, geos);
    CHECK(c.households_moved == 0);
    CHECK(c.share_kept == 1.0);
    for (const auto& g : c.grids) {
        CHECK(g.status == "kept");
    }
    // The same at every stability: nothing broke, nothing moves.
    for (const double w : {0.5, 1.0}) {
        INFO("stability " << w);
        const partition::PlanResult s =
            partition::replan_grids(t.district, t.blocks, t.net, {}, config(600.0), previous, carried, {}, stability(w),
                                    geos, ctx);
        const partition::Changes cs =
            partition::compute_changes(previous, carried, s, t.blocks, t.district, nullptr, geos);
        CHECK(cs.households_moved == 0);
        CHECK(s.grid_of_block == plan.grid_of_block);
    }
}

// Bug (replan_io.cpp, read_previous_plan): the grid layer of a gridplan output names the
// flag "centre_proposed" (Shapefile: "centre_new"); read_previous_plan reads "proposed"
// (the name in the centres layer), so every proposed centre reads as an existing centre
// with id "P<grid id>": not found among the district's centres, it is placed anew by the
// replan (or, if the district has a centre with that id, the grid is anchored on it).
TEST_CASE("replan reads back the proposed centres of a gridplan output", "[partition][replan]") {
    wrap::GeosContext geos;
    Lattice l = nine_squares();
    Today t{l, geos};
    RunContext ctx;
    const partition::PlanResult plan = partition::plan_grids(t.district, t.blocks, t.net, {}, config(400.0), geos, ctx);
    REQUIRE(plan.stats.proposed_centres == plan.grids.size());
    test::TempDir dir;
    {
        io::OutputDir out{dir / "plan", "plan.json"};
        io::OutputOptions options;
        options.crs = t.district.working_crs;
        partition::write_plan(plan, t.blocks, t.district, config(400.0), out, options, geos, ctx);
        out.write_manifest(nlohmann::json::object());
        out.commit(ctx.log);
    }
    io::SourceSpec source;
    source.path = (dir / "plan" / "grids.geojson").string();
    source.config_key = "--previous";
    const partition::PreviousPlan previous =
        partition::read_previous_plan(source, "grid_id", t.district.working_crs, geos, ctx);
    REQUIRE(previous.grids.size() == plan.grids.size());
    for (const auto& g : plan.grids) {
        INFO("grid " << g.written_id());
        const partition::PreviousGrid& p = previous.grids.at(previous.index_of(g.written_id()));
        CHECK(p.households == g.households);
        CHECK(p.centre_id == "P" + std::to_string(g.written_id()));
        CHECK(p.centre_proposed);
        CHECK(p.centre_x == Approx(g.centre.x).margin(0.05));
        CHECK(p.centre_y == Approx(g.centre.y).margin(0.05));
    }
}

TEST_CASE("replan after a demolished village changes only that grid and its neighbours", "[partition][replan]") {
    wrap::GeosContext geos;
    const Lattice before = nine_squares();
    Replan rp{geos, before, demolished(before), hand_plan(geos, before, squares_of_four(6, 6), 9), 400.0};
    const auto carried = rp.carried_ids();
    REQUIRE(carried == squares_of_four(6, 6));  // grid 5's empty blocks carried by area
    const partition::PlanResult r = rp.run();
    INFO(rp.messages());
    check_hard_rules(r, rp.today.blocks, rp.previous, 3200);
    const auto ids = rp.ids(r);
    // The corners do not touch grid 5: exactly as before.
    for (const std::uint32_t id : {1U, 3U, 7U, 9U}) {
        INFO("grid " << id);
        CHECK(cells_of(ids, id) == cells_of(carried, id));
    }
    // Grid 5 holds no household: retired, its blocks to its neighbours 2, 4, 6, 8.
    CHECK(grid_with_id(r, 5) == nullptr);
    for (const int c : grid5_cells) {
        INFO("cell " << c);
        CHECK(std::set<std::uint32_t>{2, 4, 6, 8}.count(ids[static_cast<std::size_t>(c)]) == 1);
    }
    // Every block with households stays in its grid: all eight grids still hold 400.
    for (std::size_t c = 0; c < ids.size(); ++c) {
        if (grid5_cells.count(static_cast<int>(c)) == 0) {
            INFO("cell " << c);
            CHECK(ids[c] == carried[c]);
        }
    }
    REQUIRE(r.grids.size() == 8);
    CHECK(r.stats.grids_in_band == 8);
    const partition::Changes c = rp.changes(r);
    CHECK(c.households_moved == 0);
    CHECK(c.households_removed == 400);
    CHECK(c.households_new == 0);
    std::map<std::uint32_t, std::string> status;
    for (const auto& g : c.grids) {
        status[g.grid_id] = g.status;
    }
    CHECK(status[5] == "retired");
    for (const std::uint32_t id : {1U, 3U, 7U, 9U}) {
        CHECK(status[id] == "kept");
    }
}

TEST_CASE("replan after growth splits the grown grid into new grids above the previous maximum",
          "[partition][replan]") {
    wrap::GeosContext geos;
    const Lattice before = six_squares();
    // Grids 7 to 9 were retired by an earlier replan: max_id 9.
    Replan rp{geos, before, with_compound(before), hand_plan(geos, before, squares_of_four(6, 4), 9), 400.0};
    const auto carried = rp.carried_ids();
    REQUIRE(carried == squares_of_four(6, 4));
    const partition::PlanResult r = rp.run();
    INFO(rp.messages());
    check_hard_rules(r, rp.today.blocks, rp.previous, 2400 + 1200);
    const auto ids = rp.ids(r);
    // Grid 1 holds 1,600 households in four blocks of 400: four grids of one block each,
    // grid 1 and three new ones, 10, 11 and 12; every grid in the band.
    std::set<std::uint32_t> grown;
    for (const int c : grid1_cells) {
        grown.insert(ids[static_cast<std::size_t>(c)]);
    }
    CHECK(grown == std::set<std::uint32_t>{1, 10, 11, 12});
    REQUIRE(r.grids.size() == 9);
    CHECK(r.stats.grids_in_band == 9);
    for (const auto& g : r.grids) {
        INFO("grid " << g.written_id());
        CHECK(g.households == 400);
        CHECK(g.flags.empty());
    }
    // Grid 1 keeps its centre's block (cell 0, the first of its most populous blocks).
    CHECK(ids[0] == 1);
    // Grids 3, 5 and 6 do not touch grid 1: exactly as before; so do 2 and 4, in the band.
    for (const std::uint32_t id : {2U, 3U, 4U, 5U, 6U}) {
        INFO("grid " << id);
        CHECK(cells_of(ids, id) == cells_of(carried, id));
    }
    const partition::Changes c = rp.changes(r);
    CHECK(c.households_new == 1200);
    CHECK(c.households_removed == 0);
    // Only the households of grid 1's three peeled blocks moved (100 each).
    CHECK(c.households_moved == 300);
    int added = 0;
    for (const auto& g : c.grids) {
        added += g.status == "new" ? 1 : 0;
    }
    CHECK(added == 3);
}

TEST_CASE("replan splits off a compound built across the border of two grids as one new grid",
          "[partition][replan]") {
    // Six grids of 2 x 2 blocks, 4 5 6 / 1 2 3, target 400 (band 340-460). Grid 1 holds
    // 400 households in cells 0, 6 and 7 (133, 133, 134), its cell 1 is empty; grid 2 the
    // same in cells 3, 8 and 9, its cell 2 empty; the others 100 per block. Today a
    // compound of 400 stands on the empty cells 1 and 2 (200 each): grids 1 and 2 hold 600
    // each, both above the band, side by side. Split as one, they give one new grid of
    // exactly the compound (cells 1 and 2: 400, new id 10 above max_id 9); grids 1 and 2
    // keep their blocks, ids and households: nobody moves. Split one by one, each would
    // have to peel a grid of 200 (below the band) and fill it with its own households.
    wrap::GeosContext geos;
    Lattice before = six_squares();
    before.households[0] = 133;
    before.households[6] = 133;
    before.households[7] = 134;
    before.households[1] = 0;
    before.households[3] = 133;
    before.households[8] = 133;
    before.households[9] = 134;
    before.households[2] = 0;
    Lattice today = before;
    today.add(cell_m * 1 + 70.0, 70.0, 200);
    today.add(cell_m * 2 + 30.0, 70.0, 200);
    Replan rp{geos, before, today, hand_plan(geos, before, squares_of_four(6, 4), 9), 400.0};
    const auto carried = rp.carried_ids();
    REQUIRE(carried == squares_of_four(6, 4));
    const partition::PlanResult r = rp.run();
    INFO(rp.messages());
    const auto ids = rp.ids(r);
    INFO("replanned:\n" << map_of(ids, 6));
    check_hard_rules(r, rp.today.blocks, rp.previous, 2400 + 400);
    CHECK(cells_of(ids, 1) == std::set<int>{0, 6, 7});
    CHECK(cells_of(ids, 2) == std::set<int>{3, 8, 9});
    CHECK(cells_of(ids, 10) == std::set<int>{1, 2});
    for (const std::uint32_t id : {3U, 4U, 5U, 6U}) {
        INFO("grid " << id);
        CHECK(cells_of(ids, id) == cells_of(carried, id));
    }
    REQUIRE(r.grids.size() == 7);
    CHECK(r.stats.grids_in_band == 7);
    const partition::Changes c = rp.changes(r);
    CHECK(c.households_new == 400);
    CHECK(c.households_moved == 0);
    CHECK(c.share_kept == Approx(1.0));
}

TEST_CASE("replan repairs a grid a new river cuts in two with the fewest moves", "[partition][replan]") {
    wrap::GeosContext geos;
    const Lattice before = river_before();
    Replan rp{geos, before, with_river(before), hand_plan(geos, before, squares_of_four(6, 4), 6), 400.0};
    const auto carried = rp.carried_ids();
    REQUIRE(carried == squares_of_four(6, 4));
    // Before the repair grid 2 is in two pieces (no bridge joins them); every other grid
    // is whole.
    const partition::PlanResult as_carried = evaluate_carried(rp.today, rp.carried, rp.cfg, geos);
    REQUIRE(as_carried.grids.size() == 6);
    CHECK(as_carried.stats.grids_not_contiguous == 1);
    CHECK_FALSE(as_carried.grids.at(as_carried.grid_of_block.at(rp.today.block_of_cell[2]).value()).contiguous);

    const partition::PlanResult r = rp.run();
    INFO(rp.messages());
    check_hard_rules(r, rp.today.blocks, rp.previous, 380 + 450 + 4 * 400);
    const auto ids = rp.ids(r);
    // Grid 2's western column (70 households) joins grid 1, the one grid on its side of
    // the river: grid 1 450, grid 2 380, both in the band. Nothing else changes.
    CHECK(cells_of(ids, 1) == std::set<int>{0, 1, 2, 6, 7, 8});
    CHECK(cells_of(ids, 2) == std::set<int>{3, 9});
    for (const std::uint32_t id : {3U, 4U, 5U, 6U}) {
        INFO("grid " << id);
        CHECK(cells_of(ids, id) == cells_of(carried, id));
    }
    REQUIRE(r.grids.size() == 6);
    CHECK(r.stats.grids_in_band == 6);
    CHECK(grid_with_id(r, 1)->households == 450);
    CHECK(grid_with_id(r, 2)->households == 380);
    const partition::Changes c = rp.changes(r);
    CHECK(c.households_moved == 70);
}

TEST_CASE("replan keeps a locked grid exactly, outside the band or next to a change", "[partition][replan]") {
    wrap::GeosContext geos;
    auto check_kept = [](const partition::PlanResult& r, const std::vector<std::uint32_t>& ids,
                         const std::vector<std::uint32_t>& carried, const partition::PreviousPlan& previous,
                         std::uint32_t id) {
        INFO("locked grid " << id);
        CHECK(cells_of(ids, id) == cells_of(carried, id));
        const partition::Grid* g = grid_with_id(r, id);
        REQUIRE(g != nullptr);
        const partition::PreviousGrid& p = previous.grids.at(previous.index_of(id));
        CHECK(g->centre.proposed);
        CHECK(g->centre.x == p.centre_x);
        CHECK(g->centre.y == p.centre_y);
        return g;
    };
    SECTION("a grown grid far above the band is not split") {
        const Lattice before = six_squares();
        Replan rp{geos, before, with_compound(before), hand_plan(geos, before, squares_of_four(6, 4), 6), 400.0};
        partition::ReplanOptions o;
        o.locked = {1};
        const partition::PlanResult r = rp.run(o);
        INFO(rp.messages());
        check_hard_rules(r, rp.today.blocks, rp.previous, 3600);
        const auto ids = rp.ids(r);
        const partition::Grid* g = check_kept(r, ids, rp.carried_ids(), rp.previous, 1);
        CHECK(g->households == 1600);
        CHECK(ids == rp.carried_ids());  // nothing else broke
        CHECK(r.grids.size() == 6);
    }
    SECTION("a neighbour of a demolished grid takes none of its blocks") {
        const Lattice before = nine_squares();
        Replan rp{geos, before, demolished(before), hand_plan(geos, before, squares_of_four(6, 6), 9), 400.0};
        partition::ReplanOptions o;
        o.locked = {2};
        const partition::PlanResult r = rp.run(o);
        INFO(rp.messages());
        check_hard_rules(r, rp.today.blocks, rp.previous, 3200);
        const auto ids = rp.ids(r);
        check_kept(r, ids, rp.carried_ids(), rp.previous, 2);
        for (const int c : grid5_cells) {
            CHECK(std::set<std::uint32_t>{4, 6, 8}.count(ids[static_cast<std::size_t>(c)]) == 1);
        }
    }
    SECTION("a piece cut off next to a locked grid becomes a grid of its own") {
        // Grid 1 locked: grid 2's western column cannot join it and has no other
        // neighbour on its side of the river: it becomes grid 7 (70 households, below
        // the band, but whole).
        const Lattice before = river_before();
        Replan rp{geos, before, with_river(before), hand_plan(geos, before, squares_of_four(6, 4), 6), 400.0};
        partition::ReplanOptions o;
        o.locked = {1};
        const partition::PlanResult r = rp.run(o);
        INFO(rp.messages());
        check_hard_rules(r, rp.today.blocks, rp.previous, 2430);
        const auto ids = rp.ids(r);
        check_kept(r, ids, rp.carried_ids(), rp.previous, 1);
        CHECK(cells_of(ids, 7) == std::set<int>{2, 8});
        CHECK(cells_of(ids, 2) == std::set<int>{3, 9});
    }
    SECTION("a locked grid cut by the river stays as it is, in two pieces") {
        const Lattice before = river_before();
        Replan rp{geos, before, with_river(before), hand_plan(geos, before, squares_of_four(6, 4), 6), 400.0};
        partition::ReplanOptions o;
        o.locked = {2};
        const partition::PlanResult r = rp.run(o);
        INFO(rp.messages());
        const auto ids = rp.ids(r);
        const partition::Grid* g = check_kept(r, ids, rp.carried_ids(), rp.previous, 2);
        CHECK_FALSE(g->contiguous);
        CHECK(r.stats.grids_not_contiguous == 1);
        CHECK(ids == rp.carried_ids());
    }
}

TEST_CASE("replan stability 1 moves nobody from a grid that meets the rules, 0 may move more",
          "[partition][replan]") {
    wrap::GeosContext geos;
    auto moved = [](Replan& rp, double w) {
        const partition::PlanResult r = rp.run(stability(w));
        return std::make_pair(rp.changes(r).households_moved, rp.ids(r));
    };
    SECTION("demolished village: nobody needs to move") {
        const Lattice before = nine_squares();
        Replan rp{geos, before, demolished(before), hand_plan(geos, before, squares_of_four(6, 6), 9), 400.0};
        const auto [m1, ids1] = moved(rp, 1.0);
        CHECK(m1 == 0);
        const auto carried = rp.carried_ids();
        for (std::size_t c = 0; c < ids1.size(); ++c) {
            if (grid5_cells.count(static_cast<int>(c)) == 0) {
                CHECK(ids1[c] == carried[c]);
            }
        }
        const auto m0 = moved(rp, 0.0).first;
        CHECK(m0 >= m1);
    }
    SECTION("river: only the cut-off piece moves") {
        const Lattice before = river_before();
        Replan rp{geos, before, with_river(before), hand_plan(geos, before, squares_of_four(6, 4), 6), 400.0};
        const auto m1 = moved(rp, 1.0).first;
        CHECK(m1 == 70);
        CHECK(moved(rp, 0.0).first >= m1);
    }
    SECTION("a grid fallen below the band: stability 1 leaves its neighbours alone") {
        // Grid 1 of six_squares loses one block's households (300, below the band of 340 to
        // 460); its neighbours could make it up, but only by moving their own households.
        const Lattice before = six_squares();
        Lattice today = before;
        today.households[7] = 0;
        Replan rp{geos, before, today, hand_plan(geos, before, squares_of_four(6, 4), 6), 400.0};
        const auto [m1, ids1] = moved(rp, 1.0);
        CHECK(m1 == 0);
        const auto carried = rp.carried_ids();
        for (std::size_t c = 0; c < ids1.size(); ++c) {
            if (today.households[c] > 0) {  // an emptied block may change grid: it moves nobody
                CHECK(ids1[c] == carried[c]);
            }
        }
        const auto m0 = moved(rp, 0.0).first;
        CHECK(m0 >= m1);
    }
}

TEST_CASE("replan on random districts keeps the hard rules and is deterministic", "[partition][replan]") {
    wrap::GeosContext geos;
    for (std::uint32_t seed = 1; seed <= random_seeds(); ++seed) {
        RandomCase rc = random_case(geos, seed);
        Replan& rp = *rc.replan;
        const partition::PlanResult r1 = rp.run(rc.options);
        const auto carried = rp.carried_ids();
        const auto ids = rp.ids(r1);
        INFO(rc.description << "replanned:\n" << map_of(ids, rc.today.nx) << rp.messages());
        check_hard_rules(r1, rp.today.blocks, rp.previous, placed_households(rp.today.district, rp.today.blocks),
                         rc.options.locked);
        // A locked grid keeps every block it had; it gains none from another grid (an
        // uncovered block, at most: see the next test).
        for (const auto id : rc.options.locked) {
            INFO("locked grid " << id);
            for (std::size_t c = 0; c < ids.size(); ++c) {
                if (carried[c] == id) {
                    CHECK(ids[c] == id);
                } else if (ids[c] == id) {
                    CHECK(carried[c] == 0);
                }
            }
        }
        // Twice: the same plan.
        const partition::PlanResult r2 = rp.run(rc.options);
        CHECK(same_plan(r1, r2));
        const partition::Changes c = rp.changes(r1);
        CHECK(c.households_moved <= c.households_persisting);
        CHECK(c.share_kept >= 0.0);
    }
}

// Bug (replan.cpp, fill_uncovered): see the hand-made case below.
TEST_CASE("replan on random districts gives locked grids only the uncovered blocks no other grid can take",
          "[partition][replan]") {
    wrap::GeosContext geos;
    for (std::uint32_t seed = 1; seed <= random_seeds(); ++seed) {
        RandomCase rc = random_case(geos, seed);
        if (rc.options.locked.empty() || rc.replan->carried.uncovered.empty()) {
            continue;
        }
        Replan& rp = *rc.replan;
        const partition::PlanResult r = rp.run(rc.options);
        const auto carried = rp.carried_ids();
        const auto ids = rp.ids(r);
        INFO(rc.description << "replanned:\n" << map_of(ids, rc.today.nx));
        const std::set<int> allowed = uncovered_only_locked_reach(rc.today, carried, rc.options.locked);
        for (const auto id : rc.options.locked) {
            for (std::size_t c = 0; c < ids.size(); ++c) {
                if (ids[c] == id && carried[c] != id) {
                    INFO("locked grid " << id << " took cell " << c);
                    CHECK(allowed.count(static_cast<int>(c)) == 1);
                }
            }
        }
    }
}

TEST_CASE("replan gives a locked grid no uncovered block another grid can take", "[partition][replan]") {
    // Three blocks by two, 100 households each, target 300. Grid 1 holds the western
    // column (cells 0 and 3), grid 2 (locked) the north-eastern blocks (cells 4 and 5);
    // the previous plan leaves cells 1 and 2 (the south-eastern blocks) out:
    //     1   2   2
    //     1   .   .
    // Cell 1 touches grids 1 and 2 and joins grid 1 (a locked grid takes no uncovered
    // block unless no other grid can); cell 2 touches only grid 2 and cell 1, so grid 1
    // can take it through cell 1: grid 2 should keep exactly cells 4 and 5.
    wrap::GeosContext geos;
    Lattice l;
    l.nx = 3;
    l.ny = 2;
    l.households.assign(6, 100);
    partition::PreviousPlan previous = hand_plan(geos, l, {1, 0, 0, 1, 2, 2}, 2);
    previous.grids.erase(previous.grids.begin());  // the cells of "grid 0": uncovered
    Replan rp{geos, l, l, std::move(previous), 300.0};
    REQUIRE(rp.carried_ids() == std::vector<std::uint32_t>{1, 0, 0, 1, 2, 2});
    partition::ReplanOptions o;
    o.locked = {2};
    const partition::PlanResult r = rp.run(o);
    const auto ids = rp.ids(r);
    INFO("replanned:\n" << map_of(ids, l.nx));
    check_hard_rules(r, rp.today.blocks, rp.previous, 600, o.locked);
    CHECK(cells_of(ids, 2) == std::set<int>{4, 5});
    CHECK(cells_of(ids, 1) == std::set<int>{0, 1, 2, 3});
}
