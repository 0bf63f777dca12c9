// gridplan blocks: cut a district into blocks along its barriers.
#include "command.hpp"
#include "terminal.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/blocks/output.hpp"
#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/output.hpp"

#include <chrono>
#include <iostream>

namespace gridplan::cli {

namespace {

class BlocksCommand : public Command {
public:
    std::string name() const override { return "blocks"; }

    std::string summary() const override { return "Cut a district into blocks along roads, streets, alleys and rivers"; }

    std::string synopsis() const override {
        return "gridplan blocks CONFIG.json --out DIR [OPTIONS]\n"
               "gridplan blocks --osm FILE.osm.pbf [--boundary B] --out DIR [OPTIONS]";
    }

    std::string examples() const override {
        return "  gridplan blocks data/sample/district.json --out out/sample\n"
               "  gridplan blocks --osm liechtenstein.osm.pbf --out out/li\n"
               "  gridplan blocks --osm city.osm.pbf --boundary admin:Vaduz --out out/vaduz --format gpkg\n"
               "  gridplan blocks district.json --out out/d --format shp --output-crs EPSG:4549";
    }

    void setup(CLI::App& app) override {
        app.add_option("config", m_config, "District config (JSON, comments allowed)");
        app.add_option("--osm", m_osm, "Read barriers directly from an OpenStreetMap extract (.osm.pbf)");
        app.add_option("--boundary", m_boundary,
                       "With --osm: the district, as a polygon file, admin:NAME or admin_level:N "
                       "(default: an admin boundary enclosing the data, else the barriers' convex hull)");
        app.add_option("--osm-tags", m_osm_tags, "With --osm: tag mapping file (default: built-in data/osm/tags.json)");
        app.add_option("--households", m_households, "Household points layer (overrides the config's)");
        app.add_option("--count-field", m_count_field, "With --households: field holding the household count");
        app.add_option("--out,-o", m_out, "Output directory (created if missing)")->required();
        app.add_option("--format,-f", m_format, "Output format: geojson (default), gpkg, shp or a GDAL vector driver");
        app.add_option("--output-crs", m_output_crs,
                       "CRS of non-GeoJSON outputs, e.g. EPSG:4549 (default: the boundary input's CRS)");
        app.add_option("--crs", m_crs, "Working metric CRS (default: UTM zone of the district centroid)");
        app.add_option("--min-area", m_min_area, "Blocks smaller than this many m2 merge into a neighbour (default 200)");
        app.add_option("--precision", m_precision, "Decimals of GeoJSON coordinates (default 7)");
    }

    void check() override {
        if (m_config.empty() == m_osm.empty()) {
            throw UsageError{"blocks: give either CONFIG.json or --osm FILE (run 'gridplan help blocks')"};
        }
        if (!m_config.empty() && (!m_boundary.empty() || !m_osm_tags.empty())) {
            throw UsageError{"blocks: --boundary and --osm-tags go with --osm; a config names its own boundary"};
        }
        if (m_count_field && m_households.empty()) {
            throw UsageError{"blocks: --count-field goes with --households"};
        }
    }

    int run(const CommonOptions& common) override {
        using clock = std::chrono::steady_clock;
        const auto t0 = clock::now();
        RunContext ctx = make_run_context(common);

        config::ProjectConfig cfg;
        if (!m_config.empty()) {
            cfg = config::load_project_config(m_config);
        } else {
            cfg.district = io::osm_district_spec(m_osm, m_boundary, m_osm_tags);
        }
        if (!m_households.empty()) {
            io::HouseholdSpec h;
            h.source.path = m_households;
            h.source.config_key = "--households";
            h.count_field = m_count_field.value_or("");
            cfg.district.households = h;
        }
        if (!m_crs.empty()) {
            cfg.district.working_crs = m_crs;
        }
        if (m_min_area) {
            cfg.blocks.min_area_m2 = *m_min_area;
        }
        if (!m_format.empty()) {
            cfg.output.format = m_format;
        }
        if (!m_output_crs.empty()) {
            cfg.output.crs = m_output_crs;
        }
        if (m_precision) {
            cfg.output.precision = *m_precision;
        }
        cfg.blocks.validate();
        cfg.output.validate();
        io::OutputOptions out_options;
        out_options.format = io::OutputFormat::from_name(cfg.output.format);
        out_options.coordinate_precision = cfg.output.precision;
        if (!cfg.output.crs.empty()) {
            out_options.crs = crs::Crs::from_user_input(cfg.output.crs);
        }

        wrap::GeosContext geos;
        // Fail on an unwritable output directory before any work.
        io::OutputDir out{m_out};

        const io::District district = io::read_district(cfg.district, geos, ctx);
        const auto t_read = clock::now();
        ctx.log.info("read " + std::to_string(district.barriers.size()) + " barrier lines, " +
                     std::to_string(district.water.size()) + " water areas, " +
                     std::to_string(district.households.size()) + " household points in " +
                     seconds(t_read - t0));
        if (out_options.crs.empty()) {
            out_options.crs = district.input_crs;
        }
        if (district.from_osm) {
            out_options.description = "Contains data © OpenStreetMap contributors, ODbL 1.0";
        }

        const blocks::BlocksResult result = blocks::build_blocks(district, cfg.blocks, geos, ctx);
        const auto t_blocks = clock::now();
        ctx.log.info("built " + std::to_string(result.blocks.size()) + " blocks in " + seconds(t_blocks - t_read));

        out.protect(district.input_files);
        if (!m_config.empty()) {
            out.protect({m_config});
        }
        blocks::write_blocks(result, district, out, out_options, geos, ctx);
        out.commit();
        const auto t_write = clock::now();
        ctx.log.info("wrote outputs in " + seconds(t_write - t_blocks));

        print_summary(result, district, out);
        return 0;
    }

private:
    static std::string seconds(std::chrono::steady_clock::duration d) {
        return format_fixed(std::chrono::duration<double>(d).count(), 2) + " s";
    }

    static void print_summary(const blocks::BlocksResult& r, const io::District& d, const io::OutputDir& out) {
        const auto& s = r.stats;
        std::cout << "district: " << d.boundary_description << " (" << format_fixed(s.district_area_m2 / 1e6, 3)
                  << " km2, working CRS " << d.working_crs.label() << ")\n"
                  << "blocks: " << r.blocks.size() << " (" << s.water_blocks << " water), " << r.adjacency.size()
                  << " adjacent pairs, " << s.slivers_merged << " slivers merged\n"
                  << "households: " << s.households_inside << " inside, " << s.households_outside << " outside ("
                  << s.household_points_outside << " points)\n"
                  << "problems: " << s.dangles << " dangles, " << s.crossings_without_vertex
                  << " crossings without a shared vertex, " << s.cut_edges << " cut edges\n";
        if (d.household_estimate) {
            const auto& e = *d.household_estimate;
            std::cout << "households estimated from " << e.method << ": " << e.buildings_read << " buildings read, "
                      << e.buildings_residential << " counted residential, " << e.households << " households\n";
            for (const auto& [type, t] : e.by_type) {
                std::cout << "  " << type << ": " << t.buildings << " buildings, " << t.households << " households\n";
            }
        }
        if (d.from_osm) {
            std::cout << "data: © OpenStreetMap contributors (ODbL 1.0)\n";
        }
        for (const auto& f : out.files()) {
            std::cout << "wrote " << f.string() << '\n';
        }
    }

    std::string m_config;
    std::string m_osm;
    std::string m_boundary;
    std::string m_osm_tags;
    std::string m_households;
    std::optional<std::string> m_count_field;
    std::string m_out;
    std::string m_format;
    std::string m_output_crs;
    std::string m_crs;
    std::optional<double> m_min_area;
    std::optional<int> m_precision;
};

} // namespace

std::unique_ptr<Command> make_blocks_command() { return std::make_unique<BlocksCommand>(); }

} // namespace gridplan::cli
