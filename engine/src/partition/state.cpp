// Stage 2, the state of one start: the assignment and each region's walk data.
#include "partition/detail/state.hpp"

#include "gridplan/core/error.hpp"

#include <algorithm>
#include <cmath>

namespace gridplan::partition::detail {

double MoveRules::away_delta(AtomId a, RegionId r, RegionId s, std::int64_t h) const {
    const RegionId at_home = home[a];
    if (!at_home.valid()) {
        return 0.0;
    }
    const double away = away_cost * static_cast<double>(away_weight(a, h));
    return (s != at_home ? away : 0.0) - (r != at_home ? away : 0.0);
}

State::State(const Problem& problem) : m_problem(&problem), m_search(problem.net()) {}

void State::compute_walk(RegionId r) {
    const Problem& p = problem();
    const Tuning& t = p.tuning();
    Region& region = regions[r];
    const network::Snap centre = p.net().snap(region.centre.x, region.centre.y, p.centre_snap(region.centre));
    region.walk.clear();
    const double limit = t.walk_limit_radii * p.config().walk_radius_m + t.walk_limit_extra_m;
    if (!centre.on_network()) {
        return;
    }
    m_search.run(centre, limit);
    const network::BoundedDistances& d = m_search;
    const double r2 = limit * limit;
    for (const AtomId a : p.atom_ids()) {
        const Atom& atom = p.atom(a);
        const double dx = atom.x - region.centre.x;
        const double dy = atom.y - region.centre.y;
        if (dx * dx + dy * dy > r2) {
            continue;
        }
        const double w = d.distance(atom.snap);
        if (!std::isfinite(w)) {
            continue;
        }
        region.walk.emplace(a, AtomWalk{w, p.households_within(d, atom)});
    }
}

double State::distance(RegionId r, AtomId a) const {
    const Region& region = regions[r];
    const auto it = region.walk.find(a);
    if (it != region.walk.end()) {
        return it->second.metres;
    }
    const Tuning& t = problem().tuning();
    const Atom& atom = problem().atom(a);
    return t.unreached_detour * std::hypot(atom.x - region.centre.x, atom.y - region.centre.y) + t.unreached_extra_m;
}

std::int64_t State::outside_radius(RegionId r, AtomId a) const {
    const Region& region = regions[r];
    const auto it = region.walk.find(a);
    return problem().atom(a).households - (it != region.walk.end() ? it->second.within : 0);
}

std::int64_t State::within_from(const network::Snap& site, const std::vector<AtomId>& atoms) {
    return problem().within_from(m_search, site, atoms);
}

void State::move_atom(AtomId a, RegionId s) {
    const RegionId r = region_of[a];
    region_of[a] = s;
    regions[r].load -= problem().atom(a).households;
    regions[s].load += problem().atom(a).households;
}

void State::count_loads() {
    for (auto& region : regions) {
        region.load = 0;
    }
    for (const AtomId a : problem().atom_ids()) {
        regions[region_of[a]].load += problem().atom(a).households;
    }
}

IdVector<RegionId, std::vector<AtomId>> State::atoms_of_regions() const {
    IdVector<RegionId, std::vector<AtomId>> atoms_of(regions.size());
    for (const AtomId a : problem().atom_ids()) {
        atoms_of[region_of[a]].push_back(a);
    }
    return atoms_of;
}

IdVector<AtomId, RegionId> atom_regions(const Problem& problem, const std::vector<RegionId>& region_of_block,
                                        std::size_t* split) {
    if (region_of_block.size() != problem.blocks().blocks.size()) {
        throw InternalError{"plan: one region per block expected"};
    }
    IdVector<AtomId, RegionId> region_of(problem.atoms().size());
    std::size_t disagree = 0;
    for (const AtomId a : problem.atom_ids()) {
        std::int64_t most = -1;
        bool mixed = false;
        for (const BlockId b : problem.atom(a).blocks) {
            const RegionId r = region_of_block[b.value()];
            const std::int64_t h = problem.blocks().blocks[b.value()].households;
            mixed = mixed || (r != region_of_block[problem.atom(a).blocks.front().value()]);
            if (h > most) {
                most = h;
                region_of[a] = r;
            }
        }
        disagree += mixed ? 1 : 0;
    }
    if (split != nullptr) {
        *split = disagree;
    }
    return region_of;
}

State state_from_assignment(const Problem& problem, const std::vector<RegionId>& region_of_block) {
    State state{problem};
    state.region_of = atom_regions(problem, region_of_block);
    std::uint32_t k = 0;
    for (const RegionId r : state.region_of) {
        if (!r.valid()) {
            throw InternalError{"plan: every block needs a region"};
        }
        k = std::max(k, r.value() + 1);
    }
    state.regions.resize(k);
    for (auto& region : state.regions) {
        region.target = problem.config().households_per_grid;
        region.centre.proposed = true;
        region.centre.x = unreachable;  // no centre yet: recentre() places it
    }
    state.count_loads();
    return state;
}

} // namespace gridplan::partition::detail
