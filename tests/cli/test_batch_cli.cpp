// A city as many districts: split, the jobs run with GNU Parallel (one killed part-way and
// resumed), merge; every household exactly once, each district as planned alone.
#include "support/fixtures.hpp"

#include "gridplan/batch/split.hpp"

#include "gridplan/wrap/gdal.hpp"

#include <catch2/catch.hpp>
#include <gdal_priv.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(test::read_file(p)); }

/// Features of a layer in a vector file.
std::int64_t feature_count(const fs::path& file, const std::string& layer) {
    wrap::gdal_init();
    GDALDatasetUniquePtr ds{GDALDataset::FromHandle(
        GDALOpenEx(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr))};
    REQUIRE(ds);
    OGRLayer* l = ds->GetLayerByName(layer.c_str());
    REQUIRE(l != nullptr);
    return l->GetFeatureCount();
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

} // namespace

TEST_CASE("split a city into districts, run the jobs with GNU Parallel, resume a killed one, merge",
          "[cli][batch]") {
    TempDir dir;
    const auto city = dir / "city";
    REQUIRE(run_gridplan({"synth", "--households", "100000", "--seed", "3", "--out", city.string(), "-q"}).exit_code ==
            0);
    test::write_quarters(city / "boundary.geojson", dir / "districts.geojson");
    const auto jobs = dir / "jobs";
    const auto split = run_gridplan({"split", (city / "district.json").string(), "--by",
                                     (dir / "districts.geojson").string() + ":code", "--out", jobs.string()});
    INFO(split.out << split.err);
    REQUIRE(split.exit_code == 0);

    // jobs.tsv: a header and one row per district, the households shared out without loss.
    std::istringstream tsv{test::read_file(jobs / "jobs.tsv")};
    std::string line;
    std::getline(tsv, line);
    CHECK(line == "id\tname\thouseholds\tconfig\tout");
    std::vector<std::string> ids;
    std::int64_t shared = 0;
    while (std::getline(tsv, line)) {
        std::istringstream row{line};
        std::string id, name, households;
        std::getline(row, id, '\t');
        std::getline(row, name, '\t');
        std::getline(row, households, '\t');
        ids.push_back(id);
        shared += std::stoll(households);
        CHECK(fs::exists(jobs / id / "district.json"));
    }
    CHECK(ids == std::vector<std::string>{"370701", "370702", "370703", "370704"});
    const nlohmann::json synth = read_json(city / "synth_summary.json");
    CHECK(shared == synth["households"].get<std::int64_t>());
    std::int64_t points = 0;
    for (const auto& id : ids) {
        points += feature_count(jobs / id / "inputs.gpkg", read_json(jobs / id / "district.json")["households"]["layer"]);
    }
    CHECK(points == synth["household_points"].get<std::int64_t>());
    // A second split into the same folder is refused: it holds the jobs.
    CHECK(run_gridplan({"split", (city / "district.json").string(), "--by",
                        (dir / "districts.geojson").string() + ":code", "--out", jobs.string()})
              .exit_code == 1);

    // The jobs, as GNU Parallel runs them from the jobs folder, one killed part-way the
    // first time (a wrapper kills its gridplan after a moment).
    const std::string exe = GRIDPLAN_EXE;
    test::write_file(jobs / "run.sh",
                     "#!/bin/sh\n"
                     "if [ \"$1\" = 370702 ] && [ ! -e killed ]; then\n"
                     "  touch killed\n  " + quoted(exe) + " plan \"$2\" --out \"$3\" -q --threads 1 & pid=$!\n"
                     "  sleep 0.05; kill -9 $pid; wait $pid; exit 137\nfi\n"
                     "exec " + quoted(exe) + " plan \"$2\" --out \"$3\" -q\n");
    const bool have_parallel = fs::exists("/usr/bin/parallel");
    auto run_jobs = [&](bool resume) {
        if (have_parallel) {
            return test::run_command("/bin/sh", {"-c", "cd " + quoted(jobs.string()) +
                                                           " && parallel --will-cite --header : --colsep '\\t' -j 2 "
                                                           "--joblog joblog.txt" +
                                                           std::string{resume ? " --resume-failed" : ""} +
                                                           " sh run.sh {id} {config} {out} :::: jobs.tsv"});
        }
        std::string cmds = "cd " + quoted(jobs.string()) + " && rc=0";
        for (const auto& id : ids) {
            cmds += " && { sh run.sh " + id + " " + id + "/district.json " + id + "/out || rc=1; }";
        }
        return test::run_command("/bin/sh", {"-c", cmds + "; exit $rc"});
    };
    if (!have_parallel) {
        std::cout << "SKIPPED: /usr/bin/parallel is absent (Debian package parallel): the jobs run one by one\n";
    }
    const auto first = run_jobs(false);
    INFO(first.out << first.err);
    CHECK(first.exit_code != 0);
    CHECK_FALSE(fs::exists(jobs / "370702" / "out" / "plan.json"));
    const auto early = run_gridplan({"merge", jobs.string(), "--out", (dir / "merged").string()});
    CHECK(early.exit_code == 1);
    CHECK_THAT(early.err, Catch::Contains("370702"));
    CHECK_FALSE(fs::exists(dir / "merged" / "grids.geojson"));

    const auto again = run_jobs(true);
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);
    const auto merged = run_gridplan({"merge", jobs.string(), "--out", (dir / "merged").string()});
    INFO(merged.out << merged.err);
    REQUIRE(merged.exit_code == 0);

    // Every household exactly once: in a merged grid, or rejected by its job.
    const nlohmann::json grids = read_json(dir / "merged" / "grids.geojson");
    std::int64_t in_grids = 0;
    double area_km2 = 0.0;
    std::map<std::string, std::map<int, std::int64_t>> by_district;
    std::set<std::string> codes;
    for (const auto& f : grids["features"]) {
        const auto& p = f["properties"];
        in_grids += p["households"].get<std::int64_t>();
        area_km2 += p["area_km2"].get<double>();
        by_district[p["district_id"].get<std::string>()][p["grid_id"].get<int>()] = p["households"].get<std::int64_t>();
        CHECK(codes.insert(p["code"].get<std::string>()).second);
        CHECK(p["code"].get<std::string>().rfind(p["district_id"].get<std::string>(), 0) == 0);
    }
    std::int64_t rejected = 0;
    for (const auto& id : ids) {
        const nlohmann::json plan = read_json(jobs / id / "out" / "plan.json");
        for (const auto& [reason, n] : plan["households_rejected"].items()) {
            rejected += n.get<std::int64_t>();
        }
    }
    CHECK(in_grids + rejected == synth["households"].get<std::int64_t>());
    // The districts are cut to the city's boundary: the grids cover the city, no more.
    CHECK(area_km2 == Approx(synth["area_km2"].get<double>()).epsilon(0.01));
    const nlohmann::json summary = read_json(dir / "merged" / "merge.json");
    CHECK(summary["city"]["households"].get<std::int64_t>() == in_grids);
    CHECK(summary["city"]["districts"] == 4);
    CHECK(summary["city"]["grids"].get<std::size_t>() == grids["features"].size());

    // One district planned alone gives the same grids.
    const auto alone = dir / "alone";
    REQUIRE(run_gridplan({"plan", (jobs / "370703" / "district.json").string(), "--out", alone.string(), "-q"})
                .exit_code == 0);
    std::map<int, std::int64_t> own;
    const nlohmann::json alone_grids = read_json(alone / "grids.geojson");
    for (const auto& f : alone_grids["features"]) {
        own[f["properties"]["grid_id"].get<int>()] = f["properties"]["households"].get<std::int64_t>();
    }
    CHECK(own == by_district["370703"]);
}

TEST_CASE("split takes the districts from an OSM extract's administrative boundaries", "[cli][batch][osm]") {
    const std::string pbf = test::shared_osm("liechtenstein-2015-07-27.osm.pbf");
    if (pbf.empty()) {
        return;
    }
    TempDir dir;
    const auto jobs = dir / "jobs";
    const auto split = run_gridplan({"split", "--osm", pbf, "--by", "admin_level:8", "--out", jobs.string()});
    INFO(split.out << split.err);
    REQUIRE(split.exit_code == 0);
    // Liechtenstein's 11 municipalities (admin_level 8), by OSM relation id.
    const std::vector<batch::Job> rows = batch::read_jobs(jobs / "jobs.tsv");
    REQUIRE(rows.size() == 11);
    CHECK(rows.front().id == "1155945");
    CHECK(rows.front().name == "Triesen");
    CHECK(rows.back().id == "1155956");
    CHECK(rows.back().name == "Vaduz");
    // The extract is not cut: each job reads it, by its absolute path, inside its boundary.
    const nlohmann::json planken = read_json(jobs / "1155954" / "district.json");
    CHECK(planken.at("barriers")[0].at("path") == fs::absolute(pbf).lexically_normal().string());
    CHECK(planken.at("barriers")[0].at("class") == "osm");
    CHECK(planken.at("plan").at("code_prefix") == "1155954");
    const auto job = run_gridplan({"plan", (jobs / "1155954" / "district.json").string(), "--households-per-grid",
                                   "1500", "--out", (jobs / "1155954" / "out").string(), "-q"});
    INFO(job.err);
    REQUIRE(job.exit_code == 0);
    const nlohmann::json plan = read_json(jobs / "1155954" / "out" / "plan.json");
    CHECK(plan.at("metrics").at("households").get<std::int64_t>() > 0);
    CHECK_THAT(test::read_file(jobs / "1155954" / "out" / "grids.geojson"), Catch::Contains("\"code\": \"1155954001\""));

    // Bad levels: a usage error, or an error naming the file when none has that level.
    const auto bad_by = run_gridplan({"split", "--osm", pbf, "--by", "districts.gpkg:code", "--out",
                                      (dir / "j2").string()});
    CHECK(bad_by.exit_code == 2);
    CHECK_THAT(bad_by.err, Catch::Contains("admin_level:N"));
    CHECK(run_gridplan({"split", "--osm", pbf, "--by", "admin_level:13", "--out", (dir / "j3").string()}).exit_code ==
          2);
    const auto none = run_gridplan({"split", "--osm", pbf, "--by", "admin_level:4", "--out", (dir / "j4").string()});
    CHECK(none.exit_code == 1);
    CHECK_THAT(none.err, Catch::Contains("admin_level 4") && Catch::Contains("liechtenstein"));
    CHECK(!fs::exists(dir / "j4"));
}
