// Validation of values and coordinates (issue 12): one rule for messages and exit codes
// (a bad flag exits 2 naming the flag, a bad config value exits 1 naming the file and
// key), bounds on every number, configs that are not plain files, duplicate keys, and
// coordinates that cannot be what their CRS says. Fixtures: a tiny district near 10E 50N
// written here as GeoJSON.
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string feature_collection(const std::vector<std::string>& features, const std::string& crs = {}) {
    std::string out = R"({"type": "FeatureCollection", )";
    if (!crs.empty()) {
        out += R"("crs": {"type": "name", "properties": {"name": ")" + crs + R"("}}, )";
    }
    out += R"("features": [)";
    for (std::size_t i = 0; i < features.size(); ++i) {
        out += (i == 0 ? "" : ", ") + features[i];
    }
    return out + "]}";
}

std::string polygon(const std::string& ring) {
    return R"({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[)" + ring +
           "]]}}";
}

std::string line(const std::string& coords) {
    return R"({"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [)" + coords +
           "]}}";
}

std::string point(double x, double y, const std::string& n = "100") {
    return R"({"type": "Feature", "properties": {"n": ")" + n +
           R"("}, "geometry": {"type": "Point", "coordinates": [)" + std::to_string(x) + ", " + std::to_string(y) +
           "]}}";
}

/// About 715 x 670 m near 10E 50N, cut into four blocks by two streets; a point of 100
/// households in each block.
struct TinyDistrict {
    TempDir dir;
    std::string boundary_ring = "[10.0, 50.0], [10.01, 50.0], [10.01, 50.006], [10.0, 50.006], [10.0, 50.0]";
    std::vector<std::string> roads{line("[10.005, 49.999], [10.005, 50.007]"),
                                   line("[9.999, 50.003], [10.011, 50.003]")};
    std::vector<std::string> households{point(10.0025, 50.0015), point(10.0075, 50.0015), point(10.0025, 50.0045),
                                        point(10.0075, 50.0045)};
    std::string boundary_crs;
    std::string extra_config;

    std::string write() {
        test::write_file(dir / "boundary.geojson", feature_collection({polygon(boundary_ring)}, boundary_crs));
        test::write_file(dir / "roads.geojson", feature_collection(roads));
        test::write_file(dir / "households.geojson", feature_collection(households));
        test::write_file(dir / "district.json",
                         R"({"boundary": "boundary.geojson",
  "barriers": [{"path": "roads.geojson", "class": "street"}],
  "households": {"path": "households.geojson", "count_field": "n"})" +
                             extra_config + "}\n");
        return (dir / "district.json").string();
    }
    std::string out(const std::string& name = "out") const { return (dir / name).string(); }
};

/// A config whose data files do not exist: any error about a value must come before reading.
std::string config_without_data(const TempDir& dir, const std::string& extra = {}) {
    test::write_file(dir / "d.json", R"({"boundary": "missing-boundary.geojson",
  "barriers": [{"path": "missing-roads.geojson", "class": "road"}])" +
                                         extra + "}\n");
    return (dir / "d.json").string();
}

std::size_t lines_of(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

} // namespace

TEST_CASE("the tiny validation district plans cleanly", "[cli][validation]") {
    TinyDistrict d;
    const auto r = run_gridplan({"plan", d.write(), "--out", d.out(), "--households-per-grid", "200"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(fs::exists(d.out() + "/grids.geojson"));
}

TEST_CASE("coordinates outside [-180, 180] x [-90, 90] are errors naming file, layer and fid",
          "[cli][validation][read]") {
    SECTION("a boundary vertex at longitude 500") {
        TinyDistrict d;
        d.boundary_ring = "[10.0, 50.0], [500.0, 50.0], [10.01, 50.006], [10.0, 50.006], [10.0, 50.0]";
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("boundary.geojson:boundary:fid=0: longitude 500 is outside [-180, 180]"));
        CHECK(lines_of(r.err) == 1);
    }
    SECTION("a household at longitude 479.1") {
        TinyDistrict d;
        d.households.push_back(point(479.1, 50.002));
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("households.geojson:households:fid=4: longitude 479.1 is outside"));
    }
    SECTION("a road vertex at longitude 500") {
        TinyDistrict d;
        d.roads.push_back(line("[10.002, 50.001], [500.0, 50.004]"));
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("roads.geojson:roads:fid=2: longitude 500 is outside"));
    }
    SECTION("projected metres labelled as WGS84") {
        TinyDistrict d;
        d.boundary_ring = "[500000, 5538000], [500700, 5538000], [500700, 5538600], [500000, 5538000]";
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("boundary.geojson:boundary:fid=0") &&
                              Catch::Contains("look like projected coordinates"));
    }
    SECTION("latitude and longitude swapped") {
        TinyDistrict d;
        d.households.push_back(point(36.7, 119.1));
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("households.geojson:households:fid=4: latitude 119.1 is outside") &&
                              Catch::Contains("swapped"));
    }
    CHECK_FALSE(fs::exists(TempDir{}.path() / "out"));
}

TEST_CASE("a district that is too wide or too small for its CRS says what looks wrong and which --crs to use",
          "[cli][validation][read]") {
    SECTION("lon/lat labelled as UTM (a 0.000 km2 district today)") {
        TinyDistrict d;
        d.boundary_crs = "urn:ogc:def:crs:EPSG::32632";
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("boundary.geojson:boundary") &&
                              Catch::Contains("look like longitude/latitude degrees with a wrong CRS label") &&
                              Catch::Contains("--crs EPSG:32632"));
    }
    SECTION("more than one UTM zone of longitude") {
        TinyDistrict d;
        d.boundary_ring = "[10.0, 50.0], [20.0, 50.0], [20.0, 50.006], [10.0, 50.006], [10.0, 50.0]";
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("boundary.geojson:boundary") &&
                              Catch::Contains("spans 10.0 degrees of longitude") &&
                              Catch::Contains("more than one UTM zone") && Catch::Contains("axis order") &&
                              Catch::Contains("CRS label") && Catch::Contains("--crs EPSG:32633"));
        // A working CRS chosen for it is taken as meant.
        const auto given = run_gridplan({"blocks", d.write(), "--out", d.out("o2"), "--crs", "EPSG:32633"});
        CHECK_THAT(given.err, !Catch::Contains("more than one UTM zone"));
    }
    SECTION("a 4 km district across the antimeridian (Taveuni, Fiji) is not too wide") {
        TinyDistrict d;
        d.boundary_crs = "urn:ogc:def:crs:EPSG::32760";  // UTM 60S: 180E, 16.8S lies in it
        d.boundary_ring = "[817789.0, 8138148.4], [821789.0, 8138148.4], [821789.0, 8142148.4], "
                          "[817789.0, 8142148.4], [817789.0, 8138148.4]";
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Contains("16.000 km2, working CRS EPSG:32760"));
    }
}

TEST_CASE("household points with longitude and latitude swapped are an axis-order error, one stray point is not",
          "[cli][validation][read]") {
    SECTION("most points swapped") {
        TinyDistrict d;
        d.households = {point(50.0015, 10.0025), point(50.0015, 10.0075), point(50.0045, 10.0025),
                        point(10.0075, 50.0045)};
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("households.geojson:households") &&
                              Catch::Contains("3 of 4 household points lie outside the district") &&
                              Catch::Contains("axis order"));
    }
    SECTION("one stray point outside stays a household_outside QA item") {
        TinyDistrict d;
        d.households.push_back(point(50.0015, 10.0025));
        const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, !Catch::Contains("axis order"));
        const auto qa = nlohmann::json::parse(test::read_file(d.dir / "out" / "blocks_qa.geojson"));
        std::size_t outside = 0;
        for (const auto& f : qa["features"]) {
            outside += f["properties"]["problem"] == "household_outside" ? 1 : 0;
        }
        CHECK(outside == 1);
    }
}

TEST_CASE("plan --nest-within that covers none of the district is an error, part of it, a warning with the share",
          "[cli][validation][plan]") {
    TinyDistrict d;
    const std::string config = d.write();
    test::write_file(d.dir / "elsewhere.geojson",
                     feature_collection({polygon("[11.0, 51.0], [11.01, 51.0], [11.01, 51.01], [11.0, 51.0]")}));
    const auto none = run_gridplan({"plan", config, "--out", d.out(), "--households-per-grid", "200", "--nest-within",
                                    (d.dir / "elsewhere.geojson").string()});
    CHECK(none.exit_code == 1);
    CHECK_THAT(none.err, Catch::Contains("elsewhere.geojson") && Catch::Contains("cover none of the district"));
    CHECK_FALSE(fs::exists(d.out() + "/grids.geojson"));

    test::write_file(d.dir / "west.geojson",
                     feature_collection({polygon("[9.9, 49.9], [10.005, 49.9], [10.005, 50.1], [9.9, 50.1], [9.9, 49.9]")}));
    const auto part = run_gridplan({"plan", config, "--out", d.out("o2"), "--households-per-grid", "200",
                                    "--nest-within", (d.dir / "west.geojson").string()});
    INFO(part.err);
    CHECK(part.exit_code == 0);
    CHECK_THAT(part.err, Catch::Contains("west.geojson: the nest_within polygons cover only 50.0% of the district"));
}

TEST_CASE("seeds: one range and one message for plan --seed, plan.seed and synth --seed", "[cli][validation][plan]") {
    TempDir dir;
    const std::string config = config_without_data(dir);
    for (const char* seed : {"-1", "99999999999999999999", "4294967296", "1.5"}) {
        INFO(seed);
        const auto r = run_gridplan({"plan", config, "--out", (dir / "o").string(), "--seed", seed});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--seed: must be a whole number from 0 to 4294967295"));
        const auto s = run_gridplan({"synth", "--out", (dir / "s").string(), "--seed", seed});
        CHECK(s.exit_code == 2);
        CHECK_THAT(s.err, Catch::Contains("--seed: must be a whole number from 0 to 4294967295"));
    }
    for (const char* seed : {"-1", "1e20", "4294967296", "1.5"}) {
        INFO(seed);
        const auto c = run_gridplan(
            {"plan", config_without_data(dir, std::string{R"(, "plan": {"seed": )"} + seed + "}"), "--out",
             (dir / "o").string()});
        CHECK(c.exit_code == 1);
        CHECK_THAT(c.err, Catch::Contains("d.json: key 'plan.seed': must be a whole number from 0 to 4294967295"));
    }
    CHECK_FALSE(fs::exists(dir / "o"));
    CHECK_FALSE(fs::exists(dir / "s"));
}

TEST_CASE("a bad flag exits 2 naming the flag before any data is read, a bad config value exits 1 naming file and key",
          "[cli][validation]") {
    TempDir dir;
    const std::string config = config_without_data(dir);
    const std::string out = (dir / "o").string();
    for (const auto& [args, flag] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"plan", "--households-per-grid", "0"}, "--households-per-grid"},
             {{"plan", "--walk-min", "0"}, "--walk-min"},
             {{"plan", "--walk-min", "1e308"}, "--walk-min"},
             {{"plan", "--speed-kmh", "1e308"}, "--speed-kmh"},
             {{"plan", "--tolerance", "1.5"}, "--tolerance"},
             {{"plan", "--grids", "200000"}, "--grids"},
             {{"blocks", "--min-area", "1e308"}, "--min-area"},
             {{"coverage", "--radius-min", "0"}, "--radius-min"},
             {{"coverage", "--target", "1.5"}, "--target"},
             {{"blocks", "--format", "dwgx"}, "--format"},
             {{"blocks", "--output-crs", "EPSG:999999"}, "--output-crs"},
             {{"blocks", "--crs", "EPSG:999999"}, "--crs"},
             {{"blocks", "--crs", "EPSG:4326"}, "--crs"},
             {{"blocks", "--precision", "40"}, "--precision"},
         }) {
        std::vector<std::string> full{args.front(), config, "--out", out};
        full.insert(full.end(), args.begin() + 1, args.end());
        INFO(full[0] << " " << full[4] << " " << full[5]);
        const auto r = run_gridplan(full);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("gridplan: error: " + flag + ": "));
        CHECK_THAT(r.err, !Catch::Contains("missing-"));  // before reading the data
        CHECK(lines_of(r.err) == 1);
    }
    const auto empty_out = run_gridplan({"blocks", config, "--out", ""});
    CHECK(empty_out.exit_code == 2);
    CHECK_THAT(empty_out.err, Catch::Contains("--out: an empty path"));

    for (const auto& [extra, key] : std::vector<std::pair<std::string, std::string>>{
             {R"(, "output": {"format": "dwgx"})", "output.format"},
             {R"(, "output": {"crs": "EPSG:999999"})", "output.crs"},
             {R"(, "output": {"precision": 1e10})", "output.precision"},
             {R"(, "crs": "EPSG:999999")", "crs"},
             {R"(, "crs": "EPSG:4326")", "crs"},
             {R"(, "plan": {"households_per_grid": 0})", "plan.households_per_grid"},
             {R"(, "plan": {"walk_minutes": 0})", "plan.walk_minutes"},
             {R"(, "plan": {"grids": 1e10})", "plan.grids"},
             {R"(, "plan": {"budget_per_household": 1e305})", "plan.budget_per_household"},
             {R"(, "plan": {"centre_relocate_share": 1e300})", "plan.centre_relocate_share"},
             {R"(, "blocks": {"min_area_m2": 1e308})", "blocks.min_area_m2"},
             {R"(, "blocks": {"min_width_m": 1e308})", "blocks.min_width_m"},
         }) {
        INFO(extra);
        const auto r = run_gridplan({"plan", config_without_data(dir, extra), "--out", out});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("d.json: key '" + key + "': "));
        CHECK(lines_of(r.err) == 1);
    }
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("a config that is a directory, a device, too large or has a duplicate key is refused, exit 1",
          "[cli][validation][config]") {
    TempDir dir;
    const std::string out = (dir / "o").string();
    fs::create_directories(dir / "district");
    const auto d = run_gridplan({"blocks", (dir / "district").string(), "--out", out});
    CHECK(d.exit_code == 1);
    CHECK_THAT(d.err, Catch::Contains("district: is a directory, not a config file"));
    CHECK_THAT(d.err, !Catch::Contains("invalid JSON"));
    for (const char* device : {"/dev/zero", "/dev/urandom"}) {
        INFO(device);
        const auto r = run_gridplan({"blocks", device, "--out", out});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains(std::string{device} + ": not a regular file"));
    }
    {
        std::ofstream big{dir / "big.json", std::ios::binary};
        big << "{";
        big << std::string(17U * 1024U * 1024U, ' ');
        big << "}";
    }
    const auto big = run_gridplan({"blocks", (dir / "big.json").string(), "--out", out});
    CHECK(big.exit_code == 1);
    CHECK_THAT(big.err, Catch::Contains("big.json: config file too large") && Catch::Contains("16 MiB"));

    test::write_file(dir / "dup.json", R"({"boundary": "b.geojson",
  // comments are fine
  "barriers": [{"path": "r.geojson", "class": "road"}, {"path": "s.geojson", "class": "street", "class": "alley"}],
  "plan": {"seed": 1, /* twice */ "seed": 2}})");
    const auto dup = run_gridplan({"blocks", (dir / "dup.json").string(), "--out", out});
    CHECK(dup.exit_code == 1);
    CHECK_THAT(dup.err, Catch::Contains("dup.json: key 'barriers[1].class': duplicate key"));
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("household counts that are not whole numbers are rounded with a warning naming the fids",
          "[cli][validation][read]") {
    TinyDistrict d;
    d.households = {point(10.0025, 50.0015, "2.5"), point(10.0075, 50.0015, "100"), point(10.0025, 50.0045, "7.25"),
                    point(10.0075, 50.0045)};
    const auto r = run_gridplan({"blocks", d.write(), "--out", d.out()});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("households.geojson:households: 2 household counts in n not whole numbers, "
                                      "rounded (fid 0, 2)"));
}
