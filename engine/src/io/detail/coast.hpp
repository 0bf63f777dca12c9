#pragma once
// The sea taken out of a district: OSM coastlines (land on the left of each way) closed
// against the district outline, or land / sea polygons.

#include "gridplan/wrap/geos.hpp"

#include <vector>

namespace gridplan::io::detail {

struct LandResult {
    wrap::GeomPtr land;          ///< the district without the sea (Polygon or MultiPolygon)
    double sea_removed_m2 = 0.0;
};

/// Cuts `district` (working CRS) along `coastlines` (working CRS, land on their left) and
/// keeps the faces on the land side. A face whose coastline edges say "land" for more of
/// their length than "sea" is land; a face no coastline touches stays land (the coastline
/// of an extract may end before it). Coastlines that end inside the district close
/// nothing and change nothing.
LandResult land_by_coastlines(const GEOSGeometry* district, const std::vector<const GEOSGeometry*>& coastlines,
                              const wrap::GeosContext& geos);

/// `district` within the union of `land` (if any given), less the union of `sea`.
LandResult land_by_polygons(const GEOSGeometry* district, const std::vector<const GEOSGeometry*>& land,
                            const std::vector<const GEOSGeometry*>& sea, const wrap::GeosContext& geos);

} // namespace gridplan::io::detail
