#pragma once
// A population raster (persons per cell, any GDAL raster: GHSL, WorldPop) as household
// totals per cell, for sharing out over the buildings like any known total.

#include "gridplan/crs/crs.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/wrap/geos.hpp"

#include <cstdint>
#include <vector>

namespace gridplan::io::detail {

struct RasterCell {
    wrap::GeomPtr square;        ///< the cell, working CRS
    std::int64_t households = 0;
};

/// The cells of `spec`'s raster whose centre lies in `district` (working CRS), each with
/// its households: persons / persons per household over all cells, as whole numbers by
/// largest remainder so that their sum is the rounded total exactly. Cells with no data are
/// left out; a negative or non-finite value is an InputError naming the file and cell.
std::vector<RasterCell> raster_cells(const PopulationRasterSpec& spec, const GEOSGeometry* district,
                                     const crs::Crs& working, const wrap::GeosContext& geos);

} // namespace gridplan::io::detail
