// Blocks from a real OpenStreetMap extract (skipped when ../shared/data/osm is absent).
#include "support/fixtures.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/io/district.hpp"

#include <catch2/catch.hpp>

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
    CHECK(d.barriers.size() == 4784);
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
