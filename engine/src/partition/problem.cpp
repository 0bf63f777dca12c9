// Stage 1, the problem: atoms, the atom graph, parts, snaps and the starts' shared sites.
#include "partition/detail/problem.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/union_find.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <thread>

namespace gridplan::partition::detail {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BPoint = bg::model::d2::point_xy<double>;
using BBox = bg::model::box<BPoint>;

namespace {

/// How each start seeds its grids.
constexpr std::array<SeedMode, 6> start_seeds{SeedMode::centres, SeedMode::cover,          SeedMode::clusters,
                                              SeedMode::centres, SeedMode::cover_existing, SeedMode::clusters};

} // namespace

SeedMode seed_mode(int start) { return start_seeds[static_cast<std::size_t>(start) % start_seeds.size()]; }

Problem::Problem(const io::District& district, const blocks::BlocksResult& blocks, const network::WalkNetwork& net,
                 const std::vector<io::PolygonFeature>& nests, const PartitionConfig& config,
                 const wrap::GeosContext& geos, RunContext& ctx, const ProblemOptions& options)
    : m_district(district), m_blocks(blocks), m_net(net), m_nests(nests), m_config(config), m_geos(geos) {
    build_trees();
    sample_walk_beside();
    find_crossings();
    build_atoms(options.merge, options.units, ctx);
    build_atom_graph();
    if (options.parts) {
        link_parts(ctx);
    }
    std::size_t edges = 0, strong = 0;
    for (const auto& a : m_atoms) {
        edges += a.edges.size();
        for (const auto& e : a.edges) {
            strong += e.strong ? 1 : 0;
        }
    }
    ctx.log.debug("atom graph: " + std::to_string(m_atoms.size()) + " atoms, " + std::to_string(edges / 2) + " edges, " +
                  std::to_string(strong / 2) + " strong (" + std::to_string(m_edges_not_walked) +
                  " crossable but not joined on foot), " + std::to_string(part_count()) + " parts, " +
                  std::to_string(m_part_links.size()) + " linked");
    // What the starts share, computed once (GEOS is used only here, not in the starts).
    locate_centres();
    prepare_sites();
    if (options.cover_sites) {
        bool any_cover = false;
        for (int start = 0; start < start_count(); ++start) {
            any_cover = any_cover || is_cover(seed_mode(start));
        }
        if (any_cover) {
            prepare_cover_sites(ctx.threads);
        }
    }
}

int Problem::start_count() const noexcept {
    return m_atoms.size() <= tuning().max_atoms_for_restarts ? tuning().restarts : 1;
}

/// The R-trees of block boxes (block_at, keep-together units) and of walkable lines
/// other than rivers (bridged), built before anything queries them.
void Problem::build_trees() {
    const auto& blocks = m_blocks.blocks;
    std::vector<std::pair<BBox, std::uint32_t>> boxes;
    for (std::uint32_t b = 0; b < blocks.size(); ++b) {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        m_geos.bounds(blocks[b].geom.get(), x0, y0, x1, y1);
        boxes.emplace_back(BBox{BPoint{x0, y0}, BPoint{x1, y1}}, b);
    }
    m_block_tree = Tree{boxes.begin(), boxes.end()};
    std::vector<std::pair<BBox, std::uint32_t>> lines;
    for (std::uint32_t i = 0; i < m_district.barriers.size(); ++i) {
        const auto& b = m_district.barriers[i];
        if (!b.walkable || b.cls == BarrierClass::river) {
            continue;
        }
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        if (m_geos.bounds(b.geom.get(), x0, y0, x1, y1)) {
            lines.emplace_back(BBox{BPoint{x0, y0}, BPoint{x1, y1}}, i);
        }
    }
    m_walkable_tree = Tree{lines.begin(), lines.end()};
}

// --- atoms -------------------------------------------------------------------------------

void Problem::build_atoms(bool merge, bool units, RunContext& ctx) {
    const auto& blocks = m_blocks.blocks;
    const std::size_t n = blocks.size();
    // Households are measured from where they join the network, as in the outputs.
    m_household_snap.resize(m_district.households.size());
    for (std::size_t i = 0; i < m_district.households.size(); ++i) {
        if (m_blocks.household_block[i].valid()) {
            m_household_snap[i] =
                m_net.snap(m_district.households[i].x, m_district.households[i].y, tuning().household_snap_m);
        }
    }
    m_crossable.assign(m_blocks.adjacency.size(), -1);
    IdVector<BlockId, std::vector<std::uint32_t>> block_adj(n);  // adjacency indices of each block
    for (std::uint32_t i = 0; i < m_blocks.adjacency.size(); ++i) {
        const auto& a = m_blocks.adjacency[i];
        block_adj[a.a].push_back(i);
        block_adj[a.b].push_back(i);
    }
    // Nest polygon of each block (by its label point).
    m_block_nest.assign(n, -1);
    if (!m_nests.empty()) {
        std::vector<wrap::PreparedPtr> prepared;
        for (const auto& nest : m_nests) {
            prepared.push_back(m_geos.prepare(nest.geom.get()));
        }
        for (const BlockId b : ids<BlockId>(n)) {
            wrap::GeomPtr p = m_geos.point(blocks[b.value()].label_x, blocks[b.value()].label_y);
            for (std::size_t k = 0; k < prepared.size(); ++k) {
                if (m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), prepared[k].get(), p.get()), "nest")) {
                    m_block_nest[b] = static_cast<int>(k);
                    break;
                }
            }
        }
    }
    UnionFind uf{n};
    if (!merge) {
        m_block_nest.assign(n, -1);
    }
    // Water blocks join the neighbour they share the longest edge with (a land one if any).
    for (const BlockId b : ids<BlockId>(merge ? n : 0)) {
        if (!blocks[b.value()].water) {
            continue;
        }
        const BlockId target = longest_neighbour(b, block_adj, [](BlockId) { return true; });
        if (target.valid()) {
            uf.unite(b.value(), target.value());
        }
    }
    // Land with no households that no walk joins to households (between motorway ramps,
    // behind a fence of rivers) joins, ring by ring from the blocks that walk to
    // households, the neighbour it shares the longest edge with: it may belong to a grid
    // but never becomes a part of its own.
    if (merge) {
        merge_stranded(block_adj, uf);
    }
    // Keep-together units: every block overlapping the unit's outline.
    if (merge && units && !m_district.unit_areas.empty()) {
        std::size_t conflicts = 0;
        for (const auto& unit : m_district.unit_areas) {
            double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            if (!m_geos.bounds(unit.geom.get(), x0, y0, x1, y1)) {
                continue;
            }
            wrap::PreparedPtr prepared = m_geos.prepare(unit.geom.get());
            std::vector<BlockId> members;
            for (auto it = m_block_tree.qbegin(bgi::intersects(BBox{BPoint{x0, y0}, BPoint{x1, y1}}));
                 it != m_block_tree.qend(); ++it) {
                const BlockId b{it->second};
                const GEOSGeometry* geom = blocks[b.value()].geom.get();
                if (!m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), prepared.get(), geom), "unit")) {
                    continue;
                }
                wrap::GeomPtr x = m_geos.own(GEOSIntersection_r(m_geos.handle(), unit.geom.get(), geom), "unit overlap");
                if (m_geos.area(x.get()) > tuning().unit_overlap_m2) {
                    members.push_back(b);
                }
            }
            std::sort(members.begin(), members.end());
            for (std::size_t k = 1; k < members.size(); ++k) {
                if (m_block_nest[members[k]] != m_block_nest[members[0]]) {
                    ++conflicts;
                    continue;
                }
                uf.unite(members[0].value(), members[k].value());
            }
        }
        if (conflicts > 0) {
            ctx.log.warning(std::to_string(conflicts) +
                            " keep-together units straddle a nest_within boundary; kept apart there");
        }
    }
    // Atoms in block order.
    m_atom_of_block.assign(n, AtomId{});
    std::map<std::uint32_t, AtomId> atom_of_root;
    for (const BlockId b : ids<BlockId>(n)) {
        const auto root = uf.find(b.value());
        auto [it, inserted] = atom_of_root.try_emplace(root, m_atoms.next_id());
        if (inserted) {
            m_atoms.emplace_back();
        }
        m_atom_of_block[b] = it->second;
        Atom& a = m_atoms[it->second];
        a.blocks.push_back(b);
        a.households += blocks[b.value()].households;
        a.nest = m_block_nest[b];
    }
    // Household-weighted centroids.
    IdVector<AtomId, double> sx(m_atoms.size(), 0.0);
    IdVector<AtomId, double> sy(m_atoms.size(), 0.0);
    for (std::size_t i = 0; i < m_district.households.size(); ++i) {
        const BlockId b = m_blocks.household_block[i];
        if (!b.valid()) {
            continue;
        }
        const AtomId atom = m_atom_of_block[b];
        const auto& h = m_district.households[i];
        sx[atom] += h.x * h.count;
        sy[atom] += h.y * h.count;
        m_atoms[atom].household_points.push_back(static_cast<std::uint32_t>(i));
    }
    for (const AtomId a : m_atoms.ids()) {
        Atom& atom = m_atoms[a];
        if (atom.households > 0) {
            atom.x = sx[a] / static_cast<double>(atom.households);
            atom.y = sy[a] / static_cast<double>(atom.households);
        } else {
            double area = 0.0;
            for (const auto b : atom.blocks) {
                atom.x += blocks[b.value()].label_x * blocks[b.value()].area_m2;
                atom.y += blocks[b.value()].label_y * blocks[b.value()].area_m2;
                area += blocks[b.value()].area_m2;
            }
            atom.x /= std::max(area, 1e-9);
            atom.y /= std::max(area, 1e-9);
        }
        atom.snap = m_net.snap(atom.x, atom.y, tuning().atom_snap_m);
    }
    for (const auto& a : m_atoms) {
        m_households += a.households;
    }
}

/// The neighbour of block b (same nest, `eligible`) it shares the longest edge with, a land
/// one if any; invalid if none.
BlockId Problem::longest_neighbour(BlockId b, const IdVector<BlockId, std::vector<std::uint32_t>>& block_adj,
                                   const std::function<bool(BlockId)>& eligible) const {
    double best = -1.0;
    BlockId target;
    bool best_land = false;
    for (const auto ai : block_adj[b]) {
        const auto& a = m_blocks.adjacency[ai];
        const BlockId other = a.a == b ? a.b : a.a;
        if (m_block_nest[other] != m_block_nest[b] || !eligible(other)) {
            continue;
        }
        const bool land = !m_blocks.blocks[other.value()].water;
        if ((land && !best_land) || (land == best_land && a.shared_length_m > best)) {
            best = a.shared_length_m;
            target = other;
            best_land = land;
        }
    }
    return target;
}

/// Blocks of land with no households in a piece of the block graph (edges that may be
/// crossed and whose blocks' ways join, water blocks with their banks) that holds no
/// households: they join the nearest blocks outside such pieces, ring by ring, each the
/// neighbour of the ring before it that it shares the longest edge with.
void Problem::merge_stranded(const IdVector<BlockId, std::vector<std::uint32_t>>& block_adj, UnionFind& uf) {
    const auto& blocks = m_blocks.blocks;
    const std::size_t n = blocks.size();
    std::vector<std::uint32_t> self(n);
    std::iota(self.begin(), self.end(), 0U);
    const WalkView view = walk_view(self, n);
    UnionFind pieces{n};
    for (std::size_t i = 0; i < m_blocks.adjacency.size(); ++i) {
        const auto& a = m_blocks.adjacency[i];
        if (m_block_nest[a.a] != m_block_nest[a.b]) {
            continue;
        }
        const bool merged = uf.find(a.a.value()) == uf.find(a.b.value());  // water with its bank
        if (merged || (crossable(i) && walk_linked(view, a.a.value(), a.b.value()))) {
            pieces.unite(a.a.value(), a.b.value());
        }
    }
    std::vector<std::int64_t> piece_households(n, 0);
    for (const BlockId b : ids<BlockId>(n)) {
        piece_households[pieces.find(b.value())] += blocks[b.value()].households;
    }
    IdVector<BlockId, int> ring(n, -1);
    std::vector<BlockId> frontier;
    for (const BlockId b : ids<BlockId>(n)) {
        if (piece_households[pieces.find(b.value())] > 0 || blocks[b.value()].water) {
            ring[b] = 0;
            frontier.push_back(b);
        }
    }
    for (int k = 1; !frontier.empty(); ++k) {
        std::vector<BlockId> next;
        for (const BlockId f : frontier) {
            for (const auto ai : block_adj[f]) {
                const auto& a = m_blocks.adjacency[ai];
                const BlockId b = a.a == f ? a.b : a.a;
                if (ring[b] == -1 && m_block_nest[b] == m_block_nest[f]) {
                    ring[b] = k;
                    next.push_back(b);
                }
            }
        }
        std::sort(next.begin(), next.end());
        for (const BlockId b : next) {
            const BlockId target = longest_neighbour(b, block_adj, [&](BlockId o) { return ring[o] == k - 1; });
            uf.unite(b.value(), target.value());
        }
        frontier = std::move(next);
    }
}

// --- the walking network seen from the blocks and atoms ---------------------------------

/// The blocks beside every edge of the walking network: those holding points
/// walk_check_edge_m / 2 to the left and right of every segment, every walk_sample_m along
/// long ones (a way inside a block has it on both sides, one on a block's edge the two
/// blocks it divides).
void Problem::sample_walk_beside() {
    const auto& blocks = m_blocks.blocks;
    const double half = 0.5 * tuning().walk_check_edge_m;
    std::vector<wrap::PreparedPtr> prepared(blocks.size());
    m_block_walk_inside.assign(blocks.size(), 0);
    m_edge_block_offset.assign(m_net.edge_count() + 1, 0);
    m_edge_blocks.clear();
    // Every segment at least once, long ones every walk_sample_m.
    const double spacing = tuning().walk_sample_m;
    std::vector<BlockId> beside;
    for (network::EdgeIndex e = 0; e < m_net.edge_count(); ++e) {
        const auto& edge = m_net.edge(e);
        const double* pts = m_net.edge_points(e);
        beside.clear();
        for (std::uint32_t k = 0; k + 1 < edge.point_count; ++k) {
            const double x1 = pts[2 * k], y1 = pts[2 * k + 1], x2 = pts[2 * k + 2], y2 = pts[2 * k + 3];
            const double len = std::hypot(x2 - x1, y2 - y1);
            if (len <= 0.0) {
                continue;
            }
            const double nx = -(y2 - y1) / len * half, ny = (x2 - x1) / len * half;
            const auto samples = static_cast<int>(std::max(1.0, std::floor(len / spacing)));
            for (int q = 0; q < samples; ++q) {
                const double t = (q + 0.5) / samples;
                const double mx = x1 + t * (x2 - x1), my = y1 + t * (y2 - y1);
                const BlockId left = block_at(mx + nx, my + ny, &prepared);
                const BlockId right = block_at(mx - nx, my - ny, &prepared);
                if (left.valid() && left == right) {
                    m_block_walk_inside[left] = 1;
                }
                for (const BlockId b : {left, right}) {
                    if (b.valid()) {
                        beside.push_back(b);
                    }
                }
            }
        }
        std::sort(beside.begin(), beside.end());
        beside.erase(std::unique(beside.begin(), beside.end()), beside.end());
        m_edge_blocks.insert(m_edge_blocks.end(), beside.begin(), beside.end());
        m_edge_block_offset[e + 1] = static_cast<std::uint32_t>(m_edge_blocks.size());
    }
}

Problem::WalkView Problem::walk_view(const std::vector<std::uint32_t>& unit_of_block, std::size_t units) const {
    WalkView v;
    v.edges.assign(units, {});
    for (network::EdgeIndex e = 0; e < m_net.edge_count(); ++e) {
        for (std::uint32_t k = m_edge_block_offset[e]; k < m_edge_block_offset[e + 1]; ++k) {
            auto& list = v.edges[unit_of_block[m_edge_blocks[k].value()]];
            if (list.empty() || list.back() != e) {
                list.push_back(e);
            }
        }
    }
    // Households on the ways beside their own unit, by piece.
    std::vector<std::int64_t> households(units, 0);
    std::vector<std::vector<std::pair<network::EdgeIndex, std::int64_t>>> on_edges(units);
    for (std::size_t i = 0; i < m_district.households.size(); ++i) {
        const BlockId b = m_blocks.household_block[i];
        if (!b.valid()) {
            continue;
        }
        const auto u = unit_of_block[b.value()];
        households[u] += m_district.households[i].count;
        if (m_household_snap[i].on_network()) {
            on_edges[u].emplace_back(m_household_snap[i].edge, m_district.households[i].count);
        }
    }
    v.main.assign(units, network::no_index);
    for (std::size_t u = 0; u < units; ++u) {
        const auto& edges = v.edges[u];
        if (edges.empty()) {
            continue;  // no way beside it: reached by no walk
        }
        UnionFind uf{edges.size()};
        join_at_nodes(edges, uf);
        std::map<std::size_t, std::pair<std::int64_t, double>> piece;  // households, length
        for (std::size_t k = 0; k < edges.size(); ++k) {
            piece[uf.find(k)].second += m_net.edge(edges[k]).length_m;
        }
        std::int64_t on_own = 0;
        for (const auto& [e, count] : on_edges[u]) {
            const auto it = std::lower_bound(edges.begin(), edges.end(), e);
            if (it != edges.end() && *it == e) {
                piece[uf.find(static_cast<std::size_t>(it - edges.begin()))].first += count;
                on_own += count;
            }
        }
        if (households[u] > 0 && on_own == 0) {
            v.main[u] = walk_unknown;  // its households walk from ways beside other units
            continue;
        }
        auto best = piece.begin();
        for (auto it = piece.begin(); it != piece.end(); ++it) {
            if (it->second.first > best->second.first ||
                (it->second.first == best->second.first && it->second.second > best->second.second + 1e-9)) {
                best = it;
            }
        }
        v.main[u] = edges[best->first];
    }
    return v;
}

/// Unites the edges (indices into `edges`, sorted) that meet at a node or cross.
void Problem::join_at_nodes(const std::vector<network::EdgeIndex>& edges, UnionFind& uf) const {
    std::map<network::NodeIndex, std::size_t> first_at;
    for (std::size_t k = 0; k < edges.size(); ++k) {
        const auto& edge = m_net.edge(edges[k]);
        for (const auto n : {edge.from, edge.to}) {
            const auto [it, inserted] = first_at.try_emplace(n, k);
            if (!inserted) {
                uf.unite(it->second, k);
            }
        }
        for (auto c = crossing_begin(edges[k]); c != crossing_end(edges[k]); ++c) {
            const auto it = std::lower_bound(edges.begin(), edges.end(), *c);
            if (it != edges.end() && *it == *c) {
                uf.unite(k, static_cast<std::size_t>(it - edges.begin()));
            }
        }
    }
}

/// The pairs of network edges that cross or touch away from a shared node (ways mapped
/// without a junction, a bridge over a street): the walk check joins them, as a resident
/// finds the way across on the ground and as an independent check noding all lines does.
void Problem::find_crossings() {
    using Segment = bg::model::segment<BPoint>;
    std::vector<std::pair<BBox, std::pair<network::EdgeIndex, std::uint32_t>>> boxes;
    for (network::EdgeIndex e = 0; e < m_net.edge_count(); ++e) {
        const double* pts = m_net.edge_points(e);
        for (std::uint32_t k = 0; k + 1 < m_net.edge(e).point_count; ++k) {
            const BPoint p{pts[2 * k], pts[2 * k + 1]};
            const BPoint q{pts[2 * k + 2], pts[2 * k + 3]};
            BBox box{p, p};
            bg::expand(box, q);
            boxes.push_back({box, {e, k}});
        }
    }
    const bgi::rtree<std::pair<BBox, std::pair<network::EdgeIndex, std::uint32_t>>, bgi::rstar<16>> tree{
        boxes.begin(), boxes.end()};
    std::vector<std::pair<network::EdgeIndex, network::EdgeIndex>> pairs;
    for (const auto& [box, at] : boxes) {
        const double* pts = m_net.edge_points(at.first);
        const Segment s{BPoint{pts[2 * at.second], pts[2 * at.second + 1]},
                        BPoint{pts[2 * at.second + 2], pts[2 * at.second + 3]}};
        for (auto it = tree.qbegin(bgi::intersects(box)); it != tree.qend(); ++it) {
            const auto other = it->second;
            if (other.first <= at.first) {
                continue;
            }
            const double* o = m_net.edge_points(other.first);
            const Segment t{BPoint{o[2 * other.second], o[2 * other.second + 1]},
                            BPoint{o[2 * other.second + 2], o[2 * other.second + 3]}};
            if (bg::intersects(s, t)) {
                pairs.emplace_back(at.first, other.first);
                pairs.emplace_back(other.first, at.first);
            }
        }
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    m_crossing_offset.assign(m_net.edge_count() + 1, 0);
    m_crossings.clear();
    for (const auto& [e, f] : pairs) {
        m_crossings.push_back(f);
        ++m_crossing_offset[e + 1];
    }
    for (std::size_t e = 0; e < m_net.edge_count(); ++e) {
        m_crossing_offset[e + 1] += m_crossing_offset[e];
    }
}

/// Whether the main pieces of units u and v are joined by the ways beside the two; true
/// when either's households walk from ways beside other units (nothing to go by).
bool Problem::walk_linked(const WalkView& view, std::size_t u, std::size_t v) const {
    if (view.main[u] == walk_unknown || view.main[v] == walk_unknown) {
        return true;
    }
    if (view.main[u] == network::no_index || view.main[v] == network::no_index) {
        return false;
    }
    std::vector<network::EdgeIndex> edges;
    std::set_union(view.edges[u].begin(), view.edges[u].end(), view.edges[v].begin(), view.edges[v].end(),
                   std::back_inserter(edges));
    UnionFind uf{edges.size()};
    join_at_nodes(edges, uf);
    const auto at = [&](network::EdgeIndex e) {
        return static_cast<std::size_t>(std::lower_bound(edges.begin(), edges.end(), e) - edges.begin());
    };
    return uf.find(at(view.main[u])) == uf.find(at(view.main[v]));
}

/// Whether an adjacency may join its blocks across its barrier: anything but a river, or a
/// river a bridge crosses (cached: the block and the atom graphs both ask).
bool Problem::crossable(std::size_t adjacency) const {
    auto& c = m_crossable[adjacency];
    if (c < 0) {
        const auto& adj = m_blocks.adjacency[adjacency];
        c = adj.barrier_class != BarrierClass::river || bridged(adj) ? 1 : 0;
    }
    return c == 1;
}

/// Whether a walkable line crosses the shared edge of two blocks (a bridge over a river):
/// its interior meets the edge at points (through the edge's interior or one of its
/// ends) without running along it. A street that only ends at the river is no bridge.
bool Problem::bridged(const blocks::Adjacency& a) const {
    const auto& ga = m_blocks.blocks[a.a.value()].geom;
    const auto& gb = m_blocks.blocks[a.b.value()].geom;
    wrap::GeomPtr ba = m_geos.own(GEOSBoundary_r(m_geos.handle(), ga.get()), "boundary");
    wrap::GeomPtr bb = m_geos.own(GEOSBoundary_r(m_geos.handle(), gb.get()), "boundary");
    wrap::GeomPtr shared = m_geos.own(GEOSIntersection_r(m_geos.handle(), ba.get(), bb.get()), "shared edge");
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    if (!m_geos.bounds(shared.get(), x0, y0, x1, y1)) {
        return false;
    }
    wrap::PreparedPtr prepared = m_geos.prepare(shared.get());
    for (auto it = m_walkable_tree.qbegin(bgi::intersects(BBox{BPoint{x0, y0}, BPoint{x1, y1}}));
         it != m_walkable_tree.qend(); ++it) {
        const GEOSGeometry* line = m_district.barriers[it->second].geom.get();
        if (!m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), prepared.get(), line), "bridge")) {
            continue;
        }
        auto relate = [&](const char* pattern) {
            return m_geos.check_bool(GEOSRelatePattern_r(m_geos.handle(), line, shared.get(), pattern), "relate");
        };
        if (!relate("1********") && (relate("0********") || relate("*0*******"))) {
            return true;
        }
    }
    return false;
}

void Problem::build_atom_graph() {
    std::vector<std::uint32_t> atom_of(m_blocks.blocks.size());
    for (std::size_t b = 0; b < atom_of.size(); ++b) {
        atom_of[b] = m_atom_of_block[BlockId{static_cast<std::uint32_t>(b)}].value();
    }
    const WalkView view = walk_view(atom_of, m_atoms.size());
    for (const AtomId a : m_atoms.ids()) {
        m_atoms[a].empty_land = std::all_of(m_atoms[a].blocks.begin(), m_atoms[a].blocks.end(), [&](BlockId b) {
            return !m_blocks.blocks[b.value()].water && m_blocks.blocks[b.value()].households == 0 &&
                   m_block_walk_inside[b] == 0;
        });
    }
    // An edge is strong when some shared edge may be crossed and the ways join.
    std::map<std::pair<AtomId, AtomId>, AtomEdge> edges;
    for (std::size_t i = 0; i < m_blocks.adjacency.size(); ++i) {
        const auto& adj = m_blocks.adjacency[i];
        const AtomId a = m_atom_of_block[adj.a];
        const AtomId b = m_atom_of_block[adj.b];
        if (a == b) {
            continue;
        }
        auto& e = edges[{std::min(a, b), std::max(a, b)}];
        for (std::size_t c = 0; c < barrier_class_count; ++c) {
            e.length[c] += adj.length_by_class[c];
        }
        if (m_atoms[a].nest != m_atoms[b].nest) {
            continue;  // never across a nest_within boundary
        }
        e.strong = e.strong || crossable(i);
    }
    for (auto& [ab, e] : edges) {
        if (e.strong && !walk_linked(view, ab.first.value(), ab.second.value())) {
            e.strong = false;
            ++m_edges_not_walked;
        }
    }
    for (const auto& [ab, e] : edges) {
        AtomEdge fwd = e;
        fwd.other = ab.second;
        m_atoms[ab.first].edges.push_back(fwd);
        AtomEdge back = e;
        back.other = ab.first;
        m_atoms[ab.second].edges.push_back(back);
    }
}

// --- parts -------------------------------------------------------------------------------

/// Components over strong edges; parts with fewer households than the band's lower bound
/// (none included) are attached to a neighbour, across water where they share an edge,
/// else to the nearest block of another part, so that they never become grids of their own.
void Problem::link_parts(RunContext& ctx) {
    const double low = m_config.band_low();
    for (int pass = 0; pass < tuning().max_island_links; ++pass) {
        label_parts();
        if (part_count() == 1) {
            break;
        }
        // The most populated part is what the others attach to, never attached itself.
        PartId largest = *part_ids().begin();
        for (const PartId c : part_ids()) {
            if (m_part_households[c] > m_part_households[largest]) {
                largest = c;
            }
        }
        bool changed = false;
        for (const PartId c : part_ids()) {
            if (c == largest || static_cast<double>(m_part_households[c]) >= low) {
                continue;
            }
            // The longest weak edge to another part (same nest).
            double best = 0.0;
            AtomId where_atom;
            std::size_t where_edge = 0;
            for (const AtomId a : m_atoms.ids()) {
                if (m_part[a] != c) {
                    continue;
                }
                for (std::size_t k = 0; k < m_atoms[a].edges.size(); ++k) {
                    const auto& e = m_atoms[a].edges[k];
                    if (!e.strong && m_part[e.other] != c && m_atoms[e.other].nest == m_atoms[a].nest &&
                        e.total() > best) {
                        best = e.total();
                        where_atom = a;
                        where_edge = k;
                    }
                }
            }
            PartLink link;
            for (const AtomId a : m_atoms.ids()) {
                if (m_part[a] == c) {
                    link.blocks.insert(link.blocks.end(), m_atoms[a].blocks.begin(), m_atoms[a].blocks.end());
                }
            }
            std::sort(link.blocks.begin(), link.blocks.end());
            link.households = m_part_households[c];
            if (where_atom.valid()) {
                auto& e = m_atoms[where_atom].edges[where_edge];
                e.strong = true;
                for (auto& back : m_atoms[e.other].edges) {
                    if (back.other == where_atom) {
                        back.strong = true;
                    }
                }
                link.from = m_atoms[where_atom].blocks.front();
                link.to = m_atoms[e.other].blocks.front();
                link.across_water = e.strongest() == BarrierClass::river;
            } else {
                // No shared edge at all (a fragment of a multi-part district): a link of
                // no length to the nearest block of another part.
                AtomId from;
                AtomId to;
                if (!nearest_other_part(c, from, to, link.from, link.to, link.gap_m)) {
                    continue;
                }
                AtomEdge fwd;
                fwd.other = to;
                fwd.strong = true;
                m_atoms[from].edges.push_back(fwd);
                AtomEdge back;
                back.other = from;
                back.strong = true;
                m_atoms[to].edges.push_back(back);
            }
            m_part_links.push_back(std::move(link));
            changed = true;
            break;  // relabel after each link
        }
        if (!changed) {
            break;
        }
    }
    if (!m_part_links.empty()) {
        std::int64_t households = 0;
        for (const auto& l : m_part_links) {
            households += l.households;
        }
        ctx.log.warning(std::to_string(m_part_links.size()) + " parts with no walkable link to the rest, holding " +
                        std::to_string(households) +
                        " households (fewer than the band's lower bound each), were attached to a neighbouring "
                        "grid; see unlinked_part in plan.json");
    }
}

bool Problem::nearest_other_part(PartId c, AtomId& from, AtomId& to, BlockId& from_block, BlockId& to_block,
                                 double& gap) const {
    const auto& blocks = m_blocks.blocks;
    bool found = false;
    gap = std::numeric_limits<double>::infinity();
    for (const AtomId a : m_atoms.ids()) {
        if (m_part[a] != c) {
            continue;
        }
        for (const BlockId b : m_atoms[a].blocks) {
            double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            m_geos.bounds(blocks[b.value()].geom.get(), x0, y0, x1, y1);
            const BBox box{BPoint{x0, y0}, BPoint{x1, y1}};
            // The nearest boxes first; enough of them to pass the part's own blocks.
            for (std::size_t k = 16; k <= 4096; k *= 4) {
                bool other = false;
                for (auto it = m_block_tree.qbegin(bgi::nearest(box, static_cast<unsigned>(k)));
                     it != m_block_tree.qend(); ++it) {
                    const BlockId o{it->second};
                    const AtomId oa = m_atom_of_block[o];
                    if (m_part[oa] == c || m_atoms[oa].nest != m_atoms[a].nest) {
                        continue;
                    }
                    other = true;
                    double d = 0.0;
                    m_geos.check_status(
                        GEOSDistance_r(m_geos.handle(), blocks[b.value()].geom.get(), blocks[o.value()].geom.get(), &d),
                        "distance");
                    if (d < gap - 1e-9 || (std::fabs(d - gap) <= 1e-9 && found && o < to_block)) {
                        gap = d;
                        from = a;
                        to = oa;
                        from_block = b;
                        to_block = o;
                        found = true;
                    }
                }
                if (other || k >= m_block_tree.size()) {
                    break;
                }
            }
        }
    }
    return found;
}

void Problem::label_parts() {
    m_part.assign(m_atoms.size(), PartId{});
    m_part_households.clear();
    for (const AtomId s : m_atoms.ids()) {
        if (m_part[s].valid()) {
            continue;
        }
        const PartId c = m_part_households.next_id();
        m_part_households.push_back(0);
        std::vector<AtomId> queue{s};
        m_part[s] = c;
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const AtomId a = queue[q];
            m_part_households[c] += m_atoms[a].households;
            for (const auto& e : m_atoms[a].edges) {
                if (e.strong && !m_part[e.other].valid()) {
                    m_part[e.other] = c;
                    queue.push_back(e.other);
                }
            }
        }
    }
}

// --- walk data ----------------------------------------------------------------------------

std::int64_t Problem::households_within(const network::BoundedDistances& d, const Atom& atom) const {
    std::int64_t within = 0;
    for (const auto i : atom.household_points) {
        if (d.distance(m_household_snap[i]) <= m_config.walk_radius_m) {
            within += m_district.households[i].count;
        }
    }
    return within;
}

std::int64_t Problem::within_from(network::BoundedDistances& search, const network::Snap& site,
                                  const std::vector<AtomId>& atoms) const {
    if (!site.on_network()) {
        return 0;
    }
    search.run(site, m_config.walk_radius_m);
    std::int64_t within = 0;
    for (const auto a : atoms) {
        within += households_within(search, m_atoms[a]);
    }
    return within;
}

// --- what the starts share ----------------------------------------------------------------

BlockId Problem::block_at(double x, double y) const { return block_at(x, y, nullptr); }

BlockId Problem::block_at(double x, double y, std::vector<wrap::PreparedPtr>* prepared) const {
    const auto& blocks = m_blocks.blocks;
    std::vector<BlockId> candidates;
    blocks_in_box(x, y, x, y, candidates);
    if (candidates.empty()) {
        return BlockId{};
    }
    wrap::GeomPtr pt = m_geos.point(x, y);
    for (const BlockId b : candidates) {
        const GEOSGeometry* geom = blocks[b.value()].geom.get();
        bool in = false;
        if (prepared != nullptr) {
            auto& slot = (*prepared)[b.value()];
            if (!slot) {
                slot = m_geos.prepare(geom);
            }
            in = m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), slot.get(), pt.get()), "point in block");
        } else {
            in = m_geos.check_bool(GEOSIntersects_r(m_geos.handle(), geom, pt.get()), "point in block");
        }
        if (in) {
            return b;
        }
    }
    return BlockId{};
}

void Problem::blocks_in_box(double x0, double y0, double x1, double y1, std::vector<BlockId>& out) const {
    out.clear();
    for (auto it = m_block_tree.qbegin(bgi::intersects(BBox{BPoint{x0, y0}, BPoint{x1, y1}}));
         it != m_block_tree.qend(); ++it) {
        out.push_back(BlockId{it->second});
    }
    std::sort(out.begin(), out.end());
}

/// The atom each existing centre stands in (invalid outside every block).
void Problem::locate_centres() {
    m_centre_atom.assign(m_district.centres.size(), AtomId{});
    for (const CentreId c : m_centre_atom.ids()) {
        const auto& centre = m_district.centres[c.value()];
        const BlockId b = block_at(centre.x, centre.y);
        if (b.valid()) {
            m_centre_atom[c] = m_atom_of_block[b];
        }
    }
}

/// How well each existing centre is placed, and which street nodes may host a proposed
/// centre (those inside the district's blocks).
void Problem::prepare_sites() {
    // Households within the walk radius of each existing centre: one whose radius holds
    // fewer than the band's lower bound (at the district's edge, by a park or a river) is
    // badly placed and anchors no grid.
    std::vector<AtomId> all_atoms;
    for (const AtomId a : m_atoms.ids()) {
        all_atoms.push_back(a);
    }
    network::BoundedDistances search{m_net};
    m_centre_reach.assign(m_district.centres.size(), 0.0);
    for (const CentreId c : m_centre_reach.ids()) {
        const auto& centre = m_district.centres[c.value()];
        const auto snap = m_net.snap(centre.x, centre.y, tuning().centre_snap_m);
        m_centre_reach[c] = static_cast<double>(within_from(search, snap, all_atoms));
    }
    m_node_atom.assign(m_net.node_count(), AtomId{});
    for (network::NodeIndex n = 0; n < m_net.node_count(); ++n) {
        const BlockId b = block_at(m_net.node_x(n), m_net.node_y(n));
        m_node_atom[n] = b.valid() ? m_atom_of_block[b] : AtomId{};
    }
}

/// Candidate sites for the cover seeds: the existing centres and one street node in every
/// cell of a fine grid, each with the household points its radius reaches.
void Problem::prepare_cover_sites(std::size_t thread_count) {
    const double radius = m_config.walk_radius_m;
    for (const CentreId c : m_centre_atom.ids()) {
        if (m_centre_atom[c].valid()) {
            const auto& centre = m_district.centres[c.value()];
            m_cover_sites.push_back(CoverSite{centre.x, centre.y, m_centre_atom[c], c, {}});
        }
    }
    const double cell = radius / tuning().cover_cells_per_radius;
    std::map<std::pair<std::int64_t, std::int64_t>, network::NodeIndex> cells;
    for (network::NodeIndex n = 0; n < m_net.node_count(); ++n) {
        if (m_node_atom[n].valid()) {
            cells.try_emplace({static_cast<std::int64_t>(std::floor(m_net.node_x(n) / cell)),
                               static_cast<std::int64_t>(std::floor(m_net.node_y(n) / cell))},
                              n);  // the lowest node index in each cell
        }
    }
    for (const auto& [key, n] : cells) {
        m_cover_sites.push_back(CoverSite{m_net.node_x(n), m_net.node_y(n), m_node_atom[n], CentreId{}, {}});
    }
    // Household points bucketed by radius-sized cells.
    PointBuckets buckets;
    for (const auto& atom : m_atoms) {
        for (const auto i : atom.household_points) {
            const auto& h = m_district.households[i];
            buckets[{static_cast<std::int64_t>(std::floor(h.x / radius)),
                     static_cast<std::int64_t>(std::floor(h.y / radius))}]
                .push_back(i);
        }
    }
    // Sites are independent: shared out over the worker threads.
    const std::size_t threads = std::clamp<std::size_t>(thread_count, 1, 16);
    std::vector<std::exception_ptr> errors(threads);
    auto reach = [&](std::size_t first, std::size_t step) {
        try {
            network::BoundedDistances search{m_net};
            for (std::size_t k = first; k < m_cover_sites.size(); k += step) {
                fill_reach(m_cover_sites[SiteId{static_cast<std::uint32_t>(k)}], buckets, search);
            }
        } catch (...) {
            errors[first] = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) {
        pool.emplace_back(reach, t, threads);
    }
    reach(0, threads);
    for (auto& t : pool) {
        t.join();
    }
    for (const auto& e : errors) {
        if (e) {
            std::rethrow_exception(e);
        }
    }
    m_has_cover_sites = true;
}

/// The household points within the walk radius of a cover site, nearest first.
void Problem::fill_reach(CoverSite& site, const PointBuckets& buckets, network::BoundedDistances& search) const {
    const double radius = m_config.walk_radius_m;
    const auto snap = m_net.snap(site.x, site.y, site.centre.valid() ? tuning().centre_snap_m : tuning().site_snap_m);
    if (!snap.on_network()) {
        return;
    }
    search.run(snap, radius);
    const auto bx = static_cast<std::int64_t>(std::floor(site.x / radius));
    const auto by = static_cast<std::int64_t>(std::floor(site.y / radius));
    for (std::int64_t x = bx - 1; x <= bx + 1; ++x) {
        for (std::int64_t y = by - 1; y <= by + 1; ++y) {
            const auto it = buckets.find({x, y});
            if (it == buckets.end()) {
                continue;
            }
            for (const auto i : it->second) {
                const double d = search.distance(m_household_snap[i]);
                if (d <= radius) {
                    site.reach.emplace_back(static_cast<float>(d), i);
                }
            }
        }
    }
    std::sort(site.reach.begin(), site.reach.end());
}

} // namespace gridplan::partition::detail
