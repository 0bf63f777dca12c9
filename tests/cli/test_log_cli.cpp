// A tool that explains itself while it runs: progress on a terminal, nothing of it
// elsewhere, and --log-json's events.
#include "support/fixtures.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

using namespace gridplan;
using test::run_gridplan;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string sample = test::source_dir() + "/data/sample/district.json";

std::vector<nlohmann::json> read_lines(const fs::path& p) {
    std::vector<nlohmann::json> events;
    std::istringstream in{test::read_file(p)};
    for (std::string line; std::getline(in, line);) {
        INFO(line);
        REQUIRE_NOTHROW(events.push_back(nlohmann::json::parse(line)));
        REQUIRE(events.back().is_object());
    }
    return events;
}

} // namespace

TEST_CASE("the JSON log (--log-json): one JSON object per line, stages in order, the figures of plan.json, the exit",
          "[cli][log]") {
    TempDir dir;
    const auto out = dir / "plan";
    const auto log = dir / "run.jsonl";
    const auto r = run_gridplan({"plan", sample, "--out", out.string(), "--households-per-grid", "3000", "--log-json",
                                 log.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto events = read_lines(log);
    REQUIRE(events.size() >= 4);
    CHECK(events.front()["event"] == "start");
    CHECK(events.front()["command"] == "plan");
    CHECK(events.back()["event"] == "end");
    CHECK(events.back()["exit_code"] == 0);
    // Every stage begins and ends, in pipeline order; time only goes forward.
    std::vector<std::string> begun;
    std::vector<std::string> ended;
    double t = 0.0;
    for (const auto& e : events) {
        CHECK(e["elapsed_s"].get<double>() >= t);
        t = e["elapsed_s"].get<double>();
        if (e["event"] == "stage_begin") {
            begun.push_back(e["stage"]);
        } else if (e["event"] == "stage_end") {
            ended.push_back(e["stage"]);
        } else if (e["event"] == "progress") {
            CHECK(e["fraction"].get<double>() > 0.0);
            CHECK(e["fraction"].get<double>() < 1.0);
        }
    }
    const std::vector<std::string> stages{"read", "blocks", "network", "plan", "coverage", "write"};
    CHECK(begun == stages);
    CHECK(ended == stages);
    // The result carries plan.json's own figures.
    const nlohmann::json plan = nlohmann::json::parse(test::read_file(out / "plan.json"));
    bool found = false;
    for (const auto& e : events) {
        if (e["event"] == "result") {
            found = true;
            CHECK(e["figures"]["metrics"] == plan["metrics"]);
            CHECK(e["figures"]["service_coverage"] == plan["service_coverage"]);
            CHECK(fs::path{e["manifest"].get<std::string>()}.filename() == "plan.json");
        }
    }
    CHECK(found);
    // Not a terminal: no progress lines on stderr.
    CHECK(r.err.find('\r') == std::string::npos);
    CHECK(r.err.find("plan: done") == std::string::npos);
}

TEST_CASE("the JSON log (--log-json): warnings and a failed run's error are events too", "[cli][log]") {
    TempDir dir;
    const auto log = dir / "run.jsonl";
    // The sample's households include points outside the district: a warning.
    REQUIRE(run_gridplan({"plan", sample, "--out", (dir / "p").string(), "--households-per-grid", "3000", "-q",
                          "--log-json", log.string()})
                .exit_code == 0);
    std::size_t warnings = 0;
    for (const auto& e : read_lines(log)) {
        warnings += e["event"] == "warning" ? 1 : 0;
    }
    CHECK(warnings > 0);  // -q silences the terminal, not the log

    test::write_file(dir / "bad.json", "{ \"boundary\": {\"path\": \"nowhere.geojson\"}, \"barriers\": [{\"path\": \"nowhere.geojson\"}], "
                                       "\"households\": {\"path\": \"nowhere.geojson\"} }");
    const auto bad = run_gridplan({"plan", (dir / "bad.json").string(), "--out", (dir / "q").string(), "--log-json",
                                   log.string()});
    CHECK(bad.exit_code != 0);
    const auto events = read_lines(log);
    REQUIRE_FALSE(events.empty());
    CHECK(events.back()["event"] == "end");
    CHECK(events.back()["exit_code"] == bad.exit_code);
    // The error as printed on stderr.
    CHECK_THAT(bad.err, Catch::Contains("gridplan: error: " + events.back()["error"].get<std::string>()));

    const auto unwritable = run_gridplan({"plan", sample, "--out", (dir / "r").string(), "--log-json",
                                          (dir / "no" / "such" / "dir" / "run.jsonl").string()});
    CHECK(unwritable.exit_code == 2);
    CHECK_THAT(unwritable.err, Catch::Contains("--log-json: cannot write"));
}

TEST_CASE("progress on a terminal: one line per stage with its time, none with -q", "[cli][log]") {
    const std::string script = "/usr/bin/script";
    if (!fs::exists(script)) {
        std::cout << "SKIPPED: " << script << " is absent (Debian package bsdutils)\n";
        return;
    }
    TempDir dir;
    auto on_terminal = [&](const std::string& name, const std::string& extra) {
        const std::string cmd = std::string{"'"} + GRIDPLAN_EXE + "' plan '" + sample + "' --out '" +
                                (dir / name).string() + "' --households-per-grid 3000 " + extra + " >/dev/null";
        return test::run_command(script, {"-qec", cmd, "/dev/null"});
    };
    const auto r = on_terminal("a", "");
    REQUIRE(r.exit_code == 0);
    for (const char* stage : {"read", "blocks", "network", "plan", "coverage", "write"}) {
        INFO(stage << "\n" << r.out);
        CHECK_THAT(r.out, Catch::Contains(std::string{stage} + ": done ("));
    }
    CHECK_THAT(r.out, Catch::Contains("\r\033[K"));
    const auto q = on_terminal("b", "-q");
    REQUIRE(q.exit_code == 0);
    CHECK(q.out.find(": done (") == std::string::npos);
}
