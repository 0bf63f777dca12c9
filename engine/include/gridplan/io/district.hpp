#pragma once
// Reading a district: its boundary, barrier lines, water areas and household points,
// from any OGR data source, projected into the local metric working CRS.

#include "gridplan/core/barrier.hpp"
#include "gridplan/core/ids.hpp"
#include "gridplan/core/service.hpp"
#include "gridplan/core/run_context.hpp"
#include "gridplan/crs/crs.hpp"
#include "gridplan/io/households.hpp"
#include "gridplan/io/osm_tags.hpp"
#include "gridplan/wrap/geos.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gridplan::io {

/// One OGR layer: a file or connection string, a layer (first one if empty) and an
/// optional OGR SQL attribute filter.
struct SourceSpec {
    std::string path;   ///< a file, or a GDAL connection string (PG:"dbname=... host=...")
    std::string layer;
    /// An SQL query whose result is the layer (a database's dialect; PostGIS), instead of
    /// `layer`.
    std::string sql;
    std::string where;
    std::vector<std::string> open_options;
    /// Config key this source came from, for messages ("barriers[1]").
    std::string config_key;
};

/// How a barrier source's lines get their class.
struct BarrierSpec {
    enum class Rule { fixed, field, osm };

    SourceSpec source;
    Rule rule = Rule::fixed;
    BarrierClass fixed_class = BarrierClass::street;
    std::string class_field;
    std::map<std::string, BarrierClass> class_map;
    std::optional<BarrierClass> default_class;
    /// Field holding the barrier's name; empty: "name" if the layer has it.
    std::string name_field;
    /// False for lines nobody walks along (an expressway layer).
    bool walkable = true;
    /// OSM tag mapping file for Rule::osm; empty: the built-in data/osm/tags.json.
    std::string osm_tags;
};

/// Where households come from: points with counts, building footprints (estimated), or
/// a register joined to buildings by building id.
struct HouseholdSpec {
    enum class Mode { points, buildings, register_join };

    Mode mode = Mode::points;
    SourceSpec source;  ///< points, or building polygons
    /// Points: field with the household count; empty: each point counts 1.
    /// Register: the register's count field.
    std::string count_field;
    /// Buildings: field with the number of floors (levels), and with the building type.
    std::string levels_field;
    std::string type_field;
    /// Buildings: field with the height in metres (levels = height / 3 m when no levels).
    std::string height_field;
    BuildingEstimateConfig estimate;
    /// Register: the building id field in the buildings layer and in the register.
    std::string building_id_field;
    SourceSpec register_source;
    std::string register_id_field;
};

/// Polygons with a known number of households (communities, villages or census areas,
/// from a register or a census): shared out over the residential buildings inside each
/// polygon by floor area, so that each total is met exactly.
struct HouseholdTotalsSpec {
    SourceSpec source;
    std::string count_field;
};

/// A raster of persons per cell (GHSL, WorldPop or any GDAL raster), shared out over the
/// residential buildings cell by cell as households (persons / persons per household).
struct PopulationRasterSpec {
    SourceSpec source;
    int band = 1;
    double persons_per_household = 2.8;
};

/// A point layer used by later stages: community service centres, service facilities,
/// units (villages, communities, resident units) or their outlines.
struct FeatureLayerSpec {
    SourceSpec source;
    std::string id_field;        ///< stable id; empty: the feature id
    std::string name_field;      ///< empty: "name" if present
    std::string services_field;  ///< comma-separated services (facilities, centres)
    std::string kind_field;      ///< unit kind (village, community, resident_unit, ...)
    /// Values of the services field mapped to service names (e.g. "clinic" -> "medical").
    std::map<std::string, std::string> service_map;
};

/// Which polygon is the district.
struct BoundarySpec {
    enum class Kind {
        automatic,   ///< the OSM admin boundary holding most homes, else the built-up outline
        source,      ///< a polygon layer
        admin_name,  ///< the OSM administrative boundary with this name
        admin_level  ///< the union of OSM administrative boundaries of this level
    };
    Kind kind = Kind::automatic;
    SourceSpec source;
    std::string admin_name;
    int admin_level = 0;
};

struct DistrictSpec {
    BoundarySpec boundary;
    std::vector<BarrierSpec> barriers;
    std::vector<SourceSpec> water;
    /// Polygons of land, or of sea: the district is cut to the land, less the sea (for
    /// input without OSM coastlines).
    std::vector<SourceSpec> land;
    std::vector<SourceSpec> sea;
    std::optional<HouseholdSpec> households;
    /// Known household totals per area, for households estimated from buildings.
    std::optional<HouseholdTotalsSpec> household_totals;
    /// Persons per cell, for households estimated from buildings (instead of totals).
    std::optional<PopulationRasterSpec> population_raster;
    /// Layers for the coverage and partition stages (not needed to cut blocks).
    std::optional<FeatureLayerSpec> centres;
    std::optional<FeatureLayerSpec> facilities;
    std::optional<FeatureLayerSpec> units;
    std::optional<FeatureLayerSpec> unit_areas;
    /// Working CRS ("EPSG:N"); empty: the UTM zone of the district's centroid.
    std::string working_crs;
};

/// A barrier line in the working CRS.
struct BarrierLine {
    wrap::GeomPtr geom;
    BarrierClass cls = BarrierClass::none;
    std::string name;
    std::uint32_t source = 0;  ///< index into District::sources
    SourceFid fid;
    bool bridge = false;
    bool tunnel = false;
    int layer = 0;
    /// False for lines that divide nothing at the surface (tunnels, covered ways): they
    /// are walkable but cut no blocks.
    bool barrier = true;
    /// False for rivers and for lines closed to pedestrians (motorways, foot=no).
    bool walkable = true;
};

/// A water area (riverbank, lake) in the working CRS.
struct WaterArea {
    wrap::GeomPtr geom;
    std::string name;
    std::uint32_t source = 0;
    SourceFid fid;
};

/// A household point in the working CRS.
struct HouseholdPoint {
    double x = 0.0;
    double y = 0.0;
    std::uint32_t count = 1;
    std::uint32_t source = 0;
    SourceFid fid;
};

/// A point feature: a community service centre, a service facility, a unit or a
/// candidate site, in the working CRS.
struct PointFeature {
    double x = 0.0;
    double y = 0.0;
    ServiceSet services = 0;
    std::string id;    ///< the id field's value, else the feature id
    std::string name;
    std::string kind;
    std::uint32_t source = 0;
    SourceFid fid;
};

enum class PointRole { centre, facility, unit, candidate };

/// A polygon feature (grids, unit outlines), in the working CRS.
struct PolygonFeature {
    wrap::GeomPtr geom;
    std::string id;
    std::string name;
    std::string kind;
    SourceFid fid;
};

struct District {
    crs::Crs working_crs;
    /// The CRS of the boundary input: the default CRS of non-GeoJSON outputs.
    crs::Crs input_crs;
    wrap::GeomPtr boundary;  ///< Polygon or MultiPolygon, valid, working CRS; land only
    std::string boundary_description;
    /// Sea taken out of the boundary (coastlines, or land / sea layers), and how.
    double sea_removed_m2 = 0.0;
    std::string sea_source;
    std::vector<BarrierLine> barriers;
    std::vector<WaterArea> water;
    std::vector<HouseholdPoint> households;
    /// Households of the input left out while reading, by reason (`no_geometry`,
    /// `unprojectable`); each also reported to the problem reporter with its fid.
    std::map<std::string, std::int64_t> households_rejected;
    std::vector<PointFeature> centres;
    std::vector<PointFeature> facilities;
    std::vector<PointFeature> units;
    std::vector<PolygonFeature> unit_areas;
    /// "path:layer" of every source, indexed by the `source` members above.
    std::vector<std::string> sources;
    /// Every input file, so that outputs never overwrite one.
    std::vector<std::string> input_files;
    bool from_osm = false;
    /// Set when households were estimated from buildings or joined from a register.
    std::optional<EstimateReport> household_estimate;
};

/// Where every household of the input went: input = placed + the rejected ones.
/// Written as the top-level keys `households_input`, `households_placed` and
/// `households_rejected` (reason -> households, every reason listed) of plan.json,
/// coverage.json and blocks_summary.json, so the totals can be checked from any output.
struct HouseholdAccount {
    std::int64_t input = 0;
    std::int64_t placed = 0;
    std::map<std::string, std::int64_t> rejected;

    /// The reasons, in the order they are written.
    static const std::vector<std::string>& reasons();
    /// The district's households (read and rejected while reading) less those the later
    /// stage rejected (`outside_district`, `water_no_bank`).
    static HouseholdAccount of(const District& district, std::int64_t outside_district, std::int64_t water_no_bank);
    /// Adds the three top-level keys to `j`.
    void write_to(nlohmann::json& j) const;
    /// "3 outside the district, 79 without a geometry", or "" if none was rejected.
    std::string rejected_text() const;
};

/// Reads everything the spec names. Throws InputError/ConfigError/CrsError on bad input;
/// repairs what it can and reports it to ctx.problems.
District read_district(const DistrictSpec& spec, const wrap::GeosContext& geos, RunContext& ctx);

/// The households of one snapshot (a copy of an earlier household layer), read by the
/// rules of a HouseholdSpec alone.
struct HouseholdLayer {
    std::vector<HouseholdPoint> points;           ///< working CRS
    std::vector<std::string> building_ids;        ///< per point; "" when the layer gives none
    std::map<std::string, std::int64_t> rejected; ///< households left out while reading, by reason
    std::vector<std::string> sources;             ///< "path:layer", indexed by HouseholdPoint::source
    std::vector<std::string> input_files;
};

/// Reads the households `spec` names with the rules read_district applies (points with
/// counts, buildings estimated, a register joined), checks their coordinates against the
/// district (range, swapped axes) and projects them into its working CRS. Warnings go to
/// ctx.log; the layer's problems are not reported as this run's QA items.
HouseholdLayer read_households(const HouseholdSpec& spec, const District& district, const wrap::GeosContext& geos,
                               RunContext& ctx);

/// The building id of each of the district's household points ("" where none is known:
/// points, or buildings without an id field).
std::vector<std::string> household_building_ids(const District& district);

/// A QA problem about one household point: its source, fid and location (working CRS).
Problem household_problem(const District& district, const HouseholdPoint& h, std::string code, std::string detail,
                          const wrap::GeosContext& geos, std::optional<std::int64_t> block_id = std::nullopt);

/// Removes the household points that lie outside the district boundary (stages that cut
/// no blocks, such as coverage), adds them to `households_rejected` ("outside_district")
/// and reports each as a `household_outside` problem. Returns the households removed.
std::int64_t reject_households_outside(District& district, const wrap::GeosContext& geos, RunContext& ctx);

/// The district spec of the `--osm FILE` shortcut: barriers (and water areas) from the
/// file's tags, the boundary chosen by `boundary` (a polygon file, "admin:NAME",
/// "admin_level:N" or empty for automatic).
DistrictSpec osm_district_spec(const std::string& osm_path, const std::string& boundary,
                               const std::string& osm_tags = {});

/// Reads a point layer (polygons count at a point inside them) into the working CRS.
/// Services come from the services field (comma or semicolon separated, through the
/// service map); centres without a services field offer all eight.
std::vector<PointFeature> read_point_layer(const FeatureLayerSpec& spec, PointRole role, const crs::Crs& working,
                                           const wrap::GeosContext& geos, RunContext& ctx);

/// Reads a polygon layer into the working CRS; ids from `id_field` if the layer has it,
/// else the feature id.
std::vector<PolygonFeature> read_polygon_layer(const SourceSpec& source, const std::string& id_field,
                                               const crs::Crs& working, const wrap::GeosContext& geos,
                                               RunContext& ctx);

/// Parses a services value ("medical, childcare") through `service_map`; throws
/// InputError naming the unknown value and the allowed names.
ServiceSet parse_services(const std::string& value, const std::map<std::string, std::string>& service_map);

/// True for paths GDAL's OSM driver reads (.osm.pbf, .pbf, .osm).
bool is_osm_path(const std::string& path);

} // namespace gridplan::io
