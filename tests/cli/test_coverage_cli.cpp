// gridplan coverage end to end on the sample district with hand-placed centres.
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

/// The sample district copied into `dir`, with centres and facilities layers added.
void sample_with_services(const TempDir& dir, const std::string& facility_services) {
    for (const auto& e : fs::directory_iterator(fs::path{test::source_dir()} / "data/sample")) {
        fs::copy_file(e.path(), dir / e.path().filename().string());
    }
    // Two centres inside the district and one far outside it (lon 119.3).
    test::write_file(dir / "centres.geojson", R"({"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"id": "C1", "name": "Dongfeng Centre"}, "geometry": {"type": "Point", "coordinates": [119.0985, 36.7005]}},
 {"type": "Feature", "properties": {"id": "C2", "name": "Shengli Centre"}, "geometry": {"type": "Point", "coordinates": [119.1090, 36.6950]}},
 {"type": "Feature", "properties": {"id": "C9", "name": "Faraway Centre"}, "geometry": {"type": "Point", "coordinates": [119.3, 36.7]}}
]})");
    test::write_file(dir / "facilities.geojson", std::string{R"({"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"id": "F1", "services": ")"} + facility_services + R"("}, "geometry": {"type": "Point", "coordinates": [119.1000, 36.7000]}}
]})");
    std::string config = test::read_file(dir / "district.json");
    const auto pos = config.rfind('}');
    config.insert(pos, R"(,
  "centres": {"path": "centres.geojson", "id_field": "id"},
  "facilities": {"path": "facilities.geojson", "id_field": "id", "services_field": "services",
                 "service_map": {"clinic": "medical"}}
)");
    test::write_file(dir / "district.json", config);
}

} // namespace

TEST_CASE("gridplan coverage on the sample district", "[cli][coverage]") {
    TempDir dir;
    sample_with_services(dir, "clinic, childcare");
    const auto out = dir / "out";
    const auto r = run_gridplan({"coverage", (dir / "district.json").string(), "--out", out.string(), "--suggest", "2"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("1 community centres lie outside the district") && Catch::Contains("C9"));
    const auto j = nlohmann::json::parse(test::read_file(out / "coverage.json"));
    for (const char* key : {"households", "radius_min", "speed_kmh", "within_radius_share_any",
                            "within_radius_share_by_service", "all_services_share", "unreachable_households",
                            "walk_min_p50", "walk_min_p90", "walk_min_p99", "grids"}) {
        INFO(key);
        CHECK(j.contains(key));
    }
    // The 37 households outside the district are rejected, as in plan and blocks.
    CHECK(j["households"] == 14963);
    CHECK(j["households_input"] == 15000);
    CHECK(j["households_rejected"]["outside_district"] == 37);
    CHECK(j["centres"] == 3);
    CHECK(j["centres_outside_district"] == 1);
    CHECK(j["radius_min"] == 10.0);
    CHECK(j["speed_kmh"] == 4.8);
    const double any = j["within_radius_share_any"].get<double>();
    CHECK(any > 0.0);
    CHECK(any < 1.0);
    // The facility offers medical care (mapped from "clinic") and childcare; centres offer all.
    CHECK(j["within_radius_share_by_service"]["medical"].get<double>() >= any);
    CHECK(j["within_radius_share_by_service"]["elderly"].get<double>() == Approx(any));
    REQUIRE(j.contains("coverage_after"));
    CHECK(j["coverage_after"]["within_radius_share_any"].get<double>() > any);
    CHECK(j["proposed_centres"].size() == 2);

    const auto centres = nlohmann::json::parse(test::read_file(out / "centres.geojson"));
    REQUIRE(centres["features"].size() == 3);
    CHECK(centres["features"][2]["properties"]["inside_district"] == 0);
    const auto areas = nlohmann::json::parse(test::read_file(out / "service_areas.geojson"));
    CHECK(areas["features"].size() >= 2);
    const auto uncovered = nlohmann::json::parse(test::read_file(out / "uncovered.geojson"));
    std::int64_t uncovered_households = 0;
    for (const auto& f : uncovered["features"]) {
        uncovered_households += f["properties"]["households"].get<std::int64_t>();
    }
    // Every household is either within the radius of a centre or listed as uncovered.
    CHECK(uncovered_households == 14963 - std::llround(any * 14963));
    const auto proposed = nlohmann::json::parse(test::read_file(out / "proposed_centres.geojson"));
    CHECK(proposed["features"].size() == 2);
}

TEST_CASE("gridplan coverage: bad services and options", "[cli][coverage]") {
    TempDir dir;
    sample_with_services(dir, "medical, gym");
    const auto r = run_gridplan({"coverage", (dir / "district.json").string(), "--out", (dir / "out").string()});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("facilities.geojson") && Catch::Contains("fid=") &&
                          Catch::Contains("unknown service 'gym'") && Catch::Contains("medical, childcare, elderly"));
    CHECK(run_gridplan({"coverage", (dir / "district.json").string(), "--out", (dir / "o2").string(), "--suggest",
                        "2", "--target", "0.9"})
              .exit_code == 2);
    const auto t = run_gridplan({"coverage", (dir / "district.json").string(), "--out", (dir / "o3").string(),
                                 "--target", "1.5"});
    CHECK(t.exit_code == 2);  // a bad flag: usage, naming the flag
    CHECK_THAT(t.err, Catch::Contains("--target"));
    const auto help = run_gridplan({"help", "coverage"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("EXIT CODES") && Catch::Contains("--suggest"));
}

TEST_CASE("gridplan coverage reports per grid", "[cli][coverage]") {
    TempDir dir;
    sample_with_services(dir, "medical");
    // The sample's blocks stand in for grids: every household inside the district lies in one.
    REQUIRE(run_gridplan({"blocks", (dir / "district.json").string(), "--out", (dir / "b").string(), "-q"}).exit_code ==
            0);
    const auto r = run_gridplan({"coverage", (dir / "district.json").string(), "--out", (dir / "c").string(),
                                 "--grids", (dir / "b" / "blocks.geojson").string(), "-q"});
    REQUIRE(r.exit_code == 0);
    const auto blocks = nlohmann::json::parse(test::read_file(dir / "b" / "blocks.geojson"));
    const auto j = nlohmann::json::parse(test::read_file(dir / "c" / "coverage.json"));
    REQUIRE(j["grids"].size() == blocks["features"].size());
    std::int64_t households = 0;
    for (std::size_t i = 0; i < j["grids"].size(); ++i) {
        households += j["grids"][i]["households"].get<std::int64_t>();
    }
    CHECK(households == 14963);  // the 37 households outside the district are in no grid
}

TEST_CASE("gridplan coverage --preset gb50180 sets defaults: the config's own keys stay", "[cli][coverage]") {
    TempDir dir;
    const auto config = dir / "district.json";
    test::write_file(config,
                     test::sample_config_text(R"("coverage": {"radius_min": 12, "service_radius_min": {"medical": 20}})"));
    const auto out = dir / "cov";
    const auto r = run_gridplan({"coverage", config.string(), "--out", out.string(), "--preset", "gb50180", "-q"});
    REQUIRE(r.exit_code == 0);
    const auto c = nlohmann::json::parse(test::read_file(out / "coverage.json"));
    CHECK(c["radius_min"].get<double>() == Approx(12.0));                          // the config's
    CHECK(c["speed_kmh"].get<double>() == Approx(3.0));                            // the preset's
    CHECK(c["service_radius_min"]["medical"].get<double>() == Approx(20.0));       // the config's
    CHECK(c["service_radius_min"]["childcare"].get<double>() == Approx(5.0));      // the preset's
}

TEST_CASE("gridplan plan measures its own centres' coverage, and coverage --plan audits it with the same figures",
          "[cli][coverage][plan]") {
    TempDir dir;
    sample_with_services(dir, "medical");
    const std::string config = (dir / "district.json").string();
    const auto plan_dir = dir / "plan";
    const auto p = run_gridplan({"plan", config, "--out", plan_dir.string(), "--households-per-grid", "3000"});
    REQUIRE(p.exit_code == 0);
    CHECK_THAT(p.out, Catch::Contains("services within the walk radius (the plan's centres"));
    const auto plan = nlohmann::json::parse(test::read_file(plan_dir / "plan.json"));
    REQUIRE(plan.contains("service_coverage"));
    const auto& cover = plan["service_coverage"];
    const std::vector<std::string> services{"medical", "childcare", "elderly", "shopping",
                                            "leisure", "fitness",   "relief",  "mediation"};
    CHECK(cover.size() == services.size());
    REQUIRE(plan["details"]["proposed_centres"].get<int>() > 0);
    // Every household within the radius of its grid's centre (a centre offering all eight
    // services) is within the radius of every service.
    for (const auto& s : services) {
        INFO(s);
        CHECK(cover[s].get<double>() >= plan["metrics"]["within_radius_share"].get<double>() - 1e-4);
    }
    const auto centres = nlohmann::json::parse(test::read_file(plan_dir / "centres.geojson"));
    for (const auto& f : centres["features"]) {
        CHECK(f["properties"]["services"] == "medical,childcare,elderly,shopping,leisure,fitness,relief,mediation");
    }

    // The audit: the same shares overall and per grid.
    const auto a = run_gridplan({"coverage", config, "--out", (dir / "audit").string(), "--plan", plan_dir.string(), "-q"});
    REQUIRE(a.exit_code == 0);
    const auto audit = nlohmann::json::parse(test::read_file(dir / "audit" / "coverage.json"));
    for (const auto& s : services) {
        INFO(s);
        CHECK(audit["within_radius_share_by_service"][s].get<double>() == Approx(cover[s].get<double>()).margin(1e-4));
    }
    const auto grids = nlohmann::json::parse(test::read_file(plan_dir / "grids.geojson"));
    REQUIRE(audit["grids"].size() == grids["features"].size());
    for (const auto& f : grids["features"]) {
        const std::string id = std::to_string(f["properties"]["grid_id"].get<int>());
        const auto g = std::find_if(audit["grids"].begin(), audit["grids"].end(),
                                    [&](const auto& x) { return x["grid_id"] == id; });
        REQUIRE(g != audit["grids"].end());
        CHECK((*g)["households"] == f["properties"]["households"]);
        for (const auto& s : services) {
            INFO(id << " " << s);
            CHECK((*g)["within_radius_share_by_service"][s].get<double>() ==
                  Approx(f["properties"]["cov_" + s].get<double>()).margin(1e-4));
        }
    }

    // The old centres alone reach fewer: mediation only at centres, and the plan adds some.
    const auto old = run_gridplan({"coverage", config, "--out", (dir / "old").string(), "-q"});
    REQUIRE(old.exit_code == 0);
    const auto before = nlohmann::json::parse(test::read_file(dir / "old" / "coverage.json"));
    for (const auto& s : services) {
        INFO(s);
        CHECK(cover[s].get<double>() >= before["within_radius_share_by_service"][s].get<double>() - 1e-4);
    }
    CHECK(cover["mediation"].get<double>() > before["within_radius_share_by_service"]["mediation"].get<double>());

    // Bad use: --plan with --grids, or a folder without a plan.
    const auto both = run_gridplan({"coverage", config, "--out", (dir / "x").string(), "--plan", plan_dir.string(),
                                    "--grids", (plan_dir / "grids.geojson").string()});
    CHECK(both.exit_code != 0);
    CHECK_THAT(both.err, Catch::Contains("--plan"));
    const auto none = run_gridplan({"coverage", config, "--out", (dir / "y").string(), "--plan", dir.path().string()});
    CHECK(none.exit_code != 0);
    CHECK_THAT(none.err, Catch::Contains("plan.json"));
}
