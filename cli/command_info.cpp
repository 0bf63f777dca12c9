// gridplan info: what the engine sees in a district's inputs, before any long run.
#include "command.hpp"
#include "district_options.hpp"
#include "terminal.hpp"

#include "gridplan/config/project.hpp"
#include "gridplan/core/barrier.hpp"
#include "gridplan/core/service.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/households.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <array>
#include <chrono>
#include <iostream>
#include <map>
#include <sstream>

namespace gridplan::cli {

namespace {

class InfoCommand : public Command {
public:
    std::string name() const override { return "info"; }

    std::string summary() const override {
        return "What the engine sees in a district's inputs: layers, counts, CRS, barriers, households, services";
    }

    std::string synopsis() const override {
        return "gridplan info CONFIG.json [OPTIONS]\n"
               "gridplan info --osm FILE.osm.pbf [--boundary B] [OPTIONS]";
    }

    std::string examples() const override {
        return "  gridplan info data/district/district.json\n"
               "  gridplan info --osm liechtenstein.osm.pbf --boundary admin:Liechtenstein";
    }

    void setup(CLI::App& app) override { m_district.add_to(app, false); }

    void check() override { m_district.check(name()); }

    int run(const CommonOptions& common) override {
        const auto t0 = std::chrono::steady_clock::now();
        RunContext ctx = make_run_context(common);
        config::ProjectConfig cfg = m_district.load();
        wrap::GeosContext geos;
        io::District district = io::read_district(cfg.district, geos, ctx);
        io::reject_households_outside(district, geos, ctx);
        std::cout << describe(district, geos) << "time: " << seconds(std::chrono::steady_clock::now() - t0)
                  << "\n";
        return 0;
    }

private:
    static std::string describe(const io::District& d, const wrap::GeosContext& geos) {
        std::ostringstream os;
        os << "district: " << d.boundary_description << "\n";
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        geos.bounds(d.boundary.get(), x0, y0, x1, y1);
        os << "working CRS: " << d.working_crs.label() << "; area " << format_fixed(geos.area(d.boundary.get()) / 1e6, 2)
           << " km2; extent " << format_fixed((x1 - x0) / 1000.0, 1) << " x " << format_fixed((y1 - y0) / 1000.0, 1)
           << " km\n";
        if (!d.sea_source.empty()) {
            os << "sea taken out: " << d.sea_source << "\n";
        }
        // Features by source.
        std::vector<std::map<std::string, std::int64_t>> by_source(d.sources.size());
        auto count = [&](std::uint32_t source, const std::string& what, std::int64_t n = 1) {
            if (source < by_source.size()) {
                by_source[source][what] += n;
            }
        };
        for (const auto& b : d.barriers) {
            count(b.source, "barrier lines");
        }
        for (const auto& w : d.water) {
            count(w.source, "water areas");
        }
        for (const auto& h : d.households) {
            count(h.source, "household points");
        }
        std::vector<std::string> inputs;
        for (const auto& f : d.input_files) {
            inputs.push_back(wrap::mask_password(f));
        }
        os << "input files: " << join_limited(inputs, 20) << "\n";
        os << "layers:\n";
        for (std::size_t s = 0; s < d.sources.size(); ++s) {
            std::vector<std::string> parts;
            for (const auto& [what, n] : by_source[s]) {
                parts.push_back(std::to_string(n) + " " + what);
            }
            if (!parts.empty()) {  // the boundary's layer is the district line above
                os << "  " << d.sources[s] << ": " << join_limited(parts, 8) << "\n";
            }
        }
        // Barriers by class.
        std::array<std::pair<std::size_t, double>, barrier_class_count> classes{};
        std::size_t not_walkable = 0;
        for (const auto& b : d.barriers) {
            auto& c = classes[static_cast<std::size_t>(b.cls)];
            ++c.first;
            c.second += geos.length(b.geom.get());
            not_walkable += b.walkable || b.cls == BarrierClass::river ? 0 : 1;
        }
        os << "barriers:";
        for (const auto cls : {BarrierClass::river, BarrierClass::road, BarrierClass::street, BarrierClass::alley}) {
            const auto& c = classes[static_cast<std::size_t>(cls)];
            os << " " << to_string(cls) << " " << c.first << " (" << format_fixed(c.second / 1000.0, 1) << " km)";
        }
        os << "; " << not_walkable << " not walkable; water areas " << d.water.size() << "\n";
        // Households.
        std::int64_t households = 0;
        for (const auto& h : d.households) {
            households += h.count;
        }
        os << "households: " << households << " in " << d.households.size() << " points inside the district";
        for (const auto& [reason, n] : d.households_rejected) {
            if (n > 0) {
                os << "; " << n << " left out (" << reason << ")";
            }
        }
        os << "\n";
        if (d.household_estimate) {
            const auto& e = *d.household_estimate;
            os << "  estimated from " << e.method << ": " << e.buildings_read << " buildings read, "
               << e.buildings_residential << " residential, " << e.households << " households";
            std::vector<std::string> parts;
            for (const auto& [source, n] : e.households_by_source) {
                parts.push_back(std::to_string(n) + " by " + source);
            }
            if (!parts.empty()) {
                os << " (" << join_limited(parts, 8) << ")";
            }
            os << "\n";
        }
        // Services.
        auto services = [&](const std::vector<io::PointFeature>& points) {
            std::vector<std::string> parts;
            for (const auto svc : all_services) {
                std::size_t n = 0;
                for (const auto& p : points) {
                    n += has(p.services, svc) ? 1 : 0;
                }
                parts.push_back(std::string{to_string(svc)} + " " + std::to_string(n));
            }
            return join_limited(parts, service_count);
        };
        os << "centres: " << d.centres.size();
        if (!d.centres.empty()) {
            os << " (by service: " << services(d.centres) << ")";
        }
        os << "\nfacilities: " << d.facilities.size();
        if (!d.facilities.empty()) {
            os << " (by service: " << services(d.facilities) << ")";
        }
        os << "\nunits: " << d.units.size() << " (" << d.unit_areas.size() << " with outlines)\n";
        return os.str();
    }

    DistrictOptions m_district;
};

} // namespace

std::unique_ptr<Command> make_info_command() { return std::make_unique<InfoCommand>(); }

} // namespace gridplan::cli
