// Benchmark only (not built by default): gridplan's plan against two established
// baselines on the same blocks, measured the same way (partition::evaluate_assignment):
//   (a) k-means on household points (household-weighted Lloyd, k-means++ start), each
//       block to the cluster holding most of its households (empty blocks: the nearest);
//   (b) METIS k-way partitioning of the block graph weighted by households, with
//       METIS_OPTION_CONTIG (contiguous parts), 3% imbalance.
// Usage: gridplan_baselines CONFIG.json|FILE.osm.pbf [HOUSEHOLDS_PER_GRID]
#include "gridplan/blocks/blocks.hpp"
#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/network/network.hpp"
#include "gridplan/partition/partition.hpp"

#include <metis.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>

using namespace gridplan;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<std::uint32_t> kmeans_baseline(const io::District& d, const blocks::BlocksResult& b, int k) {
    // k-means++ start with a fixed splitmix64 stream, then Lloyd iterations.
    std::uint64_t state = 1;
    auto next = [&state]() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
        return static_cast<double>((z ^ (z >> 31U)) >> 11U) * 0x1.0p-53;
    };
    const auto& hh = d.households;
    std::vector<std::pair<double, double>> c;
    c.emplace_back(hh[0].x, hh[0].y);
    while (static_cast<int>(c.size()) < k) {
        std::vector<double> w(hh.size());
        double total = 0.0;
        for (std::size_t i = 0; i < hh.size(); ++i) {
            double best = 1e300;
            for (const auto& [x, y] : c) {
                best = std::min(best, (hh[i].x - x) * (hh[i].x - x) + (hh[i].y - y) * (hh[i].y - y));
            }
            w[i] = best * hh[i].count;
            total += w[i];
        }
        double r = next() * total;
        std::size_t pick = 0;
        for (; pick + 1 < hh.size() && r >= w[pick]; ++pick) {
            r -= w[pick];
        }
        c.emplace_back(hh[pick].x, hh[pick].y);
    }
    std::vector<int> label(hh.size(), 0);
    for (int it = 0; it < 30; ++it) {
        std::vector<double> sx(k, 0.0), sy(k, 0.0), sw(k, 0.0);
        for (std::size_t i = 0; i < hh.size(); ++i) {
            double best = 1e300;
            for (int j = 0; j < k; ++j) {
                const double dd = std::hypot(hh[i].x - c[j].first, hh[i].y - c[j].second);
                if (dd < best) {
                    best = dd;
                    label[i] = j;
                }
            }
            sx[label[i]] += hh[i].x * hh[i].count;
            sy[label[i]] += hh[i].y * hh[i].count;
            sw[label[i]] += hh[i].count;
        }
        for (int j = 0; j < k; ++j) {
            if (sw[j] > 0) {
                c[j] = {sx[j] / sw[j], sy[j] / sw[j]};
            }
        }
    }
    std::vector<std::map<int, std::int64_t>> votes(b.blocks.size());
    for (std::size_t i = 0; i < hh.size(); ++i) {
        if (b.household_block[i].valid()) {
            votes[b.household_block[i].value()][label[i]] += hh[i].count;
        }
    }
    std::vector<std::uint32_t> out(b.blocks.size());
    for (std::size_t i = 0; i < b.blocks.size(); ++i) {
        if (!votes[i].empty()) {
            out[i] = static_cast<std::uint32_t>(std::max_element(votes[i].begin(), votes[i].end(), [](auto& x, auto& y) {
                                                    return x.second < y.second;
                                                })->first);
        } else {
            double best = 1e300;
            for (int j = 0; j < k; ++j) {
                const double dd = std::hypot(b.blocks[i].label_x - c[j].first, b.blocks[i].label_y - c[j].second);
                if (dd < best) {
                    best = dd;
                    out[i] = static_cast<std::uint32_t>(j);
                }
            }
        }
    }
    return out;
}

std::vector<std::uint32_t> metis_baseline(const blocks::BlocksResult& b, int k) {
    const idx_t n = static_cast<idx_t>(b.blocks.size());
    std::vector<std::vector<idx_t>> adj(b.blocks.size());
    for (const auto& a : b.adjacency) {
        adj[a.a.value()].push_back(static_cast<idx_t>(a.b.value()));
        adj[a.b.value()].push_back(static_cast<idx_t>(a.a.value()));
    }
    std::vector<idx_t> xadj{0}, adjncy, vwgt;
    for (std::size_t i = 0; i < b.blocks.size(); ++i) {
        adjncy.insert(adjncy.end(), adj[i].begin(), adj[i].end());
        xadj.push_back(static_cast<idx_t>(adjncy.size()));
        vwgt.push_back(static_cast<idx_t>(b.blocks[i].households) + 1);
    }
    idx_t ncon = 1;
    idx_t nparts = k;
    idx_t objval = 0;
    real_t ubvec = 1.03F;
    idx_t options[METIS_NOPTIONS];
    METIS_SetDefaultOptions(options);
    options[METIS_OPTION_CONTIG] = 1;
    options[METIS_OPTION_SEED] = 1;
    std::vector<idx_t> part(b.blocks.size(), 0);
    const int status = METIS_PartGraphKway(const_cast<idx_t*>(&n), &ncon, xadj.data(), adjncy.data(), vwgt.data(),
                                           nullptr, nullptr, &nparts, nullptr, &ubvec, options, &objval, part.data());
    if (status != METIS_OK) {
        throw InternalError{"METIS failed with status " + std::to_string(status)};
    }
    return {part.begin(), part.end()};
}

void print_row(const std::string& method, double secs, const partition::PlanResult& r, const partition::PartitionConfig& c) {
    const auto& s = r.stats;
    double worst = 0.0;
    for (const auto& g : r.grids) {
        worst = std::max(worst, std::fabs(static_cast<double>(g.households) - c.households_per_grid) / c.households_per_grid);
    }
    std::cout << "| " << method << " | " << format_fixed(secs, 3) << " | " << r.grids.size() << " | " << s.grids_in_band
              << " | " << format_fixed(100.0 * worst, 1) << "% | " << format_fixed(100.0 * s.share_within_radius, 1)
              << "% | " << format_fixed(100.0 * (s.edge_share_by_class[4] + s.edge_share_by_class[3]), 1) << "% | "
              << format_fixed(100.0 * s.edge_share_by_class[1], 1) << "% | " << format_fixed(s.mean_polsby_popper, 3)
              << " | " << s.grids_not_contiguous << " |\n";
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: gridplan_baselines CONFIG.json|FILE.osm.pbf [HOUSEHOLDS_PER_GRID]\n";
        return 2;
    }
    try {
        RunContext ctx;
        wrap::GeosContext geos;
        const std::string input = argv[1];
        config::ProjectConfig cfg;
        if (io::is_osm_path(input)) {
            cfg.district = io::osm_district_spec(input, "");
        } else {
            cfg = config::load_project_config(input);
        }
        if (argc > 2) {
            cfg.plan.households_per_grid = std::stod(argv[2]);
        }
        const io::District d = io::read_district(cfg.district, geos, ctx);
        const auto blocks = blocks::build_blocks(d, cfg.blocks, geos, ctx);
        const auto net = network::build_network(d, cfg.coverage.network, geos, ctx);
        std::cout << "| method | seconds | grids | in band | worst deviation | within radius | edges on river+road | edges on alleys | mean Polsby-Popper | non-contiguous grids |\n"
                  << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
        auto t0 = std::chrono::steady_clock::now();
        const auto plan = partition::plan_grids(d, blocks, net, {}, cfg.plan, geos, ctx);
        const double plan_secs = seconds_since(t0);
        const int k = static_cast<int>(plan.grids.size());
        t0 = std::chrono::steady_clock::now();
        const auto km = kmeans_baseline(d, blocks, k);
        const double km_secs = seconds_since(t0);
        t0 = std::chrono::steady_clock::now();
        const auto me = metis_baseline(blocks, k);
        const double me_secs = seconds_since(t0);
        print_row("k-means, blocks by majority", km_secs, partition::evaluate_assignment(d, blocks, net, km, cfg.plan, geos, ctx), cfg.plan);
        print_row("METIS k-way, contiguous", me_secs, partition::evaluate_assignment(d, blocks, net, me, cfg.plan, geos, ctx), cfg.plan);
        print_row("gridplan plan", plan_secs, plan, cfg.plan);
        return 0;
    } catch (const Error& e) {
        std::cerr << "gridplan_baselines: error: " << e.what() << '\n';
        return static_cast<int>(e.exit_code());
    }
}
