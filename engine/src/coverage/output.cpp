#include "gridplan/coverage/output.hpp"

#include "gridplan/core/strings.hpp"
#include "gridplan/io/styles.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <ogr_core.h>

#include <cmath>

namespace gridplan::coverage {

namespace {

using network::unreachable;

nlohmann::json minutes_or_null(double minutes) {
    if (!std::isfinite(minutes)) {
        return nullptr;
    }
    return std::round(minutes * 100.0) / 100.0;
}

double round6(double v) { return std::round(v * 1e6) / 1e6; }

nlohmann::json summary_json(const Summary& s) {
    nlohmann::json by_service = nlohmann::json::object();
    for (const Service sv : all_services) {
        by_service[std::string{to_string(sv)}] = round6(s.share(s.within_radius_by_service[static_cast<std::size_t>(sv)]));
    }
    return {{"households", s.households},
            {"within_radius_share_any", round6(s.share(s.within_radius_any))},
            {"within_radius_share_by_service", by_service},
            {"all_services_share", round6(s.share(s.all_services))},
            {"unreachable_households", s.unreachable},
            {"off_network_households", s.off_network},
            {"walk_min_p50", minutes_or_null(s.walk_min_p50)},
            {"walk_min_p90", minutes_or_null(s.walk_min_p90)},
            {"walk_min_p99", minutes_or_null(s.walk_min_p99)}};
}

/// The grid (index) of each household, or -1.
std::vector<int> grid_of_households(const io::District& d, const std::vector<GridArea>& grids,
                                    const wrap::GeosContext& geos) {
    namespace bg = boost::geometry;
    namespace bgi = boost::geometry::index;
    using P = bg::model::d2::point_xy<double>;
    using B = bg::model::box<P>;
    std::vector<std::pair<B, int>> boxes;
    std::vector<wrap::PreparedPtr> prepared;
    for (std::size_t g = 0; g < grids.size(); ++g) {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        geos.bounds(grids[g].geom.get(), x0, y0, x1, y1);
        boxes.emplace_back(B{P{x0, y0}, P{x1, y1}}, static_cast<int>(g));
        prepared.push_back(geos.prepare(grids[g].geom.get()));
    }
    const bgi::rtree<std::pair<B, int>, bgi::rstar<16>> tree{boxes.begin(), boxes.end()};
    std::vector<int> out(d.households.size(), -1);
    for (std::size_t i = 0; i < d.households.size(); ++i) {
        const auto& h = d.households[i];
        std::vector<int> candidates;
        for (auto it = tree.qbegin(bgi::intersects(P{h.x, h.y})); it != tree.qend(); ++it) {
            candidates.push_back(it->second);
        }
        std::sort(candidates.begin(), candidates.end());
        wrap::GeomPtr p = geos.point(h.x, h.y);
        for (const int g : candidates) {
            if (geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), prepared[static_cast<std::size_t>(g)].get(), p.get()),
                                "grid contains")) {
                out[i] = g;
                break;
            }
        }
    }
    return out;
}

} // namespace

nlohmann::json coverage_json(const CoverageResult& r, const io::District& district, const CoverageConfig& config,
                             const std::vector<ServicePoint>& centres, const std::vector<ServicePoint>& facilities,
                             const std::vector<GridArea>& grids, const wrap::GeosContext& geos) {
    nlohmann::json j = summary_json(r.summary);
    io::HouseholdAccount::of(district, 0, 0).write_to(j);
    j["radius_min"] = config.radius_min;
    j["speed_kmh"] = config.speed_kmh;
    j["radius_m"] = std::round(config.radius_m() * 10.0) / 10.0;
    nlohmann::json radii = nlohmann::json::object();
    for (const Service s : all_services) {
        radii[std::string{to_string(s)}] = std::round(config.service_radius_m(s) / config.metres_per_minute() * 100.0) / 100.0;
    }
    j["service_radius_min"] = radii;
    j["centres"] = centres.size();
    j["facilities"] = facilities.size();
    std::size_t outside = 0;
    for (const auto& c : r.centres) {
        outside += c.inside_district ? 0 : 1;
    }
    j["centres_outside_district"] = outside;

    nlohmann::json per_grid = nlohmann::json::array();
    if (!grids.empty()) {
        const std::vector<int> grid = grid_of_households(district, grids, geos);
        std::vector<std::vector<std::size_t>> index(grids.size());
        for (std::size_t i = 0; i < grid.size(); ++i) {
            if (grid[i] >= 0) {
                index[static_cast<std::size_t>(grid[i])].push_back(i);
            }
        }
        for (std::size_t g = 0; g < grids.size(); ++g) {
            const Summary s = summarise(district, r.households, config, &index[g]);
            nlohmann::json gj = summary_json(s);
            gj["grid_id"] = grids[g].id;
            per_grid.push_back(gj);
        }
    }
    j["grids"] = per_grid;
    if (r.summary_after) {
        j["coverage_before"] = summary_json(r.summary);
        j["coverage_after"] = summary_json(*r.summary_after);
        nlohmann::json proposed = nlohmann::json::array();
        for (std::size_t i = 0; i < r.proposals.size(); ++i) {
            const auto& p = r.proposals[i];
            proposed.push_back({{"rank", i + 1},
                                {"site_id", p.site.id},
                                {"households_newly_covered", p.households_newly_covered},
                                {"share_after", round6(p.share_after)}});
        }
        j["proposed_centres"] = proposed;
    }
    j["district"] = district.boundary_description;
    if (district.from_osm) {
        j["attribution"] = "© OpenStreetMap contributors (ODbL 1.0)";
    }
    return j;
}

void write_coverage(const CoverageResult& r, const io::District& district, const CoverageConfig& config,
                    const std::vector<ServicePoint>& centres, const std::vector<ServicePoint>& facilities,
                    const std::vector<GridArea>& grids, io::OutputDir& out, const io::OutputOptions& options,
                    const wrap::GeosContext& geos, RunContext& ctx) {
    const StageProgress progress{ctx, "write"};
    using io::FieldType;
    using io::FieldValue;
    const double mpm = config.metres_per_minute();
    auto minutes = [mpm](double metres) -> FieldValue {
        if (!std::isfinite(metres)) {
            return FieldValue{};
        }
        return std::round(metres / mpm * 100.0) / 100.0;
    };
    io::VectorWriter writer{out, "coverage", options, district.working_crs, geos};

    // Households beyond the radius of every centre, or unreachable.
    std::vector<io::FieldDef> fields{{"households", FieldType::integer, "", 0},
                                     {"walk_min", FieldType::real, "", 2},
                                     {"reason", FieldType::string, "", 0},
                                     {"nearest_centre", FieldType::string, "centre", 0},
                                     {"source_fid", FieldType::integer, "src_fid", 0}};
    for (const Service s : all_services) {
        const std::string name{to_string(s)};
        fields.push_back({"walk_min_" + name, FieldType::real, "wm_" + name.substr(0, 7), 2});
    }
    writer.begin_layer(io::LayerDef{"uncovered", wkbPoint, fields});
    const double radius = config.radius_m();
    for (std::size_t i = 0; i < r.households.size(); ++i) {
        const auto& h = r.households[i];
        if (h.centre_m <= radius) {
            continue;
        }
        const auto& p = district.households[i];
        const char* reason = !h.on_network ? "off_network" : !std::isfinite(h.centre_m) ? "unreachable" : "beyond_radius";
        std::vector<FieldValue> v{std::int64_t{p.count}, minutes(h.centre_m), std::string{reason},
                                  h.centre == network::no_index ? FieldValue{} : FieldValue{centres[h.centre].id},
                                  std::int64_t{p.fid.value()}};
        for (const Service s : all_services) {
            v.push_back(minutes(h.service_m[static_cast<std::size_t>(s)]));
        }
        wrap::GeomPtr g = geos.point(p.x, p.y);
        writer.add(g.get(), v);
    }

    const std::vector<io::FieldDef> centre_fields{{"centre_id", FieldType::string, "", 0},
                                                  {"name", FieldType::string, "", 0},
                                                  {"services", FieldType::string, "", 0},
                                                  {"households_served", FieldType::integer, "hh_served", 0},
                                                  {"households_in_area", FieldType::integer, "hh_in_area", 0},
                                                  {"share_nearest", FieldType::real, "share_near", 4},
                                                  {"on_network", FieldType::integer, "on_net", 0},
                                                  {"inside_district", FieldType::integer, "inside", 0}};
    auto centre_values = [&](std::size_t c) {
        const auto& cc = r.centres[c];
        const double share = cc.households_in_area > 0 ? static_cast<double>(cc.households_served) /
                                                             static_cast<double>(cc.households_in_area)
                                                       : 0.0;
        return std::vector<FieldValue>{centres[c].id,
                                       centres[c].name.empty() ? FieldValue{} : FieldValue{centres[c].name},
                                       to_string(centres[c].services),
                                       cc.households_served,
                                       cc.households_in_area,
                                       std::round(share * 1e4) / 1e4,
                                       std::int64_t{cc.on_network ? 1 : 0},
                                       std::int64_t{cc.inside_district ? 1 : 0}};
    };
    writer.begin_layer(io::LayerDef{"service_areas", wkbMultiPolygon, centre_fields});
    for (std::size_t c = 0; c < centres.size(); ++c) {
        if (r.centres[c].service_area) {
            writer.add(r.centres[c].service_area.get(), centre_values(c));
        }
    }
    writer.begin_layer(io::LayerDef{"centres", wkbPoint, centre_fields});
    for (std::size_t c = 0; c < centres.size(); ++c) {
        wrap::GeomPtr g = geos.point(centres[c].x, centres[c].y);
        writer.add(g.get(), centre_values(c));
    }
    if (r.summary_after) {
        writer.begin_layer(io::LayerDef{"proposed_centres",
                                        wkbPoint,
                                        {{"rank", FieldType::integer, "", 0},
                                         {"site_id", FieldType::string, "", 0},
                                         {"households_newly_covered", FieldType::integer, "hh_new", 0},
                                         {"share_after", FieldType::real, "", 4}}});
        for (std::size_t i = 0; i < r.proposals.size(); ++i) {
            const auto& p = r.proposals[i];
            wrap::GeomPtr g = geos.point(p.site.x, p.site.y);
            writer.add(g.get(), {std::int64_t(i + 1), p.site.id, p.households_newly_covered,
                                 std::round(p.share_after * 1e4) / 1e4});
        }
    }
    writer.begin_layer(io::LayerDef{"coverage_qa",
                                    wkbUnknown,
                                    {{"problem", FieldType::string, "", 0},
                                     {"detail", FieldType::string, "", 0},
                                     {"source", FieldType::string, "", 0},
                                     {"source_fid", FieldType::integer, "src_fid", 0}}});
    for (const auto& p : ctx.problems.problems()) {
        wrap::GeomPtr g = p.wkb.empty() ? geos.own_nullable(nullptr) : geos.from_wkb(p.wkb.data(), p.wkb.size());
        writer.add(g.get(), {p.problem, p.detail, p.source.empty() ? FieldValue{} : FieldValue{p.source},
                             p.fid ? FieldValue{*p.fid} : FieldValue{}});
    }
    // Styles QGIS applies on load: uncovered households in red, service areas translucent
    // under their centres, proposed sites as stars.
    std::vector<io::LayerStyle> styles{
        {"uncovered", "uncovered", "Households beyond the walk radius of every centre, in red",
         io::qml_document(io::single_renderer(io::marker_symbol("circle", {215, 25, 28}, 1.6, {255, 255, 255})))},
        {"service_areas", "service_areas", "The network each centre reaches within the radius",
         io::qml_document(io::single_renderer(io::fill_symbol({116, 169, 207}, 0.35, {43, 140, 190}, 0.3)))},
        {"centres", "centres", "Community service centres",
         io::qml_document(io::single_renderer(io::marker_symbol("circle", {26, 150, 65}, 3.0, {255, 255, 255})))}};
    if (r.summary_after) {
        styles.push_back({"proposed_centres", "proposed_centres", "Proposed centre sites",
                          io::qml_document(io::single_renderer(io::marker_symbol("star", {215, 25, 28}, 4.5, {255, 255, 255})))});
    }
    io::write_styles(styles, writer, out, options, ctx.log);
    writer.finish();
    const nlohmann::json manifest = coverage_json(r, district, config, centres, facilities, grids, geos);
    out.write_text("report.html",
                   coverage_report_html(r, district, config, centres, grids, manifest, ctx.log.warnings(), geos));
    out.write_manifest(manifest);
}

} // namespace gridplan::coverage
