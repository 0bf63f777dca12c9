#pragma once
// The blocks stage's outputs: blocks, blocks_qa, adjacency.csv and a JSON summary.

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/io/output.hpp"

#include <nlohmann/json.hpp>

namespace gridplan::blocks {

/// Writes blocks.<ext>, blocks_qa.<ext> (or one blocks.gpkg with both layers),
/// adjacency.csv and blocks_summary.json into `out` (staged; the caller commits).
void write_blocks(const BlocksResult& result, const io::District& district, io::OutputDir& out,
                  const io::OutputOptions& options, const wrap::GeosContext& geos, RunContext& ctx);

/// The blocks_qa layer: every problem reported to `ctx` (problem, detail, source,
/// source_fid, block_id), with its location where it has one.
void add_qa_layer(io::VectorWriter& writer, const RunContext& ctx, const wrap::GeosContext& geos);

/// The run summary as JSON (counts, areas, households, problems by code).
nlohmann::json blocks_summary(const BlocksResult& result, const io::District& district, const RunContext& ctx);

} // namespace gridplan::blocks
