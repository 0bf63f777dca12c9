// gridplan replan: re-plan after demolition and redevelopment without reshuffling
// everyone. The previous grids are carried onto today's blocks and keep their ids.
#include "command.hpp"
#include "run_log.hpp"
#include "district_options.hpp"
#include "interrupt.hpp"
#include "plan_options.hpp"
#include "terminal.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/network/network.hpp"
#include "gridplan/partition/changes.hpp"
#include "gridplan/partition/output.hpp"
#include "gridplan/partition/report.hpp"
#include "gridplan/partition/replan.hpp"

#include <chrono>
#include <iostream>
#include <optional>

namespace gridplan::cli {

namespace {

class ReplanCommand : public Command {
public:
    std::string name() const override { return "replan"; }

    std::string summary() const override {
        return "Re-plan grids after demolition and redevelopment, keeping the previous grids and their ids";
    }

    std::string synopsis() const override {
        return "gridplan replan CONFIG.json --previous PREV_GRIDS --out DIR [OPTIONS]\n"
               "gridplan replan --osm FILE.osm.pbf [--boundary B] --previous PREV_GRIDS --out DIR [OPTIONS]";
    }

    std::string examples() const override {
        return "  gridplan replan data/district/district.json --previous out/plan/grids.geojson --out out/replan\n"
               "  gridplan replan district.json --previous old/grids.geojson --previous-households old/households.geojson "
               "--out out/r\n"
               "  gridplan replan district.json --previous drawn.gpkg --previous-id GRID_NO --stability 0.9 --lock 3,7 "
               "--out out/r";
    }

    void setup(CLI::App& app) override {
        m_district.add_to(app);
        app.add_option("--previous", m_previous,
                       "The previous grids: any polygon layer GDAL reads with an id field (a gridplan grids layer, "
                       "or boundaries drawn by hand); PATH|LAYER names a layer, e.g. a table: \"PG:dbname=gis|plans.grids\"")
            ->required();
        app.add_option("--previous-id", m_previous_id, "Field holding the previous grid ids (default grid_id)");
        app.add_option("--previous-households", m_previous_households,
                       "The previous plan's household points or buildings, read with the rules of today's household "
                       "layer (default: today's households all count as present before); PATH|LAYER names a layer");
        app.add_option("--stability", m_stability,
                       "0 to 1: households moved against plan quality (default 0.8; 1 moves nobody it need not)");
        app.add_option("--lock", m_lock, "Grid ids kept exactly as they are, comma-separated")->delimiter(',');
        m_plan.add_to(app);
    }

    void check() override {
        m_district.check(name());
        m_plan.check(name());
        if (m_previous.empty()) {
            throw UsageError{"--previous: an empty path; give the previous grid layer"};
        }
        if (m_previous_id.empty()) {
            throw UsageError{"--previous-id: an empty field name"};
        }
        if (!m_previous_households.empty() && !m_district.from_config() && !m_district.households_given()) {
            throw UsageError{"replan: --previous-households with --osm needs --households (the household layer "
                             "whose rules read both)"};
        }
        // Every value given as a flag is checked here, before any data is read.
        partition::PartitionConfig plan = m_plan.defaults();
        const std::vector<FlagValue> flags = m_plan.apply(plan);
        check_flags([&plan] { plan.validate(); }, flags);
        m_options.locked.clear();
        for (const auto& id : m_lock) {
            m_options.locked.push_back(static_cast<std::uint32_t>(parse_whole_flag(id, "--lock", 1, 4294967295ULL)));
        }
        if (m_stability) {
            m_options.stability = *m_stability;
        }
        check_flags([this] { m_options.validate(); },
                    {{"replan.stability", "--stability", m_stability ? flag_text(*m_stability) : ""},
                     {"replan.lock", "--lock", ""}});
    }

    int run(const CommonOptions& common) override {
        using clock = std::chrono::steady_clock;
        const auto t0 = clock::now();
        RunContext ctx = make_run_context(common);
        config::ProjectConfig cfg = m_district.load();
        partition::PartitionConfig plan = m_plan.base(cfg);
        m_plan.apply(plan);
        plan.validate();
        io::OutputOptions out_options = m_district.output_options(cfg);
        std::optional<io::HouseholdSpec> previous_spec;
        if (!m_previous_households.empty()) {
            if (!cfg.district.households) {
                throw UsageError{"--previous-households: the district names no household layer whose rules read it"};
            }
            previous_spec = *cfg.district.households;
            previous_spec->source = layer_from_flag(m_previous_households, "--previous-households");
        }

        wrap::GeosContext geos;
        io::OutputDir out{m_district.out(), "plan.json", m_district.database()};
        const OutputGuard guard{out};
        const io::District district = io::read_district(cfg.district, geos, ctx);
        const std::vector<io::PolygonFeature> nests = m_plan.read_nests(cfg, district, out, geos, ctx);
        require_households(cfg, district);
        const io::SourceSpec previous_source = layer_from_flag(m_previous, "--previous");
        const partition::PreviousPlan previous =
            partition::read_previous_plan(previous_source, m_previous_id, district.working_crs, geos, ctx);
        check_flags([&] { m_options.check_locked(previous); }, {{"replan.lock", "--lock", ""}});
        std::optional<io::HouseholdLayer> previous_households;
        if (previous_spec) {
            previous_households = io::read_households(*previous_spec, district, geos, ctx);
            out.protect(previous_households->input_files);
        } else {
            ctx.log.warning("no --previous-households: every household of today counts as present before "
                            "(households_new and households_removed are 0)");
        }
        out.protect({m_previous});
        const auto t_read = clock::now();
        const blocks::BlocksResult blocks = blocks::build_blocks(district, cfg.blocks, geos, ctx);
        const auto t_blocks = clock::now();
        const network::WalkNetwork net = network::build_network(district, cfg.coverage.network, geos, ctx);
        const auto t_net = clock::now();
        const partition::CarriedPlan carried = partition::carry_previous(previous, blocks, district, geos, ctx);
        const auto t_carry = clock::now();
        const io::HouseholdLayer* before = previous_households ? &*previous_households : nullptr;
        const std::vector<std::int64_t> persisting = partition::persisting_households(district, blocks, before, geos);
        partition::PlanResult result = partition::replan_grids(district, blocks, net, nests, plan, previous, carried,
                                                               persisting, m_options, geos, ctx);
        const auto t_plan = clock::now();
        add_service_coverage(result, district, blocks, net, cfg.coverage, plan, geos, ctx);
        const auto t_cover = clock::now();
        const partition::Changes changes = partition::compute_changes(
            previous, carried, result, blocks, district, before, geos);
        const auto t_changes = clock::now();
        m_district.finish(out_options, out, district);
        partition::write_plan(result, blocks, district, plan, out, out_options, geos, ctx);
        partition::write_changes(changes, blocks, district, out, out_options, geos);
        const auto t_write = clock::now();
        partition::PlanRun run;
        run.stage_seconds = {{"read", secs(t_read - t0)},          {"blocks", secs(t_blocks - t_read)},
                             {"network", secs(t_net - t_blocks)},  {"carry", secs(t_carry - t_net)},
                             {"plan", secs(t_plan - t_carry)},     {"coverage", secs(t_cover - t_plan)},
                             {"changes", secs(t_changes - t_cover)}, {"write", secs(t_write - t_changes)}};
        run.input_files = district.input_files;
        if (cfg.nest_within) {
            run.input_files.push_back(cfg.nest_within->path);
        }
        run.input_files.push_back(m_previous);
        if (previous_households) {
            for (const auto& f : previous_households->input_files) {
                run.input_files.push_back(f);
            }
        }
        run.households = blocks.households;
        nlohmann::json manifest = partition::plan_json(result, plan, district, run);
        partition::ReplanRun replan_run{m_previous, m_previous_id, m_previous_households, m_options};
        manifest["replan"] = partition::replan_json(replan_run, previous, carried, result, changes);
        manifest["details"]["uncovered_blocks"] = manifest["replan"]["uncovered_blocks"];
        partition::PlanReportInput report;
        report.title = "Re-plan";
        report.manifest = &manifest;
        report.warnings = ctx.log.warnings();
        report.changed_blocks.resize(blocks.blocks.size());
        for (std::size_t b = 0; b < blocks.blocks.size(); ++b) {
            report.changed_blocks[b] = changes.from_grid[b] != changes.to_grid[b];
        }
        report.figures.push_back({"households keeping their grid",
                                  format_fixed(100.0 * changes.share_kept, 1) + "% (" +
                                      std::to_string(changes.households_moved) + " moved)"});
        out.write_text("report.html", partition::plan_report_html(result, blocks, district, plan, report, geos));
        out.write_manifest(manifest);
        out.commit(ctx.log);
        run_log().result(out);
        const auto t_end = clock::now();
        ctx.log.info("timings: read " + seconds(t_read - t0) + ", blocks " + seconds(t_blocks - t_read) +
                     ", network " + seconds(t_net - t_blocks) + ", carry " + seconds(t_carry - t_net) + ", plan " +
                     seconds(t_plan - t_carry) + ", coverage " + seconds(t_cover - t_plan) + ", changes " +
                     seconds(t_changes - t_cover) + ", write " + seconds(t_end - t_changes));
        print_plan_summary(std::cout, district, result, plan, kept_line(changes, carried),
                           seconds(t_end - t0) + " (plan " + seconds(t_plan - t_carry) + ")");
        if (district.from_osm) {
            std::cout << "data: © OpenStreetMap contributors (ODbL 1.0)\n";
        }
        print_written(std::cout, out);
        return strict_exit_code(result, m_plan.strict(), std::cerr);
    }

private:
    static std::string kept_line(const partition::Changes& c, const partition::CarriedPlan& carried) {
        std::size_t kept = 0;
        std::size_t changed = 0;
        std::size_t added = 0;
        std::size_t retired = 0;
        for (const auto& g : c.grids) {
            kept += g.status == "kept" ? 1 : 0;
            changed += g.status == "changed" ? 1 : 0;
            added += g.status == "new" ? 1 : 0;
            retired += g.status == "retired" ? 1 : 0;
        }
        return "kept in their grid: " + format_fixed(100.0 * c.share_kept, 1) + "% of households (" +
               std::to_string(c.households_moved) + " moved, " + std::to_string(c.households_new) + " new, " +
               std::to_string(c.households_removed) + " removed); grids: " + std::to_string(kept) + " kept, " +
               std::to_string(changed) + " changed, " + std::to_string(added) + " new, " + std::to_string(retired) +
               " retired; " + std::to_string(carried.uncovered.size()) + " blocks outside every previous grid\n";
    }

    DistrictOptions m_district;
    PlanOptions m_plan;
    std::string m_previous;
    std::string m_previous_id = "grid_id";
    std::string m_previous_households;
    std::optional<double> m_stability;
    std::vector<std::string> m_lock;
    partition::ReplanOptions m_options;
};

} // namespace

std::unique_ptr<Command> make_replan_command() { return std::make_unique<ReplanCommand>(); }

} // namespace gridplan::cli
