// gridplan merge: a split city's job results as one layer set and one summary.
#include "command.hpp"
#include "database_options.hpp"
#include "district_options.hpp"
#include "interrupt.hpp"
#include "run_log.hpp"
#include "terminal.hpp"

#include "gridplan/batch/merge.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/output.hpp"

#include <chrono>
#include <iostream>

namespace gridplan::cli {

namespace {

class MergeCommand : public Command {
public:
    std::string name() const override { return "merge"; }

    std::string summary() const override {
        return "Gather the results of a split city's jobs into one layer set and one summary";
    }

    std::string synopsis() const override {
        return "gridplan merge JOBS_DIR --out DIR [--format F]\n"
               "gridplan merge JOBS_DIR --out PG:... --report-dir DIR [--schema S] [--table-prefix P] [--overwrite]";
    }

    std::string examples() const override {
        return "  gridplan merge jobs --out city\n  gridplan merge jobs --out city --format gpkg\n"
               "  gridplan merge jobs --out PG:\"dbname=gis\" --schema city --report-dir city --overwrite";
    }

    void setup(CLI::App& app) override {
        app.add_option("jobs", m_jobs, "The jobs folder gridplan split wrote (with jobs.tsv)")->required();
        app.add_option("--out", m_out, "The city's output folder, or a PostgreSQL database (PG:...) for tables")
            ->required();
        app.add_option("--format", m_format, "Output format: geojson (default), gpkg, shp or a GDAL driver");
        m_database.add_to(app, false);
    }

    void check() override {
        m_database.check(m_out);
        if (io::DatabaseTarget::names_database(m_out) && !m_format.empty()) {
            throw UsageError{"--format goes with a folder output; --out PG:... writes tables"};
        }
        (void)io::OutputFormat::from_name(m_format.empty() ? "geojson" : m_format);
    }

    int run(const CommonOptions& common) override {
        const auto t0 = std::chrono::steady_clock::now();
        RunContext ctx = make_run_context(common);
        io::OutputOptions options;
        options.format = io::DatabaseTarget::names_database(m_out)
                             ? io::OutputFormat::for_database()
                             : io::OutputFormat::from_name(m_format.empty() ? "geojson" : m_format);
        io::OutputDir out{m_database.folder(m_out), "merge.json", m_database.target(m_out)};
        const OutputGuard guard{out};
        out.protect({(std::filesystem::path{m_jobs} / "jobs.tsv").string()});
        const nlohmann::json summary = batch::merge_jobs(m_jobs, out, options, ctx);
        out.write_manifest(summary);
        out.commit(ctx.log);
        run_log().result(out);
        for (const auto& d : summary["by_district"]) {
            std::cout << d["district_id"].get<std::string>() << "  " << d["name"].get<std::string>() << ": "
                      << d["grids"] << " grids, " << d["households"] << " households, " << d["grids_in_band"]
                      << " in the band, " << format_fixed(100.0 * d["within_radius_share"].get<double>(), 1)
                      << "% within the radius\n";
        }
        const auto& c = summary["city"];
        std::cout << "city: " << c["districts"] << " districts, " << c["grids"] << " grids for " << c["households"]
                  << " households; " << c["grids_in_band"] << " in the band; "
                  << format_fixed(100.0 * c["within_radius_share"].get<double>(), 1) << "% within the radius\n"
                  << "time: " << seconds(std::chrono::steady_clock::now() - t0) << "\n";
        print_written(std::cout, out);
        return 0;
    }

private:
    std::string m_jobs;
    std::string m_out;
    std::string m_format;
    DatabaseOptions m_database;
};

} // namespace

std::unique_ptr<Command> make_merge_command() { return std::make_unique<MergeCommand>(); }

} // namespace gridplan::cli
