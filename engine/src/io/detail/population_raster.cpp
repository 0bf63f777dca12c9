#include "io/detail/population_raster.hpp"

#include "gridplan/core/error.hpp"
#include "gridplan/core/strings.hpp"
#include "gridplan/io/households.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <cpl_error.h>
#include <gdal_priv.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace gridplan::io::detail {

namespace {

/// A polygon of one closed ring (x0, y0, ..., x0, y0).
wrap::GeomPtr square(const std::vector<double>& ring, const wrap::GeosContext& geos) {
    GEOSCoordSequence* seq =
        GEOSCoordSeq_copyFromBuffer_r(geos.handle(), ring.data(), static_cast<unsigned>(ring.size() / 2), 0, 0);
    if (seq == nullptr) {
        throw GeometryError{"raster cell", "GEOS could not create a coordinate sequence"};
    }
    GEOSGeometry* shell = GEOSGeom_createLinearRing_r(geos.handle(), seq);
    if (shell == nullptr) {
        throw GeometryError{"raster cell", "GEOS could not create a ring"};
    }
    return geos.own(GEOSGeom_createPolygon_r(geos.handle(), shell, nullptr, 0), "raster cell");
}

} // namespace

std::vector<RasterCell> raster_cells(const PopulationRasterSpec& spec, const GEOSGeometry* district,
                                     const crs::Crs& working, const wrap::GeosContext& geos) {
    wrap::gdal_init();
    const std::string& path = spec.source.path;
    GDALDatasetUniquePtr ds{GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY)};
    if (!ds) {
        throw InputError{"cannot open as a raster (" + std::string{CPLGetLastErrorMsg()} + ")", path};
    }
    if (spec.band < 1 || spec.band > ds->GetRasterCount()) {
        throw InputError{"no band " + std::to_string(spec.band) + " (the raster has " +
                             std::to_string(ds->GetRasterCount()) + ")",
                         path};
    }
    const OGRSpatialReference* srs = ds->GetSpatialRef();
    if (srs == nullptr || srs->IsEmpty()) {
        throw InputError{"the population raster has no CRS; assign one (gdal_edit.py -a_srs EPSG:N)", path};
    }
    const crs::Crs raster_crs = crs::Crs::from_srs(*srs);
    std::array<double, 6> gt{};
    if (ds->GetGeoTransform(gt.data()) != CE_None || gt[1] == 0.0 || gt[5] == 0.0) {
        throw InputError{"the population raster has no geotransform (cell size and origin)", path};
    }
    if (gt[2] != 0.0 || gt[4] != 0.0) {
        throw InputError{"rotated rasters are not supported; warp it first (gdalwarp)", path};
    }
    // The window over the district: its envelope, densified, in the raster's CRS.
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    geos.bounds(district, x0, y0, x1, y1);
    const crs::Transformer to_raster{working, raster_crs};
    const crs::Transformer to_working{raster_crs, working};
    double rx0 = HUGE_VAL, ry0 = HUGE_VAL, rx1 = -HUGE_VAL, ry1 = -HUGE_VAL;
    for (int i = 0; i <= 8; ++i) {
        for (int j = 0; j <= 8; ++j) {
            double x = x0 + (x1 - x0) * i / 8.0;
            double y = y0 + (y1 - y0) * j / 8.0;
            to_raster.apply(x, y);
            rx0 = std::min(rx0, x);
            rx1 = std::max(rx1, x);
            ry0 = std::min(ry0, y);
            ry1 = std::max(ry1, y);
        }
    }
    const int width = ds->GetRasterXSize();
    const int height = ds->GetRasterYSize();
    auto col_of = [&](double x) { return (x - gt[0]) / gt[1]; };
    auto row_of = [&](double y) { return (y - gt[3]) / gt[5]; };
    const int c0 = std::clamp(static_cast<int>(std::floor(std::min(col_of(rx0), col_of(rx1)))) - 1, 0, width);
    const int c1 = std::clamp(static_cast<int>(std::ceil(std::max(col_of(rx0), col_of(rx1)))) + 1, 0, width);
    const int r0 = std::clamp(static_cast<int>(std::floor(std::min(row_of(ry0), row_of(ry1)))) - 1, 0, height);
    const int r1 = std::clamp(static_cast<int>(std::ceil(std::max(row_of(ry0), row_of(ry1)))) + 1, 0, height);
    std::vector<RasterCell> cells;
    if (c1 <= c0 || r1 <= r0) {
        return cells;
    }
    const int w = c1 - c0;
    const int h = r1 - r0;
    std::vector<double> values(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    GDALRasterBand* band = ds->GetRasterBand(spec.band);
    if (band->RasterIO(GF_Read, c0, r0, w, h, values.data(), w, h, GDT_Float64, 0, 0) != CE_None) {
        throw InputError{"read failed: " + std::string{CPLGetLastErrorMsg()}, path};
    }
    int has_nodata = 0;
    const double nodata = band->GetNoDataValue(&has_nodata);
    wrap::PreparedPtr inside = geos.prepare(district);
    std::vector<double> persons;
    for (int r = 0; r < h; ++r) {
        for (int c = 0; c < w; ++c) {
            const double v = values[static_cast<std::size_t>(r) * static_cast<std::size_t>(w) + c];
            if ((has_nodata != 0 && (v == nodata || (std::isnan(nodata) && std::isnan(v))))) {
                continue;
            }
            if (!std::isfinite(v) || v < 0.0) {
                throw InputError{"population must be a number of persons of 0 or more, got " + format_fixed(v, 3) +
                                     " in the cell at column " + std::to_string(c0 + c) + ", row " +
                                     std::to_string(r0 + r),
                                 path};
            }
            const double cx0 = gt[0] + (c0 + c) * gt[1];
            const double cy0 = gt[3] + (r0 + r) * gt[5];
            double mx = cx0 + 0.5 * gt[1];
            double my = cy0 + 0.5 * gt[5];
            to_working.apply(mx, my);
            wrap::GeomPtr centre = geos.point(mx, my);
            if (!geos.check_bool(GEOSPreparedIntersects_r(geos.handle(), inside.get(), centre.get()), "cell in district")) {
                continue;
            }
            std::vector<double> ring{cx0, cy0, cx0 + gt[1], cy0, cx0 + gt[1], cy0 + gt[5], cx0, cy0 + gt[5], cx0, cy0};
            to_working.apply(ring.data(), ring.size() / 2);
            RasterCell cell;
            cell.square = square(ring, geos);
            cells.push_back(std::move(cell));
            persons.push_back(v / spec.persons_per_household);
        }
    }
    double total = 0.0;
    for (const double p : persons) {
        total += p;
    }
    const auto shares = share_out(std::llround(total), persons);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        cells[i].households = shares[i];
    }
    return cells;
}

} // namespace gridplan::io::detail
