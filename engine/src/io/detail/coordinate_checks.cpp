#include "io/detail/coordinate_checks.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"

#include <ogr_geometry.h>

#include <cmath>
#include <map>
#include <sstream>

namespace gridplan::io::detail {

namespace {

/// One UTM zone's width, in degrees of longitude.
constexpr double utm_zone_width_deg = 6.0;

std::string number(double v) {
    std::ostringstream out;
    out.precision(10);
    out << v;
    return out.str();
}

/// What is wrong with a geographic extent, or "" when it lies in [-180, 180] x [-90, 90].
std::string lonlat_problem(double minx, double miny, double maxx, double maxy, const crs::Crs& crs) {
    const bool x_ok = minx >= -180.0 && maxx <= 180.0;
    const bool y_ok = miny >= -90.0 && maxy <= 90.0;
    if (x_ok && y_ok) {
        return {};
    }
    std::string what;
    if (!x_ok) {
        what = "longitude " + number(minx < -180.0 ? minx : maxx) + " is outside [-180, 180]";
    } else {
        what = "latitude " + number(miny < -90.0 ? miny : maxy) + " is outside [-90, 90]";
    }
    what += " in the geographic CRS " + crs.label() + " (degrees, longitude first)";
    const bool swapped_ok = minx >= -90.0 && maxx <= 90.0 && miny >= -180.0 && maxy <= 180.0;
    const double largest = std::max({std::fabs(minx), std::fabs(maxx), std::fabs(miny), std::fabs(maxy)});
    if (swapped_ok) {
        return what + ": longitude and latitude look swapped (axis order latitude, longitude); write x as "
                      "longitude and y as latitude";
    }
    if (x_ok == false && minx >= 0.0 && maxx <= 360.0 && y_ok) {
        return what + ": longitudes from 0 to 360 (the Pacific convention) are not read; convert them to -180..180 "
                      "(e.g. ogr2ogr -wrapdateline, or subtract 360 from those above 180)";
    }
    if (largest > 1000.0) {
        return what + ": these look like projected coordinates (metres) with a wrong CRS label; label the file "
                      "with its real CRS (e.g. ogr2ogr -a_srs EPSG:N)";
    }
    return what + ": fix the coordinate, or label the file with its real CRS";
}

} // namespace

void check_lonlat_range(const OGRGeometry& g, const crs::Crs& crs, const std::string& path, const std::string& layer,
                        std::int64_t fid) {
    if (!crs.is_geographic()) {
        return;
    }
    OGREnvelope e;
    g.getEnvelope(&e);
    const std::string problem = lonlat_problem(e.MinX, e.MinY, e.MaxX, e.MaxY, crs);
    if (!problem.empty()) {
        throw InputError{problem, file_label(path), layer, fid};
    }
}

void check_household_range(const Raw& raw) {
    for (const auto& h : raw.households) {
        const crs::Crs& c = raw.source_crs.at(h.source);
        if (!c.is_geographic()) {
            continue;
        }
        const std::string problem = lonlat_problem(h.x, h.y, h.x, h.y, c);
        if (!problem.empty()) {
            throw InputError{problem, raw.source_names.at(h.source), {}, h.fid.value()};
        }
    }
}

void check_district_extent(const Raw& raw, bool working_crs_given, const wrap::GeosContext& geos) {
    double minx = 0.0;
    double miny = 0.0;
    double maxx = 0.0;
    double maxy = 0.0;
    if (!raw.boundary || !geos.bounds(raw.boundary.get(), minx, miny, maxx, maxy)) {
        return;  // read_district reports an empty boundary
    }
    const crs::Crs& c = raw.boundary_crs;
    const std::string& where = raw.boundary_description;
    if (!c.is_geographic()) {
        // Degrees labelled as a projected CRS make a district of a few square metres.
        const double width = maxx - minx;
        const double height = maxy - miny;
        if (std::max(width, height) < 10.0) {
            std::string msg = "the district boundary measures only " + format_fixed(width, 3) + " x " +
                              format_fixed(height, 3) + " units in the projected CRS " + c.label() +
                              ": too small for a district";
            const double cx = 0.5 * (minx + maxx);
            const double cy = 0.5 * (miny + maxy);
            if (minx >= -180.0 && maxx <= 180.0 && miny >= -90.0 && maxy <= 90.0) {
                msg += "; its coordinates look like longitude/latitude degrees with a wrong CRS label: label the "
                       "file EPSG:4326 (e.g. ogr2ogr -a_srs EPSG:4326) and plan it in --crs " +
                       crs::Crs::utm_for(cx, cy).label() + " (the UTM zone there)";
            } else {
                msg += "; check the file's CRS label and units";
            }
            throw InputError{msg, where};
        }
    }
    if (working_crs_given) {
        return;  // a wide district in a CRS chosen for it
    }
    double lon_min = minx;
    double lon_max = maxx;
    double lat_min = miny;
    double lat_max = maxy;
    if (!c.same_as(crs::Crs::wgs84())) {
        const crs::Transformer to_wgs84{c, crs::Crs::wgs84()};
        wrap::GeomPtr g;
        try {
            g = to_wgs84.apply(geos, raw.boundary.get());
        } catch (const CrsError& e) {
            throw InputError{std::string{"cannot project the district boundary to WGS84: "} + e.what() +
                                 ": check the file's CRS label",
                             where};
        }
        if (!geos.bounds(g.get(), lon_min, lat_min, lon_max, lat_max)) {
            return;
        }
    }
    double span = lon_max - lon_min;
    double lon_mid = 0.5 * (lon_min + lon_max);
    if (span > utm_zone_width_deg) {
        // A district across the antimeridian (Fiji, Chukotka) spans 360 degrees in
        // -180..180: measure it again with western longitudes moved past +180.
        auto shift_west = [](double* x, double* /*y*/, void* /*unused*/) {
            if (*x < 0.0) {
                *x += 360.0;
            }
            return 1;
        };
        wrap::GeomPtr wgs = c.same_as(crs::Crs::wgs84())
                                ? geos.own(GEOSGeom_clone_r(geos.handle(), raw.boundary.get()), "clone boundary")
                                : crs::Transformer{c, crs::Crs::wgs84()}.apply(geos, raw.boundary.get());
        wrap::GeomPtr shifted =
            geos.own(GEOSGeom_transformXY_r(geos.handle(), wgs.get(), shift_west, nullptr), "shift longitudes");
        double a = 0.0;
        double b = 0.0;
        double d = 0.0;
        double e = 0.0;
        if (geos.bounds(shifted.get(), a, b, d, e) && d - a < span) {
            span = d - a;
            lon_mid = 0.5 * (a + d);
            lon_mid = lon_mid > 180.0 ? lon_mid - 360.0 : lon_mid;
        }
    }
    if (span > utm_zone_width_deg) {
        const double lon = std::max(-180.0, std::min(180.0, lon_mid));
        const double lat = std::max(-80.0, std::min(84.0, 0.5 * (lat_min + lat_max)));
        throw InputError{"the district spans " + format_fixed(span, 1) + " degrees of longitude (" +
                             format_fixed(lon_min, 3) + " to " + format_fixed(lon_max, 3) +
                             "), more than one UTM zone (6 degrees): if its coordinates are latitude, longitude "
                             "the axis order is swapped; if they are not in " +
                             c.label() +
                             " the file's CRS label is wrong; if the district really is this wide, give a working "
                             "CRS that covers it, e.g. --crs " +
                             crs::Crs::utm_for(lon, lat).label() + " (the UTM zone of its centre)",
                         where};
    }
}

void check_household_axis_order(const Raw& raw, const wrap::GeosContext& geos) {
    if (!raw.boundary || raw.households.empty()) {
        return;
    }
    // Points per source (household points only come from point sources here).
    std::map<std::uint32_t, std::vector<const HouseholdPoint*>> by_source;
    for (const auto& h : raw.households) {
        if (raw.source_crs.at(h.source).is_geographic()) {
            by_source[h.source].push_back(&h);
        }
    }
    for (const auto& [source, points] : by_source) {
        const crs::Crs& c = raw.source_crs.at(source);
        wrap::GeomPtr boundary;
        try {
            boundary = crs::Transformer{raw.boundary_crs, c}.apply(geos, raw.boundary.get());
        } catch (const CrsError&) {
            continue;  // projection errors are reported with the points later
        }
        wrap::PreparedPtr prepared = geos.prepare(boundary.get());
        auto inside = [&](double x, double y) {
            wrap::GeomPtr p = geos.point(x, y);
            return geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), prepared.get(), p.get()), "inside");
        };
        const std::size_t n = points.size();
        std::size_t in = 0;
        std::size_t outside = 0;
        std::size_t swapped_inside = 0;
        for (const HouseholdPoint* h : points) {
            if (inside(h->x, h->y)) {
                if (2 * ++in >= n) {
                    break;  // at least half inside: nothing to report, whatever the rest
                }
            } else {
                ++outside;
                swapped_inside += inside(h->y, h->x) ? 1 : 0;
            }
        }
        if (2 * outside > n && 2 * swapped_inside > n) {
            throw InputError{std::to_string(outside) + " of " + std::to_string(n) +
                                 " household points lie outside the district, and " +
                                 std::to_string(swapped_inside) +
                                 " would lie inside with longitude and latitude swapped: the axis order is wrong "
                                 "(the file holds latitude, longitude); write x as longitude and y as latitude",
                             raw.source_names.at(source)};
        }
    }
}

} // namespace gridplan::io::detail
