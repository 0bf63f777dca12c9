// What a replan changed, measured on household points and blocks.
#include "gridplan/partition/changes.hpp"

#include "gridplan/core/error.hpp"

#include <ogr_core.h>

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace gridplan::partition {

namespace {

using io::round_to;

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BPoint = bg::model::d2::point_xy<double>;
using BBox = bg::model::box<BPoint>;

/// Point in polygon over a list of polygons: the first (lowest index) that holds a point.
class PolygonLocator {
public:
    PolygonLocator(const std::vector<const GEOSGeometry*>& polygons, const wrap::GeosContext& geos) : m_geos(geos) {
        std::vector<std::pair<BBox, std::uint32_t>> boxes;
        for (std::uint32_t i = 0; i < polygons.size(); ++i) {
            m_prepared.push_back(geos.prepare(polygons[i]));
            double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            if (geos.bounds(polygons[i], x0, y0, x1, y1)) {
                boxes.emplace_back(BBox{BPoint{x0, y0}, BPoint{x1, y1}}, i);
            }
        }
        m_tree = Tree{boxes.begin(), boxes.end()};
    }

    std::uint32_t find(double x, double y) const {
        std::vector<std::uint32_t> hits;
        for (auto it = m_tree.qbegin(bgi::intersects(BPoint{x, y})); it != m_tree.qend(); ++it) {
            hits.push_back(it->second);
        }
        if (hits.empty()) {
            return no_index;
        }
        std::sort(hits.begin(), hits.end());
        wrap::GeomPtr p = m_geos.point(x, y);
        for (const auto i : hits) {
            if (m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), m_prepared[i].get(), p.get()),
                                  "point in grid")) {
                return i;
            }
        }
        return no_index;
    }

private:
    using Tree = bgi::rtree<std::pair<BBox, std::uint32_t>, bgi::rstar<16>>;
    const wrap::GeosContext& m_geos;
    std::vector<wrap::PreparedPtr> m_prepared;
    Tree m_tree;
};

struct Point {
    double x = 0.0;
    double y = 0.0;
    std::int64_t count = 0;
    const std::string* building = nullptr;  ///< null or empty: none
};

/// Pairs today's points with previous ones: the same building id first, then the same
/// point within same_point_m (nearest, then lowest index). One to one; returns, per
/// today's point, the previous point's index or no_index.
std::vector<std::uint32_t> match_points(const std::vector<Point>& before, const std::vector<Point>& after) {
    std::vector<std::uint32_t> match(after.size(), no_index);
    std::vector<bool> taken(before.size(), false);
    std::map<std::string, std::vector<std::uint32_t>> by_building;
    for (std::uint32_t i = 0; i < before.size(); ++i) {
        if (before[i].building != nullptr && !before[i].building->empty()) {
            by_building[*before[i].building].push_back(i);
        }
    }
    std::map<std::string, std::size_t> next_of_building;
    for (std::uint32_t j = 0; j < after.size(); ++j) {
        if (after[j].building == nullptr || after[j].building->empty()) {
            continue;
        }
        const auto it = by_building.find(*after[j].building);
        if (it == by_building.end()) {
            continue;
        }
        std::size_t& next = next_of_building[it->first];
        if (next < it->second.size()) {
            match[j] = it->second[next];
            taken[it->second[next]] = true;
            ++next;
        }
    }
    // Same point: cells of same_point_m, searched with their neighbours.
    auto cell = [](double v) { return static_cast<std::int64_t>(std::floor(v / same_point_m)); };
    auto key = [](std::int64_t cx, std::int64_t cy) {
        return (static_cast<std::uint64_t>(cx) * 0x9E3779B97F4A7C15ULL) ^ static_cast<std::uint64_t>(cy);
    };
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> cells;
    for (std::uint32_t i = 0; i < before.size(); ++i) {
        if (!taken[i]) {
            cells[key(cell(before[i].x), cell(before[i].y))].push_back(i);
        }
    }
    for (std::uint32_t j = 0; j < after.size(); ++j) {
        if (match[j] != no_index) {
            continue;
        }
        const std::int64_t cx = cell(after[j].x);
        const std::int64_t cy = cell(after[j].y);
        std::uint32_t best = no_index;
        double best_d = 0.0;
        for (std::int64_t dx = -1; dx <= 1; ++dx) {
            for (std::int64_t dy = -1; dy <= 1; ++dy) {
                const auto it = cells.find(key(cx + dx, cy + dy));
                if (it == cells.end()) {
                    continue;
                }
                for (const auto i : it->second) {
                    if (taken[i]) {
                        continue;
                    }
                    const double d = std::hypot(before[i].x - after[j].x, before[i].y - after[j].y);
                    if (d <= same_point_m && (best == no_index || d < best_d || (d == best_d && i < best))) {
                        best = i;
                        best_d = d;
                    }
                }
            }
        }
        if (best != no_index) {
            match[j] = best;
            taken[best] = true;
        }
    }
    return match;
}

/// Today's households placed in a block, the previous ones inside today's district, and
/// which previous point each of today's is (no_index: new). Without previous households,
/// today's stand for them, each matched with itself.
struct HouseholdMatch {
    std::vector<Point> today;
    std::vector<std::size_t> today_index;  ///< into District::households
    std::vector<Point> before;             ///< empty without previous households (then `today`)
    std::vector<std::uint32_t> match;      ///< per today's point
    std::vector<std::string> building_today;  ///< per District::households (Point::building points here)
};

HouseholdMatch match_households(const io::District& district, const blocks::BlocksResult& blocks,
                                const io::HouseholdLayer* previous_households, const wrap::GeosContext& geos) {
    HouseholdMatch m;
    m.building_today = io::household_building_ids(district);
    for (std::size_t i = 0; i < district.households.size() && i < blocks.household_block.size(); ++i) {
        const auto& h = district.households[i];
        if (!blocks.household_block[i].valid() || h.count == 0) {
            continue;  // rejected (outside the district, in water without a bank): not present after
        }
        m.today_index.push_back(i);
    }
    for (const std::size_t i : m.today_index) {
        const auto& h = district.households[i];
        m.today.push_back(Point{h.x, h.y, h.count, &m.building_today[i]});
    }
    if (previous_households != nullptr) {
        // Previous households outside today's district were not in the plan either.
        const wrap::PreparedPtr boundary = geos.prepare(district.boundary.get());
        const auto& layer = *previous_households;
        for (std::size_t i = 0; i < layer.points.size(); ++i) {
            wrap::GeomPtr p = geos.point(layer.points[i].x, layer.points[i].y);
            if (layer.points[i].count > 0 &&
                geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), boundary.get(), p.get()), "in district")) {
                m.before.push_back(Point{layer.points[i].x, layer.points[i].y, layer.points[i].count,
                                         i < layer.building_ids.size() ? &layer.building_ids[i] : nullptr});
            }
        }
        m.match = match_points(m.before, m.today);
    } else {
        m.match.resize(m.today.size());
        for (std::uint32_t j = 0; j < m.today.size(); ++j) {
            m.match[j] = j;
        }
    }
    return m;
}

} // namespace

std::vector<std::int64_t> persisting_households(const io::District& district, const blocks::BlocksResult& blocks,
                                                const io::HouseholdLayer* previous_households,
                                                const wrap::GeosContext& geos) {
    const HouseholdMatch m = match_households(district, blocks, previous_households, geos);
    const std::vector<Point>& before = previous_households != nullptr ? m.before : m.today;
    std::vector<std::int64_t> out(district.households.size(), 0);
    for (std::size_t j = 0; j < m.today.size(); ++j) {
        if (m.match[j] != no_index) {
            out[m.today_index[j]] = std::min(before[m.match[j]].count, m.today[j].count);
        }
    }
    return out;
}

Changes compute_changes(const PreviousPlan& previous, const CarriedPlan& carried, const PlanResult& plan,
                        const blocks::BlocksResult& blocks, const io::District& district,
                        const io::HouseholdLayer* previous_households, const wrap::GeosContext& geos) {
    const std::size_t nb = blocks.blocks.size();
    if (carried.grid_of_block.size() != nb || plan.grid_of_block.size() != nb) {
        throw InternalError{"compute_changes: the plans do not match the blocks"};
    }
    Changes c;
    c.previous_households = previous_households != nullptr;
    std::map<std::uint32_t, GridChange> grids;
    for (const auto& g : previous.grids) {
        grids[g.grid_id].grid_id = g.grid_id;
    }
    for (const auto& g : plan.grids) {
        GridChange& change = grids[g.written_id()];
        change.grid_id = g.written_id();
        change.households_after = g.households;
    }

    // Blocks: carried grid against new grid.
    c.from_grid.resize(nb);
    c.to_grid.resize(nb);
    for (std::size_t b = 0; b < nb; ++b) {
        const std::uint32_t p = carried.grid_of_block[b];
        c.from_grid[b] = p == no_index ? 0 : previous.grids.at(p).grid_id;
        c.to_grid[b] = plan.grids.at(plan.grid_of_block[b].value()).written_id();
        if (c.from_grid[b] != c.to_grid[b]) {
            ++grids[c.to_grid[b]].blocks_gained;
            if (c.from_grid[b] != 0) {
                ++grids[c.from_grid[b]].blocks_lost;
            }
        }
    }

    // Households: point in polygon in the previous and the new grid layer.
    std::vector<const GEOSGeometry*> before_polygons;
    for (const auto& g : previous.grids) {
        before_polygons.push_back(g.geom.get());
    }
    std::vector<const GEOSGeometry*> after_polygons;
    for (const auto& g : plan.grids) {
        after_polygons.push_back(g.geom.get());
    }
    const PolygonLocator before_grids{before_polygons, geos};
    const PolygonLocator after_grids{after_polygons, geos};

    const HouseholdMatch m = match_households(district, blocks, previous_households, geos);
    const std::vector<Point>& today = m.today;
    std::vector<std::uint32_t> after_id;
    for (std::size_t j = 0; j < today.size(); ++j) {
        std::uint32_t g = after_grids.find(today[j].x, today[j].y);
        if (g == no_index) {
            g = plan.grid_of_block[blocks.household_block[m.today_index[j]].value()].value();
        }
        after_id.push_back(plan.grids[g].written_id());
    }
    const std::vector<Point>& before = previous_households != nullptr ? m.before : today;
    std::vector<std::uint32_t> before_id(before.size(), 0);
    for (std::size_t i = 0; i < before.size(); ++i) {
        const std::uint32_t g = before_grids.find(before[i].x, before[i].y);
        before_id[i] = g == no_index ? 0 : previous.grids[g].grid_id;
        if (before_id[i] != 0) {
            grids[before_id[i]].households_before += before[i].count;
        }
    }
    const std::vector<std::uint32_t>& match = m.match;
    std::vector<bool> matched_before(before.size(), false);
    for (std::size_t j = 0; j < today.size(); ++j) {
        const std::uint32_t i = match[j];
        if (i == no_index) {
            c.households_new += today[j].count;
            continue;
        }
        matched_before[i] = true;
        const std::int64_t persisting = std::min(before[i].count, today[j].count);
        c.households_new += today[j].count - persisting;
        c.households_removed += before[i].count - persisting;
        c.households_persisting += persisting;
        if (before_id[i] != after_id[j]) {
            c.households_moved += persisting;
            grids[after_id[j]].households_in += persisting;
            if (before_id[i] != 0) {
                grids[before_id[i]].households_out += persisting;
            }
        }
    }
    for (std::size_t i = 0; i < before.size(); ++i) {
        if (!matched_before[i]) {
            c.households_removed += before[i].count;
        }
    }
    c.share_kept = c.households_persisting > 0 ? 1.0 - static_cast<double>(c.households_moved) /
                                                        static_cast<double>(c.households_persisting)
                                              : 1.0;

    for (auto& [id, change] : grids) {
        const bool before_exists = previous.index_of(id) != no_index;
        const bool after_exists = std::any_of(plan.grids.begin(), plan.grids.end(),
                                              [id = id](const Grid& g) { return g.written_id() == id; });
        if (before_exists && after_exists) {
            const bool same = change.blocks_gained == 0 && change.blocks_lost == 0 && change.households_in == 0 &&
                              change.households_out == 0;
            change.status = same ? "kept" : "changed";
        } else if (after_exists) {
            change.status = "new";
        } else {
            change.status = "retired";
        }
        c.grids.push_back(change);
    }
    return c;
}

nlohmann::json changes_json(const Changes& changes) {
    std::size_t changed = 0;
    std::size_t added = 0;
    std::size_t retired = 0;
    nlohmann::json grids = nlohmann::json::array();
    for (const auto& g : changes.grids) {
        changed += g.status == "changed" ? 1 : 0;
        added += g.status == "new" ? 1 : 0;
        retired += g.status == "retired" ? 1 : 0;
        nlohmann::json j;
        j["grid_id"] = g.grid_id;
        j["households_before"] = g.households_before;
        j["households_after"] = g.households_after;
        j["blocks_gained"] = g.blocks_gained;
        j["blocks_lost"] = g.blocks_lost;
        j["households_in"] = g.households_in;
        j["households_out"] = g.households_out;
        j["status"] = g.status;
        grids.push_back(std::move(j));
    }
    nlohmann::json j;
    j["households_moved"] = changes.households_moved;
    j["share_kept"] = round_to(changes.share_kept, 4);
    j["households_new"] = changes.households_new;
    j["households_removed"] = changes.households_removed;
    j["grids_changed"] = changed;
    j["grids_new"] = added;
    j["grids_retired"] = retired;
    j["grids"] = std::move(grids);
    return j;
}

void write_changes(const Changes& changes, const blocks::BlocksResult& blocks, const io::District& district,
                   io::OutputDir& out, const io::OutputOptions& options, const wrap::GeosContext& geos) {
    using io::FieldType;
    using io::FieldValue;
    out.write_text("changes.json", changes_json(changes).dump(2) + "\n");

    struct Area {
        std::vector<wrap::GeomPtr> parts;
        std::int64_t households = 0;
        double area_m2 = 0.0;
    };
    std::map<std::pair<std::uint32_t, std::uint32_t>, Area> areas;  // uncovered (0) first
    for (std::size_t b = 0; b < blocks.blocks.size(); ++b) {
        if (changes.from_grid[b] == changes.to_grid[b]) {
            continue;
        }
        Area& a = areas[{changes.from_grid[b], changes.to_grid[b]}];
        a.parts.push_back(geos.clone(blocks.blocks[b].geom.get()));
        a.households += blocks.blocks[b].households;
        a.area_m2 += blocks.blocks[b].area_m2;
    }
    io::VectorWriter writer{out, "changes", options, district.working_crs, geos};
    writer.begin_layer(io::LayerDef{"changes",
                                    wkbMultiPolygon,
                                    {{"from_grid", FieldType::integer, "", 0},
                                     {"to_grid", FieldType::integer, "", 0},
                                     {"n_blocks", FieldType::integer, "", 0},
                                     {"households", FieldType::integer, "", 0},
                                     {"area_m2", FieldType::real, "", 1}}});
    for (auto& [pair, a] : areas) {
        const auto n = static_cast<std::int64_t>(a.parts.size());
        wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, a.parts);
        wrap::GeomPtr merged = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "changed area");
        writer.add(merged.get(), {pair.first == 0 ? FieldValue{} : FieldValue{std::int64_t{pair.first}},
                                  std::int64_t{pair.second}, n, a.households, round_to(a.area_m2, 1)});
    }
    writer.finish();
}

nlohmann::json replan_json(const ReplanRun& run, const PreviousPlan& previous, const CarriedPlan& carried,
                           const PlanResult& plan, const Changes& changes) {
    nlohmann::json j;
    j["previous"] = run.previous;
    j["previous_id_field"] = run.previous_id_field;
    j["previous_households"] =
        run.previous_households.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.previous_households);
    j["stability"] = run.options.stability;
    std::vector<std::uint32_t> locked = run.options.locked;
    std::sort(locked.begin(), locked.end());
    locked.erase(std::unique(locked.begin(), locked.end()), locked.end());
    j["locked"] = locked;
    std::uint32_t max_id = previous.max_id;
    for (const auto& g : plan.grids) {
        max_id = std::max(max_id, g.written_id());
    }
    j["max_id"] = max_id;
    std::vector<std::uint32_t> uncovered;
    for (const auto b : carried.uncovered) {
        uncovered.push_back(b.value() + 1);
    }
    j["uncovered_blocks"] = uncovered;
    j["uncovered_area_m2"] = round_to(carried.uncovered_area_m2, 1);
    j["share_kept"] = round_to(changes.share_kept, 4);
    std::vector<std::uint32_t> added;
    std::vector<std::uint32_t> retired;
    for (const auto& g : changes.grids) {
        if (g.status == "new") {
            added.push_back(g.grid_id);
        } else if (g.status == "retired") {
            retired.push_back(g.grid_id);
        }
    }
    j["grids_new"] = added;
    j["grids_retired"] = retired;
    return j;
}

} // namespace gridplan::partition
