// gridplan synth: write the built-in realistic sample district.
#include "command.hpp"
#include "run_log.hpp"
#include "district_options.hpp"
#include "interrupt.hpp"
#include "terminal.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/synth/synth.hpp"

#include <charconv>
#include <iostream>

namespace gridplan::cli {

namespace {

class SynthCommand : public Command {
public:
    std::string name() const override { return "synth"; }

    std::string summary() const override {
        return "Write a realistic synthetic district (roads, rivers, households, centres, units) with its config";
    }

    std::string synopsis() const override {
        return "gridplan synth --out DIR [--households N] [--seed S] [--lon LON --lat LAT]";
    }

    std::string examples() const override {
        return "  gridplan synth --out out/district\n"
               "  gridplan synth --households 1000000 --seed 7 --out out/big\n"
               "  gridplan synth --households 60000 --out data/district && "
               "gridplan blocks data/district/district.json --out out/blocks";
    }

    void setup(CLI::App& app) override {
        app.add_option("--households", m_households,
                       "Households in the district, 1000 to 5000000 (default 250000; about 35 km2 per 250000)");
        app.add_option("--seed", m_seed, "Random seed, 0 to 4294967295 (default 1): same seed, same files");
        app.add_option("--out,-o", m_out, "Output directory (created if missing)")->required();
        app.add_option("--lon", m_lon, "Longitude of the district centre (default 119.1)");
        app.add_option("--lat", m_lat, "Latitude of the district centre (default 36.7)");
    }

    /// Every value is checked here, before anything is written; a bad one exits 2 naming
    /// the option (the same range and message as plan's --seed).
    void check() override {
        if (m_out.empty()) {
            throw UsageError{"--out: an empty path; give the output directory"};
        }
        m_config.households = static_cast<std::int64_t>(parse_whole_flag(m_households, "--households", 1000, 5000000));
        m_config.seed = parse_whole_flag(m_seed, "--seed", 0, synth::SynthConfig::max_seed);
        m_config.lon = m_lon;
        m_config.lat = m_lat;
        check_flags([this] { m_config.validate(); }, {{"--lon", "--lon", flag_text(m_lon)},
                                                      {"--lat", "--lat", flag_text(m_lat)}});
    }

    int run(const CommonOptions& common) override {
        RunContext ctx = make_run_context(common);
        const synth::SynthConfig& config = m_config;

        wrap::GeosContext geos;
        io::OutputDir out{m_out, "synth_summary.json"};
        const OutputGuard guard{out};
        const synth::SynthStats s = synth::write_synth_district(config, out, geos, ctx);
        out.commit(ctx.log);
        run_log().result(out);

        std::cout << "district: " << format_fixed(s.area_km2, 2) << " km2, working CRS " << s.working_crs << "\n"
                  << "households: " << s.households << " in " << s.household_points << " points (residential land "
                  << format_fixed(s.residential_density_core, 0) << " households/km2 in the core, "
                  << format_fixed(s.residential_density_edge, 0) << " at the edge)\n"
                  << "roads: " << line(s.roads) << " road, " << line(s.streets) << " street, " << line(s.alleys)
                  << " alley; " << s.bridges << " bridges\n"
                  << "blocks: " << s.blocks << " land blocks between streets, " << s.landuse_areas
                  << " land use areas\n"
                  << "centres: " << s.centres << " community service centres; "
                  << format_fixed(100.0 * s.share_within_600m, 1)
                  << "% of households within 600 m (straight line) of one\n"
                  << "facilities: " << s.facilities << "; units: " << s.units << " (" << s.unit_areas
                  << " with outlines)\n";
        print_written(std::cout, out);
        return 0;
    }

private:
    static std::string line(const synth::RoadClassStats& c) {
        return std::to_string(c.features) + " (" + format_fixed(c.length_km, 1) + " km)";
    }

    std::string m_households = "250000";
    std::string m_seed = "1";
    std::string m_out;
    double m_lon = 119.1;
    double m_lat = 36.7;
    synth::SynthConfig m_config;
};

} // namespace

std::unique_ptr<Command> make_synth_command() {
    return std::make_unique<SynthCommand>();
}

} // namespace gridplan::cli
