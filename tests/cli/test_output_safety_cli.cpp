// Nothing lost, nothing half-written: write errors are caught and named, households are
// conserved from input to every output, output sets are consistent (lock, manifest
// written last, stale files removed), interrupted runs leave nothing behind.
#include "support/fixtures.hpp"

#include "gridplan/core/sha256.hpp"
#include "gridplan/wrap/gdal.hpp"

#include <catch2/catch.hpp>
#include <gdal_priv.h>
#include <nlohmann/json.hpp>
#include <ogrsf_frmts.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

#include <sys/file.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string sample_config() { return test::source_dir() + "/data/sample/district.json"; }

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        q += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
    }
    return q + "'";
}

/// Runs gridplan through bash with `prefix` (e.g. "ulimit -f 50;") before exec.
test::RunResult run_with(const std::string& prefix, const std::vector<std::string>& args) {
    TempDir tmp;
    std::string cmd = prefix + " exec " + quote(GRIDPLAN_EXE);
    for (const auto& a : args) {
        cmd += " " + quote(a);
    }
    const std::string full = "bash -c " + quote(cmd) + " >" + quote((tmp / "out").string()) + " 2>" +
                             quote((tmp / "err").string()) + " </dev/null";
    const int status = std::system(full.c_str());
    test::RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : (WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1);
    r.out = test::read_file(tmp / "out");
    r.err = test::read_file(tmp / "err");
    return r;
}

/// Everything in a folder (hidden files included), sorted.
std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> names;
    if (!fs::exists(dir)) {
        return names;
    }
    for (const auto& e : fs::directory_iterator(dir)) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

bool has_staging(const fs::path& dir) {
    for (const auto& n : listing(dir)) {
        if (n.rfind(".gridplan-tmp-", 0) == 0) {
            return true;
        }
    }
    return false;
}

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(test::read_file(p)); }

/// Whether the manifest's file list matches the files in its folder, byte for byte.
bool manifest_matches(const fs::path& dir, const std::string& manifest) {
    if (!fs::exists(dir / manifest)) {
        return false;
    }
    const nlohmann::json j = read_json(dir / manifest);
    for (const auto& f : j.at("files")) {
        const fs::path p = dir / f.at("name").get<std::string>();
        if (!fs::exists(p) || sha256_file(p.string()) != f.at("sha256").get<std::string>()) {
            return false;
        }
    }
    return true;
}

/// Copies the sample district into `dir` with households in a GeoPackage,
/// plus hostile features: 7 households at a NaN coordinate, 11 with a null geometry, 13
/// at a point no projection can take. Returns the config path.
std::string hostile_sample(const TempDir& dir) {
    for (const char* f : {"boundary.geojson", "roads.geojson", "rivers.geojson", "water.geojson"}) {
        fs::copy_file(test::source_dir() + "/data/sample/" + f, dir / f);
    }
    wrap::gdal_init();
    GDALDatasetUniquePtr src{GDALDataset::Open((test::source_dir() + "/data/sample/households.geojson").c_str(),
                                               GDAL_OF_VECTOR)};
    REQUIRE(src);
    GDALDriver* gpkg = GetGDALDriverManager()->GetDriverByName("GPKG");
    GDALDatasetUniquePtr dst{gpkg->Create((dir / "households.gpkg").string().c_str(), 0, 0, 0, GDT_Unknown, nullptr)};
    REQUIRE(dst);
    OGRSpatialReference wgs;
    wgs.importFromEPSG(4326);
    wgs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayer* layer = dst->CreateLayer("households", &wgs, wkbPoint, nullptr);
    REQUIRE(layer != nullptr);
    OGRFieldDefn count{"households", OFTInteger};
    REQUIRE(layer->CreateField(&count) == OGRERR_NONE);
    auto add = [&](std::optional<std::pair<double, double>> xy, int n) {
        OGRFeature f{layer->GetLayerDefn()};
        f.SetField(0, n);
        if (xy) {
            f.SetGeometryDirectly(new OGRPoint{xy->first, xy->second});
        }
        REQUIRE(layer->CreateFeature(&f) == OGRERR_NONE);
    };
    std::int64_t total = 0;
    for (auto& f : *src->GetLayer(0)) {
        const auto* p = f->GetGeometryRef()->toPoint();
        add(std::make_pair(p->getX(), p->getY()), f->GetFieldAsInteger("households"));
        total += f->GetFieldAsInteger("households");
    }
    REQUIRE(total == 15000);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    add(std::make_pair(nan, 36.7), 7);
    add(std::nullopt, 11);
    // On the equator 90 degrees west of the working UTM zone's meridian (117E): outside
    // the Transverse Mercator's domain, so PROJ cannot project it.
    add(std::make_pair(27.0, 0.0), 13);
    dst.reset();
    test::write_file(dir / "district.json", R"({
  "boundary": {"path": "boundary.geojson"},
  "barriers": [
    {"path": "roads.geojson", "class_field": "kind", "name_field": "name",
     "class_map": {"primary": "road", "secondary": "road", "tertiary": "street", "residential": "street", "service": "alley", "footway": "alley"}},
    {"path": "rivers.geojson", "class": "river", "name_field": "name"}
  ],
  "water": [{"path": "water.geojson"}],
  "households": {"path": "households.gpkg", "count_field": "households"}
})");
    return (dir / "district.json").string();
}

void check_account(const nlohmann::json& j) {
    // 15,000 sample households (37 of them outside the district) + 7 + 11 + 13 hostile.
    CHECK(j.at("households_input") == 15031);
    CHECK(j.at("households_placed") == 14963);
    const auto& r = j.at("households_rejected");
    CHECK(r.at("outside_district") == 37);
    CHECK(r.at("no_geometry") == 18);
    CHECK(r.at("unprojectable") == 13);
    CHECK(r.at("water_no_bank") == 0);
    CHECK(r.at("no_building") == 0);
    std::int64_t sum = j.at("households_placed").get<std::int64_t>();
    for (const auto& [reason, n] : r.items()) {
        sum += n.get<std::int64_t>();
    }
    CHECK(sum == j.at("households_input").get<std::int64_t>());
}

} // namespace

TEST_CASE("a write that comes up short fails, names the file and installs nothing", "[cli][output][safety]") {
    // 50 KiB per file (ulimit -f counts 1024-byte blocks); SIGXFSZ ignored, so write()
    // fails with EFBIG as on a full disk. Every format, every command.
    struct Case {
        std::vector<std::string> args;
        int limit_kib;           ///< below the size of one file of the set
        std::string first_file;  ///< the first file (by name) larger than the limit
    };
    TempDir root;
    const std::vector<Case> cases{
        {{"blocks", sample_config(), "--format", "geojson"}, 50, "blocks.geojson"},
        {{"blocks", sample_config(), "--format", "gpkg"}, 50, "blocks.gpkg"},
        {{"blocks", sample_config(), "--format", "shp"}, 40, "blocks.shp"},
        {{"blocks", sample_config(), "--format", "FlatGeobuf"}, 50, "blocks.fgb"},
        {{"blocks", sample_config(), "--format", "CSV"}, 4, "adjacency.csv"},
        {{"plan", sample_config(), "--households-per-grid", "3000"}, 50, ""},
        {{"coverage", sample_config()}, 50, ""},
        {{"synth", "--households", "1000"}, 20, "households.geojson"},
    };
    int k = 0;
    for (const auto& c : cases) {
        const fs::path out = root / ("run" + std::to_string(++k));
        auto args = c.args;
        args.insert(args.end(), {"--out", out.string()});
        const auto r = run_with("trap '' XFSZ; ulimit -f " + std::to_string(c.limit_kib) + ";", args);
        INFO(c.args[0] << " " << c.args.back() << ": " << r.err);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("cannot write output file"));
        CHECK_THAT(r.err, Catch::Contains(out.string() + "/" + c.first_file));
        CHECK_THAT(r.err, Catch::Contains("File too large"));
        CHECK_THAT(r.out, !Catch::Contains("wrote "));
        // The run created the folder: a failed run leaves none.
        CHECK_FALSE(fs::exists(out));
    }

    // Over an earlier, complete set: the earlier files stay as they were.
    const fs::path out = root / "earlier";
    REQUIRE(run_gridplan({"blocks", sample_config(), "--out", out.string()}).exit_code == 0);
    const std::string before = test::read_file(out / "blocks.geojson");
    const auto r = run_with("trap '' XFSZ; ulimit -f 50;", {"blocks", sample_config(), "--out", out.string(),
                                                           "--precision", "5"});
    CHECK(r.exit_code == 1);
    CHECK(test::read_file(out / "blocks.geojson") == before);
    CHECK(manifest_matches(out, "blocks_summary.json"));
    CHECK(listing(out) ==
          std::vector<std::string>{"adjacency.csv", "blocks.geojson", "blocks_qa.geojson", "blocks_summary.json"});
}

TEST_CASE("households without a geometry, unprojectable or outside are counted at every stage",
          "[cli][output][safety][households]") {
    TempDir dir;
    const std::string config = hostile_sample(dir);
    const fs::path b = dir / "b";
    const auto blocks = run_gridplan({"blocks", config, "--out", b.string(), "-q"});
    REQUIRE(blocks.exit_code == 0);
    // -q silences warnings, not the summary.
    CHECK_THAT(blocks.out, Catch::Contains("households: 15031 in the input, 14963 placed; rejected: 37 outside the "
                                           "district, 18 without a usable geometry, 13 not projectable"));
    const nlohmann::json summary = read_json(b / "blocks_summary.json");
    check_account(summary);
    CHECK(summary["households"]["input"] == 15031);
    CHECK(summary["households"]["inside"] == 14963);

    // The QA layer lists each rejected feature with its fid and its households.
    const nlohmann::json qa = read_json(b / "blocks_qa.geojson");
    std::map<std::string, std::int64_t> qa_households;
    std::set<std::int64_t> fids;
    for (const auto& f : qa["features"]) {
        const std::string problem = f["properties"]["problem"];
        if (problem == "household_no_geometry" || problem == "household_unprojectable") {
            const std::string detail = f["properties"]["detail"];
            qa_households[problem] += std::stoll(detail.substr(0, detail.find(' ')));
            fids.insert(f["properties"]["source_fid"].get<std::int64_t>());
            CHECK_THAT(f["properties"]["source"].get<std::string>(), Catch::Contains("households.gpkg"));
        }
    }
    CHECK(qa_households["household_no_geometry"] == 18);
    CHECK(qa_households["household_unprojectable"] == 13);
    CHECK(fids.size() == 3);

    const auto warned = run_gridplan({"blocks", config, "--out", (dir / "b2").string()});
    CHECK_THAT(warned.err, Catch::Contains("holding 18 households, rejected"));
    CHECK_THAT(warned.err, Catch::Contains("holding 13 households, rejected"));

    const fs::path p = dir / "p";
    REQUIRE(run_gridplan({"plan", config, "--households-per-grid", "3000", "--out", p.string()}).exit_code == 0);
    const nlohmann::json plan = read_json(p / "plan.json");
    check_account(plan);
    CHECK(plan["metrics"]["households"] == plan["households_placed"]);

    const fs::path c = dir / "c";
    REQUIRE(run_gridplan({"coverage", config, "--out", c.string()}).exit_code == 0);
    const nlohmann::json cov = read_json(c / "coverage.json");
    check_account(cov);
    CHECK(cov["households"] == cov["households_placed"]);
}

TEST_CASE("drivers that write no file are refused", "[cli][output][safety]") {
    TempDir dir;
    const auto r = run_gridplan({"blocks", sample_config(), "--format", "Memory", "--out", (dir / "m").string()});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--format: 'Memory' is a GDAL driver that does not write files"));
    CHECK_FALSE(fs::exists(dir / "m"));
    // MEM is a raster driver in GDAL 3.6: not a vector format at all.
    const auto mem = run_gridplan({"blocks", sample_config(), "--format", "MEM", "--out", (dir / "m").string()});
    CHECK(mem.exit_code == 2);
    CHECK_FALSE(fs::exists(dir / "m"));
}

TEST_CASE("an output set is sealed by its manifest, locked while written, and cleaned after a kill",
          "[cli][output][safety]") {
    TempDir dir;
    const fs::path out = dir / "set";
    REQUIRE(run_gridplan({"blocks", sample_config(), "--out", out.string()}).exit_code == 0);
    const nlohmann::json first = read_json(out / "blocks_summary.json");
    REQUIRE(first.contains("files"));
    CHECK(first["files"].size() == 3);  // blocks.geojson, blocks_qa.geojson, adjacency.csv
    CHECK(manifest_matches(out, "blocks_summary.json"));
    CHECK(listing(out) ==
          std::vector<std::string>{"adjacency.csv", "blocks.geojson", "blocks_qa.geojson", "blocks_summary.json"});

    SECTION("killed between two renames: the set has no manifest, and the next run cleans up") {
        const std::string district = test::source_dir() + "/data/district/district.json";
        const auto killed = run_with("GRIDPLAN_TEST_KILL_AFTER_RENAMES=1", {"blocks", district, "--out", out.string()});
        CHECK(killed.exit_code == 128 + SIGKILL);
        // The first file is new, the others are old, and nothing claims the set is whole.
        CHECK_FALSE(fs::exists(out / "blocks_summary.json"));
        CHECK(has_staging(out));
        const auto again = run_gridplan({"blocks", sample_config(), "--out", out.string()});
        CHECK(again.exit_code == 0);
        CHECK_FALSE(has_staging(out));
        CHECK(manifest_matches(out, "blocks_summary.json"));
        CHECK(listing(out) ==
              std::vector<std::string>{"adjacency.csv", "blocks.geojson", "blocks_qa.geojson", "blocks_summary.json"});
    }

    SECTION("a second run into a locked folder fails and changes nothing") {
        const int fd = ::open((out / ".gridplan.lock").c_str(), O_RDWR | O_CREAT, 0666);
        REQUIRE(fd >= 0);
        REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
        const auto r = run_gridplan({"blocks", sample_config(), "--out", out.string(), "--precision", "5"});
        ::close(fd);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("another gridplan run is writing to this output directory"));
        CHECK(manifest_matches(out, "blocks_summary.json"));
        fs::remove(out / ".gridplan.lock");
    }

    SECTION("SIGTERM and SIGINT remove the staging folder and the lock") {
        for (int sig : {SIGTERM, SIGINT}) {
            const fs::path o = dir / ("sig" + std::to_string(sig));
            const pid_t pid = ::fork();
            REQUIRE(pid >= 0);
            if (pid == 0) {
                ::execl(GRIDPLAN_EXE, GRIDPLAN_EXE, "plan",
                        (test::source_dir() + "/data/district/district.json").c_str(), "--out", o.c_str(), "-q",
                        static_cast<char*>(nullptr));
                ::_exit(127);
            }
            // Wait until the run has taken its lock, then interrupt it mid-plan.
            for (int i = 0; i < 500 && !fs::exists(o / ".gridplan.lock"); ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            ::kill(pid, sig);
            int status = 0;
            ::waitpid(pid, &status, 0);
            CHECK(WIFSIGNALED(status));
            CHECK(WTERMSIG(status) == sig);
            // It created the folder, so nothing at all is left.
            CHECK_FALSE(fs::exists(o));
        }
    }
}

TEST_CASE("outputs of an earlier run that this run did not write are removed, inputs never",
          "[cli][output][safety]") {
    TempDir dir;
    const fs::path out = dir / "o";
    REQUIRE(run_gridplan({"blocks", sample_config(), "--out", out.string()}).exit_code == 0);
    const auto plan = run_gridplan({"plan", sample_config(), "--households-per-grid", "3000", "--out", out.string()});
    REQUIRE(plan.exit_code == 0);
    // plan writes blocks_qa too; the rest of the blocks set goes.
    CHECK_THAT(plan.err, Catch::Contains("removed 2 output files of an earlier run"));
    CHECK_THAT(plan.err, Catch::Contains("adjacency.csv, blocks_summary.json"));
    CHECK_FALSE(fs::exists(out / "adjacency.csv"));
    CHECK_FALSE(fs::exists(out / "blocks_summary.json"));
    CHECK(manifest_matches(out, "plan.json"));
    // Every file in the folder is in the manifest.
    const nlohmann::json j = read_json(out / "plan.json");
    CHECK(listing(out).size() == j["files"].size() + 1);

    // A GeoPackage plan replaces the GeoJSON layers; the user's files stay, even those
    // named after an output (a QGIS style, a project, SQLite's journal files, GDAL's .aux.xml).
    const std::vector<std::string> mine{"blocks.qml", "grids.qgz", "notes.txt", "plan.docx", "plan.gpkg-shm",
                                        "plan.gpkg-wal", "plan.gpkg.aux.xml"};
    for (const auto& m : mine) {
        test::write_file(out / m, "mine");
    }
    REQUIRE(run_gridplan({"plan", sample_config(), "--households-per-grid", "3000", "--format", "gpkg", "--out",
                          out.string()})
                .exit_code == 0);
    std::vector<std::string> expected = mine;
    expected.insert(expected.end(), {"plan.gpkg", "plan.json", "report.html"});
    std::sort(expected.begin(), expected.end());
    CHECK(listing(out) == expected);
    for (const auto& m : mine) {
        CHECK(test::read_file(out / m) == "mine");
    }

    // Plan into the district's own folder: the inputs are neither overwritten nor removed.
    TempDir copy;
    for (const auto& e : fs::directory_iterator(test::source_dir() + "/data/sample")) {
        fs::copy_file(e.path(), copy / e.path().filename().string());
    }
    test::write_file(copy / "grids.geojson", "{}");  // a stale output of the same name
    const auto in_place = run_gridplan({"blocks", (copy / "district.json").string(), "--out", copy.path().string()});
    CHECK(in_place.exit_code == 0);
    for (const char* f : {"boundary.geojson", "roads.geojson", "rivers.geojson", "water.geojson", "households.geojson",
                          "district.json"}) {
        CHECK(test::read_file(copy / f) == test::read_file(test::source_dir() + "/data/sample/" + f));
    }
    CHECK_FALSE(fs::exists(copy / "grids.geojson"));
}

TEST_CASE("inputs read from the output folder are neither overwritten nor removed, sidecars included",
          "[cli][output][safety]") {
    TempDir dir;
    const fs::path p = dir / "p";
    REQUIRE(run_gridplan({"plan", sample_config(), "--households-per-grid", "3000", "--out", p.string()}).exit_code ==
            0);
    const std::string grids = test::read_file(p / "grids.geojson");
    // coverage reads the plan's grids and writes into the same folder: they stay.
    const auto cov = run_gridplan({"coverage", sample_config(), "--grids", (p / "grids.geojson").string(), "--suggest",
                                   "2", "--out", p.string()});
    CHECK(cov.exit_code == 0);
    CHECK(test::read_file(p / "grids.geojson") == grids);
    // Its proposals as the candidates of the next run, into the same folder: refused.
    const auto cand = run_gridplan({"coverage", sample_config(), "--suggest", "1", "--candidates",
                                    (p / "proposed_centres.geojson").string(), "--out", p.string()});
    CHECK(cand.exit_code == 1);
    CHECK_THAT(cand.err, Catch::Contains("refusing to overwrite an input file"));

    // A Shapefile input: its .dbf, .shx and .prj are the input too.
    const fs::path s = dir / "s";
    REQUIRE(run_gridplan({"blocks", sample_config(), "--format", "shp", "--out", s.string()}).exit_code == 0);
    fs::copy_file(s / "blocks.shp", s / "households_estimated.shp");
    for (const char* ext : {"dbf", "shx", "prj", "cpg"}) {
        fs::copy_file(s / (std::string{"blocks."} + ext), s / (std::string{"households_estimated."} + ext));
    }
    const auto hh = run_gridplan({"blocks", sample_config(), "--households", (s / "households_estimated.shp").string(),
                                  "--count-field", "households", "--format", "geojson", "--out", s.string()});
    CHECK(hh.exit_code == 0);
    for (const char* ext : {"shp", "dbf", "shx", "prj", "cpg"}) {
        CHECK(fs::exists(s / (std::string{"households_estimated."} + ext)));
    }
    // A flag names itself, not a config key.
    const auto field = run_gridplan({"blocks", sample_config(), "--households", (s / "households_estimated.shp").string(),
                                     "--count-field", "nope", "--out", (dir / "f").string()});
    CHECK(field.exit_code == 1);
    CHECK_THAT(field.err, Catch::Contains("option '--count-field'"));
}

TEST_CASE("a synthetic district's files are replaced only by synth, folder formats are refused",
          "[cli][output][safety]") {
    TempDir dir;
    const fs::path s = dir / "s";
    REQUIRE(run_gridplan({"synth", "--households", "1000", "--out", s.string()}).exit_code == 0);
    REQUIRE(manifest_matches(s, "synth_summary.json"));
    // coverage with other centres would write centres.geojson over the district's own.
    fs::copy_file(s / "centres.geojson", dir / "other.geojson");
    const auto cov = run_gridplan({"coverage", (s / "district.json").string(), "--centres",
                                   (dir / "other.geojson").string(), "--out", s.string()});
    CHECK(cov.exit_code == 1);
    CHECK_THAT(cov.err, Catch::Contains("file of the synthetic district"));
    CHECK(manifest_matches(s, "synth_summary.json"));
    // blocks beside it: the district stays whole, synth_summary.json included.
    REQUIRE(run_gridplan({"blocks", (s / "district.json").string(), "--out", s.string()}).exit_code == 0);
    CHECK(manifest_matches(s, "synth_summary.json"));
    CHECK(manifest_matches(s, "blocks_summary.json"));

    const auto mvt = run_gridplan({"blocks", sample_config(), "--format", "MVT", "--out", (dir / "mvt").string()});
    CHECK(mvt.exit_code == 2);
    CHECK_THAT(mvt.err, Catch::Contains("wrote a folder"));
    CHECK_FALSE(fs::exists(dir / "mvt"));
}

TEST_CASE("a killed run over another command's set leaves no manifest that looks whole", "[cli][output][safety]") {
    TempDir dir;
    const fs::path k = dir / "k";
    REQUIRE(run_gridplan({"blocks", sample_config(), "--out", k.string()}).exit_code == 0);
    const auto killed = run_with("GRIDPLAN_TEST_KILL_AFTER_RENAMES=1",
                                 {"plan", sample_config(), "--households-per-grid", "3000", "--out", k.string()});
    CHECK(killed.exit_code == 128 + SIGKILL);
    CHECK_FALSE(fs::exists(k / "blocks_summary.json"));
    CHECK_FALSE(fs::exists(k / "plan.json"));
}

TEST_CASE("an ignored SIGHUP (nohup) stays ignored", "[cli][output][safety]") {
    TempDir dir;
    const fs::path o = dir / "o";
    const std::string cmd = "trap '' HUP; " + quote(GRIDPLAN_EXE) + " plan " +
                            quote(test::source_dir() + "/data/district/district.json") + " --out " + quote(o.string()) +
                            " -q >/dev/null 2>&1 & pid=$!; for i in $(seq 500); do [ -e " +
                            quote((o / ".gridplan.lock").string()) +
                            " ] && break; sleep 0.01; done; kill -HUP $pid; wait $pid";
    const int status = std::system(("bash -c " + quote(cmd)).c_str());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(manifest_matches(o, "plan.json"));
}

TEST_CASE("a household register: ids without a building are rejected and counted", "[cli][households][safety]") {
    TempDir dir;
    for (const char* f : {"boundary.geojson", "roads.geojson", "rivers.geojson", "water.geojson"}) {
        fs::copy_file(test::source_dir() + "/data/sample/" + f, dir / f);
    }
    // Two buildings inside the sample district (10 m squares), and one without a footprint.
    auto square = [](double lon, double lat) {
        const double d = 0.00005;
        nlohmann::json ring = nlohmann::json::array();
        for (const auto& [x, y] : std::vector<std::pair<double, double>>{
                 {lon - d, lat - d}, {lon + d, lat - d}, {lon + d, lat + d}, {lon - d, lat + d}, {lon - d, lat - d}}) {
            ring.push_back({x, y});
        }
        return nlohmann::json{{"type", "Polygon"}, {"coordinates", {ring}}};
    };
    nlohmann::json buildings{{"type", "FeatureCollection"},
                             {"features",
                              {{{"type", "Feature"}, {"properties", {{"BID", "B1"}}}, {"geometry", square(119.0898914, 36.6926017)}},
                               {{"type", "Feature"}, {"properties", {{"BID", "B2"}}}, {"geometry", square(119.0928051, 36.6925057)}},
                               {{"type", "Feature"}, {"properties", {{"BID", "B3"}}}, {"geometry", nullptr}}}}};
    test::write_file(dir / "buildings.geojson", buildings.dump());
    test::write_file(dir / "register.csv", "BID,HH\nB1,100\nB2,20\nB3,5\nB9,7\n,3\n");
    test::write_file(dir / "district.json", R"({
  "boundary": {"path": "boundary.geojson"},
  "barriers": [{"path": "roads.geojson", "class": "street"}, {"path": "rivers.geojson", "class": "river"}],
  "water": [{"path": "water.geojson"}],
  "households": {"path": "buildings.geojson", "building_id_field": "BID",
                 "register": {"path": "register.csv", "count_field": "HH"}}
})");
    const fs::path out = dir / "out";
    const auto r = run_gridplan({"blocks", (dir / "district.json").string(), "--out", out.string()});
    REQUIRE(r.exit_code == 0);
    const nlohmann::json j = read_json(out / "blocks_summary.json");
    // 135 in the register: 120 placed; B3 (no footprint), B9 (no building) and the row
    // without an id are rejected.
    CHECK(j["households_input"] == 135);
    CHECK(j["households_placed"] == 120);
    CHECK(j["households_rejected"]["no_building"] == 15);
    const nlohmann::json qa = read_json(out / "blocks_qa.geojson");
    std::int64_t rows = 0;
    for (const auto& f : qa["features"]) {
        rows += f["properties"]["problem"] == "household_no_building" ? 1 : 0;
    }
    CHECK(rows == 3);
}
