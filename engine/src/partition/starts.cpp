// Stage 3, the starts: seeds from existing centres, household clusters or a capacitated cover.
#include "partition/detail/starts.hpp"

#include "gridplan/core/strings.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>
#include <set>

namespace gridplan::partition::detail {

namespace {

/// splitmix64: a small deterministic generator (std distributions are implementation-defined).
class Random {
public:
    explicit Random(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31U);
    }
    double uniform() { return static_cast<double>(next() >> 11U) * 0x1.0p-53; }

private:
    std::uint64_t m_state;
};

/// Index of a seed within its part (served_by of a cover).
constexpr std::uint32_t no_seed = no_index;

class Seeder {
public:
    Seeder(const Problem& problem, State& state, int start)
        : m_problem(problem), m_config(problem.config()), m_state(state),
          m_random(problem.config().seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(start)),
          m_mode(seed_mode(start)) {}

    /// Grids per part by largest remainder (at least one each), then each part seeded.
    void allocate_and_seed(RunContext* warnings) {
        const Problem& p = m_problem;
        m_state.region_of.assign(p.atoms().size(), RegionId{});
        const std::int64_t total = p.households();
        const int k_total = m_config.grids > 0
                                ? m_config.grids
                                : std::max(1, static_cast<int>(std::llround(static_cast<double>(total) /
                                                                            m_config.households_per_grid)));
        if (warnings != nullptr && m_config.grids == 0 &&
            static_cast<double>(total) < m_config.households_per_grid) {
            warnings->log.warning("the target of " + format_fixed(m_config.households_per_grid, 0) +
                                  " households per grid is more than the district's " + std::to_string(total) +
                                  ": planning one grid");
        }
        // Largest remainder over populated parts; at least one grid each.
        const std::size_t nc = p.part_count();
        IdVector<PartId, int> k(nc, 0);
        std::vector<std::pair<double, PartId>> remainders;
        int given = 0;
        for (const PartId c : p.part_ids()) {
            const double exact = total > 0 ? static_cast<double>(p.part_households(c)) * k_total /
                                                 static_cast<double>(total)
                                           : 0.0;
            k[c] = std::max(1, static_cast<int>(std::floor(exact)));
            given += k[c];
            remainders.emplace_back(exact - std::floor(exact), c);
        }
        std::stable_sort(remainders.begin(), remainders.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        for (std::size_t i = 0; given < k_total && i < remainders.size(); ++i) {
            if (p.part_households(remainders[i].second) > 0) {
                ++k[remainders[i].second];
                ++given;
            }
        }
        if (given != k_total && warnings != nullptr) {
            warnings->log.warning("the district falls into " + std::to_string(nc) + " separate parts: planning " +
                                  std::to_string(given) + " grids instead of " + std::to_string(k_total));
        }
        IdVector<PartId, std::vector<CentreId>> centres_in(nc);
        for (const CentreId c : p.centre_ids()) {
            if (p.centre_atom(c).valid()) {
                centres_in[p.part_of(p.centre_atom(c))].push_back(c);
            }
        }
        for (const PartId c : p.part_ids()) {
            seed_part(c, k[c], centres_in[c]);
        }
    }

private:
    /// Household-weighted k-means on atom centroids, started from existing centres and
    /// k-means++ picks; each cluster's seed is an existing centre or its nearest atom.
    void seed_part(PartId c, int k, const std::vector<CentreId>& centres) {
        const Problem& p = m_problem;
        const auto& district = p.district();
        std::vector<AtomId> atoms;
        for (const AtomId a : p.atom_ids()) {
            if (p.part_of(a) == c) {
                atoms.push_back(a);
            }
        }
        struct Seed {
            double x;
            double y;
            CentreId centre;  // existing centre anchoring it, or invalid
            AtomId atom{};    // a cover site's atom (its centre stays on the site)
        };
        std::vector<Seed> seeds;
        std::vector<std::uint32_t> served_by;
        if (is_cover(m_mode) && p.has_cover_sites()) {
            const double capacity = static_cast<double>(p.part_households(c)) / std::max(k, 1);
            served_by.assign(district.households.size(), no_seed);
            for (const SiteId s : cover(c, k, capacity, served_by)) {
                const CoverSite& site = p.cover_sites()[s];
                seeds.push_back({site.x, site.y, site.centre, site.atom});
            }
        }
        // Existing centres first, spread out farthest-first; a centre too close to one
        // already chosen (badly placed, clustered) anchors no grid of its own.
        double part_area = 0.0;
        for (const auto a : atoms) {
            for (const auto b : p.atom(a).blocks) {
                part_area += p.blocks().blocks[b.value()].area_m2;
            }
        }
        const double min_spacing = p.tuning().seed_spacing * std::sqrt(part_area / std::max(k, 1));
        // Badly placed centres (see Problem::centre_reach) seed no grid.
        std::vector<CentreId> pool;
        for (const auto centre : centres) {
            if (m_mode == SeedMode::centres && p.centre_reach(centre) >= m_config.band_low()) {
                pool.push_back(centre);
            }
        }
        while (static_cast<int>(seeds.size()) < k && !pool.empty()) {
            std::size_t pick = 0;
            if (!seeds.empty()) {
                double best = -1.0;
                for (std::size_t i = 0; i < pool.size(); ++i) {
                    const auto& pt = district.centres[pool[i].value()];
                    double nearest = unreachable;
                    for (const auto& s : seeds) {
                        nearest = std::min(nearest, std::hypot(pt.x - s.x, pt.y - s.y));
                    }
                    if (nearest > best) {
                        best = nearest;
                        pick = i;
                    }
                }
            }
            const auto& pt = district.centres[pool[pick].value()];
            double nearest = unreachable;
            for (const auto& s : seeds) {
                nearest = std::min(nearest, std::hypot(pt.x - s.x, pt.y - s.y));
            }
            if (nearest < min_spacing) {
                break;  // farthest-first: every remaining centre is at least this close
            }
            seeds.push_back({pt.x, pt.y, pool[pick]});
            pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(pick));
        }
        // k-means++ for the rest (weighted by households and squared distance).
        while (static_cast<int>(seeds.size()) < k) {
            double total = 0.0;
            std::vector<double> weight(atoms.size(), 0.0);
            for (std::size_t i = 0; i < atoms.size(); ++i) {
                const Atom& a = p.atom(atoms[i]);
                double d2 = seeds.empty() ? 1.0 : unreachable;
                for (const auto& s : seeds) {
                    d2 = std::min(d2, (a.x - s.x) * (a.x - s.x) + (a.y - s.y) * (a.y - s.y));
                }
                weight[i] = static_cast<double>(std::max<std::int64_t>(a.households, 0)) * d2;
                total += weight[i];
            }
            std::size_t pick = 0;
            if (total > 0.0) {
                double r = m_random.uniform() * total;
                for (; pick + 1 < atoms.size() && r >= weight[pick]; ++pick) {
                    r -= weight[pick];
                }
            } else {
                pick = static_cast<std::size_t>(m_random.next() % atoms.size());
            }
            seeds.push_back({p.atom(atoms[pick]).x, p.atom(atoms[pick]).y, CentreId{}});
        }
        // Lloyd iterations; seeds anchored on existing centres or cover sites stay put.
        for (int it = 0; it < p.tuning().lloyd_iterations; ++it) {
            std::vector<double> sx(seeds.size(), 0.0);
            std::vector<double> sy(seeds.size(), 0.0);
            std::vector<double> sw(seeds.size(), 0.0);
            for (const auto ai : atoms) {
                const Atom& a = p.atom(ai);
                std::size_t best = 0;
                double bd = unreachable;
                for (std::size_t s = 0; s < seeds.size(); ++s) {
                    const double d = std::hypot(a.x - seeds[s].x, a.y - seeds[s].y);
                    if (d < bd) {
                        bd = d;
                        best = s;
                    }
                }
                const double w = static_cast<double>(a.households) + 1e-3;
                sx[best] += a.x * w;
                sy[best] += a.y * w;
                sw[best] += w;
            }
            for (std::size_t s = 0; s < seeds.size(); ++s) {
                if (!seeds[s].centre.valid() && !seeds[s].atom.valid() && sw[s] > 0.0) {
                    seeds[s].x = sx[s] / sw[s];
                    seeds[s].y = sy[s] / sw[s];
                }
            }
        }
        // Each seed becomes a region anchored at an atom.
        std::set<AtomId> used;
        std::vector<RegionId> region_of_seed(seeds.size(), RegionId{});
        for (std::size_t si = 0; si < seeds.size(); ++si) {
            const Seed& s = seeds[si];
            Region r;
            r.target = m_config.households_per_grid;
            AtomId atom;
            if (s.centre.valid()) {
                atom = p.centre_atom(s.centre);
                r.centre = GridCentre{s.x, s.y, false, s.centre.value()};
            } else if (s.atom.valid()) {
                atom = s.atom;
                r.centre = GridCentre{s.x, s.y, true, no_index};
            }
            if (!atom.valid() || used.count(atom) > 0) {
                double bd = unreachable;
                atom = AtomId{};
                for (const auto ai : atoms) {
                    const double d = std::hypot(p.atom(ai).x - s.x, p.atom(ai).y - s.y);
                    if (used.count(ai) == 0 && d < bd) {
                        bd = d;
                        atom = ai;
                    }
                }
                if (atom.valid() && !s.centre.valid() && !s.atom.valid()) {
                    r.centre = GridCentre{p.atom(atom).x, p.atom(atom).y, true, no_index};
                }
            }
            if (!atom.valid()) {
                continue;  // more seeds than atoms
            }
            used.insert(atom);
            region_of_seed[si] = m_state.regions.next_id();
            r.seed = atom;
            m_state.regions.push_back(std::move(r));
        }
        // A cover also assigns: each atom to the site that serves most of its households.
        if (!served_by.empty()) {
            for (const auto a : atoms) {
                std::map<RegionId, std::int64_t> tally;
                for (const auto i : p.atom(a).household_points) {
                    if (served_by[i] != no_seed && region_of_seed[served_by[i]].valid()) {
                        tally[region_of_seed[served_by[i]]] += district.households[i].count;
                    }
                }
                std::int64_t most = 0;
                for (const auto& [r, h] : tally) {
                    if (h > most) {
                        most = h;
                        m_state.region_of[a] = r;
                    }
                }
            }
            for (std::size_t si = 0; si < seeds.size(); ++si) {
                if (region_of_seed[si].valid()) {
                    m_state.region_of[m_state.regions[region_of_seed[si]].seed] = region_of_seed[si];
                }
            }
        }
    }

    /// Greedy capacitated cover of part c by k sites: each next site is the one whose
    /// radius reaches most of the households no earlier site serves, counting at most a
    /// grid's share of them (the nearest first), so dense areas get several sites and no
    /// site claims more than a grid. An existing centre's gain counts
    /// centre_relocate_share of a grid more.
    std::vector<SiteId> cover(PartId c, int k, double capacity, std::vector<std::uint32_t>& served_by) const {
        const Problem& p = m_problem;
        const auto& district = p.district();
        const auto& sites = p.cover_sites();
        std::vector<std::int64_t> open(district.households.size(), 0);
        for (const AtomId a : p.atom_ids()) {
            if (p.part_of(a) == c) {
                for (const auto i : p.atom(a).household_points) {
                    open[i] = district.households[i].count;
                }
            }
        }
        const double bonus = m_mode == SeedMode::cover_existing ? m_config.centre_relocate_share * capacity : 0.0;
        auto gain = [&](const CoverSite& site) {
            double served = 0.0;
            for (const auto& [d, i] : site.reach) {
                served += static_cast<double>(open[i]);
                if (served >= capacity) {
                    served = capacity;
                    break;
                }
            }
            return served + (site.centre.valid() && served > 0.0 ? bonus : 0.0);
        };
        using Item = std::pair<double, SiteId>;
        auto lower = [](const Item& a, const Item& b) {
            return a.first < b.first || (a.first == b.first && b.second < a.second);
        };
        std::priority_queue<Item, std::vector<Item>, decltype(lower)> heap{lower};
        for (const SiteId s : sites.ids()) {
            // Badly placed centres (see Problem::centre_reach) are no sites.
            const bool usable = !sites[s].centre.valid() || p.centre_reach(sites[s].centre) >= m_config.band_low();
            if (p.part_of(sites[s].atom) == c && usable) {
                const double g = gain(sites[s]);
                if (g > 0.0) {
                    heap.emplace(g, s);
                }
            }
        }
        std::vector<SiteId> chosen;
        std::set<AtomId> used_atoms;
        while (static_cast<int>(chosen.size()) < k && !heap.empty()) {
            const auto [g, s] = heap.top();
            heap.pop();
            if (used_atoms.count(sites[s].atom) > 0) {
                continue;
            }
            const double now = gain(sites[s]);
            if (now <= 0.0) {
                continue;
            }
            if (now < g && !heap.empty() && now < heap.top().first) {
                heap.emplace(now, s);  // lazy evaluation: gains only fall
                continue;
            }
            double left = capacity;
            for (const auto& [d, i] : sites[s].reach) {
                const auto take = std::min<double>(static_cast<double>(open[i]), left);
                if (take > 0.0 && take * 2.0 >= static_cast<double>(district.households[i].count)) {
                    served_by[i] = static_cast<std::uint32_t>(chosen.size());
                }
                open[i] -= static_cast<std::int64_t>(std::ceil(take));
                left -= take;
                if (left <= 0.0) {
                    break;
                }
            }
            chosen.push_back(s);
            used_atoms.insert(sites[s].atom);
        }
        return chosen;
    }

    const Problem& m_problem;
    const PartitionConfig& m_config;
    State& m_state;
    Random m_random;
    SeedMode m_mode;
};

} // namespace

State seed_start(const Problem& problem, int start, RunContext* warnings) {
    State state{problem};
    Seeder{problem, state, start}.allocate_and_seed(warnings);
    return state;
}

} // namespace gridplan::partition::detail
