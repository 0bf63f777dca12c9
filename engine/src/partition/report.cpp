// report.html of plan, replan and validate.
#include "gridplan/partition/report.hpp"

#include "gridplan/core/strings.hpp"
#include "gridplan/io/report.hpp"
#include "gridplan/partition/output.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace gridplan::partition {

namespace {

using io::html_escape;
using io::nice_step;
using io::percent;
using io::thousands;

std::string colour(const io::Rgb& c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r & 255, c.g & 255, c.b & 255);
    return buf;
}

/// A JSON value as text (strings without quotes, arrays joined).
std::string json_text(const nlohmann::json& v) {
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_array()) {
        std::string s;
        for (const auto& e : v) {
            s += (s.empty() ? "" : ", ") + json_text(e);
        }
        return s;
    }
    return v.dump();
}

/// The grids layer's rows by field name.
class Rows {
public:
    explicit Rows(const GridRows& rows) : m_rows(rows) {}
    const io::FieldValue& at(std::size_t grid, const std::string& field) const {
        return m_rows.rows[grid][m_rows.field(field)];
    }
    double number(std::size_t grid, const std::string& field) const {
        const auto& v = at(grid, field);
        if (const auto* d = std::get_if<double>(&v)) {
            return *d;
        }
        if (const auto* i = std::get_if<std::int64_t>(&v)) {
            return static_cast<double>(*i);
        }
        return std::numeric_limits<double>::quiet_NaN();
    }
    std::string text(std::size_t grid, const std::string& field) const {
        const auto& v = at(grid, field);
        if (const auto* s = std::get_if<std::string>(&v)) {
            return *s;
        }
        if (const auto* i = std::get_if<std::int64_t>(&v)) {
            return std::to_string(*i);
        }
        return "";
    }

private:
    const GridRows& m_rows;
};

/// A numeric cell: shown with `decimals` (and `suffix`), sorted by the value; "–" for none.
io::TableCell number_cell(double v, int decimals, const std::string& suffix = "") {
    if (!std::isfinite(v)) {
        return {"–", ""};
    }
    return {html_escape(format_fixed(v, decimals) + suffix), format_fixed(v, 6)};
}

void draw_centre(io::SvgMap& map, const Grid& g) {
    if (g.centre.proposed) {
        map.star(g.centre.x, g.centre.y, 7.0, "class=\"proposed\"");
    } else {
        map.circle(g.centre.x, g.centre.y, 5.0, "class=\"centre\"");
    }
}

std::string legend_html(bool changed) {
    std::string s = "<div class=\"legend\">\n";
    s += "<div><span class=\"sw\" style=\"background:#8dd3c7\"></span>grid (colours tell neighbours apart)</div>\n";
    s += "<div><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" r=\"5\" fill=\"#1a9641\"/></svg> existing "
         "centre</div>\n";
    s += "<div><svg width=\"14\" height=\"14\"><polygon points=\"7,0 8.9,4.4 13.7,4.8 10,8 11.1,12.7 7,10.2 2.9,12.7 "
         "4,8 0.3,4.8 5.1,4.4\" fill=\"#d7191c\"/></svg> proposed centre</div>\n";
    s += "<div><svg width=\"14\" height=\"14\"><circle cx=\"7\" cy=\"7\" r=\"2\" fill=\"#e31a1c\"/></svg> households "
         "beyond the walk radius</div>\n";
    s += "<div><span class=\"sw\" style=\"background:#a6cee3;border-color:#1f78b4\"></span>water, river</div>\n";
    s += "<div><span class=\"sw\" style=\"background:#fff;border-color:#555\"></span>road, street</div>\n";
    if (changed) {
        s += "<div><span class=\"sw\" style=\"background:#c51b7d;opacity:0.6\"></span>blocks that changed grid</div>\n";
    }
    return s + "</div>\n";
}

} // namespace

std::string plan_report_html(const PlanResult& plan, const blocks::BlocksResult& blocks,
                             const io::District& district, const PartitionConfig& config,
                             const PlanReportInput& input, const wrap::GeosContext& geos) {
    static const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json& m = input.manifest != nullptr ? *input.manifest : empty;
    const nlohmann::json metrics = m.value("metrics", nlohmann::json::object());
    const nlohmann::json details = m.value("details", nlohmann::json::object());
    const GridRows grid_table = grid_rows(plan, blocks, district, config);
    const Rows rows{grid_table};
    const std::size_t n = plan.grids.size();
    const auto& palette = grid_palette();
    auto fill_of = [&](std::size_t k) {
        const auto c = static_cast<std::size_t>(std::max<double>(1.0, rows.number(k, "map_colour"))) - 1;
        return colour(palette[c % palette.size()]);
    };
    auto id_of = [&](std::size_t k) { return rows.text(k, "grid_id"); };
    const io::MapBackground background{district, geos};

    std::string body;
    const std::string district_name = m.value("district", std::string{});
    body += "<h1>" + html_escape(input.title) + ": " + thousands(metrics.value("households", std::int64_t{0})) +
            " households in " + std::to_string(n) + " grids</h1>\n";
    body += "<p class=\"small\">District " + html_escape(district_name) + " · target " +
            thousands(std::llround(config.households_per_grid)) + " households per grid (band " +
            thousands(std::llround(config.band_low())) + "–" + thousands(std::llround(config.band_high())) + ") · walk " +
            format_fixed(config.walk_minutes, 0) + " minutes (" + format_fixed(config.walk_radius_m, 0) + " m) · <a href=\"#grids\">grids</a> · <a href=\"#charts\">charts</a> · <a href=\"#problems\">problems</a> · <a href=\"#run\">parameters and inputs</a></p>\n";

    // Hard rules (validate) first.
    if (input.validated) {
        if (input.broken.empty()) {
            body += "<p class=\"good\"><b>Hard rules: all hold.</b></p>\n";
        } else {
            body += "<div class=\"bad\"><b>Hard rules broken: " + std::to_string(input.broken.size()) + "</b><ul>";
            for (const auto& b : input.broken) {
                body += "<li>" + html_escape(b) + "</li>";
            }
            body += "</ul></div>\n";
        }
    }

    // Headline figures, from plan.json.
    std::vector<std::pair<std::string, std::string>> figures;
    figures.push_back({"grids in the band", std::to_string(details.value("grids_in_band", 0)) + " of " + std::to_string(n)});
    figures.push_back({"households within the walk radius", percent(metrics.value("within_radius_share", 0.0))});
    figures.push_back({"grids contiguous", percent(metrics.value("contiguous_share", 0.0), 0)});
    figures.push_back({"largest deviation", format_fixed(metrics.value("max_abs_deviation_pct", 0.0), 1) + "%"});
    figures.push_back({"smallest / largest grid", thousands(details.value("households_min", std::int64_t{0})) + " / " +
                                                      thousands(details.value("households_max", std::int64_t{0}))});
    figures.push_back({"centres existing / proposed", std::to_string(details.value("existing_centres_used", 0)) + " / " +
                                                          std::to_string(details.value("proposed_centres", 0))});
    if (metrics.contains("edge_share")) {
        const auto& e = metrics["edge_share"];
        figures.push_back({"edges on rivers / roads / streets / alleys",
                           percent(e.value("river", 0.0), 0) + " / " + percent(e.value("road", 0.0), 0) + " / " +
                               percent(e.value("street", 0.0), 0) + " / " + percent(e.value("alley", 0.0), 0)});
    }
    if (m.contains("service_coverage")) {
        double lowest = 1.0;
        std::string which;
        for (const auto& [k, v] : m.at("service_coverage").items()) {
            if (v.get<double>() < lowest || which.empty()) {
                lowest = std::min(lowest, v.get<double>());
                which = k;
            }
        }
        figures.push_back({"lowest service coverage", which + " " + percent(lowest)});
    }
    figures.insert(figures.end(), input.figures.begin(), input.figures.end());
    body += io::figures_html(figures);

    // The map.
    io::SvgMap map{district.boundary.get(), 1100.0, geos};
    for (std::size_t k = 0; k < n; ++k) {
        const auto& g = plan.grids[k];
        map.path(g.geom.get(),
                 "class=\"grid\" data-grid-id=\"" + id_of(k) + "\" fill=\"" + fill_of(k) + "\" fill-opacity=\"0.8\"",
                 "Grid " + id_of(k) + " · " + rows.text(k, "name") + " · " + thousands(g.households) + " households");
    }
    background.draw_water(map);
    const bool changed = !input.changed_blocks.empty();
    if (changed) {
        for (const auto& b : blocks.blocks) {
            if (input.changed_blocks[b.id.value()]) {
                map.path(b.geom.get(), "class=\"changed\"");
            }
        }
    }
    background.draw_lines(map);
    map.path(district.boundary.get(), "class=\"boundary\"");
    // Households beyond the walk radius of their grid's centre (at most 20,000 points drawn).
    constexpr std::size_t max_points = 20000;
    std::size_t beyond_points = 0;
    std::vector<std::vector<std::size_t>> beyond_of(n);  // per grid, for its sheet
    std::int64_t beyond = 0;
    std::int64_t unreachable_households = 0;
    for (std::size_t i = 0; i < plan.household_walk_m.size(); ++i) {
        const double w = plan.household_walk_m[i];
        if (std::isnan(w) || w <= config.walk_radius_m) {
            continue;
        }
        beyond += district.households[i].count;
        beyond_of[plan.grid_of_block[blocks.household_block[i].value()].value()].push_back(i);
        unreachable_households += std::isfinite(w) ? 0 : district.households[i].count;
        if (beyond_points++ < max_points) {
            map.circle(district.households[i].x, district.households[i].y, 1.6, "class=\"uncovered\"");
        }
    }
    for (const auto& g : plan.grids) {
        draw_centre(map, g);
    }
    for (std::size_t k = 0; k < n; ++k) {
        double lx = 0;
        double ly = 0;
        geos.point_on_surface(plan.grids[k].geom.get(), lx, ly);
        map.text(lx, ly, id_of(k), "class=\"label\"");
    }
    body += "<div class=\"maps\">\n" + map.svg("id=\"plan-map\" class=\"map\" role=\"img\" aria-label=\"map of the grids\"") +
            legend_html(changed);
    if (beyond_points > max_points) {
        body += "<p class=\"small\">" + thousands(static_cast<std::int64_t>(max_points)) + " of " +
                thousands(static_cast<std::int64_t>(beyond_points)) + " points beyond the radius are drawn.</p>\n";
    }
    body += "</div>\n";

    // The grids table.
    body += "<h2 id=\"grids\">Grids</h2>\n<p class=\"small\">Click a heading to sort; a grid's id opens its printable "
            "sheet.</p>\n";
    const std::vector<io::TableColumn> columns{
        {"Grid", true, "grid_id"},
        {"Name", false, "name"},
        {"Households", true, "households"},
        {"Deviation", true, "from the target, %"},
        {"Area km²", true, "area_km2"},
        {"Walk p90 min", true, "90% of the grid's households walk at most this to its centre"},
        {"Walk max min", true, "the longest walk to the centre"},
        {"Within radius", true, "share of the grid's households within the walk radius of its centre"},
        {"Services", true, "the service least within reach (of eight), with its share of the grid's households"},
        {"Edges river/road/street/alley", false, "share of the grid's edge length on each barrier class"},
        {"Budget ¥", true, "budget_yuan"},
        {"Four sides", false, "bounds_desc"},
        {"Flags", false, "flags"}};
    std::vector<std::vector<io::TableCell>> table;
    for (std::size_t k = 0; k < n; ++k) {
        const std::string id = id_of(k);
        std::vector<io::TableCell> row;
        row.push_back({"<a href=\"#grid-" + id + "\">" + id + "</a>", id});
        row.push_back({html_escape(rows.text(k, "name")), rows.text(k, "name")});
        row.push_back({thousands(static_cast<std::int64_t>(rows.number(k, "households"))),
                       format_fixed(rows.number(k, "households"), 0)});
        row.push_back(number_cell(rows.number(k, "deviation_pct"), 1, "%"));
        row.push_back(number_cell(rows.number(k, "area_km2"), 3));
        row.push_back(number_cell(rows.number(k, "p90_walk_min"), 1));
        row.push_back(number_cell(rows.number(k, "max_walk_min"), 1));
        row.push_back(number_cell(100.0 * rows.number(k, "share_within_radius"), 1, "%"));
        double lowest = std::numeric_limits<double>::infinity();
        std::string lowest_name;
        std::string all;
        for (const auto svc : all_services) {
            const std::string name{to_string(svc)};
            const double v = rows.number(k, "cov_" + name);
            if (std::isfinite(v)) {
                all += (all.empty() ? "" : ", ") + name + " " + percent(v);
                if (v < lowest) {
                    lowest = v;
                    lowest_name = name;
                }
            }
        }
        if (std::isfinite(lowest)) {
            const std::string shown = lowest >= 0.99995 ? "all 100%" : lowest_name + " " + percent(lowest);
            row.push_back({"<span title=\"" + html_escape(all) + "\">" + html_escape(shown) + "</span>",
                           format_fixed(lowest, 6)});
        } else {
            row.push_back({"–", ""});
        }
        row.push_back({format_fixed(100.0 * rows.number(k, "edge_share_river"), 0) + " / " +
                           format_fixed(100.0 * rows.number(k, "edge_share_road"), 0) + " / " +
                           format_fixed(100.0 * rows.number(k, "edge_share_street"), 0) + " / " +
                           format_fixed(100.0 * rows.number(k, "edge_share_alley"), 0),
                       format_fixed(rows.number(k, "edge_share_river"), 4)});
        row.push_back({thousands(std::llround(rows.number(k, "budget_yuan"))), format_fixed(rows.number(k, "budget_yuan"), 0)});
        row.push_back({html_escape(rows.text(k, "bounds_desc")), rows.text(k, "bounds_desc")});
        row.push_back({html_escape(rows.text(k, "flags")), rows.text(k, "flags")});
        table.push_back(std::move(row));
    }
    body += io::table_html("grid-table", columns, table);

    // Histograms.
    body += "<h2 id=\"charts\">Grid sizes and walk times</h2>\n<div class=\"maps\">\n";
    {
        io::Histogram h;
        h.title = "Households per grid";
        h.x_label = "households";
        h.y_label = "grids";
        const double lo_v = std::min(static_cast<double>(details.value("households_min", std::int64_t{0})), config.band_low());
        const double hi_v = std::max(static_cast<double>(details.value("households_max", std::int64_t{0})), config.band_high());
        h.bin_width = nice_step((hi_v - lo_v) / 12.0);
        h.lo = std::floor(lo_v / h.bin_width) * h.bin_width - h.bin_width;
        h.bins = static_cast<int>(std::ceil((hi_v - h.lo) / h.bin_width)) + 1;
        for (const auto& g : plan.grids) {
            h.values.emplace_back(static_cast<double>(g.households), 1.0);
        }
        h.band = true;
        h.band_lo = config.band_low();
        h.band_hi = config.band_high();
        h.band_label = "the band";
        h.marks.emplace_back(config.households_per_grid, "target");
        body += h.values.empty() ? "" : io::histogram_svg(h);
    }
    {
        io::Histogram h;
        h.title = "Walk to the grid's centre";
        h.x_label = "minutes";
        h.y_label = "households";
        const double minutes_per_metre = 60.0 / (config.speed_kmh * 1000.0);
        double longest = 0.0;
        for (std::size_t i = 0; i < plan.household_walk_m.size(); ++i) {
            const double w = plan.household_walk_m[i];
            if (std::isfinite(w)) {
                h.values.emplace_back(w * minutes_per_metre, district.households[i].count);
                longest = std::max(longest, w * minutes_per_metre);
            }
        }
        h.lo = 0.0;
        h.bin_width = nice_step(std::max(longest, config.walk_minutes * 1.5) / 24.0);
        h.bins = std::min(40, static_cast<int>(std::ceil(std::max(longest, config.walk_minutes * 1.5) / h.bin_width)) + 1);
        h.marks.emplace_back(config.walk_minutes, "radius " + format_fixed(config.walk_minutes, 0) + " min");
        body += h.values.empty() ? "" : io::histogram_svg(h);
    }
    body += "</div>\n<p class=\"small\">" + thousands(beyond) + " households beyond the walk radius of their centre";
    if (unreachable_households > 0) {
        body += ", " + thousands(unreachable_households) + " of them with no walk to it at all (not in the chart)";
    }
    body += ".</p>\n";

    // Infeasible entries and warnings.
    body += "<h2 id=\"problems\">What could not be met, and warnings</h2>\n";
    const nlohmann::json infeasible = metrics.value("infeasible", nlohmann::json::array());
    if (infeasible.empty()) {
        body += "<p>Nothing infeasible.</p>\n";
    } else {
        std::vector<std::vector<io::TableCell>> rows_inf;
        for (const auto& f : infeasible) {
            rows_inf.push_back({{html_escape(f.value("kind", std::string{})), f.value("kind", std::string{})},
                                {html_escape(json_text(f.value("grids", nlohmann::json::array()))), json_text(f.value("grids", nlohmann::json::array()))},
                                {thousands(f.value("households", std::int64_t{0})), std::to_string(f.value("households", std::int64_t{0}))},
                                {html_escape(f.value("reason", std::string{})), f.value("reason", std::string{})},
                                {html_escape(f.value("fix", std::string{})), f.value("fix", std::string{})}});
        }
        body += io::table_html("infeasible-table",
                               {{"Kind", false, ""}, {"Grids", false, ""}, {"Households", true, ""},
                                {"Reason", false, ""}, {"Suggested fix", false, ""}},
                               rows_inf);
    }
    body += io::warnings_html(input.warnings);

    // Parameters and inputs.
    body += "<h2 id=\"run\">Parameters and inputs</h2>\n";
    std::vector<std::pair<std::string, std::string>> params;
    const nlohmann::json parameters = m.value("parameters", nlohmann::json::object());
    for (const auto& [k, v] : parameters.items()) {
        params.emplace_back(k, html_escape(json_text(v)));
    }
    body += io::key_values_html(params);
    std::vector<std::vector<io::TableCell>> inputs;
    const nlohmann::json input_files = m.value("inputs", nlohmann::json::array());
    for (const auto& f : input_files) {
        const std::string path = f.contains("path") && f["path"].is_string() ? f["path"].get<std::string>() : "";
        const bool database = !f.contains("sha256") || !f["sha256"].is_string();
        const std::string sha = database ? "" : f["sha256"].get<std::string>();
        inputs.push_back({{html_escape(path), path},
                          {database ? std::string{"(a database: no checksum)"} : "<code>" + html_escape(sha) + "</code>",
                           sha}});
    }
    body += io::table_html("inputs-table", {{"Input", false, ""}, {"SHA-256", false, ""}}, inputs);
    if (m.contains("attribution")) {
        body += "<p class=\"small\">Data: " + html_escape(m.at("attribution").get<std::string>()) + "</p>\n";
    }

    // One printable sheet per grid.
    body += "<h2 class=\"noprint\">Grid sheets</h2>\n";
    for (std::size_t k = 0; k < n; ++k) {
        const auto& g = plan.grids[k];
        const std::string id = id_of(k);
        io::SvgMap sheet{g.geom.get(), 520.0, geos, 0.12};
        for (std::size_t j = 0; j < n; ++j) {
            if (j != k) {
                sheet.path(plan.grids[j].geom.get(), "class=\"other-grid\"");
            }
        }
        sheet.path(g.geom.get(), "class=\"grid\" fill=\"" + fill_of(k) + "\" fill-opacity=\"0.8\"");
        background.draw_water(sheet);
        background.draw_lines(sheet);
        for (const std::size_t i : beyond_of[k]) {
            sheet.circle(district.households[i].x, district.households[i].y, 2.0, "class=\"uncovered\"");
        }
        for (std::size_t j = 0; j < n; ++j) {
            double lx = 0;
            double ly = 0;
            geos.point_on_surface(plan.grids[j].geom.get(), lx, ly);
            if (j != k && sheet.shows(lx, ly)) {
                sheet.text(lx, ly, id_of(j), "class=\"label\" fill-opacity=\"0.5\"");
            }
        }
        draw_centre(sheet, g);
        const std::string name = rows.text(k, "name");
        body += "<section class=\"sheet\" id=\"grid-" + id + "\">\n<h2>Grid " + id +
                (name == "Grid " + id ? "" : " · " + html_escape(name)) + " <span class=\"small\">(" + html_escape(rows.text(k, "code")) +
                ")</span></h2>\n<div class=\"maps\">\n" +
                sheet.svg("class=\"sheet-map\" role=\"img\" aria-label=\"map of grid " + id + "\"") + "<div>\n";
        std::vector<std::pair<std::string, std::string>> kv;
        kv.emplace_back("Four sides", html_escape(rows.text(k, "bounds_desc")));
        kv.emplace_back("Households", thousands(g.households) + " (" +
                                          format_fixed(rows.number(k, "deviation_pct"), 1) + "% from the target)");
        kv.emplace_back("Area", format_fixed(rows.number(k, "area_km2"), 3) + " km²");
        kv.emplace_back("Centre", html_escape(rows.text(k, "centre_id")) +
                                      (g.centre.proposed ? " (proposed)" : " (existing)"));
        kv.emplace_back("Walk to the centre", "p90 " + format_fixed(rows.number(k, "p90_walk_min"), 1) + " min, max " +
                                                  format_fixed(rows.number(k, "max_walk_min"), 1) + " min; " +
                                                  percent(rows.number(k, "share_within_radius")) +
                                                  " within the radius");
        std::string services;
        for (const auto svc : all_services) {
            const std::string service{to_string(svc)};
            const double v = rows.number(k, "cov_" + service);
            if (std::isfinite(v)) {
                services += (services.empty() ? "" : ", ") + service + " " + percent(v);
            }
        }
        if (!services.empty()) {
            kv.emplace_back("Services within reach", html_escape(services));
        }
        kv.emplace_back("Edges", "river " + percent(rows.number(k, "edge_share_river"), 0) + ", road " +
                                     percent(rows.number(k, "edge_share_road"), 0) + ", street " +
                                     percent(rows.number(k, "edge_share_street"), 0) + ", alley " +
                                     percent(rows.number(k, "edge_share_alley"), 0));
        kv.emplace_back("Blocks, units", rows.text(k, "n_blocks") + ", " + rows.text(k, "n_units"));
        kv.emplace_back("Budget", "¥" + thousands(std::llround(rows.number(k, "budget_yuan"))));
        if (!rows.text(k, "flags").empty()) {
            kv.emplace_back("Flags", html_escape(rows.text(k, "flags")));
        }
        body += io::key_values_html(kv) + "</div>\n</div>\n<p class=\"back noprint\"><a href=\"#grids\">back to the "
                                          "table</a></p>\n</section>\n";
    }
    return io::report_page(input.title + " · " + district_name, body);
}

} // namespace gridplan::partition
