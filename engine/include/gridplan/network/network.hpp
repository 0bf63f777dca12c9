#pragma once
// The walking network: walkable lines (roads, streets, alleys, paths; never rivers)
// joined where they share a vertex or an endpoint touches another line. Bridges,
// tunnels and lines on other layers cross without joining. Points (households,
// centres) are snapped to the nearest edge; the straight access leg counts.

#include "gridplan/core/barrier.hpp"
#include "gridplan/core/run_context.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/wrap/geos.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace gridplan::network {

using NodeIndex = std::uint32_t;
using EdgeIndex = std::uint32_t;
constexpr std::uint32_t no_index = std::numeric_limits<std::uint32_t>::max();
constexpr double unreachable = std::numeric_limits<double>::infinity();

struct NetworkConfig {
    /// An endpoint this close to another line joins it (a T-junction without a vertex).
    double junction_tolerance_m = 0.5;
    /// Points farther than this from every walkable edge are not on the network.
    double snap_cap_m = 300.0;

    void validate() const;
};

struct Edge {
    NodeIndex from = no_index;
    NodeIndex to = no_index;
    double length_m = 0.0;
    std::uint32_t first_point = 0;  ///< into WalkNetwork::points (x, y pairs)
    std::uint32_t point_count = 0;
    BarrierClass cls = BarrierClass::none;
    std::uint32_t line = 0;         ///< index of the District barrier line
};

/// Where a point meets the network.
struct Snap {
    EdgeIndex edge = no_index;
    double offset_m = 0.0;  ///< along the edge from its `from` node
    double access_m = 0.0;  ///< straight leg from the point to the edge
    double x = 0.0;         ///< the point on the edge
    double y = 0.0;
    bool on_network() const noexcept { return edge != no_index; }
};

class WalkNetwork {
public:
    std::size_t node_count() const noexcept { return m_node_xy.size() / 2; }
    std::size_t edge_count() const noexcept { return m_edges.size(); }
    double node_x(NodeIndex n) const { return m_node_xy[2 * n]; }
    double node_y(NodeIndex n) const { return m_node_xy[2 * n + 1]; }
    const Edge& edge(EdgeIndex e) const { return m_edges[e]; }
    const std::vector<Edge>& edges() const noexcept { return m_edges; }
    /// Edges at node n (compressed adjacency).
    const EdgeIndex* adjacent_begin(NodeIndex n) const { return m_adjacent.data() + m_offsets[n]; }
    const EdgeIndex* adjacent_end(NodeIndex n) const { return m_adjacent.data() + m_offsets[n + 1]; }
    /// x, y pairs of an edge's polyline, from `from` to `to`.
    const double* edge_points(EdgeIndex e) const { return m_points.data() + 2 * std::size_t{m_edges[e].first_point}; }
    /// Connected component of a node (0..component_count-1, largest first).
    std::uint32_t component(NodeIndex n) const { return m_component[n]; }
    std::size_t component_count() const noexcept { return m_component_count; }
    double total_length_m() const noexcept { return m_total_length; }

    /// Snaps a point to the nearest edge within `cap` metres (not on network otherwise).
    Snap snap(double x, double y, double cap) const;

private:
    friend WalkNetwork build_network(const io::District&, const NetworkConfig&, const wrap::GeosContext&, RunContext&);
    friend class NetworkBuilder;
    struct SegmentIndex;

    std::vector<double> m_node_xy;
    std::vector<Edge> m_edges;
    std::vector<double> m_points;
    std::vector<std::uint32_t> m_offsets;
    std::vector<EdgeIndex> m_adjacent;
    std::vector<std::uint32_t> m_component;
    std::size_t m_component_count = 0;
    double m_total_length = 0.0;
    std::shared_ptr<const SegmentIndex> m_segments;
};

/// Builds the walking network from the district's walkable lines.
WalkNetwork build_network(const io::District& district, const NetworkConfig& config, const wrap::GeosContext& geos,
                          RunContext& ctx);

/// Multi-source shortest paths: for every node, the network distance (metres, access legs
/// included) to the nearest source, `unreachable` if none, stopping beyond `limit_m`.
/// `nearest` (if given) receives the index of that source for every node.
std::vector<double> distances_from(const WalkNetwork& net, const std::vector<Snap>& sources, double limit_m,
                                   std::vector<std::uint32_t>* nearest = nullptr);

/// For points snapped to the network: the distance from the nearest source (and its
/// index), using node distances and sources that share the point's edge.
class SourceDistances {
public:
    SourceDistances(const WalkNetwork& net, const std::vector<Snap>& sources, double limit_m);
    /// Distance of a snapped point to its nearest source (unreachable if none).
    double distance(const Snap& point, std::uint32_t* source = nullptr) const;
    const std::vector<double>& node_distances() const noexcept { return m_node; }

private:
    const WalkNetwork& m_net;
    const std::vector<Snap>& m_sources;
    std::vector<double> m_node;
    std::vector<std::uint32_t> m_nearest;
    /// Sources on each edge that has any: (edge, source index), sorted.
    std::vector<std::pair<EdgeIndex, std::uint32_t>> m_on_edge;
};

/// Distances from one source up to a limit, reusing its buffers from one search to the
/// next, so that a search costs only the part of the network it reaches (for many small
/// searches). Gives the same distances as SourceDistances with that one source.
class BoundedDistances {
public:
    explicit BoundedDistances(const WalkNetwork& net);
    void run(const Snap& source, double limit_m);
    /// Distance of a snapped point to the source (unreachable if none within the limit).
    double distance(const Snap& point) const;

private:
    const WalkNetwork* m_net;
    Snap m_source;
    double m_limit = 0.0;
    std::vector<double> m_node;
    std::vector<NodeIndex> m_touched;
    std::vector<std::pair<double, NodeIndex>> m_heap;
};

} // namespace gridplan::network
