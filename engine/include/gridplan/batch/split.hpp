#pragma once
// A city as many districts (`gridplan split`): one district config per polygon of a layer,
// every input cut to it, and a jobs.tsv manifest that GNU Parallel or a Slurm job array
// runs; `gridplan merge` (merge.hpp) gathers the results.

#include "gridplan/core/run_context.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace gridplan::batch {

struct SplitOptions {
    std::string by_path;      ///< the districts' polygons (any GDAL vector source)
    std::string by_layer;     ///< its layer ("" = the only or first one)
    /// Instead of by_path: the OSM administrative boundaries of `admin_level` in this
    /// extract (id: the OSM id, or id_field, a column of the multipolygons layer).
    std::string osm_path;
    int admin_level = 0;
    std::string id_field;     ///< each district's id and admin code ("" = the feature id)
    std::string name_field;   ///< "" = "name" when the layer has it
    /// Lines and areas within this distance (m) of a district are copied to its job, so
    /// that the streets on its edge are there to cut its blocks.
    double margin_m = 100.0;
};

struct Job {
    std::string id;    ///< also the district_id and plan.code_prefix
    std::string name;
    std::int64_t households = 0;  ///< in the household layer's points (or buildings) given to it
    std::string config;           ///< relative to the jobs folder: ID/district.json
    std::string out;              ///< relative to the jobs folder: ID/out
};

struct SplitResult {
    std::vector<Job> jobs;
    std::int64_t households = 0;          ///< in the city's household layer (after its where)
    std::int64_t households_outside = 0;  ///< in no district's polygon (given to no job)
    std::size_t points_outside = 0;
};

/// Writes JOBS_DIR: for each polygon of the `options` layer (cut to the city config's
/// boundary when it has one; a district wholly outside it is an InputError), in the order
/// of the ids,
/// ID/inputs.gpkg (the city config's vector sources cut to it: points inside it, lines
/// and areas within margin_m; non-spatial tables whole; each household point or building
/// to exactly one district, the first whose polygon holds it), ID/district.json (the city
/// config with those sources, the polygon as the boundary, "name" and plan.code_prefix =
/// the id) and jobs.tsv (id, name, households, config, out: a header row and one row per
/// district). JOBS_DIR must not exist or be empty; it is written in a staging folder and
/// moved into place. Households from totals or a population raster are refused: their
/// estimate spans districts (write households_estimated with plan first, and split that).
/// OSM extracts are not cut: each job reads the extract and keeps what its boundary holds
/// (households estimated from buildings are then counted by the jobs; jobs.tsv says 0).
/// `city_config` may be empty with `options.osm_path`: the city is the extract (its
/// barriers, water, buildings and centres by gridplan's OSM tags).
SplitResult split_city(const std::string& city_config, const SplitOptions& options,
                       const std::filesystem::path& jobs_dir, RunContext& ctx);

/// jobs.tsv as split writes it (read by merge): the jobs in order; InputError naming the
/// file and line when it is not one.
std::vector<Job> read_jobs(const std::filesystem::path& jobs_tsv);

} // namespace gridplan::batch
