#pragma once
// Test fixtures: districts built from inline WKT in a metric CRS, temporary folders,
// running the gridplan binary, and the tiling invariants every block result must meet.

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/wrap/geos.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gridplan::test {

/// A district in a metric CRS (EPSG:32650) from WKT: boundary polygon, barrier lines.
class DistrictBuilder {
public:
    explicit DistrictBuilder(const wrap::GeosContext& geos, const std::string& boundary_wkt);

    DistrictBuilder& line(const std::string& wkt, BarrierClass cls, const std::string& name = {});
    DistrictBuilder& bridge(const std::string& wkt, BarrierClass cls, const std::string& name = {});
    DistrictBuilder& water(const std::string& wkt, const std::string& name = {});
    DistrictBuilder& household(double x, double y, std::uint32_t count = 1);

    io::District build();

private:
    const wrap::GeosContext& m_geos;
    io::District m_district;
};

struct TilingReport {
    double boundary_area = 0.0;
    double sum_of_areas = 0.0;
    double union_area = 0.0;
    double symmetric_difference_area = 0.0;
    double max_pair_overlap = 0.0;  ///< largest overlap of two blocks (only if checked)
    std::size_t invalid_blocks = 0;
};

/// Measures how well `blocks` tile `boundary`. Pairwise overlaps are computed when
/// `pairwise` (quadratic in bounding-box candidates).
TilingReport check_tiling(const wrap::GeosContext& geos, const GEOSGeometry* boundary,
                          const blocks::BlocksResult& result, bool pairwise);

/// A fresh temporary directory, removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&&) = delete;
    TempDir& operator=(TempDir&&) = delete;
    const std::filesystem::path& path() const noexcept { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs the gridplan binary with `args` (shell-quoted here).
RunResult run_gridplan(const std::vector<std::string>& args);
/// Runs any program with `args` (shell-quoted here), stdin from /dev/null.
RunResult run_command(const std::string& program, const std::vector<std::string>& args);

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& text);

/// A one-band Float64 GeoTIFF of `columns` x `values.size() / columns` cells, north row
/// first, with its origin (west, north), cell size and EPSG code; `nodata` if given.
void write_raster(const std::filesystem::path& p, int epsg, double west, double north, double cell_x,
                  double cell_y, int columns, const std::vector<double>& values, std::optional<double> nodata = {});

/// The shared OSM extract `name`, or "" (after printing a skip message) if absent.
std::string shared_osm(const std::string& name);

std::string source_dir();

/// A config of the built-in sample district (data/sample, by absolute paths) with
/// `extra` added as further top-level members (e.g. "\"plan\": {...}"), for tests of
/// config keys.
std::string sample_config_text(const std::string& extra);

/// A 2x2 layer of districts (fields code 370701..370704, name) over the box of `boundary`
/// (a GeoJSON polygon file) with a margin of 0.001 degrees, written as GeoJSON to `out`.
void write_quarters(const std::filesystem::path& boundary, const std::filesystem::path& out);

} // namespace gridplan::test
