// Re-planning: the previous grids carried onto today's blocks, then repaired where the
// district changed, on the partitioner's own stages (state, search, centres, evaluation).
//
// 1. Regions: one per previous grid that still holds a block (blocks no previous grid
//    covers join the neighbouring grid they share the longest edge with); the previous
//    centres where they are known (an existing centre by id, a proposed one from the
//    previous plan's centres layer), else placed by recentre(). Locked grids are frozen.
// 2. The hard rules first, each step chosen to move the fewest persisting households:
//    - a grid cut in two keeps the piece with its centre; the other pieces go to the
//      neighbour they share the longest edge with, or become grids of their own when
//      they hold the band's lower bound;
//    - a grid that shrank below the band is dissolved into its neighbours when it holds
//      fewer households than twice what it lacks (else the band repair fills it);
//    - a grid that grew beyond what its neighbours can absorb is split: new grids are
//      peeled off it from its new households outwards, then balanced among themselves;
//    - while there are more grids than the households make, the smallest below the
//      band is dissolved.
// 3. What broke is repaired by the local search (search.hpp), moves limited to the grids
//    changed above or outside the band and their neighbours (all grids at stability below
//    0.5), each persisting household moved away from its grid costing
//    Tuning::replan_away_cost x stability / (1 - stability); while grids stay outside the
//    band, the frozen grids around join ring by ring. Then re-centring and search rounds,
//    and single moves for a grid still outside the band.
// 4. The evaluation, and the grids get the previous ids (new ones above the maximum).
#include "gridplan/partition/replan.hpp"

#include "partition/detail/centres.hpp"
#include "partition/detail/evaluation.hpp"
#include "partition/detail/objective.hpp"
#include "partition/detail/problem.hpp"
#include "partition/detail/search.hpp"
#include "partition/detail/state.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <queue>
#include <set>

namespace gridplan::partition {

namespace {

using namespace detail;

/// Per block, the previous grid (index into PreviousPlan::grids): each uncovered block
/// joins the neighbouring carried grid it shares the longest edge with, in rounds (each
/// from the state before it) until every block has one; a block with no assigned
/// neighbour goes to the nearest grid. Locked grids take no uncovered block unless no
/// other grid can.
std::vector<std::uint32_t> fill_uncovered(const PreviousPlan& previous, const CarriedPlan& carried,
                                          const blocks::BlocksResult& blocks, const ReplanOptions& options,
                                          const wrap::GeosContext& geos) {
    const std::size_t nb = blocks.blocks.size();
    if (carried.grid_of_block.size() != nb) {
        throw InternalError{"replan_grids: the carried plan does not match the blocks"};
    }
    std::vector<bool> locked(previous.grids.size(), false);
    for (const auto id : options.locked) {
        locked[previous.index_of(id)] = true;
    }
    std::vector<std::vector<std::pair<std::uint32_t, double>>> neighbours(nb);
    for (const auto& a : blocks.adjacency) {
        neighbours[a.a.value()].emplace_back(a.b.value(), a.shared_length_m);
        neighbours[a.b.value()].emplace_back(a.a.value(), a.shared_length_m);
    }

    std::vector<std::uint32_t> assigned = carried.grid_of_block;
    // Locked grids take a block only when a round of the others has taken none.
    bool allow_locked = false;
    auto open_blocks = [&] {
        return static_cast<std::size_t>(std::count(assigned.begin(), assigned.end(), no_index));
    };
    for (std::size_t left = open_blocks(); left > 0; left = open_blocks()) {
        // One round: every open block with an assigned neighbour, from the state before it.
        std::vector<std::uint32_t> next = assigned;
        bool progress = false;
        for (std::uint32_t b = 0; b < nb; ++b) {
            if (assigned[b] != no_index) {
                continue;
            }
            std::map<std::uint32_t, double> shared;
            for (const auto& [other, length] : neighbours[b]) {
                if (assigned[other] != no_index) {
                    shared[assigned[other]] += length;
                }
            }
            std::uint32_t best = no_index;
            double best_length = -1.0;
            bool best_locked = true;
            for (const auto& [g, length] : shared) {  // grid index order: ties to the lower id
                const bool is_locked = locked[g];
                if ((best_locked && !is_locked) || (is_locked == best_locked && length > best_length)) {
                    best = g;
                    best_length = length;
                    best_locked = is_locked;
                }
            }
            if (best != no_index && (!best_locked || allow_locked)) {
                next[b] = best;
                progress = true;
            }
        }
        assigned = std::move(next);
        if (progress) {
            allow_locked = false;
            continue;
        }
        if (!allow_locked) {
            allow_locked = true;
            continue;
        }
        allow_locked = false;
        // No open block touches an assigned one: the first goes to the nearest grid.
        std::set<std::uint32_t> holding(assigned.begin(), assigned.end());
        holding.erase(no_index);
        if (holding.empty()) {
            throw InputError{"the previous grids cover none of today's blocks", previous.source};
        }
        const std::uint32_t b = static_cast<std::uint32_t>(std::find(assigned.begin(), assigned.end(), no_index) -
                                                           assigned.begin());
        std::uint32_t best = no_index;
        double best_distance = std::numeric_limits<double>::infinity();
        bool best_locked = true;
        for (const auto g : holding) {
            double d = 0.0;
            geos.check_status(GEOSDistance_r(geos.handle(), blocks.blocks[b].geom.get(),
                                             previous.grids[g].geom.get(), &d),
                              "distance to a previous grid");
            const bool is_locked = locked[g];
            if ((best_locked && !is_locked) || (is_locked == best_locked && d < best_distance)) {
                best = g;
                best_distance = d;
                best_locked = is_locked;
            }
        }
        assigned[b] = best;
    }

    return assigned;
}

class Replanner {
public:
    Replanner(const Problem& problem, const PreviousPlan& previous, const CarriedPlan& carried,
              const std::vector<std::int64_t>& persisting, const ReplanOptions& options, RunContext& ctx)
        : m_problem(problem), m_previous(previous), m_options(options), m_ctx(ctx), m_state(problem),
          m_keep(problem.atoms().size(), 0) {
        for (const AtomId a : problem.atom_ids()) {
            if (persisting.empty()) {
                m_keep[a] = problem.atom(a).households;
                continue;
            }
            for (const auto i : problem.atom(a).household_points) {
                m_keep[a] += persisting.at(i);
            }
        }
        carry(carried);
    }

    PlanResult run() {
        const Tuning& t = m_problem.tuning();
        place_centres();
        m_state.rules.frozen.assign(m_state.regions.size(), 0);
        freeze_locked();
        // The hard rules.
        keep_connected();
        resize_grids();
        keep_connected();
        // What broke, and where moves may go.
        m_state.rules.home = m_state.region_of;
        m_state.rules.away_households = m_keep;
        const double w = m_options.stability;
        m_state.rules.away_cost = w >= 1.0 ? t.replan_away_cost_max : t.replan_away_cost * w / (1.0 - w);
        choose_movable();
        search_in_rings();
        for (int round = 0; round < m_problem.config().rounds; ++round) {
            if (!recentre(m_state, SiteSearch::wide)) {
                break;
            }
            search_in_rings();
        }
        fix_band_by_single_moves();
        return evaluate();
    }

    /// Last resort for a grid still outside the band: single border atoms (its centre's
    /// included: the chains never move those) between it and a neighbour, each move
    /// leaving both in the band and both connected, the fewest persisting households
    /// first. A grid whose centre's atom moved gets a new centre.
    void fix_band_by_single_moves() {
        std::set<RegionId> recentred;
        auto apply = [&](AtomId atom, RegionId to) {
            const RegionId from = m_state.region_of[atom];
            m_state.move_atom(atom, to);
            m_changed.insert(from);
            m_changed.insert(to);
            if (m_state.regions[from].seed == atom) {
                recentred.insert(from);
            }
        };
        for (int pass = 0; pass < 4 * static_cast<int>(m_state.regions.size()); ++pass) {
            const auto [atom, to] = best_band_move(RegionId{}, AtomId{});
            if (atom.valid()) {
                apply(atom, to);
                continue;
            }
            // Two steps: a border atom of a grid outside the band moves (in or out) so
            // that the grid is inside, its neighbour leaving the band; a second move
            // brings the neighbour back.
            if (!two_step_band_move(apply)) {
                break;
            }
        }
        if (recentred.empty()) {
            return;
        }
        const auto atoms_of = m_state.atoms_of_regions();
        const IdVector<RegionId, char> saved = m_state.rules.frozen;
        for (const RegionId r : m_state.regions.ids()) {
            m_state.rules.frozen[r] = recentred.count(r) > 0 ? 0 : 1;
        }
        for (const RegionId r : recentred) {
            GridCentre c = centroid(atoms_of[r]);
            c.x = unreachable;  // no centre: recentre() places one
            m_state.regions[r].centre = c;
        }
        recentre(m_state, SiteSearch::wide);
        m_state.rules.frozen = saved;
    }

    bool inside_band(double load) const {
        return load >= m_problem.config().band_low() && load <= m_problem.config().band_high();
    }

    /// The single move of a border atom (not `exclude`) that brings a grid outside the band
    /// into it and leaves the other grid inside, both connected: the fewest persisting
    /// households. With `only` valid, moves into or out of that grid only.
    std::pair<AtomId, RegionId> best_band_move(RegionId only, AtomId exclude) const {
        AtomId best;
        RegionId best_to;
        std::int64_t best_keep = std::numeric_limits<std::int64_t>::max();
        for (const AtomId a : m_problem.atom_ids()) {
            const RegionId r = m_state.region_of[a];
            const double h = static_cast<double>(m_problem.atom(a).households);
            const double lr = static_cast<double>(m_state.regions[r].load);
            if (a == exclude || m_locked.count(r) > 0 || h <= 0 || !inside_band(lr - h)) {
                continue;
            }
            for (const auto& e : m_problem.atom(a).edges) {
                const RegionId s = m_state.region_of[e.other];
                if (!e.strong || s == r || m_locked.count(s) > 0 || (only.valid() && r != only && s != only)) {
                    continue;
                }
                const double ls = static_cast<double>(m_state.regions[s].load);
                if ((inside_band(lr) && inside_band(ls)) || !inside_band(ls + h) || m_keep[a] >= best_keep) {
                    continue;
                }
                if (connected_after_move(r, a)) {
                    best = a;
                    best_to = s;
                    best_keep = m_keep[a];
                }
            }
        }
        return {best, best_to};
    }

    /// One two-step move for the first grid outside the band that has one; returns
    /// whether one was made.
    template <typename Apply>
    bool two_step_band_move(Apply apply) {
        for (const RegionId r : m_state.regions.ids()) {
            const double lr = static_cast<double>(m_state.regions[r].load);
            if (m_locked.count(r) > 0 || lr <= 0 || inside_band(lr)) {
                continue;
            }
            const bool over = lr > m_problem.config().band_high();
            for (const AtomId a : m_problem.atom_ids()) {
                const double h = static_cast<double>(m_problem.atom(a).households);
                const RegionId at = m_state.region_of[a];
                if (h <= 0 || (over ? at != r : at == r) || m_locked.count(at) > 0) {
                    continue;
                }
                for (const auto& e : m_problem.atom(a).edges) {
                    const RegionId s = m_state.region_of[e.other];
                    const RegionId to = over ? s : r;
                    const RegionId other = over ? s : at;  // the grid that may leave the band
                    if (!e.strong || s == at || m_locked.count(s) > 0 || (!over && s != r)) {
                        continue;
                    }
                    if (!inside_band(lr + (over ? -h : h)) || !connected_after_move(at, a)) {
                        continue;
                    }
                    m_state.move_atom(a, to);
                    const auto [b, b_to] = best_band_move(other, a);
                    if (b.valid()) {
                        m_state.move_atom(a, at);
                        apply(a, to);
                        apply(b, b_to);
                        return true;
                    }
                    m_state.move_atom(a, at);
                }
            }
        }
        return false;
    }

    /// Whether region r stays connected over strong edges without atom a (any atom,
    /// its seed included).
    bool connected_after_move(RegionId r, AtomId a) const {
        std::vector<AtomId> members;
        for (const AtomId b : m_problem.atom_ids()) {
            if (b != a && m_state.region_of[b] == r) {
                members.push_back(b);
            }
        }
        if (members.empty()) {
            return false;  // the grid would vanish
        }
        std::set<AtomId> seen{members.front()};
        std::vector<AtomId> queue{members.front()};
        for (std::size_t q = 0; q < queue.size(); ++q) {
            for (const auto& e : m_problem.atom(queue[q]).edges) {
                if (e.strong && e.other != a && m_state.region_of[e.other] == r && seen.insert(e.other).second) {
                    queue.push_back(e.other);
                }
            }
        }
        return seen.size() == members.size();
    }

    /// The local search over the movable grids; while grids stay outside the band, the
    /// frozen neighbours of the movable grids (never locked ones) join, ring by ring
    /// (Tuning::replan_rings), so that households can come from farther away.
    void search_in_rings() {
        const PartitionConfig& config = m_problem.config();
        search(m_state);
        repair_each();
        for (int ring = 0; ring < m_problem.tuning().replan_rings; ++ring) {
            bool outside = false;
            for (const RegionId r : m_state.regions.ids()) {
                const double load = static_cast<double>(m_state.regions[r].load);
                outside = outside || (!frozen(r) && load > 0 && (load < config.band_low() || load > config.band_high()));
            }
            std::set<RegionId> join;
            for (const AtomId a : m_problem.atom_ids()) {
                const RegionId r = m_state.region_of[a];
                if (!outside || frozen(r)) {
                    continue;
                }
                for (const auto& e : m_problem.atom(a).edges) {
                    const RegionId s = m_state.region_of[e.other];
                    if (e.strong && s != r && frozen(s) && m_locked.count(s) == 0) {
                        join.insert(s);
                    }
                }
            }
            if (join.empty()) {
                return;
            }
            for (const RegionId s : join) {
                m_state.rules.frozen[s] = 0;
            }
            search(m_state);
            repair_each();
        }
    }

    /// The band repair stops at the first grid it cannot help (its atoms too large to
    /// pass, or no grid with room in reach): such a grid is set aside (frozen for the
    /// moment) and the repair goes on with the others.
    void repair_each() {
        const PartitionConfig& config = m_problem.config();
        const IdVector<RegionId, char> saved = m_state.rules.frozen;
        for (std::size_t k = 0; k < m_state.regions.size(); ++k) {
            repair_band(m_state);
            RegionId worst;
            double worst_gap = 0.0;
            for (const RegionId r : m_state.regions.ids()) {
                const double l = static_cast<double>(m_state.regions[r].load);
                const double gap = std::max({0.0, config.band_low() - l, l - config.band_high()});
                if (!frozen(r) && gap > worst_gap) {
                    worst_gap = gap;
                    worst = r;
                }
            }
            if (!worst.valid()) {
                break;
            }
            m_state.rules.frozen[worst] = 1;
        }
        m_state.rules.frozen = saved;
    }

private:
    void carry(const CarriedPlan& carried) {
        const blocks::BlocksResult& blocks = m_problem.blocks();
        const std::vector<std::uint32_t> grid_of_block =
            fill_uncovered(m_previous, carried, blocks, m_options, m_problem.geos());
        // Regions: the previous grids still holding a block, in grid id order.
        std::vector<RegionId> region_of_grid(m_previous.grids.size());
        for (const auto g : grid_of_block) {
            region_of_grid[g] = RegionId{0};  // marks "used"
        }
        std::uint32_t k = 0;
        for (std::uint32_t g = 0; g < region_of_grid.size(); ++g) {
            if (region_of_grid[g].valid()) {
                region_of_grid[g] = RegionId{k++};
                m_grid_of_region.push_back(g);
            }
        }
        std::vector<RegionId> region_of_block(grid_of_block.size());
        for (std::size_t b = 0; b < grid_of_block.size(); ++b) {
            region_of_block[b] = region_of_grid[grid_of_block[b]];
        }
        m_state = state_from_assignment(m_problem, region_of_block);
    }

    /// The previous centres where known; the others placed by recentre() (every known
    /// centre frozen meanwhile).
    void place_centres() {
        const io::District& district = m_problem.district();
        IdVector<RegionId, char> placed(m_state.regions.size(), 0);
        for (const RegionId r : m_state.regions.ids()) {
            const PreviousGrid& g = m_previous.grids[m_grid_of_region[r.value()]];
            GridCentre c;
            bool known = false;
            if (!g.centre_id.empty() && !g.centre_proposed) {
                for (std::uint32_t i = 0; i < district.centres.size(); ++i) {
                    if (district.centres[i].id == g.centre_id) {
                        c.x = district.centres[i].x;
                        c.y = district.centres[i].y;
                        c.existing = i;
                        known = true;
                        break;
                    }
                }
            } else if (g.centre_proposed && std::isfinite(g.centre_x)) {
                c.x = g.centre_x;
                c.y = g.centre_y;
                c.proposed = true;
                known = true;
            }
            if (known) {
                place_centre(m_state, r, c);
                placed[r] = m_state.regions[r].seed.valid() ? 1 : 0;
            }
        }
        m_state.rules.frozen = placed;
        recentre(m_state, SiteSearch::wide);  // places the others
        m_state.rules.frozen.clear();
    }

    void freeze_locked() {
        for (const auto id : m_options.locked) {
            const std::uint32_t g = m_previous.index_of(id);
            for (std::uint32_t r = 0; r < m_grid_of_region.size(); ++r) {
                if (m_grid_of_region[r] == g) {
                    m_state.rules.frozen[RegionId{r}] = 1;
                    m_locked.insert(RegionId{r});
                }
            }
        }
    }

    bool frozen(RegionId r) const { return m_state.rules.is_frozen(r); }

    /// A new region holding `atoms`, its centre the first atom's centroid until recentred.
    RegionId add_region(const std::vector<AtomId>& atoms) {
        const RegionId r = m_state.regions.next_id();
        Region region;
        region.target = m_problem.config().households_per_grid;
        m_state.regions.push_back(std::move(region));
        m_state.rules.frozen.push_back(0);
        m_grid_of_region.push_back(no_index);
        for (const AtomId a : atoms) {
            const RegionId from = m_state.region_of[a];
            m_state.region_of[a] = r;
            m_state.regions[from].load -= m_problem.atom(a).households;
            m_state.regions[r].load += m_problem.atom(a).households;
        }
        place_centre(m_state, r, centroid(atoms));
        m_changed.insert(r);
        return r;
    }

    /// A proposed centre at the household-weighted centroid of the atoms (their plain
    /// centroid without households); re-centring moves it to a proper site.
    GridCentre centroid(const std::vector<AtomId>& atoms) const {
        double w = 0.0;
        double x = 0.0;
        double y = 0.0;
        for (const AtomId a : atoms) {
            const double h = static_cast<double>(m_problem.atom(a).households) + 1e-3;
            w += h;
            x += h * m_problem.atom(a).x;
            y += h * m_problem.atom(a).y;
        }
        GridCentre c;
        c.proposed = true;
        c.x = x / w;
        c.y = y / w;
        return c;
    }

    /// The pieces of region r over strong edges, the one holding its seed first, the others
    /// by most households (ties: lowest atom).
    std::vector<std::vector<AtomId>> pieces(RegionId r, const std::vector<AtomId>& atoms) const {
        std::set<AtomId> left(atoms.begin(), atoms.end());
        std::vector<std::vector<AtomId>> out;
        auto grow = [&](AtomId start) {
            std::vector<AtomId> piece{start};
            left.erase(start);
            for (std::size_t q = 0; q < piece.size(); ++q) {
                for (const auto& e : m_problem.atom(piece[q]).edges) {
                    if (e.strong && m_state.region_of[e.other] == r && left.erase(e.other) > 0) {
                        piece.push_back(e.other);
                    }
                }
            }
            std::sort(piece.begin(), piece.end());
            return piece;
        };
        const AtomId seed = m_state.regions[r].seed;
        if (seed.valid() && left.count(seed) > 0) {
            out.push_back(grow(seed));
        }
        std::vector<std::vector<AtomId>> rest;
        while (!left.empty()) {
            rest.push_back(grow(*left.begin()));
        }
        auto households = [&](const std::vector<AtomId>& piece) {
            std::int64_t h = 0;
            for (const AtomId a : piece) {
                h += m_problem.atom(a).households;
            }
            return h;
        };
        std::stable_sort(rest.begin(), rest.end(),
                         [&](const auto& a, const auto& b) { return households(a) > households(b); });
        if (out.empty() && !rest.empty()) {
            out.push_back(std::move(rest.front()));
            rest.erase(rest.begin());
        }
        out.insert(out.end(), rest.begin(), rest.end());
        return out;
    }

    std::int64_t households_of(const std::vector<AtomId>& atoms) const {
        std::int64_t h = 0;
        for (const AtomId a : atoms) {
            h += m_problem.atom(a).households;
        }
        return h;
    }

    /// The region (not r, not frozen) the atoms share the longest strong edge with.
    RegionId best_neighbour(const std::vector<AtomId>& atoms, RegionId r) const {
        std::map<RegionId, double> shared;
        for (const AtomId a : atoms) {
            for (const auto& e : m_problem.atom(a).edges) {
                const RegionId s = m_state.region_of[e.other];
                if (e.strong && s != r && !frozen(s)) {
                    shared[s] += e.total() + 1e-3;
                }
            }
        }
        RegionId best;
        double best_len = 0.0;
        for (const auto& [s, len] : shared) {
            if (len > best_len) {
                best_len = len;
                best = s;
            }
        }
        return best;
    }

    void give(const std::vector<AtomId>& atoms, RegionId s) {
        for (const AtomId a : atoms) {
            m_state.move_atom(a, s);
        }
        m_changed.insert(s);
    }

    /// Every grid connected: a grid's pieces beyond the one with its centre go to the
    /// neighbour they share the longest edge with, or become grids of their own when they
    /// hold at least the band's lower bound (or have no neighbour to go to).
    void keep_connected() {
        const double low = m_problem.config().band_low();
        for (int pass = 0; pass < 8; ++pass) {
            bool any = false;
            const auto atoms_of = m_state.atoms_of_regions();
            for (const RegionId r : atoms_of.ids()) {
                if (frozen(r) || atoms_of[r].empty()) {
                    continue;
                }
                const auto parts = pieces(r, atoms_of[r]);
                for (std::size_t k = 1; k < parts.size(); ++k) {
                    const RegionId s = best_neighbour(parts[k], r);
                    const std::int64_t h = households_of(parts[k]);
                    if (static_cast<double>(h) >= low || !s.valid()) {
                        const RegionId added = add_region(parts[k]);
                        m_ctx.log.info("replan: " + describe(r) + " is cut in two; its piece of " + std::to_string(h) +
                                       " households becomes " + describe(added));
                    } else {
                        m_ctx.log.info("replan: " + describe(r) + " is cut in two; its piece of " + std::to_string(h) +
                                       " households goes to " + describe(s));
                        give(parts[k], s);
                    }
                    m_changed.insert(r);
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
    }

    /// Neighbouring regions over strong edges (not frozen).
    std::set<RegionId> neighbours(RegionId r, const std::vector<AtomId>& atoms) const {
        std::set<RegionId> out;
        for (const AtomId a : atoms) {
            for (const auto& e : m_problem.atom(a).edges) {
                const RegionId s = m_state.region_of[e.other];
                if (e.strong && s != r && !frozen(s)) {
                    out.insert(s);
                }
            }
        }
        return out;
    }

    /// Dissolves grids that shrank below the band where that moves fewer households than
    /// filling them up, splits grids that grew beyond what their neighbours can absorb,
    /// then dissolves the smallest grids below the band while there are more grids than
    /// the district's households make (plan.grids, or households / target rounded).
    void resize_grids() {
        const PartitionConfig& config = m_problem.config();
        const double low = config.band_low();
        // Dissolving moves the grid's households; keeping it moves the deficit in from the
        // neighbours (along chains if need be): whichever moves fewer.
        while (dissolve_smallest([&](double load) { return load < 2.0 * (low - load); })) {
        }
        // Split, largest first, until no grid is above the band beyond its neighbours' room.
        for (int round = 0; round < 4 && split_large(); ++round) {
        }
        const std::size_t wanted =
            config.grids > 0 ? static_cast<std::size_t>(config.grids)
                             : static_cast<std::size_t>(std::max<long>(
                                   1, std::lround(static_cast<double>(m_problem.households()) / config.households_per_grid)));
        while (live_regions() > wanted && dissolve_smallest([](double) { return true; })) {
        }
    }

    std::size_t live_regions() const {
        std::size_t n = 0;
        for (const RegionId r : m_state.regions.ids()) {
            n += m_retired.count(r) == 0 && m_state.regions[r].load > 0 ? 1 : 0;
        }
        return n;
    }

    /// Dissolves the smallest grid below the band (not frozen) for which `worth(load)`
    /// holds and whose neighbours have room for it (room up to the band's top); returns
    /// whether one was.
    template <typename Worth>
    bool dissolve_smallest(Worth worth) {
        const double low = m_problem.config().band_low();
        const double high = m_problem.config().band_high();
        const auto atoms_of = m_state.atoms_of_regions();
        std::vector<std::pair<std::int64_t, RegionId>> small;
        for (const RegionId r : atoms_of.ids()) {
            const double load = static_cast<double>(m_state.regions[r].load);
            if (!frozen(r) && !atoms_of[r].empty() && load < low && worth(load)) {
                small.emplace_back(m_state.regions[r].load, r);
            }
        }
        std::sort(small.begin(), small.end());
        for (const auto& [load, r] : small) {
            const auto next = neighbours(r, atoms_of[r]);
            double room = 0.0;
            for (const RegionId s : next) {
                room += std::max(0.0, high - static_cast<double>(m_state.regions[s].load));
            }
            if (!next.empty() && room >= static_cast<double>(load)) {
                dissolve(r, atoms_of[r]);
                return true;
            }
        }
        return false;
    }


    /// One round of splits; returns whether any grid was split.
    bool split_large() {
        const PartitionConfig& config = m_problem.config();
        const double high = config.band_high();
        const double target = config.households_per_grid;
        bool any = false;
        const auto atoms_of = m_state.atoms_of_regions();
        std::vector<std::pair<std::int64_t, RegionId>> large;
        for (const RegionId r : atoms_of.ids()) {
            if (!frozen(r) && static_cast<double>(m_state.regions[r].load) > high) {
                large.emplace_back(-m_state.regions[r].load, r);
            }
        }
        std::sort(large.begin(), large.end());
        for (const auto& [minus_load, r] : large) {
            const double load = static_cast<double>(-minus_load);
            double room = 0.0;
            for (const RegionId s : neighbours(r, atoms_of[r])) {
                room += std::max(0.0, target - static_cast<double>(m_state.regions[s].load));
            }
            if (room >= load - high) {
                continue;  // the band repair passes the excess on
            }
            // As many grids as leave the fewest households to pass to or from neighbours
            // (fewer grids on ties); one means the band repair passes the excess on.
            const double low = config.band_low();
            auto to_pass = [&](int m) {
                const double per = load / m;
                return per > high ? load - m * high : (per < low ? m * low - load : 0.0);
            };
            const int fewer = std::max(1, static_cast<int>(std::floor(load / target)));
            const int more = std::max(1, static_cast<int>(std::ceil(load / target)));
            const int parts = to_pass(more) <= to_pass(fewer) ? more : fewer;
            if (parts < 2) {
                continue;
            }
            split(r, atoms_of[r], parts);
            any = true;
        }
        return any;
    }

    /// Region r's atoms to its neighbours, nearest first, each to the adjacent region it
    /// shares the longest edge with; r is retired.
    void dissolve(RegionId r, const std::vector<AtomId>& atoms) {
        std::set<AtomId> left(atoms.begin(), atoms.end());
        while (!left.empty()) {
            bool moved = false;
            for (auto it = left.begin(); it != left.end();) {
                const RegionId s = best_neighbour({*it}, r);
                if (s.valid()) {
                    m_state.move_atom(*it, s);
                    m_changed.insert(s);
                    it = left.erase(it);
                    moved = true;
                } else {
                    ++it;
                }
            }
            if (!moved) {
                return;  // the rest touches only frozen grids: r keeps it
            }
        }
        m_state.regions[r].seed = AtomId{};
        m_retired.insert(r);
        m_ctx.log.info("replan: " + describe(r) + " (" + std::to_string(households_of(atoms)) +
                       " households) dissolved into its neighbours");
    }

    /// Splits region r into `parts` grids of about equal households by peeling new grids
    /// off it: each grows from the atom with most new (not persisting) households (the
    /// farthest from r's centre when none is new) over strong edges inside r, nearest
    /// first with persisting households counting as distance, so that the grid keeps its
    /// own households and the new grids take the new ones. What is left keeps the id.
    void split(RegionId r, const std::vector<AtomId>& atoms, int parts) {
        const std::int64_t total = households_of(atoms);
        const double high = m_problem.config().band_high();
        std::set<AtomId> left(atoms.begin(), atoms.end());
        const AtomId centre = m_state.regions[r].seed;
        std::vector<std::string> loads;
        const std::uint32_t first_added = static_cast<std::uint32_t>(m_state.regions.size());
        for (int k = 1; k < parts; ++k) {
            std::int64_t remaining = 0;
            for (const AtomId a : left) {
                remaining += m_problem.atom(a).households;
            }
            const double goal = static_cast<double>(remaining) / (parts - k + 1);
            // The peel's first atom.
            AtomId start;
            std::int64_t most_new = -1;
            double farthest = -1.0;
            const GridCentre& c = m_state.regions[r].centre;
            for (const AtomId a : left) {
                if (a == centre || m_problem.atom(a).households <= 0) {
                    continue;  // a peel starts where people live
                }
                const std::int64_t fresh = m_problem.atom(a).households - m_keep[a];
                const double d = std::hypot(m_problem.atom(a).x - c.x, m_problem.atom(a).y - c.y);
                if (fresh > most_new || (fresh == most_new && d > farthest)) {
                    most_new = fresh;
                    farthest = d;
                    start = a;
                }
            }
            if (!start.valid()) {
                break;
            }
            // Grow it, nearest first.
            std::map<AtomId, double> dist{{start, 0.0}};
            using Item = std::pair<double, AtomId>;
            std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
            queue.emplace(0.0, start);
            std::vector<AtomId> peel;
            double load = 0.0;
            std::set<AtomId> done;
            while (!queue.empty()) {
                const auto [d, a] = queue.top();
                queue.pop();
                if (!done.insert(a).second) {
                    continue;
                }
                const double h = static_cast<double>(m_problem.atom(a).households);
                if (load > 0.0 && load + h > high) {
                    continue;  // would leave the band: the atom stays in the grid
                }
                peel.push_back(a);
                load += h;
                if (load >= goal) {
                    break;
                }
                const Atom& from = m_problem.atom(a);
                for (const auto& e : from.edges) {
                    if (!e.strong || e.other == centre || left.count(e.other) == 0 || done.count(e.other) > 0) {
                        continue;
                    }
                    const Atom& to = m_problem.atom(e.other);
                    const double share = static_cast<double>(m_keep[e.other]) / (static_cast<double>(to.households) + 1.0);
                    const double nd = d + std::hypot(from.x - to.x, from.y - to.y) * (1.0 + 4.0 * share);
                    const auto it = dist.find(e.other);
                    if (it == dist.end() || nd < it->second) {
                        dist[e.other] = nd;
                        queue.emplace(nd, e.other);
                    }
                }
            }
            if (load <= 0.0) {
                break;  // nothing left to peel but empty land
            }
            for (const AtomId a : peel) {
                left.erase(a);
            }
            const RegionId added = add_region(peel);
            loads.push_back(std::to_string(m_state.regions[added].load));
        }
        // The new grids and what is left balanced among themselves first (the peels are
        // only as even as the blocks allow).
        const IdVector<RegionId, char> saved = m_state.rules.frozen;
        for (const RegionId o : m_state.regions.ids()) {
            m_state.rules.frozen[o] = o == r || o.value() >= first_added ? 0 : 1;
        }
        repair_band(m_state);
        improve(m_state);
        m_state.rules.frozen = saved;
        m_ctx.log.info("replan: " + describe(r) + " (" + std::to_string(total) + " households) split in " +
                       std::to_string(loads.size() + 1) + ": " + std::to_string(m_state.regions[r].load) +
                       " stay, new grids of " + join_limited(loads, 20));
        m_changed.insert(r);
    }

    /// "grid 12" (a previous grid) or "a new grid".
    std::string describe(RegionId r) const {
        const std::uint32_t g = m_grid_of_region[r.value()];
        return g == no_index ? std::string{"a new grid"} : "grid " + std::to_string(m_previous.grids[g].grid_id);
    }

    /// Frozen: locked grids, and (at stability 0.5 or more) every grid that neither broke
    /// nor borders one that did. Broken: changed by the steps above, outside the band.
    void choose_movable() {
        const PartitionConfig& config = m_problem.config();
        IdVector<RegionId, char> broken(m_state.regions.size(), 0);
        for (const RegionId r : m_state.regions.ids()) {
            const double load = static_cast<double>(m_state.regions[r].load);
            const bool outside = load < config.band_low() || load > config.band_high();
            broken[r] = !frozen(r) && !m_retired.count(r) && (m_changed.count(r) > 0 || (outside && touched(r))) ? 1 : 0;
        }
        if (m_options.stability < 0.5) {
            return;  // every grid not locked moves
        }
        IdVector<RegionId, char> movable = broken;
        for (const AtomId a : m_problem.atom_ids()) {
            const RegionId r = m_state.region_of[a];
            for (const auto& e : m_problem.atom(a).edges) {
                const RegionId s = m_state.region_of[e.other];
                if (e.strong && s != r && broken[s] != 0) {
                    movable[r] = 1;
                }
            }
        }
        for (const RegionId r : m_state.regions.ids()) {
            if (movable[r] == 0) {
                m_state.rules.frozen[r] = 1;
            }
        }
    }

    /// Whether region r's households differ from the previous grid's (its "households"
    /// field), or the previous figure is unknown.
    bool touched(RegionId r) const {
        const std::uint32_t g = m_grid_of_region[r.value()];
        if (g == no_index) {
            return true;
        }
        const std::int64_t before = m_previous.grids[g].households;
        return before < 0 || before != m_state.regions[r].load;
    }

    PlanResult evaluate() {
        // Retired regions (no atoms) are dropped.
        const auto atoms_of = m_state.atoms_of_regions();
        IdVector<RegionId, RegionId> renumber(m_state.regions.size());
        State kept{m_problem};
        std::vector<std::uint32_t> previous_of;
        for (const RegionId r : m_state.regions.ids()) {
            if (!atoms_of[r].empty()) {
                renumber[r] = kept.regions.next_id();
                kept.regions.push_back(m_state.regions[r]);
                previous_of.push_back(m_grid_of_region[r.value()]);
            }
        }
        kept.region_of = m_state.region_of;
        for (auto& r : kept.region_of) {
            r = renumber[r];
        }
        kept.count_loads();
        PlanResult plan = finish(kept, m_ctx);
        // finish() numbers grids geographically: back to the regions, then persisted ids.
        std::vector<std::uint32_t> previous_of_grid(plan.grids.size(), no_index);
        for (const RegionId r : kept.regions.ids()) {
            const AtomId a = kept.regions[r].seed.valid() ? kept.regions[r].seed : AtomId{};
            (void)a;
        }
        for (const AtomId a : m_problem.atom_ids()) {
            const GridId g = plan.grid_of_block[m_problem.atom(a).blocks.front().value()];
            previous_of_grid[g.value()] = previous_of[kept.region_of[a].value()];
        }
        persist_grid_ids(plan, previous_of_grid, m_previous);
        return plan;
    }

    const Problem& m_problem;
    const PreviousPlan& m_previous;
    const ReplanOptions& m_options;
    RunContext& m_ctx;
    State m_state;
    std::vector<std::uint32_t> m_grid_of_region;  ///< index into previous.grids, or no_index (new)
    std::set<RegionId> m_changed;
    std::set<RegionId> m_retired;
    std::set<RegionId> m_locked;
    IdVector<AtomId, std::int64_t> m_keep;  ///< persisting households per atom
};

} // namespace

PlanResult replan_grids(const io::District& district, const blocks::BlocksResult& blocks,
                        const network::WalkNetwork& net, const std::vector<io::PolygonFeature>& nest_within,
                        const PartitionConfig& config, const PreviousPlan& previous, const CarriedPlan& carried,
                        const std::vector<std::int64_t>& persisting, const ReplanOptions& options,
                        const wrap::GeosContext& geos, RunContext& ctx) {
    options.validate();
    if (!persisting.empty() && persisting.size() != district.households.size()) {
        throw InternalError{"replan_grids: one persisting count per household point expected"};
    }
    options.check_locked(previous);
    ProblemOptions popt;
    popt.cover_sites = false;
    // A replan's band repair may pass larger atoms (a compound's blocks) and try longer.
    PartitionConfig tuned = config;
    tuned.tuning.band_repair_overshoot = std::max(tuned.tuning.band_repair_overshoot, 3.0);
    const Problem problem{district, blocks, net, nest_within, tuned, geos, ctx, popt};
    Replanner replanner{problem, previous, carried, persisting, options, ctx};
    return replanner.run();
}

} // namespace gridplan::partition
