// The band flow of a replan (band_flow.hpp): the fewest households x grids crossed that
// bring every grid inside its bounds, on small graphs whose answers are worked out by hand
// (band 5100-6900 throughout).
#include "partition/detail/band_flow.hpp"

#include "gridplan/core/error.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace gridplan;
namespace pd = gridplan::partition::detail;

namespace {

pd::BandFlowNode grid(std::int64_t load) { return {load, 5100, 6900, true}; }

/// The flow's amounts by (from, to).
std::map<std::pair<std::uint32_t, std::uint32_t>, std::int64_t> amounts(const pd::BandFlow& flow) {
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::int64_t> out;
    for (const auto& e : flow.edges) {
        out[{e.from, e.to}] += e.amount;
    }
    return out;
}

} // namespace

TEST_CASE("band flow: an excess passes along a chain to the deficit at its end", "[partition][band_flow]") {
    // 8000 | 6000 | 4000 in a row: 1100 too many at one end, 1100 too few at the other.
    // The middle grid passes them on (it could take 900, but then the end would still
    // lack 1100): 1100 cross each border, 2200 moves.
    const pd::BandFlow flow = pd::band_flow({grid(8000), grid(6000), grid(4000)}, {{0, 1}, {2, 1}});
    const auto a = amounts(flow);
    REQUIRE(a.size() == 2);
    CHECK(a.at({0, 1}) == 1100);
    CHECK(a.at({1, 2}) == 1100);
    CHECK(flow.unmet == 0);
}

TEST_CASE("band flow: the shortest way round wins", "[partition][band_flow]") {
    // A ring 0-1-2-3-0: grid 0 has 500 too many; grid 1 is full (6900), grid 3 has room
    // (5100 + 1800): the 500 go straight to 3, one border crossed, not via 1 and 2.
    const pd::BandFlow flow =
        pd::band_flow({grid(7400), grid(6900), grid(6000), grid(5100)}, {{0, 1}, {1, 2}, {2, 3}, {3, 0}});
    const auto a = amounts(flow);
    REQUIRE(a.size() == 1);
    CHECK(a.at({0, 3}) == 500);
    CHECK(flow.unmet == 0);
}

TEST_CASE("band flow: a grid being dissolved gives all it holds and takes nothing", "[partition][band_flow]") {
    // Grid 0 (3000) is dissolved into 1 (5000: lacks 100, may take 1900 in all) and 2 (5500:
    // may take 1400); 1 and 2 also touch each other. Every household of 0 crosses one
    // border: 3000 moves, and grid 1 ends inside the band.
    const pd::BandFlow flow =
        pd::band_flow({{3000, 0, 0, false}, grid(5000), grid(5500)}, {{0, 1}, {0, 2}, {1, 2}});
    const auto a = amounts(flow);
    std::int64_t out_of_0 = 0;
    std::int64_t moved = 0;
    for (const auto& [key, amount] : a) {
        CHECK(key.second != 0);
        out_of_0 += key.first == 0 ? amount : 0;
        moved += amount;
    }
    CHECK(out_of_0 == 3000);
    CHECK(moved == 3000);
    const std::int64_t into_1 = a.count({0, 1}) ? a.at({0, 1}) : 0;
    const std::int64_t into_2 = a.count({0, 2}) ? a.at({0, 2}) : 0;
    CHECK(5000 + into_1 >= 5100);
    CHECK(5000 + into_1 <= 6900);
    CHECK(5500 + into_2 <= 6900);
    CHECK(flow.unmet == 0);
}

TEST_CASE("band flow: what no neighbour can take is reported, not forced", "[partition][band_flow]") {
    // Grid 0 (3000, dissolved) touches only 1 (6000: room for 900): 2100 stay unplaced.
    // Grid 2 (8000) touches no one: its 1100 too many are unmet too.
    const pd::BandFlow flow = pd::band_flow({{3000, 0, 0, false}, grid(6000), grid(8000)}, {{0, 1}});
    const auto a = amounts(flow);
    REQUIRE(a.size() == 1);
    CHECK(a.at({0, 1}) == 900);
    CHECK(flow.unmet == 2100 + 1100);
}

TEST_CASE("band flow: grids inside the band pass nothing, and bad bounds are an internal error",
          "[partition][band_flow]") {
    const pd::BandFlow flow = pd::band_flow({grid(6000), grid(5100), grid(6900)}, {{0, 1}, {1, 2}});
    CHECK(flow.edges.empty());
    CHECK(flow.unmet == 0);
    CHECK_THROWS_AS(pd::band_flow({{6000, 7000, 5000, true}}, {}), InternalError);
}
