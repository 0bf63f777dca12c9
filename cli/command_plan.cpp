// gridplan plan: the main job. Blocks, walking network, grids.
#include "command.hpp"
#include "district_options.hpp"
#include "terminal.hpp"

#include "gridplan/blocks/blocks.hpp"
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
        app.add_option("--seed", m_seed, "Random seed (default 1); same seed, same plan");
        app.add_option("--code-prefix", m_code_prefix, "Administrative prefix of grid codes, e.g. 370705");
        app.add_option("--nest-within", m_nest, "Polygons (street offices) no grid may cross");
    }

    void check() override {
        m_district.check(name());
        if (!m_preset.empty() && m_preset != "gb50180") {
            throw UsageError{"plan: unknown --preset '" + m_preset + "' (known: gb50180)"};
        }
    }

    int run(const CommonOptions& common) override {
        using clock = std::chrono::steady_clock;
        const auto t0 = clock::now();
        RunContext ctx = make_run_context(common);
        config::ProjectConfig cfg = m_district.load();
        partition::PartitionConfig plan = m_preset == "gb50180" ? partition::PartitionConfig::gb50180() : cfg.plan;
        if (m_target) {
            plan.households_per_grid = *m_target;
        }
        if (m_tolerance) {
            plan.tolerance = *m_tolerance;
        }
        if (m_grids) {
            plan.grids = *m_grids;
        }
        if (m_walk_min || m_speed) {
            plan.set_walk(m_walk_min.value_or(plan.walk_minutes), m_speed.value_or(plan.speed_kmh));
        }
        if (m_seed) {
            plan.seed = *m_seed;
        }
        if (m_code_prefix) {
            plan.code_prefix = *m_code_prefix;
        }
        plan.validate();
        io::OutputOptions out_options = m_district.output_options(cfg);

        wrap::GeosContext geos;
        io::OutputDir out{m_district.out()};
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
            out.protect({cfg.nest_within->path});
        }
        const auto t_read = clock::now();
        const blocks::BlocksResult blocks = blocks::build_blocks(district, cfg.blocks, geos, ctx);
        const auto t_blocks = clock::now();
        const network::WalkNetwork net = network::build_network(district, cfg.coverage.network, geos, ctx);
        const auto t_net = clock::now();
        const partition::PlanResult result = partition::plan_grids(district, blocks, net, nests, plan, geos, ctx);
        const auto t_plan = clock::now();
        m_district.finish(out_options, out, district);
        partition::write_plan(result, blocks, district, plan, out, out_options, geos, ctx);
        out.commit();
        const auto t_write = clock::now();
        ctx.log.info("timings: read " + seconds(t_read - t0) + ", blocks " + seconds(t_blocks - t_read) +
                     ", network " + seconds(t_net - t_blocks) + ", plan " + seconds(t_plan - t_net) + ", write " +
                     seconds(t_write - t_plan));
        const auto& s = result.stats;
        std::cout << "grids: " << result.grids.size() << " for " << s.households << " households (target "
                  << format_fixed(plan.households_per_grid, 0) << ", band " << format_fixed(plan.band_low(), 0) << "-"
                  << format_fixed(plan.band_high(), 0) << "): " << s.grids_in_band << " in the band, smallest "
                  << s.min_households << ", largest " << s.max_households << "\n"
                  << "within " << format_fixed(plan.walk_minutes, 0) << " minutes of the grid's centre: "
                  << format_fixed(100.0 * s.share_within_radius, 1) << "% of households\n"
                  << "grid edges on rivers " << format_fixed(100.0 * s.edge_share_by_class[4], 1) << "%, roads "
                  << format_fixed(100.0 * s.edge_share_by_class[3], 1) << "%, streets "
                  << format_fixed(100.0 * s.edge_share_by_class[2], 1) << "%, alleys "
                  << format_fixed(100.0 * s.edge_share_by_class[1], 1) << "%; mean Polsby-Popper "
                  << format_fixed(s.mean_polsby_popper, 3) << "\n"
                  << "centres: " << s.existing_centres_used << " existing, " << s.proposed_centres << " proposed\n";
        if (district.from_osm) {
            std::cout << "data: © OpenStreetMap contributors (ODbL 1.0)\n";
        }
        for (const auto& f : out.files()) {
            std::cout << "wrote " << f.string() << '\n';
        }
        return 0;
    }

private:
    DistrictOptions m_district;
    std::optional<double> m_target;
    std::optional<double> m_tolerance;
    std::optional<int> m_grids;
    std::optional<double> m_walk_min;
    std::optional<double> m_speed;
    std::string m_preset;
    std::optional<std::uint64_t> m_seed;
    std::optional<std::string> m_code_prefix;
    std::string m_nest;
};

} // namespace

std::unique_ptr<Command> make_plan_command() { return std::make_unique<PlanCommand>(); }

} // namespace gridplan::cli
