// report.html of coverage: how well the centres serve the district, at a glance.
#include "gridplan/coverage/output.hpp"

#include "gridplan/core/strings.hpp"
#include "gridplan/io/report.hpp"

#include <algorithm>
#include <cmath>

namespace gridplan::coverage {

namespace {

using io::html_escape;
using io::percent;
using io::thousands;

double share_of(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::string text_of(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ref<const std::string&>() : std::string{};
}

io::TableCell share_cell(double v) {
    if (!std::isfinite(v)) {
        return {"–", ""};
    }
    return {percent(v), format_fixed(v, 6)};
}

io::TableCell minutes_cell(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) {
        return {"–", ""};
    }
    return {format_fixed(it->get<double>(), 1), format_fixed(it->get<double>(), 4)};
}

} // namespace

std::string coverage_report_html(const CoverageResult& r, const io::District& district, const CoverageConfig& config,
                                 const std::vector<ServicePoint>& centres, const std::vector<GridArea>& grids,
                                 const nlohmann::json& manifest, const std::vector<std::string>& warnings,
                                 const wrap::GeosContext& geos) {
    const double radius = config.radius_m();
    std::string body;
    body += "<h1>Coverage: " + thousands(manifest.value("households", std::int64_t{0})) + " households, " +
            std::to_string(centres.size()) + " centres</h1>\n";
    body += "<p class=\"small\">District " + html_escape(text_of(manifest, "district")) + " · walk " +
            format_fixed(config.radius_min, 0) + " minutes at " + format_fixed(config.speed_kmh, 1) + " km/h (" +
            format_fixed(radius, 0) + " m)</p>\n";

    // Headline figures, from coverage.json.
    std::vector<std::pair<std::string, std::string>> figures{
        {"within the radius of a centre", percent(share_of(manifest, "within_radius_share_any"))},
        {"all eight services within reach", percent(share_of(manifest, "all_services_share"))},
        {"unreachable households", thousands(manifest.value("unreachable_households", std::int64_t{0}))},
        {"walk p50 / p90 (min)", manifest.contains("walk_min_p50") && manifest.at("walk_min_p50").is_number()
                                     ? format_fixed(manifest.at("walk_min_p50").get<double>(), 1) + " / " +
                                           format_fixed(share_of(manifest, "walk_min_p90"), 1)
                                     : "–"}};
    if (manifest.contains("coverage_after")) {
        figures.push_back({"with the proposed centres",
                           percent(share_of(manifest.at("coverage_after"), "within_radius_share_any"))});
    }
    body += io::figures_html(figures);
    if (manifest.contains("within_radius_share_by_service")) {
        std::vector<std::pair<std::string, std::string>> by;
        for (const auto& [k, v] : manifest.at("within_radius_share_by_service").items()) {
            by.emplace_back(k, percent(v.get<double>()));
        }
        body += "<h3>Households within reach of each service</h3>\n" + io::key_values_html(by);
    }

    // The map: grids (when given) as outlines, service areas, centres, uncovered households.
    io::SvgMap map{district.boundary.get(), 1100.0, geos};
    for (std::size_t c = 0; c < r.centres.size(); ++c) {
        if (r.centres[c].service_area) {
            map.path(r.centres[c].service_area.get(), "class=\"service-area\"", "centre " + centres[c].id);
        }
    }
    const io::MapBackground background{district, geos};
    background.draw_water(map);
    background.draw_lines(map);
    for (const auto& g : grids) {
        map.path(g.geom.get(), "class=\"grid-outline\" data-grid-id=\"" + html_escape(g.id) + "\"", "grid " + g.id);
    }
    map.path(district.boundary.get(), "class=\"boundary\"");
    std::size_t drawn = 0;
    std::size_t beyond_points = 0;
    for (std::size_t i = 0; i < r.households.size(); ++i) {
        if (r.households[i].centre_m > radius) {
            ++beyond_points;
            if (drawn < 20000) {
                map.circle(district.households[i].x, district.households[i].y, 1.6, "class=\"uncovered\"");
                ++drawn;
            }
        }
    }
    for (const auto& c : centres) {
        map.circle(c.x, c.y, 5.0, "class=\"centre\"");
    }
    for (const auto& p : r.proposals) {
        map.star(p.site.x, p.site.y, 7.0, "class=\"proposed\"");
    }
    for (const auto& g : grids) {
        double lx = 0;
        double ly = 0;
        geos.point_on_surface(g.geom.get(), lx, ly);
        map.text(lx, ly, g.id, "class=\"label\"");
    }
    body += "<div class=\"maps\">\n" + map.svg("id=\"coverage-map\" class=\"map\" role=\"img\" aria-label=\"map of the "
                                               "centres' coverage\"") +
            "<div class=\"legend\">\n<div><span class=\"sw\" style=\"background:#74a9cf;opacity:0.5\"></span>reached "
            "within the radius</div>\n<div><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" r=\"5\" "
            "fill=\"#1a9641\"/></svg> centre</div>\n<div><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" "
            "r=\"2\" fill=\"#e31a1c\"/></svg> households beyond the radius of every centre</div>\n" +
            std::string{r.proposals.empty() ? "" : "<div><span style=\"color:#d7191c\">★</span> proposed centre</div>\n"} +
            (grids.empty() ? "" : "<div><span class=\"sw\" style=\"background:#fff;border:2px solid #333\"></span>grid</div>\n") +
            "</div>\n";
    if (beyond_points > drawn) {
        body += "<p class=\"small\">" + thousands(static_cast<std::int64_t>(drawn)) + " of " +
                thousands(static_cast<std::int64_t>(beyond_points)) + " points beyond the radius are drawn.</p>\n";
    }
    body += "</div>\n";

    // Walk times to the nearest centre.
    io::Histogram h;
    h.title = "Walk to the nearest centre";
    h.x_label = "minutes";
    h.y_label = "households";
    double longest = 0.0;
    const double mpm = config.metres_per_minute();
    for (std::size_t i = 0; i < r.households.size(); ++i) {
        const double w = r.households[i].centre_m;
        if (std::isfinite(w)) {
            h.values.emplace_back(w / mpm, district.households[i].count);
            longest = std::max(longest, w / mpm);
        }
    }
    const double span = std::max(longest, config.radius_min * 1.5);
    h.bin_width = span / 24.0 < 0.75 ? 0.5 : span / 24.0 < 1.5 ? 1.0 : span / 24.0 < 3.5 ? 2.0 : 5.0;
    h.bins = std::min(40, static_cast<int>(std::ceil(span / h.bin_width)) + 1);
    h.marks.emplace_back(config.radius_min, "radius " + format_fixed(config.radius_min, 0) + " min");
    body += "<h2>Walk times</h2>\n" + (h.values.empty() ? std::string{} : io::histogram_svg(h));

    // Per grid, per centre, proposals.
    const nlohmann::json per_grid = manifest.value("grids", nlohmann::json::array());
    if (!per_grid.empty()) {
        body += "<h2>Grids</h2>\n";
        std::vector<io::TableColumn> cols{{"Grid", false, ""}, {"Households", true, ""}, {"Within radius", true, ""},
                                          {"All eight", true, ""}, {"Walk p90 min", true, ""}};
        for (const Service s : all_services) {
            cols.push_back({std::string{to_string(s)}, true, ""});
        }
        std::vector<std::vector<io::TableCell>> rows;
        for (const auto& g : per_grid) {
            const std::string id = text_of(g, "grid_id");
            std::vector<io::TableCell> row{{html_escape(id), id},
                                           {thousands(g.value("households", std::int64_t{0})),
                                            std::to_string(g.value("households", std::int64_t{0}))},
                                           share_cell(share_of(g, "within_radius_share_any")),
                                           share_cell(share_of(g, "all_services_share")),
                                           minutes_cell(g, "walk_min_p90")};
            const nlohmann::json by = g.value("within_radius_share_by_service", nlohmann::json::object());
            for (const Service s : all_services) {
                row.push_back(share_cell(share_of(by, std::string{to_string(s)}.c_str())));
            }
            rows.push_back(std::move(row));
        }
        body += io::table_html("grid-table", cols, rows);
    }
    body += "<h2>Centres</h2>\n";
    {
        std::vector<std::vector<io::TableCell>> rows;
        for (std::size_t c = 0; c < centres.size(); ++c) {
            const auto& cc = r.centres[c];
            rows.push_back({{html_escape(centres[c].id), centres[c].id},
                            {html_escape(centres[c].name), centres[c].name},
                            {html_escape(to_string(centres[c].services)), to_string(centres[c].services)},
                            {thousands(cc.households_served), std::to_string(cc.households_served)},
                            {thousands(cc.households_in_area), std::to_string(cc.households_in_area)},
                            {cc.on_network ? "yes" : "<span class=\"bad\">no</span>", cc.on_network ? "1" : "0"},
                            {cc.inside_district ? "yes" : "<span class=\"bad\">no</span>", cc.inside_district ? "1" : "0"}});
        }
        body += io::table_html("centre-table",
                               {{"Centre", false, ""}, {"Name", false, ""}, {"Services", false, ""},
                                {"Households served", true, "nearest centre and within the radius"},
                                {"In its area", true, "within the radius of this centre"},
                                {"On the network", false, ""}, {"Inside the district", false, ""}},
                               rows);
    }
    if (!r.proposals.empty()) {
        body += "<h2>Proposed centres</h2>\n";
        std::vector<std::vector<io::TableCell>> rows;
        for (std::size_t i = 0; i < r.proposals.size(); ++i) {
            const auto& p = r.proposals[i];
            rows.push_back({{std::to_string(i + 1), std::to_string(i + 1)},
                            {html_escape(p.site.id), p.site.id},
                            {thousands(p.households_newly_covered), std::to_string(p.households_newly_covered)},
                            share_cell(p.share_after)});
        }
        body += io::table_html("proposal-table",
                               {{"Rank", true, ""}, {"Site", false, ""}, {"Newly covered", true, ""},
                                {"Share after", true, ""}},
                               rows);
    }
    body += "<h2>Warnings</h2>\n";
    body += io::warnings_html(warnings);
    if (manifest.contains("attribution")) {
        body += "<p class=\"small\">Data: " + html_escape(manifest.at("attribution").get<std::string>()) + "</p>\n";
    }
    return io::report_page("Coverage · " + text_of(manifest, "district"), body);
}

} // namespace gridplan::coverage
