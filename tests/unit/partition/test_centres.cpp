// The centres: placing missing centres, adopting an existing centre, and a frozen
// region's centre that recentre leaves alone.
#include "stages.hpp"

#include "partition/detail/centres.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace gridplan;
using test::StageFixture;

namespace {

/// A chain of four blocks of 100 with an existing centre in block 2.
io::District chain_with_centre(const wrap::GeosContext& geos) {
    io::District d = test::chain(geos, {100, 100, 100, 100}).build();
    io::PointFeature c;
    c.x = 250.0;
    c.y = 50.0;
    c.id = "C1";
    c.services = all_services_mask;
    d.centres.push_back(c);
    return d;
}

/// Blocks 0 and 1 in region 0, blocks 2 and 3 in region 1, as a block assignment.
std::vector<pd::RegionId> halves(const StageFixture& f) {
    std::vector<pd::RegionId> region_of_block(f.blocks().blocks.size());
    for (std::size_t i = 0; i < 4; ++i) {
        region_of_block[f.problem().block_at(50.0 + 100.0 * static_cast<double>(i), 50.0).value()] =
            pd::RegionId{i < 2 ? 0U : 1U};
    }
    return region_of_block;
}

} // namespace

TEST_CASE("centres: recentre places missing centres and adopts the existing one inside a grid", "[partition][centres]") {
    wrap::GeosContext geos;
    const StageFixture f{geos, chain_with_centre(geos), test::config_for(200.0)};
    pd::State s = pd::state_from_assignment(f.problem(), halves(f));
    CHECK(pd::recentre(s, pd::SiteSearch::wide));
    const pd::Region& west = s.regions[pd::RegionId{0}];
    const pd::Region& east = s.regions[pd::RegionId{1}];
    // The existing centre reaches all of region 1's households, as the best site does.
    CHECK_FALSE(east.centre.proposed);
    CHECK(east.centre.existing == 0);
    CHECK(east.seed == f.chain_atom(2));
    CHECK(west.centre.proposed);
    CHECK(std::isfinite(west.centre.x));
    CHECK(s.region_of[west.seed] == pd::RegionId{0});
    // Nothing moves a second time.
    CHECK_FALSE(pd::recentre(s, pd::SiteSearch::wide));
}

TEST_CASE("centres: a given centre, and a frozen region's centre that stays", "[partition][centres]") {
    wrap::GeosContext geos;
    partition::PartitionConfig c = test::config_for(200.0);
    c.set_walk(3.125, 4.8);  // 250 m
    const StageFixture f{geos, chain_with_centre(geos), c};
    pd::State s = pd::state_from_assignment(f.problem(), halves(f));
    // The existing centre given to region 1: it stands in block 2.
    pd::place_centre(s, pd::RegionId{1}, partition::GridCentre{250.0, 50.0, false, 0});
    CHECK(s.regions[pd::RegionId{1}].seed == f.chain_atom(2));
    // A centre far west for region 1 reaches none of its households within 250 m (block
    // 2 is 320 m away on the lane, block 3 420 m); its seed is the region's block nearest it.
    const partition::GridCentre far{30.0, 50.0, true, network::no_index};
    pd::place_centre(s, pd::RegionId{1}, far);
    CHECK(s.regions[pd::RegionId{1}].seed == f.chain_atom(2));
    CHECK(s.outside_radius(pd::RegionId{1}, f.chain_atom(3)) == 100);
    SECTION("frozen: recentre leaves it") {
        s.rules.frozen.assign(2, 0);
        s.rules.frozen[pd::RegionId{1}] = 1;
        pd::recentre(s, pd::SiteSearch::near);
        CHECK(s.regions[pd::RegionId{1}].centre.x == 30.0);
        CHECK(std::isfinite(s.regions[pd::RegionId{0}].centre.x));  // region 0 still gets one
    }
    SECTION("not frozen: recentre moves it into the grid") {
        pd::recentre(s, pd::SiteSearch::near);
        CHECK(s.regions[pd::RegionId{1}].centre.x > 200.0);
    }
}
