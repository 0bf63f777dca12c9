#include "gridplan/io/households.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/io/district.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <cmath>

namespace gridplan::io {

bool BuildingEstimateConfig::uses_landuse(const std::string& landuse) const {
    if (excluded_landuse.count(landuse) > 0) {
        return true;
    }
    return std::any_of(context_levels.begin(), context_levels.end(),
                       [&landuse](const ContextLevels& r) { return r.landuse == landuse; });
}

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
    for (std::size_t i = 0; i < context_levels.size(); ++i) {
        const auto& r = context_levels[i];
        const std::string key = "households.context_levels[" + std::to_string(i) + "]";
        if (!(r.levels > 0.0 && r.levels <= 200.0)) {
            throw ConfigError{key + ".levels", "must be above 0 and at most 200"};
        }
        if (!(r.min_footprint_m2 >= 0.0 && r.min_footprint_m2 <= 1.0e9)) {
            throw ConfigError{key + ".min_footprint_m2", "must be from 0 to 1e9 m2"};
        }
        if (!(r.min_coverage >= 0.0 && r.min_coverage <= 1.0)) {
            throw ConfigError{key + ".min_coverage", "must be from 0 to 1"};
        }
    }
    if (!(coverage_radius_m >= 10.0 && coverage_radius_m <= 1000.0)) {
        throw ConfigError{"households.coverage_radius_m", "must be from 10 to 1000 m"};
    }
}

std::vector<std::int64_t> share_out(std::int64_t total, const std::vector<double>& weights) {
    std::vector<std::int64_t> out(weights.size(), 0);
    if (weights.empty() || total <= 0) {
        return out;
    }
    double sum = 0.0;
    for (const double w : weights) {
        sum += std::max(0.0, w);
    }
    std::vector<double> quota(weights.size());
    for (std::size_t i = 0; i < weights.size(); ++i) {
        quota[i] = sum > 0.0 ? static_cast<double>(total) * std::max(0.0, weights[i]) / sum
                             : static_cast<double>(total) / static_cast<double>(weights.size());
    }
    std::int64_t given = 0;
    for (std::size_t i = 0; i < quota.size(); ++i) {
        out[i] = static_cast<std::int64_t>(std::floor(quota[i]));
        given += out[i];
    }
    std::vector<std::size_t> order(quota.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return quota[a] - std::floor(quota[a]) > quota[b] - std::floor(quota[b]);
    });
    // Floating-point floors can leave the sum off by more than the count of weights only
    // for absurd totals; the loop wraps round to stay exact either way.
    for (std::size_t k = 0; given < total; k = (k + 1) % order.size()) {
        ++out[order[k]];
        ++given;
    }
    for (std::size_t k = order.size(); given > total && k-- > 0;) {
        if (out[order[k]] > 0) {
            --out[order[k]];
            --given;
        }
    }
    return out;
}

namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using Point = bg::model::d2::point_xy<double>;
using Box = bg::model::box<Point>;

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

/// Polygons with an R-tree over their boxes, to find the first one holding a point.
class PolygonIndex {
public:
    PolygonIndex(const wrap::GeosContext& geos, const std::vector<const GEOSGeometry*>& polygons) : m_geos{geos} {
        std::vector<std::pair<Box, std::size_t>> boxes;
        for (std::size_t i = 0; i < polygons.size(); ++i) {
            double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            if (geos.bounds(polygons[i], x0, y0, x1, y1)) {
                boxes.emplace_back(Box{Point{x0, y0}, Point{x1, y1}}, i);
            }
            m_prepared.push_back(geos.prepare(polygons[i]));
        }
        m_tree = Tree{boxes.begin(), boxes.end()};
    }

    /// The lowest index of a polygon holding (x, y), or npos.
    std::size_t first_holding(double x, double y) const {
        std::size_t best = npos;
        wrap::GeomPtr p;
        for (auto it = m_tree.qbegin(bgi::intersects(Point{x, y})); it != m_tree.qend(); ++it) {
            if (it->second >= best) {
                continue;
            }
            if (!p) {
                p = m_geos.point(x, y);
            }
            if (m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), m_prepared[it->second].get(), p.get()),
                                  "point in polygon")) {
                best = it->second;
            }
        }
        return best;
    }

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

private:
    using Tree = bgi::rtree<std::pair<Box, std::size_t>, bgi::rstar<16>>;
    const wrap::GeosContext& m_geos;
    std::vector<wrap::PreparedPtr> m_prepared;
    Tree m_tree;
};

/// A building counted as a home: where, its residential floor area and what decided it.
struct Home {
    std::size_t building = 0;
    double x = 0.0;
    double y = 0.0;
    double floor_area_m2 = 0.0;
    bool at_least_one = false;  ///< a typed home counts at least one household
    const char* source = "default";
};

} // namespace

EstimateReport estimate_households(const std::vector<Building>& buildings, const std::vector<LanduseArea>& landuse,
                                   const std::vector<HouseholdTotal>& totals, const BuildingEstimateConfig& config,
                                   const wrap::GeosContext& geos, std::vector<HouseholdPoint>& out) {
    std::vector<const GEOSGeometry*> landuse_geoms;
    for (const auto& l : landuse) {
        landuse_geoms.push_back(l.geom);
    }
    const PolygonIndex landuse_index{geos, landuse_geoms};

    // Every building's point and footprint, for the homes and for the coverage around them.
    std::vector<double> xs(buildings.size());
    std::vector<double> ys(buildings.size());
    std::vector<double> areas(buildings.size());
    std::vector<std::pair<Point, std::size_t>> points;
    points.reserve(buildings.size());
    for (std::size_t i = 0; i < buildings.size(); ++i) {
        areas[i] = geos.area(buildings[i].geom.get());
        building_point(geos, buildings[i].geom.get(), xs[i], ys[i]);
        points.emplace_back(Point{xs[i], ys[i]}, i);
    }
    const bgi::rtree<std::pair<Point, std::size_t>, bgi::rstar<16>> point_tree{points.begin(), points.end()};
    const double r = config.coverage_radius_m;
    auto coverage_at = [&](std::size_t i) {
        double sum = 0.0;
        const Box box{Point{xs[i] - r, ys[i] - r}, Point{xs[i] + r, ys[i] + r}};
        for (auto it = point_tree.qbegin(bgi::intersects(box)); it != point_tree.qend(); ++it) {
            const double dx = it->first.x() - xs[i];
            const double dy = it->first.y() - ys[i];
            if (dx * dx + dy * dy <= r * r) {
                sum += areas[it->second];
            }
        }
        return sum / (3.14159265358979323846 * r * r);
    };

    EstimateReport report;
    report.method = "building footprints";
    report.first_point = out.size();
    std::vector<Home> homes;
    for (std::size_t i = 0; i < buildings.size(); ++i) {
        const Building& b = buildings[i];
        ++report.buildings_read;
        const double area = areas[i];
        double default_levels = config.default_levels;
        bool at_least_one = true;
        if (!b.type.empty()) {
            if (const auto it = config.residential_levels.find(b.type); it != config.residential_levels.end()) {
                default_levels = it->second;
            } else if (const auto u = config.unspecified_levels.find(b.type); u != config.unspecified_levels.end()) {
                at_least_one = false;
                default_levels = u->second;
                const std::size_t l = landuse_index.first_holding(xs[i], ys[i]);
                const std::string where = l == PolygonIndex::npos ? std::string{} : landuse[l].landuse;
                if (config.excluded_landuse.count(where) > 0) {
                    ++report.excluded_by_landuse;
                    continue;
                }
                std::optional<double> coverage;
                const ContextLevels* row = nullptr;
                for (const auto& rule : config.context_levels) {
                    if ((!rule.landuse.empty() && rule.landuse != where) || area < rule.min_footprint_m2) {
                        continue;
                    }
                    if (rule.min_coverage > 0.0) {
                        if (!coverage) {
                            coverage = coverage_at(i);
                        }
                        if (*coverage < rule.min_coverage) {
                            continue;
                        }
                    }
                    row = &rule;
                    break;
                }
                if (row != nullptr) {
                    default_levels = row->levels;
                } else if (area < config.unspecified_min_area_m2 || area > config.unspecified_max_area_m2) {
                    ++report.excluded_by_size;
                    continue;
                }
            } else {
                ++report.excluded_non_residential_type;
                continue;
            }
        }
        Home h;
        h.building = i;
        h.x = xs[i];
        h.y = ys[i];
        h.at_least_one = at_least_one;
        double levels = default_levels;
        if (b.levels) {
            levels = *b.levels;
            h.source = "levels";
            ++report.levels_from_data;
        } else if (b.height_m) {
            levels = std::max(1.0, std::round(*b.height_m / 3.0));
            h.source = "height";
            ++report.levels_from_height;
        }
        h.floor_area_m2 = area * levels;
        homes.push_back(h);
    }

    // Known totals, shared out over the homes inside each area.
    std::vector<std::int64_t> households(homes.size(), -1);
    std::vector<std::pair<HouseholdPoint, const char*>> without_buildings;
    if (!totals.empty()) {
        std::vector<const GEOSGeometry*> total_geoms;
        for (const auto& t : totals) {
            total_geoms.push_back(t.geom);
        }
        const PolygonIndex total_index{geos, total_geoms};
        std::vector<std::vector<std::size_t>> members(totals.size());
        for (std::size_t k = 0; k < homes.size(); ++k) {
            const std::size_t t = total_index.first_holding(homes[k].x, homes[k].y);
            if (t != PolygonIndex::npos) {
                members[t].push_back(k);
            }
        }
        for (std::size_t t = 0; t < totals.size(); ++t) {
            ++report.totals_areas;
            report.totals_households += totals[t].households;
            if (members[t].empty()) {
                if (totals[t].households > 0) {
                    ++report.totals_without_buildings;
                    HouseholdPoint p;
                    geos.point_on_surface(totals[t].geom, p.x, p.y);
                    p.count = static_cast<std::uint32_t>(std::min<std::int64_t>(totals[t].households, 10000000));
                    p.source = totals[t].source;
                    p.fid = totals[t].fid;
                    without_buildings.emplace_back(p, totals[t].kind);
                }
                continue;
            }
            std::vector<double> weights;
            for (const std::size_t k : members[t]) {
                weights.push_back(homes[k].floor_area_m2);
            }
            const auto shares = share_out(totals[t].households, weights);
            for (std::size_t j = 0; j < members[t].size(); ++j) {
                households[members[t][j]] = shares[j];
                homes[members[t][j]].source = totals[t].kind;
            }
        }
    }

    auto append = [&](const HouseholdPoint& h, const std::string& type, const std::string& id, const char* source,
                      double floor_area) {
        out.push_back(h);
        report.households += h.count;
        report.households_by_source[source] += h.count;
        report.point_types.push_back(type);
        report.point_building_ids.push_back(id);
        report.point_sources.push_back(source);
        report.point_floor_areas.push_back(floor_area);
    };
    for (std::size_t k = 0; k < homes.size(); ++k) {
        const Home& home = homes[k];
        std::int64_t n = households[k];
        if (n < 0) {
            n = std::llround(home.floor_area_m2 / config.floor_area_per_household_m2);
            if (home.at_least_one) {
                n = std::max<std::int64_t>(n, 1);
            }
        }
        if (n <= 0) {
            if (households[k] < 0) {
                ++report.rounded_to_none;
            }
            continue;
        }
        const Building& b = buildings[home.building];
        HouseholdPoint h;
        h.x = home.x;
        h.y = home.y;
        h.count = static_cast<std::uint32_t>(std::min<std::int64_t>(n, 10000000));
        h.source = b.source;
        h.fid = b.fid;
        append(h, b.type, b.building_id, home.source, home.floor_area_m2);
        ++report.buildings_residential;
        auto& t = report.by_type[b.type.empty() ? "(untyped)" : b.type];
        ++t.buildings;
        t.households += h.count;
    }
    for (const auto& [h, kind] : without_buildings) {
        append(h, {}, {}, kind, 0.0);
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
        report.point_sources.push_back("register");
        report.point_floor_areas.push_back(0.0);
        report.households_by_source["register"] += h.count;
        auto& t = report.by_type[b.type.empty() ? "(untyped)" : b.type];
        ++t.buildings;
        t.households += h.count;
    }
    return report;
}

} // namespace gridplan::io
