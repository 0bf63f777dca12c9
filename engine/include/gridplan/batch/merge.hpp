#pragma once
// `gridplan merge`: the results of a split city's jobs gathered into one layer set and one
// summary.

#include "gridplan/batch/split.hpp"
#include "gridplan/io/output.hpp"

#include <nlohmann/json.hpp>

namespace gridplan::batch {

/// Reads JOBS_DIR/jobs.tsv and each job's result (JOB/out/plan.json and the layers it
/// lists) and writes into `out` every layer the jobs wrote (grids, grid_edges, barriers,
/// blocks, centres, units, blocks_qa), each job's features with a `district_id` field
/// first, in job order, and returns merge.json's content: per district its grids,
/// households, grids in the band, the share within the radius and infeasible entries,
/// and the same over the city. Nothing is written and an InputError names every district
/// whose result is missing or incomplete (no plan.json, or a file it lists is absent or
/// of another size).
nlohmann::json merge_jobs(const std::filesystem::path& jobs_dir, io::OutputDir& out, const io::OutputOptions& options,
                          RunContext& ctx);

} // namespace gridplan::batch
