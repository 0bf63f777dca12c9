#pragma once
// The options every district command shares (blocks, coverage, plan): where the district
// comes from (a config or an OSM extract), household overrides, the working CRS, and the
// output directory, format and CRS. Maps them onto the config structs; no I/O in setup.

#include "database_options.hpp"

#include "gridplan/config/project.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/output.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gridplan::cli {

class DistrictOptions {
public:
    /// Registers the options on a subcommand (without the output ones for a command that
    /// writes nothing).
    void add_to(CLI::App& app, bool with_output = true);
    /// Option combinations; throws UsageError naming `command`.
    void check(const std::string& command) const;
    /// The project config (from the file, or the OSM shortcut) with the overrides applied.
    config::ProjectConfig load() const;
    /// Output format and CRS from the config and the overrides (validated).
    io::OutputOptions output_options(config::ProjectConfig& cfg) const;
    /// Defaults that need the district: the boundary input's CRS and the OSM attribution;
    /// and the inputs the output directory must never overwrite.
    void finish(io::OutputOptions& options, io::OutputDir& out, const io::District& district) const;

    /// The folder of the run's files (--out, or --report-dir for a database).
    const std::string& out() const { return m_database.folder(m_out); }
    /// The database --out names, if it names one.
    std::optional<io::DatabaseTarget> database() const { return m_database.target(m_out); }
    bool from_config() const noexcept { return !m_config.empty(); }
    /// True when --households names the household layer.
    bool households_given() const noexcept { return !m_households.empty(); }

private:
    std::string m_config;
    std::string m_osm;
    std::string m_boundary;
    std::string m_osm_tags;
    std::string m_households;
    std::optional<std::string> m_count_field;
    std::string m_totals;
    std::string m_totals_field = "households";
    std::string m_raster;
    std::optional<double> m_persons_per_household;
    std::string m_crs;
    std::string m_out;
    std::string m_format;
    std::string m_output_crs;
    std::optional<int> m_precision;
    DatabaseOptions m_database;
    bool m_with_output = true;
};

/// A layer named on the command line: "PATH" or "PATH|LAYER" (a file's layer, or a table
/// of a database: "PG:dbname=gis|plans.grids").
io::SourceSpec layer_from_flag(const std::string& value, const std::string& flag);

/// "1.23 s"
std::string seconds(std::chrono::steady_clock::duration d);

/// A value given on the command line, and the config key it stands for.
struct FlagValue {
    std::string key;    ///< "plan.walk_minutes"
    std::string flag;   ///< "--walk-min"
    std::string value;  ///< as given, for the message ("" to leave out)
};

/// Runs `validate` on a config struct holding defaults and the values given as flags, right
/// after parsing: a ConfigError naming one of `flags`' keys becomes a UsageError (exit 2)
/// naming the flag instead (one rule: flags exit 2 and name the flag; a config exits 1 and
/// names the file and key).
void check_flags(const std::function<void()>& validate, const std::vector<FlagValue>& flags);

/// How a number given as a flag reads in a message ("1e+308", "0.15").
std::string flag_text(double value);

/// A whole number from `min` to `max`, or a UsageError "FLAG: must be a whole number from
/// MIN to MAX, got 'TEXT'".
std::uint64_t parse_whole_flag(const std::string& text, const std::string& flag, std::uint64_t min,
                               std::uint64_t max);

} // namespace gridplan::cli
