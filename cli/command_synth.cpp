// gridplan synth: write the built-in realistic sample district.
#include "command.hpp"
#include "terminal.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/synth/synth.hpp"

#include <charconv>
#include <iostream>

namespace gridplan::cli {

namespace {

/// A whole number, or a ConfigError naming the option (exit code 1, not a usage error:
/// the value is there, it is just not acceptable).
std::int64_t parse_whole(const std::string& text, const char* option, const std::string& range) {
    std::int64_t v = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(first, last, v);
    if (ec != std::errc{} || end != last || text.empty()) {
        throw ConfigError{option, "must be a whole number " + range + ", got '" + text + "'"};
    }
    return v;
}

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

    int run(const CommonOptions& common) override {
        RunContext ctx = make_run_context(common);
        synth::SynthConfig config;
        config.households = parse_whole(m_households, "--households", "from 1000 to 5000000");
        const std::int64_t seed = parse_whole(m_seed, "--seed", "from 0 to 4294967295");
        if (seed < 0) {
            throw ConfigError{"--seed", "must be a whole number from 0 to 4294967295, got " + m_seed};
        }
        config.seed = static_cast<std::uint64_t>(seed);
        config.lon = m_lon;
        config.lat = m_lat;
        config.validate();

        wrap::GeosContext geos;
        io::OutputDir out{m_out};
        const synth::SynthStats s = synth::write_synth_district(config, out, geos, ctx);
        out.commit();

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
        for (const auto& f : out.files()) {
            std::cout << "wrote " << f.string() << '\n';
        }
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
};

} // namespace

std::unique_ptr<Command> make_synth_command() {
    return std::make_unique<SynthCommand>();
}

} // namespace gridplan::cli
