#include "gridplan/io/district.hpp"

#include "io/detail/coast.hpp"
#include "io/detail/coordinate_checks.hpp"
#include "io/detail/ogr_read.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>

namespace gridplan::io {

using detail::Raw;
using detail::RawAdmin;

bool is_osm_path(const std::string& path) {
    std::string lower = path;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    auto ends_with = [&lower](const std::string& s) {
        return lower.size() >= s.size() && lower.compare(lower.size() - s.size(), s.size(), s) == 0;
    };
    return ends_with(".osm.pbf") || ends_with(".pbf") || ends_with(".osm");
}

DistrictSpec osm_district_spec(const std::string& osm_path, const std::string& boundary, const std::string& osm_tags) {
    DistrictSpec spec;
    BarrierSpec b;
    b.source.path = osm_path;
    b.source.config_key = "--osm";
    b.rule = BarrierSpec::Rule::osm;
    b.osm_tags = osm_tags;
    spec.barriers.push_back(std::move(b));
    if (boundary.empty()) {
        spec.boundary.kind = BoundarySpec::Kind::automatic;
    } else if (boundary.rfind("admin:", 0) == 0) {
        spec.boundary.kind = BoundarySpec::Kind::admin_name;
        spec.boundary.admin_name = boundary.substr(6);
        if (spec.boundary.admin_name.empty()) {
            throw UsageError{"--boundary admin:NAME needs a name"};
        }
    } else if (boundary.rfind("admin_level:", 0) == 0) {
        spec.boundary.kind = BoundarySpec::Kind::admin_level;
        const std::string level = boundary.substr(12);
        char* end = nullptr;
        const long n = std::strtol(level.c_str(), &end, 10);
        if (level.empty() || end == nullptr || *end != '\0' || n < 1 || n > 12) {
            throw UsageError{"--boundary admin_level:N needs a level from 1 to 12, got '" + level + "'"};
        }
        spec.boundary.admin_level = static_cast<int>(n);
    } else {
        spec.boundary.kind = BoundarySpec::Kind::source;
        spec.boundary.source.path = boundary;
        spec.boundary.source.config_key = "--boundary";
    }
    return spec;
}

namespace {

/// Share of barrier lines (by first vertex) inside `area`.
double share_of_lines_inside(const wrap::GeosContext& geos, const GEOSGeometry* area,
                             const std::vector<BarrierLine>& lines) {
    if (lines.empty()) {
        return 0.0;
    }
    wrap::PreparedPtr prepared = geos.prepare(area);
    std::size_t inside = 0;
    std::vector<double> xy;
    for (const auto& line : lines) {
        xy.clear();
        geos.coordinates(line.geom.get(), xy);
        if (xy.size() < 2) {
            continue;
        }
        wrap::GeomPtr p = geos.point(xy[0], xy[1]);
        if (geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), prepared.get(), p.get()), "intersects")) {
            ++inside;
        }
    }
    return static_cast<double>(inside) / static_cast<double>(lines.size());
}

/// Where people live, in WGS84: the residential buildings' points (OSM), else the
/// household points with their counts.
struct Home {
    double lon = 0.0;
    double lat = 0.0;
    double weight = 1.0;
};

std::vector<Home> homes_lonlat(const Raw& raw, const wrap::GeosContext& geos) {
    std::vector<Home> homes;
    if (raw.household_estimation && !raw.buildings.empty()) {
        const auto& config = raw.household_estimation->estimate;
        for (const auto& b : raw.buildings) {
            if (!b.type.empty() && config.residential_levels.count(b.type) == 0 &&
                config.unspecified_levels.count(b.type) == 0) {
                continue;
            }
            Home h;
            geos.point_on_surface(b.geom.get(), h.lon, h.lat);
            homes.push_back(h);
        }
        return homes;
    }
    std::vector<std::unique_ptr<crs::Transformer>> to_wgs84(raw.source_crs.size());
    for (const auto& p : raw.households) {
        auto& t = to_wgs84.at(p.source);
        if (!t) {
            t = std::make_unique<crs::Transformer>(raw.source_crs[p.source], crs::Crs::wgs84());
        }
        Home h{p.x, p.y, static_cast<double>(p.count)};
        try {
            t->apply(h.lon, h.lat);
        } catch (const CrsError&) {
            continue;  // rejected later, with its fid
        }
        if (h.weight > 0.0) {
            homes.push_back(h);
        }
    }
    return homes;
}

double weight_inside(const wrap::GeosContext& geos, const GEOSGeometry* area, const std::vector<Home>& homes) {
    wrap::PreparedPtr prepared = geos.prepare(area);
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    if (!geos.bounds(area, x0, y0, x1, y1)) {
        return 0.0;
    }
    double inside = 0.0;
    for (const auto& h : homes) {
        if (h.lon < x0 || h.lon > x1 || h.lat < y0 || h.lat > y1) {
            continue;
        }
        wrap::GeomPtr p = geos.point(h.lon, h.lat);
        if (geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), prepared.get(), p.get()), "intersects")) {
            inside += h.weight;
        }
    }
    return inside;
}

/// How far the built-up outline reaches beyond the outermost homes: their own plot and
/// the street in front.
constexpr double outline_margin_m = 150.0;
/// GEOS concave hull edge-length ratio: 0 follows every gap between homes, 1 is the convex
/// hull. 0.3 follows the edge of the built-up area without running out in arms along
/// scattered homes (on the partly mapped Harrisburg extract 0.1 gave arms, Polsby-Popper
/// 0.05; 0.3 a compact outline, 0.28).
constexpr double outline_concavity = 0.3;

/// The outline of the built-up area around `homes` (WGS84 in and out), made in the UTM
/// zone of their mean: a concave hull of the points, `outline_margin_m` around.
wrap::GeomPtr built_up_outline(const std::vector<Home>& homes, const wrap::GeosContext& geos) {
    double lon = 0.0;
    double lat = 0.0;
    for (const auto& h : homes) {
        lon += h.lon;
        lat += h.lat;
    }
    lon /= static_cast<double>(homes.size());
    lat /= static_cast<double>(homes.size());
    const crs::Crs utm = crs::Crs::utm_for(lon, lat);
    const crs::Transformer to_utm{crs::Crs::wgs84(), utm};
    std::vector<wrap::GeomPtr> points;
    points.reserve(homes.size());
    for (const auto& h : homes) {
        double x = h.lon;
        double y = h.lat;
        to_utm.apply(x, y);
        points.push_back(geos.point(x, y));
    }
    wrap::GeomPtr all = geos.collection(GEOS_MULTIPOINT, points);
    wrap::GeomPtr hull = geos.own(GEOSConcaveHull_r(geos.handle(), all.get(), outline_concavity, 0), "concave hull");
    wrap::GeomPtr outline = geos.own(GEOSBuffer_r(geos.handle(), hull.get(), outline_margin_m, 8), "outline buffer");
    const crs::Transformer to_wgs84{utm, crs::Crs::wgs84()};
    return to_wgs84.apply(geos, outline.get());
}

/// Without homes to go by: the admin area that holds the most barrier lines, if it holds
/// at least half of them.
void choose_by_lines(Raw& raw, const wrap::GeosContext& geos, RunContext& ctx) {
    const RawAdmin* best = nullptr;
    double best_share = 0.0;
    for (const auto& a : raw.admins) {
        const double share = share_of_lines_inside(geos, a.geom.get(), raw.barriers);
        if (share > best_share + 1e-12 || (best != nullptr && std::fabs(share - best_share) <= 1e-12 &&
                                           a.level < best->level)) {
            best = &a;
            best_share = share;
        }
    }
    if (best != nullptr && best_share >= 0.5) {
        raw.boundary = geos.clone(best->geom.get());
        raw.boundary_description = "OSM administrative boundary '" + best->name + "' (admin_level " +
                                   std::to_string(best->level) + ", osm id " + std::to_string(best->fid.value()) +
                                   ", holding " + format_fixed(100.0 * best_share, 1) +
                                   "% of the barrier lines; no buildings or households to go by)";
        ctx.log.info("district: " + raw.boundary_description);
        return;
    }
    throw InputError{"no administrative boundary holds most of the lines, and there are no buildings or "
                     "households to outline a built-up area; give --boundary FILE, admin:NAME or admin_level:N",
                     raw.osm_source_name};
}

/// Chooses the district polygon among OSM admin boundaries (in WGS84): the one holding
/// most homes, else the outline of the built-up area. Fills raw.boundary.
void choose_osm_boundary(const BoundarySpec& spec, Raw& raw, const wrap::GeosContext& geos, RunContext& ctx) {
    const std::string origin = raw.osm_source_name;
    if (spec.kind == BoundarySpec::Kind::admin_name) {
        std::vector<const RawAdmin*> matches;
        for (const auto& a : raw.admins) {
            if (a.name == spec.admin_name) {
                matches.push_back(&a);
            }
        }
        if (matches.empty()) {
            std::vector<std::string> names;
            for (const auto& a : raw.admins) {
                names.push_back("'" + a.name + "' (level " + std::to_string(a.level) + ")");
            }
            throw InputError{"no administrative boundary named '" + spec.admin_name + "'" +
                                 (names.empty() ? std::string{"; the file has none"}
                                                : "; it has " + join_limited(names, 12)),
                             origin};
        }
        // Several with that name: the one of the lowest (largest) admin level.
        std::stable_sort(matches.begin(), matches.end(),
                         [](const RawAdmin* a, const RawAdmin* b) { return a->level < b->level; });
        raw.boundary = geos.clone(matches.front()->geom.get());
        raw.boundary_description = "OSM administrative boundary '" + spec.admin_name + "' (admin_level " +
                                   std::to_string(matches.front()->level) + ", osm id " +
                                   std::to_string(matches.front()->fid.value()) + ")";
        return;
    }
    if (spec.kind == BoundarySpec::Kind::admin_level) {
        std::vector<const GEOSGeometry*> parts;
        std::vector<std::string> names;
        for (const auto& a : raw.admins) {
            if (a.level == spec.admin_level) {
                parts.push_back(a.geom.get());
                names.push_back(a.name);
            }
        }
        if (parts.empty()) {
            throw InputError{"no administrative boundary with admin_level " + std::to_string(spec.admin_level),
                             origin};
        }
        raw.boundary = parts.size() == 1 ? geos.clone(parts.front()) : geos.union_of(parts, "union of boundaries");
        raw.boundary_description = "OSM administrative boundaries of admin_level " +
                                   std::to_string(spec.admin_level) + ": " + join_limited(names, 5);
        return;
    }
    // Automatic: the admin area that holds the most homes, if it holds most of them; else
    // the outline of the built-up area.
    const std::vector<Home> homes = homes_lonlat(raw, geos);
    if (homes.empty()) {
        choose_by_lines(raw, geos, ctx);
        return;
    }
    double total = 0.0;
    for (const auto& h : homes) {
        total += h.weight;
    }
    const RawAdmin* best = nullptr;
    double best_share = 0.0;
    for (const auto& a : raw.admins) {
        const double share = weight_inside(geos, a.geom.get(), homes) / total;
        if (share > best_share + 1e-12 ||
            (best != nullptr && std::fabs(share - best_share) <= 1e-12 && a.level < best->level)) {
            best = &a;
            best_share = share;
        }
    }
    const std::string what = raw.buildings.empty() ? "households" : "residential buildings";
    if (best != nullptr && best_share > 0.5) {
        raw.boundary = geos.clone(best->geom.get());
        raw.boundary_description = "OSM administrative boundary '" + best->name + "' (admin_level " +
                                   std::to_string(best->level) + ", osm id " + std::to_string(best->fid.value()) +
                                   ", holding " + format_fixed(100.0 * best_share, 1) + "% of the " + what + ")";
        ctx.log.info("district: " + raw.boundary_description);
        return;
    }
    raw.boundary = built_up_outline(homes, geos);
    raw.boundary_description =
        "outline of the built-up area (concave hull of " + std::to_string(homes.size()) + " " + what + ", " +
        format_fixed(outline_margin_m, 0) + " m around) because " +
        (best == nullptr ? std::string{"no administrative boundary holds any of them"}
                         : "no administrative boundary holds most of them (the most: '" + best->name + "', " +
                               format_fixed(100.0 * best_share, 1) + "%)");
    ctx.log.warning(origin + ": district = " + raw.boundary_description +
                    "; give --boundary FILE, admin:NAME or admin_level:N to choose it");
}

/// Cuts the district to its land: along OSM coastlines, or by land / sea layers.
void take_out_sea(const DistrictSpec& spec, const Raw& raw, District& d, const wrap::GeosContext& geos,
                  RunContext& ctx) {
    std::optional<detail::LandResult> r;
    if (!raw.coastlines.empty()) {
        const crs::Transformer to_working{crs::Crs::wgs84(), d.working_crs};
        std::vector<wrap::GeomPtr> coast;
        std::vector<const GEOSGeometry*> lines;
        for (const auto& c : raw.coastlines) {
            coast.push_back(to_working.apply(geos, c.get()));
            lines.push_back(coast.back().get());
        }
        r = detail::land_by_coastlines(d.boundary.get(), lines, geos);
        d.sea_source = "OSM natural=coastline (" + std::to_string(lines.size()) + " ways)";
    }
    if (!spec.land.empty() || !spec.sea.empty()) {
        std::vector<PolygonFeature> land;
        std::vector<PolygonFeature> sea;
        for (const auto& s : spec.land) {
            for (auto& f : read_polygon_layer(s, "", d.working_crs, geos, ctx)) {
                land.push_back(std::move(f));
            }
            d.input_files.push_back(s.path);
        }
        for (const auto& s : spec.sea) {
            for (auto& f : read_polygon_layer(s, "", d.working_crs, geos, ctx)) {
                sea.push_back(std::move(f));
            }
            d.input_files.push_back(s.path);
        }
        std::vector<const GEOSGeometry*> land_raw;
        std::vector<const GEOSGeometry*> sea_raw;
        for (const auto& f : land) {
            land_raw.push_back(f.geom.get());
        }
        for (const auto& f : sea) {
            sea_raw.push_back(f.geom.get());
        }
        const GEOSGeometry* from = r ? r->land.get() : d.boundary.get();
        detail::LandResult layers = detail::land_by_polygons(from, land_raw, sea_raw, geos);
        const double before = r ? r->sea_removed_m2 : 0.0;
        layers.sea_removed_m2 += before;
        r = std::move(layers);
        d.sea_source += std::string{d.sea_source.empty() ? "" : ", "} + "land / sea layers";
    }
    if (!r) {
        return;
    }
    d.boundary = std::move(r->land);
    d.sea_removed_m2 = r->sea_removed_m2;
    ctx.log.info("sea: " + format_fixed(d.sea_removed_m2 / 1e6, 3) + " km2 taken out of the district (" +
                 d.sea_source + ")");
}

/// Centroid of a geometry given in `crs`, in WGS84 lon/lat.
void centroid_lonlat(const wrap::GeosContext& geos, const GEOSGeometry* g, const crs::Crs& crs, double& lon,
                     double& lat, const std::string& where) {
    wrap::GeomPtr c = geos.own(GEOSGetCentroid_r(geos.handle(), g), "centroid");
    if (geos.is_empty(c.get())) {
        throw InputError{"the district boundary is empty: no polygon with an area", where};
    }
    geos.check_status(GEOSGeomGetX_r(geos.handle(), c.get(), &lon), "x");
    geos.check_status(GEOSGeomGetY_r(geos.handle(), c.get(), &lat), "y");
    const crs::Transformer to_wgs84{crs, crs::Crs::wgs84()};
    to_wgs84.apply(lon, lat);
}

} // namespace

District read_district(const DistrictSpec& spec, const wrap::GeosContext& geos, RunContext& ctx) {
    const StageProgress progress{ctx, "read"};
    wrap::gdal_init();
    Raw raw;
    detail::read_sources(spec, raw, geos, ctx);

    if (spec.boundary.kind != BoundarySpec::Kind::source) {
        if (raw.osm_source_name.empty()) {
            throw ConfigError{"boundary", "missing: name a polygon layer (admin:NAME and admin_level:N need OSM input)"};
        }
        choose_osm_boundary(spec.boundary, raw, geos, ctx);
        raw.boundary_crs = crs::Crs::wgs84();
    }
    // Before any projection: coordinates that cannot be what they claim to be.
    detail::check_district_extent(raw, !spec.working_crs.empty(), geos);
    detail::check_household_range(raw);
    detail::check_household_axis_order(raw, geos);

    District d;
    d.input_crs = raw.boundary_crs;
    if (!spec.working_crs.empty()) {
        d.working_crs = crs::Crs::from_user_input(spec.working_crs);
        if (d.working_crs.is_geographic()) {
            throw ConfigError{"crs", "the working CRS must be projected (metres), got the geographic " +
                                         d.working_crs.label()};
        }
    } else {
        double lon = 0.0;
        double lat = 0.0;
        centroid_lonlat(geos, raw.boundary.get(), raw.boundary_crs, lon, lat, raw.boundary_description);
        try {
            d.working_crs = crs::Crs::utm_for(lon, lat);
        } catch (const CrsError& e) {
            throw InputError{std::string{e.what()} + ": check the boundary's CRS label, or give --crs",
                             raw.boundary_description};
        }
    }
    ctx.log.info("working CRS: " + d.working_crs.label());
    detail::project_into(raw, d, geos, ctx);
    take_out_sea(spec, raw, d, geos, ctx);
    if (spec.centres) {
        d.centres = read_point_layer(*spec.centres, PointRole::centre, d.working_crs, geos, ctx);
        d.input_files.push_back(spec.centres->source.path);
    }
    if (spec.facilities) {
        d.facilities = read_point_layer(*spec.facilities, PointRole::facility, d.working_crs, geos, ctx);
        d.input_files.push_back(spec.facilities->source.path);
    }
    if (spec.units) {
        d.units = read_point_layer(*spec.units, PointRole::unit, d.working_crs, geos, ctx);
        d.input_files.push_back(spec.units->source.path);
    }
    if (spec.unit_areas) {
        d.unit_areas = read_polygon_layer(spec.unit_areas->source, spec.unit_areas->id_field, d.working_crs, geos, ctx);
        d.input_files.push_back(spec.unit_areas->source.path);
    }
    return d;
}

HouseholdLayer read_households(const HouseholdSpec& spec, const District& district, const wrap::GeosContext& geos,
                               RunContext& ctx) {
    wrap::gdal_init();
    // The problems of another snapshot's households are not this run's QA items: they go
    // to a reporter of their own, and the warnings to the run's log.
    RunContext local;
    local.log = ctx.log;
    local.threads = ctx.threads;
    Raw raw;
    detail::read_household_source(spec, raw, geos, local);
    raw.boundary = geos.clone(district.boundary.get());
    raw.boundary_crs = district.working_crs;
    raw.boundary_description = district.boundary_description;
    detail::check_household_range(raw);
    detail::check_household_axis_order(raw, geos);
    HouseholdLayer layer;
    std::optional<EstimateReport> estimate;
    detail::project_households(raw, district.working_crs, district.boundary.get(), layer.points, estimate, geos,
                               local);
    layer.building_ids.assign(layer.points.size(), std::string{});
    if (estimate) {
        for (std::size_t i = 0; i < estimate->point_building_ids.size(); ++i) {
            layer.building_ids.at(estimate->first_point + i) = estimate->point_building_ids[i];
        }
    }
    layer.rejected = std::move(raw.households_rejected);
    layer.sources = std::move(raw.source_names);
    layer.input_files = std::move(raw.input_files);
    return layer;
}

std::vector<std::string> household_building_ids(const District& district) {
    std::vector<std::string> ids(district.households.size());
    if (district.household_estimate) {
        const auto& e = *district.household_estimate;
        for (std::size_t i = 0; i < e.point_building_ids.size() && e.first_point + i < ids.size(); ++i) {
            ids[e.first_point + i] = e.point_building_ids[i];
        }
    }
    return ids;
}

} // namespace gridplan::io

namespace gridplan::io {

const std::vector<std::string>& HouseholdAccount::reasons() {
    static const std::vector<std::string> r{"outside_district", "no_geometry", "unprojectable", "water_no_bank",
                                            "no_building"};
    return r;
}

HouseholdAccount HouseholdAccount::of(const District& district, std::int64_t outside_district,
                                      std::int64_t water_no_bank) {
    HouseholdAccount a;
    for (const auto& reason : reasons()) {
        a.rejected[reason] = 0;
    }
    for (const auto& [reason, n] : district.households_rejected) {
        a.rejected[reason] += n;
    }
    a.rejected["outside_district"] += outside_district;
    a.rejected["water_no_bank"] += water_no_bank;
    std::int64_t read = 0;
    for (const auto& h : district.households) {
        read += h.count;
    }
    a.placed = read - outside_district - water_no_bank;
    a.input = a.placed;
    for (const auto& [reason, n] : a.rejected) {
        a.input += n;
    }
    return a;
}

void HouseholdAccount::write_to(nlohmann::json& j) const {
    j["households_input"] = input;
    j["households_placed"] = placed;
    nlohmann::json r = nlohmann::json::object();
    for (const auto& reason : reasons()) {
        const auto it = rejected.find(reason);
        r[reason] = it == rejected.end() ? 0 : it->second;
    }
    j["households_rejected"] = r;
}

std::string HouseholdAccount::rejected_text() const {
    static const std::map<std::string, std::string> words{{"outside_district", "outside the district"},
                                                          {"no_geometry", "without a usable geometry"},
                                                          {"unprojectable", "not projectable"},
                                                          {"water_no_bank", "in water with no bank block"},
                                                          {"no_building", "under a register id with no building"}};
    std::string text;
    for (const auto& reason : reasons()) {
        const auto it = rejected.find(reason);
        if (it != rejected.end() && it->second > 0) {
            text += (text.empty() ? "" : ", ") + std::to_string(it->second) + " " + words.at(reason);
        }
    }
    return text;
}

} // namespace gridplan::io

namespace gridplan::io {

Problem household_problem(const District& district, const HouseholdPoint& h, std::string code, std::string detail,
                          const wrap::GeosContext& geos, std::optional<std::int64_t> block_id) {
    Problem pr;
    pr.problem = std::move(code);
    pr.detail = std::move(detail);
    pr.source = district.sources.at(h.source);
    pr.fid = h.fid.value();
    pr.block_id = block_id;
    wrap::GeomPtr p = geos.point(h.x, h.y);
    pr.wkb = geos.to_wkb(p.get());
    return pr;
}

std::int64_t reject_households_outside(District& district, const wrap::GeosContext& geos, RunContext& ctx) {
    const wrap::PreparedPtr boundary = geos.prepare(district.boundary.get());
    std::int64_t outside = 0;
    std::size_t points = 0;
    std::vector<HouseholdPoint> kept;
    kept.reserve(district.households.size());
    for (const auto& h : district.households) {
        wrap::GeomPtr p = geos.point(h.x, h.y);
        if (geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), boundary.get(), p.get()), "household inside")) {
            kept.push_back(h);
            continue;
        }
        outside += h.count;
        ++points;
        ctx.problems.report(household_problem(district, h, "household_outside",
                                              std::to_string(h.count) + " households outside the district", geos));
    }
    if (points > 0) {
        district.households = std::move(kept);
        district.households_rejected["outside_district"] += outside;
        ctx.log.warning(std::to_string(outside) + " households in " + std::to_string(points) +
                        " points lie outside the district and are not counted (problem household_outside)");
    }
    return outside;
}

} // namespace gridplan::io
