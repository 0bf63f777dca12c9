// The walking network on small hand-made maps (metres), checked against a brute-force
// Floyd-Warshall reference and against distances worked out by hand.
#include "support/fixtures.hpp"

#include "gridplan/network/network.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace gridplan;
using network::unreachable;
using test::DistrictBuilder;

namespace {

const char* const big_square = "POLYGON((-500 -500, 800 -500, 800 800, -500 800, -500 -500))";

/// Distance between two points over the network (the first one the only source).
double walk(const network::WalkNetwork& net, double x0, double y0, double x1, double y1) {
    const std::vector<network::Snap> src{net.snap(x0, y0, 300.0)};
    const network::SourceDistances d{net, src, unreachable};
    return d.distance(net.snap(x1, y1, 300.0));
}

/// All-pairs node distances by Floyd-Warshall.
std::vector<std::vector<double>> floyd_warshall(const network::WalkNetwork& net) {
    const std::size_t n = net.node_count();
    std::vector<std::vector<double>> d(n, std::vector<double>(n, unreachable));
    for (std::size_t i = 0; i < n; ++i) {
        d[i][i] = 0.0;
    }
    for (const auto& e : net.edges()) {
        d[e.from][e.to] = std::min(d[e.from][e.to], e.length_m);
        d[e.to][e.from] = std::min(d[e.to][e.from], e.length_m);
    }
    for (std::size_t k = 0; k < n; ++k) {
        for (std::size_t i = 0; i < n; ++i) {
            for (std::size_t j = 0; j < n; ++j) {
                if (d[i][k] + d[k][j] < d[i][j]) {
                    d[i][j] = d[i][k] + d[k][j];
                }
            }
        }
    }
    return d;
}

} // namespace

TEST_CASE("a street lattice: nodes at shared vertices, exact walk distances", "[network]") {
    wrap::GeosContext geos;
    RunContext ctx;
    // Three east-west and three north-south streets, 100 m apart, sharing vertices.
    DistrictBuilder b{geos, big_square};
    for (int k = 0; k <= 2; ++k) {
        const std::string c = std::to_string(100 * k);
        b.line("LINESTRING(0 " + c + ", 100 " + c + ", 200 " + c + ")", BarrierClass::street);
        b.line("LINESTRING(" + c + " 0, " + c + " 100, " + c + " 200)", BarrierClass::street);
    }
    const io::District d = b.build();
    const auto net = network::build_network(d, {}, geos, ctx);
    CHECK(net.node_count() == 9);
    CHECK(net.edge_count() == 12);
    CHECK(net.total_length_m() == Approx(1200.0));
    CHECK(net.component_count() == 1);
    CHECK(walk(net, 0, 0, 200, 200) == Approx(400.0));
    CHECK(walk(net, 0, 0, 100, 100) == Approx(200.0));
    // Off the network: the straight access legs count (10 m and 20 m here).
    CHECK(walk(net, 50, -10, 150, 220) == Approx(10.0 + 50.0 + 100.0 + 100.0 + 50.0 + 20.0));
    // Both on the same edge: straight along it.
    CHECK(walk(net, 20, 5, 80, 5) == Approx(5.0 + 60.0 + 5.0));
    // Farther than the cap from every edge: not on the network.
    CHECK_FALSE(net.snap(700, 700, 300.0).on_network());
    const auto s = net.snap(120, 40, 300.0);
    REQUIRE(s.on_network());
    CHECK(s.access_m == Approx(20.0));
}

TEST_CASE("a river is crossed only at the bridge", "[network]") {
    wrap::GeosContext geos;
    RunContext ctx;
    // South bank streets (y = 0, 100), north bank streets (y = 200, 300), a river at
    // y = 150 that is not walkable, and one bridge at x = 100.
    DistrictBuilder b{geos, big_square};
    b.line("LINESTRING(0 0, 100 0, 200 0)", BarrierClass::street)
        .line("LINESTRING(0 100, 100 100, 200 100)", BarrierClass::street)
        .line("LINESTRING(0 0, 0 100)", BarrierClass::street)
        .line("LINESTRING(200 0, 200 100)", BarrierClass::street)
        .line("LINESTRING(0 200, 100 200, 200 200)", BarrierClass::street)
        .line("LINESTRING(0 300, 200 300)", BarrierClass::street)
        .line("LINESTRING(0 200, 0 300)", BarrierClass::street)
        .line("LINESTRING(-100 150, 300 150)", BarrierClass::river, "Bailang River");
    SECTION("with the bridge") {
        io::District d = b.bridge("LINESTRING(100 100, 100 150, 100 200)", BarrierClass::road, "Bailang Bridge").build();
        const auto net = network::build_network(d, {}, geos, ctx);
        // (0,0) -> (0,100) -> (100,100) -> bridge -> (100,200) -> (0,200) -> (0,300)
        CHECK(walk(net, 0, 0, 0, 300) == Approx(100.0 + 100.0 + 100.0 + 100.0 + 100.0));
        CHECK(walk(net, 200, 0, 200, 200) == Approx(100.0 + 100.0 + 100.0 + 100.0));
        CHECK(net.component_count() == 1);
    }
    SECTION("without it") {
        const io::District d = b.build();
        const auto net = network::build_network(d, {}, geos, ctx);
        CHECK(walk(net, 0, 0, 0, 300) == unreachable);
        CHECK(net.component_count() == 2);
    }
}

TEST_CASE("crossings without a shared vertex are not junctions, T-junctions are", "[network]") {
    wrap::GeosContext geos;
    RunContext ctx;
    SECTION("an overpass") {
        DistrictBuilder b{geos, big_square};
        b.line("LINESTRING(0 50, 200 50)", BarrierClass::road).line("LINESTRING(100 0, 100 100)", BarrierClass::street);
        const io::District d = b.build();
        const auto net = network::build_network(d, {}, geos, ctx);
        CHECK(walk(net, 0, 50, 100, 0) == unreachable);
    }
    SECTION("a shared vertex") {
        DistrictBuilder b{geos, big_square};
        b.line("LINESTRING(0 50, 100 50, 200 50)", BarrierClass::road)
            .line("LINESTRING(100 0, 100 50, 100 100)", BarrierClass::street);
        const io::District d = b.build();
        const auto net = network::build_network(d, {}, geos, ctx);
        CHECK(walk(net, 0, 50, 100, 0) == Approx(150.0));
    }
    SECTION("a shared vertex between a bridge and the street below is no junction") {
        DistrictBuilder b{geos, big_square};
        b.line("LINESTRING(0 50, 100 50, 200 50)", BarrierClass::street)
            .bridge("LINESTRING(100 0, 100 50, 100 100)", BarrierClass::road);
        const io::District d = b.build();
        const auto net = network::build_network(d, {}, geos, ctx);
        CHECK(walk(net, 0, 50, 100, 0) == unreachable);
    }
    SECTION("an endpoint touching a line joins it") {
        DistrictBuilder b{geos, big_square};
        b.line("LINESTRING(0 50, 200 50)", BarrierClass::road)
            .line("LINESTRING(100 50.3, 100 150)", BarrierClass::alley);  // 0.3 m short of the road
        const io::District d = b.build();
        const auto net = network::build_network(d, {}, geos, ctx);
        CHECK(walk(net, 0, 50, 100, 150) == Approx(100.0 + 0.3 + 99.7));
        CHECK(walk(net, 200, 50, 100, 150) == Approx(100.0 + 0.3 + 99.7));
    }
    SECTION("motorways and rivers are not walkable") {
        DistrictBuilder b{geos, big_square};
        b.line("LINESTRING(0 50, 200 50)", BarrierClass::road).line("LINESTRING(0 80, 200 80)", BarrierClass::river);
        io::District d = b.build();
        d.barriers[0].walkable = false;
        const auto net = network::build_network(d, {}, geos, ctx);
        CHECK(net.edge_count() == 0);
        CHECK_FALSE(net.snap(10, 50, 300.0).on_network());
    }
}

TEST_CASE("multi-source distances match Floyd-Warshall on a random street grid", "[network]") {
    wrap::GeosContext geos;
    RunContext ctx;
    std::mt19937 rng{7};  // only the fixture is random; expected values come from the reference
    std::uniform_real_distribution<double> jitter{-20.0, 20.0};
    // A 6 x 6 grid of jittered nodes; each street segment present with probability 0.7.
    double x[6][6];
    double y[6][6];
    for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 6; ++j) {
            x[i][j] = 100.0 * i + jitter(rng);
            y[i][j] = 100.0 * j + jitter(rng);
        }
    }
    std::bernoulli_distribution keep{0.7};
    DistrictBuilder b{geos, big_square};
    auto seg = [&](int i0, int j0, int i1, int j1) {
        b.line("LINESTRING(" + std::to_string(x[i0][j0]) + " " + std::to_string(y[i0][j0]) + ", " +
                   std::to_string(x[i1][j1]) + " " + std::to_string(y[i1][j1]) + ")",
               BarrierClass::street);
    };
    for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 6; ++j) {
            if (i < 5 && keep(rng)) {
                seg(i, j, i + 1, j);
            }
            if (j < 5 && keep(rng)) {
                seg(i, j, i, j + 1);
            }
        }
    }
    const io::District d = b.build();
    const auto net = network::build_network(d, {}, geos, ctx);
    const auto reference = floyd_warshall(net);
    // Sources at three nodes: the multi-source distance is the minimum over them.
    const std::vector<network::NodeIndex> sources{0, static_cast<network::NodeIndex>(net.node_count() / 2),
                                                  static_cast<network::NodeIndex>(net.node_count() - 1)};
    std::vector<network::Snap> snaps;
    for (const auto s : sources) {
        snaps.push_back(net.snap(net.node_x(s), net.node_y(s), 1.0));
    }
    const auto dist = network::distances_from(net, snaps, unreachable);
    for (network::NodeIndex n = 0; n < net.node_count(); ++n) {
        double expected = unreachable;
        for (const auto s : sources) {
            expected = std::min(expected, reference[s][n]);
        }
        if (std::isfinite(expected)) {
            CHECK(dist[n] == Approx(expected).margin(1e-6));
        } else {
            CHECK(dist[n] == unreachable);
        }
    }
    // A limit cuts the search: nothing beyond it is reported.
    const auto limited = network::distances_from(net, snaps, 150.0);
    for (network::NodeIndex n = 0; n < net.node_count(); ++n) {
        if (dist[n] <= 150.0) {
            CHECK(limited[n] == Approx(dist[n]));
        } else {
            CHECK(limited[n] == unreachable);
        }
    }
}
