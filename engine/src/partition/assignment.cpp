// Stage 4, the assignment: the weighted flood, its balance, completing a cover's
// assignment and adapting the balance targets.
#include "partition/detail/assignment.hpp"

#include "partition/detail/objective.hpp"

#include "gridplan/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <queue>
#include <tuple>

namespace gridplan::partition::detail {

namespace {

/// An atom offered to a region while growing regions over the atom graph.
struct FloodItem {
    double key;
    double penalty;  ///< barriers crossed on the way (flood only)
    AtomId atom;
    RegionId region;
    bool operator>(const FloodItem& o) const { return std::tie(key, atom, region) > std::tie(o.key, o.atom, o.region); }
};

using FloodQueue = std::priority_queue<FloodItem, std::vector<FloodItem>, std::greater<>>;

[[noreturn]] void unassigned(AtomId a) {
    throw InternalError{"plan: atom " + std::to_string(a.value()) + " could not be assigned to a grid"};
}

} // namespace

double flood_distance(const State& state, RegionId r, AtomId a) {
    const double h = static_cast<double>(state.problem().atom(a).households);
    const double outside = h > 0.0 ? static_cast<double>(state.outside_radius(r, a)) / h : 0.0;
    return state.distance(r, a) + state.problem().tuning().outside_step * state.problem().config().walk_radius_m * outside;
}

void flood(State& state, const IdVector<RegionId, double>& weight) {
    const Problem& p = state.problem();
    const auto& cross_penalty = p.tuning().cross_penalty;
    state.region_of.assign(p.atoms().size(), RegionId{});
    for (auto& region : state.regions) {
        region.load = 0;
    }
    FloodQueue queue;
    auto claim = [&](RegionId r, AtomId a, double penalty) {
        state.region_of[a] = r;
        state.regions[r].load += p.atom(a).households;
        for (const auto& e : p.atom(a).edges) {
            if (e.strong && !state.region_of[e.other].valid()) {
                const double pen = penalty + cross_penalty[static_cast<std::size_t>(e.strongest())];
                queue.push(FloodItem{weight[r] + flood_distance(state, r, e.other) + pen, pen, e.other, r});
            }
        }
    };
    for (const RegionId r : state.regions.ids()) {
        state.region_of[state.regions[r].seed] = r;
    }
    for (const RegionId r : state.regions.ids()) {
        claim(r, state.regions[r].seed, 0.0);
    }
    while (!queue.empty()) {
        const FloodItem item = queue.top();
        queue.pop();
        if (!state.region_of[item.atom].valid()) {
            claim(item.region, item.atom, item.penalty);
        }
    }
    for (const AtomId a : p.atom_ids()) {
        if (!state.region_of[a].valid()) {
            unassigned(a);
        }
    }
}

void balance(State& state) {
    const Tuning& t = state.problem().tuning();
    const std::size_t nr = state.regions.size();
    IdVector<AtomId, RegionId> best_region_of = state.region_of;
    double best = best_region_of.empty() ||
                          std::count(best_region_of.begin(), best_region_of.end(), RegionId{}) > 0
                      ? unreachable
                      : total_cost(state);
    IdVector<RegionId, double> weight(nr, 0.0);
    const int iterations = t.balance_iterations;
    for (int it = 0; it < iterations; ++it) {
        flood(state, weight);
        const double cost = total_cost(state);
        if (cost < best) {
            best = cost;
            best_region_of = state.region_of;
        }
        const double step = state.problem().config().walk_radius_m *
                            (t.balance_step_start * (1.0 - static_cast<double>(it) / iterations) + t.balance_step_end);
        for (const RegionId r : state.regions.ids()) {
            const double target = state.regions[r].target;
            const double over = (static_cast<double>(state.regions[r].load) - target) / target;
            weight[r] += step * std::clamp(over, -1.0, 1.0);
        }
    }
    state.region_of = best_region_of;
    state.count_loads();
}

void complete_assignment(State& state) {
    const Problem& p = state.problem();
    // Each region's part connected to its seed atom (an atom is in one region, so one
    // mark serves every region's search).
    IdVector<AtomId, char> reached(p.atoms().size(), 0);
    for (const RegionId r : state.regions.ids()) {
        std::vector<AtomId> queue{state.regions[r].seed};
        reached[state.regions[r].seed] = 1;
        for (std::size_t q = 0; q < queue.size(); ++q) {
            for (const auto& e : p.atom(queue[q]).edges) {
                if (e.strong && !reached[e.other] && state.region_of[e.other] == r) {
                    reached[e.other] = 1;
                    queue.push_back(e.other);
                }
            }
        }
    }
    for (const AtomId a : p.atom_ids()) {
        if (!reached[a]) {
            state.region_of[a] = RegionId{};
        }
    }
    FloodQueue queue;
    auto offer = [&](AtomId a) {
        for (const auto& e : p.atom(a).edges) {
            if (e.strong && !state.region_of[e.other].valid()) {
                queue.push(FloodItem{flood_distance(state, state.region_of[a], e.other), 0.0, e.other, state.region_of[a]});
            }
        }
    };
    for (const AtomId a : p.atom_ids()) {
        if (state.region_of[a].valid()) {
            offer(a);
        }
    }
    while (!queue.empty()) {
        const FloodItem item = queue.top();
        queue.pop();
        if (!state.region_of[item.atom].valid()) {
            state.region_of[item.atom] = item.region;
            offer(item.atom);
        }
    }
    for (const AtomId a : p.atom_ids()) {
        if (!state.region_of[a].valid()) {
            unassigned(a);
        }
    }
    state.count_loads();
}

void adapt_targets(State& state) {
    const Problem& p = state.problem();
    const PartitionConfig& config = p.config();
    const Tuning& tuning = p.tuning();
    const double t = config.households_per_grid;
    const double margin = tuning.target_margin * config.tolerance * t;
    const double low = config.band_low() + margin;
    const double high = config.band_high() - margin;
    IdVector<RegionId, double> beyond(state.regions.size(), 0.0);
    for (const AtomId a : p.atom_ids()) {
        beyond[state.region_of[a]] += static_cast<double>(state.outside_radius(state.region_of[a], a));
    }
    std::map<PartId, std::vector<RegionId>> regions_of_part;
    for (const RegionId r : state.regions.ids()) {
        regions_of_part[p.part_of(state.regions[r].seed)].push_back(r);
    }
    for (const auto& part_regions : regions_of_part) {
        // Not a structured binding: a lambda below captures `regions`, which C++17 does
        // not allow for a binding (g++ accepts it, clang before 16 does not).
        const PartId part = part_regions.first;
        const auto& regions = part_regions.second;
        const double households = static_cast<double>(p.part_households(part));
        if (households < low * static_cast<double>(regions.size()) ||
            households > high * static_cast<double>(regions.size())) {
            continue;  // the band cannot hold the part's grids: targets stay as they are
        }
        auto sum = [&](double shift) {
            double total = 0.0;
            for (const auto r : regions) {
                total += std::clamp(t - tuning.target_gain * beyond[r] + shift, low, high);
            }
            return total;
        };
        // The shift that makes the targets add up (the sum rises with it).
        double lo = -2.0 * t;
        double hi = 2.0 * t;
        for (const auto r : regions) {
            hi = std::max(hi, 2.0 * t + tuning.target_gain * beyond[r]);
        }
        for (int it = 0; it < tuning.target_iterations; ++it) {
            const double mid = 0.5 * (lo + hi);
            (sum(mid) < households ? lo : hi) = mid;
        }
        const double shift = 0.5 * (lo + hi);
        for (const auto r : regions) {
            state.regions[r].target = std::clamp(t - tuning.target_gain * beyond[r] + shift, low, high);
        }
    }
}

} // namespace gridplan::partition::detail
