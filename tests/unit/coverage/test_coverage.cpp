// Coverage shares, percentiles, service areas and gap filling on hand-made fixtures.
#include "support/fixtures.hpp"

#include "gridplan/coverage/coverage.hpp"

#include <catch2/catch.hpp>

using namespace gridplan;
using network::unreachable;
using test::DistrictBuilder;

namespace {

const char* const big_square = "POLYGON((-500 -500, 800 -500, 800 800, -500 800, -500 -500))";

/// A 3 x 3 lattice of streets, 100 m apart, sharing vertices.
DistrictBuilder lattice(const wrap::GeosContext& geos) {
    DistrictBuilder b{geos, big_square};
    for (int k = 0; k <= 2; ++k) {
        const std::string c = std::to_string(100 * k);
        b.line("LINESTRING(0 " + c + ", 100 " + c + ", 200 " + c + ")", BarrierClass::street);
        b.line("LINESTRING(" + c + " 0, " + c + " 100, " + c + " 200)", BarrierClass::street);
    }
    return b;
}

io::PointFeature point(double x, double y, ServiceSet services, const std::string& id) {
    io::PointFeature p;
    p.x = x;
    p.y = y;
    p.services = services;
    p.id = id;
    return p;
}

coverage::CoverageConfig config_with_radius(double metres) {
    coverage::CoverageConfig c;
    c.speed_kmh = 4.8;  // 80 m a minute
    c.radius_min = metres / 80.0;
    return c;
}

} // namespace

TEST_CASE("coverage shares and walk-time percentiles worked out by hand", "[coverage]") {
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = lattice(geos)
                               .household(0, 0, 10)      // 0 m from the centre
                               .household(100, 0, 20)    // 100 m
                               .household(200, 200, 30)  // 400 m
                               .household(700, 700, 40)  // more than 300 m from any street: unreachable
                               .build();
    const auto net = network::build_network(d, {}, geos, ctx);
    const std::vector<io::PointFeature> centres{point(0, 0, all_services_mask, "C1")};
    const std::vector<io::PointFeature> facilities{point(200, 200, mask_of(Service::medical), "clinic"),
                                                   point(0, 100, mask_of(Service::childcare), "kindergarten")};
    const auto cfg = config_with_radius(250.0);
    const auto r = coverage::compute_coverage(d, net, centres, facilities, cfg, {}, geos, ctx);
    const auto& s = r.summary;
    CHECK(s.households == 100);
    CHECK(s.within_radius_any == 30);  // 10 + 20
    CHECK(s.unreachable == 40);
    CHECK(s.off_network == 40);
    // Walk minutes at 80 m a minute: 0 (10 households), 1.25 (20), 5 (30).
    CHECK(s.walk_min_p50 == Approx(1.25));  // 30 of 60 reachable households at or below
    CHECK(s.walk_min_p90 == Approx(5.0));
    CHECK(s.walk_min_p99 == Approx(5.0));
    // Medical: the clinic at (200,200) and the centre (all services) at (0,0).
    // (100,0): 100 m to the centre; (200,200): 0 m; (0,0): 0 m -> 60 households.
    CHECK(s.within_radius_by_service[static_cast<std::size_t>(Service::medical)] == 60);
    // Childcare: the centre and the kindergarten at (0,100): (200,200) is 300 m away.
    CHECK(s.within_radius_by_service[static_cast<std::size_t>(Service::childcare)] == 30);
    CHECK(s.all_services == 30);
    REQUIRE(r.households.size() == 4);
    CHECK(r.households[2].centre_m == Approx(400.0));
    CHECK(r.households[3].centre_m == unreachable);
    CHECK_FALSE(r.households[3].on_network);
    CHECK(ctx.problems.count("household_off_network") == 1);
    REQUIRE(r.centres.size() == 1);
    CHECK(r.centres[0].households_served == 30);
    CHECK(r.centres[0].households_in_area == 30);
}

TEST_CASE("no centres: coverage 0 with a warning, not a crash", "[coverage]") {
    wrap::GeosContext geos;
    std::vector<std::string> warnings;
    RunContext ctx;
    ctx.log = Logger{[&warnings](LogLevel level, const std::string& m) {
        if (level == LogLevel::warning) {
            warnings.push_back(m);
        }
    }};
    const io::District d = lattice(geos).household(0, 0, 10).build();
    const auto net = network::build_network(d, {}, geos, ctx);
    const auto r = coverage::compute_coverage(d, net, {}, {}, config_with_radius(800.0), {}, geos, ctx);
    CHECK(r.summary.within_radius_any == 0);
    CHECK(r.summary.unreachable == 10);
    CHECK(r.summary.walk_min_p50 == unreachable);
    REQUIRE_FALSE(warnings.empty());
    CHECK_THAT(warnings.front(), Catch::Contains("no community service centres"));
}

TEST_CASE("a service area is cut at the exact distance and buffered", "[coverage]") {
    wrap::GeosContext geos;
    RunContext ctx;
    DistrictBuilder b{geos, big_square};
    b.line("LINESTRING(0 50, 200 50)", BarrierClass::street);
    const io::District d = b.build();
    const auto net = network::build_network(d, {}, geos, ctx);
    const std::vector<io::PointFeature> centres{point(0, 50, all_services_mask, "C1")};
    const auto r = coverage::compute_coverage(d, net, centres, {}, config_with_radius(130.0), {}, geos, ctx);
    REQUIRE(r.centres.at(0).service_area);
    const GEOSGeometry* area = r.centres[0].service_area.get();
    CHECK(geos.is_valid(area));
    auto contains = [&](double x, double y) {
        wrap::GeomPtr p = geos.point(x, y);
        return GEOSContains_r(geos.handle(), area, p.get()) == 1;
    };
    // Reached up to x = 130, buffered by 25 m.
    CHECK(contains(120, 50));
    CHECK(contains(154, 50));
    CHECK_FALSE(contains(156, 50));
    CHECK(contains(60, 74));
    CHECK_FALSE(contains(60, 76));
}

TEST_CASE("service areas hold every reached node and nothing beyond radius plus buffer", "[coverage]") {
    wrap::GeosContext geos;
    RunContext ctx;
    const io::District d = lattice(geos).build();
    const auto net = network::build_network(d, {}, geos, ctx);
    const std::vector<io::PointFeature> centres{point(0, 0, all_services_mask, "C1")};
    const double radius = 250.0;
    const auto r = coverage::compute_coverage(d, net, centres, {}, config_with_radius(radius), {}, geos, ctx);
    const GEOSGeometry* area = r.centres.at(0).service_area.get();
    REQUIRE(area != nullptr);
    const std::vector<network::Snap> src{net.snap(0, 0, 1.0)};
    const auto dist = network::distances_from(net, src, unreachable);
    for (network::NodeIndex n = 0; n < net.node_count(); ++n) {
        wrap::GeomPtr p = geos.point(net.node_x(n), net.node_y(n));
        const bool inside = GEOSIntersects_r(geos.handle(), area, p.get()) == 1;
        if (dist[n] <= radius) {
            CHECK(inside);
        }
        // Every point of the area is within radius + buffer of the centre along the
        // network, so a node farther than that (network distance >= straight distance
        // to the reached pieces) cannot be inside: check with straight distance to the
        // nearest reached node.
        if (dist[n] > radius + 100.0 + 25.0) {
            CHECK_FALSE(inside);
        }
    }
}

TEST_CASE("greedy gap filling picks the site covering the most households", "[coverage]") {
    wrap::GeosContext geos;
    RunContext ctx;
    // A long street with households in three clusters; the centre covers only the first.
    DistrictBuilder b{geos, "POLYGON((-100 -100, 3100 -100, 3100 100, -100 100, -100 -100))"};
    b.line("LINESTRING(0 0, 1000 0, 2000 0, 3000 0)", BarrierClass::street);
    b.household(0, 10, 50);      // covered by the centre at (0, 0)
    b.household(1000, 10, 30);   // small cluster
    b.household(2000, 10, 100);  // big cluster
    b.household(2050, 10, 20);
    const io::District d = b.build();
    const auto net = network::build_network(d, {}, geos, ctx);
    const std::vector<io::PointFeature> centres{point(0, 0, all_services_mask, "C1")};
    coverage::SuggestConfig suggest;
    suggest.sites = 1;
    suggest.candidates = {point(1000, 0, all_services_mask, "A"), point(2020, 0, all_services_mask, "B"),
                          point(2900, 0, all_services_mask, "C")};
    const auto cfg = config_with_radius(200.0);
    const auto r = coverage::compute_coverage(d, net, centres, {}, cfg, suggest, geos, ctx);
    REQUIRE(r.proposals.size() == 1);
    CHECK(r.proposals[0].site.id == "B");
    CHECK(r.proposals[0].households_newly_covered == 120);
    REQUIRE(r.summary_after);
    CHECK(r.summary.within_radius_any == 50);
    CHECK(r.summary_after->within_radius_any == 170);

    // Target 1: as few sites as cover everyone reachable: B then A.
    coverage::SuggestConfig all;
    all.target_share = 1.0;
    all.candidates = suggest.candidates;
    const auto r2 = coverage::compute_coverage(d, net, centres, {}, cfg, all, geos, ctx);
    REQUIRE(r2.proposals.size() == 2);
    CHECK(r2.proposals[0].site.id == "B");
    CHECK(r2.proposals[1].site.id == "A");
    CHECK(r2.summary_after->within_radius_any == 200);
}
