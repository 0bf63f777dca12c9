#include "synth/detail/geometry.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/union_find.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace gridplan::synth::detail {

double polyline_length(const Polyline& line) noexcept {
    double s = 0.0;
    for (std::size_t i = 1; i < line.size(); ++i) {
        s += dist(line[i - 1], line[i]);
    }
    return s;
}

Vec2 point_along(const Polyline& line, double s) noexcept {
    if (line.empty()) {
        return {};
    }
    if (s <= 0.0) {
        return line.front();
    }
    for (std::size_t i = 1; i < line.size(); ++i) {
        const double d = dist(line[i - 1], line[i]);
        if (s <= d && d > 0.0) {
            return lerp(line[i - 1], line[i], s / d);
        }
        s -= d;
    }
    return line.back();
}

std::vector<Vec2> vertex_normals(const Polyline& line) {
    const std::size_t n = line.size();
    std::vector<Vec2> normals(n);
    if (n < 2) {
        return normals;
    }
    std::vector<Vec2> seg(n - 1);
    for (std::size_t i = 0; i + 1 < n; ++i) {
        seg[i] = unit(line[i + 1] - line[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (i == 0) {
            normals[i] = left_of(seg.front());
        } else if (i + 1 == n) {
            normals[i] = left_of(seg.back());
        } else {
            const Vec2 nrm = left_of(unit(seg[i - 1] + seg[i]));
            // Mitre: keep the offset lines parallel to both segments.
            const double c = std::max(0.5, dot(nrm, left_of(seg[i])));
            normals[i] = nrm * (1.0 / c);
        }
    }
    return normals;
}

Polyline offset_polyline(const Polyline& line, const std::vector<Vec2>& normals, const std::vector<double>& d) {
    Polyline out(line.size());
    for (std::size_t i = 0; i < line.size(); ++i) {
        out[i] = line[i] + normals[i] * d[i];
    }
    return out;
}

Polyline resample(const Polyline& line, double step) {
    const double total = polyline_length(line);
    if (line.size() < 2 || total <= 0.0) {
        return line;
    }
    const auto n = static_cast<std::size_t>(std::max(1.0, std::round(total / step)));
    Polyline out;
    out.reserve(n + 1);
    out.push_back(line.front());
    std::size_t seg = 0;
    double seg_start = 0.0;
    double seg_len = dist(line[0], line[1]);
    for (std::size_t k = 1; k < n; ++k) {
        const double s = total * static_cast<double>(k) / static_cast<double>(n);
        while (seg + 2 < line.size() && s > seg_start + seg_len) {
            seg_start += seg_len;
            ++seg;
            seg_len = dist(line[seg], line[seg + 1]);
        }
        const double t = seg_len > 0.0 ? std::clamp((s - seg_start) / seg_len, 0.0, 1.0) : 0.0;
        out.push_back(lerp(line[seg], line[seg + 1], t));
    }
    out.push_back(line.back());
    return out;
}

double point_segment_distance(Vec2 p, Vec2 a, Vec2 b, double& t) noexcept {
    const Vec2 ab = b - a;
    const double l2 = dot(ab, ab);
    t = l2 > 0.0 ? std::clamp(dot(p - a, ab) / l2, 0.0, 1.0) : 0.0;
    return dist(p, a + ab * t);
}

double point_polyline_distance(Vec2 p, const Polyline& line) noexcept {
    double best = std::numeric_limits<double>::infinity();
    double t = 0.0;
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
        best = std::min(best, point_segment_distance(p, line[i], line[i + 1], t));
    }
    return best;
}

bool segment_crossing(Vec2 a, Vec2 b, Vec2 c, Vec2 d, double& t, double& u) noexcept {
    const Vec2 r = b - a;
    const Vec2 s = d - c;
    const double den = cross(r, s);
    if (std::abs(den) <= 1e-14 * norm(r) * norm(s) || den == 0.0) {
        return false;
    }
    const Vec2 q = c - a;
    t = cross(q, s) / den;
    u = cross(q, r) / den;
    return t >= 0.0 && t <= 1.0 && u >= 0.0 && u <= 1.0;
}

LinePos start_of(const Polyline& line) noexcept {
    return LinePos{0, 0.0, line.front()};
}

LinePos end_of(const Polyline& line) noexcept {
    return LinePos{line.size() >= 2 ? line.size() - 2 : 0, 1.0, line.back()};
}

double arc_of(const Polyline& line, const LinePos& pos) noexcept {
    double s = 0.0;
    for (std::size_t i = 0; i < pos.seg && i + 1 < line.size(); ++i) {
        s += dist(line[i], line[i + 1]);
    }
    if (pos.seg + 1 < line.size()) {
        s += pos.t * dist(line[pos.seg], line[pos.seg + 1]);
    }
    return s;
}

namespace {

struct Box {
    double x0 = std::numeric_limits<double>::infinity();
    double y0 = std::numeric_limits<double>::infinity();
    double x1 = -std::numeric_limits<double>::infinity();
    double y1 = -std::numeric_limits<double>::infinity();
    void add(Vec2 p) noexcept {
        x0 = std::min(x0, p.x);
        y0 = std::min(y0, p.y);
        x1 = std::max(x1, p.x);
        y1 = std::max(y1, p.y);
    }
    bool overlaps(const Box& o, double tol = 0.0) const noexcept {
        return x0 <= o.x1 + tol && o.x0 <= x1 + tol && y0 <= o.y1 + tol && o.y0 <= y1 + tol;
    }
};

} // namespace

std::vector<LinePos> crossings(const Polyline& line, const Polyline& other) {
    std::vector<LinePos> out;
    if (line.size() < 2 || other.size() < 2) {
        return out;
    }
    constexpr std::size_t chunk = 16;
    std::vector<Box> boxes;
    for (std::size_t j = 0; j + 1 < other.size(); j += chunk) {
        Box b;
        for (std::size_t k = j; k <= std::min(j + chunk, other.size() - 1); ++k) {
            b.add(other[k]);
        }
        boxes.push_back(b);
    }
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
        Box sb;
        sb.add(line[i]);
        sb.add(line[i + 1]);
        for (std::size_t c = 0; c < boxes.size(); ++c) {
            if (!boxes[c].overlaps(sb)) {
                continue;
            }
            const std::size_t j_end = std::min((c + 1) * chunk, other.size() - 1);
            for (std::size_t j = c * chunk; j < j_end; ++j) {
                double t = 0.0;
                double u = 0.0;
                if (segment_crossing(line[i], line[i + 1], other[j], other[j + 1], t, u)) {
                    out.push_back(LinePos{i, t, lerp(line[i], line[i + 1], t)});
                }
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const LinePos& a, const LinePos& b) { return before(a, b); });
    std::vector<LinePos> unique;
    for (const auto& p : out) {
        if (unique.empty() || dist(unique.back().p, p.p) > 1e-7) {
            unique.push_back(p);
        }
    }
    return unique;
}

Polyline cut(const Polyline& line, const LinePos& a, const LinePos& b) {
    Polyline out;
    out.push_back(a.p);
    for (std::size_t k = a.seg + 1; k <= b.seg && k < line.size(); ++k) {
        if (dist(line[k], out.back()) > 1e-9) {
            out.push_back(line[k]);
        }
    }
    if (dist(b.p, out.back()) > 1e-9) {
        out.push_back(b.p);
    } else if (out.size() > 1) {
        out.back() = b.p;
    }
    return out;
}

// --- noding -----------------------------------------------------------------------

namespace {

/// Where a node lies on a line: at an existing vertex, or inside a segment.
struct NodeLoc {
    std::uint32_t node;
    std::uint32_t line;
    std::uint32_t index; ///< vertex, or segment when !vertex
    double t;
    bool vertex;
};


std::uint64_t cell_key(std::int64_t ix, std::int64_t iy) {
    return (static_cast<std::uint64_t>(ix + (std::int64_t{1} << 31)) << 32) |
           static_cast<std::uint64_t>(iy + (std::int64_t{1} << 31));
}

} // namespace

std::vector<std::vector<std::uint8_t>> node_lines(const std::vector<Polyline*>& lines, double tolerance) {
    struct Seg {
        std::uint32_t line;
        std::uint32_t index;
        Box box;
    };
    std::vector<Seg> segs;
    for (std::uint32_t l = 0; l < lines.size(); ++l) {
        const Polyline& pl = *lines[l];
        for (std::uint32_t k = 0; k + 1 < pl.size(); ++k) {
            Seg s{l, k, {}};
            s.box.add(pl[k]);
            s.box.add(pl[k + 1]);
            segs.push_back(s);
        }
    }
    constexpr double cell = 64.0;
    auto cell_of = [](double v, double size) {
        return static_cast<std::int64_t>(std::floor(v / size));
    };
    std::vector<std::pair<std::uint64_t, std::uint32_t>> cells;
    for (std::uint32_t i = 0; i < segs.size(); ++i) {
        const Box& b = segs[i].box;
        for (std::int64_t ix = cell_of(b.x0 - tolerance, cell); ix <= cell_of(b.x1 + tolerance, cell); ++ix) {
            for (std::int64_t iy = cell_of(b.y0 - tolerance, cell); iy <= cell_of(b.y1 + tolerance, cell); ++iy) {
                cells.emplace_back(cell_key(ix, iy), i);
            }
        }
    }
    std::sort(cells.begin(), cells.end());

    // Nodes: every crossing, and every vertex lying on another line, with where it lies.
    std::vector<Vec2> nodes;
    std::vector<NodeLoc> locs;
    auto add_node = [&nodes, &locs](Vec2 p, NodeLoc a, NodeLoc b) {
        const auto id = static_cast<std::uint32_t>(nodes.size());
        nodes.push_back(p);
        a.node = id;
        b.node = id;
        locs.push_back(a);
        locs.push_back(b);
    };
    auto handle = [&](const Seg& s1, const Seg& s2) {
        const Polyline& a = *lines[s1.line];
        const Polyline& b = *lines[s2.line];
        const Vec2 a0 = a[s1.index];
        const Vec2 a1 = a[s1.index + 1];
        const Vec2 b0 = b[s2.index];
        const Vec2 b1 = b[s2.index + 1];
        bool touched = false;
        auto vertex_on = [&](const Seg& vs, std::uint32_t vi, Vec2 v, const Seg& os, Vec2 o0, Vec2 o1) {
            double u = 0.0;
            if (point_segment_distance(v, o0, o1, u) > tolerance) {
                return;
            }
            touched = true;
            const double len = dist(o0, o1);
            const NodeLoc here{0, vs.line, vi, 0.0, true};
            if (u * len <= tolerance) {
                add_node(v, here, NodeLoc{0, os.line, os.index, 0.0, true});
            } else if ((1.0 - u) * len <= tolerance) {
                add_node(v, here, NodeLoc{0, os.line, os.index + 1, 0.0, true});
            } else {
                add_node(v, here, NodeLoc{0, os.line, os.index, u, false});
            }
        };
        vertex_on(s1, s1.index, a0, s2, b0, b1);
        vertex_on(s1, s1.index + 1, a1, s2, b0, b1);
        vertex_on(s2, s2.index, b0, s1, a0, a1);
        vertex_on(s2, s2.index + 1, b1, s1, a0, a1);
        if (touched) {
            return;
        }
        double t = 0.0;
        double u = 0.0;
        if (segment_crossing(a0, a1, b0, b1, t, u) && t > 0.0 && t < 1.0 && u > 0.0 && u < 1.0) {
            add_node(lerp(a0, a1, t), NodeLoc{0, s1.line, s1.index, t, false}, NodeLoc{0, s2.line, s2.index, u, false});
        }
    };
    for (std::size_t g0 = 0; g0 < cells.size();) {
        std::size_t g1 = g0;
        while (g1 < cells.size() && cells[g1].first == cells[g0].first) {
            ++g1;
        }
        const std::uint64_t key = cells[g0].first;
        for (std::size_t i = g0; i < g1; ++i) {
            const Seg& s1 = segs[cells[i].second];
            for (std::size_t j = i + 1; j < g1; ++j) {
                const Seg& s2 = segs[cells[j].second];
                if (s1.line == s2.line || !s1.box.overlaps(s2.box, tolerance)) {
                    continue;
                }
                // Each pair once: in the cell holding the corner of their common box.
                const std::int64_t ox = cell_of(std::max(s1.box.x0, s2.box.x0) - tolerance, cell);
                const std::int64_t oy = cell_of(std::max(s1.box.y0, s2.box.y0) - tolerance, cell);
                if (cell_key(ox, oy) != key) {
                    continue;
                }
                handle(s1, s2);
            }
        }
        g0 = g1;
    }

    // Nodes within the tolerance of each other, or at the same vertex, are one point.
    UnionFind uf;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        uf.add();
    }
    std::vector<std::vector<std::int64_t>> vertex_node(lines.size());
    for (std::size_t l = 0; l < lines.size(); ++l) {
        vertex_node[l].assign(lines[l]->size(), -1);
    }
    for (const auto& loc : locs) {
        if (loc.vertex) {
            std::int64_t& first = vertex_node[loc.line][loc.index];
            if (first < 0) {
                first = loc.node;
            } else {
                uf.unite(static_cast<std::uint32_t>(first), loc.node);
            }
        }
    }
    {
        const double size = std::max(tolerance, 1e-9);
        std::vector<std::pair<std::uint64_t, std::uint32_t>> grid;
        for (std::uint32_t i = 0; i < nodes.size(); ++i) {
            grid.emplace_back(cell_key(cell_of(nodes[i].x, size), cell_of(nodes[i].y, size)), i);
        }
        std::sort(grid.begin(), grid.end());
        for (std::uint32_t i = 0; i < nodes.size(); ++i) {
            const std::int64_t cx = cell_of(nodes[i].x, size);
            const std::int64_t cy = cell_of(nodes[i].y, size);
            for (std::int64_t dx = -1; dx <= 1; ++dx) {
                for (std::int64_t dy = -1; dy <= 1; ++dy) {
                    const std::uint64_t k = cell_key(cx + dx, cy + dy);
                    auto it = std::lower_bound(grid.begin(), grid.end(), std::make_pair(k, std::uint32_t{0}));
                    for (; it != grid.end() && it->first == k; ++it) {
                        if (it->second > i && dist(nodes[i], nodes[it->second]) <= tolerance) {
                            uf.unite(i, it->second);
                        }
                    }
                }
            }
        }
    }
    // Each point takes the coordinates of its first existing vertex (lowest line, then
    // vertex), else of its first node.
    std::vector<std::uint32_t> root(nodes.size());
    for (std::uint32_t i = 0; i < nodes.size(); ++i) {
        root[i] = uf.find(i);
    }
    std::vector<Vec2> rep(nodes.size());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> rep_vertex(nodes.size(), {UINT32_MAX, UINT32_MAX});
    for (std::uint32_t i = 0; i < nodes.size(); ++i) {
        if (root[i] == i) {
            rep[i] = nodes[i];
        }
    }
    for (const auto& loc : locs) {
        if (!loc.vertex) {
            continue;
        }
        const std::uint32_t r = root[loc.node];
        const std::pair<std::uint32_t, std::uint32_t> here{loc.line, loc.index};
        if (here < rep_vertex[r]) {
            rep_vertex[r] = here;
            rep[r] = (*lines[loc.line])[loc.index];
        }
    }

    // Rebuild the lines with the points.
    struct Insertion {
        std::uint32_t seg;
        double t;
        std::uint32_t point;
    };
    std::vector<std::vector<Insertion>> inserts(lines.size());
    for (const auto& loc : locs) {
        if (!loc.vertex) {
            inserts[loc.line].push_back(Insertion{loc.index, loc.t, root[loc.node]});
        }
    }
    std::vector<std::vector<std::uint8_t>> junction(lines.size());
    for (std::size_t l = 0; l < lines.size(); ++l) {
        auto& ins = inserts[l];
        std::sort(ins.begin(), ins.end(), [](const Insertion& x, const Insertion& y) {
            return x.seg < y.seg || (x.seg == y.seg && (x.t < y.t || (x.t == y.t && x.point < y.point)));
        });
        const Polyline& old = *lines[l];
        Polyline out;
        std::vector<std::uint8_t> flags;
        out.reserve(old.size() + ins.size());
        auto push = [&out, &flags](Vec2 p, bool at_node) {
            if (!out.empty() && out.back().x == p.x && out.back().y == p.y) {
                flags.back() = static_cast<std::uint8_t>(flags.back() | (at_node ? 1 : 0));
                return;
            }
            out.push_back(p);
            flags.push_back(at_node ? 1 : 0);
        };
        std::size_t next = 0;
        for (std::size_t k = 0; k < old.size(); ++k) {
            const std::int64_t n = vertex_node[l][k];
            push(n >= 0 ? rep[root[static_cast<std::size_t>(n)]] : old[k], n >= 0);
            while (next < ins.size() && ins[next].seg == k) {
                push(rep[ins[next].point], true);
                ++next;
            }
        }
        *lines[l] = std::move(out);
        junction[l] = std::move(flags);
    }
    return junction;
}

// --- GEOS -------------------------------------------------------------------------

namespace {

GEOSCoordSequence* make_sequence(const wrap::GeosContext& geos, const Polyline& pts, Vec2 shift, bool close) {
    std::vector<double> xy;
    xy.reserve(2 * pts.size() + 2);
    for (const Vec2& p : pts) {
        xy.push_back(p.x + shift.x);
        xy.push_back(p.y + shift.y);
    }
    if (close && !pts.empty() && (pts.front().x != pts.back().x || pts.front().y != pts.back().y)) {
        xy.push_back(pts.front().x + shift.x);
        xy.push_back(pts.front().y + shift.y);
    }
    GEOSCoordSequence* seq =
        GEOSCoordSeq_copyFromBuffer_r(geos.handle(), xy.data(), static_cast<unsigned int>(xy.size() / 2), 0, 0);
    if (seq == nullptr) {
        geos.fail("create coordinates");
    }
    return seq;
}

int shift_callback(double* x, double* y, void* userdata) {
    const auto* d = static_cast<const Vec2*>(userdata);
    *x += d->x;
    *y += d->y;
    return 1;
}

void collect_lines(const wrap::GeosContext& geos, const GEOSGeometry* g, std::vector<Polyline>& out) {
    const int t = geos.type_id(g);
    if (t == GEOS_LINESTRING || t == GEOS_LINEARRING) {
        std::vector<double> xy;
        geos.coordinates(g, xy);
        Polyline pl;
        pl.reserve(xy.size() / 2);
        for (std::size_t i = 0; i + 1 < xy.size(); i += 2) {
            pl.push_back(Vec2{xy[i], xy[i + 1]});
        }
        if (pl.size() >= 2) {
            out.push_back(std::move(pl));
        }
        return;
    }
    if (t == GEOS_MULTILINESTRING || t == GEOS_GEOMETRYCOLLECTION) {
        const int n = geos.num_geometries(g);
        for (int i = 0; i < n; ++i) {
            collect_lines(geos, GEOSGetGeometryN_r(geos.handle(), g, i), out);
        }
    }
}

void collect_polygons(const wrap::GeosContext& geos, const GEOSGeometry* g, double min_area,
                      std::vector<wrap::GeomPtr>& out) {
    const int t = geos.type_id(g);
    if (t == GEOS_POLYGON) {
        if (!geos.is_empty(g) && geos.area(g) >= min_area) {
            out.push_back(geos.clone(g));
        }
        return;
    }
    if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        const int n = geos.num_geometries(g);
        for (int i = 0; i < n; ++i) {
            collect_polygons(geos, GEOSGetGeometryN_r(geos.handle(), g, i), min_area, out);
        }
    }
}

} // namespace

wrap::GeomPtr make_line(const wrap::GeosContext& geos, const Polyline& line, Vec2 shift) {
    GEOSCoordSequence* seq = make_sequence(geos, line, shift, false);
    return geos.own(GEOSGeom_createLineString_r(geos.handle(), seq), "create line");
}

wrap::GeomPtr make_polygon(const wrap::GeosContext& geos, const Polyline& ring, Vec2 shift) {
    GEOSCoordSequence* seq = make_sequence(geos, ring, shift, true);
    GEOSGeometry* shell = GEOSGeom_createLinearRing_r(geos.handle(), seq);
    if (shell == nullptr) {
        geos.fail("create ring");
    }
    return geos.own(GEOSGeom_createPolygon_r(geos.handle(), shell, nullptr, 0), "create polygon");
}

wrap::GeomPtr make_point(const wrap::GeosContext& geos, Vec2 p, Vec2 shift) {
    return geos.point(p.x + shift.x, p.y + shift.y);
}

wrap::GeomPtr shifted(const wrap::GeosContext& geos, const GEOSGeometry* g, Vec2 d) {
    return geos.own(GEOSGeom_transformXY_r(geos.handle(), g, shift_callback, &d), "shift geometry");
}

std::vector<Polyline> line_parts(const wrap::GeosContext& geos, const GEOSGeometry* g) {
    std::vector<Polyline> out;
    collect_lines(geos, g, out);
    return out;
}

std::vector<wrap::GeomPtr> polygon_parts(const wrap::GeosContext& geos, const GEOSGeometry* g, double min_area) {
    std::vector<wrap::GeomPtr> out;
    collect_polygons(geos, g, min_area, out);
    return out;
}

Polyline exterior_ring(const wrap::GeosContext& geos, const GEOSGeometry* polygon) {
    std::vector<Polyline> rings;
    collect_lines(geos, GEOSGetExteriorRing_r(geos.handle(), polygon), rings);
    return rings.empty() ? Polyline{} : rings.front();
}

std::vector<Polyline> clip_line(const wrap::GeosContext& geos, const GEOSGeometry* area,
                                const GEOSPreparedGeometry* prepared, const Polyline& line) {
    wrap::GeomPtr g = make_line(geos, line);
    if (geos.check_bool(GEOSPreparedContains_r(geos.handle(), prepared, g.get()), "contains")) {
        return {line};
    }
    if (!geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), prepared, g.get()), "intersects")) {
        return {};
    }
    wrap::GeomPtr inside = geos.own(GEOSIntersection_r(geos.handle(), g.get(), area), "clip line");
    if (geos.num_geometries(inside.get()) > 1) {
        inside = geos.own(GEOSLineMerge_r(geos.handle(), inside.get()), "merge lines");
    }
    return line_parts(geos, inside.get());
}

std::vector<wrap::GeomPtr> polygonize(const wrap::GeosContext& geos, std::vector<wrap::GeomPtr>& lines) {
    wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, lines);
    wrap::GeomPtr noded = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "node lines");
    const GEOSGeometry* input[] = {noded.get()};
    wrap::GeomPtr faces = geos.own(GEOSPolygonize_r(geos.handle(), input, 1), "polygonize");
    return polygon_parts(geos, faces.get());
}

wrap::GeomPtr buffer(const wrap::GeosContext& geos, const GEOSGeometry* g, double d, int quadsegs) {
    return geos.own(GEOSBuffer_r(geos.handle(), g, d, quadsegs), "buffer");
}

bool contains(const wrap::GeosContext& geos, const GEOSPreparedGeometry* prepared, Vec2 p) {
    wrap::GeomPtr pt = geos.point(p.x, p.y);
    return geos.check_bool(GEOSPreparedContains_r(geos.handle(), prepared, pt.get()), "contains");
}

Vec2 inside_point(const wrap::GeosContext& geos, const GEOSGeometry* polygon) {
    double x = 0.0;
    double y = 0.0;
    geos.point_on_surface(polygon, x, y);
    return {x, y};
}

Vec2 centroid(const wrap::GeosContext& geos, const GEOSGeometry* g) {
    wrap::GeomPtr c = geos.own(GEOSGetCentroid_r(geos.handle(), g), "centroid");
    double x = 0.0;
    double y = 0.0;
    if (GEOSGeomGetX_r(geos.handle(), c.get(), &x) == 0 || GEOSGeomGetY_r(geos.handle(), c.get(), &y) == 0) {
        geos.fail("centroid");
    }
    return {x, y};
}

} // namespace gridplan::synth::detail
