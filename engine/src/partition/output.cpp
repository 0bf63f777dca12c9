#include "gridplan/partition/output.hpp"

#include "gridplan/blocks/output.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/sha256.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/styles.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <ogr_core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

namespace gridplan::partition {

using io::round_to;

std::string grid_code(const std::string& prefix, std::uint32_t number, std::size_t grids) {
    const std::size_t width = std::max<std::size_t>(3, std::to_string(grids).size());
    std::string n = std::to_string(number);
    if (n.size() < width) {
        n.insert(0, width - n.size(), '0');
    }
    return prefix + n;
}

nlohmann::json plan_json(const PlanResult& plan, const PartitionConfig& config, const io::District& district,
                         const PlanRun& run) {
    const auto& s = plan.stats;
    nlohmann::json edges = nlohmann::json::object();
    for (const auto c : {BarrierClass::river, BarrierClass::road, BarrierClass::street, BarrierClass::alley,
                         BarrierClass::none}) {
        edges[std::string{to_string(c)}] = round_to(s.edge_share_by_class[static_cast<std::size_t>(c)], 4);
    }
    nlohmann::json infeasible = nlohmann::json::array();
    for (const auto& f : plan.infeasible) {
        infeasible.push_back({{"kind", f.kind},
                              {"grids", f.grids},
                              {"blocks", f.blocks},
                              {"households", f.households},
                              {"reason", f.reason},
                              {"fix", f.fix}});
    }
    const double n = static_cast<double>(plan.grids.size());
    double max_dev = 0.0;
    for (const auto& g : plan.grids) {
        max_dev = std::max(max_dev, std::fabs(static_cast<double>(g.households) - config.households_per_grid) /
                                        config.households_per_grid);
    }
    nlohmann::json metrics;
    metrics["grids"] = plan.grids.size();
    metrics["households"] = s.households;
    metrics["contiguous_share"] = n > 0 ? round_to((n - static_cast<double>(s.grids_not_contiguous)) / n, 4) : 1.0;
    metrics["within_band_share"] = n > 0 ? round_to(static_cast<double>(s.grids_in_band) / n, 4) : 0.0;
    metrics["within_radius_share"] = round_to(s.share_within_radius, 4);
    metrics["edge_share"] = edges;
    metrics["mean_polsby_popper"] = round_to(s.mean_polsby_popper, 4);
    metrics["max_abs_deviation_pct"] = round_to(100.0 * max_dev, 2);
    metrics["infeasible"] = infeasible;

    nlohmann::json parameters;
    parameters["households_per_grid"] = config.households_per_grid;
    parameters["tolerance"] = config.tolerance;
    parameters["band"] = {std::llround(config.band_low()), std::llround(config.band_high())};
    parameters["grids_requested"] = config.grids;
    parameters["walk_minutes"] = config.walk_minutes;
    parameters["speed_kmh"] = config.speed_kmh;
    parameters["walk_radius_m"] = round_to(config.walk_radius_m, 2);
    parameters["seed"] = config.seed;
    parameters["rounds"] = config.rounds;
    parameters["centre_relocate_share"] = config.centre_relocate_share;
    parameters["code_prefix"] = config.code_prefix;
    parameters["budget_per_household"] = config.budget_per_household;

    nlohmann::json inputs = nlohmann::json::array();
    for (const auto& path : run.input_files) {
        // A database (a connection string) has no checksum; its password is never written.
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) {
            inputs.push_back({{"path", path}, {"sha256", sha256_file(path)}});
        } else {
            inputs.push_back({{"path", wrap::mask_password(path)}, {"sha256", nullptr}});
        }
    }
    nlohmann::json runtime = nlohmann::json::object();
    double total = 0.0;
    for (const auto& [stage, seconds] : run.stage_seconds) {
        runtime[stage] = round_to(seconds, 3);
        total += seconds;
    }
    runtime["total"] = round_to(total, 3);

    nlohmann::json details;
    details["households_min"] = s.min_households;
    details["households_max"] = s.max_households;
    details["households_mean"] = round_to(s.mean_households, 1);
    details["grids_in_band"] = s.grids_in_band;
    details["grids_not_contiguous"] = s.grids_not_contiguous;
    details["existing_centres_used"] = s.existing_centres_used;
    details["proposed_centres"] = s.proposed_centres;
    details["atoms"] = s.atoms;
    details["islands_attached_without_bridge"] = s.islands_attached;
    details["grids_walk_split"] = std::count_if(plan.grids.begin(), plan.grids.end(), [](const Grid& g) {
        return std::find(g.flags.begin(), g.flags.end(), "walk_split") != g.flags.end();
    });

    nlohmann::json j;
    run.households.write_to(j);
    j["parameters"] = parameters;
    j["inputs"] = inputs;
    j["runtime_s"] = runtime;
    j["metrics"] = metrics;
    j["details"] = details;
    if (plan.service_coverage) {
        nlohmann::json cover = nlohmann::json::object();
        for (const auto svc : all_services) {
            cover[std::string{to_string(svc)}] = round_to((*plan.service_coverage)[static_cast<std::size_t>(svc)], 4);
        }
        j["service_coverage"] = cover;
    }
    j["district"] = district.boundary_description;
    if (district.from_osm) {
        j["attribution"] = "© OpenStreetMap contributors (ODbL 1.0)";
    }
    return j;
}

const std::vector<io::Rgb>& grid_palette() {
    static const std::vector<io::Rgb> palette{{141, 211, 199}, {255, 255, 179}, {190, 186, 218}, {251, 128, 114},
                                              {128, 177, 211}, {253, 180, 98},  {179, 222, 105}, {252, 205, 229},
                                              {217, 217, 217}, {188, 128, 189}, {204, 235, 197}, {255, 237, 111}};
    return palette;
}

namespace {

/// A colour index (1, 2, ...) for each grid such that no two neighbouring grids share one:
/// greedy, grids in id order, each the lowest index no neighbour has.
std::vector<std::int64_t> map_colours(const PlanResult& plan, const blocks::BlocksResult& blocks) {
    std::vector<std::set<std::size_t>> next(plan.grids.size());
    for (const auto& adj : blocks.adjacency) {
        const std::size_t a = plan.grid_of_block[adj.a.value()].value();
        const std::size_t b = plan.grid_of_block[adj.b.value()].value();
        if (a != b) {
            next[a].insert(b);
            next[b].insert(a);
        }
    }
    std::vector<std::int64_t> colour(plan.grids.size(), 0);
    for (std::size_t g = 0; g < plan.grids.size(); ++g) {
        std::set<std::int64_t> taken;
        for (const auto n : next[g]) {
            taken.insert(colour[n]);
        }
        std::int64_t c = 1;
        while (taken.count(c) > 0) {
            ++c;
        }
        colour[g] = c;
    }
    return colour;
}

/// The plan's styles: grids in distinct colours labelled with their name and households
/// (and a second style graduated by deviation), grid edges by barrier class, existing and
/// proposed centres, blocks as outlines, units (when there are any) as small squares.
std::vector<io::LayerStyle> plan_styles(const PartitionConfig& config, const io::OutputOptions& options,
                                        bool with_units) {
    using io::Rgb;
    const bool short_names = options.format.short_field_names;
    auto field = [&](const char* name, const char* short_name) { return std::string{short_names ? short_name : name}; };
    const std::vector<Rgb>& palette = grid_palette();
    const Rgb outline{60, 60, 60};
    std::vector<io::QmlCategory> colours;
    for (std::size_t k = 0; k < palette.size(); ++k) {
        colours.push_back({std::to_string(k + 1), "colour " + std::to_string(k + 1),
                           io::fill_symbol(palette[k], 0.7, outline, 0.4)});
    }
    const std::string labels = io::expression_labels(
        "concat(\"" + field("name", "name") + "\", '\\n', \"" + field("households", "households") + "\", ' households')",
        9.0);
    std::vector<io::LayerStyle> styles;
    styles.push_back({"grids", "grids", "Grids in distinct colours, labelled with name and households",
                      io::qml_document(io::categorized_renderer("map_colour", colours), labels)});
    const double tol = 100.0 * config.tolerance;
    const std::string dev = field("deviation_pct", "dev_pct");
    styles.push_back(
        {"grids", "deviation", "Grids by deviation from the target households (%); the band is +-" + format_fixed(tol, 0) + "%",
         io::qml_document(
             io::graduated_renderer(
                 dev, {{-1000.0, -tol, "below the band", io::fill_symbol({33, 102, 172}, 0.8, outline, 0.4)},
                       {-tol, -tol / 3.0, "low", io::fill_symbol({146, 197, 222}, 0.8, outline, 0.4)},
                       {-tol / 3.0, tol / 3.0, "near the target", io::fill_symbol({247, 247, 247}, 0.8, outline, 0.4)},
                       {tol / 3.0, tol, "high", io::fill_symbol({244, 165, 130}, 0.8, outline, 0.4)},
                       {tol, 1000000.0, "above the band", io::fill_symbol({178, 24, 43}, 0.8, outline, 0.4)}}),
             labels)});
    styles.push_back({"grid_edges", "grid_edges", "Grid edges by the barrier they follow",
                      io::qml_document(io::categorized_renderer(
                          field("barrier_class", "class"),
                          {{"river", "river", io::line_symbol({31, 120, 180}, 1.2)},
                           {"road", "road", io::line_symbol({50, 50, 50}, 1.0)},
                           {"street", "street", io::line_symbol({110, 110, 110}, 0.7)},
                           {"alley", "alley", io::line_symbol({160, 160, 160}, 0.5, true)},
                           {"none", "no barrier", io::line_symbol({200, 60, 60}, 0.5, true)}}))});
    styles.push_back({"centres", "centres", "Existing and proposed community service centres",
                      io::qml_document(io::categorized_renderer(
                          "proposed", {{"0", "existing centre", io::marker_symbol("circle", {26, 150, 65}, 3.0, {255, 255, 255})},
                                       {"1", "proposed centre", io::marker_symbol("star", {215, 25, 28}, 4.5, {255, 255, 255})}}))});
    styles.push_back({"blocks", "blocks", "Blocks as outlines, water blocks blue",
                      io::qml_document(io::categorized_renderer(
                          "water", {{"0", "land", io::fill_symbol({255, 255, 255}, 0.0, {150, 150, 150}, 0.15)},
                                    {"1", "water", io::fill_symbol({166, 206, 227}, 0.8, {31, 120, 180}, 0.15)}}))});
    styles.push_back({"barriers", "barriers", "The lines grid edges may follow: rivers blue, roads by class",
                      io::qml_document(io::categorized_renderer(
                          field("barrier_class", "class"),
                          {{"river", "river", io::line_symbol({31, 120, 180}, 0.9)},
                           {"road", "road", io::line_symbol({80, 80, 80}, 0.7)},
                           {"street", "street", io::line_symbol({140, 140, 140}, 0.4)},
                           {"alley", "alley", io::line_symbol({185, 185, 185}, 0.25, true)},
                           {"none", "other", io::line_symbol({210, 210, 210}, 0.2)}}))});
    if (with_units) {
        styles.push_back({"units", "units", "Villages, communities and resident units",
                          io::qml_document(io::single_renderer(io::marker_symbol("square", {120, 120, 120}, 1.6, {255, 255, 255})))});
    }
    return styles;
}

} // namespace

GridRows grid_rows(const PlanResult& plan, const blocks::BlocksResult& blocks, const io::District& district,
                   const PartitionConfig& config) {
    using io::FieldType;
    using io::FieldValue;
    const double minutes_per_metre = 60.0 / (config.speed_kmh * 1000.0);
    io::LayerDef grids_def{"grids",
                                    wkbMultiPolygon,
                                    {{"grid_id", FieldType::integer, "", 0},
                                     {"code", FieldType::string, "", 0},
                                     {"name", FieldType::string, "", 0},
                                     {"households", FieldType::integer, "households", 0},
                                     {"deviation_pct", FieldType::real, "dev_pct", 2},
                                     {"area_km2", FieldType::real, "", 4},
                                     {"centre_id", FieldType::string, "", 0},
                                     {"centre_proposed", FieldType::integer, "centre_new", 0},
                                     {"max_walk_min", FieldType::real, "max_walk", 2},
                                     {"p90_walk_min", FieldType::real, "p90_walk", 2},
                                     {"share_within_radius", FieldType::real, "share_in_r", 4},
                                     {"walk_connected_share", FieldType::real, "walk_conn", 4},
                                     {"polsby_popper", FieldType::real, "polsby_pp", 4},
                                     {"edge_share_river", FieldType::real, "edge_river", 4},
                                     {"edge_share_road", FieldType::real, "edge_road", 4},
                                     {"edge_share_street", FieldType::real, "edge_street", 4},
                                     {"edge_share_alley", FieldType::real, "edge_alley", 4},
                                     {"n_blocks", FieldType::integer, "", 0},
                                     {"n_units", FieldType::integer, "", 0},
                                     {"budget_yuan", FieldType::real, "budget", 0},
                                     {"bounds_desc", FieldType::string, "", 0},
                                     {"flags", FieldType::string, "", 0},
                                     {"map_colour", FieldType::integer, "", 0}}};
    // Per-service coverage of the grid's households (Shapefile names: 10 characters).
    for (const auto svc : all_services) {
        const std::string name{to_string(svc)};
        grids_def.fields.push_back({"cov_" + name, FieldType::real, ("cov_" + name).substr(0, 10), 4});
    }
    const std::vector<std::int64_t> colours = map_colours(plan, blocks);
    GridRows table;
    for (const auto& g : plan.grids) {
        const std::uint32_t number = g.written_id();
        double edges = 0.0;
        for (const double l : g.edge_length_by_class) {
            edges += l;
        }
        auto share = [&](BarrierClass c) {
            return edges > 0 ? round_to(g.edge_length_by_class[static_cast<std::size_t>(c)] / edges, 4) : 0.0;
        };
        const std::string centre_id =
            g.centre.proposed ? proposed_centre_id(g) : district.centres.at(g.centre.existing).id;
        std::vector<FieldValue> values{std::int64_t{number},
                    g.code.empty() ? grid_code(config.code_prefix, number, plan.grids.size()) : g.code,
                    g.name.empty() ? "Grid " + std::to_string(number) : g.name, g.households,
                    round_to(100.0 * (static_cast<double>(g.households) - config.households_per_grid) /
                                 config.households_per_grid,
                             2),
                    round_to(g.area_m2 / 1e6, 4), centre_id, std::int64_t{g.centre.proposed ? 1 : 0},
                    std::isfinite(g.max_walk_m) ? FieldValue{round_to(g.max_walk_m * minutes_per_metre, 2)} : FieldValue{},
                    std::isfinite(g.p90_walk_m) ? FieldValue{round_to(g.p90_walk_m * minutes_per_metre, 2)} : FieldValue{},
                    round_to(g.share_within_radius, 4), round_to(g.walk_main_share, 4),
                    round_to(g.perimeter_m > 0 ? 4.0 * M_PI * g.area_m2 / (g.perimeter_m * g.perimeter_m) : 0.0, 4),
                    share(BarrierClass::river), share(BarrierClass::road), share(BarrierClass::street),
                    share(BarrierClass::alley), static_cast<std::int64_t>(g.blocks.size()),
                    static_cast<std::int64_t>(g.units), round_to(static_cast<double>(g.households) * config.budget_per_household, 0),
                    g.bounds_desc, FieldValue{}};
        if (!g.flags.empty()) {
            values.back() = join_limited(g.flags, 16, ",");
        }
        values.emplace_back(colours[g.id.value()]);
        for (const double service : g.service_share) {
            if (std::isfinite(service)) {
                values.emplace_back(round_to(service, 4));
            } else {
                values.emplace_back();
            }
        }
        table.rows.push_back(std::move(values));
    }
    table.def = std::move(grids_def);
    return table;

}

std::size_t GridRows::field(const std::string& name) const {
    for (std::size_t k = 0; k < def.fields.size(); ++k) {
        if (def.fields[k].name == name) {
            return k;
        }
    }
    throw InternalError{"grid_rows: no field " + name};
}

void write_plan(const PlanResult& plan, const blocks::BlocksResult& blocks, const io::District& district,
                const PartitionConfig& config, io::OutputDir& out, const io::OutputOptions& options,
                const wrap::GeosContext& geos, RunContext& ctx) {
    const StageProgress progress{ctx, "write"};
    using io::FieldType;
    using io::FieldValue;
    io::VectorWriter writer{out, "plan", options, district.working_crs, geos};
    const GridRows grids = grid_rows(plan, blocks, district, config);
    writer.begin_layer(grids.def);
    for (std::size_t k = 0; k < plan.grids.size(); ++k) {
        writer.add(plan.grids[k].geom.get(), grids.rows[k]);
    }

    // Grid edges: shared block edges between grids, merged by grid pair, class and name.
    struct EdgeKey {
        std::uint32_t a;
        std::uint32_t b;
        int cls;
        std::string name;
        bool operator<(const EdgeKey& o) const {
            return std::tie(a, b, cls, name) < std::tie(o.a, o.b, o.cls, o.name);
        }
    };
    // Grid edges piece by piece with the class each piece follows, from the same segments
    // the edge shares are summed from: the lengths by class add up to them.
    std::map<EdgeKey, std::vector<wrap::GeomPtr>> pieces;
    for (const auto& adj : blocks.adjacency) {
        // Keyed by the written grid ids, so that grid_a < grid_b as written.
        std::uint32_t ga = plan.grids[plan.grid_of_block[adj.a.value()].value()].written_id();
        std::uint32_t gb = plan.grids[plan.grid_of_block[adj.b.value()].value()].written_id();
        if (ga == gb) {
            continue;
        }
        if (gb < ga) {
            std::swap(ga, gb);
        }
        for (const auto& seg : adj.segments) {
            pieces[{ga, gb, static_cast<int>(seg.cls), blocks.edge_names.at(seg.name)}].push_back(
                geos.line({seg.x1, seg.y1, seg.x2, seg.y2}));
        }
    }
    writer.begin_layer(io::LayerDef{"grid_edges",
                                    wkbMultiLineString,
                                    {{"grid_a", FieldType::integer, "", 0},
                                     {"grid_b", FieldType::integer, "", 0},
                                     {"barrier_class", FieldType::string, "class", 0},
                                     {"barrier_name", FieldType::string, "name", 0},
                                     {"length_m", FieldType::real, "", 2}}});
    for (auto& [key, parts] : pieces) {
        double length = 0.0;
        for (const auto& part : parts) {
            length += geos.length(part.get());
        }
        if (length <= 0.0) {
            continue;
        }
        wrap::GeomPtr all = geos.collection(GEOS_MULTILINESTRING, parts);
        wrap::GeomPtr merged = geos.own(GEOSLineMerge_r(geos.handle(), all.get()), "edge merge");
        writer.add(merged.get(), {std::int64_t{key.a}, std::int64_t{key.b},
                                  std::string{to_string(static_cast<BarrierClass>(key.cls))},
                                  key.name.empty() ? FieldValue{} : FieldValue{key.name}, round_to(length, 2)});
    }

    writer.begin_layer(io::LayerDef{"blocks",
                                    wkbPolygon,
                                    {{"block_id", FieldType::integer, "", 0},
                                     {"grid_id", FieldType::integer, "", 0},
                                     {"households", FieldType::integer, "", 0},
                                     {"area_m2", FieldType::real, "", 1},
                                     {"water", FieldType::integer, "", 0}}});
    for (const auto& b : blocks.blocks) {
        writer.add(b.geom.get(), {std::int64_t{b.id.value()} + 1,
                                  std::int64_t{plan.grids[plan.grid_of_block[b.id.value()].value()].written_id()},
                                  b.households, round_to(b.area_m2, 1), std::int64_t{b.water ? 1 : 0}});
    }
    // The lines grid edges may follow, as read (working CRS), for the map under the grids.
    writer.begin_layer(io::LayerDef{"barriers",
                                    wkbMultiLineString,
                                    {{"barrier_class", FieldType::string, "class", 0},
                                     {"name", FieldType::string, "", 0},
                                     {"bridge", FieldType::integer, "", 0},
                                     {"tunnel", FieldType::integer, "", 0},
                                     {"walkable", FieldType::integer, "", 0}}});
    for (const auto& b : district.barriers) {
        std::vector<wrap::GeomPtr> one;
        if (geos.type_id(b.geom.get()) == GEOS_LINESTRING) {
            one.push_back(geos.clone(b.geom.get()));
        }
        const wrap::GeomPtr multi = one.empty() ? nullptr : geos.collection(GEOS_MULTILINESTRING, one);
        writer.add(multi ? multi.get() : b.geom.get(), {std::string{to_string(b.cls)}, b.name.empty() ? FieldValue{} : FieldValue{b.name},
                                  std::int64_t{b.bridge ? 1 : 0}, std::int64_t{b.tunnel ? 1 : 0},
                                  std::int64_t{b.walkable ? 1 : 0}});
    }
    if (!district.units.empty()) {
        writer.begin_layer(io::LayerDef{"units",
                                        wkbPoint,
                                        {{"unit_id", FieldType::string, "", 0},
                                         {"name", FieldType::string, "", 0},
                                         {"kind", FieldType::string, "", 0},
                                         {"grid_id", FieldType::integer, "", 0}}});
        for (std::size_t u = 0; u < district.units.size(); ++u) {
            const auto& p = district.units[u];
            wrap::GeomPtr g = geos.point(p.x, p.y);
            const GridId grid = plan.grid_of_unit[u];
            writer.add(g.get(), {p.id, p.name.empty() ? FieldValue{} : FieldValue{p.name},
                                 p.kind.empty() ? FieldValue{} : FieldValue{p.kind},
                                 grid.valid() ? FieldValue{std::int64_t{plan.grids[grid.value()].written_id()}}
                                              : FieldValue{}});
        }
    }
    writer.begin_layer(io::LayerDef{"centres",
                                    wkbPoint,
                                    {{"centre_id", FieldType::string, "", 0},
                                     {"name", FieldType::string, "", 0},
                                     {"proposed", FieldType::integer, "", 0},
                                     {"grid_id", FieldType::integer, "", 0},
                                     {"services", FieldType::string, "", 0}}});
    std::vector<std::int64_t> grid_of_centre(district.centres.size(), 0);
    for (const auto& g : plan.grids) {
        if (!g.centre.proposed) {
            grid_of_centre[g.centre.existing] = g.written_id();
        }
    }
    for (std::size_t c = 0; c < district.centres.size(); ++c) {
        wrap::GeomPtr p = geos.point(district.centres[c].x, district.centres[c].y);
        writer.add(p.get(), {district.centres[c].id,
                             district.centres[c].name.empty() ? FieldValue{} : FieldValue{district.centres[c].name},
                             std::int64_t{0}, grid_of_centre[c] > 0 ? FieldValue{grid_of_centre[c]} : FieldValue{},
                             to_string(district.centres[c].services)});
    }
    for (const auto& g : plan.grids) {
        if (g.centre.proposed) {
            wrap::GeomPtr p = geos.point(g.centre.x, g.centre.y);
            writer.add(p.get(), {proposed_centre_id(g), FieldValue{}, std::int64_t{1}, std::int64_t{g.written_id()},
                                 to_string(all_services_mask)});
        }
    }
    // What an analyst should look at: the inputs' problems and the rejected households.
    blocks::add_qa_layer(writer, ctx, geos);
    io::write_styles(plan_styles(config, options, !district.units.empty()), writer, out, options, ctx.log);
    writer.finish();
}

} // namespace gridplan::partition
