#pragma once
// The coverage stage's outputs: coverage.json, uncovered, service_areas, centres and
// proposed_centres layers.

#include "gridplan/coverage/coverage.hpp"
#include "gridplan/io/output.hpp"

#include <nlohmann/json.hpp>

namespace gridplan::coverage {

/// A grid polygon to report coverage for (from --grids), working CRS.
struct GridArea {
    std::string id;
    wrap::GeomPtr geom;
};

/// coverage.json: the keys the issue names, plus centres, facilities, radii by service,
/// per-grid figures (when grids are given) and the proposals' before/after.
nlohmann::json coverage_json(const CoverageResult& r, const io::District& district, const CoverageConfig& config,
                             const std::vector<ServicePoint>& centres, const std::vector<ServicePoint>& facilities,
                             const std::vector<GridArea>& grids, const wrap::GeosContext& geos);

/// Writes every coverage output into `out` (staged; the caller commits).
void write_coverage(const CoverageResult& r, const io::District& district, const CoverageConfig& config,
                    const std::vector<ServicePoint>& centres, const std::vector<ServicePoint>& facilities,
                    const std::vector<GridArea>& grids, io::OutputDir& out, const io::OutputOptions& options,
                    const wrap::GeosContext& geos, RunContext& ctx);

/// report.html: the figures of `manifest` (coverage.json as written), a map of the
/// service areas, centres, proposed sites, grids (when given, <path data-grid-id>) and
/// the households beyond the radius, walk times, tables per grid, centre and proposal,
/// and `warnings`.
std::string coverage_report_html(const CoverageResult& r, const io::District& district, const CoverageConfig& config,
                                 const std::vector<ServicePoint>& centres, const std::vector<GridArea>& grids,
                                 const nlohmann::json& manifest, const std::vector<std::string>& warnings,
                                 const wrap::GeosContext& geos);

} // namespace gridplan::coverage
