#include "gridplan/blocks/output.hpp"

#include "gridplan/core/strings.hpp"

#include <ogr_core.h>

#include <cmath>

namespace gridplan::blocks {

using io::round_to;

nlohmann::json blocks_summary(const BlocksResult& result, const io::District& district, const RunContext& ctx) {
    const auto& s = result.stats;
    nlohmann::json j;
    j["working_crs"] = district.working_crs.label();
    j["district"] = district.boundary_description;
    j["sea_removed_m2"] = round_to(district.sea_removed_m2, 1);
    if (!district.sea_source.empty()) {
        j["sea_source"] = district.sea_source;
    }
    j["district_area_m2"] = round_to(s.district_area_m2, 1);
    j["blocks"] = result.blocks.size();
    j["water_blocks"] = s.water_blocks;
    j["blocks_area_m2"] = round_to(s.blocks_area_m2, 1);
    j["adjacent_pairs"] = result.adjacency.size();
    j["barrier_lines_used"] = s.barrier_lines_used;
    j["faces"] = s.faces;
    j["slivers_merged"] = s.slivers_merged;
    j["dangles"] = s.dangles;
    j["cut_edges"] = s.cut_edges;
    j["invalid_rings"] = s.invalid_rings;
    j["crossings_without_vertex"] = s.crossings_without_vertex;
    result.households.write_to(j);
    j["households"] = {{"input", result.households.input},
                       {"inside", s.households_inside},
                       {"outside", s.households_outside},
                       {"points_outside", s.household_points_outside},
                       {"moved_from_water", s.households_moved_from_water},
                       {"in_water_no_bank", s.households_water_no_bank}};
    nlohmann::json problems = nlohmann::json::object();
    for (const auto& [code, n] : ctx.problems.counts()) {
        problems[code] = n;
    }
    j["problems"] = problems;
    if (district.household_estimate) {
        const auto& e = *district.household_estimate;
        nlohmann::json by_type = nlohmann::json::object();
        for (const auto& [type, t] : e.by_type) {
            by_type[type] = {{"buildings", t.buildings}, {"households", t.households}};
        }
        j["household_estimate"] = {{"method", e.method},
                                   {"buildings_read", e.buildings_read},
                                   {"buildings_residential", e.buildings_residential},
                                   {"excluded_non_residential_type", e.excluded_non_residential_type},
                                   {"excluded_by_landuse", e.excluded_by_landuse},
                                   {"excluded_by_size", e.excluded_by_size},
                                   {"levels_from_data", e.levels_from_data},
                                   {"levels_from_height", e.levels_from_height},
                                   {"rounded_to_none", e.rounded_to_none},
                                   {"households", e.households},
                                   {"households_by_source", e.households_by_source},
                                   {"by_type", by_type}};
        if (e.totals_areas > 0) {
            j["household_estimate"]["totals"] = {{"areas", e.totals_areas},
                                                 {"households", e.totals_households},
                                                 {"areas_without_buildings", e.totals_without_buildings}};
        }
    }
    if (district.from_osm) {
        j["attribution"] = "© OpenStreetMap contributors (ODbL 1.0)";
    }
    return j;
}

void add_qa_layer(io::VectorWriter& writer, const RunContext& ctx, const wrap::GeosContext& geos) {
    using io::FieldType;
    writer.begin_layer(io::LayerDef{"blocks_qa",
                                    wkbUnknown,
                                    {{"problem", FieldType::string, "", 0},
                                     {"detail", FieldType::string, "", 0},
                                     {"source", FieldType::string, "", 0},
                                     {"source_fid", FieldType::integer, "src_fid", 0},
                                     {"block_id", FieldType::integer, "", 0}}});
    for (const auto& p : ctx.problems.problems()) {
        wrap::GeomPtr g = p.wkb.empty() ? geos.own_nullable(nullptr) : geos.from_wkb(p.wkb.data(), p.wkb.size());
        writer.add(g.get(), {p.problem, p.detail, p.source.empty() ? io::FieldValue{} : io::FieldValue{p.source},
                             p.fid ? io::FieldValue{*p.fid} : io::FieldValue{},
                             p.block_id ? io::FieldValue{*p.block_id} : io::FieldValue{}});
    }
}

void write_blocks(const BlocksResult& result, const io::District& district, io::OutputDir& out,
                  const io::OutputOptions& options, const wrap::GeosContext& geos, RunContext& ctx) {
    const StageProgress progress{ctx, "write"};
    io::VectorWriter writer{out, "blocks", options, district.working_crs, geos};
    using io::FieldType;
    writer.begin_layer(io::LayerDef{"blocks",
                                    wkbPolygon,
                                    {{"block_id", FieldType::integer, "", 0},
                                     {"area_m2", FieldType::real, "", 1},
                                     {"perimeter_m", FieldType::real, "perim_m", 1},
                                     {"households", FieldType::integer, "households", 0},
                                     {"household_points", FieldType::integer, "hh_points", 0},
                                     {"water", FieldType::integer, "", 0},
                                     {"water_name", FieldType::string, "water_name", 0}}});
    for (const auto& b : result.blocks) {
        writer.add(b.geom.get(),
                   {std::int64_t{b.id.value()} + 1, round_to(b.area_m2, 1), round_to(b.perimeter_m, 1),
                    std::int64_t{b.households}, std::int64_t{b.household_points}, std::int64_t{b.water ? 1 : 0},
                    b.water_name.empty() ? io::FieldValue{} : io::FieldValue{b.water_name}});
    }
    add_qa_layer(writer, ctx, geos);
    if (district.household_estimate) {
        const auto& e = *district.household_estimate;
        const std::string input = district.from_osm ? "osm_building"
                                   : e.method == "register joined to buildings" ? "register"
                                                                                : "building_footprint";
        writer.begin_layer(io::LayerDef{"households_estimated",
                                        wkbPoint,
                                        {{"households", FieldType::integer, "", 0},
                                         {"source", FieldType::string, "", 0},
                                         {"floor_area_m2", FieldType::real, "floor_m2", 1},
                                         {"input", FieldType::string, "", 0},
                                         {"building_type", FieldType::string, "bldg_type", 0},
                                         {"source_fid", FieldType::integer, "src_fid", 0},
                                         {"block_id", FieldType::integer, "", 0}}});
        for (std::size_t k = 0; k < e.point_types.size(); ++k) {
            const std::size_t i = e.first_point + k;
            const auto& h = district.households.at(i);
            wrap::GeomPtr p = geos.point(h.x, h.y);
            const BlockId b = result.household_block.at(i);
            writer.add(p.get(), {std::int64_t{h.count}, e.point_sources.at(k), round_to(e.point_floor_areas.at(k), 1),
                                 input,
                                 e.point_types[k].empty() ? io::FieldValue{} : io::FieldValue{e.point_types[k]},
                                 std::int64_t{h.fid.value()},
                                 b.valid() ? io::FieldValue{std::int64_t{b.value()} + 1} : io::FieldValue{}});
        }
    }
    writer.finish();
    if (writer.repaired_after_rounding() > 0) {
        ctx.log.warning(std::to_string(writer.repaired_after_rounding()) +
                        " geometries were repaired after rounding to the output precision");
    }

    std::string csv = io::csv_line({"a", "b", "shared_length_m", "barrier_class", "barrier_name"});
    for (const auto& a : result.adjacency) {
        csv += io::csv_line({std::to_string(a.a.value() + 1), std::to_string(a.b.value() + 1),
                             format_fixed(a.shared_length_m, 2), std::string{to_string(a.barrier_class)},
                             a.barrier_name});
    }
    out.write_text("adjacency.csv", csv);
    out.write_manifest(blocks_summary(result, district, ctx));
}

} // namespace gridplan::blocks
