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
        return "gridplan split CITY_CONFIG.json --by LAYER[:FIELD] --out JOBS_DIR [--name-field F] [--margin M]";
    }

    std::string examples() const override {
        return "  gridplan split city.json --by districts.gpkg:code --out jobs\n"
               "  cd jobs && parallel --header : --colsep '\\t' --joblog joblog.txt gridplan plan {config} --out {out} "
               ":::: jobs.tsv\n"
               "  gridplan merge jobs --out city";
    }

    void setup(CLI::App& app) override {
        app.add_option("config", m_config, "The city's config: every input of all its districts")->required();
        app.add_option("--by", m_by,
                       "The districts' polygons, LAYER[:FIELD]: a vector file (FILE or FILE|LAYERNAME), and the field "
                       "holding each district's id and admin code (default: the feature id)")
            ->required();
        app.add_option("--out", m_out, "The jobs folder (must not exist, or be empty)")->required();
        app.add_option("--name-field", m_name_field, "The districts' name field (default: name, when present)");
        app.add_option("--margin", m_margin,
                       "Lines and areas within this many metres of a district go to its job (default 100)")
            ->check(CLI::Range(0.0, 10000.0));
    }

    void check() override {}

    int run(const CommonOptions& common) override {
        const auto t0 = std::chrono::steady_clock::now();
        RunContext ctx = make_run_context(common);
        (void)config::load_project_config(m_config);  // a bad city config fails here, with its keys named
        batch::SplitOptions options;
        std::string by = m_by;
        const auto colon = by.rfind(':');
        if (colon != std::string::npos && colon > 1) {  // not a drive letter or "PG:"
            options.id_field = by.substr(colon + 1);
            by.resize(colon);
        }
        const auto bar = by.find('|');
        if (bar != std::string::npos) {
            options.by_layer = by.substr(bar + 1);
            by.resize(bar);
        }
        options.by_path = by;
        options.name_field = m_name_field;
        options.margin_m = m_margin;
        const batch::SplitResult r = batch::split_city(m_config, options, m_out, ctx);
        std::int64_t jobs_households = 0;
        for (const auto& j : r.jobs) {
            std::cout << j.id << "  " << j.name << ": " << j.households << " households\n";
            jobs_households += j.households;
        }
        std::cout << "jobs: " << r.jobs.size() << " districts, " << jobs_households << " of " << r.households
                  << " households";
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
    double m_margin = 100.0;
};

} // namespace

std::unique_ptr<Command> make_split_command() { return std::make_unique<SplitCommand>(); }

} // namespace gridplan::cli
