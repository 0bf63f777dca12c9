// The gridplan binary end to end: exit codes, messages, outputs, formats, atomicity
// and determinism.
#include "support/fixtures.hpp"

#include "gridplan/wrap/gdal.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <ogr_spatialref.h>

#include <filesystem>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string sample_config() { return test::source_dir() + "/data/sample/district.json"; }

/// Twice the signed area of a GeoJSON ring (positive = counter-clockwise).
double signed_area(const nlohmann::json& ring) {
    double a = 0.0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        a += ring[i][0].get<double>() * ring[i + 1][1].get<double>() -
             ring[i + 1][0].get<double>() * ring[i][1].get<double>();
    }
    return a;
}

} // namespace

TEST_CASE("gridplan --help, --version and help blocks", "[cli]") {
    const auto version = run_gridplan({"--version"});
    CHECK(version.exit_code == 0);
    CHECK_THAT(version.out, Catch::StartsWith("gridplan "));
    const auto help = run_gridplan({"--help"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("blocks"));
    const auto page = run_gridplan({"help", "blocks"});
    CHECK(page.exit_code == 0);
    for (const char* section : {"SYNOPSIS", "OPTIONS", "EXIT CODES", "EXAMPLES", "--osm", "--boundary", "--format"}) {
        CHECK_THAT(page.out, Catch::Contains(section));
    }
    const auto blocks_help = run_gridplan({"blocks", "--help"});
    CHECK(blocks_help.exit_code == 0);
    CHECK(run_gridplan({"help", "nosuch"}).exit_code == 2);
}

TEST_CASE("usage errors exit with 2", "[cli]") {
    TempDir out;
    const auto none = run_gridplan({"blocks", "--out", out.path().string()});
    CHECK(none.exit_code == 2);
    CHECK_THAT(none.err, Catch::Contains("gridplan: error: blocks: give either CONFIG.json or --osm FILE"));
    const auto both = run_gridplan({"blocks", sample_config(), "--osm", "x.osm.pbf", "--out", out.path().string()});
    CHECK(both.exit_code == 2);
    const auto bad_option = run_gridplan({"blocks", sample_config(), "--out", out.path().string(), "--frobnicate"});
    CHECK(bad_option.exit_code == 2);
    CHECK_THAT(bad_option.err, Catch::Contains("--frobnicate"));
    const auto no_out = run_gridplan({"blocks", sample_config()});
    CHECK(no_out.exit_code == 2);
    const auto bad_format = run_gridplan({"blocks", sample_config(), "--out", out.path().string(), "-f", "dwgx"});
    CHECK(bad_format.exit_code == 2);
    CHECK_THAT(bad_format.err, Catch::Contains("unknown output format 'dwgx'"));
    CHECK(fs::is_empty(out.path()));
}

TEST_CASE("bad input exits with 1, names the problem and writes nothing", "[cli]") {
    TempDir dir;
    const auto out = (dir / "out").string();
    SECTION("missing config") {
        const auto r = run_gridplan({"blocks", (dir / "nope.json").string(), "--out", out});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("nope.json: cannot read config file"));
    }
    SECTION("unknown config key") {
        test::write_file(dir / "d.json", R"({"boundary": "b.geojson", "barriers": [], "housholds": {}})");
        const auto r = run_gridplan({"blocks", (dir / "d.json").string(), "--out", out});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("key 'housholds': unknown key; did you mean 'households'?"));
    }
    SECTION("missing input file named in the config") {
        test::write_file(dir / "d.json",
                         R"({"boundary": "missing.geojson", "barriers": [{"path": "r.geojson", "class": "road"}]})");
        const auto r = run_gridplan({"blocks", (dir / "d.json").string(), "--out", out});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("missing.geojson: file not found"));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
    }
    SECTION("output directory not writable") {
        test::write_file(dir / "file", "x");
        const auto r = run_gridplan({"blocks", sample_config(), "--out", (dir / "file").string()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("not a directory"));
        const auto p = run_gridplan({"blocks", sample_config(), "--out", "/proc/gridplan-out"});
        CHECK(p.exit_code == 1);
        CHECK_THAT(p.err, Catch::Contains("/proc/gridplan-out"));
    }
    SECTION("OSM boundary that does not exist") {
        const std::string osm = test::shared_osm("liechtenstein-2015-07-27.osm.pbf");
        if (!osm.empty()) {
            const auto r = run_gridplan({"blocks", "--osm", osm, "--boundary", "admin:Atlantis", "--out", out});
            CHECK(r.exit_code == 1);
            CHECK_THAT(r.err, Catch::Contains("no administrative boundary named 'Atlantis'") &&
                                  Catch::Contains("'Vaduz' (level 8)"));
        }
    }
    CHECK_FALSE(fs::exists(out + "/blocks.geojson"));
    if (fs::exists(out)) {
        CHECK(fs::is_empty(out));  // no staging folder left behind
    }
}

TEST_CASE("blocks on the sample district: RFC 7946 GeoJSON, CSV, QA and summary", "[cli][blocks]") {
    TempDir dir;
    const auto out = dir / "out";
    const auto r = run_gridplan({"blocks", sample_config(), "--out", out.string()});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("blocks: "));
    CHECK_THAT(r.err, Catch::Contains("37 households in 5 points lie outside the district"));

    const auto blocks = nlohmann::json::parse(test::read_file(out / "blocks.geojson"));
    CHECK_FALSE(blocks.contains("crs"));
    REQUIRE(blocks["features"].size() > 50);
    std::int64_t households = 0;
    std::int64_t expected_id = 1;
    for (const auto& f : blocks["features"]) {
        const auto& p = f["properties"];
        CHECK(p["block_id"].get<std::int64_t>() == expected_id++);
        households += p["households"].get<std::int64_t>();
        REQUIRE(f["geometry"]["type"] == "Polygon");
        const auto& rings = f["geometry"]["coordinates"];
        CHECK(signed_area(rings[0]) > 0.0);  // exterior counter-clockwise
        for (std::size_t i = 1; i < rings.size(); ++i) {
            CHECK(signed_area(rings[i]) < 0.0);  // holes clockwise
        }
        for (const auto& c : rings[0]) {
            CHECK(c[0].get<double>() > 119.0);  // lon first
            CHECK(c[0].get<double>() < 119.2);
            CHECK(c[1].get<double>() > 36.6);
            CHECK(c[1].get<double>() < 36.8);
        }
    }
    // The sample has 15,000 households, 37 of them (5 points) outside the boundary.
    CHECK(households == 14963);

    const std::string csv = test::read_file(out / "adjacency.csv");
    CHECK_THAT(csv, Catch::StartsWith("a,b,shared_length_m,barrier_class,barrier_name\n"));
    CHECK_THAT(csv, Catch::Contains(",river,Bailang River\n"));

    const auto qa = nlohmann::json::parse(test::read_file(out / "blocks_qa.geojson"));
    std::size_t outside = 0;
    std::size_t dangles = 0;
    for (const auto& f : qa["features"]) {
        outside += f["properties"]["problem"] == "household_outside" ? 1 : 0;
        dangles += f["properties"]["problem"] == "dangle" ? 1 : 0;
    }
    CHECK(outside == 5);
    CHECK(dangles >= 12);  // the sample's 12 dead-end alleys (some end in two dangling pieces)

    const auto summary = nlohmann::json::parse(test::read_file(out / "blocks_summary.json"));
    CHECK(summary["households"]["input"] == 15000);
    CHECK(summary["households"]["inside"] == 14963);
    CHECK(summary["households"]["outside"] == 37);
    CHECK(summary["blocks"] == blocks["features"].size());
    CHECK(summary["blocks_area_m2"].get<double>() ==
          Approx(summary["district_area_m2"].get<double>()).epsilon(1e-4));

    // Only the outputs: no staging folder left behind.
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(out)) {
        CHECK(e.path().filename().string().rfind(".gridplan-tmp", 0) != 0);
        ++files;
    }
    CHECK(files == 4);
}

TEST_CASE("same inputs give byte-identical outputs", "[cli][determinism]") {
    TempDir dir;
    for (const char* format : {"geojson", "gpkg"}) {
        const auto a = dir / (std::string{"a-"} + format);
        const auto b = dir / (std::string{"b-"} + format);
        REQUIRE(run_gridplan({"blocks", sample_config(), "--out", a.string(), "-f", format, "-q"}).exit_code == 0);
        REQUIRE(run_gridplan({"blocks", sample_config(), "--out", b.string(), "-f", format, "-q"}).exit_code == 0);
        for (const auto& e : fs::directory_iterator(a)) {
            INFO(e.path().filename().string());
            CHECK(test::read_file(e.path()) == test::read_file(b / e.path().filename()));
        }
    }
}

TEST_CASE("GeoPackage and Shapefile outputs in a chosen CRS", "[cli][formats]") {
    TempDir dir;
    wrap::gdal_init();
    SECTION("gpkg in CGCS2000 / Gauss-Krueger CM 120E") {
        const auto out = dir / "gpkg";
        REQUIRE(run_gridplan({"blocks", sample_config(), "--out", out.string(), "-f", "gpkg", "--output-crs",
                              "EPSG:4549"})
                    .exit_code == 0);
        GDALDatasetUniquePtr ds{GDALDataset::Open((out / "blocks.gpkg").string().c_str(), GDAL_OF_VECTOR)};
        REQUIRE(ds);
        OGRLayer* blocks = ds->GetLayerByName("blocks");
        REQUIRE(blocks != nullptr);
        REQUIRE(ds->GetLayerByName("blocks_qa") != nullptr);
        REQUIRE(blocks->GetSpatialRef() != nullptr);
        CHECK(std::string{blocks->GetSpatialRef()->GetAuthorityCode(nullptr)} == "4549");
        OGREnvelope env;
        REQUIRE(blocks->GetExtent(&env) == OGRERR_NONE);
        // 119.1E is 0.9 degrees west of 120E: eastings around 420 km; northings around 4062 km.
        CHECK(env.MinX > 400000.0);
        CHECK(env.MaxX < 450000.0);
        CHECK(env.MinY > 4050000.0);
        CHECK(env.MaxY < 4075000.0);
        const auto geojson_count =
            nlohmann::json::parse(test::read_file(out / "blocks_summary.json"))["blocks"].get<GIntBig>();
        CHECK(blocks->GetFeatureCount() == geojson_count);
    }
    SECTION("shp splits the QA layer by geometry type and keeps UTF-8") {
        const auto out = dir / "shp";
        REQUIRE(run_gridplan({"blocks", sample_config(), "--out", out.string(), "-f", "shp"}).exit_code == 0);
        CHECK(fs::exists(out / "blocks.shp"));
        CHECK(fs::exists(out / "blocks.dbf"));
        CHECK(fs::exists(out / "blocks.prj"));
        CHECK(fs::exists(out / "blocks.cpg"));
        CHECK(fs::exists(out / "blocks_qa_point.shp"));
        CHECK(fs::exists(out / "blocks_qa_line.shp"));
        GDALDatasetUniquePtr ds{GDALDataset::Open((out / "blocks.shp").string().c_str(), GDAL_OF_VECTOR)};
        REQUIRE(ds);
        OGRFeatureDefn* defn = ds->GetLayer(0)->GetLayerDefn();
        CHECK(defn->GetFieldIndex("perim_m") >= 0);
        CHECK(defn->GetFieldIndex("hh_points") >= 0);
    }
}

TEST_CASE("an output never overwrites an input", "[cli]") {
    TempDir dir;
    const fs::path sample = fs::path{test::source_dir()} / "data/sample";
    for (const auto& e : fs::directory_iterator(sample)) {
        fs::copy_file(e.path(), dir / e.path().filename().string());
    }
    // The household layer is called blocks.geojson, and --out is the same folder.
    fs::rename(dir / "households.geojson", dir / "blocks.geojson");
    std::string config = test::read_file(dir / "district.json");
    config.replace(config.find("households.geojson"), std::string{"households.geojson"}.size(), "blocks.geojson");
    test::write_file(dir / "district.json", config);
    const std::string before = test::read_file(dir / "blocks.geojson");
    const auto r = run_gridplan({"blocks", (dir / "district.json").string(), "--out", dir.path().string()});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("refusing to overwrite an input file"));
    CHECK(test::read_file(dir / "blocks.geojson") == before);
    CHECK_FALSE(fs::exists(dir / "adjacency.csv"));
}

TEST_CASE("blocks --osm on the Liechtenstein extract", "[cli][osm][integration]") {
    const std::string osm = test::shared_osm("liechtenstein-2015-07-27.osm.pbf");
    if (osm.empty()) {
        return;
    }
    TempDir dir;
    const auto r = run_gridplan({"blocks", "--osm", osm, "--out", dir.path().string()});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("OpenStreetMap contributors"));
    wrap::gdal_init();
    GDALDatasetUniquePtr ds{GDALDataset::Open((dir / "blocks.geojson").string().c_str(), GDAL_OF_VECTOR)};
    REQUIRE(ds);
    CHECK(ds->GetLayer(0)->GetFeatureCount() > 1000);
    const auto summary = nlohmann::json::parse(test::read_file(dir / "blocks_summary.json"));
    CHECK(summary["attribution"] == "© OpenStreetMap contributors (ODbL 1.0)");
    CHECK(summary["blocks_area_m2"].get<double>() == Approx(summary["district_area_m2"].get<double>()).epsilon(1e-4));
    // Households from OSM alone within 15% of the 2015 census (16,522 households).
    const auto placed = summary["households_placed"].get<std::int64_t>();
    CHECK(placed >= 16522 * 85 / 100);
    CHECK(placed <= 16522 * 115 / 100);

    SECTION("known totals are met exactly, area by area") {
        // The census total split over two made-up areas north and south of 47.17 N that
        // cover the whole extract.
        test::write_file(dir / "totals.geojson", R"({"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"hh": 6180}, "geometry": {"type": "Polygon",
 "coordinates": [[[9.4, 47.17], [9.7, 47.17], [9.7, 47.3], [9.4, 47.3], [9.4, 47.17]]]}},
{"type": "Feature", "properties": {"hh": 10342}, "geometry": {"type": "Polygon",
 "coordinates": [[[9.4, 47.0], [9.7, 47.0], [9.7, 47.17], [9.4, 47.17], [9.4, 47.0]]]}}]})");
        TempDir out;
        const auto t = run_gridplan({"blocks", "--osm", osm, "--household-totals", (dir / "totals.geojson").string(),
                                     "--totals-field", "hh", "--out", out.path().string()});
        REQUIRE(t.exit_code == 0);
        const auto s = nlohmann::json::parse(test::read_file(out / "blocks_summary.json"));
        CHECK(s["households_input"] == 16522);
        CHECK(s["household_estimate"]["households_by_source"]["total"] == 16522);
        CHECK(s["household_estimate"]["totals"]["areas"] == 2);
        const auto points = nlohmann::json::parse(test::read_file(out / "households_estimated.geojson"));
        std::int64_t north = 0;
        std::int64_t south = 0;
        for (const auto& f : points["features"]) {
            CHECK(f["properties"]["source"] == "total");
            (f["geometry"]["coordinates"][1].get<double>() >= 47.17 ? north : south) +=
                f["properties"]["households"].get<std::int64_t>();
        }
        CHECK(north == 6180);
        CHECK(south == 10342);

        const auto bad = run_gridplan({"blocks", "--osm", osm, "--household-totals",
                                       (dir / "totals.geojson").string(), "--out", out.path().string()});
        CHECK(bad.exit_code == 1);
        CHECK_THAT(bad.err, Catch::Contains("totals.geojson") && Catch::Contains("'households'") &&
                                Catch::Contains("--totals-field"));
    }
    SECTION("a population raster is met exactly") {
        // One WGS84 cell over the whole extract holding the census's households at 2.5
        // persons each: 41,305 persons.
        const std::string tif = (dir / "pop.tif").string();
        test::write_raster(tif, 4326, 9.47, 47.272, 0.17, 0.23, 1, {41305.0});
        TempDir out;
        const auto t = run_gridplan({"blocks", "--osm", osm, "--population-raster", tif, "--persons-per-household",
                                     "2.5", "--out", out.path().string()});
        REQUIRE(t.exit_code == 0);
        const auto s = nlohmann::json::parse(test::read_file(out / "blocks_summary.json"));
        CHECK(s["households_input"] == 16522);
        CHECK(s["household_estimate"]["households_by_source"]["raster"] == 16522);
        const auto both = run_gridplan({"blocks", "--osm", osm, "--population-raster", tif, "--household-totals",
                                        tif, "--out", out.path().string()});
        CHECK(both.exit_code == 2);
        const auto few = run_gridplan({"blocks", "--osm", osm, "--population-raster", tif,
                                       "--persons-per-household", "0.1", "--out", out.path().string()});
        CHECK(few.exit_code == 2);
        CHECK_THAT(few.err, Catch::Contains("--persons-per-household: must be from 0.5 to 20, got 0.1"));
    }
}

TEST_CASE("gridplan info shows what the engine sees in a district's inputs", "[cli][info]") {
    const std::string config = test::source_dir() + "/data/district/district.json";
    const auto r = run_gridplan({"info", config});
    REQUIRE(r.exit_code == 0);
    // Counted independently from the sample's own files.
    const auto count = [](const std::string& file) {
        return nlohmann::json::parse(test::read_file(test::source_dir() + "/data/district/" + file))["features"].size();
    };
    std::int64_t households = 0;
    const auto points = nlohmann::json::parse(test::read_file(test::source_dir() + "/data/district/households.geojson"));
    for (const auto& f : points["features"]) {
        households += f["properties"]["households"].get<std::int64_t>();
    }
    REQUIRE(households > 0);
    CHECK_THAT(r.out, Catch::Contains("households: " + std::to_string(households) + " in " +
                                      std::to_string(count("households.geojson")) + " points inside the district"));
    CHECK_THAT(r.out, Catch::Contains("roads.geojson:roads: " + std::to_string(count("roads.geojson")) + " barrier lines"));
    CHECK_THAT(r.out, Catch::Contains("centres: " + std::to_string(count("centres.geojson")) + " (by service: medical "));
    CHECK_THAT(r.out, Catch::Contains("facilities: " + std::to_string(count("facilities.geojson"))));
    CHECK_THAT(r.out, Catch::Contains("working CRS: EPSG:32650"));
    CHECK_THAT(r.out, Catch::Contains("barriers: river 2 ("));
    // It reads, writes nothing, and takes no --out.
    const auto bad = run_gridplan({"info", config, "--out", "x"});
    CHECK(bad.exit_code == 2);
}
