// Grid planning: the public entry points, and the algorithm as its stages.
//
//   Problem (problem.cpp)          atoms, atom graph, parts, snaps, shared sites: once, const
//   per start, on worker threads:
//     seed_start (starts.cpp)      existing centres, household clusters or a capacitated cover
//     balance / complete_assignment (assignment.cpp)   the weighted flood
//     search (search.cpp)          single moves, band repair along chains, two-step moves
//     refine (centres.cpp)         re-centre, adapt targets, flood, search, until stable
//   the best start (lowest score, objective.cpp), polished (centres.cpp), a thorough band
//   repair of what is still outside the band (search.cpp)
//   finish (evaluation.cpp)        grids, measures, what is infeasible
#include "gridplan/partition/partition.hpp"

#include "partition/detail/assignment.hpp"
#include "partition/detail/centres.hpp"
#include "partition/detail/evaluation.hpp"
#include "partition/detail/objective.hpp"
#include "partition/detail/problem.hpp"
#include "partition/detail/search.hpp"
#include "partition/detail/starts.hpp"
#include "partition/detail/state.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <thread>

namespace gridplan::partition {

using namespace detail;

void PartitionConfig::validate() const {
    if (!(households_per_grid >= 10.0 && households_per_grid <= 1.0e7)) {
        throw ConfigError{"plan.households_per_grid", "must be from 10 to 10000000"};
    }
    if (!(tolerance > 0.0 && tolerance < 1.0)) {
        throw ConfigError{"plan.tolerance", "must be above 0 and below 1 (0.15 = 15%)"};
    }
    if (grids < 0 || grids > 100000) {
        throw ConfigError{"plan.grids", "must be from 1 to 100000 (0 = from the household total)"};
    }
    if (!(walk_minutes > 0.0 && walk_minutes <= 120.0)) {
        throw ConfigError{"plan.walk_minutes", "must be above 0 and at most 120 minutes"};
    }
    if (!(speed_kmh > 0.0 && speed_kmh <= 20.0)) {
        throw ConfigError{"plan.speed_kmh", "must be above 0 and at most 20 km/h"};
    }
    if (!(walk_radius_m > 0.0)) {
        throw ConfigError{"plan.walk_minutes", "gives no walk radius"};
    }
    if (seed > max_seed) {
        throw ConfigError{"plan.seed", seed_range};
    }
    if (rounds < 1 || rounds > 20) {
        throw ConfigError{"plan.rounds", "must be from 1 to 20"};
    }
    if (!(centre_relocate_share >= 0.0 && centre_relocate_share <= 1.0)) {
        throw ConfigError{"plan.centre_relocate_share", "must be from 0 to 1 (0.10 = a tenth of the grid's households)"};
    }
    if (!(budget_per_household >= 0.0 && budget_per_household <= 1.0e6)) {
        throw ConfigError{"plan.budget_per_household", "must be from 0 to 1000000 yuan"};
    }
    tuning.validate();
}

double nest_within_share(const io::District& district, const std::vector<io::PolygonFeature>& nest_within,
                         const wrap::GeosContext& geos) {
    const double district_area = geos.area(district.boundary.get());
    if (nest_within.empty() || !(district_area > 0.0)) {
        return 0.0;
    }
    std::vector<wrap::GeomPtr> parts;
    for (const auto& n : nest_within) {
        parts.push_back(geos.clone(n.geom.get()));
    }
    wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, parts);
    wrap::GeomPtr merged = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "union of nest_within polygons");
    wrap::GeomPtr inside =
        geos.own(GEOSIntersection_r(geos.handle(), merged.get(), district.boundary.get()), "nest_within in district");
    return std::min(1.0, geos.area(inside.get()) / district_area);
}

void check_nest_within(const io::District& district, const std::vector<io::PolygonFeature>& nest_within,
                       const std::string& source, const wrap::GeosContext& geos, RunContext& ctx) {
    const double share = nest_within_share(district, nest_within, geos);
    if (share <= 0.0) {
        throw InputError{nest_within.empty()
                             ? std::string{"no polygons to nest grids within"}
                             : std::to_string(nest_within.size()) +
                                   " nest_within polygons cover none of the district (0% of its area): a wrong file, "
                                   "or a wrong CRS label?",
                         source};
    }
    if (share < 0.99) {
        ctx.log.warning(source + ": the nest_within polygons cover only " + format_fixed(100.0 * share, 1) +
                        "% of the district's area; the rest is planned as one more area that no grid crosses");
    }
}

PartitionConfig PartitionConfig::gb50180() {
    PartitionConfig c;
    c.households_per_grid = 6500.0;
    c.tolerance = 1500.0 / 6500.0;  // 5,000 to 8,000 households
    c.set_walk(10.0, 3.0);          // 500 m
    return c;
}

void Tuning::validate() const {
    auto check = [](bool ok, const char* key, const char* range) {
        if (!ok) {
            throw ConfigError{std::string{"plan.tuning."} + key, range};
        }
    };
    auto non_negative = [](const auto& values) {
        return std::all_of(values.begin(), values.end(), [](double v) { return v >= 0.0 && v <= 1.0e6; });
    };
    check(non_negative(cut_cost), "cut_cost", "must be from 0 to 1000000 per class");
    check(non_negative(cross_penalty), "cross_penalty", "must be from 0 to 1000000 metres per class");
    for (const auto& [v, key] : {std::pair{weight_band, "weight_band"}, std::pair{weight_target, "weight_target"},
                                 std::pair{weight_walk, "weight_walk"}, std::pair{weight_edge, "weight_edge"},
                                 std::pair{weight_distance, "weight_distance"}, std::pair{outside_step, "outside_step"},
                                 std::pair{target_gain, "target_gain"}}) {
        check(v >= 0.0 && v <= 1.0e6, key, "must be from 0 to 1000000");
    }
    check(target_margin >= 0.0 && target_margin < 1.0, "target_margin", "must be from 0 to below 1");
    check(target_iterations >= 1 && target_iterations <= 200, "target_iterations", "must be from 1 to 200");
    check(balance_iterations >= 1 && balance_iterations <= 10000, "balance_iterations", "must be from 1 to 10000");
    check(balance_step_start >= 0.0 && balance_step_start <= 10.0, "balance_step_start", "must be from 0 to 10 radii");
    check(balance_step_end >= 0.0 && balance_step_end <= 10.0, "balance_step_end", "must be from 0 to 10 radii");
    check(restarts >= 1 && restarts <= 64, "restarts", "must be from 1 to 64");
    check(seed_spacing >= 0.0 && seed_spacing <= 10.0, "seed_spacing", "must be from 0 to 10");
    check(lloyd_iterations >= 0 && lloyd_iterations <= 1000, "lloyd_iterations", "must be from 0 to 1000");
    check(cover_cells_per_radius >= 1.0 && cover_cells_per_radius <= 100.0, "cover_cells_per_radius",
          "must be from 1 to 100");
    check(unit_overlap_m2 >= 0.0 && unit_overlap_m2 <= 1.0e6, "unit_overlap_m2", "must be from 0 to 1000000 m2");
    check(max_island_links >= 0 && max_island_links <= 100000, "max_island_links", "must be from 0 to 100000");
    // Households and existing centres snap with the network's cap (the CLI sets both).
    if (!(household_snap_m > 0.0 && household_snap_m <= 10000.0 && centre_snap_m > 0.0 && centre_snap_m <= 10000.0)) {
        throw ConfigError{"network.snap_cap_m", "must be above 0 and at most 10000 metres"};
    }
    check(atom_snap_m > 0.0 && atom_snap_m <= 10000.0, "atom_snap_m", "must be above 0 and at most 10000 metres");
    check(site_snap_m > 0.0 && site_snap_m <= 10000.0, "site_snap_m", "must be above 0 and at most 10000 metres");
    check(walk_limit_radii >= 1.0 && walk_limit_radii <= 100.0, "walk_limit_radii", "must be from 1 to 100");
    check(walk_limit_extra_m >= 0.0 && walk_limit_extra_m <= 100000.0, "walk_limit_extra_m",
          "must be from 0 to 100000 metres");
    check(unreached_detour >= 1.0 && unreached_detour <= 100.0, "unreached_detour", "must be from 1 to 100");
    check(unreached_extra_m >= 0.0 && unreached_extra_m <= 100000.0, "unreached_extra_m",
          "must be from 0 to 100000 metres");
    check(improve_passes >= 0 && improve_passes <= 10000, "improve_passes", "must be from 0 to 10000");
    check(band_repair_passes_per_grid >= 0 && band_repair_passes_per_grid <= 1000, "band_repair_passes_per_grid",
          "must be from 0 to 1000");
    check(band_repair_steps >= 0 && band_repair_steps <= 100000, "band_repair_steps", "must be from 0 to 100000");
    check(band_repair_share >= 0.0 && band_repair_share <= 1.0, "band_repair_share", "must be from 0 to 1");
    check(band_repair_overshoot >= 1.0 && band_repair_overshoot <= 100.0, "band_repair_overshoot",
          "must be from 1 to 100");
    check(chain_passes >= 0 && chain_passes <= 10000, "chain_passes", "must be from 0 to 10000");
    check(site_near_atoms <= 100000, "site_near_atoms", "must be from 0 to 100000");
    check(site_heavy_atoms <= 100000, "site_heavy_atoms", "must be from 0 to 100000");
    check(site_node_radii >= 0.0 && site_node_radii <= 10.0, "site_node_radii", "must be from 0 to 10 radii");
    check(wide_site_node_radii >= 0.0 && wide_site_node_radii <= 10.0, "wide_site_node_radii",
          "must be from 0 to 10 radii");
    check(site_nodes <= 100000, "site_nodes", "must be from 0 to 100000");
    check(wide_site_nodes <= 100000, "wide_site_nodes", "must be from 0 to 100000");
    check(centre_move_m >= 0.0 && centre_move_m <= 10000.0, "centre_move_m", "must be from 0 to 10000 metres");
    check(replan_away_cost >= 0.0 && replan_away_cost <= 1.0e3, "replan_away_cost", "must be from 0 to 1000");
    check(replan_away_cost_max >= replan_away_cost && replan_away_cost_max < weight_band, "replan_away_cost_max",
          "must be from replan_away_cost to below weight_band");
    check(replan_flow_margin >= 0.0 && replan_flow_margin <= 0.5, "replan_flow_margin", "must be from 0 to 0.5");
    check(replan_rings >= 0 && replan_rings <= 100, "replan_rings", "must be from 0 to 100");
}

namespace {

/// One start: seeds, the balanced flood (a cover's own assignment, made contiguous,
/// instead), local search, then re-centring rounds until stable.
State run_start(const Problem& problem, int start, RunContext* warnings) {
    State state = seed_start(problem, start, warnings);
    for (const RegionId r : state.regions.ids()) {
        state.compute_walk(r);
    }
    if (is_cover(seed_mode(start)) && problem.has_cover_sites()) {
        complete_assignment(state);
    } else {
        balance(state);
    }
    search(state);
    refine(state, SiteSearch::near);
    return state;
}

/// Several starts (when the atom graph is small enough for them to be cheap), run on the
/// worker threads, each with its own State over the shared Problem; the plan with the
/// lowest score is kept, the earliest start on ties, so the result does not depend on
/// the thread count. Warnings come from the first start only.
State best_start(const Problem& problem, RunContext& ctx) {
    const int starts = problem.start_count();
    std::vector<std::optional<State>> done(static_cast<std::size_t>(starts));
    std::vector<double> cost(static_cast<std::size_t>(starts), 0.0);
    const int threads = std::clamp(static_cast<int>(ctx.threads), 1, starts);
    for (int first = 0; first < starts; first += threads) {
        ctx.report_progress("plan", static_cast<double>(first) / starts);
        const int last = std::min(starts, first + threads);
        std::vector<std::exception_ptr> errors(static_cast<std::size_t>(last - first));
        auto work = [&](int start) {
            try {
                State state = run_start(problem, start, start == 0 ? &ctx : nullptr);
                cost[static_cast<std::size_t>(start)] = score(state);
                done[static_cast<std::size_t>(start)].emplace(std::move(state));
            } catch (...) {
                errors[static_cast<std::size_t>(start - first)] = std::current_exception();
            }
        };
        std::vector<std::thread> pool;
        for (int start = first + 1; start < last; ++start) {
            pool.emplace_back(work, start);
        }
        work(first);
        for (auto& t : pool) {
            t.join();
        }
        for (const auto& e : errors) {
            if (e) {
                std::rethrow_exception(e);
            }
        }
    }
    std::size_t best = 0;
    for (std::size_t k = 1; k < done.size(); ++k) {
        if (cost[k] < cost[best]) {
            best = k;
        }
    }
    return std::move(*done[best]);
}

} // namespace

std::string proposed_centre_id(const Grid& g) { return "P" + std::to_string(g.written_id()); }

PlanResult evaluate_assignment(const io::District& district, const blocks::BlocksResult& blocks,
                               const network::WalkNetwork& net, const std::vector<std::uint32_t>& grid_of_block,
                               const PartitionConfig& config, const wrap::GeosContext& geos, RunContext& ctx,
                               std::vector<std::uint32_t>* result_grid_of) {
    config.validate();
    if (grid_of_block.size() != blocks.blocks.size()) {
        throw InternalError{"evaluate_assignment: one grid per block expected"};
    }
    // Blocks joined as plan_grids joins them (water into its bank, stranded empty land into
    // its neighbour: atoms whose grid follows their households), units and nests left as
    // given, no parts; centres as in plan_grids' last pass.
    static const std::vector<io::PolygonFeature> no_nests;
    ProblemOptions options;
    options.units = false;
    options.parts = false;
    options.cover_sites = false;
    const Problem problem{district, blocks, net, no_nests, config, geos, ctx, options};
    std::vector<RegionId> given;
    given.reserve(grid_of_block.size());
    for (const auto g : grid_of_block) {
        given.emplace_back(g);
    }
    // Each atom takes the grid of its block with most households; a given grid left with
    // no atom (only water that goes with another grid's bank) is no grid of the result.
    const IdVector<AtomId, RegionId> atom_given = atom_regions(problem, given);
    std::vector<std::uint32_t> dense(grid_of_block.empty() ? 0 : *std::max_element(grid_of_block.begin(),
                                                                                   grid_of_block.end()) + 1,
                                     no_index);
    std::uint32_t used = 0;
    for (const RegionId r : atom_given) {
        if (dense[r.value()] == no_index) {
            dense[r.value()] = 0;
        }
    }
    for (auto& d : dense) {
        d = d == no_index ? no_index : used++;
    }
    std::vector<RegionId> region_of_block;
    region_of_block.reserve(grid_of_block.size());
    for (const BlockId b : ids<BlockId>(grid_of_block.size())) {
        region_of_block.emplace_back(dense[atom_given[problem.atom_of_block(b)].value()]);
    }
    State state = state_from_assignment(problem, region_of_block);
    recentre(state, SiteSearch::wide);
    PlanResult result = finish(state, ctx);
    if (result_grid_of != nullptr) {
        result_grid_of->assign(dense.size(), no_index);
        for (const AtomId a : problem.atom_ids()) {
            (*result_grid_of)[atom_given[a].value()] =
                result.grid_of_block[problem.atom(a).blocks.front().value()].value();
        }
    }
    return result;
}

PlanResult plan_grids(const io::District& district, const blocks::BlocksResult& blocks,
                      const network::WalkNetwork& net, const std::vector<io::PolygonFeature>& nest_within,
                      const PartitionConfig& config, const wrap::GeosContext& geos, RunContext& ctx) {
    const StageProgress progress{ctx, "plan"};
    config.validate();
    if (blocks.blocks.empty()) {
        throw InputError{"no blocks to plan grids from"};
    }
    std::int64_t households = 0;
    for (const auto& b : blocks.blocks) {
        households += b.households;
    }
    if (households <= 0) {
        throw InputError{"no households inside the district: there is nothing to plan grids for"};
    }
    if (config.grids > 0 && static_cast<std::size_t>(config.grids) > blocks.blocks.size()) {
        throw ConfigError{"plan.grids", std::to_string(config.grids) + " grids were asked for, but the district has only " +
                                            std::to_string(blocks.blocks.size()) + " blocks"};
    }
    const Problem problem{district, blocks, net, nest_within, config, geos, ctx};
    State state = best_start(problem, ctx);
    polish(state);
    repair_band(state, true);  // what the search left outside the band
    return finish(state, ctx);
}

} // namespace gridplan::partition
