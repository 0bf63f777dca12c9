// The objective of an assignment for fixed centres.
#include "partition/detail/objective.hpp"

#include <algorithm>
#include <cmath>

namespace gridplan::partition::detail {

namespace {

/// Households away from their home region, times the away cost.
double away_cost(const State& state) {
    double cost = 0.0;
    for (const AtomId a : state.problem().atom_ids()) {
        const RegionId home = state.rules.home[a];
        if (home.valid() && state.region_of[a] != home) {
            cost += state.rules.away_cost *
                    static_cast<double>(state.rules.away_weight(a, state.problem().atom(a).households));
        }
    }
    return cost;
}

} // namespace

double balance_cost(const State& state, RegionId r, std::int64_t load) {
    const PartitionConfig& config = state.problem().config();
    const Tuning& t = state.problem().tuning();
    const double l = static_cast<double>(load);
    const double outside = std::max({0.0, config.band_low() - l, l - config.band_high()});
    return t.weight_band * outside + t.weight_target * std::fabs(l - state.regions[r].target);
}

double atom_cost(const State& state, RegionId r, AtomId a) {
    const Tuning& t = state.problem().tuning();
    const double h = static_cast<double>(state.problem().atom(a).households);
    return t.weight_walk * static_cast<double>(state.outside_radius(r, a)) +
           t.weight_distance * h * state.distance(r, a) / state.problem().config().walk_radius_m;
}

double cut_cost(const Problem& problem, const AtomEdge& e) {
    const Tuning& t = problem.tuning();
    double c = 0.0;
    for (std::size_t k = 0; k < barrier_class_count; ++k) {
        c += e.length[k] * t.cut_cost[k];
    }
    return t.weight_edge * c;
}

double move_delta(const State& state, AtomId a, RegionId s) {
    const Problem& p = state.problem();
    const RegionId r = state.region_of[a];
    double delta = atom_cost(state, s, a) - atom_cost(state, r, a);
    for (const auto& e : p.atom(a).edges) {
        const RegionId o = state.region_of[e.other];
        if (o == r) {
            delta += cut_cost(p, e);  // becomes a grid edge
        } else if (o == s) {
            delta -= cut_cost(p, e);  // no longer one
        }
    }
    if (state.rules.has_homes()) {
        delta += state.rules.away_delta(a, r, s, p.atom(a).households);
    }
    return delta;
}

double balance_delta(const State& state, RegionId r, RegionId s, std::int64_t h) {
    const auto& regions = state.regions;
    return balance_cost(state, r, regions[r].load - h) + balance_cost(state, s, regions[s].load + h) -
           balance_cost(state, r, regions[r].load) - balance_cost(state, s, regions[s].load);
}

double total_cost(const State& state) {
    const Problem& p = state.problem();
    double cost = 0.0;
    for (const RegionId r : state.regions.ids()) {
        cost += balance_cost(state, r, state.regions[r].load);
    }
    for (const AtomId a : p.atom_ids()) {
        cost += atom_cost(state, state.region_of[a], a);
        for (const auto& e : p.atom(a).edges) {
            if (a < e.other && state.region_of[e.other] != state.region_of[a]) {
                cost += cut_cost(p, e);
            }
        }
    }
    if (state.rules.has_homes()) {
        cost += away_cost(state);
    }
    return cost;
}

double score(const State& state) {
    const Problem& p = state.problem();
    // Lexicographic: a household outside the band outweighs every household beyond the
    // radius and every household away from home at its cost (the band's bounds taken as
    // whole households). Regions that hold no atom (retired by a replan) are no grids.
    const double band_weight = (static_cast<double>(p.households()) + 1.0) * (1.0 + state.rules.away_cost);
    const double low = std::ceil(p.config().band_low());
    const double high = std::floor(p.config().band_high());
    IdVector<RegionId, char> holds(state.regions.size(), 0);
    for (const AtomId a : p.atom_ids()) {
        holds[state.region_of[a]] = 1;
    }
    double cost = 0.0;
    for (const RegionId r : state.regions.ids()) {
        const double l = static_cast<double>(state.regions[r].load);
        cost += holds[r] != 0 ? band_weight * std::max({0.0, low - l, l - high}) : 0.0;
    }
    for (const AtomId a : p.atom_ids()) {
        cost += static_cast<double>(state.outside_radius(state.region_of[a], a));
    }
    if (state.rules.has_homes()) {
        cost += away_cost(state);
    }
    return cost;
}

} // namespace gridplan::partition::detail
