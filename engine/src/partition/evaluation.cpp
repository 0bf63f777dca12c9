// Stage 7, the evaluation: grids, their geometry and measures, and what is infeasible.
#include "partition/detail/evaluation.hpp"

#include "gridplan/core/strings.hpp"
#include "gridplan/core/union_find.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

namespace gridplan::partition::detail {

namespace {

/// Tolerance (rounded up to whole percent) whose band admits `households` per grid.
double tolerance_for(double households, double target) {
    return std::ceil(100.0 * std::fabs(households - target) / target) / 100.0;
}

/// The walk check on every grid: the walking network's edges that run inside the grid or
/// along its edge (beside one of its blocks, Problem::edge_blocks_begin()), joined where
/// they meet at a node or cross, split into connected pieces; the grid's households counted by the
/// piece of the edge they are snapped to (one whose way runs wholly outside the grid is not
/// counted).
void check_walk_pieces(PlanResult& out, const State& state, const IdVector<RegionId, GridId>& grid_of_region) {
    const Problem& p = state.problem();
    const auto& net = p.net();
    // (edge, grid) pairs, each an element of one union-find.
    std::vector<std::uint32_t> offset(net.edge_count() + 1, 0);
    std::vector<std::uint32_t> pair_grid;
    std::vector<std::uint32_t> grids;
    for (network::EdgeIndex e = 0; e < net.edge_count(); ++e) {
        grids.clear();
        for (const BlockId* b = p.edge_blocks_begin(e); b != p.edge_blocks_end(e); ++b) {
            grids.push_back(grid_of_region[state.region_of[p.atom_of_block(*b)]].value());
        }
        std::sort(grids.begin(), grids.end());
        grids.erase(std::unique(grids.begin(), grids.end()), grids.end());
        pair_grid.insert(pair_grid.end(), grids.begin(), grids.end());
        offset[e + 1] = static_cast<std::uint32_t>(pair_grid.size());
    }
    auto pair_of = [&](network::EdgeIndex e, std::uint32_t g) -> std::int64_t {
        for (std::uint32_t k = offset[e]; k < offset[e + 1]; ++k) {
            if (pair_grid[k] == g) {
                return k;
            }
        }
        return -1;
    };
    UnionFind pieces{pair_grid.size()};
    for (network::EdgeIndex e = 0; e < net.edge_count(); ++e) {  // ways that cross, as Problem joins them
        for (auto c = p.crossing_begin(e); c != p.crossing_end(e); ++c) {
            for (std::uint32_t k = offset[e]; k < offset[e + 1]; ++k) {
                const auto other = pair_of(*c, pair_grid[k]);
                if (other >= 0) {
                    pieces.unite(k, static_cast<std::uint32_t>(other));
                }
            }
        }
    }
    for (network::NodeIndex n = 0; n < net.node_count(); ++n) {
        std::map<std::uint32_t, std::uint32_t> first_in_grid;
        for (const auto* it = net.adjacent_begin(n); it != net.adjacent_end(n); ++it) {
            for (std::uint32_t k = offset[*it]; k < offset[*it + 1]; ++k) {
                const auto [at, inserted] = first_in_grid.try_emplace(pair_grid[k], k);
                if (!inserted) {
                    pieces.unite(at->second, k);
                }
            }
        }
    }
    // Households of parts attached without a walkable link are exempt.
    std::set<BlockId> exempt;
    for (const auto& link : p.part_links()) {
        exempt.insert(link.blocks.begin(), link.blocks.end());
    }
    std::vector<std::map<std::uint32_t, std::int64_t>> by_piece(out.grids.size());
    std::vector<std::vector<std::pair<std::uint32_t, BlockId>>> piece_blocks(out.grids.size());
    for (const AtomId a : p.atom_ids()) {
        const std::uint32_t g = grid_of_region[state.region_of[a]].value();
        for (const auto i : p.atom(a).household_points) {
            const auto& snap = p.household_snap(i);
            const BlockId b = p.blocks().household_block[i];
            if (!snap.on_network() || exempt.count(b) > 0) {
                continue;
            }
            const auto k = pair_of(snap.edge, g);
            if (k < 0) {
                continue;  // its nearest way runs wholly outside the grid: not counted
            }
            const std::uint32_t piece = pieces.find(static_cast<std::uint32_t>(k));
            by_piece[g][piece] += p.district().households[i].count;
            piece_blocks[g].emplace_back(piece, b);
        }
    }
    for (std::size_t g = 0; g < out.grids.size(); ++g) {
        // The main piece: the most households, the lowest piece on a tie.
        std::int64_t total = 0;
        std::int64_t main = -1;
        std::uint32_t main_piece = 0;
        for (const auto& [piece, n] : by_piece[g]) {
            total += n;
            if (n > main) {
                main = n;
                main_piece = piece;
            }
        }
        auto& grid = out.grids[g];
        grid.walk_main_share = total > 0 ? static_cast<double>(main) / static_cast<double>(total) : 1.0;
        grid.walk_cut_off = total > 0 ? total - main : 0;
        std::set<BlockId> cut;
        for (const auto& [piece, b] : piece_blocks[g]) {
            if (piece != main_piece) {
                cut.insert(b);
            }
        }
        grid.walk_cut_off_blocks.assign(cut.begin(), cut.end());
    }
}

void name_infeasible(PlanResult& out, const State& state, const IdVector<RegionId, GridId>& grid_of_region) {
    const Problem& p = state.problem();
    const PartitionConfig& config = p.config();
    const double low = config.band_low();
    const double high = config.band_high();
    const double target = config.households_per_grid;
    auto block_ids = [&](const std::vector<AtomId>& atoms) {
        std::vector<std::uint32_t> ids;
        for (const auto a : atoms) {
            for (const auto b : p.atom(a).blocks) {
                ids.push_back(b.value() + 1);
            }
        }
        std::sort(ids.begin(), ids.end());
        return ids;
    };
    auto grid_number = [&](AtomId a) { return grid_of_region[state.region_of[a]].value() + 1; };
    auto percent = [](double v) { return format_fixed(100.0 * v, 0) + "%"; };
    // Atoms (a block, or blocks that must stay together) above the band.
    for (const AtomId a : p.atom_ids()) {
        const Atom& atom = p.atom(a);
        const double h = static_cast<double>(atom.households);
        if (h <= high) {
            continue;
        }
        Infeasibility f;
        f.kind = "block_above_band";
        f.blocks = block_ids({a});
        f.grids = {grid_number(a)};
        f.households = atom.households;
        f.reason = (atom.blocks.size() > 1 ? "blocks kept together hold " : "the block holds ") +
                   std::to_string(atom.households) + " households, above the band's " + format_fixed(high, 0);
        f.fix = "a tolerance of " + percent(tolerance_for(h, target)) + " (or split the unit or block)";
        out.infeasible.push_back(std::move(f));
    }
    // Parts attached to a grid without a walkable link: the link that would make one.
    for (const auto& link : p.part_links()) {
        Infeasibility f;
        f.kind = "unlinked_part";
        for (const auto b : link.blocks) {
            f.blocks.push_back(b.value() + 1);
        }
        f.grids = {grid_number(p.atom_of_block(link.from))};
        f.households = link.households;
        const std::string from = std::to_string(link.from.value() + 1);
        const std::string to = std::to_string(link.to.value() + 1);
        f.reason = std::to_string(link.households) + " households on " + std::to_string(link.blocks.size()) +
                   " block(s) with no walkable link to the rest of the district, attached to grid " +
                   std::to_string(f.grids.front()) +
                   (link.gap_m > 0.0 ? " across a gap of " + format_fixed(link.gap_m, 0) + " m"
                    : link.across_water
                        ? " across water (a shared edge with no bridge)"
                        : " across a shared edge (the ways on either side do not meet inside the district)");
        f.fix = link.gap_m > 0.0 ? "a path or ferry of " + format_fixed(link.gap_m, 0) + " m from block " + from +
                                       " to block " + to + " (or a district boundary without this fragment)"
                : link.across_water ? "a bridge or ferry from block " + from + " to block " + to
                                    : "a path from the ways of block " + from + " to those of block " + to;
        out.infeasible.push_back(std::move(f));
    }
    // Parts of the district that cannot be crossed (islands without a bridge, nests):
    // their households must split into whole grids inside the band.
    if (p.has_parts()) {
        IdVector<PartId, std::vector<AtomId>> atoms_of(p.part_count());
        for (const AtomId a : p.atom_ids()) {
            atoms_of[p.part_of(a)].push_back(a);
        }
        for (const PartId c : p.part_ids()) {
            std::set<std::uint32_t> grids;
            for (const auto a : atoms_of[c]) {
                grids.insert(grid_number(a));
            }
            const double h = static_cast<double>(p.part_households(c));
            const double per = h / static_cast<double>(grids.size());
            if (h <= 0.0 || (per >= low - 1e-9 && per <= high + 1e-9)) {
                continue;
            }
            const bool whole = p.part_count() == 1;
            Infeasibility f;
            f.kind = "part_outside_band";
            f.blocks = block_ids(atoms_of[c]);
            f.grids.assign(grids.begin(), grids.end());
            f.households = p.part_households(c);
            f.reason = std::string{whole ? "the district" : "a part of the district with no walkable link to the rest"} +
                       " holds " + std::to_string(p.part_households(c)) + " households for " +
                       std::to_string(grids.size()) + " grid(s): " + format_fixed(per, 0) +
                       " each, outside the band " + format_fixed(low, 0) + "-" + format_fixed(high, 0);
            f.fix = "a tolerance of " + percent(tolerance_for(per, target)) + (whole ? "" : ", or a bridge to the rest");
            out.infeasible.push_back(std::move(f));
        }
    }
    // Grids: outside the band, not contiguous, households beyond the walk radius.
    const double minutes_per_metre = 60.0 / (config.speed_kmh * 1000.0);
    for (auto& g : out.grids) {
        const double h = static_cast<double>(g.households);
        if (h < low - 1e-9 || h > high + 1e-9) {
            g.flags.emplace_back("outside_band");
        }
        if (!g.contiguous) {
            g.flags.emplace_back("not_contiguous");
        }
        if (g.walk_main_share < p.tuning().walk_check_share) {
            g.flags.emplace_back("walk_split");
            Infeasibility f;
            f.kind = "walk_split";
            f.grids = {g.id.value() + 1};
            f.households = g.walk_cut_off;
            for (const BlockId b : g.walk_cut_off_blocks) {
                f.blocks.push_back(b.value() + 1);
            }
            f.reason = std::to_string(g.walk_cut_off) + " of the grid's households (" +
                       percent(1.0 - g.walk_main_share) +
                       ") live on walkable ways not linked on foot, inside the grid, to the rest of it";
            f.fix = "a path linking their blocks to the rest inside the grid, or those blocks in the neighbouring grid "
                    "they walk to";
            out.infeasible.push_back(std::move(f));
        }
        const std::int64_t beyond = g.households - g.within_radius;
        if (beyond <= 0) {
            continue;
        }
        Infeasibility f;
        f.grids = {g.id.value() + 1};
        f.households = beyond;
        const double needed = std::isfinite(g.max_walk_m) ? std::ceil(g.max_walk_m * minutes_per_metre) : unreachable;
        const std::string radius = format_fixed(config.walk_minutes, 0) + " minutes";
        if (static_cast<double>(g.reachable_within) < low) {
            // Even every household of the district within reach of the centre falls short
            // of the band: the grid must reach farther.
            f.kind = "band_radius_conflict";
            g.flags.emplace_back("band_radius_conflict");
            f.reason = "only " + std::to_string(g.reachable_within) + " households of the district live within " +
                       radius + " of the grid's centre, fewer than the band's " + format_fixed(low, 0) + "; " +
                       std::to_string(beyond) + " of the grid's households are farther";
            f.fix = std::isfinite(needed) ? "a walk radius of " + format_fixed(needed, 0) + " minutes, or a tolerance of " +
                                                percent(tolerance_for(static_cast<double>(g.reachable_within), target))
                                          : "a walkable link from the households to the centre";
        } else {
            f.kind = "beyond_radius";
            g.flags.emplace_back("beyond_radius");
            f.reason = std::to_string(beyond) + " households are farther than " + radius + " from the grid's centre";
            f.fix = std::isfinite(needed) ? "a walk radius of " + format_fixed(needed, 0) + " minutes"
                                          : "a walkable link from the households to the centre";
        }
        out.infeasible.push_back(std::move(f));
    }
}

} // namespace

PlanResult finish(const State& state, RunContext& ctx) {
    const Problem& p = state.problem();
    const PartitionConfig& config = p.config();
    const wrap::GeosContext& geos = p.geos();
    const io::District& district = p.district();
    const auto& blocks = p.blocks().blocks;
    const std::size_t nr = state.regions.size();
    auto region_of_block = [&](std::uint32_t b) { return state.region_of[p.atom_of_block(BlockId{b})]; };
    // Geographic numbering: rows north to south, west to east within a row.
    IdVector<RegionId, double> cx(nr, 0.0);
    IdVector<RegionId, double> cy(nr, 0.0);
    IdVector<RegionId, double> area(nr, 0.0);
    for (std::uint32_t b = 0; b < blocks.size(); ++b) {
        const RegionId r = region_of_block(b);
        cx[r] += blocks[b].label_x * blocks[b].area_m2;
        cy[r] += blocks[b].label_y * blocks[b].area_m2;
        area[r] += blocks[b].area_m2;
    }
    double max_y = -unreachable;
    for (const RegionId r : state.regions.ids()) {
        cx[r] /= std::max(area[r], 1e-9);
        cy[r] /= std::max(area[r], 1e-9);
        max_y = std::max(max_y, cy[r]);
    }
    const double row_height =
        std::sqrt(p.blocks().stats.district_area_m2 / static_cast<double>(std::max<std::size_t>(nr, 1)));
    IdVector<GridId, RegionId> order;  // the region of each grid
    for (const RegionId r : state.regions.ids()) {
        order.push_back(r);
    }
    auto row = [&](RegionId r) { return static_cast<long>(std::floor((max_y - cy[r]) / row_height)); };
    std::stable_sort(order.begin(), order.end(), [&](RegionId a, RegionId b) {
        return row(a) != row(b) ? row(a) < row(b) : cx[a] < cx[b];
    });
    IdVector<RegionId, GridId> grid_of_region(nr);
    for (const GridId g : order.ids()) {
        grid_of_region[order[g]] = g;
    }

    PlanResult out;
    out.stats.households = p.households();
    out.stats.atoms = p.atoms().size();
    out.stats.islands_attached = p.islands_attached();
    out.grids.resize(nr);
    out.grid_of_block.assign(blocks.size(), GridId{});
    for (std::uint32_t b = 0; b < blocks.size(); ++b) {
        const GridId g = grid_of_region[region_of_block(b)];
        out.grid_of_block[b] = g;
        out.grids[g.value()].blocks.push_back(BlockId{b});
        out.grids[g.value()].households += blocks[b].households;
    }
    for (const RegionId r : state.regions.ids()) {
        Grid& grid = out.grids[grid_of_region[r].value()];
        grid.id = grid_of_region[r];
        grid.centre = state.regions[r].centre;
        grid.service_share.fill(std::numeric_limits<double>::quiet_NaN());
    }
    // Geometry.
    for (auto& grid : out.grids) {
        std::vector<wrap::GeomPtr> parts;
        for (const auto b : grid.blocks) {
            parts.push_back(geos.clone(blocks[b.value()].geom.get()));
        }
        wrap::GeomPtr all = geos.collection(GEOS_MULTIPOLYGON, parts);
        wrap::GeomPtr u = geos.own(GEOSCoverageUnion_r(geos.handle(), all.get()), "grid union");
        if (!geos.is_valid(u.get())) {
            u = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "grid union");
        }
        grid.geom = std::move(u);
        grid.area_m2 = geos.area(grid.geom.get());
        grid.perimeter_m = geos.length(grid.geom.get());
    }
    // Walk times from each grid's centre to its households.
    std::vector<std::vector<std::size_t>> households_of(nr);
    for (std::size_t i = 0; i < district.households.size(); ++i) {
        const BlockId b = p.blocks().household_block[i];
        if (b.valid()) {
            households_of[out.grid_of_block[b.value()].value()].push_back(i);
        }
    }
    std::int64_t within_total = 0;
    out.household_walk_m.assign(district.households.size(), std::numeric_limits<double>::quiet_NaN());
    for (auto& grid : out.grids) {
        const std::vector<network::Snap> src{p.net().snap(grid.centre.x, grid.centre.y, p.centre_snap(grid.centre))};
        const network::SourceDistances d{p.net(), src, unreachable};
        std::vector<std::pair<double, std::int64_t>> walks;
        std::int64_t within = 0;
        std::int64_t counted = 0;
        for (const auto i : households_of[grid.id.value()]) {
            const auto& h = district.households[i];
            const double w = d.distance(p.household_snap(i));
            out.household_walk_m[i] = w;
            walks.emplace_back(w, h.count);
            counted += h.count;
            within += w <= config.walk_radius_m ? h.count : 0;
            grid.max_walk_m = std::max(grid.max_walk_m, w);
        }
        std::sort(walks.begin(), walks.end());
        std::int64_t running = 0;
        grid.p90_walk_m = walks.empty() ? 0.0 : walks.back().first;
        for (const auto& [w, n] : walks) {
            running += n;
            if (static_cast<double>(running) >= 0.9 * static_cast<double>(counted) - 1e-9) {
                grid.p90_walk_m = w;
                break;
            }
        }
        grid.share_within_radius = counted > 0 ? static_cast<double>(within) / static_cast<double>(counted) : 1.0;
        grid.within_radius = within;
        for (std::size_t i = 0; i < district.households.size(); ++i) {
            if (p.blocks().household_block[i].valid() && d.distance(p.household_snap(i)) <= config.walk_radius_m) {
                grid.reachable_within += district.households[i].count;
            }
        }
        within_total += within;
    }
    // Edges between grids, and the sides' barrier names.
    std::vector<std::array<std::map<std::string, double>, 4>> side_names(nr);
    std::vector<std::array<double, 4>> side_length(nr, std::array<double, 4>{});
    auto side_of = [&](std::uint32_t g, double x, double y) {
        const double dx = x - cx[order[GridId{g}]];
        const double dy = y - cy[order[GridId{g}]];
        if (std::fabs(dy) >= std::fabs(dx)) {
            return dy >= 0 ? 0 : 2;  // north, south
        }
        return dx >= 0 ? 1 : 3;  // east, west
    };
    std::array<double, barrier_class_count> edge_total{};
    for (const auto& adj : p.blocks().adjacency) {
        const auto ga = out.grid_of_block[adj.a.value()].value();
        const auto gb = out.grid_of_block[adj.b.value()].value();
        if (ga == gb) {
            continue;
        }
        for (std::size_t c = 0; c < barrier_class_count; ++c) {
            out.grids[ga].edge_length_by_class[c] += adj.length_by_class[c];
            out.grids[gb].edge_length_by_class[c] += adj.length_by_class[c];
            edge_total[c] += adj.length_by_class[c];
        }
        const std::string label = !adj.barrier_name.empty() ? adj.barrier_name
                                                            : "an unnamed " + std::string{to_string(adj.barrier_class)};
        for (const auto g : {ga, gb}) {
            const int side = side_of(g, adj.mid_x, adj.mid_y);
            // Stronger barriers weigh more in naming a side.
            const double weight = adj.shared_length_m * (1.0 + static_cast<double>(adj.barrier_class));
            side_names[g][static_cast<std::size_t>(side)][label] += weight;
            side_length[g][static_cast<std::size_t>(side)] += adj.shared_length_m;
        }
    }
    static const char* const side_word[4] = {"north", "east", "south", "west"};
    for (std::uint32_t g = 0; g < nr; ++g) {
        std::string desc;
        for (std::size_t s = 0; s < 4; ++s) {
            std::string name = "the district boundary";
            double best = 0.0;
            for (const auto& [label, w] : side_names[g][s]) {
                if (w > best) {
                    best = w;
                    name = label;
                }
            }
            desc += (desc.empty() ? "" : ", ") + std::string{side_word[s]} + " to " + name;
        }
        out.grids[g].bounds_desc = desc;
    }
    // Units: the grid of the block they stand in.
    out.grid_of_unit.assign(district.units.size(), GridId{});
    if (!district.units.empty()) {
        std::size_t outside = 0;
        for (std::size_t u = 0; u < district.units.size(); ++u) {
            const BlockId b = p.block_at(district.units[u].x, district.units[u].y);
            if (!b.valid()) {
                ++outside;
                continue;
            }
            out.grid_of_unit[u] = out.grid_of_block[b.value()];
            ++out.grids[out.grid_of_block[b.value()].value()].units;
        }
        if (outside > 0) {
            ctx.log.warning(std::to_string(outside) + " units lie outside the district and belong to no grid");
        }
    }
    // Contiguity of every grid over the contiguity graph (rivers crossed at bridges, empty
    // land round its walkable edge): every atom that is not only empty land is reached.
    for (const RegionId r : state.regions.ids()) {
        std::vector<AtomId> members;
        for (const AtomId a : p.atom_ids()) {
            if (state.region_of[a] == r && !p.atom(a).empty_land) {
                members.push_back(a);
            }
        }
        if (members.empty()) {
            continue;
        }
        std::set<AtomId> seen{members.front()};
        std::vector<AtomId> queue{members.front()};
        for (std::size_t q = 0; q < queue.size(); ++q) {
            for (const auto& e : p.atom(queue[q]).edges) {
                if (e.strong && state.region_of[e.other] == r && seen.insert(e.other).second) {
                    queue.push_back(e.other);
                }
            }
        }
        const bool contiguous =
            std::all_of(members.begin(), members.end(), [&](AtomId a) { return seen.count(a) > 0; });
        out.stats.grids_not_contiguous += contiguous ? 0 : 1;
        out.grids[grid_of_region[r].value()].contiguous = contiguous;
    }
    // Overall figures.
    auto& st = out.stats;
    st.min_households = std::numeric_limits<std::int64_t>::max();
    double pp = 0.0;
    for (const auto& grid : out.grids) {
        st.min_households = std::min(st.min_households, grid.households);
        st.max_households = std::max(st.max_households, grid.households);
        st.grids_in_band += static_cast<double>(grid.households) >= config.band_low() - 1e-9 &&
                                    static_cast<double>(grid.households) <= config.band_high() + 1e-9
                                ? 1
                                : 0;
        pp += grid.perimeter_m > 0 ? 4.0 * M_PI * grid.area_m2 / (grid.perimeter_m * grid.perimeter_m) : 0.0;
        st.proposed_centres += grid.centre.proposed ? 1 : 0;
        st.existing_centres_used += grid.centre.proposed ? 0 : 1;
    }
    st.mean_households = nr > 0 ? static_cast<double>(st.households) / static_cast<double>(nr) : 0.0;
    st.mean_polsby_popper = nr > 0 ? pp / static_cast<double>(nr) : 0.0;
    std::int64_t inside = 0;
    for (const auto& grid : out.grids) {
        inside += grid.households;
    }
    st.share_within_radius = inside > 0 ? static_cast<double>(within_total) / static_cast<double>(inside) : 0.0;
    const double edges = std::accumulate(edge_total.begin(), edge_total.end(), 0.0);
    for (std::size_t c = 0; c < barrier_class_count; ++c) {
        st.edge_share_by_class[c] = edges > 0.0 ? edge_total[c] / edges : 0.0;
    }
    if (nr == 0) {
        st.min_households = 0;
    }
    const auto t0 = std::chrono::steady_clock::now();
    check_walk_pieces(out, state, grid_of_region);
    ctx.log.debug("walk check: " +
                  format_fixed(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 3) + " s");
    name_infeasible(out, state, grid_of_region);
    return out;
}

} // namespace gridplan::partition::detail
