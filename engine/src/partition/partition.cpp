#include "gridplan/partition/partition.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/core/union_find.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <queue>
#include <set>
#include <limits>
#include <exception>
#include <memory>
#include <thread>
#include <unordered_map>

namespace gridplan::partition {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BPoint = bg::model::d2::point_xy<double>;
using BBox = bg::model::box<BPoint>;
using network::no_index;
using network::unreachable;

void PartitionConfig::validate() const {
    if (!(households_per_grid >= 10.0 && households_per_grid <= 1.0e7)) {
        throw ConfigError{"plan.households_per_grid", "must be from 10 to 10000000"};
    }
    if (!(tolerance > 0.0 && tolerance < 1.0)) {
        throw ConfigError{"plan.tolerance", "must be above 0 and below 1 (0.15 = 15%)"};
    }
    if (grids < 0 || grids > 100000) {
        throw ConfigError{"plan.grids", "must be from 1 to 100000 (0 = from the household total)"};
    }
    if (!(walk_minutes > 0.0 && walk_minutes <= 120.0)) {
        throw ConfigError{"plan.walk_minutes", "must be above 0 and at most 120 minutes"};
    }
    if (!(speed_kmh > 0.0 && speed_kmh <= 20.0)) {
        throw ConfigError{"plan.speed_kmh", "must be above 0 and at most 20 km/h"};
    }
    if (!(walk_radius_m > 0.0)) {
        throw ConfigError{"plan.walk_minutes", "gives no walk radius"};
    }
    if (seed > max_seed) {
        throw ConfigError{"plan.seed", seed_range};
    }
    if (rounds < 1 || rounds > 20) {
        throw ConfigError{"plan.rounds", "must be from 1 to 20"};
    }
    if (!(centre_relocate_share >= 0.0 && centre_relocate_share <= 1.0)) {
        throw ConfigError{"plan.centre_relocate_share", "must be from 0 to 1 (0.10 = a tenth of the grid's households)"};
    }
    if (!(budget_per_household >= 0.0 && budget_per_household <= 1.0e6)) {
        throw ConfigError{"plan.budget_per_household", "must be from 0 to 1000000 yuan"};
    }
}

double nest_within_share(const io::District& district, const std::vector<io::PolygonFeature>& nest_within,
                         const wrap::GeosContext& geos) {
    const double district_area = geos.area(district.boundary.get());
    if (nest_within.empty() || !(district_area > 0.0)) {
        return 0.0;
    }
    std::vector<wrap::GeomPtr> parts;
    for (const auto& n : nest_within) {
        parts.push_back(geos.clone(n.geom.get()));
    }
    wrap::GeomPtr all = geos.collection(GEOS_GEOMETRYCOLLECTION, parts);
    wrap::GeomPtr merged = geos.own(GEOSUnaryUnion_r(geos.handle(), all.get()), "union of nest_within polygons");
    wrap::GeomPtr inside =
        geos.own(GEOSIntersection_r(geos.handle(), merged.get(), district.boundary.get()), "nest_within in district");
    return std::min(1.0, geos.area(inside.get()) / district_area);
}

void check_nest_within(const io::District& district, const std::vector<io::PolygonFeature>& nest_within,
                       const std::string& source, const wrap::GeosContext& geos, RunContext& ctx) {
    const double share = nest_within_share(district, nest_within, geos);
    if (share <= 0.0) {
        throw InputError{nest_within.empty()
                             ? std::string{"no polygons to nest grids within"}
                             : std::to_string(nest_within.size()) +
                                   " nest_within polygons cover none of the district (0% of its area): a wrong file, "
                                   "or a wrong CRS label?",
                         source};
    }
    if (share < 0.99) {
        ctx.log.warning(source + ": the nest_within polygons cover only " + format_fixed(100.0 * share, 1) +
                        "% of the district's area; the rest is planned as one more area that no grid crosses");
    }
}

PartitionConfig PartitionConfig::gb50180() {
    PartitionConfig c;
    c.households_per_grid = 6500.0;
    c.tolerance = 1500.0 / 6500.0;  // 5,000 to 8,000 households
    c.set_walk(10.0, 3.0);          // 500 m
    return c;
}

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


/// Cost of cutting a metre of grid edge along a barrier of each class: edges should
/// follow rivers and roads, and an alley through a compound is the last resort.
constexpr std::array<double, barrier_class_count> cut_cost{1.0, 1.0, 0.6, 0.25, 0.0};  // none, alley, street, road, river
/// Penalty (metres of walk) for growing a grid across a barrier of each class.
constexpr std::array<double, barrier_class_count> cross_penalty{0.0, 0.0, 20.0, 150.0, 400.0};

constexpr double weight_band = 10.0;    // per household outside the band
constexpr double weight_target = 0.2;   // per household away from the target
constexpr double weight_walk = 1.0;     // per household beyond the walk radius
constexpr double weight_edge = 0.5;     // per metre of cut edge (times its class cost)
constexpr double weight_distance = 0.1; // per household, per radius of walk

/// The flood's step for an atom's households beyond the radius, in radii.
constexpr double outside_step = 2.0;
/// Households a grid's balance target drops per household beyond its centre's radius.
constexpr double target_gain = 1.0;

/// Starts from different seeds when the atom graph has at most this many atoms.
constexpr std::size_t max_atoms_for_restarts = 1000;
constexpr int restarts = 6;

struct AtomEdge {
    std::uint32_t other;
    std::array<double, barrier_class_count> length{};
    bool strong = false;  ///< counts for contiguity
    double total() const { return std::accumulate(length.begin(), length.end(), 0.0); }
    BarrierClass strongest() const {
        for (int c = barrier_class_count - 1; c >= 0; --c) {
            if (length[static_cast<std::size_t>(c)] > 0.0) {
                return static_cast<BarrierClass>(c);
            }
        }
        return BarrierClass::none;
    }
};

struct Atom {
    std::vector<std::uint32_t> blocks;
    std::int64_t households = 0;
    double x = 0.0;  ///< household-weighted centroid (label points if no households)
    double y = 0.0;
    int nest = -1;
    network::Snap snap;
    std::vector<AtomEdge> edges;
    std::vector<std::uint32_t> household_points;  ///< indices into District::households
};

struct AtomWalk {
    double metres = 0.0;
    std::int64_t within = 0;
};

/// How a start places its first centres.
enum class SeedMode {
    centres,        ///< existing centres (spread out), then household-weighted k-means++
    clusters,       ///< household-weighted k-means++ only
    cover,          ///< greedy capacitated cover: each site reaching most households not yet served
    cover_existing  ///< the same, an existing centre's gain counting centre_relocate_share of a grid more
};

bool is_cover(SeedMode m) { return m == SeedMode::cover || m == SeedMode::cover_existing; }

/// How each start seeds its grids (a graph too large for several starts gets the first).
constexpr std::array<SeedMode, restarts> start_seeds{SeedMode::centres, SeedMode::cover,          SeedMode::clusters,
                                                     SeedMode::centres, SeedMode::cover_existing, SeedMode::clusters};

/// Household point indices by cell of a square grid (cell side: the walk radius).
using PointBuckets = std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::uint32_t>>;

/// A candidate site for the cover seeds: the household points within the walk radius.
struct CoverSite {
    double x = 0.0;
    double y = 0.0;
    std::uint32_t atom = no_index;    ///< the atom it stands in
    std::uint32_t centre = no_index;  ///< the existing centre it is, if any
    std::vector<std::pair<float, std::uint32_t>> reach;  ///< (walk m, household point), nearest first
};

/// An atom offered to a region while growing regions over the atom graph.
struct FloodItem {
    double key;
    double penalty;  ///< barriers crossed on the way (flood only)
    std::uint32_t atom;
    std::uint32_t region;
    bool operator>(const FloodItem& o) const { return std::tie(key, atom, region) > std::tie(o.key, o.atom, o.region); }
};

struct Region {
    std::vector<std::uint32_t> atoms;  // rebuilt when needed
    std::int64_t load = 0;
    double target = 0.0;  ///< households the balance aims at (inside the band)
    GridCentre centre;
    /// Atoms the centre reaches: walk metres to the atom's centroid and households of the
    /// atom within the walk radius of the centre.
    std::unordered_map<std::uint32_t, AtomWalk> walk;
};

class Planner {
public:
    Planner(const io::District& d, const blocks::BlocksResult& b, const network::WalkNetwork& net,
            const std::vector<io::PolygonFeature>& nests, const PartitionConfig& c, const wrap::GeosContext& g,
            RunContext& ctx)
        : m_district(d), m_blocks(b), m_net(net), m_nests(nests), m_config(c), m_geos(g), m_ctx(ctx),
          m_random(c.seed) {}

    PlanResult run() {
        build_atoms(true);
        build_atom_graph();
        components();
        // What the starts share, computed once (GEOS is used only here, not in the starts).
        locate_centres();
        prepare_sites();
        const int starts = m_atoms.size() <= max_atoms_for_restarts ? restarts : 1;
        if (std::any_of(start_seeds.begin(), start_seeds.begin() + starts, is_cover)) {
            prepare_cover_sites();
        }
        // Several starts from different seeds (when the atom graph is small enough for
        // them to be cheap), run on the worker threads; the plan with the lowest
        // objective is kept, the earliest start on ties, so the result does not depend
        // on the thread count.
        std::vector<std::unique_ptr<Planner>> done(static_cast<std::size_t>(starts));
        const int threads = std::clamp(static_cast<int>(m_ctx.threads), 1, starts);
        for (int first = 0; first < starts; first += threads) {
            m_ctx.report_progress("plan", static_cast<double>(first) / starts);
            const int last = std::min(starts, first + threads);
            std::vector<std::exception_ptr> errors(static_cast<std::size_t>(last - first));
            auto work = [&](int start) {
                try {
                    auto w = std::make_unique<Planner>(*this, ForStart{});
                    w->run_start(start);
                    done[static_cast<std::size_t>(start)] = std::move(w);
                } catch (...) {
                    errors[static_cast<std::size_t>(start - first)] = std::current_exception();
                }
            };
            std::vector<std::thread> pool;
            for (int start = first + 1; start < last; ++start) {
                pool.emplace_back(work, start);
            }
            work(first);
            for (auto& t : pool) {
                t.join();
            }
            for (const auto& e : errors) {
                if (e) {
                    std::rethrow_exception(e);
                }
            }
        }
        std::size_t best = 0;
        for (std::size_t k = 1; k < done.size(); ++k) {
            if (done[k]->m_cost < done[best]->m_cost) {
                best = k;
            }
        }
        m_regions = std::move(done[best]->m_regions);
        m_seed_atom = std::move(done[best]->m_seed_atom);
        m_region_of = std::move(done[best]->m_region_of);
        m_result.stats.households = done[best]->m_result.stats.households;
        polish();
        return finish();
    }

    /// How well each existing centre is placed, and which street nodes may host a
    /// proposed centre (those inside the district's blocks).
    void prepare_sites() {
        // Households within the walk radius of each existing centre: one whose radius
        // holds fewer than the band's lower bound (at the district's edge, by a park or
        // a river) is badly placed and anchors no grid.
        std::vector<std::uint32_t> all_atoms(m_atoms.size());
        std::iota(all_atoms.begin(), all_atoms.end(), 0U);
        m_centre_reach.assign(m_district.centres.size(), 0.0);
        for (std::size_t c = 0; c < m_district.centres.size(); ++c) {
            const auto snap = m_net.snap(m_district.centres[c].x, m_district.centres[c].y, 2000.0);
            m_centre_reach[c] = static_cast<double>(within_from(snap, all_atoms));
        }
        m_node_atom.assign(m_net.node_count(), no_index);
        for (std::uint32_t n = 0; n < m_net.node_count(); ++n) {
            const std::uint32_t b = block_at(m_net.node_x(n), m_net.node_y(n));
            m_node_atom[n] = b != no_index ? m_atom_of_block[b] : no_index;
        }
    }

    /// Candidate sites for the cover seeds: the existing centres and one street node in
    /// every cell of a fine grid, each with the household points its radius reaches.
    void prepare_cover_sites() {
        auto sites = std::make_shared<std::vector<CoverSite>>();
        const double radius = m_config.walk_radius_m;
        for (std::uint32_t c = 0; c < m_district.centres.size(); ++c) {
            if (m_centre_atom[c] != no_index) {
                sites->push_back(CoverSite{m_district.centres[c].x, m_district.centres[c].y, m_centre_atom[c], c, {}});
            }
        }
        const double cell = radius / 8.0;
        std::map<std::pair<std::int64_t, std::int64_t>, std::uint32_t> cells;
        for (std::uint32_t n = 0; n < m_net.node_count(); ++n) {
            if (m_node_atom[n] != no_index) {
                cells.try_emplace({static_cast<std::int64_t>(std::floor(m_net.node_x(n) / cell)),
                                   static_cast<std::int64_t>(std::floor(m_net.node_y(n) / cell))},
                                  n);  // the lowest node index in each cell
            }
        }
        for (const auto& [key, n] : cells) {
            sites->push_back(CoverSite{m_net.node_x(n), m_net.node_y(n), m_node_atom[n], no_index, {}});
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
        const std::size_t threads = std::clamp<std::size_t>(m_ctx.threads, 1, 16);
        std::vector<std::exception_ptr> errors(threads);
        auto reach = [&](std::size_t first, std::size_t step) {
            try {
                network::BoundedDistances search{m_net};
                for (std::size_t k = first; k < sites->size(); k += step) {
                    fill_reach((*sites)[k], buckets, search);
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
        m_cover_sites = std::move(sites);
    }

    /// The household points within the walk radius of a cover site, nearest first.
    void fill_reach(CoverSite& site, const PointBuckets& buckets, network::BoundedDistances& search) const {
        const double radius = m_config.walk_radius_m;
        const auto snap = m_net.snap(site.x, site.y, site.centre != no_index ? 2000.0 : 1.0);
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

    /// Greedy capacitated cover of component c by k sites: each next site is the one
    /// whose radius reaches most of the households no earlier site serves, counting at
    /// most a grid's share of them (the nearest first), so dense areas get several sites
    /// and no site claims more than a grid. An existing centre's gain counts
    /// centre_relocate_share of a grid more.
    std::vector<std::uint32_t> cover_sites(std::uint32_t c, int k, double capacity,
                                           std::vector<std::uint32_t>& served_by) const {
        const auto& sites = *m_cover_sites;
        std::vector<std::int64_t> open(m_district.households.size(), 0);
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            if (m_component[a] == c) {
                for (const auto i : m_atoms[a].household_points) {
                    open[i] = m_district.households[i].count;
                }
            }
        }
        const double bonus = m_seed_mode == SeedMode::cover_existing ? m_config.centre_relocate_share * capacity : 0.0;
        auto gain = [&](const CoverSite& site) {
            double served = 0.0;
            for (const auto& [d, i] : site.reach) {
                served += static_cast<double>(open[i]);
                if (served >= capacity) {
                    served = capacity;
                    break;
                }
            }
            return served + (site.centre != no_index && served > 0.0 ? bonus : 0.0);
        };
        using Item = std::pair<double, std::uint32_t>;
        auto lower = [](const Item& a, const Item& b) {
            return a.first < b.first || (a.first == b.first && a.second > b.second);
        };
        std::priority_queue<Item, std::vector<Item>, decltype(lower)> heap{lower};
        for (std::uint32_t s = 0; s < sites.size(); ++s) {
            // Badly placed centres (see m_centre_reach) are no sites.
            const bool usable = sites[s].centre == no_index || m_centre_reach[sites[s].centre] >= m_config.band_low();
            if (m_component[sites[s].atom] == c && usable) {
                const double g = gain(sites[s]);
                if (g > 0.0) {
                    heap.emplace(g, s);
                }
            }
        }
        std::vector<std::uint32_t> chosen;
        std::set<std::uint32_t> used_atoms;
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
                if (take > 0.0 && take * 2.0 >= static_cast<double>(m_district.households[i].count)) {
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

    /// On the best start: proposed sites searched over a wider area (more street nodes,
    /// farther from the centroid), kept if the plan gets better.
    void polish() {
        for (std::size_t r = 0; r < m_regions.size(); ++r) {
            compute_distances(r);
        }
        const double before = score();
        const std::vector<Region> regions = m_regions;
        const std::vector<std::uint32_t> seed_atom = m_seed_atom;
        const std::vector<std::uint32_t> region_of = m_region_of;
        m_wide_sites = true;
        refine();
        m_wide_sites = false;
        if (score() >= before) {
            m_regions = regions;
            m_seed_atom = seed_atom;
            m_region_of = region_of;
        }
    }

    /// Re-centring, new targets, the balanced flood and local search, repeated until no
    /// centre moves (at most plan.rounds times).
    void refine() {
        for (int round = 0; round < m_config.rounds; ++round) {
            if (!recentre()) {
                break;
            }
            adapt_targets();
            balance();
            search();
        }
    }

    /// One start: seeds, the balanced flood, local search, re-centring until stable.
    void run_start(int start) {
        m_random = Random{m_config.seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(start)};
        m_first_start = start == 0;
        m_seed_mode = start_seeds[static_cast<std::size_t>(start) % start_seeds.size()];
        allocate_and_seed();
        for (std::size_t r = 0; r < m_regions.size(); ++r) {
            compute_distances(r);
        }
        if (is_cover(m_seed_mode) && m_cover_sites) {
            // The cover's own assignment, made contiguous, replaces the first flood.
            complete_assignment();
        } else {
            balance();
        }
        search();
        refine();
        m_cost = score();
    }

    /// What starts are compared on (lower is better): what the plan is for, households
    /// outside the band first, then households beyond the radius. (Existing centres
    /// are weighed against proposed sites grid by grid, in recentre().)
    double score() const {
        // Lexicographic: a household outside the band outweighs every household beyond
        // (the band's bounds taken as whole households).
        const double band_weight = static_cast<double>(m_result.stats.households) + 1.0;
        const double low = std::ceil(m_config.band_low());
        const double high = std::floor(m_config.band_high());
        double cost = 0.0;
        for (const auto& region : m_regions) {
            const double l = static_cast<double>(region.load);
            cost += band_weight * std::max({0.0, low - l, l - high});
        }
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            cost += static_cast<double>(outside_radius(m_region_of[a], a));
        }
        return cost;
    }

    struct ForStart {};
    /// A worker for one start: the shared inputs and atom graph, fresh grid state.
    Planner(const Planner& o, ForStart)
        : m_district(o.m_district), m_blocks(o.m_blocks), m_net(o.m_net), m_nests(o.m_nests), m_config(o.m_config),
          m_geos(o.m_geos), m_ctx(o.m_ctx), m_random(o.m_config.seed), m_block_nest(o.m_block_nest),
          m_atom_of_block(o.m_atom_of_block), m_atoms(o.m_atoms), m_component(o.m_component),
          m_component_households(o.m_component_households), m_component_count(o.m_component_count),
          m_centre_atom(o.m_centre_atom), m_household_snap(o.m_household_snap), m_node_atom(o.m_node_atom),
          m_cover_sites(o.m_cover_sites), m_centre_reach(o.m_centre_reach) {}

public:
    /// Measures a fixed block assignment: every block its own atom, centres as in run().
    PlanResult run_fixed(const std::vector<std::uint32_t>& grid_of_block) {
        build_atoms(false);
        build_atom_graph();
        const std::uint32_t k = grid_of_block.empty() ? 0 : *std::max_element(grid_of_block.begin(), grid_of_block.end()) + 1;
        m_regions.resize(k);
        for (auto& region : m_regions) {
            region.target = m_config.households_per_grid;
        }
        m_seed_atom.assign(k, no_index);
        m_region_of.assign(m_atoms.size(), no_index);
        m_centre_atom.assign(m_district.centres.size(), no_index);
        for (std::uint32_t b = 0; b < grid_of_block.size(); ++b) {
            m_region_of[m_atom_of_block[b]] = grid_of_block[b];
            m_regions[grid_of_block[b]].load += m_atoms[m_atom_of_block[b]].households;
        }
        locate_centres();
        prepare_sites();
        m_wide_sites = true;  // the same site search as the plan's last pass
        for (std::uint32_t r = 0; r < k; ++r) {
            m_regions[r].centre.proposed = true;
            m_regions[r].centre.x = unreachable;  // forces recentre() to place it
        }
        std::int64_t total = 0;
        for (const auto& a : m_atoms) {
            total += a.households;
        }
        m_result.stats.households = total;
        recentre();
        return finish();
    }

private:
    // --- atoms -----------------------------------------------------------------

    void build_atoms(bool merge) {
        const auto& blocks = m_blocks.blocks;
        const std::size_t n = blocks.size();
        m_block_adj.assign(n, {});
        for (std::uint32_t i = 0; i < m_blocks.adjacency.size(); ++i) {
            const auto& a = m_blocks.adjacency[i];
            m_block_adj[a.a.value()].push_back(i);
            m_block_adj[a.b.value()].push_back(i);
        }
        // Nest polygon of each block (by its label point).
        m_block_nest.assign(n, -1);
        if (!m_nests.empty()) {
            std::vector<wrap::PreparedPtr> prepared;
            for (const auto& nest : m_nests) {
                prepared.push_back(m_geos.prepare(nest.geom.get()));
            }
            for (std::uint32_t b = 0; b < n; ++b) {
                wrap::GeomPtr p = m_geos.point(blocks[b].label_x, blocks[b].label_y);
                for (std::size_t k = 0; k < prepared.size(); ++k) {
                    if (m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), prepared[k].get(), p.get()),
                                          "nest")) {
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
        for (std::uint32_t b = 0; b < n && merge; ++b) {
            if (!blocks[b].water) {
                continue;
            }
            double best = -1.0;
            std::uint32_t target = no_index;
            bool best_land = false;
            for (const auto ai : m_block_adj[b]) {
                const auto& a = m_blocks.adjacency[ai];
                const std::uint32_t other = a.a.value() == b ? a.b.value() : a.a.value();
                if (m_block_nest[other] != m_block_nest[b]) {
                    continue;
                }
                const bool land = !blocks[other].water;
                if ((land && !best_land) || (land == best_land && a.shared_length_m > best)) {
                    best = a.shared_length_m;
                    target = other;
                    best_land = land;
                }
            }
            if (target != no_index) {
                uf.unite(b, target);
            }
        }
        // Keep-together units: every block overlapping the unit's outline.
        if (merge && !m_district.unit_areas.empty()) {
            std::vector<std::pair<BBox, std::uint32_t>> boxes;
            for (std::uint32_t b = 0; b < n; ++b) {
                double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
                m_geos.bounds(blocks[b].geom.get(), x0, y0, x1, y1);
                boxes.emplace_back(BBox{BPoint{x0, y0}, BPoint{x1, y1}}, b);
            }
            const bgi::rtree<std::pair<BBox, std::uint32_t>, bgi::rstar<16>> tree{boxes.begin(), boxes.end()};
            std::size_t conflicts = 0;
            for (const auto& unit : m_district.unit_areas) {
                double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
                if (!m_geos.bounds(unit.geom.get(), x0, y0, x1, y1)) {
                    continue;
                }
                wrap::PreparedPtr prepared = m_geos.prepare(unit.geom.get());
                std::vector<std::uint32_t> members;
                for (auto it = tree.qbegin(bgi::intersects(BBox{BPoint{x0, y0}, BPoint{x1, y1}})); it != tree.qend();
                     ++it) {
                    const auto b = it->second;
                    if (!m_geos.check_bool(GEOSPreparedIntersects_r(m_geos.handle(), prepared.get(), blocks[b].geom.get()),
                                           "unit")) {
                        continue;
                    }
                    wrap::GeomPtr x = m_geos.own(GEOSIntersection_r(m_geos.handle(), unit.geom.get(), blocks[b].geom.get()),
                                                 "unit overlap");
                    if (m_geos.area(x.get()) > 1.0) {
                        members.push_back(b);
                    }
                }
                std::sort(members.begin(), members.end());
                for (std::size_t k = 1; k < members.size(); ++k) {
                    if (m_block_nest[members[k]] != m_block_nest[members[0]]) {
                        ++conflicts;
                        continue;
                    }
                    uf.unite(members[0], members[k]);
                }
            }
            if (conflicts > 0) {
                m_ctx.log.warning(std::to_string(conflicts) +
                                  " keep-together units straddle a nest_within boundary; kept apart there");
            }
        }
        // Atoms in block order.
        m_atom_of_block.assign(n, no_index);
        std::map<std::uint32_t, std::uint32_t> atom_of_root;
        for (std::uint32_t b = 0; b < n; ++b) {
            const auto root = uf.find(b);
            auto [it, inserted] = atom_of_root.try_emplace(root, static_cast<std::uint32_t>(m_atoms.size()));
            if (inserted) {
                m_atoms.emplace_back();
            }
            m_atom_of_block[b] = it->second;
            Atom& a = m_atoms[it->second];
            a.blocks.push_back(b);
            a.households += blocks[b].households;
            a.nest = m_block_nest[b];
        }
        // Household-weighted centroids.
        std::vector<double> sx(m_atoms.size(), 0.0);
        std::vector<double> sy(m_atoms.size(), 0.0);
        for (std::size_t i = 0; i < m_district.households.size(); ++i) {
            const BlockId b = m_blocks.household_block[i];
            if (!b.valid()) {
                continue;
            }
            const auto atom = m_atom_of_block[b.value()];
            const auto& h = m_district.households[i];
            sx[atom] += h.x * h.count;
            sy[atom] += h.y * h.count;
            m_atoms[atom].household_points.push_back(static_cast<std::uint32_t>(i));
        }
        // Households are measured from where they join the network, as in the outputs.
        m_household_snap.resize(m_district.households.size());
        for (std::size_t i = 0; i < m_district.households.size(); ++i) {
            if (m_blocks.household_block[i].valid()) {
                m_household_snap[i] = m_net.snap(m_district.households[i].x, m_district.households[i].y, 300.0);
            }
        }
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            Atom& atom = m_atoms[a];
            if (atom.households > 0) {
                atom.x = sx[a] / static_cast<double>(atom.households);
                atom.y = sy[a] / static_cast<double>(atom.households);
            } else {
                double area = 0.0;
                for (const auto b : atom.blocks) {
                    atom.x += blocks[b].label_x * blocks[b].area_m2;
                    atom.y += blocks[b].label_y * blocks[b].area_m2;
                    area += blocks[b].area_m2;
                }
                atom.x /= std::max(area, 1e-9);
                atom.y /= std::max(area, 1e-9);
            }
            atom.snap = m_net.snap(atom.x, atom.y, 2000.0);
        }
        m_result.stats.atoms = m_atoms.size();
    }

    /// Whether a walkable line crosses the shared edge of two blocks (a bridge over a river):
    /// its interior meets the edge at points (through the edge's interior or one of its
    /// ends) without running along it. A street that only ends at the river is no bridge.
    bool bridged(const blocks::Adjacency& a) {
        if (!m_walkable_tree_built) {
            std::vector<std::pair<BBox, std::uint32_t>> boxes;
            for (std::uint32_t i = 0; i < m_district.barriers.size(); ++i) {
                const auto& b = m_district.barriers[i];
                if (!b.walkable || b.cls == BarrierClass::river) {
                    continue;
                }
                double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
                if (m_geos.bounds(b.geom.get(), x0, y0, x1, y1)) {
                    boxes.emplace_back(BBox{BPoint{x0, y0}, BPoint{x1, y1}}, i);
                }
            }
            m_walkable_tree = bgi::rtree<std::pair<BBox, std::uint32_t>, bgi::rstar<16>>{boxes.begin(), boxes.end()};
            m_walkable_tree_built = true;
        }
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

    void build_atom_graph() {
        std::map<std::pair<std::uint32_t, std::uint32_t>, AtomEdge> edges;
        for (const auto& adj : m_blocks.adjacency) {
            const auto a = m_atom_of_block[adj.a.value()];
            const auto b = m_atom_of_block[adj.b.value()];
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
            if (adj.barrier_class != BarrierClass::river || bridged(adj)) {
                e.strong = true;
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

    /// Components over strong edges; populated parts smaller than half a grid are linked to
    /// a neighbour across water (reported) so that they do not become grids of their own.
    void components() {
        const double half = 0.5 * m_config.households_per_grid;
        for (int pass = 0; pass < 50; ++pass) {
            label_components();
            bool changed = false;
            for (std::uint32_t c = 0; c < m_component_households.size(); ++c) {
                if (m_component_households[c] >= half || m_component_count == 1) {
                    continue;
                }
                // The longest weak edge to another component (same nest).
                double best = 0.0;
                std::pair<std::uint32_t, std::size_t> where{no_index, 0};
                for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
                    if (m_component[a] != c) {
                        continue;
                    }
                    for (std::size_t k = 0; k < m_atoms[a].edges.size(); ++k) {
                        const auto& e = m_atoms[a].edges[k];
                        if (!e.strong && m_component[e.other] != c && m_atoms[e.other].nest == m_atoms[a].nest &&
                            e.total() > best) {
                            best = e.total();
                            where = {a, k};
                        }
                    }
                }
                if (where.first == no_index) {
                    continue;
                }
                auto& e = m_atoms[where.first].edges[where.second];
                e.strong = true;
                for (auto& back : m_atoms[e.other].edges) {
                    if (back.other == where.first) {
                        back.strong = true;
                    }
                }
                ++m_result.stats.islands_attached;
                changed = true;
                break;  // relabel after each link
            }
            if (!changed) {
                break;
            }
        }
        if (m_result.stats.islands_attached > 0) {
            m_ctx.log.warning(std::to_string(m_result.stats.islands_attached) +
                              " parts with fewer than half a grid of households were joined to a grid across water "
                              "without a bridge");
        }
    }

    void label_components() {
        m_component.assign(m_atoms.size(), no_index);
        m_component_households.clear();
        m_component_count = 0;
        for (std::uint32_t s = 0; s < m_atoms.size(); ++s) {
            if (m_component[s] != no_index) {
                continue;
            }
            const auto c = static_cast<std::uint32_t>(m_component_count++);
            m_component_households.push_back(0);
            std::vector<std::uint32_t> queue{s};
            m_component[s] = c;
            for (std::size_t q = 0; q < queue.size(); ++q) {
                const auto a = queue[q];
                m_component_households[c] += m_atoms[a].households;
                for (const auto& e : m_atoms[a].edges) {
                    if (e.strong && m_component[e.other] == no_index) {
                        m_component[e.other] = c;
                        queue.push_back(e.other);
                    }
                }
            }
        }
    }

    // --- seeds -----------------------------------------------------------------

    void allocate_and_seed() {
        m_region_of.assign(m_atoms.size(), no_index);
        std::int64_t total = 0;
        for (const auto& a : m_atoms) {
            total += a.households;
        }
        m_result.stats.households = total;
        const int k_total = m_config.grids > 0
                                ? m_config.grids
                                : std::max(1, static_cast<int>(std::llround(static_cast<double>(total) /
                                                                            m_config.households_per_grid)));
        if (m_first_start && m_config.grids == 0 && static_cast<double>(total) < m_config.households_per_grid) {
            m_ctx.log.warning("the target of " + format_fixed(m_config.households_per_grid, 0) +
                              " households per grid is more than the district's " + std::to_string(total) +
                              ": planning one grid");
        }
        // Largest remainder over populated components; at least one grid each.
        const std::size_t nc = m_component_count;
        std::vector<int> k(nc, 0);
        std::vector<std::pair<double, std::uint32_t>> remainders;
        int given = 0;
        for (std::uint32_t c = 0; c < nc; ++c) {
            const double exact = total > 0 ? static_cast<double>(m_component_households[c]) * k_total /
                                                 static_cast<double>(total)
                                           : 0.0;
            k[c] = std::max(1, static_cast<int>(std::floor(exact)));
            given += k[c];
            remainders.emplace_back(exact - std::floor(exact), c);
        }
        std::stable_sort(remainders.begin(), remainders.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        for (std::size_t i = 0; given < k_total && i < remainders.size(); ++i) {
            if (m_component_households[remainders[i].second] > 0) {
                ++k[remainders[i].second];
                ++given;
            }
        }
        if (given != k_total && m_first_start) {
            m_ctx.log.warning("the district falls into " + std::to_string(nc) + " separate parts: planning " +
                              std::to_string(given) + " grids instead of " + std::to_string(k_total));
        }
        std::vector<std::vector<std::uint32_t>> centres_in(nc);
        for (std::uint32_t c = 0; c < m_district.centres.size(); ++c) {
            if (m_centre_atom[c] != no_index) {
                centres_in[m_component[m_centre_atom[c]]].push_back(c);
            }
        }
        for (std::uint32_t c = 0; c < nc; ++c) {
            seed_component(c, k[c], centres_in[c]);
        }
    }

    /// The atom each existing centre stands in (no_index outside every block).
    void locate_centres() {
        m_centre_atom.assign(m_district.centres.size(), no_index);
        for (std::uint32_t c = 0; c < m_district.centres.size(); ++c) {
            const std::uint32_t b = block_at(m_district.centres[c].x, m_district.centres[c].y);
            if (b != no_index) {
                m_centre_atom[c] = m_atom_of_block[b];
            }
        }
    }

    /// The block containing (x, y), the lowest id on shared edges; no_index outside all.
    std::uint32_t block_at(double x, double y) {
        const auto& blocks = m_blocks.blocks;
        if (!m_block_tree_built) {
            std::vector<std::pair<BBox, std::uint32_t>> boxes;
            for (std::uint32_t b = 0; b < blocks.size(); ++b) {
                double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
                m_geos.bounds(blocks[b].geom.get(), x0, y0, x1, y1);
                boxes.emplace_back(BBox{BPoint{x0, y0}, BPoint{x1, y1}}, b);
            }
            m_block_tree = bgi::rtree<std::pair<BBox, std::uint32_t>, bgi::rstar<16>>{boxes.begin(), boxes.end()};
            m_block_tree_built = true;
        }
        wrap::GeomPtr pt = m_geos.point(x, y);
        std::vector<std::uint32_t> candidates;
        for (auto it = m_block_tree.qbegin(bgi::intersects(BPoint{x, y})); it != m_block_tree.qend(); ++it) {
            candidates.push_back(it->second);
        }
        std::sort(candidates.begin(), candidates.end());
        for (const auto b : candidates) {
            if (m_geos.check_bool(GEOSIntersects_r(m_geos.handle(), blocks[b].geom.get(), pt.get()), "point in block")) {
                return b;
            }
        }
        return no_index;
    }

    /// Household-weighted k-means on atom centroids, started from existing centres and
    /// k-means++ picks; each cluster's seed is an existing centre or its nearest atom.
    void seed_component(std::uint32_t c, int k, const std::vector<std::uint32_t>& centres) {
        std::vector<std::uint32_t> atoms;
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            if (m_component[a] == c) {
                atoms.push_back(a);
            }
        }
        struct Seed {
            double x;
            double y;
            std::uint32_t centre;           // existing centre anchoring it, or no_index
            std::uint32_t atom = no_index;  // a cover site's atom (its centre stays on the site)
        };
        std::vector<Seed> seeds;
        std::vector<std::uint32_t> served_by;
        if (is_cover(m_seed_mode) && m_cover_sites) {
            const double capacity = static_cast<double>(m_component_households[c]) / std::max(k, 1);
            served_by.assign(m_district.households.size(), no_index);
            for (const auto s : cover_sites(c, k, capacity, served_by)) {
                const CoverSite& site = (*m_cover_sites)[s];
                seeds.push_back({site.x, site.y, site.centre, site.atom});
            }
        }
        // Existing centres first, spread out farthest-first; a centre too close to one
        // already chosen (badly placed, clustered) anchors no grid of its own.
        double component_area = 0.0;
        for (const auto a : atoms) {
            for (const auto b : m_atoms[a].blocks) {
                component_area += m_blocks.blocks[b].area_m2;
            }
        }
        const double min_spacing = 0.6 * std::sqrt(component_area / std::max(k, 1));
        // Badly placed centres (see m_centre_reach) seed no grid.
        std::vector<std::uint32_t> pool;
        for (const auto centre : centres) {
            if (m_seed_mode == SeedMode::centres && m_centre_reach[centre] >= m_config.band_low()) {
                pool.push_back(centre);
            }
        }
        while (static_cast<int>(seeds.size()) < k && !pool.empty()) {
            std::size_t pick = 0;
            if (!seeds.empty()) {
                double best = -1.0;
                for (std::size_t i = 0; i < pool.size(); ++i) {
                    const auto& p = m_district.centres[pool[i]];
                    double nearest = unreachable;
                    for (const auto& s : seeds) {
                        nearest = std::min(nearest, std::hypot(p.x - s.x, p.y - s.y));
                    }
                    if (nearest > best) {
                        best = nearest;
                        pick = i;
                    }
                }
            }
            const auto& p = m_district.centres[pool[pick]];
            double nearest = unreachable;
            for (const auto& s : seeds) {
                nearest = std::min(nearest, std::hypot(p.x - s.x, p.y - s.y));
            }
            if (nearest < min_spacing) {
                break;  // farthest-first: every remaining centre is at least this close
            }
            seeds.push_back({p.x, p.y, pool[pick]});
            pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(pick));
        }
        // k-means++ for the rest (weighted by households and squared distance).
        while (static_cast<int>(seeds.size()) < k) {
            double total = 0.0;
            std::vector<double> weight(atoms.size(), 0.0);
            for (std::size_t i = 0; i < atoms.size(); ++i) {
                const Atom& a = m_atoms[atoms[i]];
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
            seeds.push_back({m_atoms[atoms[pick]].x, m_atoms[atoms[pick]].y, no_index});
        }
        // Lloyd iterations; seeds anchored on existing centres or cover sites stay put.
        for (int it = 0; it < 15; ++it) {
            std::vector<double> sx(seeds.size(), 0.0);
            std::vector<double> sy(seeds.size(), 0.0);
            std::vector<double> sw(seeds.size(), 0.0);
            for (const auto ai : atoms) {
                const Atom& a = m_atoms[ai];
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
                if (seeds[s].centre == no_index && seeds[s].atom == no_index && sw[s] > 0.0) {
                    seeds[s].x = sx[s] / sw[s];
                    seeds[s].y = sy[s] / sw[s];
                }
            }
        }
        // Each seed becomes a region anchored at an atom.
        std::set<std::uint32_t> used;
        std::vector<std::uint32_t> region_of_seed(seeds.size(), no_index);
        for (std::size_t si = 0; si < seeds.size(); ++si) {
            const Seed& s = seeds[si];
            Region r;
            r.target = m_config.households_per_grid;
            std::uint32_t atom = no_index;
            if (s.centre != no_index) {
                atom = m_centre_atom[s.centre];
                r.centre = GridCentre{s.x, s.y, false, s.centre};
            } else if (s.atom != no_index) {
                atom = s.atom;
                r.centre = GridCentre{s.x, s.y, true, no_index};
            }
            if (atom == no_index || used.count(atom) > 0) {
                double bd = unreachable;
                atom = no_index;
                for (const auto ai : atoms) {
                    const double d = std::hypot(m_atoms[ai].x - s.x, m_atoms[ai].y - s.y);
                    if (used.count(ai) == 0 && d < bd) {
                        bd = d;
                        atom = ai;
                    }
                }
                if (atom != no_index && s.centre == no_index && s.atom == no_index) {
                    r.centre = GridCentre{m_atoms[atom].x, m_atoms[atom].y, true, no_index};
                }
            }
            if (atom == no_index) {
                continue;  // more seeds than atoms
            }
            used.insert(atom);
            region_of_seed[si] = static_cast<std::uint32_t>(m_regions.size());
            m_seed_atom.push_back(atom);
            m_regions.push_back(std::move(r));
        }
        // A cover also assigns: each atom to the site that serves most of its households.
        if (!served_by.empty()) {
            for (const auto a : atoms) {
                std::map<std::uint32_t, std::int64_t> tally;
                for (const auto i : m_atoms[a].household_points) {
                    if (served_by[i] != no_index && region_of_seed[served_by[i]] != no_index) {
                        tally[region_of_seed[served_by[i]]] += m_district.households[i].count;
                    }
                }
                std::int64_t most = 0;
                for (const auto& [r, h] : tally) {
                    if (h > most) {
                        most = h;
                        m_region_of[a] = r;
                    }
                }
            }
            for (std::size_t si = 0; si < seeds.size(); ++si) {
                if (region_of_seed[si] != no_index) {
                    m_region_of[m_seed_atom[region_of_seed[si]]] = region_of_seed[si];
                }
            }
        }
    }

    /// Completes a partial assignment into contiguous regions: each region keeps the
    /// part connected to its seed atom, and every other atom goes, nearest first, to
    /// the adjacent region whose centre reaches it best (walk plus the step for
    /// households beyond the radius, as in the flood, but without barrier penalties:
    /// the search that follows weighs the edges).
    void complete_assignment() {
        // Each region's part connected to its seed atom (an atom is in one region, so
        // one mark serves every region's search).
        std::vector<char> reached(m_atoms.size(), 0);
        for (std::uint32_t r = 0; r < m_regions.size(); ++r) {
            std::vector<std::uint32_t> queue{m_seed_atom[r]};
            reached[m_seed_atom[r]] = 1;
            for (std::size_t q = 0; q < queue.size(); ++q) {
                for (const auto& e : m_atoms[queue[q]].edges) {
                    if (e.strong && !reached[e.other] && m_region_of[e.other] == r) {
                        reached[e.other] = 1;
                        queue.push_back(e.other);
                    }
                }
            }
        }
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            if (!reached[a]) {
                m_region_of[a] = no_index;
            }
        }
        std::priority_queue<FloodItem, std::vector<FloodItem>, std::greater<>> queue;
        auto offer = [&](std::uint32_t a) {
            for (const auto& e : m_atoms[a].edges) {
                if (e.strong && m_region_of[e.other] == no_index) {
                    queue.push(FloodItem{flood_distance(m_region_of[a], e.other), 0.0, e.other, m_region_of[a]});
                }
            }
        };
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            if (m_region_of[a] != no_index) {
                offer(a);
            }
        }
        while (!queue.empty()) {
            const FloodItem item = queue.top();
            queue.pop();
            if (m_region_of[item.atom] == no_index) {
                m_region_of[item.atom] = item.region;
                offer(item.atom);
            }
        }
        for (auto& region : m_regions) {
            region.load = 0;
        }
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            if (m_region_of[a] == no_index) {
                throw InternalError{"plan: atom " + std::to_string(a) + " could not be assigned to a grid"};
            }
            m_regions[m_region_of[a]].load += m_atoms[a].households;
        }
    }

    void compute_distances(std::size_t r) {
        Region& region = m_regions[r];
        const network::Snap centre = m_net.snap(region.centre.x, region.centre.y, 2000.0);
        region.walk.clear();
        const double limit = 2.5 * m_config.walk_radius_m + 500.0;
        if (!centre.on_network()) {
            return;
        }
        m_search.run(centre, limit);
        const network::BoundedDistances& d = m_search;
        const double r2 = limit * limit;
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            const Atom& atom = m_atoms[a];
            const double dx = atom.x - region.centre.x;
            const double dy = atom.y - region.centre.y;
            if (dx * dx + dy * dy > r2) {
                continue;
            }
            const double w = d.distance(atom.snap);
            if (!std::isfinite(w)) {
                continue;
            }
            region.walk.emplace(a, AtomWalk{w, households_within(d, atom)});
        }
    }

    /// Walk metres from region r's centre to atom a (a generous estimate when not reached).
    double distance(std::size_t r, std::uint32_t a) const {
        const Region& region = m_regions[r];
        const auto it = region.walk.find(a);
        if (it != region.walk.end()) {
            return it->second.metres;
        }
        return 1.5 * std::hypot(m_atoms[a].x - region.centre.x, m_atoms[a].y - region.centre.y) + 1000.0;
    }

    /// The flood's distance: the walk, plus a step for the share of the atom's households
    /// beyond the radius, so atoms go first to a centre that reaches them.
    double flood_distance(std::size_t r, std::uint32_t a) const {
        const double h = static_cast<double>(m_atoms[a].households);
        const double outside = h > 0.0 ? static_cast<double>(outside_radius(r, a)) / h : 0.0;
        return distance(r, a) + outside_step * m_config.walk_radius_m * outside;
    }

    /// Households of atom a beyond the walk radius of region r's centre.
    std::int64_t outside_radius(std::size_t r, std::uint32_t a) const {
        const Region& region = m_regions[r];
        const auto it = region.walk.find(a);
        return m_atoms[a].households - (it != region.walk.end() ? it->second.within : 0);
    }

    // --- assignment --------------------------------------------------------------

    /// A weighted network Voronoi grown over the contiguity graph: every region floods
    /// out from its centre's atom, an atom going to the region that reaches it first by
    /// weight + walk distance + the barriers crossed on the way (so edges fall on strong
    /// barriers). Regions are contiguous by construction.
    void flood(const std::vector<double>& weight) {
        const std::size_t nr = m_regions.size();
        m_region_of.assign(m_atoms.size(), no_index);
        for (auto& region : m_regions) {
            region.load = 0;
        }
        std::priority_queue<FloodItem, std::vector<FloodItem>, std::greater<>> queue;
        auto claim = [&](std::uint32_t r, std::uint32_t a, double penalty) {
            m_region_of[a] = r;
            m_regions[r].load += m_atoms[a].households;
            for (const auto& e : m_atoms[a].edges) {
                if (e.strong && m_region_of[e.other] == no_index) {
                    const double p = penalty + cross_penalty[static_cast<std::size_t>(e.strongest())];
                    queue.push(FloodItem{weight[r] + flood_distance(r, e.other) + p, p, e.other, r});
                }
            }
        };
        for (std::uint32_t r = 0; r < nr; ++r) {
            m_region_of[m_seed_atom[r]] = r;
        }
        for (std::uint32_t r = 0; r < nr; ++r) {
            claim(r, m_seed_atom[r], 0.0);
        }
        while (!queue.empty()) {
            const FloodItem item = queue.top();
            queue.pop();
            if (m_region_of[item.atom] == no_index) {
                claim(item.region, item.atom, item.penalty);
            }
        }
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            if (m_region_of[a] == no_index) {
                throw InternalError{"plan: atom " + std::to_string(a) + " could not be assigned to a grid"};
            }
        }
    }

    /// The whole objective of an assignment for fixed centres (lower is better).
    double total_cost() const {
        double cost = 0.0;
        for (std::uint32_t r = 0; r < m_regions.size(); ++r) {
            cost += balance_cost(r, m_regions[r].load);
        }
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            cost += atom_cost(m_region_of[a], a);
            for (const auto& e : m_atoms[a].edges) {
                if (a < e.other && m_region_of[e.other] != m_region_of[a]) {
                    cost += cut_cost_of(e);
                }
            }
        }
        return cost;
    }

    /// Balances the weighted Voronoi: a region's weight rises while it is heavier than the
    /// target and falls while lighter. Keeps the best assignment seen (the current one
    /// included).
    void balance() {
        const std::size_t nr = m_regions.size();
        std::vector<std::uint32_t> best_region_of = m_region_of;
        double best = best_region_of.empty() || std::count(best_region_of.begin(), best_region_of.end(), no_index) > 0
                          ? unreachable
                          : total_cost();
        std::vector<double> weight(nr, 0.0);
        constexpr int iterations = 60;
        for (int it = 0; it < iterations; ++it) {
            flood(weight);
            const double cost = total_cost();
            if (cost < best) {
                best = cost;
                best_region_of = m_region_of;
            }
            const double step = m_config.walk_radius_m * (0.8 * (1.0 - static_cast<double>(it) / iterations) + 0.1);
            for (std::size_t r = 0; r < nr; ++r) {
                const double target = m_regions[r].target;
                const double over = (static_cast<double>(m_regions[r].load) - target) / target;
                weight[r] += step * std::clamp(over, -1.0, 1.0);
            }
        }
        m_region_of = best_region_of;
        for (auto& region : m_regions) {
            region.load = 0;
        }
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            m_regions[m_region_of[a]].load += m_atoms[a].households;
        }
    }

    // --- local search ----------------------------------------------------------

    double balance_cost(std::uint32_t r, std::int64_t load) const {
        const double l = static_cast<double>(load);
        const double outside = std::max({0.0, m_config.band_low() - l, l - m_config.band_high()});
        return weight_band * outside + weight_target * std::fabs(l - m_regions[r].target);
    }

    /// Moves each grid's balance target within the band: a grid with households beyond
    /// its centre's radius aims lower (it sheds its farthest households), one that
    /// reaches all of them higher, the targets of a part still adding up to its
    /// households. Sparse grids at the district's edge then cover less ground.
    void adapt_targets() {
        const double t = m_config.households_per_grid;
        const double margin = 0.25 * m_config.tolerance * t;
        const double low = m_config.band_low() + margin;
        const double high = m_config.band_high() - margin;
        std::vector<double> beyond(m_regions.size(), 0.0);
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            beyond[m_region_of[a]] += static_cast<double>(outside_radius(m_region_of[a], a));
        }
        std::map<std::uint32_t, std::vector<std::uint32_t>> regions_of_part;
        for (std::uint32_t r = 0; r < m_regions.size(); ++r) {
            regions_of_part[m_component[m_seed_atom[r]]].push_back(r);
        }
        for (const auto& part_regions : regions_of_part) {
            // Not a structured binding: a lambda below captures `regions`, which C++17
            // does not allow for a binding (g++ accepts it, clang before 16 does not).
            const auto part = part_regions.first;
            const auto& regions = part_regions.second;
            const double households = static_cast<double>(m_component_households[part]);
            if (households < low * static_cast<double>(regions.size()) ||
                households > high * static_cast<double>(regions.size())) {
                continue;  // the band cannot hold the part's grids: targets stay as they are
            }
            auto sum = [&](double shift) {
                double total = 0.0;
                for (const auto r : regions) {
                    total += std::clamp(t - target_gain * beyond[r] + shift, low, high);
                }
                return total;
            };
            // The shift that makes the targets add up (the sum rises with it).
            double lo = -2.0 * t;
            double hi = 2.0 * t;
            for (const auto r : regions) {
                hi = std::max(hi, 2.0 * t + target_gain * beyond[r]);
            }
            for (int it = 0; it < 60; ++it) {
                const double mid = 0.5 * (lo + hi);
                (sum(mid) < households ? lo : hi) = mid;
            }
            const double shift = 0.5 * (lo + hi);
            for (const auto r : regions) {
                m_regions[r].target = std::clamp(t - target_gain * beyond[r] + shift, low, high);
            }
        }
    }

    double atom_cost(std::size_t r, std::uint32_t a) const {
        const double h = static_cast<double>(m_atoms[a].households);
        return weight_walk * static_cast<double>(outside_radius(r, a)) +
               weight_distance * h * distance(r, a) / m_config.walk_radius_m;
    }

    double cut_cost_of(const AtomEdge& e) const {
        double c = 0.0;
        for (std::size_t k = 0; k < barrier_class_count; ++k) {
            c += e.length[k] * cut_cost[k];
        }
        return weight_edge * c;
    }

    /// Whether region r stays connected without atom a.
    bool connected_without(std::uint32_t r, std::uint32_t a) const {
        std::uint32_t start = no_index;
        for (const auto& e : m_atoms[a].edges) {
            if (e.strong && m_region_of[e.other] == r) {
                start = e.other;
                break;
            }
        }
        if (start == no_index) {
            return false;  // a alone, or a connected only through weak links: keep it
        }
        std::size_t size = 0;
        for (const auto x : m_region_of) {
            size += x == r ? 1 : 0;
        }
        std::vector<std::uint32_t> queue{start};
        std::set<std::uint32_t> seen{start, a};
        for (std::size_t q = 0; q < queue.size(); ++q) {
            for (const auto& e : m_atoms[queue[q]].edges) {
                if (e.strong && m_region_of[e.other] == r && seen.insert(e.other).second) {
                    queue.push_back(e.other);
                }
            }
        }
        return queue.size() == size - 1;
    }

    /// Change in the walk and edge terms of the objective if atom a moves to region s.
    double move_delta(std::uint32_t a, std::uint32_t s) const {
        const std::uint32_t r = m_region_of[a];
        double delta = atom_cost(s, a) - atom_cost(r, a);
        for (const auto& e : m_atoms[a].edges) {
            const auto o = m_region_of[e.other];
            if (o == r) {
                delta += cut_cost_of(e);  // becomes a grid edge
            } else if (o == s) {
                delta -= cut_cost_of(e);  // no longer one
            }
        }
        return delta;
    }

    /// Change in the balance term if h households move from region r to region s.
    double balance_delta(std::uint32_t r, std::uint32_t s, std::int64_t h) const {
        return balance_cost(r, m_regions[r].load - h) + balance_cost(s, m_regions[s].load + h) -
               balance_cost(r, m_regions[r].load) - balance_cost(s, m_regions[s].load);
    }

    void move_atom(std::uint32_t a, std::uint32_t s) {
        const std::uint32_t r = m_region_of[a];
        m_region_of[a] = s;
        m_regions[r].load -= m_atoms[a].households;
        m_regions[s].load += m_atoms[a].households;
    }

    /// Brings grids outside the band back into it by passing households along a chain
    /// of neighbouring grids to the nearest one with room (an overloaded grid's border
    /// atom to the next grid, that grid's to the next, ...), where single moves between
    /// two neighbours cannot help.
    void repair_band() {
        const double low = m_config.band_low();
        const double high = m_config.band_high();
        const double target = m_config.households_per_grid;
        const std::size_t nr = m_regions.size();
        for (int pass = 0; pass < 4 * static_cast<int>(nr); ++pass) {
            // The grid farthest outside the band.
            std::uint32_t worst = no_index;
            double worst_gap = 0.0;
            for (std::uint32_t r = 0; r < nr; ++r) {
                const double l = static_cast<double>(m_regions[r].load);
                const double gap = l > high ? l - high : (l < low ? low - l : 0.0);
                if (gap > worst_gap) {
                    worst_gap = gap;
                    worst = r;
                }
            }
            if (worst == no_index) {
                return;
            }
            const bool over = static_cast<double>(m_regions[worst].load) > high;
            // Grid adjacency over strong edges.
            std::vector<std::set<std::uint32_t>> next(nr);
            for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
                for (const auto& e : m_atoms[a].edges) {
                    if (e.strong && m_region_of[e.other] != m_region_of[a]) {
                        next[m_region_of[a]].insert(m_region_of[e.other]);
                    }
                }
            }
            // Breadth-first to the nearest grid with room (over) or to spare (under).
            std::vector<std::uint32_t> parent(nr, no_index);
            parent[worst] = worst;
            std::vector<std::uint32_t> queue{worst};
            std::uint32_t found = no_index;
            for (std::size_t q = 0; q < queue.size() && found == no_index; ++q) {
                for (const auto n : next[queue[q]]) {
                    if (parent[n] != no_index) {
                        continue;
                    }
                    parent[n] = queue[q];
                    const double l = static_cast<double>(m_regions[n].load);
                    if (over ? l < target : l > target) {
                        found = n;
                        break;
                    }
                    queue.push_back(n);
                }
            }
            if (found == no_index) {
                return;  // nowhere to go: reported as infeasible
            }
            std::vector<std::uint32_t> path{found};
            while (path.back() != worst) {
                path.push_back(parent[path.back()]);
            }
            std::reverse(path.begin(), path.end());  // worst ... found
            if (!over) {
                std::reverse(path.begin(), path.end());  // households flow towards the light grid
            }
            // Pass about `amount` households along each link, from the source end.
            const double amount = std::max(worst_gap, 0.5 * std::fabs(static_cast<double>(m_regions[worst].load) - target));
            bool moved_any = false;
            for (std::size_t k = 0; k + 1 < path.size(); ++k) {
                const std::uint32_t from = path[k];
                const std::uint32_t to = path[k + 1];
                double passed = 0.0;
                for (int step = 0; step < 64 && passed < amount; ++step) {
                    std::uint32_t best = no_index;
                    double best_score = unreachable;
                    for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
                        if (m_region_of[a] != from || m_seed_atom[from] == a || m_atoms[a].households <= 0) {
                            continue;
                        }
                        const double h = static_cast<double>(m_atoms[a].households);
                        if (h > 1.5 * (amount - passed) + 1.0) {
                            continue;  // would overshoot
                        }
                        bool touches = false;
                        for (const auto& e : m_atoms[a].edges) {
                            touches = touches || (e.strong && m_region_of[e.other] == to);
                        }
                        if (!touches) {
                            continue;
                        }
                        const double score = move_delta(a, to) / h;
                        if (score < best_score && connected_without(from, a)) {
                            best_score = score;
                            best = a;
                        }
                    }
                    if (best == no_index) {
                        break;
                    }
                    passed += static_cast<double>(m_atoms[best].households);
                    move_atom(best, to);
                    moved_any = true;
                }
            }
            if (!moved_any) {
                return;
            }
        }
    }

    /// Local search: single moves, the band repaired along chains, two-step moves.
    void search() {
        improve();
        repair_band();
        improve();
        chain_moves();
        improve();
    }

    /// Two-step moves for households beyond the radius: an atom goes to a neighbouring
    /// grid whose centre reaches more of it, and that grid, were it to leave the band,
    /// passes a border atom of its own on to a third grid. Kept when the objective falls
    /// and every grid stays connected.
    void chain_moves() {
        const double high = m_config.band_high();
        const double low = m_config.band_low();
        for (int pass = 0; pass < 4; ++pass) {
            std::size_t applied = 0;
            for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
                const std::uint32_t r = m_region_of[a];
                const std::int64_t ha = m_atoms[a].households;
                if (m_seed_atom[r] == a || outside_radius(r, a) == 0 ||
                    static_cast<double>(m_regions[r].load - ha) < low) {
                    continue;
                }
                std::set<std::uint32_t> targets;
                for (const auto& e : m_atoms[a].edges) {
                    if (e.strong && m_region_of[e.other] != r) {
                        targets.insert(m_region_of[e.other]);
                    }
                }
                for (const auto s : targets) {
                    if (outside_radius(s, a) >= outside_radius(r, a) ||
                        static_cast<double>(m_regions[s].load + ha) <= high) {
                        continue;  // no gain, or a single move (improve) suffices
                    }
                    if (!connected_without(r, a)) {
                        break;
                    }
                    const double first = balance_delta(r, s, ha) + move_delta(a, s);
                    move_atom(a, s);
                    // The border atom of s to pass on that lowers the objective most.
                    double best = -1e-6;
                    std::uint32_t best_b = no_index;
                    std::uint32_t best_t = no_index;
                    const double need = static_cast<double>(m_regions[s].load) - high;
                    for (std::uint32_t b = 0; b < m_atoms.size(); ++b) {
                        if (m_region_of[b] != s || b == a || m_seed_atom[s] == b ||
                            static_cast<double>(m_atoms[b].households) < need) {
                            continue;
                        }
                        std::set<std::uint32_t> next;
                        for (const auto& e : m_atoms[b].edges) {
                            const auto t = m_region_of[e.other];
                            if (e.strong && t != s) {
                                next.insert(t);
                            }
                        }
                        for (const auto t : next) {
                            const double candidate =
                                first + balance_delta(s, t, m_atoms[b].households) + move_delta(b, t);
                            if (candidate < best && connected_without(s, b)) {
                                best = candidate;
                                best_b = b;
                                best_t = t;
                            }
                        }
                    }
                    if (best_b != no_index) {
                        move_atom(best_b, best_t);
                        ++applied;
                        break;
                    }
                    move_atom(a, r);  // undo
                }
            }
            if (applied == 0) {
                break;
            }
        }
    }

    void improve() {
        for (int pass = 0; pass < 30; ++pass) {
            std::size_t moved = 0;
            for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
                const std::uint32_t r = m_region_of[a];
                if (m_seed_atom[r] == a) {
                    continue;  // the centre's own atom stays
                }
                std::set<std::uint32_t> targets;
                for (const auto& e : m_atoms[a].edges) {
                    const auto s = m_region_of[e.other];
                    if (e.strong && s != r) {
                        targets.insert(s);
                    }
                }
                double best_delta = -1e-6;
                std::uint32_t best = no_index;
                const std::int64_t h = m_atoms[a].households;
                for (const auto s : targets) {
                    const double delta = balance_delta(r, s, h) + move_delta(a, s);
                    if (delta < best_delta) {
                        best_delta = delta;
                        best = s;
                    }
                }
                if (best != no_index && connected_without(r, a)) {
                    move_atom(a, best);
                    ++moved;
                }
            }
            if (moved == 0) {
                break;
            }
        }
    }

    /// Households of the given atoms within the walk radius of a site.
    std::int64_t within_from(const network::Snap& site, const std::vector<std::uint32_t>& atoms) const {
        if (!site.on_network()) {
            return 0;
        }
        m_search.run(site, m_config.walk_radius_m);
        std::int64_t within = 0;
        for (const auto a : atoms) {
            within += households_within(m_search, m_atoms[a]);
        }
        return within;
    }

    /// Households of an atom within the walk radius of the search's source.
    std::int64_t households_within(const network::BoundedDistances& d, const Atom& atom) const {
        std::int64_t within = 0;
        for (const auto i : atom.household_points) {
            if (d.distance(m_household_snap[i]) <= m_config.walk_radius_m) {
                within += m_district.households[i].count;
            }
        }
        return within;
    }

    /// Moves each grid's centre. A grid keeps the existing centre it is anchored on, or
    /// adopts an unused existing centre inside it, unless a proposed site would reach
    /// more than `centre_relocate_share` of its households more within the walk radius;
    /// a proposed site is the atom near the grid's weighted centroid that reaches most of
    /// its households. Returns whether any centre moved.
    bool recentre() {
        bool moved = false;
        std::vector<std::vector<std::uint32_t>> atoms_of(m_regions.size());
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            atoms_of[m_region_of[a]].push_back(a);
        }
        auto anchored = [&](std::uint32_t r) {
            const GridCentre& c = m_regions[r].centre;
            return !c.proposed && c.existing != no_index && m_region_of[m_centre_atom[c.existing]] == r;
        };
        std::set<std::uint32_t> taken;
        for (std::uint32_t r = 0; r < m_regions.size(); ++r) {
            if (anchored(r)) {
                taken.insert(m_regions[r].centre.existing);
            }
        }
        for (std::uint32_t r = 0; r < m_regions.size(); ++r) {
            Region& region = m_regions[r];
            if (atoms_of[r].empty()) {
                continue;
            }
            const double slack = m_config.centre_relocate_share * static_cast<double>(region.load);
            // The best proposed site among the atoms nearest the weighted centroid.
            double sx = 0.0;
            double sy = 0.0;
            double sw = 0.0;
            for (const auto a : atoms_of[r]) {
                const double w = static_cast<double>(m_atoms[a].households) + 1e-3;
                sx += m_atoms[a].x * w;
                sy += m_atoms[a].y * w;
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
            std::vector<std::pair<double, std::uint32_t>> near;
            for (const auto a : atoms_of[r]) {
                if (m_atoms[a].snap.on_network()) {
                    near.emplace_back(std::hypot(m_atoms[a].x - cx, m_atoms[a].y - cy), a);
                }
            }
            std::sort(near.begin(), near.end());
            near.resize(std::min<std::size_t>(near.size(), 10));
            // The most populous atoms too: a grid spread over villages may have its
            // centroid in empty country.
            std::vector<std::pair<std::int64_t, std::uint32_t>> heavy;
            for (const auto a : atoms_of[r]) {
                if (m_atoms[a].snap.on_network()) {
                    heavy.emplace_back(-m_atoms[a].households, a);
                }
            }
            std::sort(heavy.begin(), heavy.end());
            heavy.resize(std::min<std::size_t>(heavy.size(), 5));
            for (const auto& [ignored, a] : heavy) {
                near.emplace_back(0.0, a);
            }
            std::vector<Site> sites;
            for (const auto& [ignored, a] : near) {
                sites.push_back(Site{m_atoms[a].x, m_atoms[a].y, m_atoms[a].snap});
            }
            std::vector<std::pair<double, std::uint32_t>> nodes;
            for (std::uint32_t n = 0; n < m_net.node_count(); ++n) {
                const double d = std::hypot(m_net.node_x(n) - cx, m_net.node_y(n) - cy);
                if (d <= (m_wide_sites ? 0.6 : 0.4) * m_config.walk_radius_m) {
                    nodes.emplace_back(d, n);
                }
            }
            std::sort(nodes.begin(), nodes.end());
            nodes.resize(std::min<std::size_t>(nodes.size(), m_wide_sites ? 40 : 20));
            for (const auto& [ignored, n] : nodes) {
                const auto snap = m_net.snap(m_net.node_x(n), m_net.node_y(n), 1.0);
                if (snap.on_network() && m_node_atom[n] != no_index) {
                    sites.push_back(Site{m_net.node_x(n), m_net.node_y(n), snap});
                }
            }
            const Site* site = nullptr;
            std::int64_t site_within = -1;
            for (const auto& candidate : sites) {
                const std::int64_t w = within_from(candidate.snap, atoms_of[r]);
                if (w > site_within) {
                    site_within = w;
                    site = &candidate;
                }
            }
            GridCentre next;
            std::uint32_t next_atom = no_index;
            if (anchored(r)) {
                std::int64_t current = 0;
                for (const auto a : atoms_of[r]) {
                    current += m_atoms[a].households - outside_radius(r, a);
                }
                const bool badly_placed = m_centre_reach[region.centre.existing] < m_config.band_low();
                if (site == nullptr || site_within <= current ||
                    (!badly_placed && static_cast<double>(site_within - current) <= slack)) {
                    continue;  // the existing centre serves the grid well enough
                }
                taken.erase(region.centre.existing);
            } else {
                // An unused existing centre inside the grid that serves it well enough.
                std::int64_t best = -1;
                for (std::uint32_t c = 0; c < m_district.centres.size(); ++c) {
                    if (m_centre_atom[c] == no_index || m_region_of[m_centre_atom[c]] != r || taken.count(c) > 0) {
                        continue;
                    }
                    const auto snap = m_net.snap(m_district.centres[c].x, m_district.centres[c].y, 2000.0);
                    const std::int64_t w = within_from(snap, atoms_of[r]);
                    // A badly placed centre is adopted only where no site does better.
                    const bool good_enough = m_centre_reach[c] < m_config.band_low()
                                                 ? w >= site_within
                                                 : static_cast<double>(site_within - w) <= slack;
                    if (good_enough && w > best) {
                        best = w;
                        next = GridCentre{m_district.centres[c].x, m_district.centres[c].y, false, c};
                        next_atom = m_centre_atom[c];
                    }
                }
                if (next_atom != no_index) {
                    taken.insert(next.existing);
                }
            }
            if (next_atom == no_index) {
                if (site == nullptr) {
                    continue;
                }
                next = GridCentre{site->x, site->y, true, no_index};
                // The grid's atom nearest the site starts its flood.
                double bd = unreachable;
                for (const auto a : atoms_of[r]) {
                    const double d = std::hypot(m_atoms[a].x - site->x, m_atoms[a].y - site->y);
                    if (d < bd) {
                        bd = d;
                        next_atom = a;
                    }
                }
            }
            if (!std::isfinite(region.centre.x) || std::hypot(next.x - region.centre.x, next.y - region.centre.y) > 1.0 ||
                next.proposed != region.centre.proposed) {
                region.centre = next;
                m_seed_atom[r] = next_atom;
                compute_distances(r);
                moved = true;
            }
        }
        return moved;
    }

    // --- results ---------------------------------------------------------------

    PlanResult finish();
    void name_infeasible(const std::vector<std::uint32_t>& grid_of_region);

    const io::District& m_district;
    const blocks::BlocksResult& m_blocks;
    const network::WalkNetwork& m_net;
    const std::vector<io::PolygonFeature>& m_nests;
    const PartitionConfig& m_config;
    const wrap::GeosContext& m_geos;
    RunContext& m_ctx;
    Random m_random;

    std::vector<std::vector<std::uint32_t>> m_block_adj;
    std::vector<int> m_block_nest;
    std::vector<std::uint32_t> m_atom_of_block;
    std::vector<Atom> m_atoms;
    std::vector<std::uint32_t> m_component;
    std::vector<std::int64_t> m_component_households;
    std::size_t m_component_count = 0;
    std::vector<std::uint32_t> m_centre_atom;
    std::vector<std::uint32_t> m_seed_atom;
    std::vector<Region> m_regions;
    std::vector<std::uint32_t> m_region_of;
    std::vector<network::Snap> m_household_snap;
    bool m_first_start = true;  ///< warnings are given once, not once per start
    SeedMode m_seed_mode = SeedMode::centres;
    std::vector<std::uint32_t> m_node_atom;  ///< the atom each network node stands in (no_index: outside)
    /// Candidate sites for the cover seeds (shared by the starts; null if none use them).
    std::shared_ptr<const std::vector<CoverSite>> m_cover_sites;
    std::vector<double> m_centre_reach; ///< households within the radius of each existing centre
    double m_cost = 0.0;                ///< objective at the end of a start
    bool m_wide_sites = false;          ///< polish: search proposed sites farther out
    mutable network::BoundedDistances m_search{m_net};  ///< workspace for small searches
    bool m_walkable_tree_built = false;
    bool m_block_tree_built = false;
    bgi::rtree<std::pair<BBox, std::uint32_t>, bgi::rstar<16>> m_block_tree;
    bgi::rtree<std::pair<BBox, std::uint32_t>, bgi::rstar<16>> m_walkable_tree;
    PlanResult m_result;
};


PlanResult Planner::finish() {
    const auto& blocks = m_blocks.blocks;
    const std::size_t nr = m_regions.size();
    // Geographic numbering: rows north to south, west to east within a row.
    std::vector<double> cx(nr, 0.0);
    std::vector<double> cy(nr, 0.0);
    std::vector<double> area(nr, 0.0);
    for (std::uint32_t b = 0; b < blocks.size(); ++b) {
        const auto r = m_region_of[m_atom_of_block[b]];
        cx[r] += blocks[b].label_x * blocks[b].area_m2;
        cy[r] += blocks[b].label_y * blocks[b].area_m2;
        area[r] += blocks[b].area_m2;
    }
    double max_y = -unreachable;
    for (std::size_t r = 0; r < nr; ++r) {
        cx[r] /= std::max(area[r], 1e-9);
        cy[r] /= std::max(area[r], 1e-9);
        max_y = std::max(max_y, cy[r]);
    }
    const double row_height = std::sqrt(m_blocks.stats.district_area_m2 / static_cast<double>(std::max<std::size_t>(nr, 1)));
    std::vector<std::uint32_t> order(nr);
    std::iota(order.begin(), order.end(), 0U);
    auto row = [&](std::uint32_t r) { return static_cast<long>(std::floor((max_y - cy[r]) / row_height)); };
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return row(a) != row(b) ? row(a) < row(b) : cx[a] < cx[b];
    });
    std::vector<std::uint32_t> grid_of_region(nr);
    for (std::uint32_t g = 0; g < nr; ++g) {
        grid_of_region[order[g]] = g;
    }

    PlanResult& out = m_result;
    out.grids.resize(nr);
    out.grid_of_block.assign(blocks.size(), GridId{});
    for (std::uint32_t b = 0; b < blocks.size(); ++b) {
        const auto g = grid_of_region[m_region_of[m_atom_of_block[b]]];
        out.grid_of_block[b] = GridId{g};
        out.grids[g].blocks.push_back(BlockId{b});
        out.grids[g].households += blocks[b].households;
    }
    for (std::uint32_t r = 0; r < nr; ++r) {
        Grid& grid = out.grids[grid_of_region[r]];
        grid.id = GridId{grid_of_region[r]};
        grid.centre = m_regions[r].centre;
        grid.service_share.fill(std::numeric_limits<double>::quiet_NaN());
    }
    // Geometry.
    for (auto& grid : out.grids) {
        std::vector<wrap::GeomPtr> parts;
        for (const auto b : grid.blocks) {
            parts.push_back(m_geos.clone(blocks[b.value()].geom.get()));
        }
        wrap::GeomPtr all = m_geos.collection(GEOS_MULTIPOLYGON, parts);
        wrap::GeomPtr u = m_geos.own(GEOSCoverageUnion_r(m_geos.handle(), all.get()), "grid union");
        if (!m_geos.is_valid(u.get())) {
            u = m_geos.own(GEOSUnaryUnion_r(m_geos.handle(), all.get()), "grid union");
        }
        grid.geom = std::move(u);
        grid.area_m2 = m_geos.area(grid.geom.get());
        grid.perimeter_m = m_geos.length(grid.geom.get());
    }
    // Walk times from each grid's centre to its households.
    std::vector<std::vector<std::size_t>> households_of(nr);
    for (std::size_t i = 0; i < m_district.households.size(); ++i) {
        const BlockId b = m_blocks.household_block[i];
        if (b.valid()) {
            households_of[out.grid_of_block[b.value()].value()].push_back(i);
        }
    }
    std::int64_t within_total = 0;
    for (auto& grid : out.grids) {
        const std::vector<network::Snap> src{m_net.snap(grid.centre.x, grid.centre.y, 2000.0)};
        const network::SourceDistances d{m_net, src, unreachable};
        std::vector<std::pair<double, std::int64_t>> walks;
        std::int64_t within = 0;
        std::int64_t counted = 0;
        for (const auto i : households_of[grid.id.value()]) {
            const auto& h = m_district.households[i];
            const double w = d.distance(m_household_snap[i]);
            walks.emplace_back(w, h.count);
            counted += h.count;
            within += w <= m_config.walk_radius_m ? h.count : 0;
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
        for (std::size_t i = 0; i < m_district.households.size(); ++i) {
            if (m_blocks.household_block[i].valid() && d.distance(m_household_snap[i]) <= m_config.walk_radius_m) {
                grid.reachable_within += m_district.households[i].count;
            }
        }
        within_total += within;
    }
    // Edges between grids, and the sides' barrier names.
    std::vector<std::array<std::map<std::string, double>, 4>> side_names(nr);
    std::vector<std::array<double, 4>> side_length(nr, std::array<double, 4>{});
    auto side_of = [&](std::uint32_t g, double x, double y) {
        const double dx = x - cx[order[g]];
        const double dy = y - cy[order[g]];
        if (std::fabs(dy) >= std::fabs(dx)) {
            return dy >= 0 ? 0 : 2;  // north, south
        }
        return dx >= 0 ? 1 : 3;  // east, west
    };
    std::array<double, barrier_class_count> edge_total{};
    for (const auto& adj : m_blocks.adjacency) {
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
    out.grid_of_unit.assign(m_district.units.size(), GridId{});
    if (!m_district.units.empty()) {
        std::size_t outside = 0;
        for (std::size_t u = 0; u < m_district.units.size(); ++u) {
            const std::uint32_t b = block_at(m_district.units[u].x, m_district.units[u].y);
            if (b == no_index) {
                ++outside;
                continue;
            }
            out.grid_of_unit[u] = out.grid_of_block[b];
            ++out.grids[out.grid_of_block[b].value()].units;
        }
        if (outside > 0) {
            m_ctx.log.warning(std::to_string(outside) + " units lie outside the district and belong to no grid");
        }
    }
    // Contiguity of every grid over the contiguity graph (rivers crossed at bridges).
    for (std::uint32_t r = 0; r < nr; ++r) {
        std::vector<std::uint32_t> members;
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            if (m_region_of[a] == r) {
                members.push_back(a);
            }
        }
        if (members.empty()) {
            continue;
        }
        std::set<std::uint32_t> seen{members.front()};
        std::vector<std::uint32_t> queue{members.front()};
        for (std::size_t q = 0; q < queue.size(); ++q) {
            for (const auto& e : m_atoms[queue[q]].edges) {
                if (e.strong && m_region_of[e.other] == r && seen.insert(e.other).second) {
                    queue.push_back(e.other);
                }
            }
        }
        m_result.stats.grids_not_contiguous += seen.size() == members.size() ? 0 : 1;
        out.grids[grid_of_region[r]].contiguous = seen.size() == members.size();
    }
    // Overall figures.
    auto& st = out.stats;
    st.min_households = std::numeric_limits<std::int64_t>::max();
    double pp = 0.0;
    for (const auto& grid : out.grids) {
        st.min_households = std::min(st.min_households, grid.households);
        st.max_households = std::max(st.max_households, grid.households);
        st.grids_in_band += static_cast<double>(grid.households) >= m_config.band_low() - 1e-9 &&
                                    static_cast<double>(grid.households) <= m_config.band_high() + 1e-9
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
    name_infeasible(grid_of_region);
    return std::move(out);
}

/// Tolerance (rounded up to whole percent) whose band admits `households` per grid.
double tolerance_for(double households, double target) {
    return std::ceil(100.0 * std::fabs(households - target) / target) / 100.0;
}

void Planner::name_infeasible(const std::vector<std::uint32_t>& grid_of_region) {
    PlanResult& out = m_result;
    const double low = m_config.band_low();
    const double high = m_config.band_high();
    const double target = m_config.households_per_grid;
    auto block_ids = [&](const std::vector<std::uint32_t>& atoms) {
        std::vector<std::uint32_t> ids;
        for (const auto a : atoms) {
            for (const auto b : m_atoms[a].blocks) {
                ids.push_back(b + 1);
            }
        }
        std::sort(ids.begin(), ids.end());
        return ids;
    };
    auto percent = [](double v) { return format_fixed(100.0 * v, 0) + "%"; };
    // Atoms (a block, or blocks that must stay together) above the band.
    for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
        const double h = static_cast<double>(m_atoms[a].households);
        if (h <= high) {
            continue;
        }
        Infeasibility f;
        f.kind = "block_above_band";
        f.blocks = block_ids({a});
        f.grids = {grid_of_region[m_region_of[a]] + 1};
        f.households = m_atoms[a].households;
        f.reason = (m_atoms[a].blocks.size() > 1 ? "blocks kept together hold " : "the block holds ") +
                   std::to_string(m_atoms[a].households) + " households, above the band's " +
                   format_fixed(high, 0);
        f.fix = "a tolerance of " + percent(tolerance_for(h, target)) + " (or split the unit or block)";
        out.infeasible.push_back(std::move(f));
    }
    // Parts of the district that cannot be crossed (islands without a bridge, nests):
    // their households must split into whole grids inside the band.
    if (!m_component.empty()) {
        std::vector<std::vector<std::uint32_t>> atoms_of(m_component_count);
        for (std::uint32_t a = 0; a < m_atoms.size(); ++a) {
            atoms_of[m_component[a]].push_back(a);
        }
        for (std::uint32_t c = 0; c < m_component_count; ++c) {
            std::set<std::uint32_t> grids;
            for (const auto a : atoms_of[c]) {
                grids.insert(grid_of_region[m_region_of[a]] + 1);
            }
            const double h = static_cast<double>(m_component_households[c]);
            const double per = h / static_cast<double>(grids.size());
            if (h <= 0.0 || (per >= low - 1e-9 && per <= high + 1e-9)) {
                continue;
            }
            const bool whole = m_component_count == 1;
            Infeasibility f;
            f.kind = "part_outside_band";
            f.blocks = block_ids(atoms_of[c]);
            f.grids.assign(grids.begin(), grids.end());
            f.households = m_component_households[c];
            f.reason = std::string{whole ? "the district" : "a part of the district with no walkable link to the rest"} +
                       " holds " + std::to_string(m_component_households[c]) + " households for " +
                       std::to_string(grids.size()) + " grid(s): " + format_fixed(per, 0) +
                       " each, outside the band " + format_fixed(low, 0) + "-" + format_fixed(high, 0);
            f.fix = "a tolerance of " + percent(tolerance_for(per, target)) + (whole ? "" : ", or a bridge to the rest");
            out.infeasible.push_back(std::move(f));
        }
    }
    // Grids: outside the band, not contiguous, households beyond the walk radius.
    const double minutes_per_metre = 60.0 / (m_config.speed_kmh * 1000.0);
    for (auto& g : out.grids) {
        const double h = static_cast<double>(g.households);
        if (h < low - 1e-9 || h > high + 1e-9) {
            g.flags.emplace_back("outside_band");
        }
        if (!g.contiguous) {
            g.flags.emplace_back("not_contiguous");
        }
        const std::int64_t beyond = g.households - g.within_radius;
        if (beyond <= 0) {
            continue;
        }
        Infeasibility f;
        f.grids = {g.id.value() + 1};
        f.households = beyond;
        const double needed = std::isfinite(g.max_walk_m) ? std::ceil(g.max_walk_m * minutes_per_metre) : unreachable;
        const std::string radius = format_fixed(m_config.walk_minutes, 0) + " minutes";
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

PlanResult evaluate_assignment(const io::District& district, const blocks::BlocksResult& blocks,
                               const network::WalkNetwork& net, const std::vector<std::uint32_t>& grid_of_block,
                               const PartitionConfig& config, const wrap::GeosContext& geos, RunContext& ctx) {
    config.validate();
    if (grid_of_block.size() != blocks.blocks.size()) {
        throw InternalError{"evaluate_assignment: one grid per block expected"};
    }
    static const std::vector<io::PolygonFeature> no_nests;
    return Planner{district, blocks, net, no_nests, config, geos, ctx}.run_fixed(grid_of_block);
}

PlanResult plan_grids(const io::District& district, const blocks::BlocksResult& blocks,
                      const network::WalkNetwork& net, const std::vector<io::PolygonFeature>& nest_within,
                      const PartitionConfig& config, const wrap::GeosContext& geos, RunContext& ctx) {
    config.validate();
    if (blocks.blocks.empty()) {
        throw InputError{"no blocks to plan grids from"};
    }
    std::int64_t households = 0;
    for (const auto& b : blocks.blocks) {
        households += b.households;
    }
    if (households <= 0) {
        throw InputError{"no households inside the district: there is nothing to plan grids for"};
    }
    if (config.grids > 0 && static_cast<std::size_t>(config.grids) > blocks.blocks.size()) {
        throw ConfigError{"plan.grids", std::to_string(config.grids) + " grids were asked for, but the district has only " +
                                            std::to_string(blocks.blocks.size()) + " blocks"};
    }
    return Planner{district, blocks, net, nest_within, config, geos, ctx}.run();
}

} // namespace gridplan::partition
