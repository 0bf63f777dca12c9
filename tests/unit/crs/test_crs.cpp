#include "gridplan/crs/crs.hpp"
#include "gridplan/core/error.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;

TEST_CASE("the working CRS is the UTM zone of the centroid", "[crs]") {
    CHECK(crs::utm_zone(119.1) == 50);
    CHECK(crs::utm_zone(9.52) == 32);
    CHECK(crs::utm_zone(-76.88) == 18);
    CHECK(crs::utm_zone(-180.0) == 1);
    CHECK(crs::utm_zone(180.0) == 60);
    CHECK(crs::Crs::utm_for(119.1, 36.7).label() == "EPSG:32650");
    CHECK(crs::Crs::utm_for(151.2, -33.9).label() == "EPSG:32756");
    CHECK_THROWS_AS(crs::Crs::utm_for(119.1, 123.0), CrsError);
}

TEST_CASE("transformations use lon/lat and easting/northing order", "[crs]") {
    // The central meridian of UTM zone 50 is 117E: there the easting is the false easting.
    const crs::Transformer t{crs::Crs::wgs84(), crs::Crs::utm_for(117.0, 36.7)};
    double x = 117.0;
    double y = 0.0;
    t.apply(x, y);
    CHECK(x == Approx(500000.0).margin(1e-6));
    CHECK(y == Approx(0.0).margin(1e-6));
    // EPSG:4490 (CGCS2000) is latitude-first in its definition; data comes lon, lat.
    const crs::Transformer g{crs::Crs::from_user_input("EPSG:4490"), crs::Crs::from_user_input("EPSG:4549")};
    double lon = 120.0;
    double lat = 36.7;
    g.apply(lon, lat);
    CHECK(lon == Approx(500000.0).margin(1e-3));  // easting on the central meridian 120E
    CHECK(lat == Approx(4062000.0).margin(3000.0));  // about 36.7 x 110.7 km
    CHECK(crs::Crs::wgs84().same_as(crs::Crs::from_user_input("EPSG:4326")));
    CHECK_FALSE(crs::Crs::wgs84().same_as(crs::Crs::from_user_input("EPSG:4490")));
    CHECK_THROWS_AS(crs::Crs::from_user_input("EPSG:0"), CrsError);
}
