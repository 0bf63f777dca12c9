#include "gridplan/synth/synth.hpp"

#include "synth/detail/model.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/crs/crs.hpp"

#include <ogr_core.h>

#include <chrono>
#include <cmath>
#include <map>

namespace gridplan::synth {

void SynthConfig::validate() const {
    if (households < 1000 || households > 5000000) {
        throw ConfigError{"--households",
                          "must be a whole number from 1000 to 5000000, got " + std::to_string(households)};
    }
    if (seed > max_seed) {
        throw ConfigError{"--seed", "must be a whole number from 0 to 4294967295, got " + std::to_string(seed)};
    }
    if (!std::isfinite(lon) || lon < -180.0 || lon > 180.0) {
        throw ConfigError{"--lon", "must be a longitude from -180 to 180"};
    }
    if (!std::isfinite(lat) || lat < -80.0 || lat > 84.0) {
        throw ConfigError{"--lat", "must be a latitude from -80 to 84 (where UTM zones are defined)"};
    }
}

namespace {

using detail::Model;
using detail::Vec2;
using io::FieldType;
using io::FieldValue;

/// Households within 600 m (straight line) of a centre, as a share.
double share_near_centres(const Model& m) {
    constexpr double reach = 600.0;
    std::map<std::pair<std::int64_t, std::int64_t>, std::vector<Vec2>> grid;
    for (const auto& c : m.centres) {
        grid[{static_cast<std::int64_t>(std::floor(c.p.x / reach)),
              static_cast<std::int64_t>(std::floor(c.p.y / reach))}]
            .push_back(c.p);
    }
    std::int64_t near = 0;
    std::int64_t all = 0;
    for (const auto& p : m.points) {
        all += p.count;
        const auto cx = static_cast<std::int64_t>(std::floor(p.p.x / reach));
        const auto cy = static_cast<std::int64_t>(std::floor(p.p.y / reach));
        bool found = false;
        for (std::int64_t dx = -1; dx <= 1 && !found; ++dx) {
            for (std::int64_t dy = -1; dy <= 1 && !found; ++dy) {
                const auto it = grid.find({cx + dx, cy + dy});
                if (it == grid.end()) {
                    continue;
                }
                for (const Vec2& c : it->second) {
                    if (detail::dist(c, p.p) <= reach) {
                        found = true;
                        break;
                    }
                }
            }
        }
        near += found ? p.count : 0;
    }
    return all > 0 ? static_cast<double>(near) / static_cast<double>(all) : 0.0;
}

FieldValue text_or_null(const std::string& s) {
    return s.empty() ? FieldValue{} : FieldValue{s};
}

void write_layers(const Model& m, io::OutputDir& out, const crs::Crs& working, Vec2 origin,
                  const wrap::GeosContext& geos, const std::string& district_name) {
    io::OutputOptions options;
    options.coordinate_precision = 7;
    options.crs = working;
    io::VectorWriter w{out, "district", options, working, geos};
    auto shifted = [&geos, origin](const GEOSGeometry* g) {
        return detail::shifted(geos, g, origin);
    };

    w.begin_layer(io::LayerDef{"boundary", wkbPolygon, {{"name", FieldType::string, "", 0}}});
    w.add(shifted(m.boundary.get()).get(), {district_name});

    w.begin_layer(io::LayerDef{"roads",
                               wkbLineString,
                               {{"name", FieldType::string, "", 0},
                                {"kind", FieldType::string, "", 0},
                                {"class", FieldType::string, "", 0},
                                {"bridge", FieldType::string, "", 0}}});
    for (const auto& r : m.roads) {
        wrap::GeomPtr g = detail::make_line(geos, r.line, origin);
        w.add(g.get(),
              {text_or_null(r.name), std::string{detail::kind_name(r.kind)}, std::string{detail::class_name(r.kind)},
               r.bridge ? FieldValue{std::string{"yes"}} : FieldValue{}});
    }

    w.begin_layer(io::LayerDef{
        "rivers", wkbLineString, {{"name", FieldType::string, "", 0}, {"kind", FieldType::string, "", 0}}});
    for (const auto& r : m.rivers) {
        for (const auto& piece : detail::clip_line(geos, m.clip_area.get(), m.clip_prepared.get(), r.line)) {
            wrap::GeomPtr g = detail::make_line(geos, piece, origin);
            w.add(g.get(), {r.name, std::string{"river"}});
        }
    }

    w.begin_layer(io::LayerDef{"water", wkbPolygon, {{"name", FieldType::string, "", 0}}});
    for (const auto& a : m.water) {
        w.add(shifted(a.geom.get()).get(), {a.name});
    }

    w.begin_layer(io::LayerDef{"households", wkbPoint, {{"households", FieldType::integer, "", 0}}});
    for (const auto& p : m.points) {
        wrap::GeomPtr g = detail::make_point(geos, p.p, origin);
        w.add(g.get(), {p.count});
    }

    w.begin_layer(io::LayerDef{"centres",
                               wkbPoint,
                               {{"centre_id", FieldType::integer, "", 0},
                                {"name", FieldType::string, "", 0},
                                {"services", FieldType::string, "", 0}}});
    for (std::size_t i = 0; i < m.centres.size(); ++i) {
        wrap::GeomPtr g = detail::make_point(geos, m.centres[i].p, origin);
        w.add(g.get(), {static_cast<std::int64_t>(i + 1), m.centres[i].name, m.centres[i].services});
    }

    w.begin_layer(io::LayerDef{"facilities",
                               wkbPoint,
                               {{"facility_id", FieldType::integer, "", 0},
                                {"name", FieldType::string, "", 0},
                                {"services", FieldType::string, "", 0}}});
    for (std::size_t i = 0; i < m.facilities.size(); ++i) {
        wrap::GeomPtr g = detail::make_point(geos, m.facilities[i].p, origin);
        w.add(g.get(), {static_cast<std::int64_t>(i + 1), m.facilities[i].name, m.facilities[i].services});
    }

    const std::vector<io::FieldDef> unit_fields = {
        {"unit_id", FieldType::integer, "", 0}, {"name", FieldType::string, "", 0}, {"kind", FieldType::string, "", 0}};
    w.begin_layer(io::LayerDef{"units", wkbPoint, unit_fields});
    for (std::size_t i = 0; i < m.units.size(); ++i) {
        wrap::GeomPtr g = detail::make_point(geos, m.units[i].p, origin);
        w.add(g.get(), {static_cast<std::int64_t>(i + 1), m.units[i].name, m.units[i].kind});
    }
    w.begin_layer(io::LayerDef{"unit_areas", wkbPolygon, unit_fields});
    for (std::size_t i = 0; i < m.units.size(); ++i) {
        if (m.units[i].area) {
            w.add(shifted(m.units[i].area.get()).get(),
                  {static_cast<std::int64_t>(i + 1), m.units[i].name, m.units[i].kind});
        }
    }

    w.begin_layer(
        io::LayerDef{"landuse", wkbPolygon, {{"kind", FieldType::string, "", 0}, {"name", FieldType::string, "", 0}}});
    for (const auto& a : m.landuse) {
        w.add(shifted(a.geom.get()).get(), {std::string{detail::landuse_name(a.use)}, text_or_null(a.name)});
    }
    w.finish();
}

std::string district_config(const SynthConfig& c) {
    return "{\n"
           "  \"name\": \"Synthetic district (" +
           std::to_string(c.households) + " households, seed " + std::to_string(c.seed) +
           ")\",\n"
           "  \"boundary\": {\"path\": \"boundary.geojson\"},\n"
           "  \"barriers\": [\n"
           "    {\"path\": \"roads.geojson\", \"class_field\": \"class\", \"name_field\": \"name\"},\n"
           "    {\"path\": \"rivers.geojson\", \"class\": \"river\", \"name_field\": \"name\"}\n"
           "  ],\n"
           "  \"water\": [{\"path\": \"water.geojson\"}],\n"
           "  \"households\": {\"path\": \"households.geojson\", \"count_field\": \"households\"},\n"
           "  \"centres\": {\"path\": \"centres.geojson\", \"id_field\": \"centre_id\", \"name_field\": \"name\", "
           "\"services_field\": \"services\"},\n"
           "  \"facilities\": {\"path\": \"facilities.geojson\", \"id_field\": \"facility_id\", \"name_field\": "
           "\"name\", \"services_field\": \"services\"},\n"
           "  \"units\": {\"path\": \"units.geojson\", \"id_field\": \"unit_id\", \"name_field\": \"name\", "
           "\"kind_field\": \"kind\"},\n"
           "  \"unit_areas\": {\"path\": \"unit_areas.geojson\", \"id_field\": \"unit_id\", \"name_field\": \"name\", "
           "\"kind_field\": \"kind\"}\n"
           "}\n";
}

SynthStats stats_of(const Model& m, const wrap::GeosContext& geos) {
    SynthStats s;
    s.area_km2 = geos.area(m.boundary.get()) / 1e6;
    for (const auto& p : m.points) {
        s.households += p.count;
    }
    s.household_points = m.points.size();
    for (const auto& r : m.roads) {
        const std::string cls = detail::class_name(r.kind);
        RoadClassStats& t = cls == "road" ? s.roads : cls == "street" ? s.streets : s.alleys;
        ++t.features;
        t.length_km += detail::polyline_length(r.line) / 1000.0;
        s.bridges += r.bridge ? 1 : 0;
    }
    for (const auto& b : m.blocks) {
        s.blocks += b.use != detail::LandUse::none ? 1 : 0;
    }
    s.centres = m.centres.size();
    s.facilities = m.facilities.size();
    s.units = m.units.size();
    for (const auto& u : m.units) {
        s.unit_areas += u.area ? 1 : 0;
    }
    s.landuse_areas = m.landuse.size();
    // Realised densities of residential land in the core and at the edge.
    double core_area = 0.0;
    double edge_area = 0.0;
    double core_hh = 0.0;
    double edge_hh = 0.0;
    for (const auto& b : m.blocks) {
        if (!detail::residential(b.use)) {
            continue;
        }
        if (b.rho < 0.2) {
            core_area += b.area;
            core_hh += static_cast<double>(b.quota);
        } else if (b.rho > 0.8) {
            edge_area += b.area;
            edge_hh += static_cast<double>(b.quota);
        }
    }
    s.residential_density_core = core_area > 0.0 ? core_hh / (core_area / 1e6) : 0.0;
    s.residential_density_edge = edge_area > 0.0 ? edge_hh / (edge_area / 1e6) : 0.0;
    s.share_within_600m = m.share_within_600m;
    return s;
}

} // namespace

SynthStats write_synth_district(const SynthConfig& config, io::OutputDir& out, const wrap::GeosContext& geos,
                                RunContext& ctx) {
    config.validate();
    using clock = std::chrono::steady_clock;
    auto t = clock::now();
    auto lap = [&ctx, &t](const std::string& what) {
        const auto now = clock::now();
        ctx.log.info("synth: " + what + " in " + format_fixed(std::chrono::duration<double>(now - t).count(), 2) +
                     " s");
        t = now;
    };

    const crs::Crs working = crs::Crs::utm_for(config.lon, config.lat);
    Vec2 origin{config.lon, config.lat};
    crs::Transformer{crs::Crs::wgs84(), working}.apply(origin.x, origin.y);

    Model m;
    m.households = config.households;
    m.seed = config.seed;
    m.area_m2 = 140.0 * static_cast<double>(config.households); // 35 km2 for 250,000 households
    detail::Namer namer{detail::Rng{config.seed, "names"}};

    ctx.report_progress("synth", 0.0);
    detail::build_boundary(m, geos);
    detail::build_rivers(m, geos);
    detail::build_arterials(m, geos, namer);
    detail::build_superblocks(m, geos, namer);
    lap("boundary, rivers, " + std::to_string(m.arterial_count) + " arterial and bank roads, " +
        std::to_string(m.superblocks.size()) + " superblocks");
    ctx.report_progress("synth", 0.1);
    detail::build_streets_and_blocks(m, geos, namer);
    detail::assign_land_use(m, namer);
    detail::build_alleys(m, geos, namer);
    detail::finish_roads(m, geos, ctx);
    lap(std::to_string(m.roads.size()) + " roads, " + std::to_string(m.blocks.size()) + " blocks");
    ctx.report_progress("synth", 0.4);
    detail::place_households(m, geos);
    detail::place_units(m, geos, namer);
    detail::place_centres(m, geos, namer);
    detail::place_facilities(m, geos, namer);
    detail::build_landuse(m, geos);
    m.share_within_600m = share_near_centres(m);
    lap(std::to_string(m.points.size()) + " household points, " + std::to_string(m.units.size()) + " units");
    ctx.report_progress("synth", 0.6);

    const std::string name = "Synthetic district (" + std::to_string(config.households) + " households, seed " +
                             std::to_string(config.seed) + ")";
    write_layers(m, out, working, origin, geos, name);
    out.write_text("district.json", district_config(config));
    lap("wrote the layers");
    ctx.report_progress("synth", 1.0);

    SynthStats s = stats_of(m, geos);
    s.working_crs = working.label();
    if (s.households != config.households) {
        throw InternalError{"synth: generated " + std::to_string(s.households) + " households instead of " +
                            std::to_string(config.households)};
    }
    // The set's manifest (written last, with every file's SHA-256).
    nlohmann::json summary;
    summary["households"] = s.households;
    summary["household_points"] = s.household_points;
    summary["seed"] = config.seed;
    summary["centre_lon_lat"] = {config.lon, config.lat};
    summary["working_crs"] = s.working_crs;
    summary["area_km2"] = std::round(s.area_km2 * 1000.0) / 1000.0;
    summary["centres"] = s.centres;
    summary["facilities"] = s.facilities;
    summary["units"] = s.units;
    out.write_manifest(summary);
    return s;
}

} // namespace gridplan::synth
