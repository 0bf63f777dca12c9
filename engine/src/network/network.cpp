#include "gridplan/network/network.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

namespace gridplan::network {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BPoint = bg::model::d2::point_xy<double>;
using BBox = bg::model::box<BPoint>;
using BSegment = bg::model::segment<BPoint>;

void NetworkConfig::validate() const {
    if (!(junction_tolerance_m >= 0.0 && junction_tolerance_m <= 10.0)) {
        throw ConfigError{"network.junction_tolerance_m", "must be from 0 to 10 metres"};
    }
    if (!(snap_cap_m > 0.0 && snap_cap_m <= 10000.0)) {
        throw ConfigError{"network.snap_cap_m", "must be above 0 and at most 10000 metres"};
    }
}

/// Segments of the network's edges, for snapping.
struct WalkNetwork::SegmentIndex {
    using Value = std::pair<BSegment, std::uint32_t>;  // edge index
    bgi::rtree<Value, bgi::rstar<16>> tree;
};

namespace {

struct Key {
    std::int64_t x;
    std::int64_t y;
    bool operator==(const Key& o) const noexcept { return x == o.x && y == o.y; }
};
struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
        return std::hash<std::int64_t>{}(k.x * 0x9E3779B97F4A7C15LL ^ k.y);
    }
};

constexpr double key_grid = 0.01;

Key key_of(double x, double y) { return Key{std::llround(x / key_grid), std::llround(y / key_grid)}; }

/// One part of a walkable line.
struct Part {
    std::vector<double> xy;
    std::uint32_t line = 0;
    BarrierClass cls = BarrierClass::none;
    int level = 0;  ///< layer, with bridges above and tunnels below
};

/// Projection of (px, py) on segment a-b: parameter t in [0, 1] and distance.
double project(double px, double py, double ax, double ay, double bx, double by, double& t) {
    const double dx = bx - ax;
    const double dy = by - ay;
    const double len2 = dx * dx + dy * dy;
    t = len2 > 0.0 ? std::clamp(((px - ax) * dx + (py - ay) * dy) / len2, 0.0, 1.0) : 0.0;
    return std::hypot(px - (ax + t * dx), py - (ay + t * dy));
}

} // namespace

class NetworkBuilder {
public:
    NetworkBuilder(const io::District& d, const NetworkConfig& c, const wrap::GeosContext& g, RunContext& ctx)
        : m_district(d), m_config(c), m_geos(g), m_ctx(ctx) {}

    WalkNetwork run() {
        collect_parts();
        find_nodes();
        find_t_junctions();
        build_edges();
        finish();
        return std::move(m_net);
    }

private:
    void collect_parts() {
        for (std::uint32_t i = 0; i < m_district.barriers.size(); ++i) {
            const auto& b = m_district.barriers[i];
            if (!b.walkable || b.cls == BarrierClass::river || b.cls == BarrierClass::none) {
                continue;
            }
            const GEOSGeometry* g = b.geom.get();
            const int type = m_geos.type_id(g);
            const int n = type == GEOS_LINESTRING ? 1 : m_geos.num_geometries(g);
            for (int k = 0; k < n; ++k) {
                const GEOSGeometry* part = type == GEOS_LINESTRING ? g : GEOSGetGeometryN_r(m_geos.handle(), g, k);
                Part p;
                m_geos.coordinates(part, p.xy);
                // Drop repeated points.
                std::vector<double> clean;
                for (std::size_t j = 0; j + 1 < p.xy.size(); j += 2) {
                    if (clean.size() >= 2 && key_of(clean[clean.size() - 2], clean.back()) == key_of(p.xy[j], p.xy[j + 1])) {
                        continue;
                    }
                    clean.push_back(p.xy[j]);
                    clean.push_back(p.xy[j + 1]);
                }
                if (clean.size() < 4) {
                    continue;
                }
                p.xy = std::move(clean);
                p.line = i;
                p.cls = b.cls;
                p.level = 4 * b.layer + (b.bridge ? 1 : 0) - (b.tunnel ? 1 : 0);
                m_parts.push_back(std::move(p));
            }
        }
    }

    /// Nodes: endpoints; interior vertices shared with an endpoint of any part (an endpoint
    /// touching a line joins it) or with another part on the same level. Interior vertices
    /// shared only across levels (a bridge over a street) are not junctions.
    void find_nodes() {
        struct Use {
            std::uint32_t part;
            int level;
            bool endpoint;
        };
        std::unordered_map<Key, std::vector<Use>, KeyHash> users;
        for (std::uint32_t p = 0; p < m_parts.size(); ++p) {
            const auto& xy = m_parts[p].xy;
            const std::size_t n = xy.size() / 2;
            for (std::size_t j = 0; j < n; ++j) {
                users[key_of(xy[2 * j], xy[2 * j + 1])].push_back({p, m_parts[p].level, j == 0 || j + 1 == n});
            }
        }
        for (std::uint32_t p = 0; p < m_parts.size(); ++p) {
            const auto& xy = m_parts[p].xy;
            const std::size_t n = xy.size() / 2;
            for (std::size_t j = 0; j < n; ++j) {
                const Key k = key_of(xy[2 * j], xy[2 * j + 1]);
                bool node = j == 0 || j + 1 == n;
                if (!node) {
                    std::size_t same_level = 0;
                    for (const auto& u : users.at(k)) {
                        node = node || u.endpoint;
                        same_level += u.level == m_parts[p].level ? 1 : 0;
                    }
                    node = node || same_level >= 2;
                }
                if (node) {
                    node_at(k, xy[2 * j], xy[2 * j + 1]);
                    m_vertex_nodes.insert({p, j});
                }
            }
        }
    }

    NodeIndex node_at(const Key& k, double x, double y) {
        auto [it, inserted] = m_node_of.try_emplace(k, static_cast<NodeIndex>(m_net.m_node_xy.size() / 2));
        if (inserted) {
            m_net.m_node_xy.push_back(x);
            m_net.m_node_xy.push_back(y);
        }
        return it->second;
    }

    /// An endpoint near another line's interior joins it: a split point on that segment.
    void find_t_junctions() {
        if (m_config.junction_tolerance_m <= 0.0) {
            return;
        }
        std::vector<std::pair<BSegment, std::pair<std::uint32_t, std::uint32_t>>> segs;
        for (std::uint32_t p = 0; p < m_parts.size(); ++p) {
            const auto& xy = m_parts[p].xy;
            for (std::uint32_t j = 0; j + 3 < xy.size(); j += 2) {
                segs.push_back({BSegment{BPoint{xy[j], xy[j + 1]}, BPoint{xy[j + 2], xy[j + 3]}}, {p, j / 2}});
            }
        }
        const bgi::rtree<std::pair<BSegment, std::pair<std::uint32_t, std::uint32_t>>, bgi::rstar<16>> tree{
            segs.begin(), segs.end()};
        const double tol = m_config.junction_tolerance_m;
        for (std::uint32_t p = 0; p < m_parts.size(); ++p) {
            const auto& xy = m_parts[p].xy;
            for (const std::size_t j : {std::size_t{0}, xy.size() - 2}) {
                const double x = xy[j];
                const double y = xy[j + 1];
                // Best candidate: the nearest segment of another part (ties: lowest part, segment).
                double best = tol;
                std::pair<std::uint32_t, std::uint32_t> where{no_index, no_index};
                double best_t = 0.0;
                const BBox box{BPoint{x - tol, y - tol}, BPoint{x + tol, y + tol}};
                for (auto it = tree.qbegin(bgi::intersects(box)); it != tree.qend(); ++it) {
                    const auto [q, s] = it->second;
                    if (q == p) {
                        continue;
                    }
                    const auto& qxy = m_parts[q].xy;
                    double t = 0.0;
                    const double dist = project(x, y, qxy[2 * s], qxy[2 * s + 1], qxy[2 * s + 2], qxy[2 * s + 3], t);
                    if (dist < best || (dist == best && where.first != no_index && it->second < where)) {
                        best = dist;
                        where = it->second;
                        best_t = t;
                    }
                }
                if (where.first == no_index) {
                    continue;
                }
                const auto& qxy = m_parts[where.first].xy;
                const std::uint32_t s = where.second;
                const double sx = qxy[2 * s] + best_t * (qxy[2 * s + 2] - qxy[2 * s]);
                const double sy = qxy[2 * s + 1] + best_t * (qxy[2 * s + 3] - qxy[2 * s + 1]);
                const Key sk = key_of(sx, sy);
                const bool at_vertex = (best_t == 0.0 && key_of(qxy[2 * s], qxy[2 * s + 1]) == sk) ||
                                       (best_t == 1.0 && key_of(qxy[2 * s + 2], qxy[2 * s + 3]) == sk);
                if (at_vertex && sk == key_of(x, y)) {
                    continue;  // a shared vertex: joined by find_nodes
                }
                const NodeIndex split = node_at(sk, sx, sy);
                m_splits[where.first].push_back({s, best_t, split});
                const NodeIndex end = m_node_of.at(key_of(x, y));
                if (end != split) {
                    m_connectors.push_back({end, split, best, m_parts[p].line, m_parts[p].cls});
                }
            }
        }
        for (auto& [part, list] : m_splits) {
            std::sort(list.begin(), list.end(), [](const Split& a, const Split& b) {
                return a.segment < b.segment || (a.segment == b.segment && (a.t < b.t || (a.t == b.t && a.node < b.node)));
            });
        }
    }

    void add_edge(NodeIndex from, NodeIndex to, std::vector<double>& poly, std::uint32_t line, BarrierClass cls) {
        if (from == to && poly.size() <= 4) {
            poly.clear();
            return;  // a zero-length loop
        }
        Edge e;
        e.from = from;
        e.to = to;
        e.first_point = static_cast<std::uint32_t>(m_net.m_points.size() / 2);
        e.point_count = static_cast<std::uint32_t>(poly.size() / 2);
        for (std::size_t i = 0; i + 3 < poly.size(); i += 2) {
            e.length_m += std::hypot(poly[i + 2] - poly[i], poly[i + 3] - poly[i + 1]);
        }
        e.line = line;
        e.cls = cls;
        m_net.m_points.insert(m_net.m_points.end(), poly.begin(), poly.end());
        m_net.m_total_length += e.length_m;
        m_net.m_edges.push_back(e);
        poly.clear();
    }

    void build_edges() {
        std::vector<double> poly;
        for (std::uint32_t p = 0; p < m_parts.size(); ++p) {
            const Part& part = m_parts[p];
            const auto& xy = part.xy;
            const std::size_t n = xy.size() / 2;
            const auto sp = m_splits.find(p);
            const std::vector<Split> no_splits;
            const auto& splits = sp == m_splits.end() ? no_splits : sp->second;
            std::size_t next_split = 0;
            NodeIndex start = m_node_of.at(key_of(xy[0], xy[1]));
            poly.assign({xy[0], xy[1]});
            for (std::size_t j = 0; j + 1 < n; ++j) {
                // Split points inside segment j, in order along it.
                while (next_split < splits.size() && splits[next_split].segment == j) {
                    const Split& s = splits[next_split++];
                    const double sx = m_net.m_node_xy[2 * s.node];
                    const double sy = m_net.m_node_xy[2 * s.node + 1];
                    if (key_of(sx, sy) == key_of(poly[poly.size() - 2], poly.back())) {
                        // The split falls on the vertex the segment starts at.
                        if (poly.size() > 2) {
                            add_edge(start, s.node, poly, part.line, part.cls);
                            start = s.node;
                            poly.assign({sx, sy});
                        }
                        continue;
                    }
                    poly.push_back(sx);
                    poly.push_back(sy);
                    add_edge(start, s.node, poly, part.line, part.cls);
                    start = s.node;
                    poly.assign({sx, sy});
                }
                const double x = xy[2 * j + 2];
                const double y = xy[2 * j + 3];
                poly.push_back(x);
                poly.push_back(y);
                if (is_vertex_node(p, j + 1)) {
                    const NodeIndex end = m_node_of.at(key_of(x, y));
                    add_edge(start, end, poly, part.line, part.cls);
                    start = end;
                    poly.assign({x, y});
                }
            }
        }
        for (const auto& c : m_connectors) {
            poly.assign({m_net.m_node_xy[2 * c.from], m_net.m_node_xy[2 * c.from + 1], m_net.m_node_xy[2 * c.to],
                         m_net.m_node_xy[2 * c.to + 1]});
            add_edge(c.from, c.to, poly, c.line, c.cls);
        }
    }

    bool is_vertex_node(std::uint32_t p, std::size_t j) const { return m_vertex_nodes.count({p, j}) > 0; }

    void finish() {
        auto& net = m_net;
        const std::size_t nodes = net.m_node_xy.size() / 2;
        net.m_offsets.assign(nodes + 1, 0);
        for (const auto& e : net.m_edges) {
            ++net.m_offsets[e.from + 1];
            if (e.to != e.from) {
                ++net.m_offsets[e.to + 1];
            }
        }
        for (std::size_t i = 0; i < nodes; ++i) {
            net.m_offsets[i + 1] += net.m_offsets[i];
        }
        net.m_adjacent.assign(net.m_offsets[nodes], 0);
        std::vector<std::uint32_t> fill(net.m_offsets.begin(), net.m_offsets.end() - 1);
        for (EdgeIndex e = 0; e < net.m_edges.size(); ++e) {
            net.m_adjacent[fill[net.m_edges[e].from]++] = e;
            if (net.m_edges[e].to != net.m_edges[e].from) {
                net.m_adjacent[fill[net.m_edges[e].to]++] = e;
            }
        }
        // Components by breadth-first search, then renumbered largest first.
        net.m_component.assign(nodes, no_index);
        std::vector<std::size_t> sizes;
        std::vector<NodeIndex> queue;
        for (NodeIndex s = 0; s < nodes; ++s) {
            if (net.m_component[s] != no_index) {
                continue;
            }
            const auto c = static_cast<std::uint32_t>(sizes.size());
            sizes.push_back(0);
            queue.assign({s});
            net.m_component[s] = c;
            for (std::size_t q = 0; q < queue.size(); ++q) {
                const NodeIndex n = queue[q];
                ++sizes[c];
                for (const EdgeIndex* it = net.adjacent_begin(n); it != net.adjacent_end(n); ++it) {
                    const Edge& e = net.m_edges[*it];
                    const NodeIndex other = e.from == n ? e.to : e.from;
                    if (net.m_component[other] == no_index) {
                        net.m_component[other] = c;
                        queue.push_back(other);
                    }
                }
            }
        }
        std::vector<std::uint32_t> order(sizes.size());
        for (std::uint32_t i = 0; i < order.size(); ++i) {
            order[i] = i;
        }
        std::stable_sort(order.begin(), order.end(), [&sizes](auto a, auto b) { return sizes[a] > sizes[b]; });
        std::vector<std::uint32_t> rank(sizes.size());
        for (std::uint32_t i = 0; i < order.size(); ++i) {
            rank[order[i]] = i;
        }
        for (auto& c : net.m_component) {
            c = rank[c];
        }
        net.m_component_count = sizes.size();
        // Segment index for snapping.
        auto index = std::make_shared<WalkNetwork::SegmentIndex>();
        std::vector<WalkNetwork::SegmentIndex::Value> values;
        for (EdgeIndex e = 0; e < net.m_edges.size(); ++e) {
            const double* p = net.edge_points(e);
            for (std::uint32_t i = 0; i + 1 < net.m_edges[e].point_count; ++i) {
                values.emplace_back(BSegment{BPoint{p[2 * i], p[2 * i + 1]}, BPoint{p[2 * i + 2], p[2 * i + 3]}}, e);
            }
        }
        index->tree = bgi::rtree<WalkNetwork::SegmentIndex::Value, bgi::rstar<16>>{values.begin(), values.end()};
        net.m_segments = std::move(index);
        m_ctx.log.info("walking network: " + std::to_string(nodes) + " nodes, " + std::to_string(net.m_edges.size()) +
                       " edges, " + format_fixed(net.m_total_length / 1000.0, 1) + " km, " +
                       std::to_string(net.m_component_count) + " components");
    }

    struct Split {
        std::size_t segment;
        double t;
        NodeIndex node;
    };
    struct Connector {
        NodeIndex from;
        NodeIndex to;
        double length;
        std::uint32_t line;
        BarrierClass cls;
    };

    const io::District& m_district;
    const NetworkConfig& m_config;
    const wrap::GeosContext& m_geos;
    RunContext& m_ctx;
    std::vector<Part> m_parts;
    std::unordered_map<Key, NodeIndex, KeyHash> m_node_of;
    std::map<std::uint32_t, std::vector<Split>> m_splits;
    std::vector<Connector> m_connectors;
    std::set<std::pair<std::uint32_t, std::size_t>> m_vertex_nodes;
    WalkNetwork m_net;
};


WalkNetwork build_network(const io::District& district, const NetworkConfig& config, const wrap::GeosContext& geos,
                          RunContext& ctx) {
    const StageProgress progress{ctx, "network"};
    config.validate();
    return NetworkBuilder{district, config, geos, ctx}.run();
}

Snap WalkNetwork::snap(double x, double y, double cap) const {
    Snap best;
    if (!m_segments) {
        return best;
    }
    double best_d = unreachable;
    // Growing search boxes: exact point-segment distances, ties to the lowest edge.
    for (double r = std::min(25.0, cap);; r = std::min(r * 4.0, cap)) {
        const BBox box{BPoint{x - r, y - r}, BPoint{x + r, y + r}};
        for (auto it = m_segments->tree.qbegin(bgi::intersects(box)); it != m_segments->tree.qend(); ++it) {
            const auto& seg = it->first;
            double t = 0.0;
            const double ax = bg::get<0, 0>(seg);
            const double ay = bg::get<0, 1>(seg);
            const double bx = bg::get<1, 0>(seg);
            const double by = bg::get<1, 1>(seg);
            const double d = project(x, y, ax, ay, bx, by, t);
            const EdgeIndex e = it->second;
            if (d < best_d || (d == best_d && e < best.edge)) {
                best_d = d;
                best.edge = e;
                best.access_m = d;
                best.x = ax + t * (bx - ax);
                best.y = ay + t * (by - ay);
            }
        }
        if (best_d <= r || r >= cap) {
            break;
        }
    }
    if (best.edge == no_index || best_d > cap) {
        return Snap{};
    }
    // Offset along the edge: walk its polyline to the snapped segment.
    const Edge& e = m_edges[best.edge];
    const double* p = edge_points(best.edge);
    double along = 0.0;
    double best_seg = unreachable;
    double offset = 0.0;
    for (std::uint32_t i = 0; i + 1 < e.point_count; ++i) {
        double t = 0.0;
        const double d = project(x, y, p[2 * i], p[2 * i + 1], p[2 * i + 2], p[2 * i + 3], t);
        const double len = std::hypot(p[2 * i + 2] - p[2 * i], p[2 * i + 3] - p[2 * i + 1]);
        if (d < best_seg) {
            best_seg = d;
            offset = along + t * len;
        }
        along += len;
    }
    best.offset_m = std::clamp(offset, 0.0, e.length_m);
    return best;
}

std::vector<double> distances_from(const WalkNetwork& net, const std::vector<Snap>& sources, double limit_m,
                                   std::vector<std::uint32_t>* nearest) {
    std::vector<double> dist(net.node_count(), unreachable);
    std::vector<std::uint32_t> from(net.node_count(), no_index);
    using Item = std::pair<double, NodeIndex>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
    auto relax = [&](NodeIndex n, double d, std::uint32_t s) {
        if (d < dist[n] || (d == dist[n] && s < from[n])) {
            dist[n] = d;
            from[n] = s;
            heap.emplace(d, n);
        }
    };
    for (std::uint32_t s = 0; s < sources.size(); ++s) {
        const Snap& snap = sources[s];
        if (!snap.on_network()) {
            continue;
        }
        const Edge& e = net.edge(snap.edge);
        relax(e.from, snap.access_m + snap.offset_m, s);
        relax(e.to, snap.access_m + (e.length_m - snap.offset_m), s);
    }
    while (!heap.empty()) {
        const auto [d, n] = heap.top();
        heap.pop();
        if (d > dist[n]) {
            continue;
        }
        if (d > limit_m) {
            break;
        }
        for (const EdgeIndex* it = net.adjacent_begin(n); it != net.adjacent_end(n); ++it) {
            const Edge& e = net.edge(*it);
            relax(e.from == n ? e.to : e.from, d + e.length_m, from[n]);
        }
    }
    if (std::isfinite(limit_m)) {
        for (auto& d : dist) {
            if (d > limit_m) {
                d = unreachable;
            }
        }
    }
    if (nearest != nullptr) {
        *nearest = std::move(from);
    }
    return dist;
}

SourceDistances::SourceDistances(const WalkNetwork& net, const std::vector<Snap>& sources, double limit_m)
    : m_net(net), m_sources(sources) {
    m_node = distances_from(net, sources, limit_m, &m_nearest);
    for (std::uint32_t s = 0; s < sources.size(); ++s) {
        if (sources[s].on_network()) {
            m_on_edge.emplace_back(sources[s].edge, s);
        }
    }
    std::sort(m_on_edge.begin(), m_on_edge.end());
}

double SourceDistances::distance(const Snap& point, std::uint32_t* source) const {
    if (!point.on_network()) {
        if (source != nullptr) {
            *source = no_index;
        }
        return unreachable;
    }
    const Edge& e = m_net.edge(point.edge);
    double best = unreachable;
    std::uint32_t best_source = no_index;
    auto consider = [&](double d, std::uint32_t s) {
        if (d < best || (d == best && s < best_source)) {
            best = d;
            best_source = s;
        }
    };
    if (std::isfinite(m_node[e.from])) {
        consider(m_node[e.from] + point.offset_m, m_nearest[e.from]);
    }
    if (std::isfinite(m_node[e.to])) {
        consider(m_node[e.to] + (e.length_m - point.offset_m), m_nearest[e.to]);
    }
    auto it = std::lower_bound(m_on_edge.begin(), m_on_edge.end(), std::make_pair(point.edge, std::uint32_t{0}));
    for (; it != m_on_edge.end() && it->first == point.edge; ++it) {
        const Snap& s = m_sources[it->second];
        consider(s.access_m + std::fabs(s.offset_m - point.offset_m), it->second);
    }
    if (source != nullptr) {
        *source = best_source;
    }
    return std::isfinite(best) ? best + point.access_m : unreachable;
}

BoundedDistances::BoundedDistances(const WalkNetwork& net) : m_net(&net), m_node(net.node_count(), unreachable) {}

void BoundedDistances::run(const Snap& source, double limit_m) {
    for (const NodeIndex n : m_touched) {
        m_node[n] = unreachable;
    }
    m_touched.clear();
    m_heap.clear();
    m_source = source;
    m_limit = limit_m;
    if (!source.on_network()) {
        return;
    }
    const auto later = [](const std::pair<double, NodeIndex>& a, const std::pair<double, NodeIndex>& b) { return a > b; };
    auto relax = [&](NodeIndex n, double d) {
        if (d < m_node[n]) {
            if (!std::isfinite(m_node[n])) {
                m_touched.push_back(n);
            }
            m_node[n] = d;
            m_heap.emplace_back(d, n);
            std::push_heap(m_heap.begin(), m_heap.end(), later);
        }
    };
    const Edge& e = m_net->edge(source.edge);
    relax(e.from, source.access_m + source.offset_m);
    relax(e.to, source.access_m + (e.length_m - source.offset_m));
    while (!m_heap.empty()) {
        std::pop_heap(m_heap.begin(), m_heap.end(), later);
        const auto [d, n] = m_heap.back();
        m_heap.pop_back();
        if (d > m_node[n]) {
            continue;
        }
        if (d > limit_m) {
            break;
        }
        for (const EdgeIndex* it = m_net->adjacent_begin(n); it != m_net->adjacent_end(n); ++it) {
            const Edge& next = m_net->edge(*it);
            relax(next.from == n ? next.to : next.from, d + next.length_m);
        }
    }
}

double BoundedDistances::distance(const Snap& point) const {
    if (!point.on_network() || !m_source.on_network()) {
        return unreachable;
    }
    const Edge& e = m_net->edge(point.edge);
    double best = unreachable;
    // Nodes beyond the limit count as unreached, as in distances_from.
    if (m_node[e.from] <= m_limit) {
        best = std::min(best, m_node[e.from] + point.offset_m);
    }
    if (m_node[e.to] <= m_limit) {
        best = std::min(best, m_node[e.to] + (e.length_m - point.offset_m));
    }
    if (point.edge == m_source.edge) {
        best = std::min(best, m_source.access_m + std::fabs(m_source.offset_m - point.offset_m));
    }
    return std::isfinite(best) ? best + point.access_m : unreachable;
}

} // namespace gridplan::network
