// Reading districts from real OGR files written here with GDAL: CRS handling
// (CGCS2000 Gauss-Krüger, a source without CRS), class rules, and each bad-input case.

#include "support/fixtures.hpp"

#include "gridplan/blocks/blocks.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/io/district.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <catch2/catch.hpp>

#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

using namespace gridplan;
using test::TempDir;

namespace {

struct Feature {
    std::string wkt;
    std::vector<std::pair<std::string, std::string>> fields;
};

/// Writes a one-layer file with string fields; `epsg` 0 = no CRS.
void write_layer(const std::string& path, const std::string& driver, const std::string& layer, int epsg,
                 OGRwkbGeometryType type, const std::vector<Feature>& features) {
    wrap::gdal_init();
    GDALDriver* d = GetGDALDriverManager()->GetDriverByName(driver.c_str());
    REQUIRE(d != nullptr);
    GDALDatasetUniquePtr ds{d->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr)};
    REQUIRE(ds);
    OGRSpatialReference srs;
    if (epsg != 0) {
        srs.importFromEPSG(epsg);
        srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    }
    OGRLayer* l = ds->CreateLayer(layer.c_str(), epsg != 0 ? &srs : nullptr, type, nullptr);
    REQUIRE(l != nullptr);
    std::vector<std::string> names;
    for (const auto& f : features) {
        for (const auto& [k, v] : f.fields) {
            if (std::find(names.begin(), names.end(), k) == names.end()) {
                names.push_back(k);
                OGRFieldDefn defn{k.c_str(), OFTString};
                REQUIRE(l->CreateField(&defn) == OGRERR_NONE);
            }
        }
    }
    for (const auto& f : features) {
        OGRFeature feature{l->GetLayerDefn()};
        OGRGeometry* g = nullptr;
        REQUIRE(OGRGeometryFactory::createFromWkt(f.wkt.c_str(), nullptr, &g) == OGRERR_NONE);
        feature.SetGeometryDirectly(g);
        for (const auto& [k, v] : f.fields) {
            feature.SetField(k.c_str(), v.c_str());
        }
        REQUIRE(l->CreateFeature(&feature) == OGRERR_NONE);
    }
}

/// A 1 km square in CGCS2000 / 3-degree Gauss-Krüger CM 120E (EPSG:4549, easting first
/// in the data as GDAL writes it), near 36.7N 119.1E, with a street across the middle.
struct GkDistrict {
    TempDir dir;
    io::DistrictSpec spec;
    GkDistrict() {
        // Easting 420000 m is about 0.9 degrees west of 120E; northing 4063000 m is about 36.7N.
        write_layer((dir / "boundary.gpkg").string(), "GPKG", "district", 4549, wkbPolygon,
                    {{"POLYGON((420000 4063000, 421000 4063000, 421000 4064000, 420000 4064000, 420000 4063000))", {}}});
        write_layer((dir / "roads.gpkg").string(), "GPKG", "roads", 4549, wkbLineString,
                    {{"LINESTRING(419990 4063500, 421010 4063500)", {{"kind", "primary"}, {"name", "Dongfeng Street"}}},
                     {"LINESTRING(420500 4063100, 420500 4063500)", {{"kind", "footway"}, {"name", ""}}},
                     {"LINESTRING(420700 4063700, 420800 4063800)", {{"kind", "bus"}}}});
        write_layer((dir / "hh.gpkg").string(), "GPKG", "hh", 4549, wkbPoint,
                    {{"POINT(420250 4063250)", {{"n", "100"}}},
                     {"POINT(420750 4063750)", {{"n", "60"}}},
                     {"POINT(425000 4063750)", {{"n", "5"}}}});
        spec.boundary.kind = io::BoundarySpec::Kind::source;
        spec.boundary.source.path = (dir / "boundary.gpkg").string();
        io::BarrierSpec roads;
        roads.source.path = (dir / "roads.gpkg").string();
        roads.source.config_key = "barriers[0]";
        roads.rule = io::BarrierSpec::Rule::field;
        roads.class_field = "kind";
        roads.class_map = {{"primary", BarrierClass::road}, {"footway", BarrierClass::alley}};
        spec.barriers.push_back(roads);
        io::HouseholdSpec hh;
        hh.source.path = (dir / "hh.gpkg").string();
        hh.source.config_key = "households";
        hh.count_field = "n";
        spec.households = hh;
    }
};

std::string read_error(const io::DistrictSpec& spec) {
    wrap::GeosContext geos;
    RunContext ctx;
    try {
        io::read_district(spec, geos, ctx);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("a CGCS2000 Gauss-Krueger district is read into its UTM zone", "[io][crs]") {
    GkDistrict g;
    wrap::GeosContext geos;
    std::vector<std::string> warnings;
    RunContext ctx;
    ctx.log = Logger{[&warnings](LogLevel level, const std::string& m) {
        if (level == LogLevel::warning) {
            warnings.push_back(m);
        }
    }};
    const io::District d = io::read_district(g.spec, geos, ctx);
    // 119.1E lies in UTM zone 50 (114E-120E).
    CHECK(d.working_crs.label() == "EPSG:32650");
    CHECK(d.input_crs.label() == "EPSG:4549");
    // Both are conformal transverse Mercator projections a degree or so from their
    // central meridians: areas agree within 0.2%.
    CHECK(geos.area(d.boundary.get()) == Approx(1.0e6).epsilon(0.002));
    // The bus lane has no class: skipped with a warning that counts it.
    REQUIRE(d.barriers.size() == 2);
    CHECK(d.barriers[0].cls == BarrierClass::road);
    CHECK(d.barriers[0].name == "Dongfeng Street");
    CHECK(d.barriers[1].cls == BarrierClass::alley);
    REQUIRE_FALSE(warnings.empty());
    CHECK_THAT(warnings.front(), Catch::Contains("1 features skipped") && Catch::Contains("'bus' x1"));
    REQUIRE(d.households.size() == 3);
    CHECK(d.households[0].count == 100);

    const auto r = blocks::build_blocks(d, {}, geos, ctx);
    // The street cuts the square in two; the footway is a dead end.
    REQUIRE(r.blocks.size() == 2);
    CHECK(r.blocks[0].area_m2 == Approx(0.5e6).epsilon(0.002));
    CHECK(r.blocks[0].households == 60);  // northern half
    CHECK(r.blocks[1].households == 100);
    CHECK(r.stats.households_outside == 5);
    CHECK(r.stats.dangles == 1);
    REQUIRE(r.adjacency.size() == 1);
    CHECK(r.adjacency[0].barrier_class == BarrierClass::road);
    CHECK(r.adjacency[0].shared_length_m == Approx(1000.0).epsilon(0.002));
}

TEST_CASE("a source without a CRS is taken as WGS84 with a warning", "[io][crs]") {
    TempDir dir;
    write_layer((dir / "b.shp").string(), "ESRI Shapefile", "b", 0, wkbPolygon,
                {{"POLYGON((119.1 36.7, 119.11 36.7, 119.11 36.71, 119.1 36.71, 119.1 36.7))", {}}});
    write_layer((dir / "r.shp").string(), "ESRI Shapefile", "r", 0, wkbLineString,
                {{"LINESTRING(119.105 36.69, 119.105 36.72)", {}}});
    io::DistrictSpec spec;
    spec.boundary.kind = io::BoundarySpec::Kind::source;
    spec.boundary.source.path = (dir / "b.shp").string();
    io::BarrierSpec r;
    r.source.path = (dir / "r.shp").string();
    r.fixed_class = BarrierClass::street;
    spec.barriers.push_back(r);
    wrap::GeosContext geos;
    std::vector<std::string> warnings;
    RunContext ctx;
    ctx.log = Logger{[&warnings](LogLevel, const std::string& m) { warnings.push_back(m); }};
    const io::District d = io::read_district(spec, geos, ctx);
    CHECK(d.working_crs.label() == "EPSG:32650");
    bool warned = false;
    for (const auto& w : warnings) {
        warned = warned || (w.find("b.shp:b: no CRS given") != std::string::npos);
    }
    CHECK(warned);
    // 0.01 x 0.01 degrees at 36.705N on the WGS84 ellipsoid: 1109.7 m of meridian
    // (111132.95 - 559.82 cos 2phi + 1.18 cos 4phi per degree) by 893.5 m of parallel
    // (111412.84 cos phi - 93.5 cos 3phi per degree); UTM scale there adds under 0.01%.
    CHECK(geos.area(d.boundary.get()) == Approx(1109.7 * 893.5).epsilon(0.001));
}

TEST_CASE("bad input: one clear error naming the file, layer, feature or field", "[io][errors]") {
    SECTION("missing file") {
        GkDistrict g;
        g.spec.boundary.source.path = (g.dir / "nope.geojson").string();
        CHECK_THAT(read_error(g.spec), Catch::Contains("nope.geojson: file not found"));
    }
    SECTION("unreadable format") {
        GkDistrict g;
        test::write_file(g.dir / "junk.geojson", "this is not geojson");
        g.spec.boundary.source.path = (g.dir / "junk.geojson").string();
        CHECK_THAT(read_error(g.spec), Catch::Contains("junk.geojson: cannot open"));
    }
    SECTION("layer not found") {
        GkDistrict g;
        g.spec.boundary.source.layer = "districts";
        CHECK_THAT(read_error(g.spec), Catch::Contains("boundary.gpkg:districts: layer not found (layers: district)"));
    }
    SECTION("wrong geometry type") {
        GkDistrict g;
        g.spec.boundary.source.path = (g.dir / "hh.gpkg").string();
        CHECK_THAT(read_error(g.spec), Catch::Contains("hh.gpkg:hh:fid=1: wrong geometry type for a district boundary"));
    }
    SECTION("empty boundary") {
        GkDistrict g;
        write_layer((g.dir / "empty.gpkg").string(), "GPKG", "empty", 4549, wkbPolygon, {});
        g.spec.boundary.source.path = (g.dir / "empty.gpkg").string();
        CHECK_THAT(read_error(g.spec), Catch::Contains("empty.gpkg:empty: empty district boundary"));
    }
    SECTION("an invalid boundary is repaired and reported") {
        GkDistrict g;
        // A bow-tie: self-intersecting ring.
        write_layer((g.dir / "bowtie.gpkg").string(), "GPKG", "bowtie", 4549, wkbPolygon,
                    {{"POLYGON((420000 4063000, 421000 4064000, 421000 4063000, 420000 4064000, 420000 4063000))", {}}});
        g.spec.boundary.source.path = (g.dir / "bowtie.gpkg").string();
        wrap::GeosContext geos;
        std::vector<std::string> warnings;
        RunContext ctx;
        ctx.log = Logger{[&warnings](LogLevel level, const std::string& m) {
            if (level == LogLevel::warning) {
                warnings.push_back(m);
            }
        }};
        const io::District d = io::read_district(g.spec, geos, ctx);
        CHECK(geos.is_valid(d.boundary.get()));
        CHECK(geos.area(d.boundary.get()) == Approx(0.5e6).epsilon(0.002));
        CHECK(ctx.problems.count("invalid_repaired") == 1);
        bool warned = false;
        for (const auto& w : warnings) {
            warned = warned || w.find("1 invalid boundary geometries repaired (fid 1)") != std::string::npos;
        }
        CHECK(warned);
    }
    SECTION("missing class field") {
        GkDistrict g;
        g.spec.barriers[0].class_field = "knd";
        CHECK_THAT(read_error(g.spec), Catch::Contains("roads.gpkg:roads: field 'knd': no such field") &&
                                           Catch::Contains("did you mean 'kind'?"));
    }
    SECTION("bad household count") {
        GkDistrict g;
        write_layer((g.dir / "hh2.gpkg").string(), "GPKG", "hh2", 4549, wkbPoint,
                    {{"POINT(420250 4063250)", {{"n", "12"}}}, {"POINT(420250 4063250)", {{"n", "many"}}}});
        g.spec.households->source.path = (g.dir / "hh2.gpkg").string();
        CHECK_THAT(read_error(g.spec), Catch::Contains("hh2.gpkg:hh2:fid=2: field 'n': household count must be"));
    }
    SECTION("invalid attribute filter") {
        GkDistrict g;
        g.spec.barriers[0].source.where = "kind = = 'x'";
        CHECK_THAT(read_error(g.spec), Catch::Contains("barriers[0].where") && Catch::Contains("roads.gpkg:roads"));
    }
    SECTION("an unknown working CRS") {
        GkDistrict g;
        g.spec.working_crs = "EPSG:999999";
        CHECK_THAT(read_error(g.spec), Catch::Contains("EPSG:999999"));
    }
}

TEST_CASE("households from a building layer: estimated, or joined from a register", "[io][households]") {
    GkDistrict g;
    // Two 20 x 30 m buildings (600 m2): 5 floors -> 600 x 5 / 120 = 25; no floors -> 3 by
    // default -> 15, or 12 m high -> 4 levels -> 20.
    write_layer((g.dir / "bldg.gpkg").string(), "GPKG", "bldg", 4549, wkbPolygon,
                {{"POLYGON((420100 4063100, 420120 4063100, 420120 4063130, 420100 4063130, 420100 4063100))",
                  {{"BID", "B1"}, {"FLOORS", "5"}}},
                 {"POLYGON((420600 4063600, 420620 4063600, 420620 4063630, 420600 4063630, 420600 4063600))",
                  {{"BID", "B2"}, {"HEIGHT", "12"}}}});
    SECTION("estimated from footprints") {
        g.spec.households->mode = io::HouseholdSpec::Mode::buildings;
        g.spec.households->source.path = (g.dir / "bldg.gpkg").string();
        g.spec.households->levels_field = "FLOORS";
        wrap::GeosContext geos;
        RunContext ctx;
        const io::District d = io::read_district(g.spec, geos, ctx);
        REQUIRE(d.household_estimate);
        REQUIRE(d.households.size() == 2);
        // Gauss-Krueger to UTM changes areas by about 0.1%: the rounding is unaffected here.
        CHECK(d.households[0].count == 25);
        CHECK(d.households[1].count == 15);
        CHECK(d.household_estimate->levels_from_data == 1);
    }
    SECTION("levels from a height field") {
        g.spec.households->mode = io::HouseholdSpec::Mode::buildings;
        g.spec.households->source.path = (g.dir / "bldg.gpkg").string();
        g.spec.households->levels_field = "FLOORS";
        g.spec.households->height_field = "HEIGHT";
        wrap::GeosContext geos;
        RunContext ctx;
        const io::District d = io::read_district(g.spec, geos, ctx);
        REQUIRE(d.households.size() == 2);
        CHECK(d.households[0].count == 25);
        CHECK(d.households[1].count == 20);
        CHECK(d.household_estimate->levels_from_height == 1);
    }
    SECTION("a population raster shared out cell by cell") {
        // Four 500 m cells over the district (EPSG:4549): NW 280 persons, NE 0, SW 140, SE no
        // data. At 2.8 persons a household: NW 100 households and no building there, so a
        // point inside the cell; SW 50 for building B1 alone; NE 0, so B2 counts none.
        const std::string tif = (g.dir / "pop.tif").string();
        test::write_raster(tif, 4549, 420000.0, 4064000.0, 500.0, 500.0, 2, {280.0, 0.0, 140.0, -1.0}, -1.0);
        g.spec.households->mode = io::HouseholdSpec::Mode::buildings;
        g.spec.households->source.path = (g.dir / "bldg.gpkg").string();
        g.spec.households->levels_field = "FLOORS";
        io::PopulationRasterSpec raster;
        raster.source.path = tif;
        raster.source.config_key = "--population-raster";
        g.spec.population_raster = raster;
        wrap::GeosContext geos;
        RunContext ctx;
        const io::District d = io::read_district(g.spec, geos, ctx);
        REQUIRE(d.households.size() == 2);
        CHECK(d.households[0].count == 50);  // B1
        CHECK(d.households[1].count == 100);  // the NW cell, at a point inside it
        CHECK(d.household_estimate->households_by_source.at("raster") == 150);
        CHECK(d.household_estimate->totals_without_buildings == 1);
        SECTION("a negative population is an error naming the raster") {
            GDALDatasetUniquePtr ds{GDALDataset::Open(tif.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE)};
            float bad = -5.0f;
            REQUIRE(ds->GetRasterBand(1)->RasterIO(GF_Write, 1, 0, 1, 1, &bad, 1, 1, GDT_Float32, 0, 0) == CE_None);
            ds.reset();
            RunContext ctx2;
            CHECK_THROWS_WITH(io::read_district(g.spec, geos, ctx2), Catch::Contains("pop.tif") &&
                                                                         Catch::Contains("-5.000"));
        }
    }
    SECTION("known totals shared out over the buildings") {
        // One area around both: 101 households over floor areas 3000 and 1800: quotas
        // 63.125 and 37.875 -> 63 + 37, the larger remainder gets the last: 63 and 38.
        write_layer((g.dir / "totals.gpkg").string(), "GPKG", "areas", 4549, wkbPolygon,
                    {{"POLYGON((420000 4063000, 420700 4063000, 420700 4063700, 420000 4063700, 420000 4063000))",
                      {{"HH", "101"}}}});
        g.spec.households->mode = io::HouseholdSpec::Mode::buildings;
        g.spec.households->source.path = (g.dir / "bldg.gpkg").string();
        g.spec.households->levels_field = "FLOORS";
        io::HouseholdTotalsSpec totals;
        totals.source.path = (g.dir / "totals.gpkg").string();
        totals.source.config_key = "households.totals";
        totals.count_field = "HH";
        g.spec.household_totals = totals;
        wrap::GeosContext geos;
        RunContext ctx;
        const io::District d = io::read_district(g.spec, geos, ctx);
        REQUIRE(d.households.size() == 2);
        CHECK(d.households[0].count == 63);
        CHECK(d.households[1].count == 38);
        CHECK(d.household_estimate->households_by_source.at("total") == 101);
        SECTION("a total that is not a whole number is an error naming the feature") {
            write_layer((g.dir / "totals2.gpkg").string(), "GPKG", "areas", 4549, wkbPolygon,
                        {{"POLYGON((420000 4063000, 420700 4063000, 420700 4063700, 420000 4063700, 420000 4063000))",
                          {{"HH", "12.5"}}}});
            g.spec.household_totals->source.path = (g.dir / "totals2.gpkg").string();
            RunContext ctx2;
            CHECK_THROWS_WITH(io::read_district(g.spec, geos, ctx2),
                              Catch::Contains("totals2.gpkg") && Catch::Contains("whole number") &&
                                  Catch::Contains("12.5"));
        }
        SECTION("totals with household points are refused") {
            g.spec.households->mode = io::HouseholdSpec::Mode::points;
            RunContext ctx2;
            CHECK_THROWS_WITH(io::read_district(g.spec, geos, ctx2), Catch::Contains("households.totals"));
        }
    }
    SECTION("joined from a register") {
        test::write_file(g.dir / "register.csv", "BID,HH\nB1,12\nB2,30\nB2,5\nB9,4\n");
        g.spec.households->mode = io::HouseholdSpec::Mode::register_join;
        g.spec.households->source.path = (g.dir / "bldg.gpkg").string();
        g.spec.households->building_id_field = "BID";
        g.spec.households->register_source.path = (g.dir / "register.csv").string();
        g.spec.households->register_id_field = "BID";
        g.spec.households->count_field = "HH";
        wrap::GeosContext geos;
        std::vector<std::string> warnings;
        RunContext ctx;
        ctx.log = Logger{[&warnings](LogLevel level, const std::string& m) {
            if (level == LogLevel::warning) {
                warnings.push_back(m);
            }
        }};
        const io::District d = io::read_district(g.spec, geos, ctx);
        REQUIRE(d.households.size() == 2);
        CHECK(d.households[0].count == 12);
        CHECK(d.households[1].count == 35);
        // The other warning is about the roads layer's unmapped 'bus' lane.
        REQUIRE(warnings.size() == 2);
        CHECK_THAT(warnings[1], Catch::Contains("register.csv: 4 households under 1 building ids that match no building"));
    }
}

TEST_CASE("a sea layer takes the sea out of the district: its households are outside", "[io][coast]") {
    GkDistrict g;
    // The north half (y > 4063500) of the 1 x 1 km district is sea; 60 households stand in it.
    write_layer((g.dir / "sea.gpkg").string(), "GPKG", "sea", 4549, wkbPolygon,
                {{"POLYGON((419000 4063500, 422000 4063500, 422000 4065000, 419000 4065000, 419000 4063500))", {}}});
    io::SourceSpec sea;
    sea.path = (g.dir / "sea.gpkg").string();
    sea.config_key = "sea[0]";
    g.spec.sea.push_back(sea);
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = io::read_district(g.spec, geos, ctx);
    // Gauss-Krueger to UTM changes areas by about 0.1%.
    CHECK(geos.area(d.boundary.get()) == Approx(500000.0).epsilon(0.005));
    CHECK(d.sea_removed_m2 == Approx(500000.0).epsilon(0.005));
    const auto b = blocks::build_blocks(d, blocks::BlocksConfig{}, geos, ctx);
    CHECK(b.households.placed == 100);
    CHECK(b.households.rejected.at("outside_district") == 65);
}

TEST_CASE("geographic coordinates out of range, a district too wide or too small, swapped axes", "[io][errors]") {
    TempDir dir;
    const std::string square = "POLYGON((30 10, 30.01 10, 30.01 10.01, 30 10.01, 30 10))";
    auto spec_with = [&dir](const std::string& boundary_wkt, int boundary_epsg,
                            const std::vector<Feature>& households) {
        write_layer((dir / "b.gpkg").string(), "GPKG", "b", boundary_epsg, wkbPolygon, {{boundary_wkt, {}}});
        write_layer((dir / "r.gpkg").string(), "GPKG", "r", 4326, wkbLineString,
                    {{"LINESTRING(30.005 9.99, 30.005 10.02)", {}}});
        write_layer((dir / "h.gpkg").string(), "GPKG", "h", 4326, wkbPoint, households);
        io::DistrictSpec spec;
        spec.boundary.kind = io::BoundarySpec::Kind::source;
        spec.boundary.source.path = (dir / "b.gpkg").string();
        io::BarrierSpec r;
        r.source.path = (dir / "r.gpkg").string();
        r.fixed_class = BarrierClass::street;
        spec.barriers.push_back(r);
        io::HouseholdSpec hh;
        hh.source.path = (dir / "h.gpkg").string();
        spec.households = hh;
        return spec;
    };
    const std::vector<Feature> inside{{"POINT(30.002 10.002)", {}}, {"POINT(30.007 10.007)", {}}};
    CHECK(read_error(spec_with(square, 4326, inside)) == "no error");
    CHECK_THAT(read_error(spec_with("POLYGON((30 10, 500 10, 30.01 10.01, 30 10))", 4326, inside)),
               Catch::Contains("b.gpkg:b:fid=1: longitude 500 is outside [-180, 180]"));
    CHECK_THAT(read_error(spec_with(square, 4326, {{"POINT(30.002 10.002)", {}}, {"POINT(479.1 10.002)", {}}})),
               Catch::Contains("h.gpkg:h:fid=2: longitude 479.1 is outside"));
    // Two of three points swapped: the axis order; one stray point is a QA item, not an error.
    CHECK_THAT(read_error(spec_with(square, 4326,
                                    {{"POINT(10.002 30.002)", {}}, {"POINT(10.007 30.007)", {}}, {"POINT(30.002 10.002)", {}}})),
               Catch::Contains("h.gpkg:h: 2 of 3 household points lie outside the district") &&
                   Catch::Contains("axis order"));
    CHECK(read_error(spec_with(square, 4326,
                               {{"POINT(10.002 30.002)", {}}, {"POINT(30.007 10.007)", {}}, {"POINT(30.002 10.002)", {}}})) ==
          "no error");
    CHECK_THAT(read_error(spec_with(square, 32636, inside)),
               Catch::Contains("b.gpkg:b: the district boundary measures only 0.010 x 0.010 units") &&
                   Catch::Contains("--crs EPSG:32636"));
    CHECK_THAT(read_error(spec_with("POLYGON((30 10, 38 10, 38 10.01, 30 10.01, 30 10))", 4326, inside)),
               Catch::Contains("b.gpkg:b: the district spans 8.0 degrees of longitude") &&
                   Catch::Contains("--crs EPSG:32636"));
}
