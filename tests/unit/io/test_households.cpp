// Households estimated from building footprints and joined from a register, with
// numbers worked out by hand: households = round(floor area / 120 m2) with the OSM preset,
// at least 1 for a typed home; known totals shared out by largest remainder.
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
    CHECK(config.floor_area_per_household_m2 == 120.0);
    std::vector<io::Building> buildings;
    buildings.push_back(building(geos, 0, 0, 20, 30, "apartments"));          // 600 x 6 / 120 = 30
    buildings.push_back(building(geos, 100, 0, 20, 30, "apartments", 10.0));  // 600 x 10 / 120 = 50
    buildings.push_back(building(geos, 200, 0, 10, 10, "house"));             // 100 x 2 / 120 = 1.7 -> 2
    buildings.push_back(building(geos, 300, 0, 3, 3, "house"));               // 9 x 2 / 120 = 0.15 -> at least 1
    buildings.push_back(building(geos, 400, 0, 20, 20, "yes"));               // 400 x 1 / 120 = 3.3 -> 3
    buildings.push_back(building(geos, 500, 0, 20, 20, "yes"));               // in industrial land use: none
    buildings.push_back(building(geos, 700, 0, 5, 5, "yes"));                 // 25 m2 shed: none
    buildings.push_back(building(geos, 800, 0, 40, 40, "yes"));               // 1600 m2 hall: none
    buildings.push_back(building(geos, 600, 0, 50, 50, "industrial"));        // not a home
    buildings.push_back(building(geos, 900, 0, 6, 8, "yes"));                 // 48 x 1 / 120 = 0.4: a garage, none
    wrap::GeomPtr industrial = geos.from_wkt("POLYGON((490 -10, 530 -10, 530 30, 490 30, 490 -10))");

    std::vector<io::HouseholdPoint> points;
    const auto report =
        io::estimate_households(buildings, {{industrial.get(), "industrial"}}, {}, config, geos, points);
    CHECK(report.buildings_read == 10);
    CHECK(report.buildings_residential == 5);
    CHECK(report.excluded_by_landuse == 1);
    CHECK(report.excluded_by_size == 2);
    CHECK(report.excluded_non_residential_type == 1);
    CHECK(report.rounded_to_none == 1);
    CHECK(report.levels_from_data == 1);
    REQUIRE(points.size() == 5);
    CHECK(points[0].count == 30);
    CHECK(points[1].count == 50);
    CHECK(points[2].count == 2);
    CHECK(points[3].count == 1);
    CHECK(points[4].count == 3);
    CHECK(report.households == 30 + 50 + 2 + 1 + 3);
    CHECK(report.households_by_source.at("levels") == 50);
    CHECK(report.households_by_source.at("default") == 36);
    CHECK(report.by_type.at("apartments").buildings == 2);
    CHECK(report.by_type.at("apartments").households == 80);
    CHECK(report.by_type.at("yes").households == 3);
    // Points at the building centroids.
    CHECK(points[0].x == Approx(10.0));
    CHECK(points[0].y == Approx(15.0));
    REQUIRE(report.point_types.size() == 5);
    CHECK(report.point_types[2] == "house");
    REQUIRE(report.point_sources.size() == 5);
    CHECK(report.point_sources[1] == "levels");
    CHECK(report.point_floor_areas[1] == Approx(6000.0));
    CHECK(report.point_floor_areas[4] == Approx(400.0));
}

TEST_CASE("towers over 1,500 m2: levels from the data, the height, or housing land use", "[io][households]") {
    wrap::GeosContext geos;
    const auto config = io::OsmTagMapping::builtin().households();
    std::vector<io::Building> buildings;
    buildings.push_back(building(geos, 0, 0, 40, 40, "apartments"));          // 1600 x 6 / 120 = 80
    buildings.push_back(building(geos, 300, 0, 40, 40, "apartments", 30.0));  // 1600 x 30 / 120 = 400
    buildings.push_back(building(geos, 600, 0, 40, 50, "yes"));               // 2000 in housing: 6 levels, 100
    io::Building by_height = building(geos, 900, 0, 40, 50, "yes");           // 90 m / 3 = 30 levels: 500
    by_height.height_m = 90.0;
    buildings.push_back(std::move(by_height));
    io::Building roof = building(geos, 1200, 0, 40, 40, "residential", 12.0 + 1.0);  // 12 + 1 roof: 1600 x 13 / 120
    buildings.push_back(std::move(roof));                                            // = 173.3 -> 173
    buildings.push_back(building(geos, 1500, 0, 40, 50, "yes"));              // 2000 outside housing: a hall, none
    wrap::GeomPtr housing = geos.from_wkt("POLYGON((-10 -10, 1300 -10, 1300 100, -10 100, -10 -10))");

    std::vector<io::HouseholdPoint> points;
    const auto report = io::estimate_households(buildings, {{housing.get(), "residential"}}, {}, config, geos, points);
    REQUIRE(points.size() == 5);
    CHECK(points[0].count == 80);
    CHECK(points[1].count == 400);
    CHECK(points[2].count == 100);
    CHECK(points[3].count == 500);
    CHECK(points[4].count == 173);
    CHECK(report.excluded_by_size == 1);
    CHECK(report.levels_from_height == 1);
    CHECK(report.households_by_source.at("height") == 500);
    CHECK(report.households_by_source.at("levels") == 573);
    CHECK(report.households_by_source.at("default") == 180);
}

TEST_CASE("unspecified buildings in a densely built housing area get more levels", "[io][households]") {
    wrap::GeosContext geos;
    const auto config = io::OsmTagMapping::builtin().households();
    REQUIRE(config.coverage_radius_m == 100.0);
    // Nine 30 x 35 m (1050 m2) buildings on a 40 m grid. Within 100 m of the middle one and
    // of each edge one lie all nine: 9450 / (pi 100^2) = 0.301, dense: 4 levels, 35 each.
    // A corner one misses the opposite corner (113 m): 8400 / 31416 = 0.267, one level,
    // 1050 / 120 = 8.75 -> 9.
    std::vector<io::Building> buildings;
    for (int row = -1; row <= 1; ++row) {
        for (int col = -1; col <= 1; ++col) {
            buildings.push_back(building(geos, col * 40.0 - 15.0, row * 40.0 - 17.5, 30, 35, "yes"));
        }
    }
    wrap::GeomPtr housing = geos.from_wkt("POLYGON((-200 -200, 200 -200, 200 200, -200 200, -200 -200))");
    std::vector<io::HouseholdPoint> points;
    const auto report = io::estimate_households(buildings, {{housing.get(), "residential"}}, {}, config, geos, points);
    REQUIRE(points.size() == 9);
    for (std::size_t i = 0; i < 9; ++i) {
        const bool corner = i == 0 || i == 2 || i == 6 || i == 8;
        INFO("building " << i);
        CHECK(points[i].count == (corner ? 9u : 35u));
    }
    CHECK(report.households == 4 * 9 + 5 * 35);
    // The same buildings outside housing land use: one level each.
    std::vector<io::HouseholdPoint> plain;
    const auto elsewhere = io::estimate_households(buildings, {}, {}, config, geos, plain);
    CHECK(elsewhere.households == 9 * 9);
}

TEST_CASE("known totals are shared out over the homes inside by floor area, exactly", "[io][households]") {
    wrap::GeosContext geos;
    const auto config = io::OsmTagMapping::builtin().households();
    std::vector<io::Building> buildings;
    buildings.push_back(building(geos, 0, 0, 20, 30, "apartments"));  // floor area 3600
    buildings.push_back(building(geos, 50, 0, 10, 10, "house"));       // 200
    buildings.push_back(building(geos, 80, 0, 20, 20, "yes"));         // 400
    buildings.push_back(building(geos, 500, 0, 20, 30, "apartments"));  // outside every area: 30
    buildings.push_back(building(geos, 120, 0, 20, 20, "industrial"));  // not a home: no share
    wrap::GeomPtr area = geos.from_wkt("POLYGON((-10 -10, 150 -10, 150 50, -10 50, -10 -10))");
    wrap::GeomPtr overlapping = geos.from_wkt("POLYGON((40 -10, 70 -10, 70 50, 40 50, 40 -10))");
    wrap::GeomPtr empty_area = geos.from_wkt("POLYGON((1000 0, 1100 0, 1100 100, 1000 100, 1000 0))");
    std::vector<io::HouseholdTotal> totals{{area.get(), 100, 7, SourceFid{1}},
                                           {overlapping.get(), 40, 7, SourceFid{2}},
                                           {empty_area.get(), 7, 7, SourceFid{3}}};
    std::vector<io::HouseholdPoint> points;
    const auto report = io::estimate_households(buildings, {}, totals, config, geos, points);
    // 100 over 3600, 200, 400: quotas 85.71, 4.76, 9.52 -> 85, 4, 9 and the two
    // largest remainders (0.76, 0.71) get one more: 86, 5, 9. The house lies in the
    // second area too, but the first holding it takes it; the second has no home left.
    REQUIRE(points.size() == 6);
    CHECK(points[0].count == 86);
    CHECK(points[1].count == 5);
    CHECK(points[2].count == 9);
    CHECK(points[3].count == 30);
    // The areas without a home: their households at a point inside each.
    CHECK(points[4].count == 40);
    CHECK(points[5].count == 7);
    CHECK(points[5].x >= 1000.0);
    CHECK(points[5].fid == SourceFid{3});
    CHECK(report.totals_areas == 3);
    CHECK(report.totals_households == 147);
    CHECK(report.totals_without_buildings == 2);
    CHECK(report.households == 147 + 30);
    CHECK(report.households_by_source.at("total") == 147);
    CHECK(report.households_by_source.at("default") == 30);
    CHECK(report.point_sources[0] == "total");
}

TEST_CASE("share_out: whole numbers in proportion that sum to the total", "[io][households]") {
    CHECK(io::share_out(10, {1.0, 1.0, 1.0}) == std::vector<std::int64_t>{4, 3, 3});
    CHECK(io::share_out(7, {0.0, 0.0}) == std::vector<std::int64_t>{4, 3});
    CHECK(io::share_out(0, {5.0, 1.0}) == std::vector<std::int64_t>{0, 0});
    CHECK(io::share_out(3, {}).empty());
    const auto big = io::share_out(1000003, {1.0, 2.0, 3.0, 1e-9});
    CHECK(big[0] + big[1] + big[2] + big[3] == 1000003);
    CHECK(big[2] == 500002);  // 500001.5 and 333334.33 / 166667.17: the .5 gets the extra one
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
    const auto report = io::estimate_households(buildings, {}, {}, config, geos, points);
    REQUIRE(points.size() == 1);
    // 116 m2 x 3 / 120 = 2.9 -> 3
    CHECK(points[0].count == 3);
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
