#include "plan_options.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"

#include <algorithm>
#include <map>

namespace gridplan::cli {

void PlanOptions::add_to(CLI::App& app) {
    app.add_option("--households-per-grid", m_target, "Target households per grid (default 6000)");
    app.add_option("--tolerance", m_tolerance, "Band around the target, as a share (default 0.15: 5,100-6,900)");
    app.add_option("--walk-min", m_walk_min, "Walk radius in minutes (default 10)");
    app.add_option("--speed-kmh", m_speed, "Walking speed in km/h (default 4.8)");
    app.add_option("--preset", m_preset, "gb50180: 5,000-8,000 households, 10 minutes = 500 m");
    app.add_option("--seed", m_seed_text, "Random seed, 0 to 4294967295 (default 1); same seed, same plan");
    app.add_option("--code-prefix", m_code_prefix, "Administrative prefix of grid codes, e.g. 370705");
    app.add_option("--nest-within", m_nest, "Polygons (street offices) no grid may cross");
    app.add_flag("--strict", m_strict,
                 "Exit 3 (after writing the outputs) when a grid is outside the band or not contiguous, "
                 "or a block or part cannot fit the band");
}

int strict_exit_code(const partition::PlanResult& result, bool strict, std::ostream& err) {
    if (!strict) {
        return 0;
    }
    std::vector<std::string> outside;
    std::vector<std::string> split;
    for (const auto& g : result.grids) {
        const auto has = [&g](const char* flag) { return std::find(g.flags.begin(), g.flags.end(), flag) != g.flags.end(); };
        if (has("outside_band")) {
            outside.push_back(std::to_string(g.written_id()));
        }
        if (!g.contiguous || has("not_contiguous")) {
            split.push_back(std::to_string(g.written_id()));
        }
    }
    std::map<std::string, std::size_t> kinds;
    for (const auto& f : result.infeasible) {
        if (f.kind == "block_above_band" || f.kind == "part_outside_band" || f.kind == "unlinked_part") {
            ++kinds[f.kind];
        }
    }
    std::vector<std::string> parts;
    if (!outside.empty()) {
        parts.push_back(std::to_string(outside.size()) + (outside.size() == 1 ? " grid" : " grids") +
                        " outside the band (grid_id " + join_limited(outside, 10) + ")");
    }
    if (!split.empty()) {
        parts.push_back(std::to_string(split.size()) + (split.size() == 1 ? " grid" : " grids") +
                        " not contiguous (grid_id " + join_limited(split, 10) + ")");
    }
    for (const auto& [kind, n] : kinds) {
        parts.push_back(std::to_string(n) + " " + kind + (n == 1 ? " entry" : " entries") + " in plan.json infeasible");
    }
    if (parts.empty()) {
        return 0;
    }
    err << "gridplan: error: --strict: the targets are not met: " << join_limited(parts, 10)
        << " (the outputs are written)\n";
    return static_cast<int>(ExitCode::infeasible);
}

void PlanOptions::check(const std::string& command) {
    if (!m_preset.empty() && m_preset != "gb50180") {
        throw UsageError{command + ": unknown --preset '" + m_preset + "' (known: gb50180)"};
    }
    if (m_seed_text) {
        m_seed = parse_whole_flag(*m_seed_text, "--seed", 0, partition::PartitionConfig::max_seed);
    }
}

partition::PartitionConfig PlanOptions::base(const config::ProjectConfig& cfg) const {
    // A preset sets defaults: the config's own values and then the flags override it.
    partition::PartitionConfig plan = m_preset == "gb50180" ? config::plan_with_gb50180(cfg) : cfg.plan;
    // Households and existing centres join the walking network within its cap
    // (network.snap_cap_m), as in coverage.
    plan.tuning.household_snap_m = cfg.coverage.network.snap_cap_m;
    plan.tuning.centre_snap_m = cfg.coverage.network.snap_cap_m;
    return plan;
}

partition::PartitionConfig PlanOptions::defaults() const {
    return m_preset == "gb50180" ? partition::PartitionConfig::gb50180() : partition::PartitionConfig{};
}

std::vector<FlagValue> PlanOptions::apply(partition::PartitionConfig& plan) const {
    std::vector<FlagValue> flags;
    if (m_target) {
        plan.households_per_grid = *m_target;
        flags.push_back({"plan.households_per_grid", "--households-per-grid", flag_text(*m_target)});
    }
    if (m_tolerance) {
        plan.tolerance = *m_tolerance;
        flags.push_back({"plan.tolerance", "--tolerance", flag_text(*m_tolerance)});
    }
    if (m_walk_min || m_speed) {
        plan.set_walk(m_walk_min.value_or(plan.walk_minutes), m_speed.value_or(plan.speed_kmh));
        if (m_walk_min) {
            flags.push_back({"plan.walk_minutes", "--walk-min", flag_text(*m_walk_min)});
        }
        if (m_speed) {
            flags.push_back({"plan.speed_kmh", "--speed-kmh", flag_text(*m_speed)});
        }
    }
    if (m_seed) {
        plan.seed = *m_seed;
        flags.push_back({"plan.seed", "--seed", std::to_string(*m_seed)});
    }
    if (m_code_prefix) {
        plan.code_prefix = *m_code_prefix;
        flags.push_back({"plan.code_prefix", "--code-prefix", *m_code_prefix});
    }
    return flags;
}

std::vector<io::PolygonFeature> PlanOptions::read_nests(config::ProjectConfig& cfg, const io::District& district,
                                                        io::OutputDir& out, const wrap::GeosContext& geos,
                                                        RunContext& ctx) const {
    if (!m_nest.empty()) {
        io::SourceSpec s;
        s.path = m_nest;
        s.config_key = "--nest-within";
        cfg.nest_within = s;
    }
    std::vector<io::PolygonFeature> nests;
    if (cfg.nest_within) {
        nests = io::read_polygon_layer(*cfg.nest_within, "", district.working_crs, geos, ctx);
        partition::check_nest_within(district, nests, cfg.nest_within->path, geos, ctx);
        out.protect({cfg.nest_within->path});
    }
    return nests;
}

void require_households(const config::ProjectConfig& cfg, const io::District& district) {
    std::int64_t total = 0;
    for (const auto& h : district.households) {
        total += h.count;
    }
    if (total <= 0) {
        const std::string where = cfg.district.households ? cfg.district.households->source.path
                                                          : std::string{"(no household layer given)"};
        throw InputError{"no households to plan grids for: give household points or buildings", where};
    }
}

void add_service_coverage(partition::PlanResult& result, const io::District& district,
                          const blocks::BlocksResult& blocks, const network::WalkNetwork& net,
                          coverage::CoverageConfig config, const partition::PartitionConfig& plan,
                          const wrap::GeosContext& geos, RunContext& ctx) {
    config.radius_min = plan.walk_minutes;
    config.speed_kmh = plan.speed_kmh;
    config.with_service_areas = false;
    // The plan's own centres: every existing one (it stays where it is, anchoring a grid
    // or not) and the proposed ones, one-stop centres offering all eight services.
    std::vector<coverage::ServicePoint> centres = district.centres;
    for (const auto& g : result.grids) {
        if (g.centre.proposed) {
            io::PointFeature p;
            p.x = g.centre.x;
            p.y = g.centre.y;
            p.services = all_services_mask;
            p.id = partition::proposed_centre_id(g);
            centres.push_back(std::move(p));
        }
    }
    const coverage::CoverageResult cover =
        coverage::compute_coverage(district, net, centres, district.facilities, config, {}, geos, ctx);
    // Per grid, and over all the households the grids hold (those inside the district, as
    // coverage counts them).
    std::vector<std::vector<std::size_t>> households_of(result.grids.size());
    std::vector<std::size_t> placed;
    for (std::size_t i = 0; i < district.households.size(); ++i) {
        const BlockId b = blocks.household_block[i];
        if (b.valid()) {
            households_of[result.grid_of_block[b.value()].value()].push_back(i);
            placed.push_back(i);
        }
    }
    for (auto& grid : result.grids) {
        const coverage::Summary s = coverage::summarise(district, cover.households, config, &households_of[grid.id.value()]);
        for (std::size_t k = 0; k < service_count; ++k) {
            grid.service_share[k] = s.share(s.within_radius_by_service[k]);
        }
    }
    const coverage::Summary all = coverage::summarise(district, cover.households, config, &placed);
    result.service_coverage.emplace();
    for (std::size_t k = 0; k < service_count; ++k) {
        (*result.service_coverage)[k] = all.share(all.within_radius_by_service[k]);
    }
}

namespace {

/// "services within reach of the plan's centres and the facilities: medical 97.1%, ..."
std::string services_line(const partition::PlanResult& result) {
    if (!result.service_coverage) {
        return {};
    }
    std::vector<std::string> parts;
    for (const auto svc : all_services) {
        parts.push_back(std::string{to_string(svc)} + " " +
                        format_fixed(100.0 * (*result.service_coverage)[static_cast<std::size_t>(svc)], 1) + "%");
    }
    return "services within the walk radius (the plan's centres, existing and proposed, and the facilities): " +
           join_limited(parts, service_count) + "\n";
}

} // namespace

void print_plan_summary(std::ostream& os, const io::District& district, const partition::PlanResult& result,
                        const partition::PartitionConfig& plan, const std::string& after_radius,
                        const std::string& time) {
    const auto& s = result.stats;
    // Each kind by its own name, as plan.json writes it.
    std::map<std::string, std::size_t> kinds;
    for (const auto& f : result.infeasible) {
        ++kinds[f.kind];
    }
    std::vector<std::string> by_kind;
    for (const auto& [kind, n] : kinds) {
        by_kind.push_back(std::to_string(n) + " " + kind);
    }
    os << "district: " << district.boundary_description << '\n';
    os << "grids: " << result.grids.size() << " for " << s.households << " households (target "
       << format_fixed(plan.households_per_grid, 0) << ", band " << format_fixed(plan.band_low(), 0) << "-"
       << format_fixed(plan.band_high(), 0) << "): " << s.grids_in_band << " in the band, smallest "
       << s.min_households << ", largest " << s.max_households << "; "
       << (result.grids.size() - s.grids_not_contiguous) << " contiguous\n"
       << "within " << format_fixed(plan.walk_minutes, 0) << " minutes of the grid's centre: "
       << format_fixed(100.0 * s.share_within_radius, 1) << "% of households\n"
       << after_radius
       << "grid edges on rivers " << format_fixed(100.0 * s.edge_share_by_class[4], 1) << "%, roads "
       << format_fixed(100.0 * s.edge_share_by_class[3], 1) << "%, streets "
       << format_fixed(100.0 * s.edge_share_by_class[2], 1) << "%, alleys "
       << format_fixed(100.0 * s.edge_share_by_class[1], 1) << "%; mean Polsby-Popper "
       << format_fixed(s.mean_polsby_popper, 3) << "\n"
       << "centres: " << s.existing_centres_used << " existing, " << s.proposed_centres << " proposed\n"
       << services_line(result)
       << "infeasible: " << result.infeasible.size() << " entries in plan.json"
       << (by_kind.empty() ? std::string{} : ": " + join_limited(by_kind, 10)) << "\n"
       << "time: " << time << "\n";
}

} // namespace gridplan::cli
