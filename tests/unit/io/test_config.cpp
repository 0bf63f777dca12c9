#include "support/fixtures.hpp"

#include "gridplan/config/project.hpp"
#include "gridplan/core/error.hpp"
#include "gridplan/io/osm_tags.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;
using test::TempDir;
using test::write_file;

TEST_CASE("a config with comments, paths relative to its folder", "[io][config]") {
    TempDir dir;
    write_file(dir / "district.json", R"({
  // a comment
  "name": "Test district",
  "crs": "EPSG:4549",
  "boundary": {"path": "boundary.geojson"},
  "barriers": [
    {"path": "sub/roads.shp", "layer": "roads", "where": "kind <> 'x'", "class_field": "kind",
     "class_map": {"primary": "road", "footway": "alley"}, "default_class": "street", "name_field": "NAME"},
    {"path": "/abs/rivers.gpkg", "class": "river"},
    {"path": "PG:dbname=gis", "layer": "lines", "class": "osm"}
  ],
  "water": ["water.geojson"],
  "households": {"path": "hh.geojson", "count_field": "n"},
  "blocks": {"min_area_m2": 150},
  "nest_within": {"path": "streets.gpkg", "layer": "offices"},
  "plan": {"households_per_grid": 5000, "tolerance": 0.1, "seed": 7, "code_prefix": "370705",
           "tuning": {"atom_snap_m": 500, "site_snap_m": 2}},
  "coverage": {"preset": "gb50180", "service_radius_min": {"medical": 12}},
  "output": {"format": "gpkg", "crs": "EPSG:4549", "precision": 6}
})");
    const auto c = config::load_project_config((dir / "district.json").string());
    CHECK(c.name == "Test district");
    CHECK(c.district.working_crs == "EPSG:4549");
    CHECK(c.district.boundary.source.path == (dir / "boundary.geojson").string());
    REQUIRE(c.district.barriers.size() == 3);
    const auto& roads = c.district.barriers[0];
    CHECK(roads.source.path == (dir / "sub/roads.shp").string());
    CHECK(roads.source.layer == "roads");
    CHECK(roads.source.where == "kind <> 'x'");
    CHECK(roads.rule == io::BarrierSpec::Rule::field);
    CHECK(roads.class_map.at("primary") == BarrierClass::road);
    CHECK(roads.default_class == BarrierClass::street);
    CHECK(roads.name_field == "NAME");
    CHECK(c.district.barriers[1].source.path == "/abs/rivers.gpkg");
    CHECK(c.district.barriers[1].fixed_class == BarrierClass::river);
    CHECK(c.district.barriers[2].source.path == "PG:dbname=gis");
    CHECK(c.district.barriers[2].rule == io::BarrierSpec::Rule::osm);
    CHECK(c.district.water.at(0).path == (dir / "water.geojson").string());
    CHECK(c.district.households->count_field == "n");
    CHECK(c.blocks.min_area_m2 == 150.0);
    REQUIRE(c.nest_within);
    CHECK(c.nest_within->path == (dir / "streets.gpkg").string());
    CHECK(c.nest_within->layer == "offices");
    CHECK(c.plan.households_per_grid == 5000.0);
    CHECK(c.plan.tolerance == 0.1);
    CHECK(c.plan.seed == 7);
    CHECK(c.plan.code_prefix == "370705");
    CHECK(c.plan.tuning.atom_snap_m == 500.0);
    CHECK(c.plan.tuning.site_snap_m == 2.0);
    CHECK(c.coverage.speed_kmh == 3.0);  // the gb50180 preset
    CHECK(c.coverage.service_radius_m(Service::medical) == Approx(12 * 50.0));
    CHECK(c.coverage.service_radius_m(Service::childcare) == Approx(5 * 50.0));
    CHECK(c.output.format == "gpkg");
    CHECK(c.output.precision == 6);
}

namespace {

std::string error_of(const std::string& text) {
    TempDir dir;
    write_file(dir / "d.json", text);
    try {
        config::load_project_config((dir / "d.json").string());
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST_CASE("config mistakes name the key and suggest the nearest valid one", "[io][config]") {
    const std::string base = R"("boundary": "b.geojson", "barriers": [{"path": "r.geojson", "class": "road"}])";
    CHECK_THAT(error_of("{" + base + R"(, "boundry": 1})"),
               Catch::Contains("key 'boundry': unknown key; did you mean 'boundary'?"));
    CHECK_THAT(error_of(R"({"boundary": "b.geojson", "barriers": [{"path": "r.geojson", "clas": "road"}]})"),
               Catch::Contains("key 'barriers[0].clas': unknown key; did you mean 'class'?"));
    CHECK_THAT(error_of(R"({"boundary": "b.geojson", "barriers": [{"path": "r.geojson", "class": "avenue"}]})"),
               Catch::Contains("barriers[0].class': unknown barrier class 'avenue'"));
    CHECK_THAT(error_of("{" + base + R"(, "blocks": {"min_area_m2": "big"}})"),
               Catch::Contains("key 'blocks.min_area_m2': expected a number, got a string"));
    CHECK_THAT(error_of("{" + base + R"(, "blocks": {"min_area_m2": -5}})"),
               Catch::Contains("key 'blocks.min_area_m2': must be from 0 to 100000 m2"));
    CHECK_THAT(error_of(R"({"barriers": [{"path": "r.geojson", "class": "road"}]})"),
               Catch::Contains("key 'boundary': missing"));
    CHECK_THAT(error_of(R"({"boundary": "b.geojson", "barriers": [{"path": "r.geojson"}]})"),
               Catch::Contains("barriers[0]"));
    CHECK_THAT(error_of("{" + base + ",\n  \"water\": [}"), Catch::Contains("line 2: invalid JSON"));
    CHECK_THAT(error_of("{" + base + R"(, "output": {"precision": 30}})"), Catch::Contains("output.precision"));
}

TEST_CASE("the built-in OSM tag mapping follows the issue's table", "[io][osm]") {
    const auto m = io::OsmTagMapping::builtin();
    auto cls = [&m](const char* key, const char* value) {
        return m.classify([&](const std::string& k) { return k == key ? value : nullptr; });
    };
    for (const char* v : {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
                          "secondary_link"}) {
        CHECK(cls("highway", v) == BarrierClass::road);
    }
    for (const char* v : {"tertiary", "residential", "unclassified", "living_street"}) {
        CHECK(cls("highway", v) == BarrierClass::street);
    }
    for (const char* v : {"service", "footway", "path", "pedestrian", "steps", "track", "cycleway"}) {
        CHECK(cls("highway", v) == BarrierClass::alley);
    }
    for (const char* v : {"river", "canal", "stream"}) {
        CHECK(cls("waterway", v) == BarrierClass::river);
    }
    CHECK_FALSE(cls("highway", "proposed").has_value());
    CHECK_FALSE(cls("building", "yes").has_value());
    // A road in a tunnel divides nothing at the surface, but people walk along it.
    auto tunnel = [](const std::string& k) -> const char* {
        return k == "highway" ? "primary" : k == "tunnel" ? "yes" : nullptr;
    };
    CHECK(m.classify(tunnel) == BarrierClass::road);
    CHECK(m.is_excluded(tunnel));
    CHECK(m.is_walkable(tunnel));
    // Motorways and foot=no are barriers nobody walks along; foot=yes wins.
    CHECK_FALSE(m.is_walkable([](const std::string& k) -> const char* { return k == "highway" ? "motorway" : nullptr; }));
    CHECK_FALSE(m.is_walkable([](const std::string& k) -> const char* { return k == "foot" ? "no" : nullptr; }));
    CHECK(m.is_walkable([](const std::string& k) -> const char* {
        return k == "highway" ? "motorway_link" : k == "foot" ? "yes" : nullptr;
    }));
    // Services and centres from tags.
    auto amenity = [](const char* v) {
        return [v](const std::string& k) -> const char* { return k == "amenity" ? v : nullptr; };
    };
    CHECK(m.services_of(amenity("clinic")) == mask_of(Service::medical));
    CHECK(m.services_of(amenity("townhall")) == (mask_of(Service::mediation) | mask_of(Service::relief)));
    CHECK(m.is_centre(amenity("community_centre")));
    CHECK_FALSE(m.is_centre(amenity("clinic")));
    CHECK(m.services_of(amenity("bench")) == 0);
    CHECK(m.is_water_area([](const std::string& k) -> const char* { return k == "natural" ? "water" : nullptr; }));
    CHECK(m.is_water_area([](const std::string& k) -> const char* { return k == "waterway" ? "riverbank" : nullptr; }));

    TempDir dir;
    write_file(dir / "tags.json", R"({"barrier_classes": {"highway": {"primary": "boulevard"}}})");
    REQUIRE_THROWS_WITH(io::OsmTagMapping::load((dir / "tags.json").string()),
                        Catch::Contains("barrier_classes.highway.primary") && Catch::Contains("boulevard"));
}

TEST_CASE("households from points, building footprints or a register", "[io][config][households]") {
    TempDir dir;
    const std::string head = R"({"boundary": "b.geojson", "barriers": [{"path": "r.geojson", "class": "road"}], )";
    test::write_file(dir / "a.json", head + R"("households": {"path": "bldg.shp", "buildings": {
        "levels_field": "FLOORS", "type_field": "USE", "floor_area_per_household_m2": 80,
        "residential_buildings": {"housing": 5}, "unspecified_buildings": {"unknown": 2}}}})");
    const auto a = config::load_project_config((dir / "a.json").string());
    REQUIRE(a.district.households);
    CHECK(a.district.households->mode == io::HouseholdSpec::Mode::buildings);
    CHECK(a.district.households->levels_field == "FLOORS");
    CHECK(a.district.households->type_field == "USE");
    CHECK(a.district.households->estimate.floor_area_per_household_m2 == 80.0);
    CHECK(a.district.households->estimate.residential_levels.at("housing") == 5.0);

    test::write_file(dir / "b.json", head + R"("households": {"path": "bldg.gpkg", "building_id_field": "BID",
        "register": {"path": "register.csv", "count_field": "HH"}}})");
    const auto b = config::load_project_config((dir / "b.json").string());
    CHECK(b.district.households->mode == io::HouseholdSpec::Mode::register_join);
    CHECK(b.district.households->register_source.path == (dir / "register.csv").string());
    CHECK(b.district.households->register_id_field == "BID");
    CHECK(b.district.households->count_field == "HH");

    CHECK_THAT(error_of(head + R"("households": {"path": "x.shp", "buildings": {"floor_area_per_household_m2": 5}}})"),
               Catch::Contains("households.buildings.floor_area_per_household_m2"));
    CHECK_THAT(error_of(head + R"("households": {"path": "x.shp", "buildings": {"levls_field": "F"}}})"),
               Catch::Contains("did you mean 'levels_field'?"));
    CHECK_THAT(error_of(head + R"("households": {"path": "x.shp", "register": {"path": "r.csv", "count_field": "n"}}})"),
               Catch::Contains("households.building_id_field': missing"));
}

TEST_CASE("every number has an upper bound, seeds share one range", "[io][config]") {
    const std::string base = R"("boundary": "b.geojson", "barriers": [{"path": "r.geojson", "class": "road"}])";
    auto with = [&base](const std::string& extra) { return error_of("{" + base + ", " + extra + "}"); };
    CHECK_THAT(with(R"("plan": {"budget_per_household": 1e305})"),
               Catch::Contains("key 'plan.budget_per_household': must be from 0 to 1000000"));
    CHECK_THAT(with(R"("blocks": {"min_area_m2": 1e308})"), Catch::Contains("key 'blocks.min_area_m2'"));
    CHECK_THAT(with(R"("blocks": {"min_width_m": 1e6})"), Catch::Contains("key 'blocks.min_width_m'"));
    CHECK_THAT(with(R"("plan": {"walk_minutes": 1e308})"), Catch::Contains("key 'plan.walk_minutes'"));
    CHECK_THAT(with(R"("plan": {"speed_kmh": 0})"), Catch::Contains("key 'plan.speed_kmh'"));
    CHECK_THAT(with(R"("plan": {"centre_relocate_share": 2})"), Catch::Contains("key 'plan.centre_relocate_share'"));
    CHECK_THAT(with(R"("plan": {"tuning": {"atom_snap_m": 0}})"),
               Catch::Contains("key 'plan.tuning.atom_snap_m': must be above 0 and at most 10000 metres"));
    CHECK_THAT(with(R"("plan": {"tuning": {"site_snap_m": 20000}})"), Catch::Contains("key 'plan.tuning.site_snap_m'"));
    CHECK_THAT(with(R"("plan": {"tuning": {"atom_snap": 50}})"),
               Catch::Contains("key 'plan.tuning.atom_snap': unknown key; did you mean 'atom_snap_m'?"));
    // Integers beyond int's range are rejected by their own bound, not narrowed.
    CHECK_THAT(with(R"("plan": {"grids": 4294967297})"), Catch::Contains("key 'plan.grids': must be from 1 to 100000"));
    CHECK_THAT(with(R"("plan": {"rounds": -4294967295})"), Catch::Contains("key 'plan.rounds'"));
    CHECK_THAT(with(R"("output": {"precision": 4294967303})"), Catch::Contains("key 'output.precision'"));
    for (const char* seed : {"-1", "4294967296", "1e20", "0.5"}) {
        INFO(seed);
        CHECK_THAT(with(std::string{R"("plan": {"seed": )"} + seed + "}"),
                   Catch::Contains("key 'plan.seed': must be a whole number from 0 to 4294967295"));
    }
    CHECK(with(R"("plan": {"seed": 4294967295})") == "no error");
    CHECK_THAT(with(R"("output": {"format": "dwgx"})"), Catch::Contains("key 'output.format': unknown output format"));
    CHECK_THAT(with(R"("crs": "EPSG:4326")"), Catch::Contains("key 'crs': the working CRS must be projected"));
    CHECK_THAT(with(R"("crs": "nonsense")"), Catch::Contains("d.json: key 'crs': unknown CRS 'nonsense'"));
}
