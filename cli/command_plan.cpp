// gridplan plan: the main job. Blocks, walking network, grids.
#include "command.hpp"
#include "district_options.hpp"
#include "interrupt.hpp"
#include "terminal.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/coverage/coverage.hpp"
#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/network/network.hpp"
#include "gridplan/partition/output.hpp"
#include "gridplan/partition/partition.hpp"

#include <chrono>
#include <iostream>

namespace gridplan::cli {

namespace {

double secs(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// Each grid's share of households within the walk radius of every service (existing
/// centres and facilities offering it), measured as `gridplan coverage` does.
void add_service_coverage(partition::PlanResult& result, const io::District& district,
                          const blocks::BlocksResult& blocks, const network::WalkNetwork& net,
                          coverage::CoverageConfig config, const partition::PartitionConfig& plan,
                          const wrap::GeosContext& geos, RunContext& ctx) {
    config.radius_min = plan.walk_minutes;
    config.speed_kmh = plan.speed_kmh;
    config.with_service_areas = false;
    const coverage::CoverageResult cover =
        coverage::compute_coverage(district, net, district.centres, district.facilities, config, {}, geos, ctx);
    std::vector<std::vector<std::size_t>> households_of(result.grids.size());
    for (std::size_t i = 0; i < district.households.size(); ++i) {
        const BlockId b = blocks.household_block[i];
        if (b.valid()) {
            households_of[result.grid_of_block[b.value()].value()].push_back(i);
        }
    }
    for (auto& grid : result.grids) {
        const coverage::Summary s = coverage::summarise(district, cover.households, config, &households_of[grid.id.value()]);
        for (std::size_t k = 0; k < service_count; ++k) {
            grid.service_share[k] = s.share(s.within_radius_by_service[k]);
        }
    }
}

class PlanCommand : public Command {
public:
    std::string name() const override { return "plan"; }

    std::string summary() const override {
        return "Plan balanced, contiguous grids that follow barriers and stay within a walk of their centre";
    }

    std::string synopsis() const override {
        return "gridplan plan CONFIG.json --out DIR [OPTIONS]\n"
               "gridplan plan --osm FILE.osm.pbf [--boundary B] --households-per-grid N --out DIR [OPTIONS]";
    }

    std::string examples() const override {
        return "  gridplan plan data/district/district.json --out out/plan\n"
               "  gridplan plan district.json --out out/p --grids 42 --code-prefix 370705\n"
               "  gridplan plan district.json --out out/p --preset gb50180 --nest-within streets.gpkg\n"
               "  gridplan plan --osm liechtenstein.osm.pbf --households-per-grid 2000 --out out/li";
    }

    void setup(CLI::App& app) override {
        m_district.add_to(app);
        app.add_option("--households-per-grid", m_target, "Target households per grid (default 6000)");
        app.add_option("--tolerance", m_tolerance, "Band around the target, as a share (default 0.15: 5,100-6,900)");
        app.add_option("--grids", m_grids, "Fixed number of grids (default: round(total / target))");
        app.add_option("--walk-min", m_walk_min, "Walk radius in minutes (default 10)");
        app.add_option("--speed-kmh", m_speed, "Walking speed in km/h (default 4.8)");
        app.add_option("--preset", m_preset, "gb50180: 5,000-8,000 households, 10 minutes = 500 m");
        app.add_option("--seed", m_seed_text, "Random seed, 0 to 4294967295 (default 1); same seed, same plan");
        app.add_option("--code-prefix", m_code_prefix, "Administrative prefix of grid codes, e.g. 370705");
        app.add_option("--nest-within", m_nest, "Polygons (street offices) no grid may cross");
    }

    void check() override {
        m_district.check(name());
        if (!m_preset.empty() && m_preset != "gb50180") {
            throw UsageError{"plan: unknown --preset '" + m_preset + "' (known: gb50180)"};
        }
        if (m_seed_text) {
            m_seed = parse_whole_flag(*m_seed_text, "--seed", 0, partition::PartitionConfig::max_seed);
        }
        // Every value given as a flag is checked here, before any data is read.
        partition::PartitionConfig plan =
            m_preset == "gb50180" ? partition::PartitionConfig::gb50180() : partition::PartitionConfig{};
        const std::vector<FlagValue> flags = apply_flags(plan);
        check_flags([&plan] { plan.validate(); }, flags);
    }

    int run(const CommonOptions& common) override {
        using clock = std::chrono::steady_clock;
        const auto t0 = clock::now();
        RunContext ctx = make_run_context(common);
        config::ProjectConfig cfg = m_district.load();
        partition::PartitionConfig plan = m_preset == "gb50180" ? partition::PartitionConfig::gb50180() : cfg.plan;
        plan.tuning = cfg.plan.tuning;  // a preset sets the band and the walk, not the method
        // Households and existing centres join the walking network within its cap
        // (network.snap_cap_m), as in coverage.
        plan.tuning.household_snap_m = cfg.coverage.network.snap_cap_m;
        plan.tuning.centre_snap_m = cfg.coverage.network.snap_cap_m;
        apply_flags(plan);
        plan.validate();
        io::OutputOptions out_options = m_district.output_options(cfg);

        wrap::GeosContext geos;
        io::OutputDir out{m_district.out(), "plan.json"};
        const OutputGuard guard{out};
        const io::District district = io::read_district(cfg.district, geos, ctx);
        std::vector<io::PolygonFeature> nests;
        if (!m_nest.empty()) {
            io::SourceSpec s;
            s.path = m_nest;
            s.config_key = "--nest-within";
            cfg.nest_within = s;
        }
        if (cfg.nest_within) {
            nests = io::read_polygon_layer(*cfg.nest_within, "", district.working_crs, geos, ctx);
            partition::check_nest_within(district, nests, cfg.nest_within->path, geos, ctx);
            out.protect({cfg.nest_within->path});
        }
        std::int64_t total = 0;
        for (const auto& h : district.households) {
            total += h.count;
        }
        if (total <= 0) {
            const std::string where = cfg.district.households ? cfg.district.households->source.path
                                                              : std::string{"(no household layer given)"};
            throw InputError{"no households to plan grids for: give household points or buildings", where};
        }
        const auto t_read = clock::now();
        const blocks::BlocksResult blocks = blocks::build_blocks(district, cfg.blocks, geos, ctx);
        const auto t_blocks = clock::now();
        const network::WalkNetwork net = network::build_network(district, cfg.coverage.network, geos, ctx);
        const auto t_net = clock::now();
        partition::PlanResult result = [&] {
            try {
                return partition::plan_grids(district, blocks, net, nests, plan, geos, ctx);
            } catch (const ConfigError& e) {
                // More grids than blocks shows only now; a flag is still named as a flag.
                if (m_grids && e.key() == "plan.grids") {
                    throw UsageError{"--grids: " + e.reason()};
                }
                throw;
            }
        }();
        const auto t_plan = clock::now();
        add_service_coverage(result, district, blocks, net, cfg.coverage, plan, geos, ctx);
        const auto t_cover = clock::now();
        m_district.finish(out_options, out, district);
        partition::write_plan(result, blocks, district, plan, out, out_options, geos, ctx);
        const auto t_write = clock::now();
        partition::PlanRun run;
        run.stage_seconds = {{"read", secs(t_read - t0)},          {"blocks", secs(t_blocks - t_read)},
                             {"network", secs(t_net - t_blocks)},  {"plan", secs(t_plan - t_net)},
                             {"coverage", secs(t_cover - t_plan)}, {"write", secs(t_write - t_cover)}};
        run.input_files = district.input_files;
        if (cfg.nest_within) {
            run.input_files.push_back(cfg.nest_within->path);
        }
        run.households = blocks.households;
        out.write_manifest(partition::plan_json(result, plan, district, run));
        out.commit(ctx.log);
        const auto t_end = clock::now();
        ctx.log.info("timings: read " + seconds(t_read - t0) + ", blocks " + seconds(t_blocks - t_read) +
                     ", network " + seconds(t_net - t_blocks) + ", plan " + seconds(t_plan - t_net) + ", coverage " +
                     seconds(t_cover - t_plan) + ", write " + seconds(t_end - t_cover));
        const auto& s = result.stats;
        std::size_t conflicts = 0;
        for (const auto& f : result.infeasible) {
            conflicts += f.kind == "beyond_radius" || f.kind == "band_radius_conflict" ? 0 : 1;
        }
        std::cout << "grids: " << result.grids.size() << " for " << s.households << " households (target "
                  << format_fixed(plan.households_per_grid, 0) << ", band " << format_fixed(plan.band_low(), 0) << "-"
                  << format_fixed(plan.band_high(), 0) << "): " << s.grids_in_band << " in the band, smallest "
                  << s.min_households << ", largest " << s.max_households << "; "
                  << (result.grids.size() - s.grids_not_contiguous) << " contiguous\n"
                  << "within " << format_fixed(plan.walk_minutes, 0) << " minutes of the grid's centre: "
                  << format_fixed(100.0 * s.share_within_radius, 1) << "% of households\n"
                  << "grid edges on rivers " << format_fixed(100.0 * s.edge_share_by_class[4], 1) << "%, roads "
                  << format_fixed(100.0 * s.edge_share_by_class[3], 1) << "%, streets "
                  << format_fixed(100.0 * s.edge_share_by_class[2], 1) << "%, alleys "
                  << format_fixed(100.0 * s.edge_share_by_class[1], 1) << "%; mean Polsby-Popper "
                  << format_fixed(s.mean_polsby_popper, 3) << "\n"
                  << "centres: " << s.existing_centres_used << " existing, " << s.proposed_centres << " proposed\n"
                  << "infeasible: " << result.infeasible.size() << " entries in plan.json (" << conflicts
                  << " on blocks or parts, the rest grids with households beyond the radius)\n"
                  << "time: " << seconds(t_end - t0) << " (plan " << seconds(t_plan - t_net) << ")\n";
        if (district.from_osm) {
            std::cout << "data: © OpenStreetMap contributors (ODbL 1.0)\n";
        }
        for (const auto& f : out.files()) {
            std::cout << "wrote " << f.string() << '\n';
        }
        return 0;
    }

private:
    /// Sets the values given as flags on `plan` (check() on the defaults, run() on the
    /// config's); returns them with their config keys, so errors name the flags.
    std::vector<FlagValue> apply_flags(partition::PartitionConfig& plan) const {
        std::vector<FlagValue> flags;
        if (m_target) {
            plan.households_per_grid = *m_target;
            flags.push_back({"plan.households_per_grid", "--households-per-grid", flag_text(*m_target)});
        }
        if (m_tolerance) {
            plan.tolerance = *m_tolerance;
            flags.push_back({"plan.tolerance", "--tolerance", flag_text(*m_tolerance)});
        }
        if (m_grids) {
            plan.grids = *m_grids;
            flags.push_back({"plan.grids", "--grids", std::to_string(*m_grids)});
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

    DistrictOptions m_district;
    std::optional<double> m_target;
    std::optional<double> m_tolerance;
    std::optional<int> m_grids;
    std::optional<double> m_walk_min;
    std::optional<double> m_speed;
    std::string m_preset;
    std::optional<std::string> m_seed_text;
    std::optional<std::uint64_t> m_seed;
    std::optional<std::string> m_code_prefix;
    std::string m_nest;
};

} // namespace

std::unique_ptr<Command> make_plan_command() { return std::make_unique<PlanCommand>(); }

} // namespace gridplan::cli
