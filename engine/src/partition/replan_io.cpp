// The previous plan: reading its grid layer, carrying it onto today's blocks, the replan
// options, and giving a plan's grids the persisted ids.
#include "gridplan/partition/replan.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/wrap/gdal.hpp"
#include "io/detail/coordinate_checks.hpp"
#include "io/detail/ogr_read.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>

namespace gridplan::partition {

namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BPoint = bg::model::d2::point_xy<double>;
using BBox = bg::model::box<BPoint>;
using Tree = bgi::rtree<std::pair<BBox, std::uint32_t>, bgi::rstar<16>>;

constexpr std::size_t listed_max = 20;  ///< ids named in one message

bool is_polygonal(OGRwkbGeometryType t) {
    const auto f = wkbFlatten(t);
    return f == wkbPolygon || f == wkbMultiPolygon || f == wkbCurvePolygon || f == wkbMultiSurface;
}

/// A grid id: a whole number from 1 to 4294967295 (integer, real or text field).
bool parse_grid_id(const std::string& text, std::uint32_t& id) {
    if (text.empty()) {
        return false;
    }
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == nullptr || *end != '\0' || !std::isfinite(v) || v < 1.0 || v > 4294967295.0 || std::floor(v) != v) {
        return false;
    }
    id = static_cast<std::uint32_t>(v);
    return true;
}

/// The highest grid id a gridplan replan recorded beside the layer (plan.json listing the
/// layer's file, with replan.max_id); 0 if none.
std::uint32_t recorded_max_id(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path layer{path};
    const fs::path manifest = layer.parent_path() / "plan.json";
    if (!fs::is_regular_file(layer, ec) || !fs::is_regular_file(manifest, ec)) {
        return 0;
    }
    std::ifstream in{manifest, std::ios::binary};
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object() || !j.contains("files") || !j["files"].is_array() || !j.contains("replan") ||
        !j["replan"].is_object() || !j["replan"].contains("max_id") || !j["replan"]["max_id"].is_number_unsigned()) {
        return 0;
    }
    const std::string name = layer.filename().string();
    const bool listed = std::any_of(j["files"].begin(), j["files"].end(), [&name](const nlohmann::json& f) {
        return f.is_object() && f.contains("name") && f["name"] == name;
    });
    const auto max_id = j["replan"]["max_id"].get<std::uint64_t>();
    return listed && max_id <= 4294967295ULL ? static_cast<std::uint32_t>(max_id) : 0;
}

std::string fid_list(const std::vector<std::int64_t>& fids) {
    std::vector<std::string> items;
    for (const auto f : fids) {
        items.push_back(std::to_string(f));
    }
    return join_limited(items, 10);
}

/// Proposed centres of the previous grids, from the centres layer a gridplan output has
/// beside its grid layer (same folder and extension): its points with proposed = 1 and
/// a grid_id. Grids whose centre is not found there get a new one from the replan.
void locate_proposed_centres(PreviousPlan& plan, const std::string& grids_path, const crs::Crs& working,
                             RunContext& ctx) {
    const bool any = std::any_of(plan.grids.begin(), plan.grids.end(),
                                 [](const PreviousGrid& g) { return g.centre_proposed; });
    if (!any) {
        return;
    }
    namespace fs = std::filesystem;
    const fs::path grids{grids_path};
    const fs::path centres = grids.parent_path() / ("centres" + grids.extension().string());
    std::error_code ec;
    if (grids.stem() == "centres" || !fs::is_regular_file(centres, ec)) {
        return;
    }
    io::SourceSpec spec;
    spec.path = centres.string();
    spec.config_key = "--previous";
    try {
        io::detail::OpenSource o = io::detail::open_source(spec, ctx);
        OGRFeatureDefn& defn = *o.layer->GetLayerDefn();
        const int proposed = defn.GetFieldIndex("proposed");
        const int grid = defn.GetFieldIndex("grid_id");
        if (proposed < 0 || grid < 0) {
            return;
        }
        const crs::Transformer to_working{o.crs, working};
        io::detail::for_each_feature(o, spec.path, [&](OGRFeature& f) {
            const OGRGeometry* g = f.GetGeometryRef();
            if (g == nullptr || wkbFlatten(g->getGeometryType()) != wkbPoint || !f.IsFieldSetAndNotNull(grid) ||
                f.GetFieldAsInteger(proposed) == 0) {
                return;
            }
            const std::uint32_t i = plan.index_of(static_cast<std::uint32_t>(f.GetFieldAsInteger64(grid)));
            if (i == no_index || !plan.grids[i].centre_proposed) {
                return;
            }
            double x = g->toPoint()->getX();
            double y = g->toPoint()->getY();
            to_working.apply(x, y);
            plan.grids[i].centre_x = x;
            plan.grids[i].centre_y = y;
        });
    } catch (const Error& e) {
        ctx.log.warning(centres.string() + ": the previous proposed centres could not be read (" + e.what() +
                        "); the replan places them again");
    }
}

Tree grid_tree(const PreviousPlan& previous, const wrap::GeosContext& geos) {
    std::vector<std::pair<BBox, std::uint32_t>> boxes;
    for (std::uint32_t g = 0; g < previous.grids.size(); ++g) {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        if (geos.bounds(previous.grids[g].geom.get(), x0, y0, x1, y1)) {
            boxes.emplace_back(BBox{BPoint{x0, y0}, BPoint{x1, y1}}, g);
        }
    }
    return Tree{boxes.begin(), boxes.end()};
}

} // namespace

std::uint32_t PreviousPlan::index_of(std::uint32_t grid_id) const noexcept {
    const auto it = std::lower_bound(grids.begin(), grids.end(), grid_id,
                                     [](const PreviousGrid& g, std::uint32_t id) { return g.grid_id < id; });
    return it != grids.end() && it->grid_id == grid_id ? static_cast<std::uint32_t>(it - grids.begin()) : no_index;
}

PreviousPlan read_previous_plan(const io::SourceSpec& source, const std::string& id_field, const crs::Crs& working,
                                const wrap::GeosContext& geos, RunContext& ctx) {
    wrap::gdal_init();
    io::detail::OpenSource o = io::detail::open_source(source, ctx);
    const std::string label = io::detail::file_label(source.path);
    const std::string layer = o.layer->GetName();
    OGRFeatureDefn& defn = *o.layer->GetLayerDefn();
    const std::string key = source.config_key.empty() ? std::string{"--previous"} : source.config_key;
    const int id_index = io::detail::field_index(defn, id_field, source, layer, key + "-id");
    const int code_index = defn.GetFieldIndex("code");
    const int name_index = defn.GetFieldIndex("name");
    const int households_index = defn.GetFieldIndex("households");
    const int centre_index = defn.GetFieldIndex("centre_id");
    // The grid layer's flag ("centre_new" in a Shapefile; "proposed" in hand-made layers).
    int proposed_index = defn.GetFieldIndex("centre_proposed");
    for (const char* name : {"centre_new", "proposed"}) {
        proposed_index = proposed_index >= 0 ? proposed_index : defn.GetFieldIndex(name);
    }
    const crs::Transformer to_working{o.crs, working};

    PreviousPlan plan;
    plan.source = o.name;
    std::vector<std::int64_t> no_id;
    std::vector<std::string> bad_id;
    std::vector<std::uint32_t> repaired;
    io::detail::for_each_feature(o, source.path, [&](OGRFeature& f) {
        std::uint32_t id = 0;
        if (!f.IsFieldSetAndNotNull(id_index) || std::string{f.GetFieldAsString(id_index)}.empty()) {
            no_id.push_back(f.GetFID());
            return;
        }
        const std::string text = f.GetFieldAsString(id_index);
        if (!parse_grid_id(text, id)) {
            bad_id.push_back("'" + text + "' (fid " + std::to_string(f.GetFID()) + ")");
            return;
        }
        const OGRGeometry* g = f.GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            throw InputError{"grid " + std::to_string(id) + " has no geometry; give every previous grid its polygon",
                             label, layer, f.GetFID()};
        }
        if (!is_polygonal(g->getGeometryType())) {
            throw InputError{"grid " + std::to_string(id) + ": wrong geometry type: expected Polygon or MultiPolygon, got " +
                                 std::string{OGRGeometryTypeToName(wkbFlatten(g->getGeometryType()))},
                             label, layer, f.GetFID()};
        }
        io::detail::check_lonlat_range(*g, o.crs, source.path, layer, f.GetFID());
        wrap::GeomPtr gg = io::detail::to_geos(*g, geos);
        if (!gg) {
            throw InputError{"grid " + std::to_string(id) + ": unreadable polygon", label, layer, f.GetFID()};
        }
        try {
            gg = to_working.apply(geos, gg.get());
        } catch (const CrsError& e) {
            throw InputError{e.what(), label, layer, f.GetFID()};
        }
        if (!geos.is_valid(gg.get())) {
            int dropped = 0;
            gg = geos.make_valid_polygonal(gg.get(), dropped);
            repaired.push_back(id);
        }
        if (geos.is_empty(gg.get()) || geos.area(gg.get()) <= 0.0) {
            throw InputError{"grid " + std::to_string(id) + " has a polygon without area", label, layer, f.GetFID()};
        }
        PreviousGrid grid;
        grid.grid_id = id;
        if (code_index >= 0 && code_index != id_index && f.IsFieldSetAndNotNull(code_index)) {
            grid.code = f.GetFieldAsString(code_index);
        }
        if (name_index >= 0 && name_index != id_index && f.IsFieldSetAndNotNull(name_index)) {
            grid.name = f.GetFieldAsString(name_index);
        }
        if (households_index >= 0 && households_index != id_index && f.IsFieldSetAndNotNull(households_index)) {
            grid.households = f.GetFieldAsInteger64(households_index);
        }
        if (centre_index >= 0 && centre_index != id_index && f.IsFieldSetAndNotNull(centre_index)) {
            grid.centre_id = f.GetFieldAsString(centre_index);
            grid.centre_proposed = proposed_index >= 0 && f.IsFieldSetAndNotNull(proposed_index) &&
                                   f.GetFieldAsInteger(proposed_index) != 0;
        }
        grid.geom = std::move(gg);
        grid.fid = SourceFid{f.GetFID()};
        plan.grids.push_back(std::move(grid));
    });
    const std::string field = defn.GetFieldDefn(id_index)->GetNameRef();
    if (!no_id.empty()) {
        throw InputError{std::to_string(no_id.size()) + " feature(s) without a grid id (fid " + fid_list(no_id) +
                             "); every previous grid needs one",
                         label, layer, no_id.size() == 1 ? std::optional<std::int64_t>{no_id.front()} : std::nullopt,
                         field};
    }
    if (!bad_id.empty()) {
        throw InputError{"grid ids must be whole numbers from 1 to 4294967295, got " + join_limited(bad_id, 10), label,
                         layer, std::nullopt, field};
    }
    if (plan.grids.empty()) {
        throw InputError{"no previous grids: the layer has no features", label, layer};
    }
    std::stable_sort(plan.grids.begin(), plan.grids.end(),
                     [](const PreviousGrid& a, const PreviousGrid& b) { return a.grid_id < b.grid_id; });
    std::vector<std::string> duplicates;
    for (std::size_t i = 0; i < plan.grids.size();) {
        std::size_t j = i + 1;
        while (j < plan.grids.size() && plan.grids[j].grid_id == plan.grids[i].grid_id) {
            ++j;
        }
        if (j - i > 1) {
            std::vector<std::int64_t> fids;
            for (std::size_t k = i; k < j; ++k) {
                fids.push_back(plan.grids[k].fid.value());
            }
            duplicates.push_back(std::to_string(plan.grids[i].grid_id) + " (fid " + fid_list(fids) + ")");
        }
        i = j;
    }
    if (!duplicates.empty()) {
        throw InputError{"duplicate grid ids: " + join_limited(duplicates, listed_max) +
                             "; each previous grid must be one feature with its own id",
                         label, layer, std::nullopt, field};
    }
    if (!repaired.empty()) {
        std::sort(repaired.begin(), repaired.end());
        std::vector<std::string> ids;
        for (const auto id : repaired) {
            ids.push_back(std::to_string(id));
        }
        ctx.log.warning(o.name + ": invalid polygons of previous grids repaired with MakeValid: grid " +
                        join_limited(ids, listed_max));
    }

    // Overlaps: pairs of grids sharing more than a sliver of area.
    const Tree tree = grid_tree(plan, geos);
    std::vector<std::string> overlaps;
    double overlap_total = 0.0;
    for (std::uint32_t a = 0; a < plan.grids.size(); ++a) {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        geos.bounds(plan.grids[a].geom.get(), x0, y0, x1, y1);
        std::vector<std::uint32_t> others;
        for (auto it = tree.qbegin(bgi::intersects(BBox{BPoint{x0, y0}, BPoint{x1, y1}})); it != tree.qend(); ++it) {
            if (it->second > a) {
                others.push_back(it->second);
            }
        }
        std::sort(others.begin(), others.end());
        const wrap::PreparedPtr prepared = geos.prepare(plan.grids[a].geom.get());
        for (const auto b : others) {
            if (!geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), prepared.get(), plan.grids[b].geom.get()),
                                 "previous grids intersect")) {
                continue;
            }
            wrap::GeomPtr common = geos.own(
                GEOSIntersection_r(geos.handle(), plan.grids[a].geom.get(), plan.grids[b].geom.get()), "overlap");
            const double area = geos.area(common.get());
            if (area > previous_overlap_tolerance_m2) {
                overlaps.push_back(std::to_string(plan.grids[a].grid_id) + " and " +
                                   std::to_string(plan.grids[b].grid_id) + " (" + format_fixed(area, 1) + " m2)");
                overlap_total += area;
            }
        }
    }
    if (!overlaps.empty()) {
        ctx.log.warning(o.name + ": " + std::to_string(overlaps.size()) + " pair(s) of previous grids overlap, " +
                        format_fixed(overlap_total, 1) + " m2 in all: grids " + join_limited(overlaps, listed_max) +
                        " (a household in an overlap counts for the lower grid id)");
    }
    plan.max_id = std::max(plan.grids.back().grid_id, recorded_max_id(source.path));
    locate_proposed_centres(plan, source.path, working, ctx);
    return plan;
}

CarriedPlan carry_previous(const PreviousPlan& previous, const blocks::BlocksResult& blocks,
                           const io::District& district, const wrap::GeosContext& geos, RunContext& ctx) {
    const std::size_t nb = blocks.blocks.size();
    const std::size_t ng = previous.grids.size();
    CarriedPlan carried;
    carried.grid_of_block.assign(nb, no_index);
    const Tree tree = grid_tree(previous, geos);
    std::vector<wrap::PreparedPtr> prepared;
    for (const auto& g : previous.grids) {
        prepared.push_back(geos.prepare(g.geom.get()));
    }
    // The previous grid of a point: the lowest id whose polygon holds it, or no_index.
    auto grid_at = [&](double x, double y) {
        std::vector<std::uint32_t> hits;
        for (auto it = tree.qbegin(bgi::intersects(BPoint{x, y})); it != tree.qend(); ++it) {
            hits.push_back(it->second);
        }
        std::sort(hits.begin(), hits.end());
        if (hits.empty()) {
            return no_index;
        }
        wrap::GeomPtr p = geos.point(x, y);
        for (const auto g : hits) {
            if (geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), prepared[g].get(), p.get()), "point in grid")) {
                return g;
            }
        }
        return no_index;
    };

    // Households of each block by previous grid.
    std::vector<std::map<std::uint32_t, std::int64_t>> households(nb);
    for (std::size_t i = 0; i < district.households.size() && i < blocks.household_block.size(); ++i) {
        const BlockId b = blocks.household_block[i];
        const auto& h = district.households[i];
        if (!b.valid() || h.count == 0) {
            continue;
        }
        const std::uint32_t g = grid_at(h.x, h.y);
        if (g != no_index) {
            households[b.value()][g] += h.count;
        }
    }
    for (std::uint32_t b = 0; b < nb; ++b) {
        const auto& block = blocks.blocks[b];
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        if (!geos.bounds(block.geom.get(), x0, y0, x1, y1)) {
            continue;
        }
        std::vector<std::uint32_t> candidates;
        for (auto it = tree.qbegin(bgi::intersects(BBox{BPoint{x0, y0}, BPoint{x1, y1}})); it != tree.qend(); ++it) {
            candidates.push_back(it->second);
        }
        std::sort(candidates.begin(), candidates.end());
        std::vector<double> area(candidates.size(), 0.0);
        for (std::size_t k = 0; k < candidates.size(); ++k) {
            const auto g = candidates[k];
            if (!geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), prepared[g].get(), block.geom.get()),
                                 "block in grid")) {
                continue;
            }
            if (geos.check_bool(GEOSPreparedContains_r(geos.handle(), prepared[g].get(), block.geom.get()),
                                "block in grid")) {
                area[k] = block.area_m2;
                continue;
            }
            wrap::GeomPtr common =
                geos.own(GEOSIntersection_r(geos.handle(), previous.grids[g].geom.get(), block.geom.get()), "carry");
            area[k] = geos.area(common.get());
        }
        auto area_of = [&](std::uint32_t g) {
            const auto it = std::lower_bound(candidates.begin(), candidates.end(), g);
            return it != candidates.end() && *it == g ? area[static_cast<std::size_t>(it - candidates.begin())] : 0.0;
        };
        std::uint32_t best = no_index;
        if (!households[b].empty()) {
            std::int64_t best_households = -1;
            double best_area = -1.0;
            for (const auto& [g, n] : households[b]) {  // in index (grid id) order
                const double a = area_of(g);
                if (n > best_households || (n == best_households && a > best_area)) {
                    best = g;
                    best_households = n;
                    best_area = a;
                }
            }
        } else {
            double best_area = 0.0;
            for (std::size_t k = 0; k < candidates.size(); ++k) {
                if (area[k] > best_area) {
                    best = candidates[k];
                    best_area = area[k];
                }
            }
            if (best_area < 0.01 * block.area_m2) {
                best = no_index;
            }
        }
        carried.grid_of_block[b] = best;
        if (best == no_index) {
            carried.uncovered.push_back(BlockId{b});
        }
    }

    // How much of the district the previous grids cover.
    std::vector<wrap::GeomPtr> parts;
    for (const auto& g : previous.grids) {
        parts.push_back(geos.clone(g.geom.get()));
    }
    wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, parts);
    wrap::GeomPtr merged = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "union of previous grids");
    wrap::GeomPtr covered = geos.own(GEOSIntersection_r(geos.handle(), merged.get(), district.boundary.get()),
                                     "previous grids in the district");
    const double district_area = geos.area(district.boundary.get());
    const double covered_area = geos.area(covered.get());
    carried.uncovered_area_m2 = std::max(0.0, district_area - covered_area);
    carried.uncovered_share = district_area > 0.0 ? carried.uncovered_area_m2 / district_area : 0.0;
    const bool none_carried = std::all_of(carried.grid_of_block.begin(), carried.grid_of_block.end(),
                                          [](std::uint32_t g) { return g == no_index; });
    if (covered_area <= 1e-6 * district_area || none_carried) {
        throw InputError{"the previous grids cover none of the district (" + std::to_string(ng) +
                             " grids read): a wrong file, or coordinates in a CRS other than the layer says",
                         previous.source};
    }
    if (carried.uncovered_area_m2 > std::max(1.0, 1e-4 * district_area)) {
        ctx.log.warning(previous.source + ": the previous grids leave " + format_fixed(carried.uncovered_area_m2, 0) +
                        " m2 (" + format_fixed(100.0 * carried.uncovered_share, 2) +
                        "%) of the district uncovered; blocks there go to a neighbouring grid");
    }
    if (!carried.uncovered.empty()) {
        std::vector<std::string> ids;
        for (const auto b : carried.uncovered) {
            ids.push_back(std::to_string(b.value() + 1));
        }
        ctx.log.warning(std::to_string(carried.uncovered.size()) +
                        " block(s) lie outside every previous grid and go to a neighbouring grid: block_id " +
                        join_limited(ids, listed_max));
    }
    return carried;
}

void ReplanOptions::validate() const {
    if (!(stability >= 0.0 && stability <= 1.0)) {
        throw ConfigError{"replan.stability", "must be from 0 to 1"};
    }
    for (const auto id : locked) {
        if (id == 0) {
            throw ConfigError{"replan.lock", "grid ids start at 1"};
        }
    }
}

void ReplanOptions::check_locked(const PreviousPlan& previous) const {
    std::set<std::uint32_t> unknown;
    for (const auto id : locked) {
        if (previous.index_of(id) == no_index) {
            unknown.insert(id);
        }
    }
    if (unknown.empty()) {
        return;
    }
    std::vector<std::string> ids;
    for (const auto id : unknown) {
        ids.push_back(std::to_string(id));
    }
    throw ConfigError{"replan.lock", "no grid " + join_limited(ids, listed_max) + " in the previous plan " +
                                         previous.source + " (grid ids " +
                                         std::to_string(previous.grids.front().grid_id) + " to " +
                                         std::to_string(previous.grids.back().grid_id) + ")"};
}

void persist_grid_ids(PlanResult& plan, const std::vector<std::uint32_t>& previous_of_grid,
                      const PreviousPlan& previous) {
    const std::size_t n = plan.grids.size();
    if (previous_of_grid.size() != n) {
        throw InternalError{"persist_grid_ids: one previous grid (or none) per grid expected"};
    }
    std::vector<bool> used(previous.grids.size(), false);
    std::uint32_t next = previous.max_id;
    for (std::size_t g = 0; g < n; ++g) {
        Grid& grid = plan.grids[g];
        const std::uint32_t p = previous_of_grid[g];
        if (p == no_index) {
            if (next == 4294967295U) {
                throw InputError{"no grid id left above " + std::to_string(next) + " for a new grid", previous.source};
            }
            grid.number = ++next;
            grid.code.clear();
            grid.name.clear();
            continue;
        }
        if (p >= previous.grids.size() || used[p]) {
            throw InternalError{"persist_grid_ids: previous grid index " + std::to_string(p) + " given twice or unknown"};
        }
        used[p] = true;
        grid.number = previous.grids[p].grid_id;
        grid.code = previous.grids[p].code;
        grid.name = previous.grids[p].name;
    }
    // Grid id order; the dense ids follow.
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0U);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return plan.grids[a].number < plan.grids[b].number; });
    std::vector<std::uint32_t> position(n);
    for (std::uint32_t k = 0; k < n; ++k) {
        position[order[k]] = k;
    }
    for (auto& f : plan.infeasible) {
        for (auto& id : f.grids) {
            if (id >= 1 && id <= n) {
                id = plan.grids[id - 1].number;
            }
        }
        std::sort(f.grids.begin(), f.grids.end());
    }
    std::vector<Grid> sorted;
    sorted.reserve(n);
    for (std::uint32_t k = 0; k < n; ++k) {
        sorted.push_back(std::move(plan.grids[order[k]]));
        sorted.back().id = GridId{k};
    }
    plan.grids = std::move(sorted);
    for (auto& g : plan.grid_of_block) {
        if (g.valid()) {
            g = GridId{position[g.value()]};
        }
    }
    for (auto& g : plan.grid_of_unit) {
        if (g.valid()) {
            g = GridId{position[g.value()]};
        }
    }
}

} // namespace gridplan::partition
