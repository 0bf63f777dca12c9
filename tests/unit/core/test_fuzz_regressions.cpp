// Replays every input in tests/fuzz/regressions/<target>/ (findings of scripts/fuzz.sh)
// through the fuzz target's own body: each must be accepted or rejected with a
// gridplan::Error, never crash, throw an InternalError or another exception.
#include "fuzz_bodies.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> regressions(const std::string& target) {
    const fs::path dir = fs::path{GRIDPLAN_SOURCE_DIR} / "tests" / "fuzz" / "regressions" / target;
    std::vector<fs::path> files;
    if (fs::is_directory(dir)) {
        for (const auto& e : fs::directory_iterator{dir}) {
            if (e.is_regular_file() && e.path().filename().string().front() != '.') {
                files.push_back(e.path());
            }
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::uint8_t> bytes_of(const fs::path& p) {
    std::ifstream in{p, std::ios::binary};
    return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

template <typename Body>
void replay(const std::string& target, Body&& body) {
    const auto files = regressions(target);
    for (const auto& f : files) {
        INFO(f.filename().string());
        const auto data = bytes_of(f);
        gridplan::fuzz::Outcome outcome;
        REQUIRE_NOTHROW(outcome = body(data.data(), data.size()));
        if (outcome.rejected) {
            CHECK_FALSE(outcome.message.empty());
        }
    }
}

} // namespace

TEST_CASE("fuzz_config regressions: accepted or a ConfigError", "[fuzz][config]") {
    replay("fuzz_config", gridplan::fuzz::run_config);
}

TEST_CASE("fuzz_osm_tags regressions: accepted or a ConfigError", "[fuzz][osm]") {
    replay("fuzz_osm_tags", gridplan::fuzz::run_osm_tags);
}

TEST_CASE("fuzz_district regressions: planned or an input error", "[fuzz][plan]") {
    replay("fuzz_district", gridplan::fuzz::run_district);
}
