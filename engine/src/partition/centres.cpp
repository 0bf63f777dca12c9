// Stage 6, the centres: proposed sites, re-centring, the re-planning rounds and polish.
#include "partition/detail/centres.hpp"

#include "partition/detail/assignment.hpp"
#include "partition/detail/objective.hpp"
#include "partition/detail/search.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace gridplan::partition::detail {

bool recentre(State& state, SiteSearch sites_search) {
    const Problem& p = state.problem();
    const PartitionConfig& config = p.config();
    const Tuning& t = p.tuning();
    const network::WalkNetwork& net = p.net();
    const bool wide = sites_search == SiteSearch::wide;
    bool moved = false;
    const IdVector<RegionId, std::vector<AtomId>> atoms_of = state.atoms_of_regions();
    auto anchored = [&](RegionId r) {
        const GridCentre& c = state.regions[r].centre;
        return !c.proposed && c.existing != no_index && state.region_of[p.centre_atom(CentreId{c.existing})] == r;
    };
    std::set<CentreId> taken;
    for (const RegionId r : state.regions.ids()) {
        if (anchored(r)) {
            taken.insert(CentreId{state.regions[r].centre.existing});
        }
    }
    for (const RegionId r : state.regions.ids()) {
        Region& region = state.regions[r];
        if (atoms_of[r].empty() || state.rules.is_frozen(r)) {
            continue;
        }
        const double slack = config.centre_relocate_share * static_cast<double>(region.load);
        // The best proposed site among the atoms nearest the weighted centroid.
        double sx = 0.0;
        double sy = 0.0;
        double sw = 0.0;
        for (const auto a : atoms_of[r]) {
            const double w = static_cast<double>(p.atom(a).households) + 1e-3;
            sx += p.atom(a).x * w;
            sy += p.atom(a).y * w;
            sw += w;
        }
        const double cx = sx / sw;
        const double cy = sy / sw;
        // Candidate sites: the atoms and the network nodes nearest the centroid.
        struct Site {
            double x;
            double y;
            network::Snap snap;
        };
        std::vector<std::pair<double, AtomId>> near;
        for (const auto a : atoms_of[r]) {
            if (p.atom(a).snap.on_network()) {
                near.emplace_back(std::hypot(p.atom(a).x - cx, p.atom(a).y - cy), a);
            }
        }
        std::sort(near.begin(), near.end());
        near.resize(std::min<std::size_t>(near.size(), t.site_near_atoms));
        // The most populous atoms too: a grid spread over villages may have its centroid
        // in empty country.
        std::vector<std::pair<std::int64_t, AtomId>> heavy;
        for (const auto a : atoms_of[r]) {
            if (p.atom(a).snap.on_network()) {
                heavy.emplace_back(-p.atom(a).households, a);
            }
        }
        std::sort(heavy.begin(), heavy.end());
        heavy.resize(std::min<std::size_t>(heavy.size(), t.site_heavy_atoms));
        for (const auto& [ignored, a] : heavy) {
            near.emplace_back(0.0, a);
        }
        std::vector<Site> sites;
        for (const auto& [ignored, a] : near) {
            sites.push_back(Site{p.atom(a).x, p.atom(a).y, p.atom(a).snap});
        }
        std::vector<std::pair<double, network::NodeIndex>> nodes;
        for (network::NodeIndex n = 0; n < net.node_count(); ++n) {
            const double d = std::hypot(net.node_x(n) - cx, net.node_y(n) - cy);
            if (d <= (wide ? t.wide_site_node_radii : t.site_node_radii) * config.walk_radius_m) {
                nodes.emplace_back(d, n);
            }
        }
        std::sort(nodes.begin(), nodes.end());
        nodes.resize(std::min<std::size_t>(nodes.size(), wide ? t.wide_site_nodes : t.site_nodes));
        for (const auto& [ignored, n] : nodes) {
            const auto snap = net.snap(net.node_x(n), net.node_y(n), t.site_snap_m);
            if (snap.on_network() && p.node_atom(n).valid()) {
                sites.push_back(Site{net.node_x(n), net.node_y(n), snap});
            }
        }
        const Site* site = nullptr;
        std::int64_t site_within = -1;
        for (const auto& candidate : sites) {
            const std::int64_t w = state.within_from(candidate.snap, atoms_of[r]);
            if (w > site_within) {
                site_within = w;
                site = &candidate;
            }
        }
        GridCentre next;
        AtomId next_atom;
        if (anchored(r)) {
            std::int64_t current = 0;
            for (const auto a : atoms_of[r]) {
                current += p.atom(a).households - state.outside_radius(r, a);
            }
            const bool badly_placed = p.centre_reach(CentreId{region.centre.existing}) < config.band_low();
            if (site == nullptr || site_within <= current ||
                (!badly_placed && static_cast<double>(site_within - current) <= slack)) {
                continue;  // the existing centre serves the grid well enough
            }
            taken.erase(CentreId{region.centre.existing});
        } else {
            // An unused existing centre inside the grid that serves it well enough.
            std::int64_t best = -1;
            for (const CentreId c : p.centre_ids()) {
                if (!p.centre_atom(c).valid() || state.region_of[p.centre_atom(c)] != r || taken.count(c) > 0) {
                    continue;
                }
                const auto& centre = p.district().centres[c.value()];
                const auto snap = net.snap(centre.x, centre.y, t.centre_snap_m);
                const std::int64_t w = state.within_from(snap, atoms_of[r]);
                // A badly placed centre is adopted only where no site does better.
                const bool good_enough = p.centre_reach(c) < config.band_low()
                                             ? w >= site_within
                                             : static_cast<double>(site_within - w) <= slack;
                if (good_enough && w > best) {
                    best = w;
                    next = GridCentre{centre.x, centre.y, false, c.value()};
                    next_atom = p.centre_atom(c);
                }
            }
            if (next_atom.valid()) {
                taken.insert(CentreId{next.existing});
            }
        }
        if (!next_atom.valid()) {
            if (site == nullptr) {
                continue;
            }
            next = GridCentre{site->x, site->y, true, no_index};
            // The grid's atom nearest the site starts its flood.
            double bd = unreachable;
            for (const auto a : atoms_of[r]) {
                const double d = std::hypot(p.atom(a).x - site->x, p.atom(a).y - site->y);
                if (d < bd) {
                    bd = d;
                    next_atom = a;
                }
            }
        }
        if (!std::isfinite(region.centre.x) ||
            std::hypot(next.x - region.centre.x, next.y - region.centre.y) > t.centre_move_m ||
            next.proposed != region.centre.proposed) {
            region.centre = next;
            region.seed = next_atom;
            state.compute_walk(r);
            moved = true;
        }
    }
    return moved;
}

void refine(State& state, SiteSearch sites) {
    for (int round = 0; round < state.problem().config().rounds; ++round) {
        if (!recentre(state, sites)) {
            break;
        }
        adapt_targets(state);
        balance(state);
        search(state);
    }
}

void polish(State& state) {
    for (const RegionId r : state.regions.ids()) {
        state.compute_walk(r);
    }
    const double before = score(state);
    const IdVector<RegionId, Region> regions = state.regions;
    const IdVector<AtomId, RegionId> region_of = state.region_of;
    refine(state, SiteSearch::wide);
    if (score(state) >= before) {
        state.regions = regions;
        state.region_of = region_of;
    }
}

void place_centre(State& state, RegionId r, const GridCentre& c) {
    const Problem& p = state.problem();
    Region& region = state.regions[r];
    region.centre = c;
    region.seed = AtomId{};
    if (c.existing != no_index) {
        const AtomId a = p.centre_atom(CentreId{c.existing});
        if (a.valid() && state.region_of[a] == r) {
            region.seed = a;
        }
    }
    if (!region.seed.valid()) {
        double bd = unreachable;
        for (const AtomId a : p.atom_ids()) {
            const double d = std::hypot(p.atom(a).x - c.x, p.atom(a).y - c.y);
            if (state.region_of[a] == r && d < bd) {
                bd = d;
                region.seed = a;
            }
        }
    }
    state.compute_walk(r);
}

} // namespace gridplan::partition::detail
