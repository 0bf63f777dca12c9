#pragma once
// The options `plan` and `replan` share: the household target and band, the walk, the
// preset, the seed, the code prefix and --nest-within; and what both do with a plan
// (service coverage per grid, the summary on stdout).

#include "district_options.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/config/project.hpp"
#include "gridplan/core/run_context.hpp"
#include "gridplan/coverage/coverage.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/io/output.hpp"
#include "gridplan/network/network.hpp"
#include "gridplan/partition/partition.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace gridplan::cli {

class PlanOptions {
public:
    /// Registers --households-per-grid, --tolerance, --walk-min, --speed-kmh, --preset,
    /// --seed, --code-prefix, --nest-within and --strict.
    void add_to(CLI::App& app);
    /// Whether --strict was given.
    bool strict() const noexcept { return m_strict; }
    /// The preset's name and the seed's text; throws UsageError naming `command` or the flag.
    void check(const std::string& command);
    /// The config's plan section, or the preset's values when one is given.
    partition::PartitionConfig base(const config::ProjectConfig& cfg) const;
    /// The defaults, or the preset's values (for checking flags before reading data).
    partition::PartitionConfig defaults() const;
    /// Sets the values given as flags on `plan`; returns them with their config keys, so
    /// errors name the flags.
    std::vector<FlagValue> apply(partition::PartitionConfig& plan) const;
    /// The nest_within polygons (--nest-within, which becomes cfg.nest_within, else the
    /// config's), checked against the district; the file is protected in `out`.
    std::vector<io::PolygonFeature> read_nests(config::ProjectConfig& cfg, const io::District& district,
                                               io::OutputDir& out, const wrap::GeosContext& geos,
                                               RunContext& ctx) const;

private:
    std::optional<double> m_target;
    std::optional<double> m_tolerance;
    std::optional<double> m_walk_min;
    std::optional<double> m_speed;
    std::string m_preset;
    std::optional<std::string> m_seed_text;
    std::optional<std::uint64_t> m_seed;
    std::optional<std::string> m_code_prefix;
    std::string m_nest;
    bool m_strict = false;
};

/// The exit code of a plan or replan whose outputs are written: 0, or with `strict`
/// ExitCode::infeasible (3) when a grid is outside the band or not contiguous, or
/// `infeasible` holds a block_above_band, part_outside_band or unlinked_part entry (what
/// fails is named on `err`, one line). Households beyond the radius alone never fail.
int strict_exit_code(const partition::PlanResult& result, bool strict, std::ostream& err);

/// Seconds of a steady-clock duration, for the stage times of plan.json.
inline double secs(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// An InputError naming the household layer when the district has no households.
void require_households(const config::ProjectConfig& cfg, const io::District& district);

/// Each grid's share of households within the walk radius of every service (existing
/// centres and facilities offering it), measured as `gridplan coverage` does.
void add_service_coverage(partition::PlanResult& result, const io::District& district,
                          const blocks::BlocksResult& blocks, const network::WalkNetwork& net,
                          coverage::CoverageConfig config, const partition::PartitionConfig& plan,
                          const wrap::GeosContext& geos, RunContext& ctx);

/// The plan's summary: the district and why it was chosen, grids and the band, the walk
/// radius, then `after_radius` (lines, may be empty), edges, centres, infeasible entries
/// and the time.
void print_plan_summary(std::ostream& os, const io::District& district, const partition::PlanResult& result,
                        const partition::PartitionConfig& plan, const std::string& after_radius,
                        const std::string& time);

} // namespace gridplan::cli
