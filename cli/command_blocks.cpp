// gridplan blocks: cut a district into blocks along its barriers.
#include "command.hpp"
#include "run_log.hpp"
#include "district_options.hpp"
#include "interrupt.hpp"
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
        m_district.add_to(app);
        app.add_option("--min-area", m_min_area, "Blocks smaller than this many m2 merge into a neighbour (default 200)");
    }

    void check() override {
        m_district.check(name());
        if (m_min_area) {
            blocks::BlocksConfig b;
            b.min_area_m2 = *m_min_area;
            check_flags([&b] { b.validate(); }, {{"blocks.min_area_m2", "--min-area", flag_text(*m_min_area)}});
        }
    }

    int run(const CommonOptions& common) override {
        using clock = std::chrono::steady_clock;
        const auto t0 = clock::now();
        RunContext ctx = make_run_context(common);

        config::ProjectConfig cfg = m_district.load();
        if (m_min_area) {
            cfg.blocks.min_area_m2 = *m_min_area;
        }
        cfg.blocks.validate();
        io::OutputOptions out_options = m_district.output_options(cfg);

        wrap::GeosContext geos;
        // Fail on an unwritable output directory before any work.
        io::OutputDir out{m_district.out(), "blocks_summary.json", m_district.database()};
        const OutputGuard guard{out};

        const io::District district = io::read_district(cfg.district, geos, ctx);
        const auto t_read = clock::now();
        ctx.log.info("read " + std::to_string(district.barriers.size()) + " barrier lines, " +
                     std::to_string(district.water.size()) + " water areas, " +
                     std::to_string(district.households.size()) + " household points in " +
                     seconds(t_read - t0));
        m_district.finish(out_options, out, district);

        const blocks::BlocksResult result = blocks::build_blocks(district, cfg.blocks, geos, ctx);
        const auto t_blocks = clock::now();
        ctx.log.info("built " + std::to_string(result.blocks.size()) + " blocks in " + seconds(t_blocks - t_read));

        blocks::write_blocks(result, district, out, out_options, geos, ctx);
        out.commit(ctx.log);
        run_log().result(out);
        const auto t_write = clock::now();
        ctx.log.info("wrote outputs in " + seconds(t_write - t_blocks));

        print_summary(result, district, out);
        return 0;
    }

private:
    static void print_summary(const blocks::BlocksResult& r, const io::District& d, const io::OutputDir& out) {
        const auto& s = r.stats;
        std::cout << "district: " << d.boundary_description << " (" << format_fixed(s.district_area_m2 / 1e6, 3)
                  << " km2, working CRS " << d.working_crs.label() << ")\n"
                  << "blocks: " << r.blocks.size() << " (" << s.water_blocks << " water), " << r.adjacency.size()
                  << " adjacent pairs, " << s.slivers_merged << " slivers merged\n"
                  << "households: " << r.households.input << " in the input, " << r.households.placed << " placed"
                  << (r.households.rejected_text().empty() ? std::string{}
                                                           : "; rejected: " + r.households.rejected_text())
                  << "\n"
                  << "problems: " << s.dangles << " dangles, " << s.crossings_without_vertex
                  << " crossings without a shared vertex, " << s.cut_edges << " cut edges\n";
        if (d.household_estimate) {
            const auto& e = *d.household_estimate;
            std::cout << "households estimated from " << e.method << ": " << e.buildings_read << " buildings read, "
                      << e.buildings_residential << " counted residential, " << e.households << " households\n";
            std::string sources;
            for (const auto& [source, n] : e.households_by_source) {
                sources += (sources.empty() ? "" : ", ") + std::to_string(n) + " from " + source;
            }
            if (!sources.empty()) {
                std::cout << "  by what decided them: " << sources << '\n';
            }
            for (const auto& [type, t] : e.by_type) {
                std::cout << "  " << type << ": " << t.buildings << " buildings, " << t.households << " households\n";
            }
        }
        if (d.from_osm) {
            std::cout << "data: © OpenStreetMap contributors (ODbL 1.0)\n";
        }
        print_written(std::cout, out);
    }

    DistrictOptions m_district;
    std::optional<double> m_min_area;
};

} // namespace

std::unique_ptr<Command> make_blocks_command() { return std::make_unique<BlocksCommand>(); }

} // namespace gridplan::cli
