// Stage 5, the local search: single moves, chains along grids, band repair, two-step moves.
#include "partition/detail/search.hpp"

#include "partition/detail/objective.hpp"

#include <algorithm>
#include <map>
#include <cmath>
#include <optional>
#include <set>

namespace gridplan::partition::detail {

bool connected_without(const State& state, RegionId r, AtomId a, std::size_t region_atoms) {
    const Problem& p = state.problem();
    AtomId start;
    for (const auto& e : p.atom(a).edges) {
        if (e.strong && state.region_of[e.other] == r) {
            start = e.other;
            break;
        }
    }
    if (!start.valid()) {
        return false;  // a alone, or a connected only through weak links: keep it
    }
    std::vector<AtomId> queue{start};
    std::set<AtomId> seen{start, a};
    for (std::size_t q = 0; q < queue.size(); ++q) {
        for (const auto& e : p.atom(queue[q]).edges) {
            if (e.strong && state.region_of[e.other] == r && seen.insert(e.other).second) {
                queue.push_back(e.other);
            }
        }
    }
    return queue.size() == region_atoms - 1;
}

namespace {

/// The atoms of each region (in id order) and the strong edges between regions, kept up
/// to date as a search moves atoms: looking them up by scanning every atom made the
/// searches quadratic in the size of the district.
class RegionIndex {
public:
    explicit RegionIndex(const State& state)
        : m_problem(state.problem()), m_members(state.regions.size()), m_links(state.regions.size()) {
        for (const AtomId a : m_problem.atom_ids()) {
            const RegionId r = state.region_of[a];
            m_members[r].insert(a);
            for (const auto& e : m_problem.atom(a).edges) {
                const RegionId t = state.region_of[e.other];
                if (e.strong && t != r) {
                    ++m_links[r][t];
                }
            }
        }
    }

    /// The atoms of region r, in id order.
    const std::set<AtomId>& members(RegionId r) const { return m_members[r]; }
    /// The regions r shares a strong edge with, in id order.
    std::vector<RegionId> neighbours(RegionId r) const {
        std::vector<RegionId> out;
        for (const auto& [t, n] : m_links[r]) {
            if (n > 0) {
                out.push_back(t);
            }
        }
        return out;
    }
    bool connected_without(const State& state, RegionId r, AtomId a) const {
        return detail::connected_without(state, r, a, m_members[r].size());
    }
    /// Moves atom a into region s, in the state and here.
    void move(State& state, AtomId a, RegionId s) {
        const RegionId r = state.region_of[a];
        for (const auto& e : m_problem.atom(a).edges) {
            const RegionId t = state.region_of[e.other];
            if (!e.strong) {
                continue;
            }
            if (t != r) {
                --m_links[r][t];
                --m_links[t][r];
            }
            if (t != s) {
                ++m_links[s][t];
                ++m_links[t][s];
            }
        }
        m_members[r].erase(a);
        m_members[s].insert(a);
        state.move_atom(a, s);
    }

private:
    const Problem& m_problem;
    IdVector<RegionId, std::set<AtomId>> m_members;
    IdVector<RegionId, std::map<RegionId, int>> m_links;  ///< strong edges from region to region
};

} // namespace

void search(State& state) {
    improve(state);
    repair_band(state);
    improve(state);
    chain_moves(state);
    improve(state);
}

void improve(State& state) {
    const Problem& p = state.problem();
    const MoveRules& rules = state.rules;
    RegionIndex index{state};
    for (int pass = 0; pass < p.tuning().improve_passes; ++pass) {
        std::size_t moved = 0;
        for (const AtomId a : p.atom_ids()) {
            const RegionId r = state.region_of[a];
            if (state.regions[r].seed == a || rules.is_frozen(r)) {
                continue;  // the centre's own atom stays
            }
            std::set<RegionId> targets;
            for (const auto& e : p.atom(a).edges) {
                const RegionId s = state.region_of[e.other];
                if (e.strong && s != r && !rules.is_frozen(s)) {
                    targets.insert(s);
                }
            }
            double best_delta = -1e-6;
            RegionId best;
            const std::int64_t h = p.atom(a).households;
            for (const auto s : targets) {
                const double delta = balance_delta(state, r, s, h) + move_delta(state, a, s);
                if (delta < best_delta) {
                    best_delta = delta;
                    best = s;
                }
            }
            if (best.valid() && index.connected_without(state, r, a)) {
                index.move(state, a, best);
                ++moved;
            }
        }
        if (moved == 0) {
            break;
        }
    }
}

void repair_band(State& state, bool thorough) {
    const Problem& p = state.problem();
    const Tuning& t = p.tuning();
    const MoveRules& rules = state.rules;
    const double low = p.config().band_low();
    const double high = p.config().band_high();
    const double target = p.config().households_per_grid;
    const std::size_t nr = state.regions.size();
    RegionIndex index{state};
    std::set<RegionId> stuck;  // grids no path could help since the last move
    for (int pass = 0; pass < t.band_repair_passes_per_grid * static_cast<int>(nr); ++pass) {
        // The grid farthest outside the band.
        RegionId worst;
        double worst_gap = 0.0;
        for (const RegionId r : state.regions.ids()) {
            if (rules.is_frozen(r) || stuck.count(r) > 0) {
                continue;
            }
            const double l = static_cast<double>(state.regions[r].load);
            const double gap = l > high ? l - high : (l < low ? low - l : 0.0);
            if (gap > worst_gap) {
                worst_gap = gap;
                worst = r;
            }
        }
        if (!worst.valid()) {
            return;
        }
        const bool over = static_cast<double>(state.regions[worst].load) > high;
        // Breadth-first to the nearest grid with room (over) or to spare (under): beyond the
        // target; when thorough, failing that, the next nearest, or any that can take (or
        // give) the gap and stay inside the band.
        IdVector<RegionId, RegionId> parent(nr, RegionId{});
        parent[worst] = worst;
        std::vector<RegionId> queue{worst};
        std::vector<RegionId> candidates;
        for (std::size_t q = 0; q < queue.size(); ++q) {
            // Grid adjacency over strong edges (frozen grids pass nothing on).
            for (const auto n : index.neighbours(queue[q])) {
                if (parent[n].valid() || rules.is_frozen(n)) {
                    continue;
                }
                parent[n] = queue[q];
                const double l = static_cast<double>(state.regions[n].load);
                const bool beyond = over ? l < target : l > target;
                const bool room = over ? l + worst_gap <= high : l - worst_gap >= low;
                if (beyond || (thorough && room)) {
                    candidates.push_back(n);
                }
                queue.push_back(n);
            }
            if (!thorough && !candidates.empty()) {
                break;
            }
        }
        if (!thorough && candidates.size() > 1) {
            candidates.resize(1);
        }
        // Households outside the band, over all grids.
        auto outside = [&] {
            double sum = 0.0;
            for (const RegionId r : state.regions.ids()) {
                const double l = static_cast<double>(state.regions[r].load);
                sum += std::max({0.0, low - l, l - high});
            }
            return sum;
        };
        const double outside_before = thorough ? outside() : 0.0;
        // Pass about `amount` households along each link, from the source end.
        const double amount = std::max(
            worst_gap, t.band_repair_share * std::fabs(static_cast<double>(state.regions[worst].load) - target));
        bool moved_any = false;
        for (const RegionId found : candidates) {
            // A thorough repair keeps a path's moves only when fewer households end outside.
            std::vector<std::pair<AtomId, RegionId>> undo;  // (atom, its region before)
            std::vector<RegionId> path{found};
            while (path.back() != worst) {
                path.push_back(parent[path.back()]);
            }
            std::reverse(path.begin(), path.end());  // worst ... found
            if (!over) {
                std::reverse(path.begin(), path.end());  // households flow towards the light grid
            }
            for (std::size_t k = 0; k + 1 < path.size(); ++k) {
                const RegionId from = path[k];
                const RegionId to = path[k + 1];
                double passed = 0.0;
                for (int step = 0; step < t.band_repair_steps && passed < amount; ++step) {
                    // Atoms that do not overshoot what is left to pass; failing those, any
                    // that leaves both grids inside the band.
                    AtomId best;
                    for (int tier = 0; tier < (thorough ? 2 : 1) && !best.valid(); ++tier) {
                        // The best-scored atom whose grid stays connected without it: the
                        // scores first, then the contiguity checks in score order (the
                        // lower id first on ties), until one holds.
                        std::vector<std::pair<double, AtomId>> scored;
                        for (const AtomId a : index.members(from)) {
                            if (state.regions[from].seed == a || p.atom(a).households <= 0) {
                                continue;
                            }
                            const double h = static_cast<double>(p.atom(a).households);
                            const bool fits = tier == 0 ? h <= t.band_repair_overshoot * (amount - passed) + 1.0
                                                        : static_cast<double>(state.regions[to].load) + h <= high &&
                                                              static_cast<double>(state.regions[from].load) - h >= low;
                            if (!fits) {
                                continue;
                            }
                            bool touches = false;
                            for (const auto& e : p.atom(a).edges) {
                                touches = touches || (e.strong && state.region_of[e.other] == to);
                            }
                            if (!touches) {
                                continue;
                            }
                            const double score = move_delta(state, a, to) / h;
                            if (score < unreachable) {
                                scored.emplace_back(score, a);
                            }
                        }
                        std::stable_sort(scored.begin(), scored.end(),
                                         [](const auto& x, const auto& y) { return x.first < y.first; });
                        for (const auto& [score, a] : scored) {
                            if (index.connected_without(state, from, a)) {
                                best = a;
                                break;
                            }
                        }
                    }
                    if (!best.valid()) {
                        break;
                    }
                    passed += static_cast<double>(p.atom(best).households);
                    undo.emplace_back(best, from);
                    index.move(state, best, to);
                    moved_any = true;
                }
            }
            if (moved_any && thorough && outside() >= outside_before) {
                for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
                    index.move(state, it->first, it->second);
                }
                moved_any = false;
            }
            if (moved_any) {
                break;
            }
        }
        if (moved_any) {
            stuck.clear();
        } else if (thorough) {
            stuck.insert(worst);
        } else {
            return;  // nowhere to go, or nothing to pass: reported as infeasible
        }
    }
}

void chain_moves(State& state) {
    const Problem& p = state.problem();
    const MoveRules& rules = state.rules;
    const double high = p.config().band_high();
    const double low = p.config().band_low();
    RegionIndex index{state};
    for (int pass = 0; pass < p.tuning().chain_passes; ++pass) {
        std::size_t applied = 0;
        for (const AtomId a : p.atom_ids()) {
            const RegionId r = state.region_of[a];
            const std::int64_t ha = p.atom(a).households;
            if (state.regions[r].seed == a || rules.is_frozen(r) || state.outside_radius(r, a) == 0 ||
                static_cast<double>(state.regions[r].load - ha) < low) {
                continue;
            }
            std::set<RegionId> targets;
            for (const auto& e : p.atom(a).edges) {
                if (e.strong && state.region_of[e.other] != r && !rules.is_frozen(state.region_of[e.other])) {
                    targets.insert(state.region_of[e.other]);
                }
            }
            for (const auto s : targets) {
                if (state.outside_radius(s, a) >= state.outside_radius(r, a) ||
                    static_cast<double>(state.regions[s].load + ha) <= high) {
                    continue;  // no gain, or a single move (improve) suffices
                }
                if (!index.connected_without(state, r, a)) {
                    break;
                }
                const double first = balance_delta(state, r, s, ha) + move_delta(state, a, s);
                index.move(state, a, s);
                // The border atom of s to pass on that lowers the objective most.
                double best = -1e-6;
                AtomId best_b;
                RegionId best_t;
                const double need = static_cast<double>(state.regions[s].load) - high;
                for (const AtomId b : index.members(s)) {
                    if (b == a || state.regions[s].seed == b ||
                        static_cast<double>(p.atom(b).households) < need) {
                        continue;
                    }
                    std::set<RegionId> next;
                    for (const auto& e : p.atom(b).edges) {
                        const RegionId t = state.region_of[e.other];
                        if (e.strong && t != s && !rules.is_frozen(t)) {
                            next.insert(t);
                        }
                    }
                    for (const auto t : next) {
                        const double candidate =
                            first + balance_delta(state, s, t, p.atom(b).households) + move_delta(state, b, t);
                        if (candidate < best && index.connected_without(state, s, b)) {
                            best = candidate;
                            best_b = b;
                            best_t = t;
                        }
                    }
                }
                if (best_b.valid()) {
                    index.move(state, best_b, best_t);
                    ++applied;
                    break;
                }
                index.move(state, a, r);  // undo
            }
        }
        if (applied == 0) {
            break;
        }
    }
}

} // namespace gridplan::partition::detail
