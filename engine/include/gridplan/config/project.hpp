#pragma once
// The project configuration file (JSON with comments): which inputs make the district,
// and each stage's settings. Paths are relative to the config file's folder.

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/coverage/coverage.hpp"
#include "gridplan/partition/partition.hpp"
#include "gridplan/io/district.hpp"

#include <optional>
#include <set>
#include <string>

namespace gridplan::config {

struct OutputConfig {
    std::string format = "geojson";
    /// CRS of non-GeoJSON outputs; empty: the boundary input's CRS.
    std::string crs;
    /// Decimals of GeoJSON coordinates.
    int precision = 7;

    /// Throws ConfigError naming "output.format", "output.crs" or "output.precision".
    void validate() const;
};

/// Throws ConfigError{"crs"} unless `text` is empty (automatic) or a projected CRS.
void validate_working_crs(const std::string& text);

struct ProjectConfig {
    std::string path;  ///< the config file
    std::string name;  ///< district name, optional
    io::DistrictSpec district;
    blocks::BlocksConfig blocks;
    coverage::CoverageConfig coverage;  ///< includes the walking network's settings
    partition::PartitionConfig plan;
    /// Polygons (sub-districts, street offices) that no grid may cross.
    std::optional<io::SourceSpec> nest_within;
    OutputConfig output;
    /// The dotted keys the file sets among those a preset sets (plan.households_per_grid,
    /// plan.tolerance, plan.walk_minutes, plan.speed_kmh, coverage.radius_min,
    /// coverage.speed_kmh, coverage.service_radius_min.<service>): a preset given on the
    /// command line fills in only the others.
    std::set<std::string> given;
};

/// The plan section with the gb50180 preset as defaults: the file's own values (`given`)
/// stay, the preset fills in the rest (then the command line's flags override both).
partition::PartitionConfig plan_with_gb50180(const ProjectConfig& cfg);

/// The coverage section with the gb50180 preset as defaults, the same way; the walking
/// network's settings (network.*) are the file's.
coverage::CoverageConfig coverage_with_gb50180(const ProjectConfig& cfg);

/// Reads and checks a config file. Throws ConfigError naming the file and key (with the
/// nearest valid key for typos), InputError if the file cannot be read.
ProjectConfig load_project_config(const std::string& path);

/// Resolves `path` against `base_dir` unless it is absolute or a connection string.
std::string resolve_path(const std::string& path, const std::string& base_dir);

} // namespace gridplan::config
