#pragma once
// Internals of read_district: reading every source in its own CRS, then projecting.

#include "gridplan/core/error.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/wrap/gdal.hpp"

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
    /// OSM natural=coastline ways (WGS84), land on their left.
    std::vector<wrap::GeomPtr> coastlines;
    std::vector<HouseholdPoint> households;
    /// Households left out while reading, by reason (no_geometry, unprojectable).
    std::map<std::string, std::int64_t> households_rejected;
    std::vector<RawAdmin> admins;
    /// Buildings (source CRS) for household estimation, land use excluding homes.
    std::vector<Building> buildings;
    /// Land use that matters to the estimate (WGS84; name holds the landuse value).
    std::vector<RawAdmin> landuse;
    /// Areas with known household totals, in their source's CRS.
    struct Total {
        wrap::GeomPtr geom;
        std::int64_t households = 0;
        std::uint32_t source = 0;
        SourceFid fid;
    };
    std::vector<Total> household_totals;
    /// A population raster to share out over the buildings, and its source index.
    std::optional<PopulationRasterSpec> population_raster;
    std::uint32_t population_raster_source = 0;
    std::optional<HouseholdSpec> household_estimation;  ///< how to turn buildings into households
    std::map<std::string, std::int64_t> register_counts;
    /// Centres and facilities from OSM tags (WGS84), when the config names none.
    std::vector<PointFeature> osm_centres;
    std::vector<PointFeature> osm_facilities;
    bool osm_services = false;
    std::vector<RawProblem> problems;
    /// "file.osm.pbf" if an OSM file was read (admin boundaries come from it).
    std::string osm_source_name;
};

void read_sources(const DistrictSpec& spec, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx);

/// Reads the households `spec` names (points, or buildings and a register) into `raw`.
void read_household_source(const HouseholdSpec& spec, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx);

/// Projects raw.households into `working` and appends them to `out`, then estimates the
/// households of raw.buildings (or joins the register) if the spec asks for it; rejected
/// households go to raw.households_rejected.
/// `district` (working CRS) bounds the population raster's cells.
void project_households(Raw& raw, const crs::Crs& working, const GEOSGeometry* district,
                        std::vector<HouseholdPoint>& out, std::optional<EstimateReport>& estimate,
                        const wrap::GeosContext& geos, RunContext& ctx);

/// An opened OGR layer with its filter set and its CRS.
struct OpenSource {
    OpenSource() = default;
    ~OpenSource();
    OpenSource(const OpenSource&) = delete;
    OpenSource& operator=(const OpenSource&) = delete;
    OpenSource(OpenSource&& other) noexcept;
    OpenSource& operator=(OpenSource&&) = delete;

    GDALDatasetUniquePtr ds;
    OGRLayer* layer = nullptr;
    bool query = false;  ///< `layer` is the result of an SQL query (released with the source)
    std::string name;  ///< "path:layer" (passwords masked)
    crs::Crs crs;
};

OpenSource open_source(const SourceSpec& src, RunContext& ctx);
std::string file_label(const std::string& path);
/// A GEOS copy of an OGR geometry: 2D, curves linearised. Null if GEOS cannot take it.
wrap::GeomPtr to_geos(const OGRGeometry& g, const wrap::GeosContext& geos);
/// The index of `field`; throws InputError naming the config key and the nearest field.
int field_index(OGRFeatureDefn& defn, const std::string& field, const SourceSpec& src, const std::string& layer,
                const std::string& key);

/// Iterates the features of a layer; turns read failures into InputError naming the source.
template <typename F>
void for_each_feature(OpenSource& o, const std::string& path, F&& f) {
    wrap::CplMessageCapture capture;
    o.layer->ResetReading();
    while (OGRFeatureUniquePtr feature{o.layer->GetNextFeature()}) {
        f(*feature);
    }
    const std::string error = capture.last_error();
    if (!error.empty()) {
        throw InputError{"read failed: " + error, file_label(path), o.layer->GetName()};
    }
}

/// Moves everything into `d`, transformed into d.working_crs; reports raw problems.
void project_into(Raw& raw, District& d, const wrap::GeosContext& geos, RunContext& ctx);

} // namespace gridplan::io::detail
