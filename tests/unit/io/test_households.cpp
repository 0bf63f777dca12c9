// Households estimated from building footprints and joined from a register, with
// numbers worked out by hand: households = round(area x levels / 90), at least 1.
#include "support/fixtures.hpp"

#include "gridplan/io/district.hpp"
#include "gridplan/io/households.hpp"
#include "gridplan/io/osm_tags.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;

namespace {

io::Building building(const wrap::GeosContext& geos, double x, double y, double w, double h, const std::string& type,
                      std::optional<double> levels = {}, const std::string& id = {}) {
    io::Building b;
    b.geom = geos.from_wkt("POLYGON((" + std::to_string(x) + " " + std::to_string(y) + ", " + std::to_string(x + w) +
                           " " + std::to_string(y) + ", " + std::to_string(x + w) + " " + std::to_string(y + h) +
                           ", " + std::to_string(x) + " " + std::to_string(y + h) + ", " + std::to_string(x) + " " +
                           std::to_string(y) + "))");
    b.type = type;
    b.levels = levels;
    b.building_id = id;
    return b;
}

} // namespace

TEST_CASE("households from building footprints with the OSM preset", "[io][households]") {
    wrap::GeosContext geos;
    const auto config = io::OsmTagMapping::builtin().households();
    CHECK(config.floor_area_per_household_m2 == 90.0);
    std::vector<io::Building> buildings;
    buildings.push_back(building(geos, 0, 0, 20, 30, "apartments"));          // 600 x 6 / 90 = 40
    buildings.push_back(building(geos, 100, 0, 20, 30, "apartments", 10.0));  // 600 x 10 / 90 = 66.7 -> 67
    buildings.push_back(building(geos, 200, 0, 10, 10, "house"));             // 100 x 2 / 90 = 2.2 -> 2
    buildings.push_back(building(geos, 300, 0, 3, 3, "house"));               // 9 x 2 / 90 = 0.2 -> at least 1
    buildings.push_back(building(geos, 400, 0, 20, 20, "yes"));               // 400 x 1 / 90 = 4.4 -> 4
    buildings.push_back(building(geos, 500, 0, 20, 20, "yes"));               // in industrial land use: none
    buildings.push_back(building(geos, 700, 0, 5, 5, "yes"));                 // 25 m2 shed: none
    buildings.push_back(building(geos, 800, 0, 40, 40, "yes"));               // 1600 m2 hall: none
    buildings.push_back(building(geos, 600, 0, 50, 50, "industrial"));        // not a home
    wrap::GeomPtr industrial = geos.from_wkt("POLYGON((490 -10, 530 -10, 530 30, 490 30, 490 -10))");

    std::vector<io::HouseholdPoint> points;
    const auto report = io::estimate_households(buildings, {industrial.get()}, config, geos, points);
    CHECK(report.buildings_read == 9);
    CHECK(report.buildings_residential == 5);
    CHECK(report.excluded_by_landuse == 1);
    CHECK(report.excluded_by_size == 2);
    CHECK(report.excluded_non_residential_type == 1);
    CHECK(report.levels_from_data == 1);
    REQUIRE(points.size() == 5);
    CHECK(points[0].count == 40);
    CHECK(points[1].count == 67);
    CHECK(points[2].count == 2);
    CHECK(points[3].count == 1);
    CHECK(points[4].count == 4);
    CHECK(report.households == 40 + 67 + 2 + 1 + 4);
    CHECK(report.by_type.at("apartments").buildings == 2);
    CHECK(report.by_type.at("apartments").households == 107);
    CHECK(report.by_type.at("yes").households == 4);
    // Points at the building centroids.
    CHECK(points[0].x == Approx(10.0));
    CHECK(points[0].y == Approx(15.0));
    REQUIRE(report.point_types.size() == 5);
    CHECK(report.point_types[2] == "house");
}

TEST_CASE("an L-shaped building gets a point inside it", "[io][households]") {
    wrap::GeosContext geos;
    io::Building b;
    // A thin L whose centroid (about 6.4, 6.4) lies outside the footprint.
    b.geom = geos.from_wkt("POLYGON((0 0, 30 0, 30 2, 2 2, 2 30, 0 30, 0 0))");
    std::vector<io::Building> buildings;
    buildings.push_back(std::move(b));
    io::BuildingEstimateConfig config;  // untyped layer: every building a home, 3 levels
    std::vector<io::HouseholdPoint> points;
    const auto report = io::estimate_households(buildings, {}, config, geos, points);
    REQUIRE(points.size() == 1);
    // 116 m2 x 3 / 90 = 3.9 -> 4
    CHECK(points[0].count == 4);
    CHECK(report.by_type.count("(untyped)") == 1);
    wrap::GeomPtr p = geos.point(points[0].x, points[0].y);
    CHECK(GEOSIntersects_r(geos.handle(), buildings[0].geom.get(), p.get()) == 1);
}

TEST_CASE("a household register joins to buildings by id", "[io][households]") {
    wrap::GeosContext geos;
    std::vector<io::Building> buildings;
    buildings.push_back(building(geos, 0, 0, 20, 30, "apartments", {}, "B1"));
    buildings.push_back(building(geos, 100, 0, 20, 30, "", {}, "B2"));
    std::vector<io::HouseholdPoint> points;
    std::int64_t unmatched = 0;
    std::size_t unmatched_ids = 0;
    const auto report =
        io::join_register(buildings, {{"B1", 120}, {"B2", 3}, {"B9", 7}}, geos, points, unmatched, unmatched_ids);
    REQUIRE(points.size() == 2);
    CHECK(points[0].count == 120);
    CHECK(points[1].count == 3);
    CHECK(report.households == 123);
    CHECK(unmatched == 7);
    CHECK(unmatched_ids == 1);
}
