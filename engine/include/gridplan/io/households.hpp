#pragma once
// Households estimated from building footprints (OSM or any building layer with a floors
// field), or joined from a household register by building id:
//   households = residential floor area / floor area per household, where the floor area
//   is the footprint x levels (from the data: levels, else height / 3 m; else a default by
//   building type and by the land use and building density around it), placed at a point
//   inside the building. Known totals (census or register counts per area) are shared out
//   over the residential buildings inside each area by floor area, exactly.

#include "gridplan/core/ids.hpp"
#include "gridplan/wrap/geos.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gridplan::io {

struct HouseholdPoint;

/// A row of the default-levels table for unspecified buildings (OSM building=yes): the
/// first row whose conditions all hold gives the levels. A matching row also lifts the
/// footprint range of unspecified buildings (a large footprint in housing is an
/// apartment block, not a hall).
struct ContextLevels {
    std::string landuse;            ///< the land use the building stands in; "" any
    double min_footprint_m2 = 0.0;  ///< footprint at least this
    double min_coverage = 0.0;      ///< building coverage around it at least this (0..1)
    double levels = 1.0;
};

struct BuildingEstimateConfig {
    /// Gross floor area per household: the dwelling with its share of walls, stairs,
    /// lifts and common parts.
    double floor_area_per_household_m2 = 120.0;
    /// Residential building types and their default levels (when no levels are given).
    std::map<std::string, double> residential_levels;
    /// Unspecified types (OSM building=yes) counted as residential unless they stand in
    /// excluded land use; their default levels.
    std::map<std::string, double> unspecified_levels;
    /// Land use in which unspecified buildings are not homes (industrial, commercial, retail).
    std::set<std::string> excluded_landuse;
    /// Unspecified buildings count only within this footprint range: smaller ones are
    /// sheds and garages, larger ones halls, stores and offices.
    double unspecified_min_area_m2 = 0.0;
    double unspecified_max_area_m2 = 1.0e12;
    /// With no type information at all (a layer without a type field), every building
    /// counts as residential with these levels by default.
    double default_levels = 3.0;
    /// Default levels of unspecified buildings by surroundings, first match wins.
    std::vector<ContextLevels> context_levels;
    /// Radius of the circle around a building in which building coverage (footprints /
    /// circle area) measures how densely built its surroundings are.
    double coverage_radius_m = 100.0;

    /// Whether a land-use value matters to the estimate (excluded, or in a table row).
    bool uses_landuse(const std::string& landuse) const;
    void validate() const;
};

/// A building footprint in the working CRS.
struct Building {
    wrap::GeomPtr geom;
    std::string type;               ///< "" when the layer has no type field
    std::optional<double> levels;   ///< from the data (levels + roof levels), if given and plausible
    std::optional<double> height_m; ///< from the data, if given and plausible
    std::string building_id;        ///< for joining a register
    std::uint32_t source = 0;
    SourceFid fid;
};

struct EstimateReport {
    struct TypeCount {
        std::size_t buildings = 0;
        std::int64_t households = 0;
    };
    std::string method;  ///< "building footprints" or "register joined to buildings"
    std::size_t buildings_read = 0;
    std::size_t buildings_residential = 0;
    std::size_t excluded_non_residential_type = 0;
    std::size_t excluded_by_landuse = 0;
    std::size_t excluded_by_size = 0;  ///< unspecified buildings outside the footprint range
    std::size_t levels_from_data = 0;
    std::size_t levels_from_height = 0;
    /// Unspecified buildings whose estimate rounds to no household (sheds, garages).
    std::size_t rounded_to_none = 0;
    std::int64_t households = 0;
    /// Households by what decided them: "levels", "height", "default" (levels from the
    /// table), "total" (a known total shared out), "register".
    std::map<std::string, std::int64_t> households_by_source;
    std::size_t totals_areas = 0;
    std::int64_t totals_households = 0;
    /// Areas of known totals without a residential building inside: their households
    /// stand at a point inside the area.
    std::size_t totals_without_buildings = 0;
    std::map<std::string, TypeCount> by_type;  ///< residential types only
    /// The building type of each household point appended, in order.
    std::vector<std::string> point_types;
    /// The building id of each household point appended, in order ("" when the layer
    /// gives none): how a replan recognises the same building in two snapshots.
    std::vector<std::string> point_building_ids;
    /// What decided each appended point's count (see households_by_source), and the
    /// residential floor area used (0 for a total without buildings and a register).
    std::vector<std::string> point_sources;
    std::vector<double> point_floor_areas;
    /// Where the appended points start in the district's household list.
    std::size_t first_point = 0;
};

/// A land-use polygon (working CRS) and its value (residential, industrial, ...).
struct LanduseArea {
    const GEOSGeometry* geom = nullptr;
    std::string landuse;
};

/// An area with a known number of households (census or register), working CRS.
struct HouseholdTotal {
    const GEOSGeometry* geom = nullptr;
    std::int64_t households = 0;
    std::uint32_t source = 0;
    SourceFid fid;
    const char* kind = "total";  ///< what decided the households it gives: "total", "raster"
};

/// Estimates household points from buildings. `landuse` polygons decide which unspecified
/// buildings are homes and their default levels. Each of `totals` is shared out over the
/// residential buildings whose point lies inside it (the first area holding a point
/// takes it) in proportion to floor area, so that it is met exactly. Appends to `out`.
EstimateReport estimate_households(const std::vector<Building>& buildings, const std::vector<LanduseArea>& landuse,
                                   const std::vector<HouseholdTotal>& totals, const BuildingEstimateConfig& config,
                                   const wrap::GeosContext& geos, std::vector<HouseholdPoint>& out);

/// Shares `total` out over `weights` in proportion, as whole numbers summing to `total`
/// exactly (largest remainder; ties to the lower index). All weights 0: equal shares.
std::vector<std::int64_t> share_out(std::int64_t total, const std::vector<double>& weights);

/// Household points from a register: counts per building id, at the buildings. Register
/// ids without a building are counted in `unmatched`.
EstimateReport join_register(const std::vector<Building>& buildings,
                             const std::map<std::string, std::int64_t>& counts_by_building,
                             const wrap::GeosContext& geos, std::vector<HouseholdPoint>& out,
                             std::int64_t& unmatched_households, std::size_t& unmatched_ids);

} // namespace gridplan::io
