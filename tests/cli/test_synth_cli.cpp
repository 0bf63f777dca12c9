// gridplan synth end to end: the district it writes runs through gridplan blocks, and
// bad values exit with 1 naming the option.
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("gridplan help synth", "[cli][synth]") {
    const auto page = run_gridplan({"help", "synth"});
    CHECK(page.exit_code == 0);
    for (const char* s : {"SYNOPSIS", "OPTIONS", "EXIT CODES", "EXAMPLES", "--households", "--seed", "--out"}) {
        CHECK_THAT(page.out, Catch::Contains(s));
    }
    CHECK(run_gridplan({"synth", "--help"}).exit_code == 0);
}

TEST_CASE("gridplan synth writes a district that gridplan blocks cuts", "[cli][synth][blocks]") {
    TempDir dir;
    const auto district = dir / "district";
    const auto r = run_gridplan({"synth", "--households", "30000", "--seed", "2", "--out", district.string()});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("households: 30000 in "));
    CHECK_THAT(r.out, Catch::Contains("bridges"));
    CHECK(r.err.empty());

    const auto b = run_gridplan({"blocks", (district / "district.json").string(), "--out", (dir / "blocks").string()});
    REQUIRE(b.exit_code == 0);
    const auto summary = nlohmann::json::parse(test::read_file(dir / "blocks" / "blocks_summary.json"));
    const auto& h = summary["households"];
    CHECK(h["inside"].get<std::int64_t>() + h["outside"].get<std::int64_t>() == 30000);
    CHECK(h["outside"] == 0);
    CHECK(h["moved_from_water"] == 0);
    CHECK(summary["crossings_without_vertex"] == 0);
    CHECK(summary["cut_edges"] == 0);
    CHECK(summary["water_blocks"].get<int>() > 0);
    CHECK(summary["blocks"].get<int>() > 200);
}

TEST_CASE("gridplan synth: bad values exit with 2 and name the option", "[cli][synth]") {
    TempDir dir;
    const auto out = (dir / "out").string();
    for (const auto& [option, value] : std::vector<std::pair<std::string, std::string>>{{"--households", "999"},
                                                                                        {"--households", "5000001"},
                                                                                        {"--households", "lots"},
                                                                                        {"--households", "2.5e5"},
                                                                                        {"--seed", "-1"},
                                                                                        {"--seed", "4294967296"},
                                                                                        {"--seed", "x"}}) {
        INFO(option << " " << value);
        const auto r = run_gridplan({"synth", option, value, "--out", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("gridplan: error: " + option + ": must be a whole number from "));
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
    CHECK_FALSE(fs::exists(out));

    test::write_file(dir / "file", "x");
    const auto not_dir = run_gridplan({"synth", "--households", "1000", "--out", (dir / "file").string()});
    CHECK(not_dir.exit_code == 1);
    CHECK_THAT(not_dir.err, Catch::Contains("not a directory"));
    const auto proc = run_gridplan({"synth", "--households", "1000", "--out", "/proc/gridplan-synth"});
    CHECK(proc.exit_code == 1);
    CHECK_THAT(proc.err, Catch::Contains("/proc/gridplan-synth"));
    CHECK(run_gridplan({"synth", "--households", "1000"}).exit_code == 2); // --out is required
}
