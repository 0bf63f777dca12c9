#pragma once
// Households estimated from building footprints (OSM or any building layer with a floors
// field), or joined from a household register by building id:
//   households = footprint area x levels / floor area per household (at least 1 for a
//   residential building), placed at a point inside the building.

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

struct BuildingEstimateConfig {
    double floor_area_per_household_m2 = 90.0;
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

    void validate() const;
};

/// A building footprint in the working CRS.
struct Building {
    wrap::GeomPtr geom;
    std::string type;               ///< "" when the layer has no type field
    std::optional<double> levels;   ///< from the data, if given and plausible
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
    std::int64_t households = 0;
    std::map<std::string, TypeCount> by_type;  ///< residential types only
    /// The building type of each household point appended, in order.
    std::vector<std::string> point_types;
    /// The building id of each household point appended, in order ("" when the layer
    /// gives none): how a replan recognises the same building in two snapshots.
    std::vector<std::string> point_building_ids;
    /// Where the appended points start in the district's household list.
    std::size_t first_point = 0;
};

/// Estimates household points from buildings. `excluded_areas` are land-use polygons in
/// which unspecified buildings are not counted. Appends to `out`.
EstimateReport estimate_households(const std::vector<Building>& buildings,
                                   const std::vector<const GEOSGeometry*>& excluded_areas,
                                   const BuildingEstimateConfig& config, const wrap::GeosContext& geos,
                                   std::vector<HouseholdPoint>& out);

/// Household points from a register: counts per building id, at the buildings. Register
/// ids without a building are counted in `unmatched`.
EstimateReport join_register(const std::vector<Building>& buildings,
                             const std::map<std::string, std::int64_t>& counts_by_building,
                             const wrap::GeosContext& geos, std::vector<HouseholdPoint>& out,
                             std::int64_t& unmatched_households, std::size_t& unmatched_ids);

} // namespace gridplan::io
