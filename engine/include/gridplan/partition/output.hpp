#pragma once
// The plan's outputs: grids, grid_edges, blocks (with grid_id), units, centres and
// plan.json (parameters, input checksums, runtime per stage, overall metrics).

#include "gridplan/io/output.hpp"
#include "gridplan/io/styles.hpp"
#include "gridplan/partition/partition.hpp"

#include <nlohmann/json.hpp>

namespace gridplan::partition {

/// What plan.json records besides the plan itself.
struct PlanRun {
    std::vector<std::pair<std::string, double>> stage_seconds;  ///< in pipeline order
    std::vector<std::string> input_files;                       ///< checksummed (SHA-256)
    io::HouseholdAccount households;                            ///< the blocks stage's account
};

/// plan.json: "parameters", "inputs", "runtime_s", "metrics" (exactly the keys grids,
/// households, contiguous_share, within_band_share, within_radius_share, edge_share,
/// mean_polsby_popper, max_abs_deviation_pct, infeasible) and "details".
nlohmann::json plan_json(const PlanResult& plan, const PartitionConfig& config, const io::District& district,
                         const PlanRun& run);

void write_plan(const PlanResult& plan, const blocks::BlocksResult& blocks, const io::District& district,
                const PartitionConfig& config, io::OutputDir& out, const io::OutputOptions& options,
                const wrap::GeosContext& geos, RunContext& ctx);

/// The grids layer's fields and, per grid (in the order of PlanResult::grids), its values
/// as written: the layer and report.html read the same rows.
struct GridRows {
    io::LayerDef def;
    std::vector<std::vector<io::FieldValue>> rows;
    /// Index of the field `name` (InternalError if there is none).
    std::size_t field(const std::string& name) const;
};
GridRows grid_rows(const PlanResult& plan, const blocks::BlocksResult& blocks, const io::District& district,
                   const PartitionConfig& config);

/// The grids' fill colours, by map_colour - 1 (the styles and report.html).
const std::vector<io::Rgb>& grid_palette();

/// "370705" + zero-padded sequence (at least 3 digits).
std::string grid_code(const std::string& prefix, std::uint32_t number, std::size_t grids);

} // namespace gridplan::partition
