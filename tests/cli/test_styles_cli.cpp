// Styled outputs: the GeoPackage's layer_styles table and the .qml files beside GeoJSON,
// checked as stored and, when QGIS is installed, in QGIS itself.
#include "support/fixtures.hpp"

#include "gridplan/wrap/gdal.hpp"

#include <catch2/catch.hpp>
#include <gdal_priv.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <map>
#include <set>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

struct StoredStyle {
    std::string table;
    std::string name;
    std::string qml;
    std::int64_t is_default = 0;
    std::string catalog;
    std::string schema;
    std::string geometry_column;
};

std::vector<StoredStyle> read_layer_styles(const fs::path& gpkg) {
    std::vector<StoredStyle> out;
    wrap::gdal_init();
    GDALDataset* ds = static_cast<GDALDataset*>(GDALOpenEx(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                                                           nullptr, nullptr));
    REQUIRE(ds != nullptr);
    OGRLayer* layer = ds->GetLayerByName("layer_styles");
    REQUIRE(layer != nullptr);
    for (auto& f : *layer) {
        out.push_back({f->GetFieldAsString("f_table_name"), f->GetFieldAsString("styleName"),
                       f->GetFieldAsString("styleQML"), f->GetFieldAsInteger64("useAsDefault"),
                       f->GetFieldAsString("f_table_catalog"), f->GetFieldAsString("f_table_schema"),
                       f->GetFieldAsString("f_geometry_column")});
        CHECK_FALSE(f->IsFieldNull(f->GetFieldIndex("f_table_schema")));
    }
    GDALClose(ds);
    return out;
}

std::string plan_sample(const TempDir& dir, const std::string& name, const std::vector<std::string>& extra) {
    std::vector<std::string> args{"plan", test::source_dir() + "/data/sample/district.json", "--out",
                                  (dir / name).string(), "--households-per-grid", "3000", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_gridplan(args);
    REQUIRE(r.exit_code == 0);
    return (dir / name).string();
}

} // namespace

TEST_CASE("gridplan plan stores a default style for each layer: layer_styles in a GeoPackage, .qml beside GeoJSON",
          "[cli][styles]") {
    TempDir dir;
    const fs::path gpkg_dir = plan_sample(dir, "gpkg", {"--format", "gpkg"});
    const fs::path json_dir = plan_sample(dir, "json", {});
    const auto styles = read_layer_styles(gpkg_dir / "plan.gpkg");
    std::map<std::string, std::vector<StoredStyle>> by_table;
    for (const auto& s : styles) {
        CHECK(s.catalog.empty());
        CHECK(s.schema.empty());
        CHECK(s.geometry_column == "geom");
        by_table[s.table].push_back(s);
    }
    CHECK(by_table.size() == 5);  // grids, grid_edges, barriers, blocks, centres (the sample has no units)
    for (const auto& [table, list] : by_table) {
        INFO(table);
        // Exactly one default per layer, the first; it is what the .qml beside GeoJSON holds.
        REQUIRE_FALSE(list.empty());
        CHECK(list.front().is_default == 1);
        for (std::size_t k = 1; k < list.size(); ++k) {
            CHECK(list[k].is_default == 0);
        }
        CHECK(test::read_file(json_dir / (table + ".qml")) == list.front().qml);
        CHECK_THAT(list.front().qml, Catch::StartsWith("<!DOCTYPE qgis"));
    }
    REQUIRE(by_table["grids"].size() == 2);
    CHECK_THAT(by_table["grids"][0].qml, Catch::Contains("type=\"categorizedSymbol\" attr=\"map_colour\""));
    CHECK_THAT(by_table["grids"][0].qml, Catch::Contains("labelsEnabled=\"1\""));
    CHECK(by_table["grids"][1].name == "deviation");
    CHECK_THAT(by_table["grids"][1].qml, Catch::Contains("type=\"graduatedSymbol\" attr=\"deviation_pct\""));
    CHECK_THAT(by_table["grid_edges"][0].qml, Catch::Contains("attr=\"barrier_class\""));
    CHECK_THAT(by_table["centres"][0].qml, Catch::Contains("attr=\"proposed\""));
    CHECK_THAT(by_table["barriers"][0].qml, Catch::Contains("attr=\"barrier_class\""));
    CHECK_THAT(by_table["blocks"][0].qml, Catch::Contains("attr=\"water\""));

    // No two grids that share an edge have the same map colour.
    const auto grids = nlohmann::json::parse(test::read_file(json_dir / "grids.geojson"));
    std::map<std::int64_t, std::int64_t> colour;
    for (const auto& f : grids["features"]) {
        colour[f["properties"]["grid_id"].get<std::int64_t>()] = f["properties"]["map_colour"].get<std::int64_t>();
    }
    const auto edges = nlohmann::json::parse(test::read_file(json_dir / "grid_edges.geojson"));
    REQUIRE(edges["features"].size() > 0);
    for (const auto& f : edges["features"]) {
        const auto a = f["properties"]["grid_a"].get<std::int64_t>();
        const auto b = f["properties"]["grid_b"].get<std::int64_t>();
        INFO(a << " " << b);
        CHECK(colour.at(a) != colour.at(b));
    }

    // Shapefile field names are cut to 10 characters: its styles name the cut fields.
    const fs::path shp_dir = plan_sample(dir, "shp", {"--format", "shp"});
    CHECK_THAT(test::read_file(shp_dir / "grids.qml"), Catch::Contains("attr=\"map_colour\""));
    CHECK_THAT(test::read_file(shp_dir / "grid_edges.qml"), Catch::Contains("attr=\"class\""));
}

TEST_CASE("QGIS opens the GeoPackage styled, counts the same households in the grids and finds them valid",
          "[cli][styles][qgis]") {
    const std::string qgis = "/usr/bin/qgis_process.bin";
    if (!fs::exists(qgis)) {
        std::cout << "SKIPPED: " << qgis << " is absent (Debian package qgis)\n";
        return;
    }
    setenv("QT_QPA_PLATFORM", "offscreen", 1);
    TempDir dir;
    const fs::path out = plan_sample(dir, "gpkg", {"--format", "gpkg"});
    const std::string grids = (out / "plan.gpkg").string() + "|layername=grids";
    // Household points in grids, weighted by their households, against each grid's count.
    const auto count = test::run_command(
        qgis, {"run", "native:countpointsinpolygon", "--POLYGONS=" + grids,
               "--POINTS=" + test::source_dir() + "/data/sample/households.geojson", "--WEIGHT=households",
               "--FIELD=NUMPOINTS", "--OUTPUT=" + (dir / "count.gpkg").string()});
    INFO(count.out << count.err);
    REQUIRE(count.exit_code == 0);
    wrap::gdal_init();
    GDALDataset* ds = static_cast<GDALDataset*>(GDALOpenEx((dir / "count.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY,
                                                           nullptr, nullptr, nullptr));
    REQUIRE(ds != nullptr);
    OGRLayer* layer = ds->GetLayer(0);
    std::size_t n = 0;
    for (auto& f : *layer) {
        CHECK(f->GetFieldAsDouble("NUMPOINTS") == Approx(static_cast<double>(f->GetFieldAsInteger64("households"))));
        ++n;
    }
    GDALClose(ds);
    CHECK(n == 5);
    // Validity, by GEOS.
    const auto valid = test::run_command(
        qgis, {"run", "qgis:checkvalidity", "--INPUT_LAYER=" + grids, "--METHOD=2",
               "--VALID_OUTPUT=" + (dir / "valid.gpkg").string(), "--INVALID_OUTPUT=" + (dir / "invalid.gpkg").string(),
               "--ERROR_OUTPUT=" + (dir / "error.gpkg").string()});
    INFO(valid.out << valid.err);
    REQUIRE(valid.exit_code == 0);
    CHECK_THAT(valid.out, Catch::Contains("INVALID_COUNT:\t0"));
    CHECK_THAT(valid.out, Catch::Contains("VALID_COUNT:\t5"));
    // The stored style is what QGIS applies on load.
    const std::string python = "/usr/bin/python3";
    const std::string script = (dir / "style.py").string();
    test::write_file(script, "import sys\n"
                             "from qgis.core import QgsApplication, QgsVectorLayer\n"
                             "app = QgsApplication([], False)\napp.initQgis()\n"
                             "for name in ('grids', 'grid_edges', 'centres', 'blocks', 'barriers'):\n"
                             "    l = QgsVectorLayer(sys.argv[1] + '|layername=' + name, name, 'ogr')\n"
                             "    r = l.renderer()\n"
                             "    attr = r.classAttribute() if hasattr(r, 'classAttribute') else ''\n"
                             "    print(name, l.isValid(), r.type(), attr, l.labelsEnabled())\n");
    const auto style = test::run_command(python, {script, (out / "plan.gpkg").string()});
    if (style.exit_code != 0 && style.err.find("No module named 'qgis'") != std::string::npos) {
        std::cout << "SKIPPED: the default-style check (python3-qgis is absent)\n";
        return;
    }
    INFO(style.out << style.err);
    REQUIRE(style.exit_code == 0);
    CHECK_THAT(style.out, Catch::Contains("grids True categorizedSymbol map_colour True"));
    CHECK_THAT(style.out, Catch::Contains("grid_edges True categorizedSymbol barrier_class False"));
    CHECK_THAT(style.out, Catch::Contains("centres True categorizedSymbol proposed False"));
    CHECK_THAT(style.out, Catch::Contains("blocks True categorizedSymbol water False"));
    CHECK_THAT(style.out, Catch::Contains("barriers True categorizedSymbol barrier_class False"));
}

TEST_CASE("a style of the user's own beside the outputs is kept, and one saved over from QGIS too", "[cli][styles]") {
    TempDir dir;
    const fs::path out = dir / "plan";
    fs::create_directories(out);
    test::write_file(out / "grids.qml", "mine");
    const std::vector<std::string> args{"plan", test::source_dir() + "/data/sample/district.json", "--out", out.string(),
                                        "--households-per-grid", "3000"};
    const auto first = run_gridplan(args);
    REQUIRE(first.exit_code == 0);
    CHECK(test::read_file(out / "grids.qml") == "mine");
    CHECK_THAT(first.err, Catch::Contains("kept " + (out / "grids.qml").string()));
    const std::string edges = test::read_file(out / "grid_edges.qml");
    CHECK_THAT(edges, Catch::StartsWith("<!DOCTYPE qgis"));
    // A rerun rewrites its own style; one the user saved over is theirs from then on.
    test::write_file(out / "grid_edges.qml", edges + "<!-- edited in QGIS -->\n");
    const auto second = run_gridplan(args);
    REQUIRE(second.exit_code == 0);
    CHECK(test::read_file(out / "grid_edges.qml") == edges + "<!-- edited in QGIS -->\n");
    CHECK_THAT(second.err, Catch::Contains("kept " + (out / "grid_edges.qml").string()));
    CHECK_THAT(second.err, !Catch::Contains("centres.qml"));  // its own, unchanged: rewritten without a word
    CHECK_THAT(test::read_file(out / "centres.qml"), Catch::StartsWith("<!DOCTYPE qgis"));
}

TEST_CASE("Chinese names round-trip through GeoJSON, GeoPackage and Shapefile", "[cli][output]") {
    TempDir dir;
    const std::string config = test::source_dir() + "/data/district/district.json";
    // The names of the district's centres, as read from its own layer.
    std::set<std::string> names;
    const auto input = nlohmann::json::parse(test::read_file(test::source_dir() + "/data/district/centres.geojson"));
    for (const auto& f : input["features"]) {
        names.insert(f["properties"]["name"].get<std::string>());
    }
    REQUIRE(names.count("Huimin Community Service Centre 惠民社区服务中心") == 1);
    wrap::gdal_init();
    for (const auto& [format, file] : std::vector<std::pair<std::string, std::string>>{
             {"geojson", "centres.geojson"}, {"gpkg", "plan.gpkg"}, {"shp", "centres.shp"}}) {
        INFO(format);
        const fs::path out = dir / format;
        REQUIRE(run_gridplan({"plan", config, "--out", out.string(), "--format", format, "-q"}).exit_code == 0);
        if (format == "shp") {
            CHECK(test::read_file(out / "centres.cpg") == "UTF-8");
        }
        GDALDataset* ds = static_cast<GDALDataset*>(
            GDALOpenEx((out / file).c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
        REQUIRE(ds != nullptr);
        OGRLayer* layer = ds->GetLayerByName("centres");
        REQUIRE(layer != nullptr);
        std::set<std::string> written;
        for (auto& f : *layer) {
            if (f->GetFieldAsInteger("proposed") == 0) {
                written.insert(f->GetFieldAsString("name"));
            }
        }
        GDALClose(ds);
        CHECK(written == names);
    }
}
