// gridplan plan end to end on the sample district.
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("gridplan plan on the sample district", "[cli][plan]") {
    TempDir dir;
    const std::string config = test::source_dir() + "/data/sample/district.json";
    const auto out = dir / "plan";
    const auto r = run_gridplan({"plan", config, "--out", out.string(), "--households-per-grid", "3000",
                                 "--code-prefix", "370705"});
    REQUIRE(r.exit_code == 0);
    const auto grids = nlohmann::json::parse(test::read_file(out / "grids.geojson"));
    CHECK_FALSE(grids.contains("crs"));
    REQUIRE(grids["features"].size() == 5);  // round(14,963 / 3,000)
    std::int64_t households = 0;
    std::int64_t id = 1;
    for (const auto& f : grids["features"]) {
        const auto& p = f["properties"];
        for (const char* key : {"grid_id", "code", "name", "households", "deviation_pct", "area_km2", "centre_id",
                                "centre_proposed", "max_walk_min", "p90_walk_min", "share_within_radius",
                                "polsby_popper", "edge_share_river", "edge_share_road", "edge_share_street",
                                "edge_share_alley", "n_blocks", "n_units", "budget_yuan", "bounds_desc"}) {
            INFO(key);
            CHECK(p.contains(key));
        }
        CHECK(p["grid_id"] == id);
        CHECK(p["code"] == "370705" + std::string(id < 10 ? "00" : "0") + std::to_string(id));
        ++id;
        households += p["households"].get<std::int64_t>();
        CHECK(p["budget_yuan"].get<double>() == Approx(20.0 * p["households"].get<double>()));
        CHECK_THAT(p["bounds_desc"].get<std::string>(), Catch::StartsWith("north to "));
    }
    CHECK(households == 14963);
    // Every block in exactly one grid.
    const auto blocks = nlohmann::json::parse(test::read_file(out / "blocks.geojson"));
    std::set<std::int64_t> ids;
    for (const auto& f : blocks["features"]) {
        CHECK(f["properties"]["grid_id"].get<std::int64_t>() >= 1);
        CHECK(f["properties"]["grid_id"].get<std::int64_t>() <= 5);
        ids.insert(f["properties"]["block_id"].get<std::int64_t>());
    }
    CHECK(ids.size() == blocks["features"].size());
    const auto edges = nlohmann::json::parse(test::read_file(out / "grid_edges.geojson"));
    CHECK(edges["features"].size() > 0);
    for (const auto& f : edges["features"]) {
        CHECK(f["properties"]["grid_a"].get<int>() < f["properties"]["grid_b"].get<int>());
    }
    const auto summary = nlohmann::json::parse(test::read_file(out / "plan_summary.json"));
    CHECK(summary["grids"] == 5);
    CHECK(summary["households"] == 14963);

    // Deterministic: the same inputs and seed give the same bytes.
    const auto again = dir / "again";
    REQUIRE(run_gridplan({"plan", config, "--out", again.string(), "--households-per-grid", "3000", "--code-prefix",
                          "370705", "-q"})
                .exit_code == 0);
    for (const auto& e : fs::directory_iterator(out)) {
        INFO(e.path().filename().string());
        CHECK(test::read_file(e.path()) == test::read_file(again / e.path().filename()));
    }
}

TEST_CASE("gridplan plan: bad options", "[cli][plan]") {
    TempDir dir;
    const std::string config = test::source_dir() + "/data/sample/district.json";
    const auto t = run_gridplan({"plan", config, "--out", (dir / "a").string(), "--tolerance", "1.5"});
    CHECK(t.exit_code == 1);
    CHECK_THAT(t.err, Catch::Contains("plan.tolerance"));
    CHECK(run_gridplan({"plan", config, "--out", (dir / "b").string(), "--preset", "nope"}).exit_code == 2);
    const auto help = run_gridplan({"help", "plan"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("--households-per-grid") && Catch::Contains("EXIT CODES"));
}
