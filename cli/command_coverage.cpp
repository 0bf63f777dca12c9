// gridplan coverage: who reaches a community service centre, and each service, on foot.
#include "command.hpp"
#include "run_log.hpp"
#include "district_options.hpp"
#include "interrupt.hpp"
#include "terminal.hpp"

#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/coverage/coverage.hpp"
#include "gridplan/coverage/output.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/network/network.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace gridplan::cli {

namespace {

class CoverageCommand : public Command {
public:
    std::string name() const override { return "coverage"; }

    std::string summary() const override {
        return "Who can walk to a community service centre, and to each of the eight services, within the radius";
    }

    std::string synopsis() const override {
        return "gridplan coverage CONFIG.json --out DIR [--grids GRIDS.geojson | --plan PLAN_DIR] [--suggest N | --target SHARE]\n"
               "gridplan coverage --osm FILE.osm.pbf [--boundary B] --out DIR [OPTIONS]";
    }

    std::string examples() const override {
        return "  gridplan coverage data/district/district.json --out out/coverage\n"
               "  gridplan coverage district.json --out out/c --suggest 6\n"
               "  gridplan coverage district.json --out out/c --target 1\n"
               "  gridplan coverage district.json --out out/c --preset gb50180 --grids out/plan/grids.geojson\n"
               "  gridplan coverage district.json --out out/audit --plan out/plan\n"
               "  gridplan coverage --osm liechtenstein.osm.pbf --out out/li";
    }

    void setup(CLI::App& app) override {
        m_district.add_to(app);
        app.add_option("--centres", m_centres, "Community service centres layer (overrides the config's)");
        app.add_option("--grids", m_grids, "Grid polygons to report coverage for (field grid_id, else the feature id)");
        app.add_option("--plan", m_plan,
                       "A plan's folder: its centres (existing and proposed) and grids, at its walk radius "
                       "(the plan's own coverage, as its plan.json reports it)");
        app.add_option("--suggest", m_suggest, "Propose N new centre sites covering the most uncovered households");
        app.add_option("--target", m_target,
                       "Propose sites until this share of households is covered (1: everyone reachable)");
        app.add_option("--candidates", m_candidates,
                       "Candidate sites layer for --suggest/--target (default: walkable network nodes)");
        app.add_option("--preset", m_preset, "gb50180: 10 minutes = 500 m, 5- and 15-minute services");
        app.add_option("--radius-min", m_radius, "Walk radius in minutes (default 10)");
        app.add_option("--speed-kmh", m_speed, "Walking speed in km/h (default 4.8)");
    }

    void check() override {
        m_district.check(name());
        if (m_suggest && m_target) {
            throw UsageError{"coverage: give either --suggest N or --target SHARE, not both"};
        }
        if (!m_preset.empty() && m_preset != "gb50180") {
            throw UsageError{"coverage: unknown --preset '" + m_preset + "' (known: gb50180)"};
        }
        if (!m_plan.empty() && (!m_centres.empty() || !m_grids.empty())) {
            throw UsageError{"coverage: --plan DIR takes the centres and grids of the plan in DIR; give --centres or "
                             "--grids without it"};
        }
        if (!m_candidates.empty() && !m_suggest && !m_target) {
            throw UsageError{"coverage: --candidates goes with --suggest or --target"};
        }
        // Every value given as a flag is checked here, before any data is read.
        coverage::CoverageConfig cov =
            m_preset == "gb50180" ? coverage::CoverageConfig::gb50180() : coverage::CoverageConfig{};
        check_flags([&cov] { cov.validate(); }, apply_flags(cov));
        coverage::SuggestConfig suggest;
        suggest.sites = m_suggest.value_or(0);
        suggest.target_share = m_target.value_or(0.0);
        check_flags([&suggest] { suggest.validate(); },
                    {{"--suggest", "--suggest", m_suggest ? std::to_string(*m_suggest) : ""},
                     {"--target", "--target", m_target ? flag_text(*m_target) : ""}});
    }

    int run(const CommonOptions& common) override {
        using clock = std::chrono::steady_clock;
        const auto t0 = clock::now();
        RunContext ctx = make_run_context(common);

        config::ProjectConfig cfg = m_district.load();
        if (!m_centres.empty()) {
            io::FeatureLayerSpec c;
            c.source.path = m_centres;
            c.source.config_key = "--centres";
            cfg.district.centres = c;
        }
        // A preset sets defaults: the config's own values, a plan's walk radius and then
        // the flags override it.
        coverage::CoverageConfig cov = m_preset == "gb50180" ? config::coverage_with_gb50180(cfg) : cfg.coverage;
        std::string grids_path = m_grids;
        if (!m_plan.empty()) {
            use_plan(cfg, cov);
            grids_path = (std::filesystem::path{m_plan} / "grids.geojson").string();
        }
        apply_flags(cov);
        cov.validate();
        coverage::SuggestConfig suggest;
        suggest.sites = m_suggest.value_or(0);
        suggest.target_share = m_target.value_or(0.0);
        suggest.validate();
        io::OutputOptions out_options = m_district.output_options(cfg);

        wrap::GeosContext geos;
        io::OutputDir out{m_district.out(), "coverage.json", m_district.database()};
        const OutputGuard guard{out};

        io::District district = io::read_district(cfg.district, geos, ctx);
        io::reject_households_outside(district, geos, ctx);
        if (district.households.empty()) {
            ctx.log.warning("no households: give household points (\"households\" in the config or --households FILE)");
        }
        std::vector<coverage::GridArea> grids;
        if (!grids_path.empty()) {
            io::SourceSpec g;
            g.path = grids_path;
            g.config_key = m_plan.empty() ? "--grids" : "--plan";
            for (auto& p : io::read_polygon_layer(g, "grid_id", district.working_crs, geos, ctx)) {
                grids.push_back(coverage::GridArea{p.id, std::move(p.geom)});
            }
        }
        if (!m_candidates.empty()) {
            io::FeatureLayerSpec c;
            c.source.path = m_candidates;
            c.source.config_key = "--candidates";
            suggest.candidates = io::read_point_layer(c, io::PointRole::candidate, district.working_crs, geos, ctx);
        }
        const auto t_read = clock::now();

        const network::WalkNetwork net = network::build_network(district, cov.network, geos, ctx);
        const auto t_net = clock::now();
        const coverage::CoverageResult result = coverage::compute_coverage(
            district, net, district.centres, district.facilities, cov, suggest, geos, ctx);
        const auto t_cov = clock::now();

        m_district.finish(out_options, out, district);
        out.protect({grids_path, m_candidates});
        coverage::write_coverage(result, district, cov, district.centres, district.facilities, grids, out,
                                 out_options, geos, ctx);
        out.commit(ctx.log);
        run_log().result(out);
        const auto t_write = clock::now();
        ctx.log.info("timings: read " + seconds(t_read - t0) + ", network " + seconds(t_net - t_read) +
                     ", coverage " + seconds(t_cov - t_net) + ", write " + seconds(t_write - t_cov));
        print_summary(result, cov, district, out);
        return 0;
    }

private:
    /// The plan in m_plan: its centres.geojson (existing and proposed, with their services)
    /// as the centres, and its walk radius and speed from its plan.json.
    void use_plan(config::ProjectConfig& cfg, coverage::CoverageConfig& cov) const {
        const std::filesystem::path dir{m_plan};
        const std::string manifest = (dir / "plan.json").string();
        std::ifstream in{manifest};
        if (!in) {
            throw InputError{"--plan: no plan.json in " + m_plan + " (give the folder `gridplan plan --out` wrote)",
                             manifest};
        }
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(in);
            cov.radius_min = j.at("parameters").at("walk_minutes").get<double>();
            cov.speed_kmh = j.at("parameters").at("speed_kmh").get<double>();
        } catch (const nlohmann::json::exception& e) {
            throw InputError{"--plan: not a plan.json with parameters.walk_minutes and parameters.speed_kmh (" +
                                 std::string{e.what()} + ")",
                             manifest};
        }
        io::FeatureLayerSpec c;
        c.source.path = (dir / "centres.geojson").string();
        c.source.config_key = "--plan";
        c.id_field = "centre_id";
        c.name_field = "name";
        c.services_field = "services";
        cfg.district.centres = c;
    }

    /// Sets the values given as flags on `cov` (check() on the defaults, run() on the
    /// config's); returns them with their config keys, so errors name the flags.
    std::vector<FlagValue> apply_flags(coverage::CoverageConfig& cov) const {
        std::vector<FlagValue> flags;
        if (m_radius) {
            cov.radius_min = *m_radius;
            flags.push_back({"coverage.radius_min", "--radius-min", flag_text(*m_radius)});
        }
        if (m_speed) {
            cov.speed_kmh = *m_speed;
            flags.push_back({"coverage.speed_kmh", "--speed-kmh", flag_text(*m_speed)});
        }
        return flags;
    }

    static void print_summary(const coverage::CoverageResult& r, const coverage::CoverageConfig& cov,
                              const io::District& d, const io::OutputDir& out) {
        const auto& s = r.summary;
        auto pct = [&s](std::int64_t n) { return format_fixed(100.0 * s.share(n), 1) + "%"; };
        std::cout << "district: " << d.boundary_description << '\n';
        std::cout << "households: " << s.households << "; within " << format_fixed(cov.radius_min, 0)
                  << " minutes (" << format_fixed(cov.radius_m(), 0) << " m) of a community centre: "
                  << pct(s.within_radius_any) << "; all eight services: " << pct(s.all_services)
                  << "; unreachable: " << s.unreachable << "\n";
        std::cout << "by service:";
        for (const Service sv : all_services) {
            std::cout << " " << to_string(sv) << " " << pct(s.within_radius_by_service[static_cast<std::size_t>(sv)]);
        }
        std::cout << "\nwalk minutes to the nearest centre: p50 "
                  << (std::isfinite(s.walk_min_p50) ? format_fixed(s.walk_min_p50, 1) : "-") << ", p90 "
                  << (std::isfinite(s.walk_min_p90) ? format_fixed(s.walk_min_p90, 1) : "-") << ", p99 "
                  << (std::isfinite(s.walk_min_p99) ? format_fixed(s.walk_min_p99, 1) : "-") << "\n";
        if (r.summary_after) {
            std::cout << "proposed centres: " << r.proposals.size() << "; coverage "
                      << format_fixed(100.0 * s.share(s.within_radius_any), 1) << "% -> "
                      << format_fixed(100.0 * r.summary_after->share(r.summary_after->within_radius_any), 1) << "%\n";
        }
        if (d.from_osm) {
            std::cout << "data: © OpenStreetMap contributors (ODbL 1.0)\n";
        }
        print_written(std::cout, out);
    }

    DistrictOptions m_district;
    std::string m_centres;
    std::string m_grids;
    std::string m_plan;
    std::optional<int> m_suggest;
    std::optional<double> m_target;
    std::string m_candidates;
    std::string m_preset;
    std::optional<double> m_radius;
    std::optional<double> m_speed;
};

} // namespace

std::unique_ptr<Command> make_coverage_command() { return std::make_unique<CoverageCommand>(); }

} // namespace gridplan::cli
