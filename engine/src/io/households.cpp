#include "gridplan/io/households.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/io/district.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <cmath>

namespace gridplan::io {

void BuildingEstimateConfig::validate() const {
    if (!(floor_area_per_household_m2 >= 10.0 && floor_area_per_household_m2 <= 1000.0)) {
        throw ConfigError{"households.floor_area_per_household_m2", "must be from 10 to 1000 m2"};
    }
    auto check_levels = [](const std::map<std::string, double>& m, const std::string& key) {
        for (const auto& [type, levels] : m) {
            if (!(levels > 0.0 && levels <= 200.0)) {
                throw ConfigError{key + "." + type, "default levels must be above 0 and at most 200"};
            }
        }
    };
    check_levels(residential_levels, "households.residential_buildings");
    check_levels(unspecified_levels, "households.unspecified_buildings");
    if (!(unspecified_min_area_m2 >= 0.0 && unspecified_max_area_m2 > unspecified_min_area_m2 &&
          unspecified_max_area_m2 <= 1.0e12)) {
        throw ConfigError{"households.unspecified_area_m2", "must be [min, max] with 0 <= min < max <= 1e12 m2"};
    }
    if (!(default_levels > 0.0 && default_levels <= 200.0)) {
        throw ConfigError{"households.default_levels", "must be above 0 and at most 200"};
    }
}

namespace {

/// A point inside the building: its centroid when that lies inside, else a point on its surface.
void building_point(const wrap::GeosContext& geos, const GEOSGeometry* g, double& x, double& y) {
    wrap::GeomPtr c = geos.own(GEOSGetCentroid_r(geos.handle(), g), "building centroid");
    if (!geos.is_empty(c.get()) &&
        geos.check_bool(GEOSIntersects_r(geos.handle(), g, c.get()), "centroid inside building")) {
        geos.check_status(GEOSGeomGetX_r(geos.handle(), c.get(), &x), "x");
        geos.check_status(GEOSGeomGetY_r(geos.handle(), c.get(), &y), "y");
        return;
    }
    geos.point_on_surface(g, x, y);
}

} // namespace

EstimateReport estimate_households(const std::vector<Building>& buildings,
                                   const std::vector<const GEOSGeometry*>& excluded_areas,
                                   const BuildingEstimateConfig& config, const wrap::GeosContext& geos,
                                   std::vector<HouseholdPoint>& out) {
    namespace bg = boost::geometry;
    namespace bgi = boost::geometry::index;
    using Point = bg::model::d2::point_xy<double>;
    using Box = bg::model::box<Point>;

    std::vector<std::pair<Box, std::size_t>> boxes;
    std::vector<wrap::PreparedPtr> prepared;
    for (std::size_t i = 0; i < excluded_areas.size(); ++i) {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        if (geos.bounds(excluded_areas[i], x0, y0, x1, y1)) {
            boxes.emplace_back(Box{Point{x0, y0}, Point{x1, y1}}, i);
        }
        prepared.push_back(geos.prepare(excluded_areas[i]));
    }
    const bgi::rtree<std::pair<Box, std::size_t>, bgi::rstar<16>> tree{boxes.begin(), boxes.end()};

    EstimateReport report;
    report.method = "building footprints";
    report.first_point = out.size();
    for (const auto& b : buildings) {
        ++report.buildings_read;
        const bool typed = !b.type.empty();
        double default_levels = config.default_levels;
        bool unspecified = false;
        if (typed) {
            if (const auto it = config.residential_levels.find(b.type); it != config.residential_levels.end()) {
                default_levels = it->second;
            } else if (const auto u = config.unspecified_levels.find(b.type); u != config.unspecified_levels.end()) {
                default_levels = u->second;
                unspecified = true;
            } else {
                ++report.excluded_non_residential_type;
                continue;
            }
        }
        const double area = geos.area(b.geom.get());
        if (unspecified && (area < config.unspecified_min_area_m2 || area > config.unspecified_max_area_m2)) {
            ++report.excluded_by_size;
            continue;
        }
        double x = 0.0;
        double y = 0.0;
        building_point(geos, b.geom.get(), x, y);
        if (unspecified && !boxes.empty()) {
            wrap::GeomPtr p = geos.point(x, y);
            bool excluded = false;
            for (auto it = tree.qbegin(bgi::intersects(Point{x, y})); it != tree.qend() && !excluded; ++it) {
                excluded = geos.check_bool(
                    GEOSPreparedIntersects_r(geos.handle(), prepared[it->second].get(), p.get()), "landuse");
            }
            if (excluded) {
                ++report.excluded_by_landuse;
                continue;
            }
        }
        double levels = default_levels;
        if (b.levels) {
            levels = *b.levels;
            ++report.levels_from_data;
        }
        const auto households = std::max<std::int64_t>(
            1, std::llround(area * levels / config.floor_area_per_household_m2));
        HouseholdPoint h;
        h.x = x;
        h.y = y;
        h.count = static_cast<std::uint32_t>(std::min<std::int64_t>(households, 10000000));
        h.source = b.source;
        h.fid = b.fid;
        out.push_back(h);
        ++report.buildings_residential;
        report.households += h.count;
        report.point_types.push_back(typed ? b.type : std::string{});
        report.point_building_ids.push_back(b.building_id);
        auto& t = report.by_type[typed ? b.type : "(untyped)"];
        ++t.buildings;
        t.households += h.count;
    }
    return report;
}

EstimateReport join_register(const std::vector<Building>& buildings,
                             const std::map<std::string, std::int64_t>& counts_by_building,
                             const wrap::GeosContext& geos, std::vector<HouseholdPoint>& out,
                             std::int64_t& unmatched_households, std::size_t& unmatched_ids) {
    EstimateReport report;
    report.method = "register joined to buildings";
    report.first_point = out.size();
    std::map<std::string, const Building*> by_id;
    for (const auto& b : buildings) {
        ++report.buildings_read;
        if (!b.building_id.empty()) {
            by_id.emplace(b.building_id, &b);
        }
    }
    unmatched_households = 0;
    unmatched_ids = 0;
    for (const auto& [id, count] : counts_by_building) {
        const auto it = by_id.find(id);
        if (it == by_id.end()) {
            unmatched_households += count;
            ++unmatched_ids;
            continue;
        }
        const Building& b = *it->second;
        HouseholdPoint h;
        building_point(geos, b.geom.get(), h.x, h.y);
        h.count = static_cast<std::uint32_t>(std::min<std::int64_t>(count, 10000000));
        h.source = b.source;
        h.fid = b.fid;
        out.push_back(h);
        ++report.buildings_residential;
        report.households += h.count;
        report.point_types.push_back(b.type);
        report.point_building_ids.push_back(id);
        auto& t = report.by_type[b.type.empty() ? "(untyped)" : b.type];
        ++t.buildings;
        t.households += h.count;
    }
    return report;
}

} // namespace gridplan::io
