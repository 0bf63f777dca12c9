// gridplan plan: the main job. Blocks, walking network, grids.
#include "command.hpp"
#include "run_log.hpp"
#include "district_options.hpp"
#include "plan_options.hpp"
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
#include "gridplan/partition/report.hpp"
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
        m_plan.add_to(app);
        app.add_option("--grids", m_grids, "Fixed number of grids (default: round(total / target))");
    }

    void check() override {
        m_district.check(name());
        m_plan.check(name());
        // Every value given as a flag is checked here, before any data is read.
        partition::PartitionConfig plan = m_plan.defaults();
        const std::vector<FlagValue> flags = apply_flags(plan);
        check_flags([&plan] { plan.validate(); }, flags);
    }

    int run(const CommonOptions& common) override {
        using clock = std::chrono::steady_clock;
        const auto t0 = clock::now();
        RunContext ctx = make_run_context(common);
        config::ProjectConfig cfg = m_district.load();
        partition::PartitionConfig plan = m_plan.base(cfg);
        apply_flags(plan);
        plan.validate();
        io::OutputOptions out_options = m_district.output_options(cfg);

        wrap::GeosContext geos;
        io::OutputDir out{m_district.out(), "plan.json", m_district.database()};
        const OutputGuard guard{out};
        const io::District district = io::read_district(cfg.district, geos, ctx);
        const std::vector<io::PolygonFeature> nests = m_plan.read_nests(cfg, district, out, geos, ctx);
        require_households(cfg, district);
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
        const nlohmann::json manifest = partition::plan_json(result, plan, district, run);
        partition::PlanReportInput report;
        report.title = "Plan";
        report.manifest = &manifest;
        report.warnings = ctx.log.warnings();
        out.write_text("report.html", partition::plan_report_html(result, blocks, district, plan, report, geos));
        out.write_manifest(manifest);
        out.commit(ctx.log);
        run_log().result(out);
        const auto t_end = clock::now();
        ctx.log.info("timings: read " + seconds(t_read - t0) + ", blocks " + seconds(t_blocks - t_read) +
                     ", network " + seconds(t_net - t_blocks) + ", plan " + seconds(t_plan - t_net) + ", coverage " +
                     seconds(t_cover - t_plan) + ", write " + seconds(t_end - t_cover));
        print_plan_summary(std::cout, district, result, plan, "",
                           seconds(t_end - t0) + " (plan " + seconds(t_plan - t_net) + ")");
        if (district.from_osm) {
            std::cout << "data: © OpenStreetMap contributors (ODbL 1.0)\n";
        }
        print_written(std::cout, out);
        return strict_exit_code(result, m_plan.strict(), std::cerr);
    }

private:
    /// Sets the values given as flags on `plan` (check() on the defaults, run() on the
    /// config's); returns them with their config keys, so errors name the flags.
    std::vector<FlagValue> apply_flags(partition::PartitionConfig& plan) const {
        std::vector<FlagValue> flags = m_plan.apply(plan);
        if (m_grids) {
            plan.grids = *m_grids;
            flags.push_back({"plan.grids", "--grids", std::to_string(*m_grids)});
        }
        return flags;
    }

    DistrictOptions m_district;
    PlanOptions m_plan;
    std::optional<int> m_grids;
};

} // namespace

std::unique_ptr<Command> make_plan_command() { return std::make_unique<PlanCommand>(); }

} // namespace gridplan::cli
