// gridplan plan end to end on the sample district.
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <map>
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
                                "edge_share_alley", "n_blocks", "n_units", "budget_yuan", "bounds_desc", "flags",
                                "cov_medical", "cov_mediation"}) {
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
    // Summing grid_edges' lengths by class gives plan.json's edge_share and each grid's
    // edge_share_* fields (to their rounding).
    std::map<std::string, double> by_class;
    std::map<std::int64_t, std::map<std::string, double>> by_grid_class;
    for (const auto& f : edges["features"]) {
        const auto& p = f["properties"];
        CHECK(p["grid_a"].get<int>() < p["grid_b"].get<int>());
        const std::string cls = p["barrier_class"].get<std::string>();
        const double length = p["length_m"].get<double>();
        by_class[cls] += length;
        by_grid_class[p["grid_a"].get<std::int64_t>()][cls] += length;
        by_grid_class[p["grid_b"].get<std::int64_t>()][cls] += length;
    }
    auto share = [](const std::map<std::string, double>& lengths, const std::string& cls) {
        double total = 0.0;
        for (const auto& [c, l] : lengths) {
            total += l;
        }
        const auto it = lengths.find(cls);
        return it == lengths.end() ? 0.0 : it->second / total;
    };
    const auto plan = nlohmann::json::parse(test::read_file(out / "plan.json"));
    const auto& m = plan["metrics"];
    for (const char* cls : {"river", "road", "street", "alley", "none"}) {
        INFO(cls);
        CHECK(m["edge_share"][cls].get<double>() == Approx(share(by_class, cls)).margin(1e-4));
        if (std::string{cls} == "none") {
            continue;
        }
        for (const auto& f : grids["features"]) {
            const auto g = f["properties"]["grid_id"].get<std::int64_t>();
            INFO("grid " << g);
            CHECK(f["properties"][std::string{"edge_share_"} + cls].get<double>() ==
                  Approx(share(by_grid_class[g], cls)).margin(1e-4));
        }
    }
    CHECK(share(by_class, "street") > 0.0);
    std::set<std::string> keys;
    for (const auto& [k, v] : m.items()) {
        keys.insert(k);
    }
    CHECK(keys == std::set<std::string>{"grids", "households", "contiguous_share", "within_band_share",
                                        "within_radius_share", "edge_share", "mean_polsby_popper",
                                        "max_abs_deviation_pct", "infeasible"});
    CHECK(m["grids"] == 5);
    CHECK(m["households"] == 14963);
    CHECK(m["contiguous_share"] == 1.0);
    CHECK(m["infeasible"].is_array());
    // Every grid with households beyond the radius is named, with the radius that reaches them.
    std::size_t beyond = 0;
    for (const auto& f : grids["features"]) {
        beyond += f["properties"]["share_within_radius"].get<double>() < 1.0 ? 1 : 0;
    }
    std::size_t named = 0;
    for (const auto& f : m["infeasible"]) {
        if (f["kind"] == "beyond_radius" || f["kind"] == "band_radius_conflict") {
            ++named;
            CHECK_THAT(f["fix"].get<std::string>(), Catch::Contains("walk radius of"));
        }
    }
    CHECK(named == beyond);
    CHECK(plan["inputs"].size() == 5);  // boundary, roads, rivers, water, households
    for (const auto& i : plan["inputs"]) {
        CHECK(i["sha256"].get<std::string>().size() == 64);
    }
    CHECK(plan["runtime_s"].contains("plan"));

    // Deterministic: the same inputs and seed give the same bytes (plan.json: all but the
    // run times).
    const auto again = dir / "again";
    REQUIRE(run_gridplan({"plan", config, "--out", again.string(), "--households-per-grid", "3000", "--code-prefix",
                          "370705", "-q"})
                .exit_code == 0);
    for (const auto& e : fs::directory_iterator(out)) {
        INFO(e.path().filename().string());
        if (e.path().filename() == "plan.json") {
            auto a = nlohmann::json::parse(test::read_file(e.path()));
            auto b = nlohmann::json::parse(test::read_file(again / "plan.json"));
            a.erase("runtime_s");
            b.erase("runtime_s");
            CHECK(a == b);
        } else {
            CHECK(test::read_file(e.path()) == test::read_file(again / e.path().filename()));
        }
    }
}

TEST_CASE("gridplan plan: bad input", "[cli][plan]") {
    TempDir dir;
    const std::string sample = test::source_dir() + "/data/sample";
    SECTION("more grids than blocks: an error naming both numbers") {
        const auto r = run_gridplan({"plan", sample + "/district.json", "--out", (dir / "a").string(), "--grids", "100000"});
        CHECK(r.exit_code == 2);  // a flag's value: usage, named as the flag
        CHECK_THAT(r.err, Catch::Contains("--grids: 100000 grids") && Catch::Contains("blocks"));
        CHECK_FALSE(fs::exists(dir / "a"));  // the failed run leaves no folder it created
    }
    SECTION("a target above the district's total: one grid and a warning") {
        const auto r = run_gridplan(
            {"plan", sample + "/district.json", "--out", (dir / "b").string(), "--households-per-grid", "100000"});
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("more than the district's 14963"));
        const auto grids = nlohmann::json::parse(test::read_file(dir / "b" / "grids.geojson"));
        CHECK(grids["features"].size() == 1);
    }
    SECTION("no households: an error naming the household layer") {
        test::write_file(dir / "empty.geojson", R"({"type": "FeatureCollection", "features": []})");
        const auto r = run_gridplan({"plan", sample + "/district.json", "--households", (dir / "empty.geojson").string(),
                                     "--out", (dir / "c").string()});
        CHECK(r.exit_code != 0);
        CHECK_THAT(r.err, Catch::Contains("no households") && Catch::Contains("empty.geojson"));
        CHECK_FALSE(fs::exists(dir / "c" / "grids.geojson"));
    }
}

TEST_CASE("gridplan plan: bad options", "[cli][plan]") {
    TempDir dir;
    const std::string config = test::source_dir() + "/data/sample/district.json";
    const auto t = run_gridplan({"plan", config, "--out", (dir / "a").string(), "--tolerance", "1.5"});
    CHECK(t.exit_code == 2);  // a bad flag: usage, naming the flag
    CHECK_THAT(t.err, Catch::Contains("--tolerance: must be above 0 and below 1"));
    CHECK(run_gridplan({"plan", config, "--out", (dir / "b").string(), "--preset", "nope"}).exit_code == 2);
    const auto help = run_gridplan({"help", "plan"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("--households-per-grid") && Catch::Contains("EXIT CODES"));
}

TEST_CASE("gridplan plan snaps households with network.snap_cap_m, as coverage does", "[cli][plan]") {
    TempDir dir;
    const std::string sample = test::source_dir() + "/data/sample/";
    auto config = [&](const std::string& extra) {
        const auto path = dir / ("district" + std::to_string(extra.size()) + ".json");
        test::write_file(path, R"({"boundary": {"path": ")" + sample + R"(boundary.geojson"},
  "barriers": [
    {"path": ")" + sample + R"(roads.geojson", "class_field": "kind", "name_field": "name",
     "class_map": {"primary": "road", "secondary": "road", "tertiary": "street", "residential": "street",
                   "service": "alley", "footway": "alley"}},
    {"path": ")" + sample + R"(rivers.geojson", "class": "river", "name_field": "name"}],
  "water": [{"path": ")" + sample + R"(water.geojson"}],
  "households": {"path": ")" + sample + R"(households.geojson", "count_field": "households"})" + extra + "}");
        return path.string();
    };
    auto within = [&](const std::string& cfg, const std::string& name) {
        const auto r = run_gridplan({"plan", cfg, "--out", (dir / name).string(), "-q"});
        REQUIRE(r.exit_code == 0);
        return nlohmann::json::parse(test::read_file(dir / name / "plan.json"))["metrics"]["within_radius_share"]
            .get<double>();
    };
    const double by_default = within(config(""), "default");
    // A 1 m cap: almost no household point lies on a walkable line.
    const double strict = within(config(R"(, "network": {"snap_cap_m": 1})"), "strict");
    CHECK(by_default > 0.5);
    CHECK(strict < 0.1);
    // The planner's own caps are plan.tuning keys, checked like every other.
    const auto bad = run_gridplan({"plan", config(R"(, "plan": {"tuning": {"atom_snap_m": -1}})"), "--out",
                                   (dir / "bad").string()});
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.err, Catch::Contains("key 'plan.tuning.atom_snap_m'"));
}

TEST_CASE("gridplan plan --strict exits 3 when a grid is outside the band and still writes the outputs",
          "[cli][plan]") {
    TempDir dir;
    const std::string config = test::source_dir() + "/data/district/district.json";
    // 60,000 households, one grid of a 100,000 target (band 85,000-115,000): outside it.
    const auto out = dir / "one";
    const auto strict = run_gridplan({"plan", config, "--out", out.string(), "--households-per-grid", "100000",
                                      "--strict", "-q"});
    CHECK(strict.exit_code == 3);
    CHECK_THAT(strict.err, Catch::Contains("--strict") && Catch::Contains("1 grid outside the band (grid_id 1)"));
    CHECK(fs::exists(out / "grids.geojson"));
    CHECK(fs::exists(out / "plan.json"));
    // The summary names each kind of infeasibility as plan.json does.
    std::map<std::string, int> kinds;
    const auto plan = nlohmann::json::parse(test::read_file(out / "plan.json"));
    for (const auto& f : plan["metrics"]["infeasible"]) {
        ++kinds[f["kind"].get<std::string>()];
    }
    REQUIRE(kinds.count("part_outside_band") == 1);
    for (const auto& [kind, n] : kinds) {
        CHECK_THAT(strict.out, Catch::Contains(std::to_string(n) + " " + kind));
    }
    // Without --strict the same plan exits 0.
    const auto lax = run_gridplan({"plan", config, "--out", (dir / "lax").string(), "--households-per-grid", "100000",
                                   "-q"});
    CHECK(lax.exit_code == 0);
    // The default plan of the district meets every target but the radius: --strict exits 0.
    const auto ok = run_gridplan({"plan", config, "--out", (dir / "ok").string(), "--strict", "-q"});
    CHECK(ok.exit_code == 0);
    CHECK(ok.err.find("--strict") == std::string::npos);
}

TEST_CASE("gridplan plan --preset gb50180 sets defaults: the config's own keys and the flags stay",
          "[cli][plan]") {
    TempDir dir;
    const auto config = dir / "district.json";
    test::write_file(config, test::sample_config_text(
                                 R"("plan": {"households_per_grid": 3000, "code_prefix": "370705", "budget_per_household": 25})"));
    const auto out = dir / "plan";
    const auto r = run_gridplan({"plan", config.string(), "--out", out.string(), "--preset", "gb50180", "-q"});
    REQUIRE(r.exit_code == 0);
    const auto p = nlohmann::json::parse(test::read_file(out / "plan.json"))["parameters"];
    CHECK(p["households_per_grid"] == 3000);                          // the config's
    CHECK(p["tolerance"].get<double>() == Approx(1500.0 / 6500.0));   // the preset's
    CHECK(p["walk_radius_m"].get<double>() == Approx(500.0));         // the preset's: 10 min at 3 km/h
    CHECK(p["code_prefix"] == "370705");                              // kept
    CHECK(p["budget_per_household"] == 25);                           // kept
    // A flag overrides both.
    const auto f = run_gridplan({"plan", config.string(), "--out", (dir / "flag").string(), "--preset", "gb50180",
                                 "--households-per-grid", "4000", "-q"});
    REQUIRE(f.exit_code == 0);
    CHECK(nlohmann::json::parse(test::read_file(dir / "flag" / "plan.json"))["parameters"]["households_per_grid"] ==
          4000);
}

TEST_CASE("gridplan validate: a plan's grids hold the hard rules, hand-edited ones are named", "[cli][validate]") {
    TempDir dir;
    const std::string config = test::source_dir() + "/data/sample/district.json";
    const auto out = dir / "plan";
    REQUIRE(run_gridplan({"plan", config, "--out", out.string(), "--households-per-grid", "3000", "-q"}).exit_code == 0);
    const auto ok = run_gridplan({"validate", (out / "grids.geojson").string(), "--config", config,
                                  "--households-per-grid", "3000"});
    INFO(ok.out << ok.err);
    REQUIRE(ok.exit_code == 0);
    CHECK_THAT(ok.out, Catch::Contains("hard rules: all hold"));
    CHECK_THAT(ok.out, Catch::Contains("grids: 5 for 14963 households (target 3000, band 2550-3450): 5 in the band"));
    // Without a config: the layer's own geometry only.
    const auto alone = run_gridplan({"validate", (out / "grids.geojson").string()});
    INFO(alone.out << alone.err);
    CHECK(alone.exit_code == 0);
    CHECK_THAT(alone.out, Catch::Contains("grids: 5 covering"));
    CHECK_THAT(alone.out, Catch::Contains("hard rules: all hold"));
    CHECK(run_gridplan({"validate", (out / "grids.geojson").string(), "--out", (dir / "x").string()}).exit_code == 2);

    auto grids = nlohmann::json::parse(test::read_file(out / "grids.geojson"));
    const auto edges = nlohmann::json::parse(test::read_file(out / "grid_edges.geojson"));
    std::set<std::pair<int, int>> touching;
    for (const auto& f : edges["features"]) {
        touching.insert({f["properties"]["grid_a"].get<int>(), f["properties"]["grid_b"].get<int>()});
    }
    auto feature = [&](int id) -> nlohmann::json& {
        for (auto& f : grids["features"]) {
            if (f["properties"]["grid_id"] == id) {
                return f;
            }
        }
        FAIL("no grid " << id);
        throw std::logic_error{"unreachable"};
    };
    SECTION("one grid drawn over another: an overlap, and a gap where the other was") {
        feature(2)["geometry"] = feature(1)["geometry"];
        test::write_file(dir / "edited.geojson", grids.dump());
        const auto r = run_gridplan({"validate", (dir / "edited.geojson").string(), "--config", config,
                                     "--households-per-grid", "3000"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.out, Catch::Contains("overlap: grids 1 and 2 overlap by"));
        CHECK_THAT(r.out, Catch::Contains("gap: "));
        const auto a = run_gridplan({"validate", (dir / "edited.geojson").string()});
        CHECK(a.exit_code == 1);
        CHECK_THAT(a.out, Catch::Contains("overlap: grids 1 and 2 overlap by"));
    }
    SECTION("two grids that share no edge drawn as one: in more than one piece") {
        int a = 0;
        int b = 0;
        for (int i = 1; i <= 5 && a == 0; ++i) {
            for (int j = i + 1; j <= 5; ++j) {
                if (touching.count({i, j}) == 0) {
                    a = i;
                    b = j;
                    break;
                }
            }
        }
        REQUIRE(a > 0);
        nlohmann::json multi = {{"type", "MultiPolygon"}, {"coordinates", nlohmann::json::array()}};
        for (const int id : {a, b}) {
            const auto& g = feature(id)["geometry"];
            if (g["type"] == "Polygon") {
                multi["coordinates"].push_back(g["coordinates"]);
            } else {
                for (const auto& p : g["coordinates"]) {
                    multi["coordinates"].push_back(p);
                }
            }
        }
        feature(a)["geometry"] = multi;
        auto& features = grids["features"];
        features.erase(std::remove_if(features.begin(), features.end(),
                                      [&](const auto& f) { return f["properties"]["grid_id"] == b; }),
                       features.end());
        test::write_file(dir / "edited.geojson", grids.dump());
        const auto r = run_gridplan({"validate", (dir / "edited.geojson").string(), "--config", config,
                                     "--households-per-grid", "3000"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.out, Catch::Contains("not_contiguous: grid " + std::to_string(a) + " is in more than one piece"));
        const auto alone2 = run_gridplan({"validate", (dir / "edited.geojson").string()});
        CHECK(alone2.exit_code == 1);
        CHECK_THAT(alone2.out,
                   Catch::Contains("not_contiguous: grid " + std::to_string(a) + " is in 2 pieces that do not touch"));
    }
}
