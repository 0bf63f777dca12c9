// The band flow (band_flow.hpp): successive shortest paths with Bellman-Ford, since the
// "must" arcs carry a large negative cost. Nodes: the grids, a source S and a sink T.
//   S -> v   must: excess above high, cost -M;  may: what v can give down to low, cost 0
//   v -> T   must: deficit below low, cost -M;  may: room up to high, cost 0
//   u -> v   unbounded, cost 1 (one grid crossed), both ways between neighbours
// Paths are taken while their cost is negative: those that meet a must (a "may" arc at one
// end costs its hops minus M, must arcs at both ends minus 2M), and those that reroute
// earlier flow more cheaply (over reverse arcs). So the musts met are the most possible,
// then the total hops the least. Costs stay integers.
#include "partition/detail/band_flow.hpp"

#include "gridplan/core/error.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace gridplan::partition::detail {

namespace {

struct Arc {
    std::uint32_t to;
    std::int64_t capacity;
    std::int64_t cost;
    std::uint32_t reverse;  ///< index of the reverse arc in arcs[to]
};

class FlowGraph {
public:
    explicit FlowGraph(std::size_t n) : m_arcs(n) {}

    /// Adds an arc and its residual reverse; returns (node, index) of the forward arc.
    std::pair<std::uint32_t, std::uint32_t> add(std::uint32_t from, std::uint32_t to, std::int64_t capacity,
                                                std::int64_t cost) {
        const auto forward = static_cast<std::uint32_t>(m_arcs[from].size());
        const auto backward = static_cast<std::uint32_t>(m_arcs[to].size() + (from == to ? 1 : 0));
        m_arcs[from].push_back({to, capacity, cost, backward});
        m_arcs[to].push_back({from, 0, -cost, forward});
        return {from, forward};
    }

    const Arc& arc(std::pair<std::uint32_t, std::uint32_t> at) const { return m_arcs[at.first][at.second]; }

    /// Augments along the cheapest s-t path while its cost is negative.
    void run(std::uint32_t s, std::uint32_t t) {
        const std::size_t n = m_arcs.size();
        constexpr std::int64_t inf = std::numeric_limits<std::int64_t>::max() / 4;
        for (std::size_t round = 0; round < 100000; ++round) {
            std::vector<std::int64_t> dist(n, inf);
            std::vector<std::pair<std::uint32_t, std::uint32_t>> via(n, {0, 0});
            dist[s] = 0;
            // Bellman-Ford: no negative cycle exists in the residual graph of shortest-path
            // augmentations, so n - 1 rounds settle it.
            for (std::size_t pass = 0; pass + 1 < n; ++pass) {
                bool changed = false;
                for (std::uint32_t u = 0; u < n; ++u) {
                    if (dist[u] == inf) {
                        continue;
                    }
                    for (std::uint32_t k = 0; k < m_arcs[u].size(); ++k) {
                        const Arc& a = m_arcs[u][k];
                        if (a.capacity > 0 && dist[u] + a.cost < dist[a.to]) {
                            dist[a.to] = dist[u] + a.cost;
                            via[a.to] = {u, k};
                            changed = true;
                        }
                    }
                }
                if (!changed) {
                    break;
                }
            }
            if (dist[t] >= 0) {
                return;  // no path that meets a must
            }
            std::int64_t push = inf;
            for (std::uint32_t v = t; v != s; v = via[v].first) {
                push = std::min(push, m_arcs[via[v].first][via[v].second].capacity);
            }
            for (std::uint32_t v = t; v != s; v = via[v].first) {
                Arc& a = m_arcs[via[v].first][via[v].second];
                a.capacity -= push;
                m_arcs[a.to][a.reverse].capacity += push;
            }
        }
        throw InternalError{"band_flow: no convergence"};
    }

private:
    std::vector<std::vector<Arc>> m_arcs;
};

} // namespace

BandFlow band_flow(const std::vector<BandFlowNode>& nodes,
                   const std::vector<std::pair<std::uint32_t, std::uint32_t>>& adjacent) {
    const auto n = static_cast<std::uint32_t>(nodes.size());
    const std::uint32_t s = n;
    const std::uint32_t t = n + 1;
    // M above any path's length: every must is worth more than any detour.
    const std::int64_t must_cost = -(static_cast<std::int64_t>(n) + 2);
    constexpr std::int64_t unbounded = std::numeric_limits<std::int64_t>::max() / 8;
    FlowGraph graph{n + 2};
    std::vector<std::pair<std::uint32_t, std::uint32_t>> must_out(n);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> must_in(n);
    std::vector<std::int64_t> must_out_amount(n, 0);
    std::vector<std::int64_t> must_in_amount(n, 0);
    for (std::uint32_t v = 0; v < n; ++v) {
        const BandFlowNode& node = nodes[v];
        if (node.low > node.high) {
            throw InternalError{"band_flow: node " + std::to_string(v) + " has low above high"};
        }
        const std::int64_t load = std::max<std::int64_t>(0, node.load);
        must_out_amount[v] = std::max<std::int64_t>(0, load - node.high);
        must_in_amount[v] = node.takes ? std::max<std::int64_t>(0, node.low - load) : 0;
        must_out[v] = graph.add(s, v, must_out_amount[v], must_cost);
        must_in[v] = graph.add(v, t, must_in_amount[v], must_cost);
        const std::int64_t may_give = std::max<std::int64_t>(0, std::min(load, node.high) - node.low);
        const std::int64_t may_take = node.takes ? std::max<std::int64_t>(0, node.high - std::max(load, node.low)) : 0;
        graph.add(s, v, may_give, 0);
        graph.add(v, t, may_take, 0);
    }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (auto [u, v] : adjacent) {
        if (u == v || u >= n || v >= n) {
            continue;
        }
        pairs.emplace_back(std::min(u, v), std::max(u, v));
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<std::uint32_t, std::uint32_t>> arc_of;
    for (const auto& [u, v] : pairs) {
        if (nodes[v].takes) {
            arc_of[{u, v}] = graph.add(u, v, unbounded, 1);
        }
        if (nodes[u].takes) {
            arc_of[{v, u}] = graph.add(v, u, unbounded, 1);
        }
    }
    graph.run(s, t);
    BandFlow out;
    // Net amounts (a shortest-path flow never sends both ways, but be safe).
    for (const auto& [key, at] : arc_of) {
        const std::int64_t forward = unbounded - graph.arc(at).capacity;
        const auto back = arc_of.find({key.second, key.first});
        const std::int64_t backward = back == arc_of.end() ? 0 : unbounded - graph.arc(back->second).capacity;
        if (forward > backward) {
            out.edges.push_back({key.first, key.second, forward - backward});
        }
    }
    for (std::uint32_t v = 0; v < n; ++v) {
        out.unmet += graph.arc(must_out[v]).capacity + graph.arc(must_in[v]).capacity;
    }
    return out;
}

} // namespace gridplan::partition::detail
