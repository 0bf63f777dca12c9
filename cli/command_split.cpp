// gridplan split: a city as many district jobs, for GNU Parallel or a Slurm job array.
#include "command.hpp"
#include "district_options.hpp"
#include "run_log.hpp"
#include "terminal.hpp"

#include "gridplan/batch/split.hpp"
#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"

#include <chrono>
#include <iostream>

namespace gridplan::cli {

namespace {

class SplitCommand : public Command {
public:
    std::string name() const override { return "split"; }

    std::string summary() const override {
        return "Write one district config per polygon of a layer, every input cut to it, and a jobs.tsv to run them";
    }

    std::string synopsis() const override {
        return "gridplan split CITY_CONFIG.json --by LAYER[:FIELD] --out JOBS_DIR [--name-field F] [--margin M]\n"
               "gridplan split [CITY_CONFIG.json] --osm FILE.osm.pbf --by admin_level:N[:FIELD] --out JOBS_DIR";
    }

    std::string examples() const override {
        return "  gridplan split city.json --by districts.gpkg:code --out jobs\n"
               "  gridplan split --osm liechtenstein.osm.pbf --by admin_level:8 --out jobs\n"
               "  cd jobs && parallel --header : --colsep '\\t' --joblog joblog.txt gridplan plan {config} --out {out} "
               ":::: jobs.tsv\n"
               "  gridplan merge jobs --out city";
    }

    void setup(CLI::App& app) override {
        app.add_option("config", m_config,
                       "The city's config: every input of all its districts (with --osm: optional, the extract is "
                       "the city)");
        app.add_option("--by", m_by,
                       "The districts' polygons, LAYER[:FIELD]: a vector file or table (FILE or FILE|LAYERNAME), and "
                       "the field holding each district's id and admin code (default: the feature id); with --osm, "
                       "admin_level:N[:FIELD], the extract's administrative boundaries of that level (default id: "
                       "the OSM id)")
            ->required();
        app.add_option("--osm", m_osm, "Take the districts from this OpenStreetMap extract (--by admin_level:N)");
        app.add_option("--out", m_out, "The jobs folder (must not exist, or be empty)")->required();
        app.add_option("--name-field", m_name_field, "The districts' name field (default: name, when present)");
        app.add_option("--margin", m_margin,
                       "Lines and areas within this many metres of a district go to its job (default 100)")
            ->check(CLI::Range(0.0, 10000.0));
    }

    void check() override {
        if (m_osm.empty()) {
            if (m_config.empty()) {
                throw UsageError{"split: give the city's CITY_CONFIG.json, or --osm FILE with --by admin_level:N"};
            }
            return;
        }
        if (m_by.rfind("admin_level:", 0) != 0) {
            throw UsageError{"--by: with --osm, admin_level:N[:FIELD] (the extract's administrative boundaries), got '" +
                             m_by + "'"};
        }
        const std::string rest = m_by.substr(std::string{"admin_level:"}.size());
        const std::string level = rest.substr(0, rest.find(':'));
        m_admin_level = static_cast<int>(parse_whole_flag(level, "--by admin_level", 1, 12));
        if (rest.find(':') != std::string::npos) {
            m_osm_id_field = rest.substr(rest.find(':') + 1);
        }
    }

    int run(const CommonOptions& common) override {
        const auto t0 = std::chrono::steady_clock::now();
        RunContext ctx = make_run_context(common);
        if (!m_config.empty()) {
            (void)config::load_project_config(m_config);  // a bad city config fails here, with its keys named
        }
        batch::SplitOptions options;
        std::string by = m_by;
        // FIELD follows the last ':', unless that is a drive letter's, or inside a
        // connection string ("PG:dbname=gis|districts:code" has one after the layer).
        const auto colon = by.rfind(':');
        const auto bar = by.rfind('|');
        const bool database = io::DatabaseTarget::names_database(by);
        if (colon != std::string::npos && colon > 1 && (!database || (bar != std::string::npos && colon > bar))) {
            options.id_field = by.substr(colon + 1);
            by.resize(colon);
        }
        if (!m_osm.empty()) {
            options.osm_path = m_osm;
            options.admin_level = m_admin_level;
            options.id_field = m_osm_id_field;
        } else {
            const io::SourceSpec by_layer = layer_from_flag(by, "--by");
            options.by_path = by_layer.path;
            options.by_layer = by_layer.layer;
        }
        options.name_field = m_name_field;
        options.margin_m = m_margin;
        const batch::SplitResult r = batch::split_city(m_config, options, m_out, ctx);
        std::int64_t jobs_households = 0;
        for (const auto& j : r.jobs) {
            std::cout << j.id << "  " << j.name << ": " << j.households << " households\n";
            jobs_households += j.households;
        }
        std::cout << "jobs: " << r.jobs.size() << " districts, ";
        if (m_config.empty() && !m_osm.empty()) {
            std::cout << "households estimated by each job from the extract's buildings";
        } else {
            std::cout << jobs_households << " of " << r.households << " households";
        }
        if (r.households_outside > 0) {
            std::cout << " (" << r.households_outside << " in " << r.points_outside
                      << " points lie in no district and go to no job)";
        }
        std::cout << "\ntime: " << seconds(std::chrono::steady_clock::now() - t0) << "\n"
                  << "wrote " << m_out << "/jobs.tsv; run it from " << m_out << " with:\n"
                  << "  parallel --header : --colsep '\\t' --joblog joblog.txt gridplan plan {config} --out {out} "
                     ":::: jobs.tsv\n";
        if (r.households_outside > 0) {
            ctx.log.warning(std::to_string(r.households_outside) + " households in " +
                            std::to_string(r.points_outside) + " points lie in no district of " + m_by);
        }
        run_log().write("result", {{"jobs", r.jobs.size()}, {"households", r.households},
                                   {"households_outside", r.households_outside}});
        return 0;
    }

private:
    std::string m_config;
    std::string m_by;
    std::string m_out;
    std::string m_name_field;
    std::string m_osm;
    int m_admin_level = 0;
    std::string m_osm_id_field;
    double m_margin = 100.0;
};

} // namespace

std::unique_ptr<Command> make_split_command() { return std::make_unique<SplitCommand>(); }

} // namespace gridplan::cli
