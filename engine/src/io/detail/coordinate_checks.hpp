#pragma once
// Plausibility checks on input coordinates, made while every geometry is still in its
// source's CRS: longitude/latitude out of range, a district too wide for one UTM zone or
// too small to be one (lon/lat labelled as a projected CRS), and household points whose
// longitude and latitude are swapped. Each error names the file, layer and feature and
// says what looks wrong.

#include "io/detail/ogr_read.hpp"

#include <cstdint>
#include <string>

class OGRGeometry;

namespace gridplan::io::detail {

/// Throws InputError ("path:layer:fid=N: longitude 500 is outside [-180, 180] ...") when
/// `crs` is geographic and `g` has a coordinate outside [-180, 180] x [-90, 90].
void check_lonlat_range(const OGRGeometry& g, const crs::Crs& crs, const std::string& path, const std::string& layer,
                        std::int64_t fid);

/// The same for raw household points (all sources), named by their source ("path:layer").
void check_household_range(const Raw& raw);

/// The district boundary (raw.boundary in raw.boundary_crs) before projection: an error when
/// it is too small to be a district in a projected CRS (degrees labelled as metres), or,
/// unless a working CRS is given (`working_crs_given`), spans more than one UTM zone's
/// worth of longitude. The messages say what looks wrong and which --crs to use.
void check_district_extent(const Raw& raw, bool working_crs_given, const wrap::GeosContext& geos);

/// Household points of a source in a geographic CRS: when most of them lie outside the
/// district and most would lie inside with x and y swapped, an InputError naming the source
/// that says the axis order is swapped. A few points outside stay household_outside QA items.
void check_household_axis_order(const Raw& raw, const wrap::GeosContext& geos);

} // namespace gridplan::io::detail
