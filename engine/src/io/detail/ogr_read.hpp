#pragma once
// Internals of read_district: reading every source in its own CRS, then projecting.

#include "gridplan/io/district.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gridplan::io::detail {

struct RawAdmin {
    wrap::GeomPtr geom;  ///< WGS84
    std::string name;
    int level = 0;
    SourceFid fid;
};

/// A repaired or skipped input geometry, reported once the working CRS is known.
struct RawProblem {
    std::string code;
    std::string detail;
    std::uint32_t source = 0;
    SourceFid fid;
    wrap::GeomPtr geom;  ///< in the source's CRS, may be null
};

/// Everything read, each geometry still in its source's CRS.
struct Raw {
    std::vector<std::string> source_names;
    std::vector<crs::Crs> source_crs;
    std::vector<std::string> input_files;

    wrap::GeomPtr boundary;
    crs::Crs boundary_crs;
    std::uint32_t boundary_source = 0;
    std::string boundary_description;

    std::vector<BarrierLine> barriers;
    std::vector<WaterArea> water;
    std::vector<HouseholdPoint> households;
    std::vector<RawAdmin> admins;
    /// Buildings (source CRS) for household estimation, land use excluding homes.
    std::vector<Building> buildings;
    std::vector<RawAdmin> excluded_landuse;
    std::optional<HouseholdSpec> household_estimation;  ///< how to turn buildings into households
    std::map<std::string, std::int64_t> register_counts;
    std::vector<RawProblem> problems;
    /// "file.osm.pbf" if an OSM file was read (admin boundaries come from it).
    std::string osm_source_name;
};

void read_sources(const DistrictSpec& spec, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx);

/// Moves everything into `d`, transformed into d.working_crs; reports raw problems.
void project_into(Raw& raw, District& d, const wrap::GeosContext& geos, RunContext& ctx);

} // namespace gridplan::io::detail
