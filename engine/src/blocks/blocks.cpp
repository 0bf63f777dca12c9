#include "gridplan/blocks/blocks.hpp"

#include "blocks/detail/adjacency.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/core/union_find.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace gridplan::blocks {

void BlocksConfig::validate() const {
    if (!(min_area_m2 >= 0.0 && min_area_m2 <= 100000.0)) {
        throw ConfigError{"blocks.min_area_m2", "must be from 0 to 100000 m2 (10 ha)"};
    }
    if (!(min_width_m >= 0.0 && min_width_m <= 50.0)) {
        throw ConfigError{"blocks.min_width_m", "must be from 0 to 50 metres"};
    }
    if (!(grid_size_m > 0.0) || grid_size_m > 1.0) {
        throw ConfigError{"blocks.grid_size_m", "must be above 0 and at most 1 metre"};
    }
    if (!(match_tolerance_m > 0.0) || match_tolerance_m > 10.0) {
        throw ConfigError{"blocks.match_tolerance_m", "must be above 0 and at most 10 metres"};
    }
}

namespace {

using detail::MatchLine;
using detail::SegmentIndex;

/// An integer grid key of a coordinate, exact for snap-rounded coordinates.
struct GridKey {
    std::int64_t x;
    std::int64_t y;
    bool operator==(const GridKey& o) const noexcept { return x == o.x && y == o.y; }
    bool operator<(const GridKey& o) const noexcept { return x < o.x || (x == o.x && y < o.y); }
};

struct GridKeyHash {
    std::size_t operator()(const GridKey& k) const noexcept {
        return std::hash<std::int64_t>{}(k.x * 0x9E3779B97F4A7C15LL ^ k.y);
    }
};

struct SegKey {
    GridKey p;
    GridKey q;
    bool operator==(const SegKey& o) const noexcept { return p == o.p && q == o.q; }
};

struct SegKeyHash {
    std::size_t operator()(const SegKey& k) const noexcept {
        const GridKeyHash h;
        return h(k.p) * 31 + h(k.q);
    }
};

/// Length per class and per (class, name) along a shared edge.
struct EdgeTally {
    std::array<double, barrier_class_count> by_class{};
    std::map<std::pair<int, std::string>, double> by_name;
    double sum_x = 0.0;  ///< sum of segment midpoints x length
    double sum_y = 0.0;
    std::vector<EdgeSegment> segments;

    void add(const EdgeSegment& s, const std::string& name, double length) {
        by_class[static_cast<std::size_t>(s.cls)] += length;
        by_name[{static_cast<int>(s.cls), name}] += length;
        sum_x += 0.5 * (s.x1 + s.x2) * length;
        sum_y += 0.5 * (s.y1 + s.y2) * length;
        segments.push_back(s);
    }
    void add(const EdgeTally& o) {
        sum_x += o.sum_x;
        sum_y += o.sum_y;
        segments.insert(segments.end(), o.segments.begin(), o.segments.end());
        for (std::size_t i = 0; i < by_class.size(); ++i) {
            by_class[i] += o.by_class[i];
        }
        for (const auto& [k, v] : o.by_name) {
            by_name[k] += v;
        }
    }
    double total() const { return std::accumulate(by_class.begin(), by_class.end(), 0.0); }
};

struct Face {
    wrap::GeomPtr geom;
    double area = 0.0;
    double perimeter = 0.0;
    bool water = false;
    std::string water_name;
};


class BlockBuilder {
public:
    BlockBuilder(const io::District& district, const BlocksConfig& config, const wrap::GeosContext& geos,
                 RunContext& ctx)
        : m_district(district), m_config(config), m_geos(geos), m_ctx(ctx), m_h(geos.handle()) {}

    BlocksResult run() {
        m_result.stats.district_area_m2 = m_geos.area(m_district.boundary.get());
        m_boundary_prepared = m_geos.prepare(m_district.boundary.get());
        m_ctx.report_progress("blocks", 0.0);
        collect_linework();
        m_ctx.report_progress("blocks", 0.2);
        wrap::GeomPtr noded = node();
        m_ctx.report_progress("blocks", 0.4);
        polygonize(noded.get());
        report_crossings(noded.get());
        m_ctx.report_progress("blocks", 0.6);
        m_result.edge_names.assign(1, std::string{});
        build_face_adjacency();
        merge_slivers();
        build_blocks();
        m_ctx.report_progress("blocks", 0.8);
        attach_households();
        m_ctx.report_progress("blocks", 1.0);
        return std::move(m_result);
    }

private:
    GridKey key(double x, double y) const {
        return GridKey{std::llround(x / m_config.grid_size_m), std::llround(y / m_config.grid_size_m)};
    }

    void report(const std::string& code, const std::string& detail, const GEOSGeometry* g,
                std::optional<std::int64_t> block = {}, const MatchLine* line = nullptr) {
        Problem p;
        p.problem = code;
        p.detail = detail;
        if (g != nullptr) {
            p.wkb = m_geos.to_wkb(g);
        }
        p.block_id = block;
        if (line != nullptr) {
            p.source = m_district.sources.at(line->source);
            p.fid = line->fid;
        }
        m_ctx.problems.report(std::move(p));
    }

    /// Adds a line (already clipped to the district) to the linework and the segment index.
    void add_linework(wrap::GeomPtr g, MatchLine line) {
        std::vector<double> xy;
        std::vector<std::size_t> starts;
        const int n = m_geos.num_geometries(g.get());
        const bool multi = m_geos.type_id(g.get()) != GEOS_LINESTRING;
        for (int i = 0; i < (multi ? n : 1); ++i) {
            const GEOSGeometry* part = multi ? GEOSGetGeometryN_r(m_h, g.get(), i) : g.get();
            const int t = m_geos.type_id(part);
            if (t != GEOS_LINESTRING && t != GEOS_LINEARRING) {
                continue;
            }
            starts.push_back(xy.size() / 2);
            m_geos.coordinates(part, xy);
        }
        if (starts.empty()) {
            return;
        }
        for (std::size_t i = 0; i < xy.size(); i += 2) {
            m_input_vertices.insert(key(xy[i], xy[i + 1]));
        }
        const auto index = static_cast<std::uint32_t>(m_lines.size());
        m_index.add_line(index, xy, starts);
        m_lines.push_back(std::move(line));
        m_linework.push_back(std::move(g));
    }

    /// The part of a line inside the district (null if none).
    wrap::GeomPtr clip(const GEOSGeometry* g) {
        if (m_geos.check_bool(GEOSPreparedContains_r(m_h, m_boundary_prepared.get(), g), "contains")) {
            return m_geos.clone(g);
        }
        if (!m_geos.check_bool(GEOSPreparedIntersects_r(m_h, m_boundary_prepared.get(), g), "intersects")) {
            return m_geos.own_nullable(nullptr);
        }
        wrap::GeomPtr inside = m_geos.own(GEOSIntersection_r(m_h, g, m_district.boundary.get()), "clip line");
        if (m_geos.is_empty(inside.get()) || m_geos.length(inside.get()) <= 0.0) {
            return m_geos.own_nullable(nullptr);
        }
        return inside;
    }

    void collect_linework() {
        for (const auto& b : m_district.barriers) {
            if (b.tunnel || !b.barrier) {
                continue;  // a line underground or covered divides nothing at the surface
            }
            wrap::GeomPtr inside = clip(b.geom.get());
            if (!inside) {
                continue;
            }
            ++m_result.stats.barrier_lines_used;
            add_linework(std::move(inside),
                         MatchLine{b.cls, b.name, b.bridge, b.tunnel, b.layer, b.fid.value(), b.source, false});
        }
        for (const auto& w : m_district.water) {
            wrap::GeomPtr outline = m_geos.own(GEOSBoundary_r(m_h, w.geom.get()), "water outline");
            wrap::GeomPtr inside = clip(outline.get());
            if (inside) {
                add_linework(std::move(inside), MatchLine{BarrierClass::river, w.name, false, false, 0, w.fid.value(),
                                                          w.source, true});
            }
        }
        m_boundary_line = static_cast<std::uint32_t>(m_lines.size());
        add_linework(m_geos.own(GEOSBoundary_r(m_h, m_district.boundary.get()), "boundary outline"),
                     MatchLine{BarrierClass::none, "", false, false, 0, -1, 0, false});
        m_index.build();
    }

    wrap::GeomPtr node() {
        wrap::GeomPtr all = m_geos.collection(GEOS_GEOMETRYCOLLECTION, m_linework);
        return m_geos.own(GEOSUnaryUnionPrec_r(m_h, all.get(), m_config.grid_size_m), "node barrier lines");
    }

    void polygonize(const GEOSGeometry* noded) {
        GEOSGeometry* cuts = nullptr;
        GEOSGeometry* dangles = nullptr;
        GEOSGeometry* invalid = nullptr;
        wrap::GeomPtr faces = m_geos.own(GEOSPolygonize_full_r(m_h, noded, &cuts, &dangles, &invalid), "polygonize");
        wrap::GeomPtr cuts_owned = m_geos.own_nullable(cuts);
        wrap::GeomPtr dangles_owned = m_geos.own_nullable(dangles);
        wrap::GeomPtr invalid_owned = m_geos.own_nullable(invalid);

        if (dangles_owned && !m_geos.is_empty(dangles_owned.get())) {
            wrap::GeomPtr merged = m_geos.own(GEOSLineMerge_r(m_h, dangles_owned.get()), "merge dangles");
            const int n = m_geos.num_geometries(merged.get());
            for (int i = 0; i < n; ++i) {
                const GEOSGeometry* d = GEOSGetGeometryN_r(m_h, merged.get(), i);
                ++m_result.stats.dangles;
                report("dangle", "dead-end line (" + format_fixed(m_geos.length(d), 1) + " m) inside a block; dropped",
                       d);
            }
        }
        auto report_all = [this](const GEOSGeometry* c, const char* code, const char* detail, std::size_t& counter) {
            if (c == nullptr || m_geos.is_empty(c)) {
                return;
            }
            const int n = m_geos.num_geometries(c);
            for (int i = 0; i < n; ++i) {
                ++counter;
                report(code, detail, GEOSGetGeometryN_r(m_h, c, i));
            }
        };
        report_all(cuts_owned.get(), "cut_edge", "line with the same block on both sides; dropped",
                   m_result.stats.cut_edges);
        report_all(invalid_owned.get(), "invalid_ring", "ring that could not form a valid block",
                   m_result.stats.invalid_rings);

        // Water areas, for classifying faces.
        std::vector<wrap::PreparedPtr> water_prepared;
        for (const auto& w : m_district.water) {
            water_prepared.push_back(m_geos.prepare(w.geom.get()));
        }
        const int n = m_geos.num_geometries(faces.get());
        for (int i = 0; i < n; ++i) {
            const GEOSGeometry* f = GEOSGetGeometryN_r(m_h, faces.get(), i);
            const double area = m_geos.area(f);
            if (area <= 0.0) {
                continue;
            }
            double x = 0.0;
            double y = 0.0;
            m_geos.point_on_surface(f, x, y);
            wrap::GeomPtr p = m_geos.point(x, y);
            if (!m_geos.check_bool(GEOSPreparedContains_r(m_h, m_boundary_prepared.get(), p.get()), "contains")) {
                continue;  // a hole of the district
            }
            Face face;
            face.geom = m_geos.clone(f);
            face.area = area;
            face.perimeter = m_geos.length(f);
            for (std::size_t w = 0; w < water_prepared.size(); ++w) {
                if (m_geos.check_bool(GEOSPreparedContains_r(m_h, water_prepared[w].get(), p.get()), "contains")) {
                    face.water = true;
                    face.water_name = m_district.water[w].name;
                    break;
                }
            }
            m_faces.push_back(std::move(face));
        }
        m_result.stats.faces = m_faces.size();
        if (m_faces.empty()) {
            throw GeometryError{"blocks", "the barriers and the boundary enclose no block"};
        }
    }

    /// Nodes of the noded linework that are no vertex of any input line: lines crossing
    /// without a shared vertex (not reported for bridges, tunnels and different layers).
    void report_crossings(const GEOSGeometry* noded) {
        std::map<GridKey, std::pair<double, double>> endpoints;
        const int n = m_geos.num_geometries(noded);
        std::vector<double> xy;
        for (int i = 0; i < n; ++i) {
            xy.clear();
            m_geos.coordinates(GEOSGetGeometryN_r(m_h, noded, i), xy);
            if (xy.size() < 4) {
                continue;
            }
            for (std::size_t k : {std::size_t{0}, xy.size() - 2}) {
                const GridKey gk = key(xy[k], xy[k + 1]);
                if (m_input_vertices.count(gk) == 0) {
                    endpoints.emplace(gk, std::make_pair(xy[k], xy[k + 1]));
                }
            }
        }
        std::vector<std::uint32_t> near;
        for (const auto& [gk, p] : endpoints) {
            m_index.lines_near(p.first, p.second, m_config.match_tolerance_m, near);
            if (near.size() < 2) {
                continue;
            }
            bool expected = false;
            std::vector<std::string> what;
            for (auto l : near) {
                const MatchLine& ml = m_lines[l];
                // Bridges, tunnels, other layers and water outlines cross without junctions.
                expected = expected || ml.bridge || ml.tunnel || ml.water_outline ||
                           ml.layer != m_lines[near.front()].layer;
                what.push_back(std::string{to_string(ml.cls)} + (ml.name.empty() ? "" : " '" + ml.name + "'") +
                               (ml.fid >= 0 ? " fid=" + std::to_string(ml.fid) : ""));
            }
            if (expected) {
                continue;
            }
            ++m_result.stats.crossings_without_vertex;
            wrap::GeomPtr pt = m_geos.point(p.first, p.second);
            report("crossing_without_vertex",
                   "lines cross without a shared vertex (missing junction, or an untagged bridge): " +
                       join_limited(what, 4),
                   pt.get(), std::nullopt, &m_lines[near.front()]);
        }
    }

    /// Shared edges between faces: every ring segment keyed by its grid endpoints.
    void build_face_adjacency() {
        std::unordered_map<SegKey, std::array<std::uint32_t, 2>, SegKeyHash> owners;
        const std::uint32_t none = UINT32_MAX;
        std::vector<double> xy;
        auto for_each_segment = [&](std::uint32_t f, auto&& fn) {
            const GEOSGeometry* poly = m_faces[f].geom.get();
            const int rings = 1 + GEOSGetNumInteriorRings_r(m_h, poly);
            for (int r = 0; r < rings; ++r) {
                const GEOSGeometry* ring =
                    r == 0 ? GEOSGetExteriorRing_r(m_h, poly) : GEOSGetInteriorRingN_r(m_h, poly, r - 1);
                xy.clear();
                m_geos.coordinates(ring, xy);
                for (std::size_t i = 0; i + 3 < xy.size(); i += 2) {
                    GridKey a = key(xy[i], xy[i + 1]);
                    GridKey b = key(xy[i + 2], xy[i + 3]);
                    if (a == b) {
                        continue;
                    }
                    if (b < a) {
                        std::swap(a, b);
                    }
                    fn(SegKey{a, b}, xy[i], xy[i + 1], xy[i + 2], xy[i + 3]);
                }
            }
        };
        for (std::uint32_t f = 0; f < m_faces.size(); ++f) {
            for_each_segment(f, [&](const SegKey& k, double, double, double, double) {
                auto [it, inserted] = owners.try_emplace(k, std::array<std::uint32_t, 2>{f, none});
                if (!inserted && it->second[0] != f) {
                    it->second[1] = f;
                }
            });
        }
        std::vector<std::uint32_t> near;
        for (std::uint32_t f = 0; f < m_faces.size(); ++f) {
            for_each_segment(f, [&](const SegKey& k, double x1, double y1, double x2, double y2) {
                const auto& o = owners.at(k);
                const std::uint32_t other = o[0] == f ? o[1] : o[0];
                if (other == none || other < f) {
                    return;
                }
                const double length = std::hypot(x2 - x1, y2 - y1);
                m_index.lines_near(0.5 * (x1 + x2), 0.5 * (y1 + y2), m_config.match_tolerance_m, near);
                const MatchLine* best = nullptr;
                for (auto l : near) {
                    const MatchLine& ml = m_lines[l];
                    if (best == nullptr || ml.cls > best->cls || (ml.cls == best->cls && best->name.empty() &&
                                                                  !ml.name.empty())) {
                        best = &ml;
                    }
                }
                static const std::string unnamed;
                const std::string& name = best != nullptr ? best->name : unnamed;
                auto [n, added] = m_edge_name_ids.try_emplace(name, static_cast<std::uint32_t>(m_result.edge_names.size()));
                if (added) {
                    m_result.edge_names.push_back(name);
                }
                m_face_edges[{f, other}].add(
                    EdgeSegment{x1, y1, x2, y2, best != nullptr ? best->cls : BarrierClass::none, n->second}, name,
                    length);
            });
        }
    }

    bool is_sliver(double area, double perimeter) const {
        if (area < m_config.min_area_m2) {
            return true;
        }
        return perimeter > 0.0 && 2.0 * area / perimeter < m_config.min_width_m;
    }

    void merge_slivers() {
        const std::size_t n = m_faces.size();
        UnionFind uf{n};
        std::vector<double> area(n);
        std::vector<double> perimeter(n);
        std::vector<std::map<std::uint32_t, double>> neighbours(n);
        std::vector<std::vector<std::uint32_t>> members(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            area[i] = m_faces[i].area;
            perimeter[i] = m_faces[i].perimeter;
            members[i] = {i};
        }
        for (const auto& [pair, tally] : m_face_edges) {
            const double l = tally.total();
            neighbours[pair.first][pair.second] += l;
            neighbours[pair.second][pair.first] += l;
        }
        std::vector<std::uint32_t> order(n);
        std::iota(order.begin(), order.end(), 0U);
        std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return area[a] < area[b]; });
        for (const std::uint32_t start : order) {
            const std::uint32_t s = uf.find(start);
            if (s != start || !is_sliver(area[s], perimeter[s]) || neighbours[s].empty()) {
                continue;
            }
            std::uint32_t target = UINT32_MAX;
            double best = -1.0;
            for (const auto& [nb, len] : neighbours[s]) {
                if (len > best) {  // map order: ties go to the lowest id
                    best = len;
                    target = nb;
                }
            }
            m_merges.push_back(Merge{members[s], target, area[s]});
            // Merge s into target.
            for (const auto& [nb, len] : neighbours[s]) {
                if (nb == target) {
                    continue;
                }
                neighbours[target][nb] += len;
                neighbours[nb].erase(s);
                neighbours[nb][target] += len;
            }
            neighbours[target].erase(s);
            neighbours[s].clear();
            area[target] += area[s];
            perimeter[target] += perimeter[s] - 2.0 * best;
            members[target].insert(members[target].end(), members[s].begin(), members[s].end());
            members[s].clear();
            uf.attach(s, target);
            ++m_result.stats.slivers_merged;
        }
        m_face_root.resize(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            m_face_root[i] = uf.find(i);
        }
        m_members = std::move(members);
    }

    wrap::GeomPtr union_of_faces(const std::vector<std::uint32_t>& faces) {
        if (faces.size() == 1) {
            return m_geos.clone(m_faces[faces.front()].geom.get());
        }
        std::vector<wrap::GeomPtr> parts;
        for (auto f : faces) {
            parts.push_back(m_geos.clone(m_faces[f].geom.get()));
        }
        wrap::GeomPtr all = m_geos.collection(GEOS_MULTIPOLYGON, parts);
        wrap::GeomPtr u = m_geos.own(GEOSCoverageUnion_r(m_h, all.get()), "union of merged faces");
        if (!m_geos.is_valid(u.get())) {
            u = m_geos.own(GEOSUnaryUnionPrec_r(m_h, all.get(), m_config.grid_size_m), "union of merged faces");
        }
        return u;
    }

    void build_blocks() {
        struct Pending {
            std::uint32_t root;
            wrap::GeomPtr geom;
            std::int64_t x;  ///< centroid on the noding grid
            std::int64_t y;
        };
        std::vector<Pending> pending;
        for (std::uint32_t r = 0; r < m_faces.size(); ++r) {
            if (m_face_root[r] != r) {
                continue;
            }
            Pending p{r, union_of_faces(m_members[r]), 0, 0};
            // Order by centroid on the noding grid: unlike a point on the surface it does
            // not depend on redundant vertices left by merging.
            wrap::GeomPtr c = m_geos.own(GEOSGetCentroid_r(m_h, p.geom.get()), "centroid");
            double cx = 0.0;
            double cy = 0.0;
            m_geos.check_status(GEOSGeomGetX_r(m_h, c.get(), &cx), "x");
            m_geos.check_status(GEOSGeomGetY_r(m_h, c.get(), &cy), "y");
            const GridKey k = key(cx, cy);
            p.x = k.x;
            p.y = k.y;
            pending.push_back(std::move(p));
        }
        // Stable geographic order: north to south, then west to east.
        std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
            if (a.y != b.y) {
                return a.y > b.y;
            }
            return a.x < b.x;
        });
        std::vector<std::uint32_t> block_of_root(m_faces.size(), UINT32_MAX);
        for (std::uint32_t i = 0; i < pending.size(); ++i) {
            auto& p = pending[i];
            Block b;
            b.id = BlockId{i};
            b.area_m2 = m_geos.area(p.geom.get());
            b.perimeter_m = m_geos.length(p.geom.get());
            b.water = m_faces[p.root].water;
            b.water_name = m_faces[p.root].water_name;
            m_geos.point_on_surface(p.geom.get(), b.label_x, b.label_y);
            b.faces = static_cast<std::uint32_t>(m_members[p.root].size());
            b.geom = std::move(p.geom);
            if (!m_geos.is_valid(b.geom.get())) {
                throw GeometryError{"blocks", "invalid block: " + m_geos.validity_reason(b.geom.get()),
                                    "block_id=" + std::to_string(i + 1)};
            }
            m_result.stats.blocks_area_m2 += b.area_m2;
            m_result.stats.water_blocks += b.water ? 1 : 0;
            block_of_root[p.root] = i;
            m_result.blocks.push_back(std::move(b));
        }
        for (const auto& m : m_merges) {
            const std::uint32_t joined = block_of_root[m_face_root[m.target]];
            wrap::GeomPtr g = union_of_faces(m.faces);
            report("sliver_merged",
                   "sliver of " + format_fixed(m.area, 1) + " m2 merged into block " + std::to_string(joined + 1),
                   g.get(), std::int64_t{joined} + 1);
        }
        // Block adjacency from face adjacency.
        std::map<std::pair<std::uint32_t, std::uint32_t>, EdgeTally> pairs;
        for (const auto& [fp, tally] : m_face_edges) {
            std::uint32_t a = block_of_root[m_face_root[fp.first]];
            std::uint32_t b = block_of_root[m_face_root[fp.second]];
            if (a == b) {
                continue;
            }
            if (b < a) {
                std::swap(a, b);
            }
            pairs[{a, b}].add(tally);
        }
        for (const auto& [ab, tally] : pairs) {
            Adjacency adj;
            adj.a = BlockId{ab.first};
            adj.b = BlockId{ab.second};
            adj.length_by_class = tally.by_class;
            adj.segments = tally.segments;
            adj.shared_length_m = tally.total();
            if (adj.shared_length_m <= 0.0) {
                continue;
            }
            adj.mid_x = tally.sum_x / adj.shared_length_m;
            adj.mid_y = tally.sum_y / adj.shared_length_m;
            for (int c = barrier_class_count - 1; c >= 0; --c) {
                if (tally.by_class[static_cast<std::size_t>(c)] > 0.0) {
                    adj.barrier_class = static_cast<BarrierClass>(c);
                    break;
                }
            }
            double best = -1.0;
            for (const auto& [cn, len] : tally.by_name) {
                if (cn.first == static_cast<int>(adj.barrier_class) && !cn.second.empty() && len > best) {
                    best = len;
                    adj.barrier_name = cn.second;
                }
            }
            m_result.adjacency.push_back(std::move(adj));
        }
    }

    void attach_households() {
        namespace bg = boost::geometry;
        namespace bgi = boost::geometry::index;
        using detail::Box;
        using detail::Point;
        const auto& blocks = m_result.blocks;
        std::vector<std::pair<Box, std::uint32_t>> boxes;
        std::vector<wrap::PreparedPtr> prepared;
        for (const auto& b : blocks) {
            double minx = 0.0;
            double miny = 0.0;
            double maxx = 0.0;
            double maxy = 0.0;
            m_geos.bounds(b.geom.get(), minx, miny, maxx, maxy);
            boxes.emplace_back(Box{Point{minx, miny}, Point{maxx, maxy}}, b.id.value());
            prepared.push_back(m_geos.prepare(b.geom.get()));
        }
        const bgi::rtree<std::pair<Box, std::uint32_t>, bgi::rstar<16>> tree{boxes.begin(), boxes.end()};

        // Land neighbours of each water block, for households that fall in the water.
        std::vector<std::vector<std::uint32_t>> land_neighbours(blocks.size());
        for (const auto& adj : m_result.adjacency) {
            if (blocks[adj.a.value()].water && !blocks[adj.b.value()].water) {
                land_neighbours[adj.a.value()].push_back(adj.b.value());
            }
            if (blocks[adj.b.value()].water && !blocks[adj.a.value()].water) {
                land_neighbours[adj.b.value()].push_back(adj.a.value());
            }
        }

        auto& stats = m_result.stats;
        auto& assigned = m_result.household_block;
        assigned.assign(m_district.households.size(), BlockId::invalid());
        std::vector<std::uint32_t> candidates;
        for (std::size_t i = 0; i < m_district.households.size(); ++i) {
            const auto& h = m_district.households[i];
            stats.households_input += h.count;
            candidates.clear();
            const Point pt{h.x, h.y};
            for (auto it = tree.qbegin(bgi::intersects(pt)); it != tree.qend(); ++it) {
                candidates.push_back(it->second);
            }
            std::sort(candidates.begin(), candidates.end());
            wrap::GeomPtr p = m_geos.point(h.x, h.y);
            std::uint32_t found = UINT32_MAX;
            for (auto c : candidates) {
                if (m_geos.check_bool(GEOSPreparedIntersects_r(m_h, prepared[c].get(), p.get()), "intersects")) {
                    found = c;
                    break;
                }
            }
            if (found == UINT32_MAX) {
                stats.households_outside += h.count;
                ++stats.household_points_outside;
                m_ctx.problems.report(io::household_problem(
                    m_district, h, "household_outside", std::to_string(h.count) + " households outside the district",
                    m_geos));
                continue;
            }
            if (blocks[found].water && land_neighbours[found].empty()) {
                // A water block with no land block beside it: nowhere on land to count them.
                stats.households_water_no_bank += h.count;
                m_ctx.problems.report(io::household_problem(
                    m_district, h, "household_in_water_no_bank",
                    std::to_string(h.count) + " households inside water block " + std::to_string(found + 1) +
                        ", which has no land block beside it; not placed",
                    m_geos, std::int64_t{found} + 1));
                continue;
            }
            if (blocks[found].water) {
                std::uint32_t nearest = UINT32_MAX;
                double best = 0.0;
                for (auto nb : land_neighbours[found]) {
                    double d = 0.0;
                    m_geos.check_status(GEOSDistance_r(m_h, blocks[nb].geom.get(), p.get(), &d), "distance");
                    if (nearest == UINT32_MAX || d < best) {
                        nearest = nb;
                        best = d;
                    }
                }
                stats.households_moved_from_water += h.count;
                m_ctx.problems.report(io::household_problem(
                    m_district, h, "household_in_water",
                    std::to_string(h.count) + " households inside water block " + std::to_string(found + 1) +
                        "; counted in block " + std::to_string(nearest + 1) + ", " + format_fixed(best, 1) + " m away",
                    m_geos, std::int64_t{nearest} + 1));
                found = nearest;
            }
            assigned[i] = BlockId{found};
            auto& b = m_result.blocks[found];
            b.households += h.count;
            ++b.household_points;
            stats.households_inside += h.count;
        }
        if (stats.household_points_outside > 0) {
            m_ctx.log.warning(std::to_string(stats.households_outside) + " households in " +
                              std::to_string(stats.household_points_outside) +
                              " points lie outside the district (see blocks_qa, problem household_outside)");
        }
        if (stats.households_water_no_bank > 0) {
            m_ctx.log.warning(std::to_string(stats.households_water_no_bank) +
                              " households lie in water blocks without a land block beside them and are not "
                              "placed (see blocks_qa, problem household_in_water_no_bank)");
        }
        m_result.households =
            io::HouseholdAccount::of(m_district, stats.households_outside, stats.households_water_no_bank);
    }

    struct Merge {
        std::vector<std::uint32_t> faces;
        std::uint32_t target;
        double area;
    };

    const io::District& m_district;
    const BlocksConfig& m_config;
    const wrap::GeosContext& m_geos;
    RunContext& m_ctx;
    GEOSContextHandle_t m_h;
    wrap::PreparedPtr m_boundary_prepared;

    std::vector<wrap::GeomPtr> m_linework;
    std::vector<MatchLine> m_lines;
    std::uint32_t m_boundary_line = 0;
    SegmentIndex m_index;
    std::unordered_set<GridKey, GridKeyHash> m_input_vertices;

    std::vector<Face> m_faces;
    std::map<std::pair<std::uint32_t, std::uint32_t>, EdgeTally> m_face_edges;
    std::unordered_map<std::string, std::uint32_t> m_edge_name_ids{{std::string{}, 0}};
    std::vector<std::uint32_t> m_face_root;
    std::vector<std::vector<std::uint32_t>> m_members;
    std::vector<Merge> m_merges;

    BlocksResult m_result;
};

} // namespace

BlocksResult build_blocks(const io::District& district, const BlocksConfig& config, const wrap::GeosContext& geos,
                          RunContext& ctx) {
    config.validate();
    return BlockBuilder{district, config, geos, ctx}.run();
}

} // namespace gridplan::blocks
