#pragma once
// The plan's outputs: grids, grid_edges, blocks (with grid_id), units, centres and
// plan_summary.json.

#include "gridplan/io/output.hpp"
#include "gridplan/partition/partition.hpp"

#include <nlohmann/json.hpp>

namespace gridplan::partition {

nlohmann::json plan_summary(const PlanResult& plan, const PartitionConfig& config, const io::District& district);

void write_plan(const PlanResult& plan, const blocks::BlocksResult& blocks, const io::District& district,
                const PartitionConfig& config, io::OutputDir& out, const io::OutputOptions& options,
                const wrap::GeosContext& geos, RunContext& ctx);

/// "370705" + zero-padded sequence (at least 3 digits).
std::string grid_code(const std::string& prefix, std::uint32_t number, std::size_t grids);

} // namespace gridplan::partition
