// gridplan validate: any grid layer (a plan's, or drawn by hand in QGIS) checked against
// the hard rules and measured as plan measures its own grids.
#include "command.hpp"
#include "run_log.hpp"
#include "interrupt.hpp"
#include "plan_options.hpp"
#include "terminal.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/network/network.hpp"
#include "gridplan/partition/output.hpp"
#include "gridplan/partition/partition.hpp"
#include "gridplan/partition/report.hpp"
#include "gridplan/partition/replan.hpp"

#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <set>

namespace gridplan::cli {

namespace {

/// A hard rule the layer breaks, as printed: "grid 3: in 2 pieces".
struct Broken {
    std::string rule;
    std::string what;
};

class ValidateCommand : public Command {
public:
    std::string name() const override { return "validate"; }

    std::string summary() const override {
        return "Check a grid layer (a plan's, or drawn by hand) against the hard rules and measure it as plan does";
    }

    std::string synopsis() const override {
        return "gridplan validate GRIDS [--config CONFIG.json [--out DIR] [PLAN OPTIONS]] [--id-field F]";
    }

    std::string examples() const override {
        return "  gridplan validate edited.gpkg\n"
               "  gridplan validate out/plan/grids.geojson --config data/district/district.json\n"
               "  gridplan validate edited.geojson --config data/district/district.json --out out/checked\n"
               "  gridplan validate edited.gpkg --config district.json --id-field grid_id --households-per-grid 5000";
    }

    void setup(CLI::App& app) override {
        app.add_option("grids", m_grids, "The grid layer: polygons with a whole-number id field")->required();
        app.add_option("--config", m_config,
                       "The district config the grids divide; without it only the layer's own geometry is checked "
                       "(overlaps, grids in pieces, holes between grids)");
        app.add_option("--id-field", m_id_field, "The grids' id field (default grid_id)");
        app.add_option("--out", m_out,
                       "Also write the grids as measured, plan.json and report.html here, as plan writes them");
        app.add_option("--format", m_format, "With --out: output format: geojson (default), gpkg, shp or a GDAL driver");
        m_plan.add_to(app);
    }

    void check() override {
        m_plan.check(name());
        if (m_config.empty() && !m_out.empty()) {
            throw UsageError{"--out needs --config: the figures are measured on the district"};
        }
        if (!m_format.empty()) {
            if (m_out.empty()) {
                throw UsageError{"--format needs --out"};
            }
            (void)io::OutputFormat::from_name(m_format);
        }
        partition::PartitionConfig plan = m_plan.defaults();
        check_flags([&plan] { plan.validate(); }, m_plan.apply(plan));
    }

    int run(const CommonOptions& common) override {
        const auto t0 = std::chrono::steady_clock::now();
        RunContext ctx = make_run_context(common);
        if (m_config.empty()) {
            return check_geometry_only(ctx, t0);
        }
        config::ProjectConfig cfg = config::load_project_config(m_config);
        partition::PartitionConfig plan = m_plan.base(cfg);
        m_plan.apply(plan);
        plan.validate();
        wrap::GeosContext geos;
        std::optional<io::OutputDir> out;
        std::optional<OutputGuard> guard;
        if (!m_out.empty()) {
            out.emplace(m_out, "plan.json");
            guard.emplace(*out);
        }
        io::District district = io::read_district(cfg.district, geos, ctx);
        io::reject_households_outside(district, geos, ctx);
        require_households(cfg, district);
        io::SourceSpec source;
        source.path = m_grids;
        source.config_key = "grids";
        const partition::PreviousPlan grids =
            partition::read_previous_plan(source, m_id_field, district.working_crs, geos, ctx);
        const blocks::BlocksResult blocks = blocks::build_blocks(district, cfg.blocks, geos, ctx);
        const network::WalkNetwork net = network::build_network(district, cfg.coverage.network, geos, ctx);
        const partition::CarriedPlan carried = partition::carry_previous(grids, blocks, district, geos, ctx);

        std::vector<Broken> broken;
        check_overlaps(grids, geos, broken);
        // Gaps: blocks no grid covers. They join a neighbouring grid for the measures.
        std::vector<std::uint32_t> grid_of_block = carried.grid_of_block;
        if (!carried.uncovered.empty()) {
            std::vector<std::string> ids;
            for (const auto b : carried.uncovered) {
                ids.push_back(std::to_string(b.value() + 1));
            }
            broken.push_back({"gap", std::to_string(carried.uncovered.size()) + " blocks in no grid (" +
                                         format_fixed(carried.uncovered_area_m2 / 1e4, 2) + " ha; block_id " +
                                         join_limited(ids, 10) + ")"});
            fill_gaps(blocks, grid_of_block);
        }
        // Dense grid numbers for the measures; a grid that holds no block is broken.
        std::vector<std::uint32_t> dense(grids.grids.size(), network::no_index);
        std::vector<std::uint32_t> previous_of_grid;
        for (auto& g : grid_of_block) {
            if (dense[g] == network::no_index) {
                dense[g] = static_cast<std::uint32_t>(previous_of_grid.size());
                previous_of_grid.push_back(g);
            }
            g = dense[g];
        }
        for (std::size_t k = 0; k < grids.grids.size(); ++k) {
            if (dense[k] == network::no_index) {
                broken.push_back({"empty", "grid " + std::to_string(grids.grids[k].grid_id) +
                                               " holds no block (it covers no block's households or most of its area)"});
            }
        }
        std::vector<std::uint32_t> result_grid_of;
        partition::PlanResult result =
            partition::evaluate_assignment(district, blocks, net, grid_of_block, plan, geos, ctx, &result_grid_of);
        std::vector<std::uint32_t> layer_grid_of(result.grids.size(), network::no_index);
        for (std::size_t k = 0; k < result_grid_of.size(); ++k) {
            if (result_grid_of[k] != network::no_index) {
                layer_grid_of[result_grid_of[k]] = previous_of_grid[k];
            } else {
                broken.push_back({"empty", "grid " + std::to_string(grids.grids[previous_of_grid[k]].grid_id) +
                                               " holds only water or land no walk reaches, which go with a "
                                               "neighbouring grid's blocks"});
            }
        }
        partition::persist_grid_ids(result, layer_grid_of, grids);
        for (const auto& g : result.grids) {
            if (!g.contiguous) {
                broken.push_back({"not_contiguous", "grid " + std::to_string(g.written_id()) +
                                                        " is in more than one piece on foot (blocks that share no "
                                                        "walkable edge with the rest of it)"});
            }
        }
        check_units(district, blocks, result, geos, broken);
        add_service_coverage(result, district, blocks, net, cfg.coverage, plan, geos, ctx);

        const nlohmann::json rules = rules_json(broken);
        run_log().write("validate", {{"grids", m_grids}, {"hard_rules_hold", broken.empty()}, {"broken", rules}});
        if (out) {
            write_outputs(*out, cfg, district, blocks, result, plan, rules, geos, ctx);
        }
        print_plan_summary(std::cout, district, result, plan, "",
                           seconds(std::chrono::steady_clock::now() - t0));
        if (out) {
            for (const auto& f : out->files()) {
                std::cout << "wrote " << f.string() << '\n';
            }
        }
        return report_broken(broken);
    }

private:
    /// Without a district: the layer read in the UTM zone of its centre, then the rules its
    /// geometry alone shows (overlaps, a grid in pieces that do not touch, holes enclosed
    /// by the grids). Prints the grids and the rules; 1 when one is broken.
    int check_geometry_only(RunContext& ctx, std::chrono::steady_clock::time_point t0) const {
        wrap::GeosContext geos;
        io::SourceSpec source;
        source.path = m_grids;
        source.config_key = "grids";
        double lon = 0.0;
        double lat = 0.0;
        {
            const partition::PreviousPlan wgs84 =
                partition::read_previous_plan(source, m_id_field, crs::Crs::wgs84(), geos, ctx);
            std::vector<const GEOSGeometry*> parts;
            for (const auto& g : wgs84.grids) {
                parts.push_back(g.geom.get());
            }
            wrap::GeomPtr all = geos.union_of(parts, "grids");
            double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            geos.bounds(all.get(), x0, y0, x1, y1);
            lon = (x0 + x1) / 2.0;
            lat = (y0 + y1) / 2.0;
        }
        RunContext again;  // no log: the layer's warnings were given on the first read
        const partition::PreviousPlan grids =
            partition::read_previous_plan(source, m_id_field, crs::Crs::utm_for(lon, lat), geos, again);
        std::vector<Broken> broken;
        check_overlaps(grids, geos, broken);
        std::vector<const GEOSGeometry*> parts;
        double area = 0.0;
        for (const auto& g : grids.grids) {
            parts.push_back(g.geom.get());
            area += geos.area(g.geom.get());
            wrap::GeomPtr merged = geos.union_of({g.geom.get()}, "grid");
            const int pieces = geos.num_geometries(merged.get());
            if (geos.type_id(merged.get()) == GEOS_MULTIPOLYGON && pieces > 1) {
                broken.push_back({"not_contiguous", "grid " + std::to_string(g.grid_id) + " is in " +
                                                        std::to_string(pieces) + " pieces that do not touch"});
            }
        }
        wrap::GeomPtr all = geos.union_of(parts, "grids");
        std::size_t holes = 0;
        double hole_area = 0.0;
        for (int i = 0; i < geos.num_geometries(all.get()); ++i) {
            const GEOSGeometry* poly = GEOSGetGeometryN_r(geos.handle(), all.get(), i);
            for (int k = 0; k < GEOSGetNumInteriorRings_r(geos.handle(), poly); ++k) {
                wrap::GeomPtr ring = geos.clone(GEOSGetInteriorRingN_r(geos.handle(), poly, k));
                wrap::GeomPtr hole = geos.own(GEOSGeom_createPolygon_r(geos.handle(), ring.release(), nullptr, 0), "hole");
                const double a = geos.area(hole.get());
                if (a > partition::previous_overlap_tolerance_m2) {
                    ++holes;
                    hole_area += a;
                }
            }
        }
        if (holes > 0) {
            broken.push_back({"gap", std::to_string(holes) + " holes between the grids (" +
                                         format_fixed(hole_area / 1e4, 2) + " ha) that no grid covers"});
        }
        const nlohmann::json rules = rules_json(broken);
        run_log().write("validate", {{"grids", m_grids}, {"hard_rules_hold", broken.empty()}, {"broken", rules}});
        std::cout << "grids: " << grids.grids.size() << " covering " << format_fixed(area / 1e6, 3)
                  << " km2 (measured in " << crs::Crs::utm_for(lon, lat).label() << ")\n"
                  << "without --config only the layer's geometry is checked: households, the band, the walk "
                     "and the district's edge need the district\n"
                  << "time: " << seconds(std::chrono::steady_clock::now() - t0) << "\n";
        return report_broken(broken);
    }

    static nlohmann::json rules_json(const std::vector<Broken>& broken) {
        nlohmann::json rules = nlohmann::json::array();
        for (const auto& b : broken) {
            rules.push_back({{"rule", b.rule}, {"what", b.what}});
        }
        return rules;
    }

    /// Prints the rules broken (or that all hold); the exit code.
    static int report_broken(const std::vector<Broken>& broken) {
        if (broken.empty()) {
            std::cout << "hard rules: all hold\n";
            return 0;
        }
        std::cout << "hard rules broken: " << broken.size() << "\n";
        for (const auto& b : broken) {
            std::cout << "  " << b.rule << ": " << b.what << "\n";
        }
        return 1;
    }

    /// The grids as measured, plan.json (with "validate": the rules broken) and
    /// report.html, as plan writes them; the grid layer read is never overwritten.
    void write_outputs(io::OutputDir& out, const config::ProjectConfig& cfg, const io::District& district,
                       const blocks::BlocksResult& blocks, const partition::PlanResult& result,
                       const partition::PartitionConfig& plan, const nlohmann::json& rules,
                       const wrap::GeosContext& geos, RunContext& ctx) const {
        io::OutputOptions options;
        options.format = io::OutputFormat::from_name(m_format.empty() ? cfg.output.format : m_format);
        options.coordinate_precision = cfg.output.precision;
        options.crs = cfg.output.crs.empty() ? district.input_crs : crs::Crs::from_user_input(cfg.output.crs);
        out.protect(district.input_files);
        out.protect({m_config, m_grids});
        partition::write_plan(result, blocks, district, plan, out, options, geos, ctx);
        partition::PlanRun run;
        run.input_files = district.input_files;
        run.input_files.push_back(m_grids);
        run.households = blocks.households;
        nlohmann::json manifest = partition::plan_json(result, plan, district, run);
        manifest["validate"] = {{"grids", m_grids}, {"hard_rules_hold", rules.empty()}, {"broken", rules}};
        partition::PlanReportInput report;
        report.title = "Validation";
        report.manifest = &manifest;
        report.warnings = ctx.log.warnings();
        report.validated = true;
        for (const auto& b : rules) {
            report.broken.push_back(b["rule"].get<std::string>() + ": " + b["what"].get<std::string>());
        }
        out.write_text("report.html", partition::plan_report_html(result, blocks, district, plan, report, geos));
        out.write_manifest(manifest);
        out.commit(ctx.log);
        run_log().result(out);
    }

    /// Pairs of grids overlapping by more than partition::previous_overlap_tolerance_m2.
    static void check_overlaps(const partition::PreviousPlan& grids, const wrap::GeosContext& geos,
                               std::vector<Broken>& broken) {
        std::vector<std::array<double, 4>> box(grids.grids.size());
        for (std::size_t i = 0; i < grids.grids.size(); ++i) {
            geos.bounds(grids.grids[i].geom.get(), box[i][0], box[i][1], box[i][2], box[i][3]);
        }
        for (std::size_t i = 0; i < grids.grids.size(); ++i) {
            for (std::size_t j = i + 1; j < grids.grids.size(); ++j) {
                if (box[i][2] < box[j][0] || box[j][2] < box[i][0] || box[i][3] < box[j][1] || box[j][3] < box[i][1]) {
                    continue;
                }
                wrap::GeomPtr x = geos.own(
                    GEOSIntersection_r(geos.handle(), grids.grids[i].geom.get(), grids.grids[j].geom.get()), "overlap");
                const double area = geos.area(x.get());
                if (area > partition::previous_overlap_tolerance_m2) {
                    broken.push_back({"overlap", "grids " + std::to_string(grids.grids[i].grid_id) + " and " +
                                                     std::to_string(grids.grids[j].grid_id) + " overlap by " +
                                                     format_fixed(area, 0) + " m2"});
                }
            }
        }
    }

    /// Blocks in no grid join the neighbouring grid they share the longest edge with, in
    /// rounds; blocks with no such neighbour the first grid.
    static void fill_gaps(const blocks::BlocksResult& blocks, std::vector<std::uint32_t>& grid_of_block) {
        for (bool progress = true; progress;) {
            progress = false;
            std::vector<std::uint32_t> next = grid_of_block;
            std::map<std::uint32_t, std::map<std::uint32_t, double>> shared;
            for (const auto& a : blocks.adjacency) {
                const auto ga = grid_of_block[a.a.value()];
                const auto gb = grid_of_block[a.b.value()];
                if (ga == network::no_index && gb != network::no_index) {
                    shared[a.a.value()][gb] += a.shared_length_m;
                } else if (gb == network::no_index && ga != network::no_index) {
                    shared[a.b.value()][ga] += a.shared_length_m;
                }
            }
            for (const auto& [b, by_grid] : shared) {
                auto best = by_grid.begin();
                for (auto it = by_grid.begin(); it != by_grid.end(); ++it) {
                    if (it->second > best->second) {
                        best = it;
                    }
                }
                next[b] = best->first;
                progress = true;
            }
            grid_of_block = std::move(next);
        }
        for (auto& g : grid_of_block) {
            if (g == network::no_index) {
                g = 0;
            }
        }
    }

    /// Keep-together units (unit_areas) whose blocks lie in more than one grid.
    static void check_units(const io::District& district, const blocks::BlocksResult& blocks,
                            const partition::PlanResult& result, const wrap::GeosContext& geos,
                            std::vector<Broken>& broken) {
        for (const auto& unit : district.unit_areas) {
            double ux0 = 0, uy0 = 0, ux1 = 0, uy1 = 0;
            if (!geos.bounds(unit.geom.get(), ux0, uy0, ux1, uy1)) {
                continue;
            }
            std::set<std::uint32_t> in;
            for (const auto& b : blocks.blocks) {
                double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
                geos.bounds(b.geom.get(), x0, y0, x1, y1);
                if (x1 < ux0 || ux1 < x0 || y1 < uy0 || uy1 < y0) {
                    continue;
                }
                wrap::GeomPtr x = geos.own(GEOSIntersection_r(geos.handle(), unit.geom.get(), b.geom.get()), "unit");
                if (geos.area(x.get()) > 1.0) {
                    in.insert(result.grids[result.grid_of_block[b.id.value()].value()].written_id());
                }
            }
            if (in.size() > 1) {
                std::vector<std::string> ids;
                for (const auto g : in) {
                    ids.push_back(std::to_string(g));
                }
                broken.push_back({"unit_split", "keep-together unit " + unit.id + " lies in grids " + join_limited(ids, 10)});
            }
        }
    }

    std::string m_grids;
    std::string m_config;
    std::string m_id_field = "grid_id";
    std::string m_out;
    std::string m_format;
    PlanOptions m_plan;
};

} // namespace

std::unique_ptr<Command> make_validate_command() { return std::make_unique<ValidateCommand>(); }

} // namespace gridplan::cli
