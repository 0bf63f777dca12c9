// Blocks from a real OpenStreetMap extract (skipped when ../shared/data/osm is absent).
#include "support/fixtures.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/io/district.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace gridplan;

TEST_CASE("Liechtenstein 2015: blocks tile the country", "[blocks][osm][integration]") {
    const std::string path = test::shared_osm("liechtenstein-2015-07-27.osm.pbf");
    if (path.empty()) {
        return;
    }
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = io::read_district(io::osm_district_spec(path, ""), geos, ctx);
    // The country polygon (relation 1155955, admin_level 2) holds most of the data;
    // ogrinfo -dialect SQLite gives its area as 160.374 km2 in UTM 32N.
    CHECK(d.working_crs.label() == "EPSG:32632");
    CHECK_THAT(d.boundary_description, Catch::Contains("'Liechtenstein'") && Catch::Contains("1155955"));
    CHECK(geos.area(d.boundary.get()) / 1e6 == Approx(160.374).epsilon(1e-4));
    // ogrinfo -oo CONFIG_FILE=data/osm/osmconf.ini -dialect SQLite over `lines`: 4816
    // ways whose highway or waterway value is in data/osm/tags.json, of which 32 are
    // tunnels, culverts or covered (excluded) -> 4784 barrier lines.
    CHECK(std::count_if(d.barriers.begin(), d.barriers.end(), [](const auto& b) { return b.barrier; }) == 4784);
    CHECK(d.barriers.size() == 4816);
    // Same tool over `multipolygons`: 69 with natural=water or waterway=riverbank.
    CHECK(d.water.size() == 69);

    const auto r = blocks::build_blocks(d, {}, geos, ctx);
    CHECK(r.blocks.size() > 1000);
    const auto t = test::check_tiling(geos, d.boundary.get(), r, false);
    CHECK(t.invalid_blocks == 0);
    CHECK(t.union_area == Approx(t.boundary_area).epsilon(1e-4));
    CHECK(t.sum_of_areas == Approx(t.boundary_area).epsilon(1e-4));
    CHECK(t.symmetric_difference_area < 1e-4 * t.boundary_area);
    CHECK(r.stats.water_blocks > 0);
    std::size_t river_edges = 0;
    for (const auto& adj : r.adjacency) {
        river_edges += adj.barrier_class == BarrierClass::river ? 1 : 0;
        CHECK(adj.shared_length_m > 0.0);
    }
    CHECK(river_edges > 0);
}

namespace {

std::map<BarrierClass, std::size_t> count_by_class(const io::District& d) {
    std::map<BarrierClass, std::size_t> n;
    for (const auto& b : d.barriers) {
        if (b.barrier) {  // tunnels, culverts and covered ways are walkable lines, not barriers
            ++n[b.cls];
        }
    }
    return n;
}

} // namespace

TEST_CASE("OSM extracts: barriers by class and households from buildings match GDAL's own figures",
          "[io][osm][households][integration]") {
    // Expected figures from tests/fixtures/osm_barrier_counts.sql (ogrinfo on the .pbf)
    // and tests/fixtures/osm_households.sql (SpatiaLite on an ogr2ogr copy).
    struct Expected {
        const char* file;
        std::size_t road, street, alley, river, residential_buildings;
        std::int64_t households;
    };
    for (const Expected& e : {Expected{"liechtenstein-2015-07-27.osm.pbf", 267, 1411, 2972, 134, 7221, 17369},
                              Expected{"harrisburg-2015-02.osm.pbf", 381, 1787, 342, 10, 315, 1446}}) {
        const std::string path = test::shared_osm(e.file);
        if (path.empty()) {
            continue;
        }
        INFO(e.file);
        wrap::GeosContext geos;
        RunContext ctx;
        const io::District d = io::read_district(io::osm_district_spec(path, ""), geos, ctx);
        const auto n = count_by_class(d);
        CHECK(n.at(BarrierClass::road) == e.road);
        CHECK(n.at(BarrierClass::street) == e.street);
        CHECK(n.at(BarrierClass::alley) == e.alley);
        CHECK(n.at(BarrierClass::river) == e.river);
        REQUIRE(d.household_estimate.has_value());
        CHECK(d.household_estimate->buildings_residential == e.residential_buildings);
        CHECK(d.household_estimate->households == e.households);
        std::int64_t sum = 0;
        for (const auto& h : d.households) {
            sum += h.count;
        }
        CHECK(sum == e.households);
    }
}
