#pragma once
// report.html of plan, replan and validate: the whole plan at a glance for a district
// office, in one file that opens offline and prints. Its figures are read from plan.json
// (as written) and from the grids layer's rows (grid_rows), never computed a second time.

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/partition/partition.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace gridplan::partition {

/// What a report shows besides the plan.
struct PlanReportInput {
    std::string title;                    ///< "Plan", "Re-plan", "Validation"
    const nlohmann::json* manifest = nullptr;  ///< plan.json as written (without "files")
    std::vector<std::string> warnings;    ///< every warning of the run
    /// replan: the blocks whose grid changed (carried grid id != new grid id); empty else.
    std::vector<bool> changed_blocks;
    /// Extra headline figures (label, value as text): replan's kept share, ...
    std::vector<std::pair<std::string, std::string>> figures;
    /// validate: the hard rules broken (each "rule: what"); listed first.
    std::vector<std::string> broken;
    bool validated = false;  ///< a validation: "hard rules" shows as held or broken
};

/// The page. The map shows every grid as one <path class="grid" data-grid-id="ID">, its
/// label, centres (existing circles, proposed stars), water, rivers, roads and streets,
/// households beyond the walk radius of their centre and, for a replan, the blocks that
/// changed grid; then the figures, a sortable table per grid, histograms of grid sizes
/// (band shaded) and walk times (radius marked), infeasible entries with their fixes,
/// warnings, parameters, inputs with checksums, and one printable sheet per grid.
std::string plan_report_html(const PlanResult& plan, const blocks::BlocksResult& blocks,
                             const io::District& district, const PartitionConfig& config,
                             const PlanReportInput& input, const wrap::GeosContext& geos);

} // namespace gridplan::partition
