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
//    - grids above the band that touch one another are split as one group: new grids are
//      peeled off from their new households outwards, as many as move the fewest
//      persisting households, peels and band flow after counted (none is a candidate);
//    - grids with no households left are dissolved; then, one at a time, the grid below
//      the band whose dissolving lowers most the households moved, band flow included;
//    - while there are more grids than the band allows (or, below stability 0.5, than
//      the households over the target make), the smallest below the band is dissolved;
//    - the band flow (band_flow.hpp): a min-cost flow on the grid graph says how many
//      households each grid passes to each neighbour so that the grids dissolved are
//      emptied and the others end inside the band, at the fewest households x grids
//      crossed; each amount is passed as border atoms, and the flow solved again on what
//      blocks of whole households left, a few rounds.
// 3. What is still outside the band, two ways, the better by score(m_state) kept: single
//    band moves alone, or the local search (search.hpp) with moves limited to the grids
//    changed above or outside the band and their neighbours (all grids at stability below
//    0.5), each persisting household away from the grid it was carried into costing
//    Tuning::replan_away_cost x stability / (1 - stability), the frozen grids around
//    joining ring by ring while grids stay outside the band, then re-centring and search
//    rounds and single band moves. Last (stability 0.5 or more), reduce_moves(): atoms
//    back to the grid they were carried into, with up to two more moves keeping the band.
// 4. The evaluation; each grid continues the previous grid it shares most persisting
//    households with (match_previous()), so a split grid keeps its id on the part that
//    holds its households; new grids get ids above the maximum.
#include "gridplan/partition/replan.hpp"

#include "partition/detail/band_flow.hpp"
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
#include <tuple>

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
        log_loads("carried");
        // The hard rules.
        keep_connected();
        resize_grids();
        keep_connected();
        log_loads("resized");
        // What broke, and where moves may go.
        // Home: the grid each atom was carried into (a household moved by the steps above
        // gains by going back, as the share kept counts it).
        m_state.rules.home = m_carried;
        m_state.rules.away_households = m_keep;
        const double w = m_options.stability;
        m_state.rules.away_cost =
            w >= 1.0 ? t.replan_away_cost_max : std::min(t.replan_away_cost * w / (1.0 - w), t.replan_away_cost_max);
        choose_movable();
        // Two ways on from here, the better by score() (the band first, then households
        // beyond the radius plus the cost of those moved): the band repaired by single
        // moves alone, or the local search over what broke, with re-centring.
        const auto [saved_region_of, saved_regions] = std::pair{m_state.region_of, m_state.regions};
        fix_band_by_single_moves();
        const double band_only = score(m_state);
        auto band_region_of = m_state.region_of;
        auto band_regions = m_state.regions;
        m_state.region_of = saved_region_of;
        m_state.regions = saved_regions;
        search_in_rings();
        for (int round = 0; round < m_problem.config().rounds; ++round) {
            if (!recentre(m_state, SiteSearch::wide)) {
                break;
            }
            search_in_rings();
        }
        fix_band_by_single_moves();
        const double searched = score(m_state);
        m_ctx.log.debug("replan: score " + std::to_string(band_only) + " with the band repaired alone, " +
                        std::to_string(searched) + " after the search");
        if (band_only <= searched) {
            m_state.region_of = std::move(band_region_of);
            m_state.regions = std::move(band_regions);
        }
        log_loads("repaired");
        if (w >= 0.5) {
            reduce_moves();
            log_loads("moves reduced");
        }
        return evaluate();
    }

    /// The last step: fewer households moved, the band and contiguity kept. A household
    /// away from the grid it was carried into goes back when its grid's neighbour is that
    /// grid; where that would take a grid out of the band, a second atom makes up for it:
    /// one of the grid that takes the household back passes an atom on (to any neighbour),
    /// or a neighbour of the grid it leaves passes one in, chosen so that fewer persisting
    /// households are away in all. Only grids movable() change; no centre's atom moves.
    /// Passes until none helps (at most Tuning::improve_passes).
    void reduce_moves() {
        for (int pass = 0; pass < m_problem.tuning().improve_passes; ++pass) {
            std::int64_t gained = 0;
            for (const AtomId a : m_problem.atom_ids()) {
                const RegionId c = m_state.region_of[a];
                const RegionId h = m_carried[a];
                if (m_keep[a] <= 0 || c == h || !movable(c) || !movable(h) || m_state.regions[c].seed == a ||
                    m_state.regions[h].load <= 0 || !touches(a, h)) {
                    continue;
                }
                gained += bring_home(a, c, h);
            }
            m_ctx.log.debug("replan: fewer moves, pass " + std::to_string(pass) + ": " + std::to_string(gained) +
                            " households back home");
            if (gained == 0) {
                break;
            }
        }
    }

    /// Whether the last step may change region r: not locked, not retired, and not frozen
    /// as a grid that neither broke nor borders one that did (choose_movable()).
    bool movable(RegionId r) const { return !frozen(r) && m_locked.count(r) == 0 && m_retired.count(r) == 0; }

    bool touches(AtomId a, RegionId r) const {
        for (const auto& e : m_problem.atom(a).edges) {
            if (e.strong && m_state.region_of[e.other] == r) {
                return true;
            }
        }
        return false;
    }

    /// Persisting households of atom b away from home if it were in region r.
    std::int64_t away_in(AtomId b, RegionId r) const { return m_carried[b] == r ? 0 : m_keep[b]; }

    /// Atom a (in c, carried into h) back to h, alone or with up to two atoms making up
    /// for it (settle()); returns the persisting households that came home in all, net
    /// (0: nothing done).
    std::int64_t bring_home(AtomId a, RegionId c, RegionId h) {
        if (!connected_after_move(c, a)) {
            return 0;
        }
        m_state.move_atom(a, h);
        std::vector<RegionId> touched{c, h};
        std::int64_t gain = 0;
        if (settle(2, m_keep[a], touched, gain)) {
            for (const RegionId r : touched) {
                m_changed.insert(r);
            }
            return gain;
        }
        m_state.move_atom(a, c);
        return 0;
    }

    /// With the grids `touched` by the moves so far (net gain `so_far`): if all are inside
    /// the band and the gain is positive, done (true, `gain` set). Else, up to `depth` more
    /// moves, each a border atom into or out of the first touched grid outside the band
    /// (the most promising few by gain, connectivity kept, no centre's atom), tried in
    /// turn; a move tried and not kept is undone.
    bool settle(int depth, std::int64_t so_far, std::vector<RegionId>& touched, std::int64_t& gain) {
        RegionId r;
        for (const RegionId t : touched) {
            if (!inside_band(static_cast<double>(m_state.regions[t].load))) {
                r = t;
                break;
            }
        }
        if (!r.valid()) {
            gain = so_far;
            return so_far > 0;
        }
        if (depth == 0) {
            return false;
        }
        const double load = static_cast<double>(m_state.regions[r].load);
        const bool over = load > m_problem.config().band_high();
        struct Move {
            std::int64_t gain;
            AtomId atom;
            RegionId to;
        };
        std::vector<Move> moves;
        for (const AtomId b : m_problem.atom_ids()) {
            const RegionId from = m_state.region_of[b];
            if (!movable(from) || m_state.regions[from].seed == b || (over && from != r) || (!over && from == r)) {
                continue;
            }
            const std::int64_t hb = m_problem.atom(b).households;
            if (hb <= 0 || !inside_band(over ? load - static_cast<double>(hb) : load + static_cast<double>(hb))) {
                continue;
            }
            for (const auto& e : m_problem.atom(b).edges) {
                const RegionId to = m_state.region_of[e.other];
                if (!e.strong || to == from || !movable(to) || (!over && to != r)) {
                    continue;
                }
                const std::int64_t g = away_in(b, from) - away_in(b, to);
                if (so_far + g <= 0 && depth == 1) {
                    continue;  // cannot end with a gain
                }
                moves.push_back({g, b, to});
            }
        }
        std::sort(moves.begin(), moves.end(), [](const Move& x, const Move& y) {
            return x.gain != y.gain ? x.gain > y.gain
                                    : (x.atom != y.atom ? x.atom < y.atom : x.to < y.to);
        });
        moves.erase(std::unique(moves.begin(), moves.end(),
                                [](const Move& x, const Move& y) { return x.atom == y.atom && x.to == y.to; }),
                    moves.end());
        int tried = 0;
        for (const Move& m : moves) {
            if (tried >= 8) {
                break;
            }
            const RegionId from = m_state.region_of[m.atom];
            if (!connected_after_move(from, m.atom)) {
                continue;
            }
            ++tried;
            m_state.move_atom(m.atom, m.to);
            const std::size_t size = touched.size();
            for (const RegionId t : {from, m.to}) {
                if (std::find(touched.begin(), touched.end(), t) == touched.end()) {
                    touched.push_back(t);
                }
            }
            if (settle(depth - 1, so_far + m.gain, touched, gain)) {
                return true;
            }
            touched.resize(size);
            m_state.move_atom(m.atom, from);
        }
        return false;
    }

    /// Debug: the persisting households away from their carried grid, and the grids
    /// outside the band with their loads.
    void log_loads(const std::string& when) const {
        std::int64_t away = 0;
        for (const AtomId a : m_problem.atom_ids()) {
            away += m_state.region_of[a] != m_carried[a] ? m_keep[a] : 0;
        }
        std::string outside;
        const auto atoms_of = m_state.atoms_of_regions();
        for (const RegionId r : m_state.regions.ids()) {
            const double load = static_cast<double>(m_state.regions[r].load);
            if (!atoms_of[r].empty() && !inside_band(load)) {
                outside += " " + describe(r) + " " + std::to_string(m_state.regions[r].load) + ";";
            }
        }
        m_ctx.log.debug("replan: " + when + ": " + std::to_string(away) +
                        " persisting households away from their carried grid; outside the band:" + outside);
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
    /// into it and leaves the other grid inside, both connected: the one that takes the
    /// fewest persisting households away from the grid they were carried into (net of
    /// those it brings back). With `only` valid, moves into or out of that grid only.
    std::pair<AtomId, RegionId> best_band_move(RegionId only, AtomId exclude) const {
        AtomId best;
        RegionId best_to;
        std::int64_t best_cost = std::numeric_limits<std::int64_t>::max();
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
                const std::int64_t cost = away_in(a, s) - away_in(a, r);
                if ((inside_band(lr) && inside_band(ls)) || !inside_band(ls + h) || cost >= best_cost) {
                    continue;
                }
                if (connected_after_move(r, a)) {
                    best = a;
                    best_to = s;
                    best_cost = cost;
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
        m_carried = m_state.region_of;
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
                if (e.strong && s != r && !frozen(s) && m_dissolving.count(s) == 0) {
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

    /// Splits the grids that grew beyond what their neighbours can absorb (split_large()),
    /// chooses the grids to dissolve (choose_dissolving()), dissolves the smallest below
    /// the band while there are more grids than the band allows (see below), then moves
    /// the households of the grids dissolved and the excess and deficit of the others by
    /// the band flow (flow_to_band()).
    void resize_grids() {
        const PartitionConfig& config = m_problem.config();
        const double low = config.band_low();
        for (int round = 0; round < 4 && split_large(); ++round) {
            keep_connected();  // peels may cut a grid: the flow passes only from connected grids
        }
        choose_dissolving();
        // The count: plan.grids when set; else, at stability 0.5 or more, as many as the
        // band allows (every grid can still hold its lower bound: dissolving a grid moves
        // all its households), below 0.5 the households over the target, as a fresh plan.
        const double households = static_cast<double>(m_problem.households());
        const std::size_t wanted =
            config.grids > 0 ? static_cast<std::size_t>(config.grids)
            : m_options.stability >= 0.5
                ? static_cast<std::size_t>(std::max(1.0, std::floor(households / low)))
                : static_cast<std::size_t>(std::max(1.0, std::round(households / config.households_per_grid)));
        while (live_regions() > wanted && dissolve_smallest()) {
        }
        flow_to_band();
        // What the flow left of the grids dissolved (empty land, blocks too large to pass)
        // to their neighbours, in rounds: a block that touches only another grid being
        // dissolved waits for that grid's blocks to have gone.
        for (bool progress = true; progress;) {
            progress = false;
            const auto atoms_of = m_state.atoms_of_regions();
            for (const RegionId r : m_dissolving) {
                if (m_retired.count(r) == 0 && !atoms_of[r].empty()) {
                    progress = dissolve(r, atoms_of[r]) || progress;
                }
            }
        }
        const auto atoms_of = m_state.atoms_of_regions();
        for (const RegionId r : m_dissolving) {
            if (atoms_of[r].empty()) {
                m_state.regions[r].seed = AtomId{};
                m_retired.insert(r);
            } else if (m_retired.count(r) == 0) {
                m_ctx.log.info("replan: " + describe(r) + " keeps " + std::to_string(m_state.regions[r].load) +
                               " households in blocks no neighbour can take");
                const AtomId seed = m_state.regions[r].seed;
                if (!seed.valid() || m_state.region_of[seed] != r) {
                    m_state.regions[r].seed = AtomId{};
                    place_centre(m_state, r, centroid(pieces(r, atoms_of[r]).front()));
                }
            }
        }
        m_dissolving.clear();
    }

    /// Which grids below the band to dissolve: those with no households left; then one at
    /// a time, the one that lowers most the households its dissolving and the band flow
    /// after would move (a household the flow cannot place outweighing them all), while
    /// one does.
    void choose_dissolving() {
        const double low = m_problem.config().band_low();
        auto cost = [&](const std::set<RegionId>& extra) {
            return flow_cost(flow_problem(m_state.region_of, m_state.regions.size(), &extra));
        };
        // A grid with blocks but no households left is dissolved whatever the flow.
        std::set<RegionId> chosen;
        const auto atoms_of = m_state.atoms_of_regions();
        for (const RegionId r : m_state.regions.ids()) {
            if (!frozen(r) && m_retired.count(r) == 0 && m_dissolving.count(r) == 0 && !atoms_of[r].empty() &&
                m_state.regions[r].load <= 0) {
                chosen.insert(r);
                m_ctx.log.info("replan: " + describe(r) + " (no households left) is dissolved into its neighbours");
            }
        }
        double current = cost(chosen);
        // The candidates: the smallest grids below the band (a flow solve each per step).
        std::vector<std::pair<std::int64_t, RegionId>> below;
        for (const RegionId r : m_state.regions.ids()) {
            const std::int64_t load = m_state.regions[r].load;
            if (!frozen(r) && m_retired.count(r) == 0 && m_dissolving.count(r) == 0 && chosen.count(r) == 0 &&
                load > 0 && static_cast<double>(load) < low) {
                below.emplace_back(load, r);
            }
        }
        std::sort(below.begin(), below.end());
        below.resize(std::min<std::size_t>(below.size(), 24));
        for (;;) {
            RegionId best;
            double best_cost = current;
            for (const auto& [load, r] : below) {
                if (chosen.count(r) > 0) {
                    continue;
                }
                std::set<RegionId> with = chosen;
                with.insert(r);
                const double c = cost(with);
                if (c < best_cost) {
                    best_cost = c;
                    best = r;
                }
            }
            if (!best.valid()) {
                break;
            }
            chosen.insert(best);
            current = best_cost;
            m_ctx.log.info("replan: " + describe(best) + " (" + std::to_string(m_state.regions[best].load) +
                           " households) is dissolved into its neighbours");
        }
        m_dissolving.insert(chosen.begin(), chosen.end());
    }

    std::size_t live_regions() const {
        std::size_t n = 0;
        for (const RegionId r : m_state.regions.ids()) {
            n += m_retired.count(r) == 0 && m_dissolving.count(r) == 0 && m_state.regions[r].load > 0 ? 1 : 0;
        }
        return n;
    }

    /// Marks for dissolving the smallest grid below the band (not frozen, not marked) whose
    /// neighbours have room for it (room up to the band's top); returns whether one was.
    bool dissolve_smallest() {
        const double low = m_problem.config().band_low();
        const double high = m_problem.config().band_high();
        const auto atoms_of = m_state.atoms_of_regions();
        std::vector<std::pair<std::int64_t, RegionId>> small;
        for (const RegionId r : atoms_of.ids()) {
            const double load = static_cast<double>(m_state.regions[r].load);
            if (!frozen(r) && m_dissolving.count(r) == 0 && !atoms_of[r].empty() && load < low) {
                small.emplace_back(m_state.regions[r].load, r);
            }
        }
        std::sort(small.begin(), small.end());
        for (const auto& [load, r] : small) {
            const auto next = neighbours(r, atoms_of[r]);
            double room = 0.0;
            for (const RegionId s : next) {
                if (m_dissolving.count(s) == 0) {
                    room += std::max(0.0, high - static_cast<double>(m_state.regions[s].load));
                }
            }
            if (!next.empty() && room >= static_cast<double>(load)) {
                m_dissolving.insert(r);
                m_ctx.log.info("replan: " + describe(r) + " (" + std::to_string(load) +
                               " households) is dissolved into its neighbours");
                return true;
            }
        }
        return false;
    }

    /// The band flow (band_flow.hpp) over the grids not frozen: each grid marked for
    /// dissolving gives all it holds, every other ends inside the band less a margin
    /// (Tuning::replan_flow_margin), at the fewest households x grids crossed; then each
    /// amount is passed as border atoms (realize()). Blocks come whole and grids touch
    /// where they touch, so a flow may be passed only in part: the flow is solved again on
    /// what it left, a few rounds.
    void flow_to_band() {
        for (int round = 0; round < 4; ++round) {
            if (!flow_round()) {
                break;
            }
        }
    }

    /// Households a flow aims inside each end of the band (Tuning::replan_flow_margin).
    double flow_margin() const {
        const PartitionConfig& config = m_problem.config();
        return std::min(m_problem.tuning().replan_flow_margin * config.households_per_grid,
                        0.25 * (config.band_high() - config.band_low()));
    }

    /// The band flow's graph for an assignment of atoms to `regions` regions (ids at and
    /// above the state's count are new grids): a node per region that holds households
    /// and is neither frozen nor retired, a grid being dissolved with bounds 0..0.
    struct FlowProblem {
        std::vector<BandFlowNode> nodes;
        std::vector<RegionId> region_of_node;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> adjacent;
    };
    FlowProblem flow_problem(const IdVector<AtomId, RegionId>& region_of, std::size_t regions,
                             const std::set<RegionId>* dissolving_too = nullptr) const {
        const PartitionConfig& config = m_problem.config();
        const double margin = flow_margin();
        auto low = static_cast<std::int64_t>(std::ceil(config.band_low() + margin));
        auto high = static_cast<std::int64_t>(std::floor(config.band_high() - margin));
        if (low > high) {  // a band narrower than one household: aim at the target
            low = high = std::llround(config.households_per_grid);
        }
        std::vector<std::int64_t> load(regions, 0);
        for (const AtomId a : m_problem.atom_ids()) {
            load[region_of[a].value()] += m_problem.atom(a).households;
        }
        FlowProblem fp;
        std::vector<std::uint32_t> node_of(regions, no_index);
        for (std::uint32_t k = 0; k < regions; ++k) {
            const RegionId r{k};
            const bool existing = k < m_state.regions.size();
            if ((existing && (frozen(r) || m_retired.count(r) > 0)) || load[k] <= 0) {
                continue;
            }
            node_of[k] = static_cast<std::uint32_t>(fp.nodes.size());
            fp.region_of_node.push_back(r);
            const bool dissolving =
                existing && (m_dissolving.count(r) > 0 || (dissolving_too != nullptr && dissolving_too->count(r) > 0));
            fp.nodes.push_back({load[k], dissolving ? 0 : low, dissolving ? 0 : high, !dissolving});
        }
        for (const AtomId a : m_problem.atom_ids()) {
            const std::uint32_t u = node_of[region_of[a].value()];
            for (const auto& e : m_problem.atom(a).edges) {
                const std::uint32_t v = node_of[region_of[e.other].value()];
                if (e.strong && u != no_index && v != no_index && u < v) {
                    fp.adjacent.emplace_back(u, v);
                }
            }
        }
        return fp;
    }

    /// What the band flow over `fp` would cost: the households it moves (x grids crossed),
    /// a household it cannot place (left outside the band) outweighing them all.
    double flow_cost(const FlowProblem& fp) const {
        const BandFlow flow = band_flow(fp.nodes, fp.adjacent);
        double cost = (static_cast<double>(m_problem.households()) + 1.0) * static_cast<double>(flow.unmet);
        for (const BandFlowEdge& e : flow.edges) {
            cost += static_cast<double>(e.amount);
        }
        return cost;
    }

    /// One round of flow_to_band(); returns whether any household was passed.
    bool flow_round() {
        const double margin = flow_margin();
        const FlowProblem fp = flow_problem(m_state.region_of, m_state.regions.size());
        const auto& nodes = fp.nodes;
        const auto& region_of_node = fp.region_of_node;
        const BandFlow flow = band_flow(fp.nodes, fp.adjacent);
        // The grids dissolved pass theirs first (their households move in any case).
        std::vector<std::vector<std::pair<RegionId, std::int64_t>>> out_of(nodes.size());
        std::int64_t total = 0;
        for (const BandFlowEdge& e : flow.edges) {
            out_of[e.from].emplace_back(region_of_node[e.to], e.amount);
            total += e.amount;
        }
        std::int64_t passed = 0;
        for (const bool dissolving : {true, false}) {
            for (std::uint32_t v = 0; v < nodes.size(); ++v) {
                if (!out_of[v].empty() && nodes[v].takes != dissolving) {
                    passed += realize(region_of_node[v], out_of[v], dissolving, margin);
                }
            }
        }
        m_ctx.log.debug("replan: band flow of " + std::to_string(total) + " households over " +
                        std::to_string(flow.edges.size()) + " grid borders, " + std::to_string(passed) + " passed; " +
                        std::to_string(flow.unmet) + " households it cannot place");
        return passed > 0;
    }

    /// The border atom of region r to pass to its neighbour s towards `left` households
    /// (never r's centre's, unless r is being dissolved; r stays connected unless it is):
    /// the one that takes the fewest persisting households away from the grid they were
    /// carried into (per household; one already away costs nothing), nearest to s's centre
    /// on ties, among those that overshoot by at most `slack`; when none does, the smallest
    /// that still brings the amount closer; for a grid being dissolved, else an empty
    /// border atom (it opens the way to those behind). Invalid: none.
    AtomId border_atom(RegionId r, RegionId s, std::int64_t left, bool dissolving, double slack) const {
        const GridCentre& c = m_state.regions[s].centre;
        AtomId best;
        double best_share = 0.0;
        double best_distance = 0.0;
        AtomId closer;
        AtomId empty;
        for (const AtomId a : m_problem.atom_ids()) {
            const std::int64_t h = m_problem.atom(a).households;
            // An atom that overshoots more than it helps only where both grids stay
            // inside the band (a grid being dissolved has no band).
            const bool fits = static_cast<double>(m_state.regions[s].load + h) <= m_problem.config().band_high() &&
                              (dissolving || inside_band(static_cast<double>(m_state.regions[r].load - h)));
            if (m_state.region_of[a] != r || (!dissolving && a == m_state.regions[r].seed) || (h >= 2 * left && !fits)) {
                continue;
            }
            if (!touches(a, s) || (!dissolving && !connected_after_move(r, a))) {
                continue;
            }
            if (h <= 0) {
                empty = empty.valid() ? empty : a;
                continue;
            }
            if (static_cast<double>(h) > static_cast<double>(left) + slack) {
                if (!closer.valid() || h < m_problem.atom(closer).households) {
                    closer = a;
                }
                continue;
            }
            // Persisting households this move takes away from home (less those it brings
            // back), per household: a household already away moves on for nothing.
            const double share = static_cast<double>(away_in(a, s) - away_in(a, r)) / static_cast<double>(h);
            const double d = std::hypot(m_problem.atom(a).x - c.x, m_problem.atom(a).y - c.y);
            if (!best.valid() || share < best_share || (share == best_share && d < best_distance)) {
                best = a;
                best_share = share;
                best_distance = d;
            }
        }
        return best.valid() ? best : closer.valid() ? closer : dissolving ? empty : AtomId{};
    }

    /// Passes the amounts of the band flow out of region r (`to`: neighbour and amount) as
    /// border atoms, one atom per neighbour in turn so that each grows in from its own
    /// side (a grid being dissolved is shared out that way); returns the households passed.
    std::int64_t realize(RegionId r, const std::vector<std::pair<RegionId, std::int64_t>>& to, bool dissolving,
                         double slack) {
        std::vector<std::int64_t> passed(to.size(), 0);
        for (bool progress = true; progress;) {
            progress = false;
            for (std::size_t k = 0; k < to.size(); ++k) {
                const std::int64_t left = to[k].second - passed[k];
                if (left <= 0) {
                    continue;
                }
                const AtomId a = border_atom(r, to[k].first, left, dissolving, slack);
                if (a.valid()) {
                    m_state.move_atom(a, to[k].first);
                    passed[k] += m_problem.atom(a).households;
                    progress = true;
                }
            }
        }
        for (std::size_t k = 0; k < to.size(); ++k) {
            m_ctx.log.debug("replan: band flow " + describe(r) + " -> " + describe(to[k].first) + ": " +
                            std::to_string(to[k].second) + ", passed " + std::to_string(passed[k]));
            m_changed.insert(to[k].first);
        }
        m_changed.insert(r);
        return std::accumulate(passed.begin(), passed.end(), std::int64_t{0});
    }

    /// One round of splits; returns whether any grid was split. The grids above the band
    /// that touch one another grew together (a new compound across their border): each
    /// such group is split as one, unless its neighbours have room for its excess.
    bool split_large() {
        const PartitionConfig& config = m_problem.config();
        const double high = config.band_high();
        const double low = config.band_low();
        const double target = config.households_per_grid;
        const auto atoms_of = m_state.atoms_of_regions();
        auto large = [&](RegionId r) {
            return !frozen(r) && m_dissolving.count(r) == 0 && static_cast<double>(m_state.regions[r].load) > high;
        };
        std::set<RegionId> seen;
        bool any = false;
        for (const RegionId first : atoms_of.ids()) {
            if (!large(first) || seen.count(first) > 0) {
                continue;
            }
            // The group: grids above the band reached from `first` over shared borders.
            std::vector<RegionId> group{first};
            seen.insert(first);
            for (std::size_t q = 0; q < group.size(); ++q) {
                for (const RegionId s : neighbours(group[q], atoms_of[group[q]])) {
                    if (large(s) && seen.insert(s).second) {
                        group.push_back(s);
                    }
                }
            }
            std::sort(group.begin(), group.end());
            const std::set<RegionId> in_group(group.begin(), group.end());
            double load = 0.0;
            double excess = 0.0;
            double over_target = 0.0;
            double fresh = 0.0;
            double room = 0.0;
            std::set<RegionId> around;
            for (const RegionId r : group) {
                const double l = static_cast<double>(m_state.regions[r].load);
                load += l;
                excess += l - high;
                over_target += l - target;
                for (const AtomId a : atoms_of[r]) {
                    fresh += static_cast<double>(m_problem.atom(a).households - m_keep[a]);
                }
                for (const RegionId s : neighbours(r, atoms_of[r])) {
                    if (in_group.count(s) == 0 && m_dissolving.count(s) == 0) {
                        around.insert(s);
                    }
                }
            }
            for (const RegionId s : around) {
                room += std::max(0.0, target - static_cast<double>(m_state.regions[s].load));
            }
            if (room >= excess) {
                continue;  // the band flow passes the excess on
            }
            // New grids for what grew: the new households (without the previous
            // households, the load above the target), as many grids as hold them inside
            // the band, nearest the target.
            // Of the counts that could hold them, the one whose peels and band flow after
            // move the fewest persisting households (the fewer grids on ties).
            const double grown = std::max(fresh, over_target);
            const int fewest = std::max(1, static_cast<int>(std::ceil(grown / high)));
            const int most = std::max(fewest, static_cast<int>(std::floor(grown / low)));
            std::set<AtomId> atoms;
            for (const RegionId r : group) {
                atoms.insert(atoms_of[r].begin(), atoms_of[r].end());
            }
            // No split at all is a candidate too (the band flow, or nothing, passes the
            // excess on: a grid of blocks too coarse to split may stay above the band).
            int parts = 0;
            std::vector<std::vector<AtomId>> best;
            double best_cost = peel_cost({});
            for (int k = fewest; k <= std::min(most, fewest + 2); ++k) {
                auto cut = peels(atoms, k, grown);
                const double cost = peel_cost(cut);
                m_ctx.log.debug("replan: " + std::to_string(k) + " new grids would cost " +
                                std::to_string(static_cast<std::int64_t>(cost)) +
                                " (persisting households peeled, band flow, households left outside the band)");
                if (cost < best_cost) {
                    best_cost = cost;
                    best = std::move(cut);
                    parts = k;
                }
            }
            m_ctx.log.debug("replan: the grown grids get " + std::to_string(parts) + " new grids");
            if (parts > 0) {
                split(group, best);
                any = true;
            }
        }
        return any;
    }

    /// `parts` new grids of about grown / parts households peeled off `atoms` (the atoms
    /// of a group of grids): each grows from the atom with most new (not persisting)
    /// households (the farthest from its grid's centre when none is new) over strong edges
    /// among what is left, nearest first with persisting households counting as distance,
    /// and once inside the band takes no atom of mostly persisting households, so that the
    /// grids keep their own households and the new grids take the new ones.
    std::vector<std::vector<AtomId>> peels(std::set<AtomId> left, int parts, double grown) const {
        const double high = m_problem.config().band_high();
        const double low = m_problem.config().band_low();
        const double goal = std::clamp(grown / parts, low, high);
        std::vector<std::vector<AtomId>> out;
        std::set<AtomId> failed;  // starts whose peel cannot reach the band
        for (int k = 0; k < parts && failed.size() < 64;) {
            // The peel's first atom.
            AtomId start;
            std::int64_t most_new = -1;
            double farthest = -1.0;
            for (const AtomId a : left) {
                if (m_problem.atom(a).households <= 0 || failed.count(a) > 0) {
                    continue;  // a peel starts where people live
                }
                const std::int64_t fresh = m_problem.atom(a).households - m_keep[a];
                const GridCentre& c = m_state.regions[m_state.region_of[a]].centre;
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
            // Grow it, nearest first, over atoms of mostly new households; those of mostly
            // persisting households are set aside and taken only while the peel is below
            // the band, each time the one that reaches it with the fewest persisting
            // households (else the fewest per household).
            std::map<AtomId, double> dist{{start, 0.0}};
            using Item = std::pair<double, AtomId>;
            std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
            queue.emplace(0.0, start);
            std::vector<AtomId> peel;
            double load = 0.0;
            std::set<AtomId> done;
            std::map<AtomId, double> aside;  // atom -> its distance
            auto take = [&](AtomId a, double d) {
                peel.push_back(a);
                load += static_cast<double>(m_problem.atom(a).households);
                const Atom& from = m_problem.atom(a);
                for (const auto& e : from.edges) {
                    if (!e.strong || left.count(e.other) == 0 || done.count(e.other) > 0) {
                        continue;
                    }
                    const Atom& to = m_problem.atom(e.other);
                    const double nd = d + std::hypot(from.x - to.x, from.y - to.y);
                    const auto it = dist.find(e.other);
                    if (it == dist.end() || nd < it->second) {
                        dist[e.other] = nd;
                        queue.emplace(nd, e.other);
                    }
                }
            };
            while (load < goal) {
                if (queue.empty()) {
                    // Below the band with no new households in reach: an atom set aside.
                    AtomId pick;
                    bool pick_reaches = false;
                    for (const auto& [a, d] : aside) {
                        const double h = static_cast<double>(m_problem.atom(a).households);
                        if (done.count(a) > 0 || load >= low || load + h > high) {
                            continue;
                        }
                        const bool reaches = load + h >= low;
                        const std::int64_t ka = m_keep[a];
                        bool better = !pick.valid() || (reaches && !pick_reaches);
                        if (pick.valid() && reaches == pick_reaches) {
                            // Fewest persisting households (per household below the band),
                            // then nearest.
                            const std::int64_t pk = m_keep[pick];
                            const double ph = static_cast<double>(m_problem.atom(pick).households);
                            const double mine = reaches ? static_cast<double>(ka) : static_cast<double>(ka) * ph;
                            const double theirs = reaches ? static_cast<double>(pk) : static_cast<double>(pk) * h;
                            better = mine < theirs || (mine == theirs && d < aside[pick]);
                        }
                        if (better) {
                            pick = a;
                            pick_reaches = reaches;
                        }
                    }
                    if (!pick.valid()) {
                        break;
                    }
                    done.insert(pick);
                    take(pick, aside[pick]);
                    continue;
                }
                const auto [d, a] = queue.top();
                queue.pop();
                if (done.count(a) > 0) {
                    continue;
                }
                const double h = static_cast<double>(m_problem.atom(a).households);
                if (load > 0.0 && load + h > high) {
                    done.insert(a);
                    continue;  // would leave the band: the atom stays in its grid
                }
                if (a != start && 2 * m_keep[a] > m_problem.atom(a).households) {
                    aside.emplace(a, d);
                    continue;  // households at home stay there if the peel can do without
                }
                done.insert(a);
                take(a, d);
            }
            if (load < low) {
                failed.insert(start);  // too few households in reach: no grid of its own
                continue;
            }
            for (const AtomId a : peel) {
                left.erase(a);
            }
            out.push_back(std::move(peel));
            ++k;
        }
        return out;
    }

    /// The persisting households that peeling `cut` off would move: those in the peels,
    /// plus the band flow that would follow (households x grids crossed), a household the
    /// flow cannot place (a grid left outside the band) outweighing them all.
    double peel_cost(const std::vector<std::vector<AtomId>>& cut) const {
        IdVector<AtomId, RegionId> region_of = m_state.region_of;
        double cost = 0.0;
        std::uint32_t next = static_cast<std::uint32_t>(m_state.regions.size());
        for (const auto& peel : cut) {
            for (const AtomId a : peel) {
                region_of[a] = RegionId{next};
                cost += static_cast<double>(m_keep[a]);
            }
            ++next;
        }
        return cost + flow_cost(flow_problem(region_of, next));
    }

    /// Peels the new grids `cut` off the grids of `group` (see peels()). A grid whose
    /// centre's atom is peeled off gets a new centre.
    void split(const std::vector<RegionId>& group, const std::vector<std::vector<AtomId>>& cut) {
        std::int64_t total = 0;
        for (const RegionId r : group) {
            total += m_state.regions[r].load;
        }
        std::vector<std::string> loads;
        for (const auto& peel : cut) {
            const RegionId added = add_region(peel);
            loads.push_back(std::to_string(m_state.regions[added].load));
        }
        // A grid whose centre's atom went to a new grid gets a centre among what it kept.
        // A grid peeled whole is retired; one that kept some blocks but not its centre's
        // gets a centre near their centroid (if the peels cut it, keep_connected() settles
        // the pieces; measured on the redeveloped synth 250k cases, a centre in the largest
        // piece instead moved more households).
        const auto kept_atoms = m_state.atoms_of_regions();
        for (const RegionId r : group) {
            const AtomId seed = m_state.regions[r].seed;
            if (kept_atoms[r].empty()) {
                m_state.regions[r].seed = AtomId{};
                m_retired.insert(r);
            } else if (!seed.valid() || m_state.region_of[seed] != r) {
                m_state.regions[r].seed = AtomId{};
                place_centre(m_state, r, centroid(kept_atoms[r]));
            }
        }
        std::vector<std::string> names;
        std::vector<std::string> stay;
        for (const RegionId r : group) {
            names.push_back(describe(r));
            stay.push_back(std::to_string(m_state.regions[r].load));
            m_changed.insert(r);
        }
        m_ctx.log.info("replan: " + join_limited(names, 20) + " (" + std::to_string(total) +
                       " households) grew: new grids of " + join_limited(loads, 20) + ", " + join_limited(stay, 20) +
                       " stay");
    }

    /// Region r's atoms to its neighbours (not frozen, not being dissolved), nearest first,
    /// each to the adjacent region it shares the longest edge with; returns whether any
    /// moved. A region left with no atom is retired.
    bool dissolve(RegionId r, const std::vector<AtomId>& atoms) {
        std::set<AtomId> left(atoms.begin(), atoms.end());
        bool any = false;
        for (bool moved = true; moved && !left.empty();) {
            moved = false;
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
            any = any || moved;
        }
        if (left.empty()) {
            m_state.regions[r].seed = AtomId{};
            m_retired.insert(r);
        }
        return any;
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
        previous_of = match_previous(kept, previous_of);
        PlanResult plan = finish(kept, m_ctx);
        // finish() numbers grids geographically: back to the regions, then persisted ids.
        std::vector<std::uint32_t> previous_of_grid(plan.grids.size(), no_index);
        for (const AtomId a : m_problem.atom_ids()) {
            const GridId g = plan.grid_of_block[m_problem.atom(a).blocks.front().value()];
            previous_of_grid[g.value()] = previous_of[kept.region_of[a].value()];
        }
        persist_grid_ids(plan, previous_of_grid, m_previous);
        return plan;
    }

    /// Which previous grid each region of `kept` continues (index into previous.grids, or
    /// no_index: a new grid), given the previous grid each region was built from (`own`):
    /// a locked grid is its own; then the (region, previous grid) pairs by most persisting
    /// households in common (as carried onto the blocks), each region and each previous
    /// grid taken once; a region left over keeps its own grid if still free. So a grid
    /// split in two carries on as the part holding most of its households, wherever the
    /// split put its centre, and no household counts as moved only because of a label.
    std::vector<std::uint32_t> match_previous(const State& kept, const std::vector<std::uint32_t>& own) const {
        const std::size_t n = kept.regions.size();
        std::vector<std::uint32_t> out(n, no_index);
        std::vector<char> taken(m_previous.grids.size(), 0);
        for (std::uint32_t r = 0; r < n; ++r) {
            const std::uint32_t g = own[r];
            for (const auto id : m_options.locked) {
                if (g != no_index && m_previous.index_of(id) == g) {
                    out[r] = g;
                    taken[g] = 1;
                }
            }
        }
        std::map<std::pair<std::uint32_t, std::uint32_t>, std::int64_t> common;  // (region, grid)
        for (const AtomId a : m_problem.atom_ids()) {
            const std::uint32_t g = m_grid_of_region[m_carried[a].value()];
            if (m_keep[a] > 0 && g != no_index) {
                common[{kept.region_of[a].value(), g}] += m_keep[a];
            }
        }
        std::vector<std::tuple<std::int64_t, std::uint32_t, std::uint32_t>> pairs;
        for (const auto& [key, h] : common) {
            pairs.emplace_back(-h, key.first, key.second);
        }
        std::sort(pairs.begin(), pairs.end());
        for (const auto& [minus_h, r, g] : pairs) {
            if (out[r] == no_index && taken[g] == 0) {
                out[r] = g;
                taken[g] = 1;
            }
        }
        for (std::uint32_t r = 0; r < n; ++r) {
            if (out[r] == no_index && own[r] != no_index && taken[own[r]] == 0) {
                out[r] = own[r];
                taken[own[r]] = 1;
            }
        }
        return out;
    }

    const Problem& m_problem;
    const PreviousPlan& m_previous;
    const ReplanOptions& m_options;
    RunContext& m_ctx;
    State m_state;
    std::vector<std::uint32_t> m_grid_of_region;  ///< index into previous.grids, or no_index (new)
    IdVector<AtomId, RegionId> m_carried;          ///< per atom, its region as carried
    std::set<RegionId> m_changed;
    std::set<RegionId> m_retired;
    std::set<RegionId> m_dissolving;  ///< marked by resize_grids(), dissolved after the band flow
    std::set<RegionId> m_locked;
    IdVector<AtomId, std::int64_t> m_keep;  ///< persisting households per atom
};

} // namespace

PlanResult replan_grids(const io::District& district, const blocks::BlocksResult& blocks,
                        const network::WalkNetwork& net, const std::vector<io::PolygonFeature>& nest_within,
                        const PartitionConfig& config, const PreviousPlan& previous, const CarriedPlan& carried,
                        const std::vector<std::int64_t>& persisting, const ReplanOptions& options,
                        const wrap::GeosContext& geos, RunContext& ctx) {
    const StageProgress progress{ctx, "replan"};
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
