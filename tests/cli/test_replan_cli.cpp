// gridplan replan end to end on the sample district. share_kept is checked against a
// measurement made here with plain OGR point-in-polygon, not through the engine.
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string sample_config() { return test::source_dir() + "/data/sample/district.json"; }
const std::string sample_households() { return test::source_dir() + "/data/sample/households.geojson"; }

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(test::read_file(p)); }

void write_json(const fs::path& p, const nlohmann::json& j) { test::write_file(p, j.dump()); }

std::set<std::string> keys_of(const nlohmann::json& j) {
    std::set<std::string> keys;
    for (const auto& [k, v] : j.items()) {
        keys.insert(k);
    }
    return keys;
}

/// grid_id of every block in a blocks.geojson, by block_id.
std::map<std::int64_t, std::int64_t> grid_of_blocks(const fs::path& blocks) {
    std::map<std::int64_t, std::int64_t> out;
    const nlohmann::json j = read_json(blocks);
    for (const auto& f : j["features"]) {
        out[f["properties"]["block_id"].get<std::int64_t>()] = f["properties"]["grid_id"].get<std::int64_t>();
    }
    return out;
}

/// Polygons of a grid layer by id, read with OGR.
class OgrGrids {
public:
    OgrGrids(const fs::path& path, const std::string& id_field) {
        GDALAllRegister();
        GDALDatasetUniquePtr ds{GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR)};
        REQUIRE(ds);
        OGRLayer* layer = ds->GetLayer(0);
        for (auto& f : *layer) {
            const auto id = f->GetFieldAsInteger64(id_field.c_str());
            m_grids.emplace(id, std::unique_ptr<OGRGeometry>(f->GetGeometryRef()->clone()));
        }
    }
    /// The lowest id whose polygon contains the point; 0 for none.
    std::int64_t at(double lon, double lat) const {
        const OGRPoint p{lon, lat};
        for (const auto& [id, g] : m_grids) {
            if (g->Contains(&p)) {
                return id;
            }
        }
        return 0;
    }

private:
    std::map<std::int64_t, std::unique_ptr<OGRGeometry>> m_grids;
};

struct Household {
    double lon;
    double lat;
    std::int64_t count;
};

std::vector<Household> households_of(const nlohmann::json& collection) {
    std::vector<Household> out;
    for (const auto& f : collection["features"]) {
        const auto& c = f["geometry"]["coordinates"];
        out.push_back({c[0].get<double>(), c[1].get<double>(), f["properties"]["households"].get<std::int64_t>()});
    }
    return out;
}

/// A plan of the sample district in 5 grids, and that plan's grids without grid 3.
struct Previous {
    TempDir dir;
    fs::path plan = dir / "plan";
    fs::path without_3 = dir / "without_3.geojson";
    Previous() {
        const auto r = run_gridplan({"plan", sample_config(), "--out", plan.string(), "--households-per-grid", "3000",
                                     "--code-prefix", "370705", "-q"});
        REQUIRE(r.exit_code == 0);
        nlohmann::json grids = read_json(plan / "grids.geojson");
        nlohmann::json kept = nlohmann::json::array();
        for (const auto& f : grids["features"]) {
            if (f["properties"]["grid_id"] != 3) {
                kept.push_back(f);
            }
        }
        grids["features"] = kept;
        write_json(without_3, grids);
    }
};

/// One plan per test process: Catch2 runs a test case again for each of its sections.
Previous& previous_plan() {
    static Previous p;
    return p;
}

} // namespace

TEST_CASE("gridplan replan with the previous plan's own grids changes nothing", "[cli][replan]") {
    Previous& prev = previous_plan();
    const auto out = prev.dir / "replan";
    const auto r = run_gridplan({"replan", sample_config(), "--previous", (prev.plan / "grids.geojson").string(),
                                 "--out", out.string(), "--households-per-grid", "3000"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("no --previous-households"));
    CHECK_THAT(r.out, Catch::Contains("kept in their grid: 100.0% of households (0 moved"));
    CHECK(grid_of_blocks(out / "blocks.geojson") == grid_of_blocks(prev.plan / "blocks.geojson"));
    // Ids, codes and names persist.
    const auto before = read_json(prev.plan / "grids.geojson")["features"];
    const auto after = read_json(out / "grids.geojson")["features"];
    REQUIRE(after.size() == before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        for (const char* key : {"grid_id", "code", "name", "households"}) {
            CHECK(after[i]["properties"][key] == before[i]["properties"][key]);
        }
    }
    const auto changes = read_json(out / "changes.json");
    CHECK(keys_of(changes) == std::set<std::string>{"households_moved", "share_kept", "households_new",
                                                    "households_removed", "grids_changed", "grids_new",
                                                    "grids_retired", "grids"});
    CHECK(changes["households_moved"] == 0);
    CHECK(changes["share_kept"] == 1.0);
    CHECK(changes["households_new"] == 0);
    CHECK(changes["households_removed"] == 0);
    CHECK(changes["grids_changed"] == 0);
    REQUIRE(changes["grids"].size() == 5);
    for (const auto& g : changes["grids"]) {
        CHECK(g["status"] == "kept");
        CHECK(g["households_before"] == g["households_after"]);
    }
    CHECK(read_json(out / "changes.geojson")["features"].empty());
    const auto plan = read_json(out / "plan.json");
    CHECK(plan["replan"]["share_kept"] == changes["share_kept"]);
    CHECK(plan["replan"]["max_id"] == 5);
    CHECK(plan["replan"]["uncovered_blocks"].empty());
    CHECK(plan["replan"]["previous_households"].is_null());
    CHECK(plan["metrics"]["grids"] == 5);
    bool listed = false;
    for (const auto& f : plan["files"]) {
        listed = listed || f["name"] == "changes.json";
    }
    CHECK(listed);
}

TEST_CASE("gridplan replan --strict exits 3 only when a target is missed", "[cli][replan]") {
    Previous& prev = previous_plan();
    // Unchanged and inside the band: 0.
    const auto ok = run_gridplan({"replan", sample_config(), "--previous", (prev.plan / "grids.geojson").string(),
                                  "--out", (prev.dir / "strict-ok").string(), "--households-per-grid", "3000",
                                  "--strict", "-q"});
    CHECK(ok.exit_code == 0);
    // A target of 100,000: every grid is far below the band, the outputs are still written.
    const auto out = prev.dir / "strict-fail";
    const auto bad = run_gridplan({"replan", sample_config(), "--previous", (prev.plan / "grids.geojson").string(),
                                   "--out", out.string(), "--households-per-grid", "100000", "--strict", "-q"});
    CHECK(bad.exit_code == 3);
    CHECK_THAT(bad.err, Catch::Contains("--strict: the targets are not met") && Catch::Contains("outside the band"));
    CHECK(fs::exists(out / "changes.json"));
}

TEST_CASE("gridplan replan: share_kept agrees with point-in-polygon measured with OGR", "[cli][replan]") {
    Previous& prev = previous_plan();
    SECTION("without previous households: today's households, before and after") {
        const auto out = prev.dir / "r";
        const auto r = run_gridplan({"replan", sample_config(), "--previous", prev.without_3.string(), "--out",
                                     out.string(), "--households-per-grid", "3000"});
        REQUIRE(r.exit_code == 0);
        // Grid 3's area is uncovered: a warning with the area and share, and its blocks by id.
        CHECK_THAT(r.err, Catch::Contains("of the district uncovered") &&
                              Catch::Contains("lie outside every previous grid") && Catch::Contains("block_id"));
        const auto changes = read_json(out / "changes.json");
        const OgrGrids before{prev.without_3, "grid_id"};
        const OgrGrids after{out / "grids.geojson", "grid_id"};
        std::int64_t total = 0;
        std::int64_t kept = 0;
        for (const auto& h : households_of(read_json(sample_households()))) {
            const auto a = after.at(h.lon, h.lat);
            if (a == 0) {
                continue;  // outside the district: not present after
            }
            total += h.count;
            kept += before.at(h.lon, h.lat) == a ? h.count : 0;
        }
        const double share = static_cast<double>(kept) / static_cast<double>(total);
        CHECK(share < 0.95);  // grid 3's households moved
        CHECK(changes["share_kept"].get<double>() == Approx(share).margin(0.01));
        CHECK(changes["households_moved"].get<std::int64_t>() == Approx(total - kept).margin(0.01 * total));
        CHECK(changes["grids_retired"] == 0);
        // Grid 3's blocks were uncovered: changes.geojson has them with a null from_grid.
        bool uncovered = false;
        const auto changed_areas = read_json(out / "changes.geojson");
        for (const auto& f : changed_areas["features"]) {
            uncovered = uncovered || f["properties"]["from_grid"].is_null();
            CHECK(f["properties"]["to_grid"].get<int>() != 3);
        }
        CHECK(uncovered);
        const auto plan = read_json(out / "plan.json");
        CHECK(plan["replan"]["share_kept"] == changes["share_kept"]);
        CHECK_FALSE(plan["replan"]["uncovered_blocks"].empty());
        // Grid 3 is not reused: the previous layer's maximum is 5.
        const auto grids = read_json(out / "grids.geojson");
        for (const auto& f : grids["features"]) {
            CHECK(f["properties"]["grid_id"] != 3);
        }
    }
    SECTION("with previous households: demolition and new points") {
        nlohmann::json today = read_json(sample_households());
        nlohmann::json features = nlohmann::json::array();
        std::vector<Household> removed;
        std::vector<Household> added;
        const nlohmann::json old_features = today["features"];
        for (std::size_t i = 0; i < old_features.size(); ++i) {
            auto f = old_features[i];
            if (i % 10 == 0) {
                const auto& c = f["geometry"]["coordinates"];
                removed.push_back({c[0].get<double>(), c[1].get<double>(), f["properties"]["households"].get<std::int64_t>()});
                continue;
            }
            features.push_back(f);
        }
        for (std::size_t i = 5; i < old_features.size() && added.size() < 20; i += 97) {
            auto f = old_features[i];
            f["geometry"]["coordinates"][0] = f["geometry"]["coordinates"][0].get<double>() + 0.0003;
            f["properties"]["households"] = 50;
            f.erase("id");
            const auto& c = f["geometry"]["coordinates"];
            added.push_back({c[0].get<double>(), c[1].get<double>(), 50});
            features.push_back(f);
        }
        today["features"] = features;
        const auto today_path = prev.dir / "today.geojson";
        write_json(today_path, today);
        const auto out = prev.dir / "r2";
        const auto r = run_gridplan({"replan", sample_config(), "--households", today_path.string(),
                                     "--count-field", "households", "--previous", prev.without_3.string(),
                                     "--previous-households", sample_households(), "--out", out.string(),
                                     "--households-per-grid", "3000", "-q"});
        REQUIRE(r.exit_code == 0);
        const auto changes = read_json(out / "changes.json");
        const OgrGrids before{prev.without_3, "grid_id"};
        const OgrGrids after{out / "grids.geojson", "grid_id"};
        // Persisting: the points of today.geojson that were in the previous file (the same point).
        std::int64_t total = 0;
        std::int64_t kept = 0;
        std::int64_t gone = 0;
        std::int64_t fresh = 0;
        for (std::size_t i = 0; i < old_features.size(); ++i) {
            if (i % 10 == 0) {
                continue;
            }
            const auto& c = old_features[i]["geometry"]["coordinates"];
            const auto a = after.at(c[0].get<double>(), c[1].get<double>());
            if (a == 0) {
                continue;
            }
            const auto n = old_features[i]["properties"]["households"].get<std::int64_t>();
            total += n;
            kept += before.at(c[0].get<double>(), c[1].get<double>()) == a ? n : 0;
        }
        for (const auto& h : removed) {
            gone += after.at(h.lon, h.lat) != 0 ? h.count : 0;
        }
        for (const auto& h : added) {
            fresh += after.at(h.lon, h.lat) != 0 ? h.count : 0;
        }
        const double share = static_cast<double>(kept) / static_cast<double>(total);
        CHECK(changes["share_kept"].get<double>() == Approx(share).margin(0.01));
        CHECK(changes["households_removed"].get<std::int64_t>() == Approx(gone).margin(0.01 * gone));
        CHECK(changes["households_new"].get<std::int64_t>() == Approx(fresh).margin(0.01 * fresh + 1));
        CHECK(changes["households_new"].get<std::int64_t>() > 0);
        // households_before counts the previous households in each previous polygon.
        std::int64_t before_total = 0;
        for (const auto& g : changes["grids"]) {
            before_total += g["households_before"].get<std::int64_t>();
        }
        std::int64_t expected_before = 0;
        for (const auto& h : households_of(read_json(sample_households()))) {
            expected_before += before.at(h.lon, h.lat) != 0 ? h.count : 0;
        }
        CHECK(before_total == Approx(expected_before).margin(0.01 * expected_before));
        const auto plan = read_json(out / "plan.json");
        CHECK(plan["replan"]["previous_households"] == sample_households());
    }
}

TEST_CASE("gridplan replan: a layer drawn by hand, and the options recorded", "[cli][replan]") {
    Previous& prev = previous_plan();
    // Only an id field of its own: no code, no name.
    nlohmann::json drawn = read_json(prev.plan / "grids.geojson");
    for (auto& f : drawn["features"]) {
        f["properties"] = {{"GRID_NO", f["properties"]["grid_id"]}};
    }
    const auto drawn_path = prev.dir / "drawn.geojson";
    write_json(drawn_path, drawn);
    const auto out = prev.dir / "r";
    const auto r = run_gridplan({"replan", sample_config(), "--previous", drawn_path.string(), "--previous-id",
                                 "GRID_NO", "--out", out.string(), "--households-per-grid", "3000", "--tolerance",
                                 "0.2", "--walk-min", "12", "--code-prefix", "999", "--stability", "0.5", "--lock",
                                 "1,2", "--seed", "7", "-q"});
    REQUIRE(r.exit_code == 0);
    std::int64_t id = 1;
    const auto grids = read_json(out / "grids.geojson");
    for (const auto& f : grids["features"]) {
        CHECK(f["properties"]["grid_id"] == id);
        CHECK(f["properties"]["code"] == "99900" + std::to_string(id));
        CHECK(f["properties"]["name"] == "Grid " + std::to_string(id));
        ++id;
    }
    const auto plan = read_json(out / "plan.json");
    CHECK(plan["replan"]["previous_id_field"] == "GRID_NO");
    CHECK(plan["replan"]["stability"] == 0.5);
    CHECK(plan["replan"]["locked"] == nlohmann::json::array({1, 2}));
    CHECK(plan["parameters"]["tolerance"] == 0.2);
    CHECK(plan["parameters"]["walk_minutes"] == 12.0);
    CHECK(plan["parameters"]["seed"] == 7);
    CHECK(grid_of_blocks(out / "blocks.geojson") == grid_of_blocks(prev.plan / "blocks.geojson"));
}

TEST_CASE("gridplan replan: bad options", "[cli][replan]") {
    TempDir dir;
    const std::string grids = (dir / "grids.geojson").string();
    test::write_file(grids, R"({"type": "FeatureCollection", "features": []})");
    auto replan = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"replan", sample_config(), "--out", (dir / "out").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_gridplan(args);
    };
    SECTION("--previous is required") {
        const auto r = replan({});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--previous"));
    }
    SECTION("--stability outside 0..1") {
        const auto r = replan({"--previous", grids, "--stability", "1.5"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--stability: must be from 0 to 1, got 1.5"));
    }
    SECTION("--lock with something other than grid ids") {
        const auto r = replan({"--previous", grids, "--lock", "3,x"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--lock") && Catch::Contains("'x'"));
    }
    SECTION("--previous-households with --osm needs --households") {
        const auto r = run_gridplan({"replan", "--osm", "x.osm.pbf", "--previous", grids, "--previous-households",
                                     "old.geojson", "--out", (dir / "out").string()});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--previous-households"));
    }
    CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("gridplan replan: bad previous layers", "[cli][replan]") {
    Previous& prev = previous_plan();
    const auto previous = (prev.plan / "grids.geojson").string();
    SECTION("--lock names a grid the previous plan does not have") {
        const auto r = run_gridplan({"replan", sample_config(), "--previous", previous, "--lock", "2,99,98", "--out",
                                     (prev.dir / "a").string()});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--lock: no grid 98, 99 in the previous plan"));
        CHECK_FALSE(fs::exists(prev.dir / "a"));
    }
    SECTION("--previous-id names a field the layer lacks") {
        const auto r = run_gridplan({"replan", sample_config(), "--previous", previous, "--previous-id", "GRID_NO",
                                     "--out", (prev.dir / "b").string()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("grids.geojson") && Catch::Contains("GRID_NO") &&
                              Catch::Contains("--previous-id"));
        CHECK_FALSE(fs::exists(prev.dir / "b"));
    }
    SECTION("duplicate ids") {
        nlohmann::json grids = read_json(previous);
        grids["features"][1]["properties"]["grid_id"] = 1;
        write_json(prev.dir / "dup.geojson", grids);
        const auto r = run_gridplan({"replan", sample_config(), "--previous", (prev.dir / "dup.geojson").string(),
                                     "--out", (prev.dir / "c").string()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("duplicate grid ids: 1 (fid 0, 1)"));
    }
    SECTION("a layer in the wrong place covers none of the district") {
        nlohmann::json grids = read_json(previous);
        for (auto& f : grids["features"]) {
            for (auto& ring : f["geometry"]["coordinates"]) {
                for (auto& pt : ring) {
                    if (pt[0].is_number()) {
                        pt[0] = pt[0].get<double>() + 1.0;
                    } else {
                        for (auto& q : pt) {
                            q[0] = q[0].get<double>() + 1.0;
                        }
                    }
                }
            }
        }
        write_json(prev.dir / "moved.geojson", grids);
        const auto r = run_gridplan({"replan", sample_config(), "--previous", (prev.dir / "moved.geojson").string(),
                                     "--out", (prev.dir / "d").string()});
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("cover none of the district") && Catch::Contains("moved.geojson"));
    }
}

TEST_CASE("gridplan help replan", "[cli][replan]") {
    const auto r = run_gridplan({"help", "replan"});
    CHECK(r.exit_code == 0);
    for (const char* s : {"SYNOPSIS", "--previous", "--previous-id", "--previous-households", "--stability", "--lock",
                          "--households-per-grid", "--nest-within", "EXIT CODES", "EXAMPLES"}) {
        CHECK_THAT(r.out, Catch::Contains(s));
    }
}
